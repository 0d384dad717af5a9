"""Generated-text artefacts of phrasings nobody tuned for (issue 16, item 3).

bench/data/generated_artifacts.jsonl was written by a session blind to the detector (see its .md):
188 chatbot artefacts of seven kinds and 160 clean news sentences, 113 of them hard negatives
(chatbots quoted in reports, officials refusing in quotes, first-person columns, corrections,
third-person talk of training data). It is evaluation-only: no cue was written from it.

Two readings, each through the quality stage (``generated_text_artifact`` flags of
``clean.quality.assess``, the same call in old and new code):
  (a) alone: each text as a one-line document;
  (b) injected: each artefact put between two sentences of a real paragraph (the human-extracted
      bodies of ../shared/data/extraction/scrapinghub-dev), each clean text likewise; an artefact
      counts as found when a flag covers it.
And (c) the share of the 111 untouched dev pages' bodies with a high-severity generated flag.

    nice -n 10 .venv/bin/python bench/eval_generated.py [--errors]
Old code side by side: PYTHONPATH=/tmp/old/src .venv/bin/python bench/eval_generated.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "generated_artifacts.jsonl"
TRUTH = ROOT / ".." / "shared" / "data" / "extraction" / "scrapinghub-dev" / "ground-truth.json"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def flags(text: str):
    from dyadwatch.clean.quality import assess
    from dyadwatch.model import Article

    art = Article(doc_id="x", source="x", text=text, format="text")
    found, _ = assess(None, [], [], article=art)
    return [f for f in found if f.kind == "generated_text_artifact"]


def paragraphs() -> list[str]:
    data = json.loads(TRUTH.read_text(encoding="utf-8"))
    out = []
    for key in sorted(data):
        paras = [p.strip() for p in (data[key].get("articleBody") or "").split("\n")
                 if 40 <= len(p.split()) <= 200 and len(_SENT.split(p.strip())) >= 2]
        out += paras[:1]
    return out


def split_of(item_id: str) -> str:
    return "dev" if hashlib.sha1(item_id.encode()).digest()[0] % 2 == 0 else "test"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all",
                    help="the set is split in two by a hash of the id: the grammar was refined "
                         "looking at dev errors only; test was read once, at the end")
    ap.add_argument("--data", type=Path, default=DATA,
                    help="another set of the same form, e.g. training/generated/sentences.jsonl "
                         "(written blind to the grammar by a second helper session)")
    args = ap.parse_args(argv)
    import dyadwatch

    rows = [json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x.strip()]
    if args.split != "all":
        rows = [r for r in rows if split_of(r["id"]) == args.split]
    rng = random.Random(16)
    paras = paragraphs()
    alone, injected = defaultdict(Counter), defaultdict(Counter)
    errors = []
    for r in rows:
        art = r["label"] == "artifact"
        hit = bool(flags(r["text"]))
        alone[r["kind"]]["n"] += 1
        alone[r["kind"]]["hit"] += hit
        para = rng.choice(paras)
        sents = _SENT.split(para)
        k = rng.randrange(1, len(sents))
        text = " ".join(sents[:k] + [r["text"]] + sents[k:])
        start = text.index(r["text"])
        fl = flags(text)
        cover = any(f.field == "body" and f.start < start + len(r["text"]) and start < f.end
                    for f in fl)
        injected[r["kind"]]["n"] += 1
        injected[r["kind"]]["hit"] += cover if art else bool(fl)
        if args.errors and (hit != art):
            errors.append(f"  {'MISS' if art else 'FALSE'} {r['kind']}: {r['text'][:110]!r}")
        if args.errors and art and hit and not cover:
            errors.append(f"  MISS injected {r['kind']}: {text[max(0, start - 60):start + 80]!r}")
    print(f"code: {Path(dyadwatch.__file__).parent}; split: {args.split} ({len(rows)} texts)"
          f"; data: {args.data.name}")
    print("| kind | label | n | found alone | found injected |")
    print("|---|---|---|---|---|")
    tot = {True: Counter(), False: Counter()}
    clean_kinds = {r["kind"] for r in rows if r["label"] == "clean"}
    for kind in sorted(alone, key=lambda k: (k in clean_kinds, k)):
        art = kind not in clean_kinds
        a, i = alone[kind], injected[kind]
        tot[art].update({"n": a["n"], "a": a["hit"], "i": i["hit"]})
        print(f"| {kind} | {'artifact' if art else 'clean'} | {a['n']} | {a['hit'] / a['n']:.3f} "
              f"| {i['hit'] / i['n']:.3f} |")
    for art, name in ((True, "all artefacts (found)"), (False, "all clean (false alarms)")):
        t = tot[art]
        print(f"| **{name}** | | {t['n']} | {t['a'] / t['n']:.3f} | {t['i'] / t['n']:.3f} |")
    data = json.loads(TRUTH.read_text(encoding="utf-8"))
    bodies = [v.get("articleBody") or "" for _k, v in sorted(data.items())]
    high = sum(bool(flags(b)) for b in bodies)
    print(f"(c) untouched dev page bodies with a generated-text flag: {high}/{len(bodies)} "
          f"= {high / len(bodies):.3f} (floor <= 0.02)")
    if errors:
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
