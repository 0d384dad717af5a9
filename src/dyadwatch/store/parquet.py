"""Batch output as Parquet: the layout, atomic writes, direct queries and loading into a store.

A batch output directory holds one Parquet file per table per shard, and one marker per
committed shard, written last::

    DIR/documents/<shard>.parquet   sources/ mentions/ events/ flags/ rejects/  (same names)
    DIR/_shards/<shard>.json        the commit marker: input fingerprint, row counts, timings

Only shards with a marker are read: a file without one is a shard that a killed run did not
finish, and a rerun overwrites it. Columns are those of the SQL tables (the schema comes from
the migrations, so Parquet and databases cannot drift apart), without the times of storing.

``ParquetStore(DIR)`` is a read-only ``Store`` whose tables are DuckDB views over the committed
files (``dyadwatch events --db DIR``); ``load_dir(store, DIR)`` copies the output into DuckDB or
PostgreSQL, idempotently, one transaction per shard.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadwatch.errors import StoreError
from dyadwatch.store import Store, _now
from dyadwatch.store.rows import LOAD_TIME_COLUMNS, SQL_TABLES, Row

log = logging.getLogger(__name__)

TABLES = tuple(SQL_TABLES)
MARKER_DIR = "_shards"

_ARROW_TYPES = {"VARCHAR": "string", "JSON": "string", "INTEGER": "int32", "BIGINT": "int64",
                "DOUBLE": "float64", "DATE": "date32", "BOOLEAN": "bool_"}


# --------------------------------------------------------------------------------------------
# schema


@functools.lru_cache(maxsize=1)
def sql_columns() -> dict[str, list[tuple[str, str]]]:
    """(column, DuckDB type) of each batch table's SQL table, from the shipped migrations."""
    with Store(":memory:") as mem:
        out = {}
        for table, sql_table in SQL_TABLES.items():
            out[table] = [(r[0], r[1]) for r in mem.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position", [sql_table]).fetchall()]
    return out


def columns(table: str) -> list[str]:
    """The columns of ``table`` in batch output (the SQL columns minus the time of storing)."""
    skip = LOAD_TIME_COLUMNS.get(table)
    return [name for name, _ in sql_columns()[table] if name != skip]


@functools.lru_cache(maxsize=None)
def arrow_schema(table: str) -> Any:
    import pyarrow as pa

    types = dict(sql_columns()[table])
    fields = []
    for name in columns(table):
        kind = _ARROW_TYPES.get(types[name])
        if kind is None:
            raise StoreError(f"no Parquet type for SQL type {types[name]} of {table}.{name}")
        fields.append(pa.field(name, getattr(pa, kind)()))
    return pa.schema(fields)


# --------------------------------------------------------------------------------------------
# layout and atomic writes


def table_file(out_dir: str | Path, table: str, shard: str) -> Path:
    return Path(out_dir) / table / f"{shard}.parquet"


def marker_file(out_dir: str | Path, shard: str) -> Path:
    return Path(out_dir) / MARKER_DIR / f"{shard}.json"


def is_batch_dir(path: str | Path) -> bool:
    return (Path(path) / MARKER_DIR).is_dir()


def read_marker(out_dir: str | Path, shard: str) -> dict[str, Any] | None:
    try:
        return json.loads(marker_file(out_dir, shard).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # a marker is written atomically: this is damage
        log.warning("unreadable marker of shard %s (%s); the shard will be redone", shard, exc)
        return None


def committed_shards(out_dir: str | Path) -> list[str]:
    """Shards whose marker exists and whose table files are all present, in the order of the
    inputs (the marker's ``seq``, the shard's place in its run's plan), so that a document met
    twice is kept from its first sighting, as ``ingest`` keeps it."""
    mdir = Path(out_dir) / MARKER_DIR
    if not mdir.is_dir():
        return []
    found = []
    for p in mdir.glob("*.json"):
        shard = p.stem
        marker = read_marker(out_dir, shard)
        if marker is None:
            continue
        if all(table_file(out_dir, t, shard).exists() for t in TABLES):
            found.append((int(marker.get("seq", 0)), shard))
        else:
            log.warning("shard %s has a marker but misses table files; ignored", shard)
    return [shard for _, shard in sorted(found)]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """``write`` a temporary file beside ``path``, flush it to disk, then rename it over ``path``:
    readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_tables(out_dir: str | Path, shard: str, rows: dict[str, list[Row]]) -> dict[str, int]:
    """Write every table of one shard (empty tables too); returns the row count of each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts = {}
    for table in TABLES:
        data = rows.get(table, [])
        arrow = pa.Table.from_pylist(data, schema=arrow_schema(table))
        # zstd: about a third smaller than snappy on article text at similar speed
        atomic_write(table_file(out_dir, table, shard),
                     lambda tmp, a=arrow: pq.write_table(a, tmp, compression="zstd"))
        counts[table] = len(data)
    for table in TABLES:
        _fsync_dir(Path(out_dir) / table)
    return counts


def commit(out_dir: str | Path, shard: str, marker: dict[str, Any]) -> None:
    """Write the shard's marker (last: the shard counts as done only once it exists)."""
    path = marker_file(out_dir, shard)
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(marker, sort_keys=True), "utf-8"))
    _fsync_dir(path.parent)


