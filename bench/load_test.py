"""Load test: concurrent clients against `dyadwatch serve` on loopback, latency and errors per endpoint.

The database holds 100,000 synthetic events in 33,334 documents (built in bulk as
``bench/bench_api.py`` does: skewed dyads, three years of dates, full event payloads) plus the
sample corpus ingested through the real pipeline (documents with full analyses, stories with merged
events and cards). The server is the real command, ``dyadwatch serve --db FILE --port P``
(read-only; `--workers N` uvicorn processes, 1 by default), in processes of their own. ``--clients`` asyncio clients (httpx)
each loop for ``--seconds``: a request drawn from the mix below, then a pause drawn from an
exponential distribution with mean ``--think`` seconds (a person reading a dashboard page;
``--think 0`` is a closed loop that measures the server's capacity).

Mix: event list pages 35% (no filter, dyad, five filters, actor with offset, deep offset), dyad
series 25% (auto, by week and QuadClass, directed by day), document detail 20% (the sample corpus's
documents, with their full analyses), stories 10% (list and detail), other 10% (top dyads, document
list). A response other than 2xx, or a transport error, is an error.

    flock /tmp/dyadwatch-heavy.lock nice -n 5 .venv/bin/python bench/load_test.py \\
        [--clients 50] [--seconds 30] [--think 1.0] [--events 100000]

Floors (issue 8): no errors; p99 under 500 ms for event queries.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from bench_api import build, top_dyads  # noqa: E402

from dyadwatch.store import Store  # noqa: E402

TYPES = ["ACCUSE", "THREATEN", "CONSULT", "AGREE", "SANCTION", "AID", "ASSAULT", "REQUEST"]


def prepare(path: Path, n_events: int) -> None:
    """Synthetic events in bulk, then the sample corpus through the real ingest."""
    from dyadwatch.pipeline import ingest

    build(path, n_events)
    with Store(path) as store:
        report = ingest([str(ROOT / "sample" / "corpus")], store)
        store.conn.execute("CHECKPOINT")
    print(f"sample corpus: {report.stored} stored, {report.rejected} rejected, "
          f"{report.stories} stories", flush=True)


def targets(path: Path) -> dict[str, list[str]]:
    dyads = top_dyads(path, 8)
    with Store(path, read_only=True) as s:
        # documents stored by the pipeline (the synthetic rows have no analysis to show)
        real_docs = [r[0] for r in s.conn.execute(
            "SELECT id FROM documents WHERE id NOT LIKE 'doc%'").fetchall()]
        stories = [r[0] for r in s.conn.execute("SELECT id FROM stories").fetchall()]
        real_dyads = [f"{a}-{b}" for a, b in s.conn.execute(
            "SELECT DISTINCT actor_country, recipient_country FROM events e JOIN documents d "
            "ON d.id = e.doc_id WHERE d.id NOT LIKE 'doc%' AND actor_country <> '' AND "
            "recipient_country <> '' AND actor_country <> recipient_country LIMIT 10").fetchall()]
    return {"dyads": dyads + real_dyads, "docs": real_docs, "stories": stories}


def request(rnd: random.Random, t: dict[str, list[str]]) -> tuple[str, str]:
    """(kind, URL) drawn from the mix."""
    d = rnd.choice(t["dyads"])
    r = rnd.random()
    if r < 0.35:
        return "events", rnd.choice([
            "/api/events?limit=50",
            f"/api/events?dyad={d}&limit=50",
            f"/api/events?dyad={d}&type={rnd.choice(TYPES)}&type={rnd.choice(TYPES)}&status=actual"
            f"&since=2024-01-01&until=2024-12-31&min_quality=0.5&limit=100",
            f"/api/events?actor={d[:3]}GOV&limit=50&offset={rnd.randrange(0, 2000)}",
            f"/api/events?limit=50&offset={rnd.randrange(0, 5000)}"])
    if r < 0.60:
        return "series", rnd.choice([
            f"/api/dyads/{d}/series",
            f"/api/dyads/{d}/series?interval=week&by=quad_class",
            f"/api/dyads/{d.replace('-', '>')}/series?interval=day&directed=true"])
    if r < 0.80:
        return "document", f"/api/documents/{rnd.choice(t['docs'])}"
    if r < 0.90:
        if t["stories"] and rnd.random() < 0.6:
            return "stories", f"/api/stories/{rnd.choice(t['stories'])}"
        return "stories", "/api/stories?limit=20"
    return "other", rnd.choice(["/api/dyads?limit=50", "/api/documents?limit=50",
                                f"/api/documents?limit=50&offset={rnd.randrange(0, 10000)}"])


async def client(i: int, base: str, t: dict[str, list[str]], until: float, think: float,
                 http: httpx.AsyncClient, out: dict[str, list[float]],
                 errors: dict[str, list[str]]) -> None:
    rnd = random.Random(i)
    await asyncio.sleep(rnd.random() * max(think, 0.05))  # clients do not start in lockstep
    while time.monotonic() < until:
        kind, url = request(rnd, t)
        start = time.perf_counter()
        try:
            resp = await http.get(base + url)
            elapsed = time.perf_counter() - start
            if not 200 <= resp.status_code < 300:
                errors[kind].append(f"{resp.status_code} {url}")
        except httpx.HTTPError as exc:
            elapsed = time.perf_counter() - start
            errors[kind].append(f"{type(exc).__name__} {url}")
        out[kind].append(elapsed)
        if think > 0:
            await asyncio.sleep(rnd.expovariate(1 / think))


async def load(base: str, t: dict[str, list[str]], clients: int, seconds: float,
               think: float) -> tuple[dict[str, list[float]], dict[str, list[str]], float]:
    out: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    # uvicorn closes a connection idle for 5 s; a client reusing it at that moment gets a
    # ReadError. Browsers retire idle connections first; so do these clients (4 s).
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients,
                          keepalive_expiry=4.0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        start = time.monotonic()
        until = start + seconds
        await asyncio.gather(*(client(i, base, t, until, think, http, out, errors)
                               for i in range(clients)))
        return out, errors, time.monotonic() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, port: int, log: Path, workers: int = 1) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "dyadwatch"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c",
                                           "from dyadwatch.cli import main; main()"]
    with open(log, "wb") as out:  # a file, not a pipe nobody reads (a full pipe blocks the server)
        proc = subprocess.Popen(cmd + ["serve", "--db", str(path), "--port", str(port),
                                       "--workers", str(workers)],
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"the server did not start: {log.read_text()[-2000:]}")
    proc.kill()
    raise SystemExit("the server did not answer within 120 s")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def table(out: dict[str, list[float]], errors: dict[str, list[str]], wall: float) -> bool:
    print("| endpoint | requests | req/s | p50 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|")
    kinds = ["events", "series", "document", "stories", "other"]
    everything = [x for k in kinds for x in out.get(k, [])]
    for kind in kinds + ["all"]:
        values = everything if kind == "all" else out.get(kind, [])
        n_err = sum(len(v) for v in errors.values()) if kind == "all" else len(errors.get(kind, []))
        print(f"| {kind} | {len(values):,} | {len(values) / wall:.1f} | "
              f"{statistics.median(values) * 1000 if values else float('nan'):.1f} | "
              f"{pct(values, 0.99):.1f} | {max(values, default=0) * 1000:.0f} | {n_err} |")
    for kind, errs in errors.items():
        for e in errs[:3]:
            print(f"error ({kind}): {e}")
    n_errors = sum(len(v) for v in errors.values())
    ok = n_errors == 0 and pct(out.get("events", []), 0.99) < 500
    print(f"floors (no errors, event p99 < 500 ms): {'PASS' if ok else 'NOT MET'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--think", type=float, default=1.0,
                    help="mean pause between a client's requests (s); 0 = closed loop")
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="reuse (or keep) the database here")
    ap.add_argument("--workers", type=int, default=1, help="server processes (dyadwatch serve "
                    "--workers)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "load.duckdb"
    t0 = time.perf_counter()
    if not path.exists():
        prepare(path, args.events)
    t = targets(path)
    print(f"database ready in {time.perf_counter() - t0:.0f} s: {len(t['docs'])} documents and "
          f"{len(t['stories'])} stories to ask for, dyads {t['dyads'][:4]} ...", flush=True)
    port = free_port()
    log = Path(tmp.name) / "server.log"
    server = start_server(path, port, log, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(load(base, t, 4, 3, 0))  # warm-up: first queries, caches, connections
        before = os.getloadavg()
        out, errors, wall = asyncio.run(load(base, t, args.clients, args.seconds, args.think))
        after = os.getloadavg()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log = log.read_text(errors="replace")
    if server_log.strip():
        print("server log (last lines):\n" + server_log[-1500:])
    print(f"machine {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
          f"{args.workers} server process(es); "
          f"{args.clients} clients, {args.seconds:.0f} s, think time {args.think} s (exponential); "
          f"load average {before[0]:.2f} before, {after[0]:.2f} after")
    return 0 if table(out, errors, wall) else 1


if __name__ == "__main__":
    sys.exit(main())
