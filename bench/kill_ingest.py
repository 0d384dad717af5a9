"""The kill test, repeated: SIGKILL `dyadwatch ingest` of 1,000 documents at chosen points, rerun, check.

Each trial is ``tests/test_kill_ingest.py``'s ``kill_and_rerun``: the ingest is killed once the
DuckDB write-ahead log has grown by the trial's number of bytes (early, mid-run, late: the whole
run writes about 15 MB of WAL), the database is checked right after the kill (every stored
document complete), the ingest is run again and every document, source, reject, story and alert
is checked to be stored exactly once. The stories of each trial (as sets of member documents) are
compared with those of one uninterrupted run of the same corpus.

    flock /tmp/dyadwatch-heavy.lock nice -n 5 .venv/bin/python bench/kill_ingest.py \\
        [--wal-bytes 400000 3000000 9000000 14000000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.test_kill_ingest import corpus, dyadwatch, kill_and_rerun  # noqa: E402


def partition(db: Path) -> set[frozenset[str]]:
    """The stories of a database as sets of member documents."""
    from dyadwatch.store import Store

    with Store(db) as s:
        rows = s.conn.execute("SELECT story_id, list(doc_id) FROM story_documents "
                              "GROUP BY story_id").fetchall()
    return {frozenset(docs) for _sid, docs in rows}


def uninterrupted(tmp: Path) -> set[frozenset[str]]:
    """Stories of the same corpus ingested by one run that is not killed."""
    import subprocess

    data = tmp / "wire.jsonl"
    corpus(data)
    db = tmp / "whole.duckdb"
    subprocess.run(dyadwatch("ingest", str(data), "--db", str(db), "--json"), check=True,
                   capture_output=True)
    return partition(db)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wal-bytes", type=int, nargs="+",
                    default=[400_000, 3_000_000, 9_000_000, 14_000_000])
    args = ap.parse_args()
    print(f"machine {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
          f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        whole = uninterrupted(Path(tmp))
    print(f"uninterrupted run: {len(whole)} stories")
    print("| kill at WAL bytes | killed after s | documents stored at kill | rerun s | events | "
          "stories | same stories as uninterrupted | alerts | checks |")
    print("|---|---|---|---|---|---|---|---|---|")
    failed = 0
    for threshold in args.wal_bytes:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                r = kill_and_rerun(Path(tmp), threshold)
                same = partition(Path(tmp) / "kill.duckdb") == whole
            except BaseException as exc:  # noqa: BLE001 - pytest.fail raises a BaseException
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failed += 1
                print(f"| {threshold:,} | | | | | | | | FAIL: {str(exc)[:300]} |")
                continue
        print(f"| {threshold:,} | {r['killed_after_s']} | {r['stored_at_kill']} | {r['rerun_s']} | "
              f"{r['events']:,} | {r['stories']} | {'yes' if same else 'NO'} | {r['alerts']} | "
              "pass |", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}; {failed} of {len(args.wal_bytes)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