def remove_partial(out_dir: str | Path) -> int:
    """Delete the temporary files a killed run left (call only while holding the batch lock)."""
    n = 0
    for sub in (*TABLES, MARKER_DIR):
        for tmp in (Path(out_dir) / sub).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
    return n


def uncommit(out_dir: str | Path, shard: str) -> None:
    """Remove a shard's marker (before redoing it), so readers stop using its old files."""
    try:
        marker_file(out_dir, shard).unlink()
        _fsync_dir(Path(out_dir) / MARKER_DIR)
    except FileNotFoundError:
        pass


# --------------------------------------------------------------------------------------------
# querying a batch directory directly


def _sql_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


class ParquetStore(Store):
    """A read-only store over a batch output directory: DuckDB views on its Parquet files.

    A document found in several shards (the same content under two inputs) is read from one
    shard (the first by id), with that shard's mentions, events and flags; every sighting stays
    in ``document_sources``. Times of storing are NULL.
    """

    def __init__(self, path: str | Path, *, read_only: bool = True):
        import duckdb

        self.path = str(path)
        if not is_batch_dir(path):
            raise StoreError(f"not a batch output directory (no {MARKER_DIR}/); write one with "
                             "`dyadwatch batch INPUT --out DIR`", source=self.path)
        self.conn = duckdb.connect(":memory:")
        self.migrate()  # every table of the schema, so that code reading stories etc. works
        shards = committed_shards(path)
        if shards:
            self._create_views(shards)

    def _files(self, table: str, shards: list[str]) -> str:
        return _sql_list(table_file(self.path, table, s) for s in shards)

    def _select(self, table: str, alias: str) -> str:
        load_col = LOAD_TIME_COLUMNS.get(table)
        return ", ".join(f"NULL::TIMESTAMP AS {name}" if name == load_col else f"{alias}.{name}"
                         for name, _ in sql_columns()[table])

    def _create_views(self, shards: list[str]) -> None:
        c = self.conn
        src = {t: f"read_parquet({self._files(t, shards)}, filename = true)" for t in TABLES}
        c.execute("CREATE TABLE _order (shard VARCHAR, rank INTEGER)")
        c.executemany("INSERT INTO _order VALUES (?, ?)", [[s, i] for i, s in enumerate(shards)])
        c.execute(f"CREATE TABLE _chosen AS SELECT x.id, arg_min(o.shard, o.rank) AS shard "
                  f"FROM {src['documents']} x JOIN _order o ON o.shard = "
                  f"parse_filename(x.filename, true) GROUP BY x.id")
        for table in TABLES:
            sql_table = SQL_TABLES[table]
            c.execute(f"DROP TABLE {sql_table}")
            key = "id" if table == "documents" else "doc_id"
            if table in ("documents", "mentions", "events", "flags"):
                body = (f"SELECT {self._select(table, 'x')} FROM {src[table]} x JOIN _chosen c "
                        f"ON c.id = x.{key} AND c.shard = parse_filename(x.filename, true)")
            elif table == "sources":  # the first sighting of each (document, source)
                body = (f"SELECT DISTINCT ON (x.doc_id, x.source) {self._select(table, 'x')} "
                        f"FROM {src[table]} x JOIN _order o ON o.shard = "
                        f"parse_filename(x.filename, true) ORDER BY x.doc_id, x.source, o.rank")
            else:  # the last reject of each id (as save_reject updates); none for a source
                # that was stored after all (as Store.save deletes it)
                body = (f"SELECT DISTINCT ON (x.id) {self._select(table, 'x')} FROM {src[table]} x "
                        f"JOIN _order o ON o.shard = parse_filename(x.filename, true) "
                        f"WHERE x.source NOT IN (SELECT source FROM document_sources) "
                        f"ORDER BY x.id, o.rank DESC")
            c.execute(f"CREATE VIEW {sql_table} AS {body}")

    def save(self, analysis) -> bool:  # noqa: ANN001 - same signature as Store.save
        raise StoreError("a batch output directory is read-only; load it into a database with "
                         "`dyadwatch load DIR --db FILE`", source=self.path)

    save_reject = save


