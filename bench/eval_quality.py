"""Evaluate the quality flags (issue 5 floors; development scores, held-out pages judge).

  (a) the seed page: every flag of its expected file, and no weekday flag;
  (b) the dev pages of ../shared/data/extraction/scrapinghub-dev (professional newsrooms), through
      the full analysis: share of pages with a high-severity flag (floor: at most 2 %), and the
      flags found, for reading;
  (c) injection: 50 real paragraphs (the human-extracted bodies of the same pages), each copied
      once per artefact kind with one artefact injected at a random place; detection rate per kind
      (floor: 95 %), and the high-severity rate on the untouched copies (floor: at most 2 %).

The injected artefacts are drawn from several phrasings per kind and, for the knowledge-base
kinds, from office holders the knowledge base lists on the paragraph's date, so that a rule fitted
to one phrasing does not pass.

    nice -n 10 .venv/bin/python bench/eval_quality.py [--only seed|pages|inject] [--paragraphs 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
SEED = SHARED / "seeds" / "000_031bfc0b6110e641.txt"
DEV = SHARED / "data" / "extraction" / "scrapinghub-dev"

SEED_EXPECTED = [("generated_text_artifact", "high"), ("role_contradiction", "high"),
                 ("name_mismatch", "medium"), ("formatting", "low"), ("vague_attribution", "low"),
                 ("template_padding", "low")]

GENERATED = [
    "I'm sorry, but I can't help with that.",
    "I’m sorry, but I cannot assist with this request.",
    "As an AI language model, I cannot verify these claims.",
    "As of my last update, the negotiations had not concluded.",
    "As of my latest knowledge update in 2024, no agreement was signed.",
    "The ministry confirmed the figures turn0search4.",
    "Officials declined to comment. 【oaicite:0】",
    "More details are available at https://example.net/report?utm_source=chatgpt.com.",
    "Certainly! Here is a rewritten version of the news article:",
    "I apologize, but as an AI I do not have access to real-time news.",
]
PADDING = [
    "Why This Matters — Evergreen Context",
    "Why It Matters",
    "What readers should consider next",
    "Key Takeaways",
    "Final Thoughts",
    "What Happens Next?",
]
VAGUE = [
    "The decision was welcomed, according to statements surrounding the meeting.",
    "It is widely believed that the talks will resume soon.",
    "Reports suggest the agreement could be signed within weeks.",
    "Some observers say the move signals a change of course.",
    "According to various reports, the deal remains on track.",
]
MARKUP = [
    "The minister&nbsp;spoke to reporters.",
    "<div class=\"ad-slot\"></div>",
    "[caption id=\"attachment_12\" align=\"alignnone\"]",
    "Officials said **the plan** would proceed.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
WRONG_GIVEN = ["Mike", "John", "Peter", "Anna", "Carlos", "David", "Maria", "Paul", "James", "Laura"]
KINDS = ("generated_text_artifact", "template_padding", "vague_attribution", "markup_leftover",
         "date_inconsistency", "formatting", "role_contradiction", "name_mismatch")


def seed_check(pipe) -> bool:
    from dyadwatch.model import Document

    analysis = pipe.analyze_document(Document(source=str(SEED), content=SEED.read_bytes(), format="text"))
    got = Counter((f.kind, f.severity) for f in analysis.article.flags)
    ok = True
    print("== seed flags")
    for kind, sev in SEED_EXPECTED:
        hit = got[(kind, sev)] > 0
        ok &= hit
        print(f"  {'ok ' if hit else 'MISSING'} {kind} {sev}")
    weekday = [f for f in analysis.article.flags if f.kind == "date_inconsistency"]
    ok &= not weekday
    print(f"  {'ok ' if not weekday else 'WRONG'} no weekday flag")
    for f in analysis.article.flags:
        print(f"  - {f.kind} {f.severity}: {f.text[:90]!r}")
    print(f"  quality {analysis.quality:.2f}; seed {'PASS' if ok else 'FAIL'}")
    return ok


def dev_pages() -> list[tuple[str, bytes]]:
    return [(p.name, gzip.decompress(p.read_bytes())) for p in sorted((DEV / "html").glob("*.html.gz"))]


def pages_check(pipe) -> float:
    from dyadwatch.model import Document

    pages = dev_pages()
    high_pages, flags = 0, Counter()
    examples = []
    for name, html in pages:
        item = pipe.safe_analyze(Document(source=name, content=html, format="html"))
        if not hasattr(item, "article"):
            print(f"  rejected {name}: {item.reason}")
            continue
        fl = item.article.flags
        flags.update((f.kind, f.severity) for f in fl)
        if any(f.severity == "high" for f in fl):
            high_pages += 1
            examples += [(name, f.kind, f.text[:100]) for f in fl if f.severity == "high"]
    rate = high_pages / len(pages)
    print(f"== dev pages: {len(pages)} pages, {high_pages} with a high-severity flag = {rate:.1%} "
          f"(floor <= 2%)")
    for (kind, sev), n in sorted(flags.items(), key=lambda x: -x[1]):
        print(f"  {kind:<26} {sev:<6} {n:>4}")
    for ex in examples:
        print(f"  high: {ex}")
    return rate


def paragraphs(n: int, rng: random.Random) -> list[str]:
    data = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for key in sorted(data):
        paras = [p.strip() for p in (data[key].get("articleBody") or "").split("\n")
                 if 60 <= len(p.split()) <= 250]
        if paras:
            out.append(paras[0])
    rng.shuffle(out)
    return out[:n]


def _sentence_points(text: str) -> list[int]:
    return [m.end() for m in re.finditer(r"[.!?][\"”’]?\s", text)] or [len(text)]


def _insert(text: str, piece: str, rng: random.Random, own_line: bool = False) -> str:
    at = rng.choice(_sentence_points(text))
    sep = "\n" if own_line else " "
    return text[:at].rstrip() + sep + piece + sep + text[at:].lstrip()


# Generic titles news uses for each office (a holder's own title may be a country's variant).
GENERIC_TITLES = {"head_of_government": "Prime Minister", "foreign_minister": "Foreign Minister",
                  "defence_minister": "Defence Minister", "head_of_state": "President",
                  "head_of_state_and_government": "President"}


def _office_holders(kb, date: dt.date) -> list[tuple[str, str, str]]:
    """(generic title, holder name, person id) of heads and ministers in office on ``date``
    whose own title agrees with the generic one (presidents, not kings; prime ministers)."""
    out = []
    for person in kb.persons.values():
        words = person.name.split()
        if len(words) < 2 or len(words[-1]) < 3 or re.fullmatch(r"[IVXL]+", words[-1]):
            continue  # regnal names ("Felipe VI") and initials are not given name + surname
        for r in kb.roles_of(person.id, date):
            title = GENERIC_TITLES.get(r.role)
            if title is None or "(" in r.title:
                continue
            if title in ("President", "Prime Minister") and title.lower() not in r.title.lower():
                continue
            out.append((title, person.name, person.id))
    return sorted(set(out))


def inject(kind: str, text: str, rng: random.Random, holders) -> str:
    if kind == "generated_text_artifact":
        return _insert(text, rng.choice(GENERATED), rng)
    if kind == "template_padding":
        return text + "\n" + rng.choice(PADDING) + "\n" + "Sustained dialogue tends to yield practical cooperation."
    if kind == "vague_attribution":
        return _insert(text, rng.choice(VAGUE), rng)
    if kind == "markup_leftover":
        return _insert(text, rng.choice(MARKUP), rng)
    if kind == "date_inconsistency":
        d = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
        wrong = WEEKDAYS[(d.weekday() + rng.randrange(1, 7)) % 7]
        return _insert(text, f"The meeting took place on {wrong}, {MONTHS[d.month - 1]} {d.day}, {d.year}.", rng)
    if kind == "formatting":
        points = [m.start() + 1 for m in re.finditer(r"[.,;] (?=[A-Za-z])", text)]
        cut = set(rng.sample(points, min(3, len(points))))
        return "".join(ch for i, ch in enumerate(text) if not (i in cut and ch == " "))
    title, name, _pid = rng.choice(holders)
    if kind == "role_contradiction":
        return _insert(text, f"Former {title} {name} said on Monday that talks would continue.", rng)
    if kind == "name_mismatch":
        surname = name.split()[-1]
        given = rng.choice([g for g in WRONG_GIVEN if g.lower() not in name.lower()])
        return _insert(text, f"{title} {given} {surname} said on Monday that talks would continue.", rng)
    raise ValueError(kind)


def inject_check(pipe, n: int, seed: int = 20261129, args_show=KINDS) -> tuple[dict[str, float], float]:
    from dyadwatch.actors.kb import default_kb
    from dyadwatch.model import Article

    rng = random.Random(seed)
    date = dt.date(2026, 3, 2)
    holders = _office_holders(default_kb(), date)
    paras = paragraphs(n, rng)

    def flags_of(text: str) -> list:
        article = Article(doc_id="p", source="inject", text=text, published=date,
                          published_source="input")
        return pipe.analyze_article(article).article.flags

    clean_high = sum(any(f.severity == "high" for f in flags_of(p)) for p in paras)
    rates = {}
    misses: list[tuple[str, str]] = []
    for kind in KINDS:
        hits = 0
        for p in paras:
            text = inject(kind, p, rng, holders)
            found = {f.kind for f in flags_of(text)}
            if kind in found:
                hits += 1
            else:
                misses.append((kind, text[:160]))
        rates[kind] = hits / len(paras)
    clean_rate = clean_high / len(paras)
    print(f"== injection: {len(paras)} paragraphs, {len(holders)} office holders on {date}")
    for kind, r in rates.items():
        print(f"  {kind:<26} detected {r:.0%}")
    overall = sum(rates.values()) / len(rates)
    print(f"  all kinds                  detected {overall:.1%} (floor >= 95% per kind)")
    print(f"  untouched copies with a high-severity flag: {clean_high}/{len(paras)} = {clean_rate:.1%} (floor <= 2%)")
    for kind, text in [m for m in misses if m[0] in args_show][:20]:
        print(f"  missed {kind}: {text!r}")
    return rates, clean_rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=["seed", "pages", "inject"], action="append")
    ap.add_argument("--paragraphs", type=int, default=50)
    args = ap.parse_args(argv)
    if not DEV.exists():
        print(f"{DEV} is absent", file=sys.stderr)
        return 2
    from dyadwatch.pipeline import Pipeline

    pipe = Pipeline()
    only = set(args.only or ["seed", "pages", "inject"])
    t0 = time.perf_counter()
    if "seed" in only:
        seed_check(pipe)
    if "pages" in only:
        pages_check(pipe)
    if "inject" in only:
        inject_check(pipe, args.paragraphs)
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
