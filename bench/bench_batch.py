"""Batch runner throughput, memory per worker, and time against corpus size (issue 7).

Corpora are JSONL files of synthetic articles recombined from real paragraphs: the article bodies
of ../shared/data/extraction/scrapinghub-dev/ground-truth.json (111 news pages) cut into
paragraphs of 20+ words; each document takes random paragraphs (seeded) until it has 600 words,
so documents are distinct (no deduplication shortcut) and read like news. Corpora are written
under --work (default /tmp/dyadwatch-bench-batch), never into the repository.

    bench_batch.py scaling [--docs 1000]            1 then 2 local workers on one corpus
    bench_batch.py scaling --runs dask:2            2 workers of a Dask LocalCluster
    bench_batch.py sizes 1000 10000 [--workers 2]   time and memory per corpus size
    bench_batch.py sizes 1000 10000 100000 --limit-shards 10   the first 10 shards of each

Every run starts from an empty output directory. Figures: wall seconds (including the ~3 s model
load of each worker), documents/s, and the compute seconds the shards report (their analysis
time, without model loading). Memory: the peak RSS each worker process reports after each shard
(getrusage), the driver's own peak, and whether the worker peak grows with corpus size.
Run heavy modes under the shared lock, e.g.::

    flock /tmp/dyadwatch-heavy.lock nice -n 5 .venv/bin/python bench/bench_batch.py scaling \
        --wait-idle 0.5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUND_TRUTH = (ROOT / ".." / "shared" / "data" / "extraction" / "scrapinghub-dev"
                / "ground-truth.json")
WORDS_PER_DOC = 600  # the reference article length (~100 ms of CPU each)
MIN_PARAGRAPH_WORDS = 20  # shorter lines are captions, bylines and list items, not paragraphs


def paragraphs() -> list[str]:
    if not GROUND_TRUTH.exists():
        sys.exit(f"missing {GROUND_TRUTH}: put ../shared beside the repository")
    data = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    out = []
    for key in sorted(data):
        for para in data[key]["articleBody"].split("\n"):
            para = " ".join(para.split())
            if len(para.split()) >= MIN_PARAGRAPH_WORDS:
                out.append(para)
    return out


def build_corpus(path: Path, n: int, seed: int = 7) -> Path:
    """``n`` documents of ~600 words in a JSONL file (reused when it already has ``n`` lines)."""
    if path.exists() and sum(1 for _ in open(path, "rb")) == n:
        return path
    paras = paragraphs()
    rng = random.Random(seed)
    start = dt.date(2019, 1, 1)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(n):
            chosen, words = [], 0
            while words < WORDS_PER_DOC:
                p = paras[rng.randrange(len(paras))]
                chosen.append(p)
                words += len(p.split())
            day = start + dt.timedelta(days=rng.randrange(730))
            f.write(json.dumps({"text": "\n\n".join(chosen), "published": day.isoformat(),
                                "url": f"https://bench.example/{i}"}, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def wait_idle(threshold: float, timeout: float) -> float:
    """Wait until the 1-minute load average is below ``threshold``; returns it. Gives up (exit
    status 2, nothing measured) after ``timeout`` s: a figure from a busy machine means nothing."""
    deadline = time.monotonic() + timeout
    while True:
        load = os.getloadavg()[0]
        if load < threshold:
            return load
        if time.monotonic() > deadline:
            sys.exit(f"the machine stayed busy (load {load:.2f}); nothing measured")
        print(f"load {load:.2f} >= {threshold}; waiting", file=sys.stderr, flush=True)
        time.sleep(30)


def run(corpus: Path, out: Path, *, workers: int, engine: str = "local",
        limit_shards: int | None = None) -> dict:
    from dyadwatch.scale import run_batch
    from dyadwatch.scale.shards import plan

    if out.exists():
        shutil.rmtree(out)
    inputs = [str(corpus)]
    plan_started = time.perf_counter()
    n_shards = sum(1 for _ in plan(inputs))
    plan_seconds = time.perf_counter() - plan_started
    load_before = os.getloadavg()
    shard_seconds, rss = [], {}
    started = time.perf_counter()

    def progress(result) -> None:
        m = result.marker
        shard_seconds.append(m.get("seconds", 0.0))
        who = f"{m.get('host')}:{m.get('pid')}"
        rss.setdefault(who, []).append(m.get("rss_peak", 0))

    report = run_batch(inputs, out, engine=engine, workers=workers, max_shards=limit_shards,
                       progress=progress)
    wall = time.perf_counter() - started
    peaks = [max(v) for v in rss.values()]
    return {
        "corpus": corpus.name, "engine": engine, "workers": workers,
        "corpus_shards": n_shards, "plan_seconds": round(plan_seconds, 2),
        "shards": report.shards, "failed": report.failed, "documents": report.documents,
        "events": report.events, "wall_seconds": round(wall, 1),
        "docs_per_s": round(report.documents / wall, 2),
        "compute_seconds": round(sum(shard_seconds), 1),
        "max_worker_rss_mb": round(max(peaks, default=0) / 2**20),
        # peak after the first shard vs after the last: a growing worker would show here
        "worker_rss_first_last_mb": [[round(v[0] / 2**20), round(v[-1] / 2**20)]
                                     for v in rss.values()],
        "driver_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("scaling", "sizes"))
    ap.add_argument("sizes", nargs="*", type=int, help="corpus sizes (sizes mode)")
    ap.add_argument("--docs", type=int, default=1000, help="corpus size of the scaling mode")
    ap.add_argument("--workers", type=int, default=2, help="workers of the sizes mode")
    ap.add_argument("--runs", default="local:1,local:2",
                    help="scaling: engine:workers of each run, in order (default local:1,local:2)")
    ap.add_argument("--limit-shards", type=int, default=None,
                    help="sizes: analyse only the first N shards of each corpus (run_batch's "
                         "max_shards); the whole corpus is still built and planned (timed apart)")
    ap.add_argument("--wait-idle", type=float, default=None,
                    help="wait until the 1-minute load average is below this before each run")
    ap.add_argument("--work", type=Path, default=Path("/tmp/dyadwatch-bench-batch"))
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    if args.mode == "scaling":
        corpus = build_corpus(args.work / f"corpus-{args.docs}.jsonl", args.docs)
        plans = [(r.split(":")[0], int(r.split(":")[1])) for r in args.runs.split(",")]
        for engine, workers in plans:
            idle = wait_idle(args.wait_idle, 1800) if args.wait_idle else None
            r = run(corpus, args.work / "out", workers=workers, engine=engine)
            r["load_at_start"] = idle
            results.append(r)
            print(json.dumps(r), flush=True)
        if plans[:2] == [("local", 1), ("local", 2)]:
            one, two = results[0], results[1]
            print(json.dumps({
                "speedup_wall_2_vs_1": round(two["docs_per_s"] / one["docs_per_s"], 3),
                "compute_seconds_1_2": [one["compute_seconds"], two["compute_seconds"]]}))
    else:
        for n in args.sizes or [1000, 10000]:
            corpus = build_corpus(args.work / f"corpus-{n}.jsonl", n)
            idle = wait_idle(args.wait_idle, 1800) if args.wait_idle else None
            r = run(corpus, args.work / "out", workers=args.workers, limit_shards=args.limit_shards)
            r["load_at_start"] = idle
            results.append(r)
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
