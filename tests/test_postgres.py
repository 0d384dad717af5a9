"""PostgreSQL as the store: migrations, save/dedup/rejects, event queries, concurrent writers,
loading batch output, and the command line over a postgresql:// URL.

Needs a PostgreSQL server: ``DYADWATCH_TEST_PG`` (a postgresql:// URL; ``.ci/run`` starts one and
sets it) or the role and database that ``.ci/run`` creates on localhost. Every test works in a
schema of its own, dropped afterwards. Analyses are built by hand: no models are loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid

import pytest
from typer.testing import CliRunner

from dyadwatch.cli import app
from dyadwatch.model import ActorRef, Analysis, Article, Event, Evidence, Flag, Mention, Rejected
from dyadwatch.store import Store, migrations, open_store
from dyadwatch.store.parquet import commit, load_dir, write_tables
from dyadwatch.store.postgres import PostgresStore, redact, translate
from dyadwatch.store.rows import analysis_rows, reject_row

DEFAULT_URL = "postgresql://dyadwatch:dyadwatch@localhost:5432/dyadwatch_test"
TIME_COLUMNS = {"ingested_at", "seen_at", "rejected_at"}


def _url() -> str:
    return os.environ.get("DYADWATCH_TEST_PG") or DEFAULT_URL


@pytest.fixture(scope="module")
def pg_url() -> str:
    psycopg = pytest.importorskip("psycopg")
    url = _url()
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL reachable at {redact(url)} (set DYADWATCH_TEST_PG): {exc}")
    return url


@pytest.fixture()
def schema(pg_url):
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    yield name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture()
def store(pg_url, schema):
    s = PostgresStore(pg_url, schema=schema)
    yield s
    s.close()


def make_analysis(i: int, *, source: str | None = None, text: str | None = None,
                  countries: tuple[str, str] = ("COL", "USA"), day: str = "2026-01-07",
                  quality: float = 0.9) -> Analysis:
    text = text or f"Petro called Trump about tariffs, story {i}."
    article = Article(doc_id=f"doc{i:04d}", source=source or f"in/{i}.txt", text=text,
                      title=f"Story {i}", published=dt.date.fromisoformat(day), source_name="Wire")
    article.flags.append(Flag("unsupported_claim", "low", 0, 5, text[:5], "a test flag"))
    a, b = countries
    ev = Event(type="CONSULT", actor=ActorRef(text="Petro", name="Gustavo Petro", country=a,
                                               code=a + "GOV"),
               recipient=ActorRef(text="Trump", name="Donald Trump", country=b, code=b + "GOV"),
               evidence=Evidence(0, 0, len(text), text), mode="phone", cameo="040", quad_class=1,
               intensity=1.0, date=day, date_precision="day", id=f"doc{i:04d}-ev")
    mentions = [Mention(text="Petro", start=0, end=5, sentence=0, kind="person", country=a),
                Mention(text="Trump", start=13, end=18, sentence=0, kind="person", country=b)]
    return Analysis(article=article, quality=quality, mentions=mentions, events=[ev],
                    ref_date=dt.date.fromisoformat(day))


def rows(store: Store, table: str) -> list[tuple]:
    cols = [r[0] for r in store.conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND "
        "table_schema = current_schema() ORDER BY ordinal_position", [table]).fetchall()
        if r[0] not in TIME_COLUMNS]
    def plain(v):
        return json.loads(v) if isinstance(v, str) and v.startswith(("{", "[")) else v

    found = store.conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
    return sorted((tuple(plain(v) for v in r) for r in found), key=repr)


# --------------------------------------------------------------------------------------------


def test_translate_placeholders_outside_quotes():
    assert translate("SELECT ? WHERE a LIKE '%?%' AND b = ?") == \
        "SELECT %s WHERE a LIKE '%%?%%' AND b = %s"
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_migrations_apply_once(pg_url, store):
    assert store.schema_version() == max(v for v, _ in migrations())
    assert store.migrate() == []
    again = PostgresStore(pg_url, schema=store.schema)  # a second connection finds it done
    assert again.schema_version() == store.schema_version()
    again.close()


def test_save_dedup_rejects_and_events(store):
    store.save_reject(Rejected("", "in/1.txt", "extract", "no_text", "first try failed"))
    assert store.save(make_analysis(1)) is True
    assert store.counts()["rejects"] == 0  # the source was stored after all
    assert store.save(make_analysis(1)) is False
    assert store.save(make_analysis(1, source="mirror/1.txt")) is False  # same content elsewhere
    store.save(make_analysis(2, countries=("RUS", "UKR"), day="2025-05-16", quality=0.3))
    store.save_reject(Rejected("r1", "bad.bin", "read", "binary", "binary data"))
    store.save_reject(Rejected("r1", "bad.bin", "read", "binary", "still binary"))
    c = store.counts()
    assert c == {"documents": 2, "document_sources": 3, "rejects": 1, "mentions": 4,
                 "events": 2, "flags": 2}
    assert store.query("SELECT message FROM rejects")[0]["message"] == "still binary"

    evs = store.events(dyad="USA-COL")
    assert [e["id"] for e in evs] == ["doc0001-ev"]
    assert evs[0]["document"]["published"] == "2026-01-07" and evs[0]["mode"] == "phone"
    assert store.events(dyad="USA-COL", directed=True) == []
    assert len(store.events(since=dt.date(2025, 6, 1))) == 1
    assert len(store.events(types=["consult"], actor="usagov")) == 1
    assert store.events(min_quality=0.5)[0]["document"]["id"] == "doc0001"
    assert store.analysis("doc0002")["document"]["title"] == "Story 2"
    assert store.query("SELECT count(*) AS n FROM documents WHERE title LIKE '%1'")[0]["n"] == 1


def test_same_rows_as_duckdb(store, tmp_path):
    with Store(tmp_path / "x.duckdb") as duck:
        for s in (duck, store):
            for i in range(3):
                s.save(make_analysis(i))
            s.save_reject(Rejected("r9", "bad", "read", "empty", "empty"))
        for table in ("documents", "document_sources", "rejects", "mentions", "events", "flags"):
            assert rows(store, table) == rows(duck, table), table


def test_concurrent_writers_store_each_document_once(pg_url, store):
    n, writers = 30, 2
    barrier = threading.Barrier(writers)
    results: list[list[bool]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def write(w: int) -> None:
        s = PostgresStore(pg_url, schema=store.schema)
        try:
            barrier.wait()
            order = range(n) if w == 0 else reversed(range(n))
            for i in order:
                results[w].append(s.save(make_analysis(i, source=f"writer{w}/{i}.txt")))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(sum(r) for r in results) == n  # each document stored by exactly one writer
    c = store.counts()
    assert c["documents"] == n and c["events"] == n and c["mentions"] == 2 * n
    assert c["document_sources"] == writers * n  # every sighting kept


def _batch_dir(path, analyses, rejects=()) -> None:
    """A batch output directory written by hand: one shard per analysis."""
    (path / "_shards").mkdir(parents=True)
    for seq, a in enumerate(analyses):
        tables = analysis_rows(a)
        tables["rejects"] = [reject_row(r) for r in rejects] if seq == 0 else []
        shard = f"s{seq:03d}"
        write_tables(path, shard, tables)
        commit(path, shard, {"shard": shard, "seq": seq})


def test_load_batch_output_matches_duckdb_and_concurrent_loads_store_once(pg_url, store, tmp_path):
    out = tmp_path / "out"
    analyses = [make_analysis(i) for i in range(6)] + [make_analysis(0, source="copy/0.txt")]
    _batch_dir(out, analyses, [Rejected("r1", "bad.bin", "read", "binary", "binary")])
    reports = []

    def load() -> None:
        s = PostgresStore(pg_url, schema=store.schema)
        try:
            reports.append(load_dir(s, out))
        finally:
            s.close()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(reports) == 2 and sum(r.stored for r in reports) == 6  # each document once
    with Store(tmp_path / "x.duckdb") as duck:
        assert load_dir(duck, out).stored == 6
        for table in ("documents", "document_sources", "rejects", "mentions", "events", "flags"):
            assert rows(store, table) == rows(duck, table), table


def test_events_command_reads_postgres(pg_url, store):
    store.save(make_analysis(7))
    url = pg_url + ("&" if "?" in pg_url else "?") + f"options=-csearch_path%3D{store.schema}"
    res = CliRunner().invoke(app, ["events", "--db", url, "--dyad", "COL-USA", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.output.count("\n") == 2 and "doc0007-ev" in res.output
    with open_store(url, read_only=True) as ro:
        assert ro.counts()["documents"] == 1


def test_monitor_state_on_postgres(store, tmp_path):
    """The monitor's tables and queries (migration 004, store.monitor) on PostgreSQL: a feed
    polled, its item stored once, a 304 on the next poll, status read back."""
    from dyadwatch.monitor import Monitor, load_config, source_id, status
    from dyadwatch.pipeline import default_pipeline
    from tests.monitor_fixture import Item, Server, article, config_text, rss

    server = Server()
    try:
        title, body = article(1)
        server.site.put("/feed.xml", rss([Item("g1", title, body, server.url("/a/1"))]))
        cfg = tmp_path / "sources.toml"
        cfg.write_text(config_text([{"url": server.url("/feed.xml")}]))
        mon = Monitor(store, load_config(cfg), pipeline=default_pipeline())
        assert mon.run(once=True).stored == 1
        again = mon.poll(source_id(server.url("/feed.xml")))
        assert (again.status, again.stored) == (304, 0)
        row = status(store.conn)[0]
        assert row["health"] == "ok" and row["items"] == {"stored": 1}
    finally:
        server.close()
