"""The store: analyses, sources, rejects, mentions, events and flags in a SQL database.

DuckDB (embedded, the default: ``./dyadwatch.duckdb``) now; the schema and queries are portable
SQL so that a PostgreSQL backend can share them. Every document is written in one transaction:
a process killed mid-ingest leaves each document either fully stored or absent, and a rerun
stores what is missing (ingestion is idempotent: the document id is a hash of its content).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from dyadwatch.errors import StoreError
from dyadwatch.model import Analysis, Rejected

log = logging.getLogger(__name__)

DEFAULT_DB = "dyadwatch.duckdb"

EVENT_COLUMNS = (
    "id", "doc_id", "idx", "type", "mode", "context", "cameo", "root", "quad_class", "intensity",
    "status", "confidence", "date", "day", "date_precision", "date_text",
    "actor_text", "actor_name", "actor_country", "actor_sector", "actor_code", "actor_kb_id",
    "recipient_text", "recipient_name", "recipient_country", "recipient_sector", "recipient_code",
    "recipient_kb_id", "location_text", "location_country", "lat", "lon", "field", "sentence",
    "ev_start", "ev_end", "evidence_text", "n_mentions", "payload")


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every migration shipped in the package, in order."""
    out = []
    for entry in resources.files("dyadwatch.store").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            out.append((int(name[:3]), entry.read_text(encoding="utf-8")))
    return sorted(out)


