"""Extraction benchmark on the dev pages of ../shared/data/extraction/scrapinghub-dev.

    nice -n 10 .venv/bin/python bench/eval_extraction.py [--folds 5] [--options]

Scores, with the benchmark's own metric (../shared/data/README.md: lower-cased \\w+ tokens,
4-token shingles, per-page precision and recall averaged over pages, F1 of the two averages):

  (a) plain trafilatura (default options), pages/s
  (b) trafilatura with the options extract_html uses, pages/s
  (c) dyadwatch extract_html, pages/s and its speed ratio to (a), measured in the same run
  (d) whole-page rendered text (clean.render) with no cleaning
  (e) dyadwatch extract_text on the rendered text, cross-validated: for each of --folds folds
      the line model is trained (bench/train_boilerplate.train) without that fold's pages
  (f) the seed page's "Extraction and metadata" checks

``--options`` also scores the trafilatura option sets compared when choosing (b); ``--post``
scores running the (cross-validated) line model over trafilatura's output, tried and rejected.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

SEED = ROOT / ".." / "shared" / "seeds" / "000_031bfc0b6110e641.txt"
_TOKEN_RE = re.compile(r"\w+")
OPTION_SETS = {
    "default": {},
    "favor_precision": {"favor_precision": True},
    "favor_recall": {"favor_recall": True},
    "fast": {"fast": True},
    "no_comments": {"include_comments": False},
    "precision+no_comments": {"favor_precision": True, "include_comments": False},
    "fast+no_comments": {"fast": True, "include_comments": False},
    "fast+no_comments+no_tables": {"fast": True, "include_comments": False,
                                   "include_tables": False},
}


# --------------------------------------------------------------------------------------------
# the metric


def shingles(text: str | None) -> set[tuple[str, ...]]:
    w = _TOKEN_RE.findall((text or "").lower())
    return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}


def score(preds: Sequence[str | None], truths: Sequence[str]) -> dict[str, float]:
    """Mean per-page precision and recall of 4-token shingles, and their harmonic mean. An empty
    prediction scores 0 precision and 0 recall."""
    p_sum = r_sum = 0.0
    for pred, truth in zip(preds, truths, strict=True):
        p, t = shingles(pred), shingles(truth)
        if p and t:
            common = len(p & t)
            p_sum += common / len(p)
            r_sum += common / len(t)
    n = len(truths)
    prec, rec = p_sum / n, r_sum / n
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1}


# --------------------------------------------------------------------------------------------
# runs


REPEAT = 3  # timed passes per run; the fastest counts (the machine is shared with other jobs)


def timed(fn: Callable, items: Sequence) -> tuple[list, float]:
    """Outputs of ``fn`` over ``items`` and its speed in items/s: the best of ``REPEAT`` passes,
    after a warm-up call (lazy imports, language profiles, model files)."""
    fn(items[0])
    best = float("inf")
    out: list = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = [fn(x) for x in items]
        best = min(best, time.perf_counter() - t0)
    return out, len(items) / best


def run_trafilatura(pages, kwargs) -> tuple[list, float]:
    import trafilatura

    return timed(lambda p: trafilatura.extract(p.html, url=p.url, **kwargs), pages)


def run_extract_html(pages) -> tuple[list, float]:
    from dyadwatch.errors import DyadwatchError
    from dyadwatch.ingest.html import extract_html
    from dyadwatch.ingest.text import warm_up
    from dyadwatch.model import Document

    warm_up()  # one-time loading of language profiles and the line model, not per page
    def one(p):
        try:
            return extract_html(Document(source=p.id, content=p.html, url=p.url)).text
        except DyadwatchError:
            return ""

    return timed(one, pages)


TITLES: dict[str, str] = {}  # page id -> headline extract_text found (filled by run_text_cv)


def title_agreement(pages) -> tuple[int, int, int]:
    """(agree, empty, pages): extract_text's headline on the rendered page against the title of
    the HTML metadata (read_metadata), equal when one contains the other ignoring case."""
    from dyadwatch.ingest.html import decode_html, parse_html, read_metadata

    def norm(s: str | None) -> str:
        return " ".join((s or "").lower().split())

    agree = empty = 0
    for p in pages:
        ours = norm(TITLES.get(p.id))
        html = norm(read_metadata(parse_html(decode_html(p.html, p.id), p.id), p.url).title)
        empty += not ours
        agree += bool(ours and html and (ours in html or html in ours))
    return agree, empty, len(pages)


def repairs_on_truth(pages) -> dict[str, int]:
    """Repairs ``repair_text`` makes on the human-extracted bodies: clean text, so each one is
    a possible false positive (a few are real errors of the source pages)."""
    from collections import Counter

    from dyadwatch.clean.repair import repair_text

    return dict(Counter(r.kind for p in pages for r in repair_text(p.truth)[1]))


def run_text_cv(pages, folds: int, hidden: tuple[int, int] | None = None) -> list[str]:
    """extract_text on each page's rendered text, with a line model trained without its fold."""
    import train_boilerplate as tb
    from dyadwatch.clean.boilerplate import LineModel
    from dyadwatch.errors import DyadwatchError
    from dyadwatch.ingest.text import extract_text
    from dyadwatch.model import Document

    out: dict[str, str] = {}
    TITLES.clear()
    for k in range(folds):
        train = [p for i, p in enumerate(pages) if i % folds != k]
        model = LineModel.from_dict(tb.train(train, hidden or tb.HIDDEN))
        for i, p in enumerate(pages):
            if i % folds != k:
                continue
            doc = Document(source=p.id, content="\n".join(p.lines).encode("utf-8"), url=p.url)
            try:
                article = extract_text(doc, model=model)
                out[p.id], TITLES[p.id] = article.text, article.title
            except DyadwatchError:
                out[p.id] = ""
        print(f"  fold {k + 1}/{folds} done", file=sys.stderr, flush=True)
    return [out[p.id] for p in pages]


