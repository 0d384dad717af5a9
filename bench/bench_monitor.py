"""The monitor's floors (issue 17), against real local servers on 127.0.0.1, with the real
``python -m dyadwatch monitor`` process:

- ``latency``: items published on a watched feed at random moments; the time from publication to
  the alert's line in the notification log (floor: one poll interval + 10 s).
- ``kill``: a feed of 1,000 items; the monitor is SIGKILLed at a random point mid-round, then
  restarted until it has handled everything; documents stored, duplicates and lost (floor: 0, 0).
- ``idle``: 200 sources answering 304 (nothing new); the monitor process's CPU time over a window
  after its first round, as % of one core (floor: < 5 % at 5-minute intervals). The window polls
  faster than 5 minutes so that it sees many polls; the CPU per poll and the idle baseline then
  give the cost at 300 s (both are printed).

    python bench/bench_monitor.py [latency|kill|idle|all] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from dyadwatch import alerts as al  # noqa: E402
from dyadwatch.store import Store  # noqa: E402
from tests.monitor_fixture import (COUNTRIES, Item, Server, article, config_text, rss,  # noqa: E402
                                   start_monitor)


def _records(path: Path, start: int = 0) -> tuple[list[dict], int]:
    """Whole JSON lines of the file from byte ``start``; and the offset after them."""
    try:
        data = path.read_bytes()[start:]
    except FileNotFoundError:
        return [], start
    end = data.rfind(b"\n") + 1
    out = []
    for line in data[:end].splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out, start + end


def _wait_log(path: Path, cond, timeout: float, start: int = 0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recs, _ = _records(path, start)
        if any(cond(r) for r in recs):
            return len(recs)
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting in {path}")


def _item(server: Server, i: int) -> Item:
    title, body = article(i, COUNTRIES[0])
    return Item(f"g{i}", title, body, server.url(f"/a/{i}"))


def latency(n: int = 10, interval: float = 5.0, gap: tuple[float, float] = (1.0, 6.0)) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    server = Server()
    items: list[Item] = []
    server.site.put("/feed.xml", rss(items + [_item(server, 0)]))
    cfg = tmp / "sources.toml"
    cfg.write_text(config_text([{"url": server.url("/feed.xml"), "interval": interval}],
                               notify_log="alerts.jsonl", jitter=0.1))
    db = tmp / "latency.duckdb"
    with Store(db) as s:
        al.add_watchlist(s.conn, "col-per", ["COL-PER: THREATEN"])
    log = tmp / "monitor.log"
    proc = start_monitor(db, cfg, log=open(log, "w"))
    try:
        _wait_log(log, lambda r: r.get("event") == "poll", 120)  # models loaded, first poll done
        published: dict[str, float] = {}
        alerted: dict[str, float] = {}
        rnd = random.Random(17)
        alerts_log = tmp / "alerts.jsonl"
        offset = 0
        next_pub = time.time() + rnd.uniform(*gap)
        deadline = None
        while len(alerted) < n:
            now = time.time()
            if len(published) < n and now >= next_pub:
                it = _item(server, len(published) + 1)
                items.insert(0, it)
                server.site.put("/feed.xml", rss(items + [_item(server, 0)]))
                published[it.title] = now
                next_pub = now + rnd.uniform(*gap)
                deadline = now + interval + 60
            recs, offset = _records(alerts_log, offset)
            for r in recs:
                title = r["document"]["title"]
                if title in published and title not in alerted:
                    alerted[title] = time.time()
            if deadline and time.time() > deadline:
                break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        server.close()
    lat = [alerted[t] - published[t] for t in alerted]
    return {"items": n, "alerted": len(alerted), "interval_s": interval,
            "median_s": round(statistics.median(lat), 2), "max_s": round(max(lat), 2),
            "floor_s": interval + 10, "sigterm_exit": code}


def kill(n: int = 1000, seed: int = 5) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    server = Server()
    items = [Item(f"g{i}", *article(i, COUNTRIES[i % len(COUNTRIES)]),
                  server.url(f"/a/{i}")) for i in range(n)]
    server.site.put("/feed.xml", rss(items))
    cfg = tmp / "sources.toml"
    cfg.write_text(config_text([{"url": server.url("/feed.xml"), "interval": 2}]))
    db = tmp / "kill.duckdb"
    log = tmp / "monitor.log"
    rnd = random.Random(seed)
    kill_after = rnd.randint(n // 10, n // 2)
    start = time.monotonic()
    first = start_monitor(db, cfg, log=open(log, "w"))
    _wait_log(log, lambda r: False or r.get("event") == "stored", 300)
    while True:  # kill once kill_after items are stored (counted from the log)
        recs, _ = _records(log)
        stored_first = sum(r.get("event") == "stored" for r in recs)
        if stored_first >= kill_after:
            break
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    log2 = tmp / "monitor2.log"
    second = start_monitor(db, cfg, log=open(log2, "w"))
    # done: a poll answered 304 (every item handled, validators recorded)
    _wait_log(log2, lambda r: r.get("event") == "poll" and r.get("status") == 304, 3600)
    second.send_signal(signal.SIGTERM)
    code = second.wait(60)
    elapsed = time.monotonic() - start
    server.close()
    with Store(db, read_only=True) as s:
        titles = [r[0] for r in s.conn.execute("SELECT title FROM documents").fetchall()]
        handled = s.conn.execute("SELECT state, count(*) FROM monitor_items GROUP BY state").fetchall()
    expected = {it.title for it in items}
    return {"items": n, "killed_after_stored": stored_first, "stored": len(titles),
            "duplicates": len(titles) - len(set(titles)), "lost": len(expected - set(titles)),
            "items_handled": dict(handled), "sigterm_exit": code, "seconds": round(elapsed, 1)}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle(n_sources: int = 200, interval: float = 30.0, window: float = 120.0) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    server = Server()
    title, body = article(1)
    feed = rss([Item("g1", title, body, server.url("/a/1"))])
    for i in range(n_sources):
        server.site.put(f"/f/{i}.xml", feed)
    cfg = tmp / "sources.toml"
    # All sources are on one loopback host here, so politeness (host_delay) is off; real sources
    # are spread over many hosts.
    cfg.write_text(config_text([{"url": server.url(f"/f/{i}.xml"), "interval": interval}
                                for i in range(n_sources)], host_delay=0.0, reload_seconds=5.0))
    db = tmp / "idle.duckdb"
    log = tmp / "monitor.log"
    proc = start_monitor(db, cfg, "--quiet", log=open(log, "w"))
    try:
        def polls_304() -> int:
            return sum(1 for p, st in list(server.site.statuses) if st == 304)

        deadline = time.monotonic() + 600
        while polls_304() == 0:  # the first round stored the (one) item; then every poll is a 304
            if time.monotonic() > deadline:
                raise SystemExit("no 304 seen")
            time.sleep(0.2)
        time.sleep(interval)  # let the first round's work finish entirely
        c0, p0, t0 = _cpu_seconds(proc.pid), polls_304(), time.monotonic()
        time.sleep(window)
        c1, p1, t1 = _cpu_seconds(proc.pid), polls_304(), time.monotonic()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        server.close()
    cpu, polls, wall = c1 - c0, p1 - p0, t1 - t0
    per_poll = cpu / polls if polls else float("nan")
    at_300 = n_sources / 300.0 * per_poll * 100  # % of a core at 5-minute intervals
    return {"sources": n_sources, "interval_s": interval, "window_s": round(wall, 1),
            "polls": polls, "cpu_s": round(cpu, 3), "cpu_pct": round(100 * cpu / wall, 2),
            "cpu_ms_per_poll": round(1000 * per_poll, 2), "cpu_pct_at_300s": round(at_300, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", default="all", choices=["latency", "kill", "idle", "all"])
    ap.add_argument("--kill-items", type=int, default=1000)
    ap.add_argument("--idle-window", type=float, default=120.0)
    ap.add_argument("--idle-interval", type=float, default=30.0)
    args = ap.parse_args()
    out = {}
    if args.what in ("latency", "all"):
        out["latency"] = latency()
        print(json.dumps({"latency": out["latency"]}), flush=True)
    if args.what in ("idle", "all"):
        out["idle"] = idle(interval=args.idle_interval, window=args.idle_window)
        print(json.dumps({"idle": out["idle"]}), flush=True)
    if args.what in ("kill", "all"):
        out["kill"] = kill(args.kill_items)
        print(json.dumps({"kill": out["kill"]}), flush=True)


if __name__ == "__main__":
    main()