# --------------------------------------------------------------------------------------------
# loading into a database


@dataclass
class LoadReport:
    shards: int = 0
    stored: int = 0  # documents new to the database
    duplicate: int = 0  # documents it held already
    events: int = 0
    rejected: int = 0
    per_shard: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"shards": self.shards, "stored": self.stored, "duplicate": self.duplicate,
                "events": self.events, "rejected": self.rejected}


def load_dir(store: Store, out_dir: str | Path, *,
             progress: Callable[[str, dict[str, int]], None] | None = None) -> LoadReport:
    """Copy every committed shard of ``out_dir`` into ``store``; idempotent (a document already
    stored is counted as a duplicate and its sightings are added)."""
    from dyadwatch.store.postgres import PostgresStore

    if isinstance(store, ParquetStore):
        raise StoreError("cannot load into a batch output directory", source=store.path)
    if not is_batch_dir(out_dir):
        raise StoreError(f"not a batch output directory (no {MARKER_DIR}/)", source=str(out_dir))
    load_shard = _load_shard_postgres if isinstance(store, PostgresStore) else _load_shard_duckdb
    report = LoadReport()
    for shard in committed_shards(out_dir):
        files = {t: table_file(out_dir, t, shard) for t in TABLES}
        counts = load_shard(store, files)
        report.shards += 1
        report.stored += counts["stored"]
        report.duplicate += counts["duplicate"]
        report.events += counts["events"]
        report.rejected += counts["rejected"]
        if progress is not None:
            progress(shard, counts)
    return report


def _insert_cols(table: str) -> tuple[str, str]:
    """(SQL column list, the matching select list with ? for the time of storing)."""
    load_col = LOAD_TIME_COLUMNS.get(table)
    names = [n for n, _ in sql_columns()[table]]
    return ", ".join(names), ", ".join("?" if n == load_col else n for n in names)


def _load_shard_duckdb(store: Store, files: dict[str, Path]) -> dict[str, int]:
    c = store.conn
    now = _now()
    f = {t: str(p) for t, p in files.items()}
    c.execute("BEGIN TRANSACTION")
    try:
        c.execute("CREATE OR REPLACE TEMP TABLE _new AS SELECT id FROM read_parquet(?) "
                  "WHERE id NOT IN (SELECT id FROM documents)", [f["documents"]])
        stored = c.execute("SELECT count(*) FROM _new").fetchone()[0]
        total = c.execute("SELECT count(*) FROM read_parquet(?)", [f["documents"]]).fetchone()[0]
        for table in ("documents", "mentions", "events", "flags"):
            names, select = _insert_cols(table)
            key = "id" if table == "documents" else "doc_id"
            c.execute(f"INSERT INTO {SQL_TABLES[table]} ({names}) SELECT {select} FROM "
                      f"read_parquet(?) WHERE {key} IN (SELECT id FROM _new)",
                      ([now] if table == "documents" else []) + [f[table]])
        names, select = _insert_cols("sources")
        c.execute(f"INSERT INTO document_sources ({names}) SELECT {select} FROM read_parquet(?) "
                  "ON CONFLICT DO NOTHING", [now, f["sources"]])
        rejected = _load_rejects(c, f["rejects"], now)
        c.execute("DELETE FROM rejects WHERE source IN (SELECT source FROM read_parquet(?))",
                  [f["sources"]])
        events = c.execute("SELECT count(*) FROM events WHERE doc_id IN (SELECT id FROM _new)"
                           ).fetchone()[0]
        c.execute("DROP TABLE _new")
        c.execute("COMMIT")
    except Exception as exc:
        c.execute("ROLLBACK")
        raise StoreError(f"cannot load {files['documents']}: {exc}", source=store.path) from exc
    return {"stored": int(stored), "duplicate": int(total - stored), "events": int(events),
            "rejected": rejected}


