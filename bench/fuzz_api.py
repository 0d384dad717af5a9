"""Schemathesis against the API's own OpenAPI schema: no generated request may get a 5xx.

Starts a writable server (so that the write routes are fuzzed too, with a valid token) on
loopback over a small database of hand-built events, then runs ``schemathesis run`` with the
``not_a_server_error`` check (and, with ``--all-checks``, every check schemathesis has).

    nice -n 10 .venv/bin/python bench/fuzz_api.py [--examples 50] [--all-checks]
"""

from __future__ import annotations

import argparse
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from dyadwatch import alerts as al  # noqa: E402
from dyadwatch.api import create_app  # noqa: E402
from dyadwatch.api.auth import create_token  # noqa: E402
from dyadwatch.store import Store  # noqa: E402
from tests.dyad_fixture import Doc, Ev, save  # noqa: E402


def build(path: Path) -> str:
    with Store(path) as s:
        al.add_watchlist(s.conn, "fuzz", ["USA-COL: SANCTION, THREATEN, visits"])
        save(s, Doc("d1", [Ev("CONSULT", "USA", "COL", "2026-01-07", "The presidents spoke by phone."),
                           Ev("THREATEN", "USA", "COL", "2026-01", "A threat.", status="threatened")]),
             Doc("d2", [Ev("SANCTION", "USA", "COL", "2025", "Sanctions were imposed.")], quality=0.2))
        al.scan(s.conn)
        return create_token(s.conn, "fuzz").token


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=50, help="examples per operation")
    ap.add_argument("--all-checks", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    import uvicorn

    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / "fuzz.duckdb"
    token = build(path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(path, read_only=False), host="127.0.0.1",
                                           port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    checks = "all" if args.all_checks else "not_a_server_error"
    cmd = [str(Path(sys.executable).parent / "schemathesis"), "run",
           f"http://127.0.0.1:{port}/openapi.json", "--checks", checks, "-n", str(args.examples),
           "--seed", str(args.seed), "--workers", "1", "-H", f"Authorization: Bearer {token}",
           "--generation-deterministic"]
    print(f"machine: {platform.machine()}; schemathesis checks: {checks}; examples per operation: "
          f"{args.examples}; seed {args.seed}", flush=True)
    t0 = time.perf_counter()
    # run in the temporary directory: schemathesis leaves a .schemathesis/ cache where it runs
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp.name)
    print(proc.stdout[-6000:].replace(token, "<token>"))
    print(proc.stderr[-2000:].replace(token, "<token>"), file=sys.stderr)
    print(f"exit {proc.returncode} in {time.perf_counter() - t0:.0f} s")
    server.should_exit = True
    thread.join(timeout=10)
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
