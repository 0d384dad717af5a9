"""API latency with 100,000 stored events: dyad series and event list pages.

Builds a DuckDB file with synthetic but realistic rows (generated in bulk with SQL, not through
the NLP pipeline): documents with quality scores, events with PLOVER types, CAMEO codes, QuadClass
and intensities of the shipped ontology, skewed country pairs (a few dyads carry most events, as
in news), dates over three years, statuses, confidences, evidence text and the full event JSON
payload. Then it times requests through the ASGI app (httpx in process) and through a real
uvicorn server on loopback, and prints the median of each request kind.

Floors (issue 6): any dyad series <= 200 ms and any event list page <= 100 ms at the API (median).

    nice -n 10 .venv/bin/python bench/bench_api.py [--events 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadwatch.api import create_app  # noqa: E402
from dyadwatch.events.ontology import default_ontology  # noqa: E402
from dyadwatch.store import Store  # noqa: E402

# Countries in rough order of news volume; the actor and recipient are drawn with a cubed
# uniform index, so the first few pairs carry most events (USA-CHN, USA-RUS, ... as in GDELT).
COUNTRIES = ["USA", "CHN", "RUS", "UKR", "ISR", "IRN", "GBR", "FRA", "DEU", "IND", "PAK", "TUR",
             "SAU", "COL", "VEN", "MEX", "BRA", "JPN", "KOR", "PRK", "SYR", "IRQ", "AFG", "EGY",
             "NGA", "ZAF", "ETH", "SDN", "CAN", "AUS", "IDN", "PHL", "VNM", "TWN", "POL", "ITA",
             "ESP", "ARG", "CUB", "LBN"]
STATUSES = ["actual"] * 14 + ["threatened", "intended", "alleged", "negated", "hypothetical"]
OUTLETS = ["Reuters", "AP", "AFP", "BBC", "Al Jazeera", "El Tiempo", "Xinhua", "DW", "NHK", "TASS"]


def build(path: Path, n_events: int, events_per_doc: int = 3) -> None:
    """Fill a fresh database with ``n_events`` events in ``n_events / events_per_doc`` documents."""
    onto = default_ontology()
    types = list(onto.types)
    codes = [onto.default_code(t) for t in types]
    quads = [onto.quad_class(c) for c in codes]
    intens = [onto.types[t].intensity for t in types]
    n_docs = n_events // events_per_doc + 1
    with Store(path) as s:
        c = s.conn
        c.execute("SELECT setseed(0.42)")
        c.execute(f"""
            INSERT INTO documents
            SELECT 'doc' || i, 'synthetic/' || i || '.html', 'https://news.example/' || i,
                   'Report ' || i || ' on relations', '', 'Staff', '', 'world',
                   DATE '2023-01-01' + CAST(floor(random() * 1095) AS INTEGER), 'metadata', '', 'en',
                   list_element(?, 1 + CAST(floor(random() * {len(OUTLETS)}) AS INTEGER)), 'html',
                   repeat('Body text of a synthetic article. ', 60),
                   CASE WHEN random() < 0.08 THEN random() * 0.4 ELSE 0.6 + random() * 0.4 END,
                   {events_per_doc}, NULL, '{{}}', now()
            FROM range({n_docs}) t(i)""", [OUTLETS])
        c.execute(f"""
            CREATE TEMP TABLE g AS
            SELECT i, CAST(floor(random() * {len(types)}) AS INTEGER) + 1 AS t,
                   list_element(?, 1 + CAST(floor(pow(random(), 3) * {len(COUNTRIES)}) AS INTEGER)) AS a,
                   list_element(?, 1 + CAST(floor(pow(random(), 3) * {len(COUNTRIES)}) AS INTEGER)) AS b,
                   list_element(?, 1 + CAST(floor(random() * {len(STATUSES)}) AS INTEGER)) AS status,
                   round(0.4 + random() * 0.6, 2) AS conf,
                   DATE '2023-01-01' + CAST(floor(random() * 1095) AS INTEGER) AS day,
                   1 + CAST(floor(pow(random(), 3) * 6) AS INTEGER) AS n_mentions
            FROM range({n_events}) t(i)""", [COUNTRIES, COUNTRIES, STATUSES])
        c.execute("""
            INSERT INTO events
            SELECT 'ev' || i, 'doc' || (i // ?), i % ?, list_element(?, t), '', 'diplomatic',
                   list_element(?, t), substr(list_element(?, t), 1, 2), list_element(?, t),
                   list_element(?, t), status, conf, CAST(day AS VARCHAR), day, 'day', 'on Monday',
                   a || ' official', a || ' Official', a, 'GOV', a || 'GOV', '',
                   b || ' official', b || ' Official', b, 'GOV', b || 'GOV', '',
                   '', '', NULL, NULL, 'body', i % 40, 100, 260,
                   'The government of ' || a || ' and officials of ' || b || ' met, said, agreed or '
                   || 'accused each other in a sentence long enough to be a real evidence span.',
                   n_mentions,
                   to_json({'id': 'ev' || i, 'type': list_element(?, t), 'mode': '',
                            'context': ['diplomatic'], 'cameo': list_element(?, t),
                            'quad_class': list_element(?, t), 'intensity': list_element(?, t),
                            'status': status, 'confidence': conf, 'date': CAST(day AS VARCHAR),
                            'date_text': 'on Monday', 'date_precision': 'day',
                            'actor': {'text': a || ' official', 'name': a || ' Official', 'country': a,
                                      'sector': 'GOV', 'code': a || 'GOV', 'kb_id': '', 'role': ''},
                            'recipient': {'text': b || ' official', 'name': b || ' Official',
                                          'country': b, 'sector': 'GOV', 'code': b || 'GOV',
                                          'kb_id': '', 'role': ''},
                            'location': NULL, 'trigger': 'met',
                            'evidence': {'sentence': i % 40, 'start': 100, 'end': 260, 'field': 'body',
                                         'text': 'The government of ' || a || ' and officials of ' || b
                                                 || ' met in a sentence long enough to be real.'},
                            'mentions': []})
            FROM g""", [events_per_doc, events_per_doc, types, codes, codes, quads, intens,
                         types, codes, quads, intens])
        c.execute("CHECKPOINT")


def top_dyads(path: Path, k: int) -> list[str]:
    with Store(path) as s:
        rows = s.conn.execute(
            "SELECT least(actor_country, recipient_country) a, greatest(actor_country, recipient_country) b, "
            "count(*) n FROM events WHERE actor_country <> recipient_country GROUP BY a, b ORDER BY n DESC").fetchall()
    picks = rows[:k // 2] + rows[len(rows) // 2: len(rows) // 2 + (k - k // 2)]
    return [f"{a}-{b}" for a, b, _ in picks]


def requests_to_time(dyads: list[str]) -> dict[str, list[str]]:
    big = dyads[0]
    return {
        "dyad series (auto interval)": [f"/api/dyads/{d}/series" for d in dyads],
        "dyad series by week, by QuadClass": [f"/api/dyads/{d}/series?interval=week&by=quad_class" for d in dyads],
        "dyad series, directed, by day": [f"/api/dyads/{d.replace('-', '>')}/series?interval=day&directed=true" for d in dyads],
        "event page, no filter": ["/api/events?limit=50", "/api/events?limit=50&offset=5000"],
        "event page, dyad": [f"/api/events?dyad={d}&limit=50" for d in dyads],
        "event page, dyad + type + status + dates + quality": [
            f"/api/events?dyad={big}&type=ACCUSE&type=THREATEN&status=actual&since=2024-01-01"
            f"&until=2024-12-31&min_quality=0.5&limit=100"],
        "event page, actor, deep offset": [f"/api/events?actor={big[:3]}GOV&limit=50&offset=2000"],
    }


def timed(client: httpx.Client, url: str, repeat: int) -> list[float]:
    client.get(url).raise_for_status()  # warm-up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
    return out


def measure(client: httpx.Client, plan: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """Per request kind: the median over all its URLs' runs and the worst URL's median."""
    out = {}
    for kind, urls in plan.items():
        per_url = [timed(client, u, repeat) for u in urls]
        medians = [statistics.median(t) for t in per_url]
        out[kind] = (statistics.median([x for t in per_url for x in t]), max(medians))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_uvicorn(app, fn):
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            return fn(client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--dyads", type=int, default=6, help="dyads timed: half the largest, half median-sized")
    ap.add_argument("--db", type=Path, help="keep the database here (default: a temporary file)")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.duckdb"
    if path.exists():
        path.unlink()
    t0 = time.perf_counter()
    build(path, args.events)
    build_s = time.perf_counter() - t0
    dyads = top_dyads(path, args.dyads)
    with Store(path, read_only=True) as s:
        n_ev, n_doc = s.conn.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM documents)").fetchone()
        sizes = {d: s.conn.execute(
            "SELECT count(*) FROM events WHERE (actor_country = ? AND recipient_country = ?) OR "
            "(actor_country = ? AND recipient_country = ?)", [d[:3], d[4:], d[4:], d[:3]]).fetchone()[0] for d in dyads}
    plan = requests_to_time(dyads)
    from fastapi.testclient import TestClient  # httpx in process, through the ASGI app

    with TestClient(create_app(path, read_only=True)) as client:
        asgi = measure(client, plan, args.repeat)
    real = with_uvicorn(create_app(path, read_only=True), lambda c: measure(c, plan, args.repeat))

    print(f"machine: {platform.machine()}, {__import__('os').cpu_count()} cores; python {platform.python_version()}")
    print(f"database: {n_ev} events, {n_doc} documents; built in {build_s:.1f} s")
    print(f"dyads timed (events): {json.dumps(sizes)}")
    print(f"repeats per URL: {args.repeat}\n")
    print("| request | ASGI median ms | ASGI worst-URL median | uvicorn median ms | uvicorn worst-URL median |")
    print("|---|---|---|---|---|")
    for kind in plan:
        a, r = asgi[kind], real[kind]
        print(f"| {kind} | {a[0]:.1f} | {a[1]:.1f} | {r[0]:.1f} | {r[1]:.1f} |")
    series_worst = max(max(asgi[k][1], real[k][1]) for k in plan if k.startswith("dyad series"))
    page_worst = max(max(asgi[k][1], real[k][1]) for k in plan if k.startswith("event page"))
    ok = series_worst <= 200 and page_worst <= 100
    print(f"\nworst median: series {series_worst:.1f} ms (floor 200), event page {page_worst:.1f} ms "
          f"(floor 100): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