_REJECT_UPSERT = ("ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, reason = excluded.reason,"
                  " message = excluded.message, rejected_at = excluded.rejected_at")


def _load_rejects(c: Any, path: str, now: dt.datetime) -> int:
    names, select = _insert_cols("rejects")
    before = c.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()[0]
    if before:
        c.execute(f"INSERT INTO rejects ({names}) SELECT {select} FROM read_parquet(?) "
                  + _REJECT_UPSERT, [now, path])
    return int(before)


def _read_rows(path: Path) -> list[Row]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _copy(cur: Any, table: str, target: str, rows: list[Row]) -> None:
    names = columns(table)
    with cur.copy(f"COPY {target} ({', '.join(names)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row([r[n] for n in names])


def _load_shard_postgres(store: Any, files: dict[str, Path]) -> dict[str, int]:
    """One transaction: documents go through a staging table (INSERT ... ON CONFLICT DO NOTHING
    RETURNING id: a concurrent loader of the same document waits, then skips it), then the
    rows of the documents this transaction inserted are copied straight in."""
    import psycopg

    rows = {t: _read_rows(p) for t, p in files.items()}
    now = _now()
    raw = store.raw
    try:
        with raw.transaction(), raw.cursor() as cur:
            cur.execute("CREATE TEMP TABLE _stage_documents (LIKE documents) ON COMMIT DROP")
            _copy(cur, "documents", "_stage_documents", rows["documents"])
            names = [n for n, _ in sql_columns()["documents"]]
            select = ", ".join("%s" if n == "ingested_at" else n for n in names)
            cur.execute(f"INSERT INTO documents ({', '.join(names)}) SELECT {select} FROM "
                        "_stage_documents ON CONFLICT (id) DO NOTHING RETURNING id", [now])
            new = {r[0] for r in cur.fetchall()}
            for table in ("mentions", "events", "flags"):
                _copy(cur, table, table, [r for r in rows[table] if r["doc_id"] in new])
            _stage_insert(cur, "sources", rows["sources"], now, "ON CONFLICT DO NOTHING")
            _stage_insert(cur, "rejects", rows["rejects"], now, _REJECT_UPSERT)
            sources = sorted({r["source"] for r in rows["sources"]})
            if sources:
                cur.execute("DELETE FROM rejects WHERE source = ANY(%s)", [sources])
    except psycopg.Error as exc:
        raise StoreError(f"cannot load {files['documents']}: {exc}", source=store.path) from exc
    events = sum(1 for r in rows["events"] if r["doc_id"] in new)
    return {"stored": len(new), "duplicate": len(rows["documents"]) - len(new), "events": events,
            "rejected": len(rows["rejects"])}


def _stage_insert(cur: Any, table: str, rows: list[Row], now: dt.datetime, conflict: str) -> None:
    if not rows:
        return
    target = SQL_TABLES[table]
    stage = f"_stage_{table}"
    cur.execute(f"CREATE TEMP TABLE {stage} (LIKE {target}) ON COMMIT DROP")
    _copy(cur, table, stage, rows)
    load_col = LOAD_TIME_COLUMNS[table]
    names = [n for n, _ in sql_columns()[table]]
    select = ", ".join("%s" if n == load_col else n for n in names)
    cur.execute(f"INSERT INTO {target} ({', '.join(names)}) SELECT {select} FROM {stage} "
                + conflict, [now])
