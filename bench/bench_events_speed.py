"""Speed of the full analysis against spaCy alone, on 600-word articles built from real news
paragraphs (../shared/data/extraction/scrapinghub-dev/ground-truth.json).

Measures, on the same texts and in one process:
  model   the spaCy model as shipped, every component on, nlp.pipe over the texts;
  spacy   nlp.pipe with the pipeline as dyadwatch configures it (entity recogniser on demand,
          the fast attribute ruler): the parse every analysis needs;
  full    Pipeline.analyze_document on each text as a plain-text document (extraction, parse,
          actor resolution, event coding, key facts card, quality flags);
and prints articles per second, the ratio full / spacy, and where the time goes (a profile of
the stages measured separately on the same parses).

    nice -n 10 .venv/bin/python bench/bench_events_speed.py [--articles 60] [--words 600] [--repeat 3]

With ``--repeat N`` the three timings are taken N times, interleaved, and the fastest of each is
reported (as ``timeit`` does): on a shared virtual machine the slow runs measure the neighbours.
Every round reads texts no earlier round read (the vocabulary and the lemma caches grow as in a
long run, but no text is seen twice), and in each round the full analysis goes first, so it never
reads a text the configured spaCy pipeline, which it shares, has already parsed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUND_TRUTH = ROOT / ".." / "shared" / "data" / "extraction" / "scrapinghub-dev" / "ground-truth.json"


def build_articles(n: int, words: int) -> list[str]:
    """``n`` texts of about ``words`` words, each made of whole paragraphs of real articles, taken
    in turn from the benchmark's pages so that every text mixes a few sources."""
    data = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    paragraphs = [p.strip() for item in data.values() for p in (item.get("articleBody") or "").split("\n")
                  if len(p.split()) >= 20]
    out: list[str] = []
    i = 0
    while len(out) < n and paragraphs:
        chunk: list[str] = []
        count = 0
        while count < words:
            p = paragraphs[i % len(paragraphs)]
            i += 1
            chunk.append(p)
            count += len(p.split())
        out.append("\n\n".join(chunk))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    if not GROUND_TRUTH.exists():
        print(f"{GROUND_TRUTH} is absent", file=sys.stderr)
        return 2
    from dyadwatch.model import Article, Document
    from dyadwatch.nlp.dates import document_reference_date
    from dyadwatch.nlp.parse import get_nlp, parse_article
    from dyadwatch.pipeline import Pipeline

    rounds = max(1, args.repeat)
    all_texts = build_articles(args.articles * rounds + 1, args.words)
    warm, all_texts = all_texts[0], all_texts[1:]
    texts = all_texts[:args.articles]
    nwords = sum(len(t.split()) for t in all_texts) / len(all_texts)
    pipe = Pipeline()
    nlp = get_nlp()
    # warm up every component once (model loading is not what we measure)
    pipe.analyze_document(Document(source="warmup.txt", content=warm.encode("utf-8"), format="text"))
    list(nlp.pipe([warm]))

    # the model as shipped, every component on (entity recogniser, spaCy's attribute ruler)
    import spacy

    from dyadwatch.nlp.parse import MODEL_NAME

    full_model = spacy.load(MODEL_NAME)
    list(full_model.pipe([warm]))

    def time_pipe(model, texts: list[str]) -> float:
        t0 = time.perf_counter()
        for _doc in model.pipe(texts):
            pass
        return time.perf_counter() - t0

    n_events = 0

    def time_full(texts: list[str]) -> float:
        nonlocal n_events
        n_events = 0
        t0 = time.perf_counter()
        for i, text in enumerate(texts):
            analysis = pipe.analyze_document(Document(source=f"a{i}.txt", content=text.encode("utf-8"),
                                                      format="text"))
            n_events += len(analysis.events)
        return time.perf_counter() - t0

    runs: dict[str, list[float]] = {"spacy": [], "model": [], "full": []}
    for r in range(rounds):
        chunk = all_texts[r * args.articles:(r + 1) * args.articles]
        runs["full"].append(time_full(chunk))
        runs["model"].append(time_pipe(full_model, chunk))
        runs["spacy"].append(time_pipe(nlp, chunk))
    t_spacy, t_model, t_full = min(runs["spacy"]), min(runs["model"]), min(runs["full"])

    # stage profile on fresh parses of the same texts
    stages = {"parse": 0.0, "resolve": 0.0, "code": 0.0, "facts": 0.0}
    from dyadwatch.facts import build_card

    for i, text in enumerate(texts):
        article = Article(doc_id=f"a{i}", source=f"a{i}", text=text)
        t = time.perf_counter()
        parsed = parse_article(article, nlp)
        stages["parse"] += time.perf_counter() - t
        ref = document_reference_date(parsed)
        t = time.perf_counter()
        mentions = pipe.resolver.resolve_article(parsed, ref)
        stages["resolve"] += time.perf_counter() - t
        t = time.perf_counter()
        events = pipe.coder.code_article(parsed, mentions, ref)
        stages["code"] += time.perf_counter() - t
        t = time.perf_counter()
        build_card(parsed, mentions, events, ref_date=ref)
        stages["facts"] += time.perf_counter() - t

    n = len(texts)
    print(f"articles: {n} per round, {rounds} round(s), {nwords:.0f} words on average; "
          f"{n_events} events coded in the last round")
    print(f"spaCy model as shipped (all components): {t_model:.2f}s = {n / t_model:.1f} articles/s")
    print(f"spaCy as configured (nlp.pipe):          {t_spacy:.2f}s = {n / t_spacy:.1f} articles/s")
    print(f"full analyze:                            {t_full:.2f}s = {n / t_full:.1f} articles/s")
    print(f"ratio full / spaCy model as shipped:     {t_full / t_model:.2f}")
    print(f"ratio full / spaCy as configured:        {t_full / t_spacy:.2f}")
    print("stage profile (s per article): " + ", ".join(f"{k} {v / n * 1000:.1f} ms" for k, v in stages.items()))
    print(f"event coder alone / spaCy alone: {stages['code'] / t_spacy:.2f}")
    if args.repeat > 1:
        print("all runs, articles/s: " + "; ".join(
            f"{k} " + ", ".join(f"{n / t:.1f}" for t in v) for k, v in runs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
