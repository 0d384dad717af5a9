"""``run_batch``: shards of the inputs processed in parallel, to Parquet, resumably.

Engines: ``local`` (a pool of worker processes on this machine) and ``dask`` (a Dask distributed
cluster: a ``LocalCluster`` of single-threaded worker processes, or the cluster at a scheduler
address, whose workers must see the inputs and the output directory at the same paths). Both
run ``worker.process_shard`` on each shard that is not already done, with a bounded number of
shards in flight, so that the plan of a huge input is streamed, not held.

A rerun skips every shard whose marker exists with the same fingerprint (same files, sizes,
modification times, format, options and version) and redoes the others; a kill at any moment
leaves each shard committed whole or not at all (``store.parquet``). One batch at a time may
write to a directory (a lock file; a killed run's lock goes with its process).
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadwatch.config import Options
from dyadwatch.errors import InputError, StoreError
from dyadwatch.scale.shards import Settings, fingerprint, plan, settings
from dyadwatch.scale.worker import ShardTask, process_shard
from dyadwatch.store.parquet import (MARKER_DIR, TABLES, read_marker, remove_partial, table_file,
                                      uncommit)

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")

# Dask's statistical profiler samples each running task's stack every 10 ms, a cost paid by
# deep pure-Python stacks like spaCy's and of no use in a batch. Off in the clusters we start;
# start remote workers with the same setting (DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False).
# bench_batch.py (RESULTS.md) compares the engines: Dask 11.0-13.9 documents/s against the local
# engine's 14.2-15.2 on the same 1,000 documents, runs alternating on a shared machine.
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False}


@dataclass
class ShardResult:
    shard: str
    status: str  # done | skipped | failed
    marker: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = {"shard": self.shard, "status": self.status}
        for key in ("documents", "stored", "duplicates", "rejected", "events", "seconds",
                    "rss_peak", "pid"):
            if key in self.marker:
                out[key] = self.marker[key]
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class BatchReport:
    out_dir: str
    engine: str
    workers: int
    shards: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    documents: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    events: int = 0
    seconds: float = 0.0
    worker_rss: dict[str, int] = field(default_factory=dict)  # "host:pid" -> peak bytes
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, result: ShardResult) -> None:
        self.shards += 1
        setattr(self, result.status, getattr(self, result.status) + 1)
        if result.status == "failed":
            self.errors.append({"shard": result.shard, "error": result.error})
            return
        m = result.marker
        for key in ("documents", "stored", "duplicates", "rejected", "events"):
            setattr(self, key, getattr(self, key) + int(m.get(key, 0)))
        if result.status == "done":
            who = f"{m.get('host', '')}:{m.get('pid', 0)}"
            self.worker_rss[who] = max(self.worker_rss.get(who, 0), int(m.get("rss_peak", 0)))

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in (
            "out_dir", "engine", "workers", "shards", "done", "skipped", "failed", "documents",
            "stored", "duplicates", "rejected", "events")}
        out["seconds"] = round(self.seconds, 3)
        out["max_worker_rss"] = max(self.worker_rss.values(), default=0)
        out["errors"] = self.errors
        return out


Item = ShardTask | ShardResult


def run_batch(inputs: Iterable[str], out_dir: str | Path, *, engine: str = "local",
              workers: int | None = None, scheduler: str | None = None, format: str = "auto",
              options: Options | None = None, config: Settings | None = None,
              max_shards: int | None = None,
              progress: Callable[[ShardResult], None] | None = None) -> BatchReport:
    """Process every shard of ``inputs`` not yet done in ``out_dir`` (at most ``max_shards`` of
    them in this run, e.g. to bound a run's time: a rerun continues); returns the counts.

    A failed shard (an error outside the per-document handling, a worker that died) is
    reported, not raised: the others go on, and a rerun retries it.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose local or dask")
    options = options or Options()
    config = config or settings()
    workers = workers or os.cpu_count() or 1
    out = Path(out_dir)
    (out / MARKER_DIR).mkdir(parents=True, exist_ok=True)  # a batch directory from the start
    report = BatchReport(str(out), engine, workers)
    started = time.perf_counter()
    with _exclusive(out):
        if remove_partial(out):
            log.info("removed the temporary files of an interrupted run in %s", out)
        items = _items(inputs, out, format, options, config, max_shards)
        if engine == "local":
            results = _run_local(items, workers, config.inflight_per_worker)
        else:
            results = _run_dask(items, workers, scheduler, config.inflight_per_worker)
        for result in results:
            report.add(result)
            if progress is not None:
                progress(result)
    report.seconds = time.perf_counter() - started
    return report


class _exclusive:
    """An exclusive lock on ``DIR/.lock`` for the life of the run."""

    def __init__(self, out: Path):
        self.path = out / ".lock"

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self.fd)
            raise StoreError("another batch is writing to this directory; wait for it or "
                             "choose another --out", source=str(self.path.parent)) from exc

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _items(inputs: Iterable[str], out: Path, format: str, options: Options,
           config: Settings, max_shards: int | None = None) -> Iterator[Item]:
    """A task for every shard to do (up to ``max_shards``), a skipped result for every shard
    already done."""
    todo = 0
    for seq, spec in enumerate(plan(inputs, format=format, config=config)):
        if max_shards is not None and todo >= max_shards:
            return
        fp = fingerprint(spec, format=format, options=options)
        marker = read_marker(out, spec.id)
        if marker is not None and marker.get("fingerprint") == fp and all(
                table_file(out, t, spec.id).exists() for t in TABLES):
            yield ShardResult(spec.id, "skipped", marker)
            continue
        if marker is not None:
            log.info("shard %s changed since it was done; redoing it", spec.id)
            uncommit(out, spec.id)
        todo += 1
        yield ShardTask(spec, str(out), format, options, fp, seq)


