"""The work of one shard, in a worker process: analyse, write Parquet, commit.

The ``Pipeline`` (spaCy, knowledge base, patterns: ~3 s to load) is created on a worker's first
shard and kept for the life of the process, for the local engine's pool processes and for Dask
workers alike; a worker started with several threads shares it behind a lock for loading.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import resource
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from dyadwatch.config import Options
from dyadwatch.model import Rejected
from dyadwatch.scale.shards import ShardSpec, options_digest, read_shard
from dyadwatch.store.parquet import commit, write_tables
from dyadwatch.store.rows import Row, analysis_rows, reject_row

log = logging.getLogger(__name__)

_PIPELINES: dict[str, Any] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ShardTask:
    spec: ShardSpec
    out_dir: str
    format: str
    options: Options
    fingerprint: dict[str, Any]
    seq: int = 0  # the shard's place in the plan (the order of the inputs)


def pipeline(options: Options) -> Any:
    """This process's pipeline for ``options`` (loaded once)."""
    key = options_digest(options)
    with _LOCK:
        if key not in _PIPELINES:
            from dyadwatch.pipeline import Pipeline

            started = time.perf_counter()
            _PIPELINES[key] = Pipeline(options)
            log.info("pipeline loaded in %.1f s (pid %d)", time.perf_counter() - started,
                     os.getpid())
        return _PIPELINES[key]


def peak_rss() -> int:
    """Peak resident memory of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _ShardRows:
    """Rows of one shard: a document seen twice in the shard is analysed rows once, its every
    sighting is a source row; a reject seen twice keeps the last (as repeated ``save_reject``)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[Row]] = {t: [] for t in
                                            ("documents", "sources", "mentions", "events", "flags")}
        self.rejects: dict[str, Row] = {}
        self.seen: set[str] = set()
        self.sightings: set[tuple[str, str]] = set()
        self.duplicates = 0

    def add(self, item: Any) -> None:
        if isinstance(item, Rejected):
            row = reject_row(item)
            self.rejects[row["id"]] = row
            return
        rows = analysis_rows(item)
        sighting = (item.article.doc_id, item.article.source)
        if sighting not in self.sightings:
            self.sightings.add(sighting)
            self.tables["sources"].extend(rows["sources"])
        if item.article.doc_id in self.seen:
            self.duplicates += 1
            return
        self.seen.add(item.article.doc_id)
        for table in ("documents", "mentions", "events", "flags"):
            self.tables[table].extend(rows[table])

    def all(self) -> dict[str, list[Row]]:
        return self.tables | {"rejects": list(self.rejects.values())}


def process_shard(task: ShardTask) -> dict[str, Any]:
    """Analyse every document of the shard, write its tables, then its marker; returns the
    marker (the shard's counts, time and this worker's peak memory)."""
    started = time.perf_counter()
    pipe = pipeline(task.options)
    load_seconds = time.perf_counter() - started
    shard = _ShardRows()
    n_docs = 0
    for item in read_shard(task.spec, format=task.format, options=task.options):
        if not isinstance(item, Rejected):
            n_docs += 1
            item = pipe.safe_analyze(item)
        shard.add(item)
    counts = write_tables(task.out_dir, task.spec.id, shard.all())
    marker = {
        "shard": task.spec.id, "seq": task.seq, "spec": task.spec.to_dict(),
        "fingerprint": task.fingerprint,
        "rows": counts, "documents": n_docs, "stored": counts["documents"],
        "duplicates": shard.duplicates, "rejected": counts["rejects"], "events": counts["events"],
        "seconds": round(time.perf_counter() - started - load_seconds, 3),
        "load_seconds": round(load_seconds, 3), "rss_peak": peak_rss(), "pid": os.getpid(),
        "host": socket.gethostname(),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    commit(task.out_dir, task.spec.id, marker)
    log.info("shard %s: %d documents in %.1f s", task.spec.id, n_docs, marker["seconds"])
    return marker


def warm(options: Options) -> int:
    """Load the pipeline in this process now (a Dask worker's first task); returns the pid."""
    pipeline(options)
    return os.getpid()