def run_post_cv(pages, folds: int, kwargs: dict) -> dict[str, list[str]]:
    """trafilatura's output filtered by the line model (trained without the page's fold): every
    line below a cut, or only leading and trailing lines below it."""
    import trafilatura

    import train_boilerplate as tb
    from dyadwatch.clean import boilerplate as bp

    outs = [trafilatura.extract(p.html, url=p.url, **kwargs) or "" for p in pages]
    probs: dict[int, tuple[list[str], list[float]]] = {}
    for k in range(folds):
        model = bp.LineModel.from_dict(tb.train([p for i, p in enumerate(pages) if i % folds != k]))
        for i in range(k, len(pages), folds):
            lines, _ = bp.split_lines(outs[i])
            probs[i] = (lines, list(model.predict(lines)))
    runs: dict[str, list[str]] = {}
    for cut in (0.05, 0.2):
        runs[f"all lines, cut {cut}"] = [
            "\n".join(line for line, q in zip(*probs[i]) if q >= cut) or outs[i]
            for i in range(len(pages))]
        edge = []
        for i in range(len(pages)):
            lines, q = probs[i]
            a, b = 0, len(lines)
            while a < b and q[a] < cut:
                a += 1
            while b > a and q[b - 1] < cut:
                b -= 1
            edge.append("\n".join(lines[a:b]) or outs[i])
        runs[f"edges only, cut {cut}"] = edge
    return runs


# --------------------------------------------------------------------------------------------
# the seed


def seed_checks() -> list[tuple[str, bool]]:
    """Every item under "Extraction and metadata" of the seed's expected file."""
    from dyadwatch.ingest.text import extract_text
    from dyadwatch.model import Document

    if not SEED.exists():
        return []
    a = extract_text(Document(source=str(SEED), content=SEED.read_bytes()))
    reasons = {r.reason for r in a.removed}
    removed = " ".join(r.text for r in a.removed)
    repaired = {r.after for r in a.repairs}
    table = a.tables[0] if a.tables else None
    checks = [
        ("title", a.title == "Petro and Trump Hold First Phone Call as US Threatens Military "
                             "Action in Colombia"),
        ("subtitle kept, not body", a.subtitle.startswith("Petro and Trump Speak by Phone")
         and a.subtitle not in a.text),
        ("section", a.section == "world"),
        ("author", a.author == "Omar El Sayed"),
        ("author_role", a.author_role == "World Editor"),
        ("dateline", a.dateline == "Bogotá"),
        ("photographer credit", any(c.role == "photographer" and c.name == "Sergio Acero"
                                    for c in a.credits)),
        ("agency credit", any(c.role == "agency" and c.name == "Reuters" for c in a.credits)),
        ("caption not body", any(c.startswith("Supporters rally") for c in a.captions)
         and "Supporters rally" not in a.text),
        ("Key Facts table", table is not None and table.header == ["Aspect", "Details"]
         and len(table.rows) == 7 and "Key Facts" not in a.text),
        ("removals with reasons", {"breadcrumb", "byline", "share_prompt", "related_links",
                                   "chatbot_text", "comment_form", "adblock"} <= reasons),
        ("furniture out of body", all(s not in a.text for s in (
            "Share your thoughts", "Further reading", "sorry, but I can", "You may also like",
            "Leave a Comment", "Akismet", "Adblock", "AdBlocker"))
         and "Akismet" in removed),
        ("reader questions removed", "What concrete steps would you prioritize" not in a.text),
        ("spacing repairs", {"rhetoric. Petro", "U.S. military", "conversation, while",
                             "tense. While"} <= repaired
         and "Drugs policy, regional security, and other bilateral disagreements"
         in (table.rows[3][1] if table and len(table.rows) > 3 else "")),
        ("proper-name repairs", {"White House", "Washington", "Latin America"} <= repaired),
        ("sentence-start casing", "The exchange was confirmed" in a.text
         and "Background remains tense" in a.text),
        ("no publication date", a.published is None and a.published_source == ""),
    ]
    return checks


