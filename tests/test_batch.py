"""The batch runner: sharding, the local and Dask engines, Parquet output, resume after SIGKILL,
loading, and direct queries of a batch directory.

The corpus is built from the bundled sample (our own writing): a directory of pages and texts, a
JSONL file of short wire items cut from the sample texts, the sample WARC archive and two bad
inputs; with 5 items per shard that is about 10 shards of a few documents each.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dyadwatch.cli import app
from dyadwatch.ingest import iter_documents
from dyadwatch.model import Document
from dyadwatch.scale import plan, read_shard, run_batch
from dyadwatch.scale.runner import _exclusive
from dyadwatch.scale.shards import Settings, settings
from dyadwatch.store import Store, open_store
from dyadwatch.store.parquet import TABLES, committed_shards, load_dir, table_file
from dyadwatch.errors import StoreError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample" / "corpus"
SHARD = 5
CONFIG = Settings(files_per_shard=SHARD, records_per_shard=SHARD, inflight_per_worker=2)
TIME_COLUMNS = {"ingested_at", "seen_at", "rejected_at"}


def _paragraphs() -> list[str]:
    out = []
    for path in sorted((SAMPLE / "text").rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [p.strip() for p in text.split("\n\n") if len(p.split()) > 25]
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    if not SAMPLE.is_dir():
        pytest.skip("the sample corpus is missing")
    root = tmp_path_factory.mktemp("corpus")
    pages = root / "pages"
    pages.mkdir()
    files = sorted((SAMPLE / "html").glob("*.html"))[:3]
    files += sorted((SAMPLE / "text").glob("*.txt"))[:2]
    for src in files:
        shutil.copy(src, pages / src.name)
    (pages / "empty.txt").write_bytes(b"")
    paras = _paragraphs()
    with open(root / "wire.jsonl", "w", encoding="utf-8") as f:
        for i in range(12):  # two paragraphs each: short items keep the test fast
            text = paras[(2 * i) % len(paras)] + "\n\n" + paras[(2 * i + 1) % len(paras)]
            f.write(json.dumps({"text": text, "published": "2025-06-0%d" % (1 + i % 9),
                                "url": f"https://wire.example/{i}"}) + "\n")
        f.write("not json\n")
        same = {"text": paras[0] + "\n\n" + paras[1], "published": "2025-06-01"}  # as line 1
        f.write(json.dumps(same) + "\n")
    shutil.copy(SAMPLE / "archives" / "sample-crawl-2026-01.warc.gz", root / "crawl.warc.gz")
    return root


def _inputs(corpus: Path) -> list[str]:
    return [str(corpus / "pages"), str(corpus / "wire.jsonl"), str(corpus / "crawl.warc.gz")]


def parquet_rows(out: Path) -> dict[str, list[tuple]]:
    """Every row of every committed shard, per table, sorted (the output, not deduplicated)."""
    import pyarrow.parquet as pq

    shards = committed_shards(out)
    rows = {}
    for t in TABLES:
        found = []
        for s in shards:
            for r in pq.read_table(table_file(out, t, s)).to_pylist():
                found.append(tuple(sorted((k, json.dumps(v, default=str)) for k, v in r.items())))
        rows[t] = sorted(found)
    return rows


def db_rows(store: Store) -> dict[str, list[tuple]]:
    out = {}
    for t in ("documents", "document_sources", "rejects", "mentions", "events", "flags"):
        cols = [r[0] for r in store.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [t]).fetchall() if r[0] not in TIME_COLUMNS]
        out[t] = sorted(store.conn.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall(),
                        key=repr)
    return out


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    """An uninterrupted run of the local engine with 2 workers."""
    out = tmp_path_factory.mktemp("ref") / "out"
    report = run_batch(_inputs(corpus), out, engine="local", workers=2, config=CONFIG)
    assert report.failed == 0, report.errors
    assert report.done == report.shards == 7
    return out


# --------------------------------------------------------------------------------------------
# planning and reading shards (no models)


def test_shards_read_exactly_what_ingest_reads(corpus):
    specs = list(plan(_inputs(corpus), config=CONFIG))
    kinds = [s.kind for s in specs]
    assert kinds.count("jsonl") == 3 and kinds.count("warc") == 2 and kinds.count("files") == 2
    assert len({s.id for s in specs}) == len(specs)

    def key(item):
        return (type(item).__name__, item.source,
                item.content if isinstance(item, Document) else item.reason)

    whole = [key(d) for d in iter_documents(_inputs(corpus))]
    sharded = [key(d) for s in specs for d in read_shard(s)]
    assert sharded == whole
    assert any(k[1].endswith("wire.jsonl#L13") and k[0] == "Rejected" for k in whole)


def test_gzip_jsonl_is_cut_into_line_ranges_and_damage_is_one_shard(tmp_path):
    import gzip

    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        for i in range(7):
            f.write(json.dumps({"text": f"Item {i} about talks in Geneva."}) + "\n")
    shutil.copy(SAMPLE / "bad" / "export-truncated.jsonl.gz", tmp_path / "b.jsonl.gz")
    specs = list(plan([str(tmp_path)], config=Settings(3, 3, 1)))
    assert [(s.kind, s.first, s.count, s.gzip) for s in specs] == [
        ("jsonl", 1, 3, True), ("jsonl", 4, 3, True), ("jsonl", 7, 1, True), ("files", 1, 0, False)]
    sources = [d.source for s in specs for d in read_shard(s)]
    assert sources == [d.source for d in iter_documents([str(tmp_path)])]


def test_shipped_settings_are_valid():
    s = settings()
    assert s.files_per_shard >= 1 and s.records_per_shard >= 1 and s.inflight_per_worker >= 1


# --------------------------------------------------------------------------------------------
# engines, resume, loading


def test_local_batch_loaded_equals_ingest(corpus, reference, tmp_path):
    from dyadwatch.pipeline import ingest

    with Store(tmp_path / "ingest.duckdb") as direct:
        report = ingest(_inputs(corpus), direct, stories=False, alerts=False)
        expected = db_rows(direct)
    with Store(tmp_path / "loaded.duckdb") as loaded:
        first = load_dir(loaded, reference)
        again = load_dir(loaded, reference)
        assert db_rows(loaded) == expected
    assert first.stored == report.stored and again.stored == 0
    assert again.duplicate == report.stored + report.duplicate
    assert expected["events"] and expected["rejects"] and expected["mentions"]
    with open_store(reference) as direct_parquet:  # the same rows through DuckDB views
        assert db_rows(direct_parquet) == expected


def test_rerun_skips_done_shards_and_redoes_a_changed_one(corpus, reference, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    before = parquet_rows(out)
    changed = corpus / "pages" / "empty.txt"
    os.utime(changed, ns=(time.time_ns(), time.time_ns()))  # same bytes, new modification time
    lost = committed_shards(out)[-1]
    (out / "_shards" / f"{lost}.json").unlink()  # as if the run had stopped before its commit
    results = []
    report = run_batch(_inputs(corpus), out, workers=1, config=CONFIG, max_shards=1,
                       progress=results.append)
    assert report.done == 1 and report.failed == 0 and len(committed_shards(out)) == 6
    redone = [r for r in results if r.status == "done"][0]
    assert str(changed) in json.loads(
        (out / "_shards" / f"{redone.shard}.json").read_text())["spec"]["paths"]
    report = run_batch(_inputs(corpus), out, workers=1, config=CONFIG)
    assert report.done == 1 and report.skipped == report.shards - 1 == 6
    assert parquet_rows(out) == before


def test_dask_cluster_at_a_scheduler_address_gives_the_same_rows(corpus, reference, tmp_path):
    import logging

    from distributed import LocalCluster

    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.WARNING) as cluster:
        report = run_batch(_inputs(corpus), out, engine="dask",
                           scheduler=cluster.scheduler_address, config=CONFIG)
    assert report.failed == 0 and report.done == report.shards
    assert parquet_rows(out) == parquet_rows(reference)
    assert len(report.worker_rss) <= 2  # the pipeline lives in each worker process


def test_a_second_batch_on_the_same_directory_is_refused(corpus, tmp_path):
    out = tmp_path / "out"
    (out / "_shards").mkdir(parents=True)
    with _exclusive(out):
        with pytest.raises(StoreError, match="another batch"):
            run_batch(_inputs(corpus), out, workers=1, config=CONFIG)


def _batch_cmd(corpus: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "from dyadwatch.cli import main; main()", "batch",
            *_inputs(corpus), "--out", str(out), "--workers", "2", "--shard-size", str(SHARD),
            "--json"]


def test_sigkill_at_a_random_moment_then_resume_gives_the_same_rows(corpus, reference, tmp_path):
    out = tmp_path / "out"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    proc = subprocess.Popen(_batch_cmd(corpus, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not committed_shards(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert committed_shards(out), f"no shard finished (seed {seed})"
    time.sleep(rng.uniform(0.0, 1.5))
    alive = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, as a crash would
    proc.wait()
    partial = len(committed_shards(out))
    rerun = subprocess.run(_batch_cmd(corpus, out), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    lines = [json.loads(line) for line in rerun.stdout.splitlines()]
    statuses = [d["status"] for d in lines if "status" in d]
    assert statuses.count("skipped") == partial >= 1, (seed, alive, statuses)
    assert parquet_rows(out) == parquet_rows(reference), f"seed {seed}"
    assert sorted(committed_shards(out)) == sorted(committed_shards(reference))
    assert not list(out.rglob(".*.tmp")), "the rerun leaves no temporary files"


# --------------------------------------------------------------------------------------------
# command line over a batch directory


def test_events_and_load_commands_read_a_batch_directory(reference, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["events", "--db", str(reference), "--limit", "5"])
    assert res.exit_code == 0, res.output
    events = [json.loads(line) for line in res.output.splitlines()]
    assert len(events) == 5 and all(e["document"]["id"] for e in events)
    db = tmp_path / "x.duckdb"
    res = runner.invoke(app, ["load", str(reference), "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.output)
    with Store(db, read_only=True) as store:
        assert store.counts()["documents"] == counts["stored"] > 0
        # as `ingest`: every loaded document joined a story, and the alert scan ran
        in_stories = store.conn.execute("SELECT count(DISTINCT doc_id) FROM story_documents").fetchone()[0]
        assert in_stories == counts["stored"] and counts["stories"]["documents"] == counts["stored"]
        assert "alerts" in counts
    res = runner.invoke(app, ["load", str(tmp_path), "--db", str(db)])
    assert res.exit_code == 3 and "not a batch output directory" in res.output