def _statements(sql: str) -> Iterator[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    for stmt in "\n".join(lines).split(";"):
        if stmt.strip():
            yield stmt.strip()


def _day(value: str) -> dt.date | None:
    """The first day of an event date of any precision ("2026-01-07", "2026-01", "2025")."""
    if not value:
        return None
    parts = value.split("-")
    try:
        return dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1,
                       int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


class Store:
    """A DuckDB database with dyadwatch's schema (created or migrated on open)."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = False):
        import duckdb

        self.path = str(path)
        try:
            self.conn = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open database: {exc}", source=self.path) from exc
        if not read_only:
            self.migrate()

    # --- schema ---------------------------------------------------------------------------
    def migrate(self) -> list[int]:
        """Apply the shipped migrations this database lacks; returns the versions applied."""
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "applied_at TIMESTAMP)")
        done = {row[0] for row in c.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = []
        for version, sql in migrations():
            if version in done:
                continue
            c.execute("BEGIN TRANSACTION")
            try:
                for stmt in _statements(sql):
                    c.execute(stmt)
                c.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, _now()])
                c.execute("COMMIT")
            except Exception as exc:
                c.execute("ROLLBACK")
                raise StoreError(f"migration {version:03d} failed: {exc}", source=self.path) from exc
            applied.append(version)
        return applied

    def schema_version(self) -> int:
        row = self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is not None

    def add_source(self, doc_id: str, source: str, url: str = "", source_name: str = "") -> None:
        self.conn.execute("INSERT INTO document_sources VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          [doc_id, source, url, source_name, _now()])

    def save(self, analysis: Analysis) -> bool:
        """Store one analysis in one transaction. False when the document was already stored
        (its source is still recorded, so duplicates are counted, not lost)."""
        a = analysis.article
        c = self.conn
        c.execute("BEGIN TRANSACTION")
        try:
            if self.has_document(a.doc_id):
                self.add_source(a.doc_id, a.source, a.url, a.source_name)
                c.execute("COMMIT")
                return False
            self._insert(analysis)
            c.execute("DELETE FROM rejects WHERE source = ?", [a.source])
            c.execute("COMMIT")
        except Exception:
            c.execute("ROLLBACK")
            raise
        return True

    def _insert(self, analysis: Analysis) -> None:
        a = analysis.article
        d = analysis.to_dict()
        ref = analysis.ref_date
        self.conn.execute(
            "INSERT INTO documents (id, source, url, title, subtitle, author, author_role, section, "
            "published, published_source, dateline, language, source_name, format, text, quality, "
            "n_events, ref_date, analysis, ingested_at, page_kind, genre, topic) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [a.doc_id, a.source, a.url, a.title, a.subtitle, a.author, a.author_role, a.section,
             a.published, a.published_source, a.dateline, a.language, a.source_name, a.format,
             a.text, analysis.quality, len(analysis.events), ref, json.dumps(d, ensure_ascii=False),
             _now(), a.page_kind, a.genre, a.topic])
        self.add_source(a.doc_id, a.source, a.url, a.source_name)
        if analysis.mentions:
            self.conn.executemany(
                "INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[a.doc_id, i, m.text, m.field, m.sentence, m.start, m.end, m.kind, m.name,
                  m.country, m.sector, m.code, m.kb_id, m.role, m.confidence]
                 for i, m in enumerate(analysis.mentions)])
        if analysis.events:
            rows = [self._event_row(a.doc_id, i, ev) for i, ev in enumerate(d["events"])]
            self.conn.executemany(
                f"INSERT INTO events VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", rows)
        if a.flags:
            self.conn.executemany(
                "INSERT INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[a.doc_id, i, f.kind, f.severity, f.field, f.start, f.end, f.text, f.detail]
                 for i, f in enumerate(a.flags)])

    @staticmethod
    def _event_row(doc_id: str, idx: int, ev: dict[str, Any]) -> list[Any]:
        actor, rec = ev.get("actor") or {}, ev.get("recipient") or {}
        loc = ev.get("location") or {}
        evid = ev.get("evidence") or {}
        cameo = ev.get("cameo") or ""
        return [
            ev.get("id") or f"{doc_id}-{idx}", doc_id, idx, ev.get("type"), ev.get("mode"),
            ",".join(ev.get("context") or []), cameo, cameo[:2], ev.get("quad_class"),
            ev.get("intensity"), ev.get("status"), ev.get("confidence"), ev.get("date") or "",
            _day(ev.get("date") or ""), ev.get("date_precision"), ev.get("date_text"),
            actor.get("text"), actor.get("name"), actor.get("country"), actor.get("sector"),
            actor.get("code"), actor.get("kb_id"),
            rec.get("text"), rec.get("name"), rec.get("country"), rec.get("sector"),
            rec.get("code"), rec.get("kb_id"),
            loc.get("text"), loc.get("country"), loc.get("lat"), loc.get("lon"),
            evid.get("field"), evid.get("sentence"), evid.get("start"), evid.get("end"),
            evid.get("text"), len(ev.get("mentions") or []) or 1,
            json.dumps(ev, ensure_ascii=False)]

    def save_reject(self, rejected: Rejected) -> None:
        self.conn.execute(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "stage = excluded.stage, reason = excluded.reason, message = excluded.message, "
            "rejected_at = excluded.rejected_at",
            [rejected.document_id or rejected.source, rejected.source, rejected.document_id,
             rejected.stage, rejected.reason, rejected.message, _now()])

    # --- reading --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("documents", "document_sources", "rejects", "mentions", "events", "flags"):
            out[table] = int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return out

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def events(self, *, dyad: str | None = None, directed: bool = False, since: dt.date | None = None,
               until: dt.date | None = None, types: Iterable[str] = (), actor: str | None = None,
               min_quality: float | None = None, status: str | None = None, limit: int = 1000,
               offset: int = 0, exclude_genres: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Stored events (as the coder's JSON objects plus doc fields), filtered, newest first."""
        where, params = ["1=1"], []
        if dyad:
            a, _, b = dyad.upper().partition("-")
            if directed:
                where.append("e.actor_country = ? AND e.recipient_country = ?")
                params += [a, b]
            else:
                where.append("((e.actor_country = ? AND e.recipient_country = ?) OR "
                             "(e.actor_country = ? AND e.recipient_country = ?))")
                params += [a, b, b, a]
        if since:
            where.append("e.day >= ?")
            params.append(since)
        if until:
            where.append("e.day <= ?")
            params.append(until)
        types = [t.upper() for t in types]
        if types:
            where.append(f"e.type IN ({', '.join('?' * len(types))})")
            params += types
        if actor:
            where.append("(lower(e.actor_name) = lower(?) OR e.actor_code = upper(?) OR "
                         "lower(e.recipient_name) = lower(?) OR e.recipient_code = upper(?))")
            params += [actor, actor, actor, actor]
        genres = list(exclude_genres)
        if genres:
            where.append(f"(d.genre IS NULL OR d.genre NOT IN ({', '.join('?' * len(genres))}))")
            params += genres
        if status:
            where.append("e.status = ?")
            params.append(status)
        if min_quality is not None:
            where.append("d.quality >= ?")
            params.append(min_quality)
        sql = ("SELECT e.payload, e.doc_id, d.title, d.url, d.source, d.source_name, d.published, "
               "d.quality, d.genre, d.page_kind FROM events e JOIN documents d ON d.id = e.doc_id "
               "WHERE "
               + " AND ".join(where) + " ORDER BY e.day DESC NULLS LAST, e.id LIMIT ? OFFSET ?")
        rows = self.conn.execute(sql, params + [limit, offset]).fetchall()
        out = []
        for payload, doc_id, title, url, source, outlet, published, quality, genre, kind in rows:
            ev = json.loads(payload)
            ev["document"] = {"id": doc_id, "title": title, "url": url, "source": source,
                              "source_name": outlet,
                              "published": published.isoformat() if published else None,
                              "quality": quality, "genre": genre, "page_kind": kind}
            out.append(ev)
        return out

    def analysis(self, doc_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT analysis FROM documents WHERE id = ?", [doc_id]).fetchone()
        return json.loads(row[0]) if row else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def open_store(target: str | Path, *, read_only: bool = False, schema: str | None = None) -> Store:
    """The store at ``target``: a ``postgresql://`` URL (PostgresStore), a batch output directory
    (ParquetStore, read-only) or a DuckDB file (Store)."""
    from dyadwatch.store.parquet import ParquetStore, is_batch_dir
    from dyadwatch.store.postgres import PostgresStore, is_postgres_url

    if is_postgres_url(target):
        return PostgresStore(str(target), read_only=read_only, schema=schema)
    if Path(target).is_dir():
        if not is_batch_dir(target):
            raise StoreError("a directory, but not a batch output directory; pass a DuckDB file, "
                             "a `dyadwatch batch` output directory or a postgresql:// URL",
                             source=str(target))
        return ParquetStore(target)
    return Store(target, read_only=read_only)