# --------------------------------------------------------------------------------------------


def html_rows(pages, truths, chosen_kw: dict) -> list[str]:
    """(a), (b) and (c), timed in the same process one after the other."""
    plain, plain_speed = run_trafilatura(pages, {})
    chosen, chosen_speed = run_trafilatura(pages, chosen_kw)
    ours, ours_speed = run_extract_html(pages)
    return [
        _row("(a) trafilatura, default options", score(plain, truths), plain_speed),
        _row("(b) trafilatura, chosen options", score(chosen, truths), chosen_speed,
             ", ".join(f"{k}={v}" for k, v in chosen_kw.items())),
        _row("(c) dyadwatch extract_html", score(ours, truths), ours_speed,
             f"speed ratio to (a): {ours_speed / plain_speed:.2f}"),
        page_gaps(pages, plain, ours),
    ]


def page_gaps(pages, plain, ours) -> str:
    """Per page, (c)'s F1 minus (a)'s (the floor: never more than 0.05 below on any page)."""
    gaps = []
    for p, a, c in zip(pages, plain, ours, strict=True):
        gaps.append((score([c], [p.truth])["f1"] - score([a], [p.truth])["f1"], p.id[:10]))
    gaps.sort()
    below = [g for g in gaps if g[0] < -0.05]
    worst = ", ".join(f"{pid} {g:+.3f}" for g, pid in gaps[:3])
    return (f"| per page: (c) minus (a) | | | | | {len(below)} of {len(pages)} pages more than "
            f"0.05 below plain trafilatura; worst: {worst} |")


def _row(name: str, s: dict[str, float], speed: float | None = None, note: str = "") -> str:
    sp = f"{speed:.1f}" if speed else ""
    return f"| {name} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | {sp} | {note} |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--options", action="store_true", help="also score trafilatura option sets")
    ap.add_argument("--repeat", type=int, default=REPEAT,
                    help="timed passes per run, the fastest counts (default 3)")
    ap.add_argument("--hidden", default="",
                    help="hidden units of the line model's two stages for (e), e.g. 16,0 "
                         "(default: bench/train_boilerplate.HIDDEN)")
    ap.add_argument("--only-text", action="store_true", help="run only (d), (e) and (f)")
    ap.add_argument("--post", action="store_true",
                    help="also score the line model run over trafilatura's output")
    args = ap.parse_args(argv)
    globals()["REPEAT"] = max(1, args.repeat)
    import logging

    logging.disable(logging.WARNING)  # trafilatura logs every page it finds odd
    import train_boilerplate as tb
    from dyadwatch.ingest.html import TRAFILATURA_OPTIONS

    pages = tb.load_pages()
    truths = [p.truth for p in pages]
    lines = ["| run | precision | recall | F1 | pages/s | note |", "|---|---|---|---|---|---|"]
    chosen_kw = dict(TRAFILATURA_OPTIONS)
    if not args.only_text:
        lines += html_rows(pages, truths, chosen_kw)
    if args.options:
        for name, kw in OPTION_SETS.items():
            out, speed = run_trafilatura(pages, kw)
            lines.append(_row(f"trafilatura {name}", score(out, truths), speed))
    if args.post:
        for name, out in run_post_cv(pages, args.folds, chosen_kw).items():
            lines.append(_row(f"(b) + line model on its output, {name}", score(out, truths),
                              None, f"{args.folds}-fold CV"))
    lines.append(_row("(d) whole-page rendered text, no cleaning",
                      score(["\n".join(p.lines) for p in pages], truths)))
    hidden = tuple(int(h) for h in args.hidden.split(",")) if args.hidden else tb.HIDDEN
    cv = run_text_cv(pages, args.folds, hidden)
    lines.append(_row(f"(e) dyadwatch extract_text on rendered text, {args.folds}-fold CV",
                      score(cv, truths), None, f"line model trained without the page's fold; "
                      f"hidden units {hidden}"))
    kinds = repairs_on_truth(pages)
    lines.append(f"\n(h) repairs made on the {len(pages)} human-extracted bodies (clean text, "
                 f"{sum(len(p.truth) for p in pages):,} characters): {sum(kinds.values())} "
                 f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    agree, empty, n = title_agreement(pages)
    lines.append(f"\n(g) headline of extract_text on the rendered page agrees with the HTML "
                 f"metadata title on {agree}/{n} pages ({empty} without a headline)")
    print(f"pages: {len(pages)}; machine: {platform.machine()}, "
          f"{os.cpu_count()} cores; python {platform.python_version()}; load average at the "
          f"end {os.getloadavg()[0]:.2f}; speeds: best of {REPEAT} passes")
    print("\n".join(lines))
    checks = seed_checks()
    if checks:
        ok = sum(c[1] for c in checks)
        print(f"\n(f) seed checks: {ok}/{len(checks)} pass")
        for name, passed in checks:
            print(f"- [{'x' if passed else ' '}] {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
