"""Queries behind dyad analytics, alerts and the API: event filters, period sums, event pages,
documents, watchlists, alerts and API tokens.

Every query is parameterised; the only SQL text built from arguments comes from allow-lists
(``INTERVALS``, ``GROUP_KEYS``). Functions take a DuckDB connection or cursor (the API gives each
request its own cursor, since one DuckDB connection must not be used by two threads at once).

Series are aggregated in SQL (``date_trunc`` and ``GROUP BY``) and never read the payload JSON;
event pages pick the page's ids first and read the payload of those rows only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

INTERVALS = ("day", "week", "month", "quarter", "year")
# Series may be broken down by one of these; the value is the SQL expression of the key.
GROUP_KEYS = {"type": "e.type", "quad_class": "CAST(e.quad_class AS VARCHAR)", "status": "e.status",
              "none": "'all'"}


@dataclass(frozen=True, slots=True)
class Dyad:
    """A pair of countries (ISO 3166 alpha-3). Undirected unless ``directed``: then a -> b only."""

    a: str
    b: str
    directed: bool = False

    @property
    def label(self) -> str:
        return f"{self.a}{'>' if self.directed else '-'}{self.b}"


@dataclass(slots=True)
class EventFilter:
    """What an event list or a series is restricted to; empty fields do not restrict."""

    dyad: Dyad | None = None
    actor: str | None = None  # a name, actor code (USAGOV), KB id or country code, either side
    types: tuple[str, ...] = ()
    quad_classes: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    min_quality: float | None = None
    doc_id: str | None = None
    # documents of these genres (clean.genre: opinion, press-release ...) are left out; documents
    # stored before genres were recorded (NULL) are kept
    exclude_genres: tuple[str, ...] = ()
    extra: list[tuple[str, list[Any]]] = field(default_factory=list)  # (SQL, params) from callers

    @property
    def needs_documents(self) -> bool:
        """Whether the WHERE clause reads the documents table (``d.``)."""
        return (self.min_quality is not None or bool(self.exclude_genres)
                or any("d." in sql for sql, _ in self.extra))

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause (over ``events e JOIN documents d``) and its parameters."""
        parts, params = ["1=1"], []
        for sql, p in (self._dyad(), self._actor(), self._in("e.type", [t.upper() for t in self.types]),
                       self._in("e.quad_class", list(self.quad_classes)),
                       self._in("e.status", list(self.statuses))):
            if sql:
                parts.append(sql)
                params += p
        for sql, value in (("e.day >= ?", self.since), ("e.day <= ?", self.until),
                           ("d.quality >= ?", self.min_quality), ("e.doc_id = ?", self.doc_id)):
            if value is not None:
                parts.append(sql)
                params.append(value)
        if self.exclude_genres:
            parts.append(f"(d.genre IS NULL OR d.genre NOT IN "
                         f"({', '.join('?' * len(self.exclude_genres))}))")
            params += list(self.exclude_genres)
        for sql, p in self.extra:
            parts.append(sql)
            params += p
        return " AND ".join(parts), params

    def _dyad(self) -> tuple[str, list[Any]]:
        d = self.dyad
        if d is None:
            return "", []
        if d.directed:
            return "e.actor_country = ? AND e.recipient_country = ?", [d.a, d.b]
        return ("((e.actor_country = ? AND e.recipient_country = ?) OR "
                "(e.actor_country = ? AND e.recipient_country = ?))", [d.a, d.b, d.b, d.a])

    def _actor(self) -> tuple[str, list[Any]]:
        if not self.actor:
            return "", []
        a = self.actor
        sql = " OR ".join(f"lower(e.{side}_name) = lower(?) OR e.{side}_code = upper(?) OR "
                          f"e.{side}_kb_id = ? OR e.{side}_country = upper(?)"
                          for side in ("actor", "recipient"))
        return f"({sql})", [a, a, a, a] * 2

    @staticmethod
    def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        if not values:
            return "", []
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)


FROM = "FROM events e JOIN documents d ON d.id = e.doc_id"


