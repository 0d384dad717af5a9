"""Actors resolved to a country nothing else in the article supports, before and after the
context check (``Resolver._unsupported``), on real pages nobody tuned for: the 111 pages of
../shared/data/extraction/scrapinghub-dev (HTML through the whole extraction) and the bundled
sample corpus.

A resolved actor (a person, organisation, agent or group; a country or capital named is itself
the article's evidence) is *unsupported* when its country is named by no other mention of the article
(a country, demonym, capital, organisation, or a person resolved by title or full name) and not by
the dateline. Bare surnames resolved to an office holder are the kind the check acts on; the
others are listed so a reader can judge them.

    nice -n 10 .venv/bin/python bench/eval_actor_support.py [--show N]
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / ".." / "shared" / "data" / "extraction" / "scrapinghub-dev" / "html"
SAMPLE = ROOT / "sample" / "corpus" / "html"


def articles():
    from dyadwatch.ingest import extract
    from dyadwatch.model import Document

    paths = sorted(PAGES.glob("*.html.gz")) + sorted(SAMPLE.glob("*.html"))
    for p in paths:
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        try:
            yield p.name, extract(Document(source=p.name, content=raw, format="html"), None)
        except Exception:  # noqa: BLE001 - a page that does not extract is not this measure
            continue


def measure(resolver, arts):
    from dyadwatch.nlp.dates import document_reference_date
    from dyadwatch.nlp.parse import parse_article

    total = unsupported = national = 0
    kinds: Counter = Counter()
    examples = []
    for name, art in arts:
        if art.language and not art.language.startswith("en"):
            continue
        parsed = parse_article(art)
        ms = resolver.resolve_article(parsed, document_reference_date(parsed))
        resolved = [m for m in ms if m.country]
        for m in resolved:
            if m.kind in ("country", "capital", "demonym", "place", "region"):
                continue  # a country named is the article's own evidence
            total += 1
            others = {o.country for o in resolved if o is not m and o.text.lower() != m.text.lower()}
            if m.country not in others:
                unsupported += 1
                # an IGO, NGO or company code is no country the article could fail to name
                national += resolver.kb.country(m.country) is not None
                kinds[m.kind] += 1
                examples.append(f"{name[:14]} {m.kind:<7} {m.text!r} -> {m.country} {m.name}")
    return total, unsupported, kinds, examples, national


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--show", type=int, default=15)
    args = ap.parse_args(argv)
    if not PAGES.exists():
        print(f"{PAGES} is absent", file=sys.stderr)
        return 2
    from dyadwatch.actors.resolve import Resolver

    arts = list(articles())
    rows = {}
    for label, check in (("before (no context check)", False), ("after", True)):
        r = Resolver()
        r.context_check = check
        rows[label] = measure(r, arts)
    print(f"{len(arts)} real pages")
    for label, (total, uns, kinds, ex, nat) in rows.items():
        print(f"{label:<26} resolved mentions {total:>5}  unsupported {uns:>4} "
              f"({uns / max(1, total):.3f})  of which a country {nat:>4} "
              f"({nat / max(1, total):.3f})  by kind {dict(kinds)}")
    before, after = (set(v[3]) for v in rows.values())
    print("unsupported before, gone after:")
    for e in sorted(before - after)[:args.show]:
        print("  " + e)
    print("still unsupported after:")
    for e in sorted(after)[:args.show]:
        print("  " + e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
