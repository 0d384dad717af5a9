"""Throughput of the dictionary stage (and of whole-article resolution) on real news text.

    nice -n 10 /work/main/.venv/bin/python bench/bench_resolve.py [--shared ../shared] [--repeat 3]

Text: the article bodies a person extracted in ../shared/data/extraction/scrapinghub-dev/
ground-truth.json. Dictionary stage = Lexicon.scan (Aho-Corasick over folded text, word
boundaries, case rules, leftmost-longest): mentions/s = dictionary matches / seconds, best of
--repeat runs. Resolution = Resolver.resolve_article on pre-parsed articles (spaCy parsing, which
belongs to the parse stage, is timed separately and excluded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadwatch.actors.resolve import default_resolver  # noqa: E402
from dyadwatch.model import Article  # noqa: E402
from dyadwatch.nlp.parse import parse_article  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--articles", type=int, default=40, help="articles for the full-resolution timing")
    args = ap.parse_args(argv)
    gt = args.shared / "data" / "extraction" / "scrapinghub-dev" / "ground-truth.json"
    if not gt.exists():
        print(f"no ground truth at {gt}", file=sys.stderr)
        return 2
    bodies = [v["articleBody"] for v in json.loads(gt.read_text(encoding="utf-8")).values()
              if v.get("articleBody")]
    t = time.perf_counter()
    resolver = default_resolver()
    build = time.perf_counter() - t
    best, n = float("inf"), 0
    for _ in range(args.repeat):
        t = time.perf_counter()
        n = sum(len(resolver.lexicon.scan(b)) for b in bodies)
        best = min(best, time.perf_counter() - t)
    chars = sum(len(b) for b in bodies)
    parsed = [parse_article(Article(doc_id=str(i), source="bench", text=b))
              for i, b in enumerate(bodies[:args.articles])]
    t = time.perf_counter()
    mentions = sum(len(resolver.resolve_article(p, dt.date(2020, 1, 1))) for p in parsed)
    full = time.perf_counter() - t
    print(json.dumps({"articles": len(bodies), "chars": chars, "kb_and_lexicon_build_s": round(build, 2),
                      "dictionary_matches": n, "dictionary_seconds": round(best, 4),
                      "dictionary_mentions_per_s": round(n / best),
                      "dictionary_chars_per_s": round(chars / best),
                      "resolve_articles": len(parsed), "resolve_mentions": mentions,
                      "resolve_seconds": round(full, 3),
                      "resolve_mentions_per_s": round(mentions / full)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