def _rows(cur: Any, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    cur = cur.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def has_table(conn: Any, name: str) -> bool:
    row = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchone()
    return bool(row and row[0])


# --- series -------------------------------------------------------------------------------------
# Corroboration where stories are stored: the number of distinct sources of the merged story event
# of the same type and countries in the document's story (stories.merge); else the event's number
# of reporting spans in its own document.
STORY_SOURCES = ("LEFT JOIN (SELECT sd.doc_id, se.type, se.actor_country, se.recipient_country, "
                 "max(se.num_sources) AS n_sources FROM story_documents sd JOIN story_events se "
                 "ON se.story_id = sd.story_id GROUP BY sd.doc_id, se.type, se.actor_country, "
                 "se.recipient_country) sc ON sc.doc_id = e.doc_id AND sc.type = e.type "
                 "AND sc.actor_country IS NOT DISTINCT FROM e.actor_country "
                 "AND sc.recipient_country IS NOT DISTINCT FROM e.recipient_country")


def has_stories(conn: Any) -> bool:
    return has_table(conn, "story_events") and has_table(conn, "story_documents")


def _weight_sql(status_weights: dict[str, float], max_corroboration: int,
                stories: bool) -> tuple[str, list[Any]]:
    """SQL for an event's index weight: confidence x status weight x (1 + ln corroboration)."""
    cases = " ".join("WHEN ? THEN ?" for _ in status_weights)
    params: list[Any] = []
    for status, weight in status_weights.items():
        params += [status, float(weight)]
    corroboration = "coalesce(sc.n_sources, e.n_mentions, 1)" if stories else "coalesce(e.n_mentions, 1)"
    sql = (f"coalesce(e.confidence, 0.5) * (CASE e.status {cases} ELSE 0 END) * "
           f"(1 + ln(least(greatest({corroboration}, 1), ?)))")
    return sql, params + [int(max_corroboration)]


def period_sums(conn: Any, flt: EventFilter, *, interval: str, by: str,
                status_weights: dict[str, float], max_corroboration: int) -> list[dict[str, Any]]:
    """Per period and key: event count and the weighted sums behind the index
    (sum w, sum w^2, sum w x, sum w x^2 with x the intensity). Events without a day are left out."""
    if interval not in INTERVALS or by not in GROUP_KEYS:
        raise ValueError(f"interval {interval!r} or breakdown {by!r} is not allowed")
    where, params = flt.where()
    stories = has_stories(conn)
    w_sql, w_params = _weight_sql(status_weights, max_corroboration, stories)
    join = STORY_SOURCES if stories else ""
    sql = (f"SELECT period, key, count(*) AS n, sum(w) AS sw, sum(w * w) AS sw2, sum(w * x) AS swx, "
           f"sum(w * x * x) AS swx2 FROM (SELECT date_trunc('{interval}', e.day) AS period, "
           f"{GROUP_KEYS[by]} AS key, coalesce(e.intensity, 0) AS x, {w_sql} AS w {FROM} {join} "
           f"WHERE e.day IS NOT NULL AND {where}) GROUP BY period, key ORDER BY period, key")
    return _rows(conn, sql, w_params + params)


def day_range(conn: Any, flt: EventFilter, low_quantile: float = 0.0) -> tuple[dt.date | None, dt.date | None]:
    """The first (or the ``low_quantile`` quantile) and the last event day the filter matches."""
    where, params = flt.where()
    row = conn.execute(f"SELECT quantile_disc(e.day, ?), max(e.day) {FROM} "
                       f"WHERE e.day IS NOT NULL AND {where}", [low_quantile] + params).fetchone()
    return (row[0], row[1]) if row else (None, None)


# --- events -------------------------------------------------------------------------------------
def event_page(conn: Any, flt: EventFilter, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """One page of events, newest first, as the coder's event objects plus a ``document`` summary;
    and the number of events the filter matches.

    Two steps: the page's ids (from the events table alone unless the filter reads the document's
    quality), then the payloads of those ids only, by primary key."""
    where, params = flt.where()
    src = FROM if flt.needs_documents else "FROM events e"
    total = conn.execute(f"SELECT count(*) {src} WHERE {where}", params).fetchone()[0]
    ids = [r[0] for r in conn.execute(
        f"SELECT e.id {src} WHERE {where} ORDER BY e.day DESC NULLS LAST, e.id LIMIT ? OFFSET ?",
        params + [limit, offset]).fetchall()]
    if not ids:
        return [], int(total)
    return _events_by_ids(conn, ids), int(total)


def _events_by_ids(conn: Any, ids: list[str]) -> list[dict[str, Any]]:
    """Events by id, in the order given. Two primary-key lookups (the events, then their
    documents) are cheaper than a join, which scans the documents table."""
    rows = conn.execute(f"SELECT payload, id, doc_id, day FROM events WHERE id IN "
                        f"({', '.join('?' * len(ids))})", ids).fetchall()
    doc_ids = sorted({r[2] for r in rows})
    docs = {}
    if doc_ids:
        docs = {r[0]: r[1:] for r in conn.execute(
            f"SELECT id, title, url, source, source_name, published, quality, genre, page_kind "
            f"FROM documents "
            f"WHERE id IN ({', '.join('?' * len(doc_ids))})", doc_ids).fetchall()}
    order = {eid: i for i, eid in enumerate(ids)}
    rows.sort(key=lambda r: order[r[1]])
    return [_event(r, docs.get(r[2], (None,) * 8)) for r in rows]


def _event(row: Sequence[Any], doc: Sequence[Any]) -> dict[str, Any]:
    payload, eid, doc_id, day = row
    title, url, source, outlet, published, quality, genre, page_kind = doc
    ev = json.loads(payload)
    ev["id"] = eid
    ev["day"] = day.isoformat() if day else None
    ev["document"] = {"id": doc_id, "title": title, "url": url, "source": source,
                      "source_name": outlet, "published": published.isoformat() if published else None,
                      "quality": quality, "genre": genre, "page_kind": page_kind}
    return ev


def event(conn: Any, event_id: str) -> dict[str, Any] | None:
    found = _events_by_ids(conn, [event_id])
    return found[0] if found else None


def dyad_counts(conn: Any, *, min_quality: float | None, since: dt.date | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    """Undirected country pairs by number of events (both countries known and different)."""
    flt = EventFilter(min_quality=min_quality, since=since)
    where, params = flt.where()
    sql = (f"SELECT least(e.actor_country, e.recipient_country) AS a, "
           f"greatest(e.actor_country, e.recipient_country) AS b, count(*) AS n, "
           f"max(e.day) AS last_day, avg(e.intensity) AS mean_intensity {FROM} WHERE {where} "
           f"AND coalesce(e.actor_country, '') <> '' AND coalesce(e.recipient_country, '') <> '' "
           f"AND e.actor_country <> e.recipient_country GROUP BY a, b ORDER BY n DESC, a, b LIMIT ?")
    return _rows(conn, sql, params + [limit])


# --- documents ----------------------------------------------------------------------------------
DOC_COLUMNS = ("id", "source", "url", "title", "author", "section", "published", "source_name",
               "language", "quality", "n_events", "ingested_at", "genre", "page_kind", "topic")


def document_page(conn: Any, *, min_quality: float | None = None, since: dt.date | None = None,
                  until: dt.date | None = None, source_name: str | None = None, limit: int,
                  offset: int) -> tuple[list[dict[str, Any]], int]:
    parts, params = ["1=1"], []
    for sql, value in (("quality >= ?", min_quality), ("published >= ?", since),
                       ("published <= ?", until), ("source_name = ?", source_name)):
        if value is not None:
            parts.append(sql)
            params.append(value)
    where = " AND ".join(parts)
    total = conn.execute(f"SELECT count(*) FROM documents WHERE {where}", params).fetchone()[0]
    rows = _rows(conn, f"SELECT {', '.join(DOC_COLUMNS)} FROM documents WHERE {where} "
                       "ORDER BY ingested_at DESC, id LIMIT ? OFFSET ?", params + [limit, offset])
    return rows, int(total)


def document(conn: Any, doc_id: str) -> dict[str, Any] | None:
    """The stored analysis of a document (the ``analyze --json`` object) with its quality, the
    ids of its stored events (in order) and every source it was seen at."""
    row = conn.execute("SELECT analysis, quality, ingested_at FROM documents WHERE id = ?",
                       [doc_id]).fetchone()
    if row is None:
        return None
    out = json.loads(row[0])
    out["quality"] = row[1]
    out["ingested_at"] = row[2].isoformat() if row[2] else None
    ids = [r[0] for r in conn.execute("SELECT id FROM events WHERE doc_id = ? ORDER BY idx",
                                      [doc_id]).fetchall()]
    for ev, eid in zip(out.get("events") or [], ids):
        ev["id"] = eid
    out["sources"] = _rows(conn, "SELECT source, url, source_name, seen_at FROM document_sources "
                                 "WHERE doc_id = ? ORDER BY seen_at", [doc_id])
    return out


# --- watchlists ---------------------------------------------------------------------------------
def insert_watchlist(conn: Any, wid: str, name: str, rules: list[dict[str, Any]], webhook: str | None,
                     now: dt.datetime) -> None:
    conn.execute("INSERT INTO watchlists VALUES (?, ?, ?, ?, ?, ?, ?)",
                 [wid, name, json.dumps(rules, ensure_ascii=False), webhook, True, now, now])


def watchlists(conn: Any, *, active_only: bool = False) -> list[dict[str, Any]]:
    where = "WHERE active" if active_only else ""
    rows = _rows(conn, f"SELECT * FROM watchlists {where} ORDER BY created_at, id")
    for r in rows:
        r["rules"] = json.loads(r["rules"])
    return rows


def watchlist(conn: Any, wid: str) -> dict[str, Any] | None:
    rows = _rows(conn, "SELECT * FROM watchlists WHERE id = ?", [wid])
    if not rows:
        return None
    rows[0]["rules"] = json.loads(rows[0]["rules"])
    return rows[0]


def delete_watchlist(conn: Any, wid: str) -> bool:
    """Remove a watchlist and its alerts; False when there was none."""
    if watchlist(conn, wid) is None:
        return False
    conn.execute("DELETE FROM alerts WHERE watchlist_id = ?", [wid])
    conn.execute("DELETE FROM watchlists WHERE id = ?", [wid])
    return True


def set_checked(conn: Any, wid: str, mark: dt.datetime) -> None:
    conn.execute("UPDATE watchlists SET checked_at = ? WHERE id = ?", [mark, wid])


# Columns an alert rule can look at.
MATCH_COLUMNS = ("e.id", "e.doc_id", "e.type", "e.mode", "e.context", "e.status", "e.trigger_text",
                 "e.actor_name", "e.actor_code", "e.actor_kb_id", "e.actor_country",
                 "e.recipient_name", "e.recipient_code", "e.recipient_kb_id", "e.recipient_country",
                 "e.evidence_text", "d.title", "d.quality", "d.ingested_at")


def events_ingested_after(conn: Any, mark: dt.datetime) -> list[dict[str, Any]]:
    """Events of documents ingested after ``mark`` (oldest first), with what rules look at."""
    cols = ", ".join(c if c != "e.trigger_text" else
                     "json_extract_string(e.payload, '$.trigger') AS trigger_text"
                     for c in MATCH_COLUMNS)
    return _rows(conn, f"SELECT {cols} {FROM} WHERE d.ingested_at > ? "
                       "ORDER BY d.ingested_at, e.doc_id, e.idx", [mark])


def latest_ingest(conn: Any) -> dt.datetime | None:
    return conn.execute("SELECT max(ingested_at) FROM documents").fetchone()[0]


# --- alerts -------------------------------------------------------------------------------------
def insert_alerts(conn: Any, rows: list[list[Any]]) -> int:
    """Insert alert rows (id, watchlist_id, event_id, doc_id, reason, created_at, delivery);
    an alert already raised for the same watchlist and event is kept as it was."""
    before = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    if rows:
        conn.executemany("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL) "
                         "ON CONFLICT DO NOTHING", rows)
    return int(conn.execute("SELECT count(*) FROM alerts").fetchone()[0] - before)


def alert_page(conn: Any, *, watchlist_id: str | None = None, since: dt.datetime | None = None,
               delivery: str | None = None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Alerts, newest first, each with its watchlist's name and its event (with evidence)."""
    parts, params = ["1=1"], []
    for sql, value in (("a.watchlist_id = ?", watchlist_id), ("a.created_at >= ?", since),
                       ("a.delivery = ?", delivery)):
        if value is not None:
            parts.append(sql)
            params.append(value)
    where = " AND ".join(parts)
    total = conn.execute(f"SELECT count(*) FROM alerts a WHERE {where}", params).fetchone()[0]
    rows = _rows(conn, "SELECT a.id, a.watchlist_id, w.name AS watchlist, a.event_id, a.doc_id, "
                       "a.reason, a.created_at, a.delivery, a.attempts, a.delivered_at, a.last_error, "
                       "e.payload, d.title, d.url, d.source_name, d.published FROM alerts a "
                       "JOIN watchlists w ON w.id = a.watchlist_id "
                       "LEFT JOIN events e ON e.id = a.event_id "
                       "LEFT JOIN documents d ON d.id = a.doc_id "
                       f"WHERE {where} ORDER BY a.created_at DESC, a.id LIMIT ? OFFSET ?",
                 params + [limit, offset])
    for r in rows:
        payload = r.pop("payload")
        r["event"] = json.loads(payload) if payload else None
        if r["event"] is not None:
            r["event"]["id"] = r["event_id"]
    return rows, int(total)


def alerts_by_ids(conn: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    out = _rows(conn, "SELECT a.*, w.webhook, w.name AS watchlist, e.payload, d.title, d.url "
                      "FROM alerts a JOIN watchlists w ON w.id = a.watchlist_id "
                      "LEFT JOIN events e ON e.id = a.event_id LEFT JOIN documents d ON d.id = a.doc_id "
                      f"WHERE a.id IN ({marks}) ORDER BY a.created_at, a.id", list(ids))
    for r in out:
        payload = r.pop("payload")
        r["event"] = json.loads(payload) if payload else None
    return out


def pending_alert_ids(conn: Any) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM alerts WHERE delivery = 'pending' "
                                       "ORDER BY created_at, id").fetchall()]


def set_delivery(conn: Any, alert_id: str, *, delivery: str, attempts: int,
                 delivered_at: dt.datetime | None, error: str | None) -> None:
    conn.execute("UPDATE alerts SET delivery = ?, attempts = attempts + ?, delivered_at = ?, "
                 "last_error = ? WHERE id = ?", [delivery, attempts, delivered_at, error, alert_id])


# --- tokens -------------------------------------------------------------------------------------
def insert_token(conn: Any, tid: str, name: str, token_hash: str, now: dt.datetime) -> None:
    conn.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?, NULL, NULL)", [tid, name, token_hash, now])


def token(conn: Any, tid: str) -> dict[str, Any] | None:
    rows = _rows(conn, "SELECT * FROM api_tokens WHERE id = ?", [tid])
    return rows[0] if rows else None


def tokens(conn: Any) -> list[dict[str, Any]]:
    return _rows(conn, "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens "
                       "ORDER BY created_at, id")


def revoke_token(conn: Any, tid: str, now: dt.datetime) -> bool:
    if token(conn, tid) is None:
        return False
    conn.execute("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now, tid])
    return True


def touch_token(conn: Any, tid: str, now: dt.datetime) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, tid])


# --- stories (tables of migration 002, written by dyadwatch.store.stories) ----------------------
class ReadView:
    """The read methods ``dyadwatch.store.stories`` uses (``conn``, ``query``) over one cursor."""

    def __init__(self, conn: Any):
        self.conn = conn

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return _rows(self.conn, sql, params)


def story_count(conn: Any, *, since: dt.date | None = None, until: dt.date | None = None,
                min_documents: int = 1) -> int:
    """How many stories ``store.stories.list_stories`` would page through with these filters."""
    parts, params = ["n_documents >= ?"], [min_documents]
    for sql, value in (("last_seen >= ?", since), ("first_seen <= ?", until)):
        if value is not None:
            parts.append(sql)
            params.append(value)
    return int(conn.execute(f"SELECT count(*) FROM stories WHERE {' AND '.join(parts)}",
                            params).fetchone()[0])


def event_ids_at(conn: Any, spans: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], str]:
    """Stored event ids by (document, field, evidence start): links a story's reports to the
    article-level events behind them."""
    keys = list(dict.fromkeys(spans))
    if not keys:
        return {}
    docs = sorted({k[0] for k in keys})
    rows = conn.execute(f"SELECT doc_id, field, ev_start, id FROM events WHERE doc_id IN "
                        f"({', '.join('?' * len(docs))}) ORDER BY idx", docs).fetchall()
    found: dict[tuple[str, str, int], str] = {}
    for doc_id, fld, start, eid in rows:
        found.setdefault((doc_id, fld or "body", start), eid)
    return {k: found[k] for k in keys if k in found}