def _failed(task: ShardTask, exc: BaseException) -> ShardResult:
    log.error("shard %s (%s) failed: %s", task.spec.id, ", ".join(task.spec.paths)[:200], exc)
    return ShardResult(task.spec.id, "failed", error=f"{exc.__class__.__name__}: {exc}")


def _run_local(items: Iterator[Item], workers: int, inflight: int) -> Iterator[ShardResult]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # spawn: a fresh interpreter per worker, not a fork of a driver that may hold threads
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        running: dict[Any, ShardTask] = {}
        broken: BaseException | None = None
        while True:
            room = 0 if broken is not None else workers * inflight - len(running)
            for item in _take(items, room):
                if isinstance(item, ShardResult):
                    yield item
                else:
                    running[pool.submit(process_shard, item)] = item
            if broken is not None:  # the pool is gone: report the rest; a rerun does them
                for item in items:
                    yield item if isinstance(item, ShardResult) else _failed(item, broken)
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                task = running.pop(fut)
                try:
                    yield ShardResult(task.spec.id, "done", fut.result())
                except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                    broken = exc
                    yield _failed(task, exc)
                except Exception as exc:  # noqa: BLE001 - reported per shard; a rerun retries
                    yield _failed(task, exc)


def _take(items: Iterator[Item], room: int) -> Iterator[Item]:
    """Items until ``room`` tasks were taken (skipped results do not take room)."""
    while room > 0:
        item = next(items, None)
        if item is None:
            return
        if isinstance(item, ShardTask):
            room -= 1
        yield item


def _run_dask(items: Iterator[Item], workers: int, scheduler: str | None,
              inflight: int) -> Iterator[ShardResult]:
    import dask
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:  # one thread per worker process: the analysis is CPU-bound Python (the GIL)
        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.WARNING)
        client = Client(cluster)
    try:
        n = len(client.scheduler_info().get("workers", {})) or workers
        yield from _dask_loop(client, items, n * inflight, as_completed)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_loop(client: Any, items: Iterator[Item], limit: int, as_completed: Any
               ) -> Iterator[ShardResult]:
    run = uuid.uuid4().hex[:8]  # task keys unique per run: a rerun must not get cached results
    running: dict[str, ShardTask] = {}
    futures = as_completed()

    def refill() -> Iterator[ShardResult]:
        for item in _take(items, limit - len(running)):
            if isinstance(item, ShardResult):
                yield item
                continue
            fut = client.submit(process_shard, item, key=f"dyadwatch-{run}-{item.spec.id}",
                                pure=False)
            running[fut.key] = item
            futures.add(fut)

    yield from refill()
    for fut in futures:
        task = running.pop(fut.key)
        try:
            yield ShardResult(task.spec.id, "done", fut.result())
        except Exception as exc:  # noqa: BLE001 - includes KilledWorker; a rerun retries
            yield _failed(task, exc)
        fut.release()
        yield from refill()
