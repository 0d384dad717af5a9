"""Bounded cost per document: the worst shapes a document can have, each analysed in a fresh
process, with its wall time and peak memory (floors: 60 s and 2 GB per document).

    nice -n 10 .venv/bin/python bench/bench_worst_shapes.py [--size-mb 5]

Shapes: one line of 5 MB with no sentence break; 5 MB of short sentences; a text that is
nothing but names (hundreds of thousands of mentions); a page with 20,000 table rows; a page with
5,000 captions; one "sentence" of 50,000 words joined by commas.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from dyadwatch.pipeline import Pipeline
from dyadwatch.model import Document
path, fmt = sys.argv[1], sys.argv[2]
p = Pipeline()
t = time.time()
r = p.safe_analyze(Document(source=path, content=open(path, "rb").read(), format=fmt))
secs = time.time() - t
flags = [f.detail for f in getattr(getattr(r, "article", None), "flags", []) if f.kind == "truncated"]
print(json.dumps({"seconds": secs, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "result": type(r).__name__, "events": len(getattr(r, "events", []) or []),
                  "reason": getattr(r, "reason", ""), "truncated": flags}))
"""

WORDS = ("the minister said that government forces and rebels met in the capital on Monday while "
         "protesters marched against new taxes and police arrested several leaders").split()
NAMES = ["Gustavo Petro", "Donald Trump", "Colombia", "Nicolas Maduro", "Lula", "Brazil", "Kenya",
         "William Ruto", "the United Nations", "NATO", "Vladimir Putin", "Ukraine"]


def shapes(size: int, rng: random.Random) -> dict[str, tuple[str, bytes]]:
    def words(n):
        return " ".join(rng.choice(WORDS) if rng.random() < 0.85 else rng.choice(NAMES)
                        for _ in range(n))
    one_line = words(size // 6)[:size]
    sentences = ". ".join(words(12).capitalize() for _ in range(size // 80))[:size]
    names = ", ".join(rng.choice(NAMES) for _ in range(size // 12))[:size]
    commas = ", ".join(words(1) for _ in range(50_000))
    rows = "".join(f"<tr><td>Item {i}</td><td>{words(8)}</td></tr>" for i in range(20_000))
    table = f"<html><body><article><h1>Results</h1><p>{words(60)}.</p><table>{rows}</table></article></body></html>"
    figs = "".join(f"<figure><img src='a{i}.jpg'><figcaption>{words(10)}</figcaption></figure>"
                   for i in range(5_000))
    captions = f"<html><body><article><h1>Gallery</h1><p>{words(60)}.</p>{figs}</article></body></html>"
    return {"one line, no breaks": ("text", one_line.encode()),
            "short sentences": ("text", sentences.encode()),
            "names only": ("text", names.encode()),
            "one comma sentence": ("text", commas.encode()),
            "20,000 table rows": ("html", table.encode()),
            "5,000 captions": ("html", captions.encode())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=5.0)
    args = ap.parse_args(argv)
    rng = random.Random(7)
    worst_s = worst_mb = 0.0
    print(f"{'shape':<22} {'bytes':>10} {'seconds':>8} {'peak MB':>8} {'events':>7}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (fmt, data) in shapes(int(args.size_mb * 1e6), rng).items():
            path = Path(tmp) / "doc"
            path.write_bytes(data)
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), fmt], capture_output=True,
                                 text=True, timeout=900)
            line = (out.stdout.strip().splitlines() or ["{}"])[-1]
            r = json.loads(line) if line.startswith("{") else {"seconds": 0, "peak_mb": 0,
                                                                 "result": "crash", "events": 0}
            worst_s, worst_mb = max(worst_s, r["seconds"]), max(worst_mb, r["peak_mb"])
            note = r.get("reason") or "; ".join(r.get("truncated", []))[:90]
            print(f"{name:<22} {len(data):>10,} {r['seconds']:>8.1f} {r['peak_mb']:>8.0f} "
                  f"{r['events']:>7}  {r['result']} {note}", flush=True)
    ok = worst_s <= 60 and worst_mb <= 2048
    print(f"worst: {worst_s:.1f} s, {worst_mb:.0f} MB -> {'within' if ok else 'OVER'} 60 s / 2 GB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
