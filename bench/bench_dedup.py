"""Near-duplicate detection and story clustering on 20,000 documents with injected duplicates.

Corpus (built here, deterministic with --seed; nothing is written to disk):
- originals: real articles — the bodies of ../shared/data/extraction/scrapinghub-dev/
  ground-truth.json and the texts of ../shared/data/stories/semeval2022-task8-train (Chinese
  left out: word shingles need spaces). Of a SemEval pair that is neither "same story" (Overall
  <= 1.5) nor "unrelated" (>= 3.5) only text1 is kept, so that no two originals are an
  unlabelled partial match; copies within the source data (word 5-shingle Jaccard >= 0.3, exact
  computation) are dropped. Originals are real texts, not recombined ones: recombined sentences
  were tried first and share topical fragments and, in a pool this small, whole sentences, so
  pair precision measured the corpus rather than the clusterer.
- duplicates of random originals (real paragraphs recombined into new versions), dated 0-2 days
  after them: exact (same words, new line breaks); light (1-3% of words replaced or dropped,
  half the time a sentence of another article of the same language appended: a wire update);
  rewritten (a third of the sentences dropped, order shuffled after the lead, one or two
  sentences of other articles of the same language inserted, 10% of words replaced); real (text2
  of every same-language SemEval pair with Overall <= 1.5: the same story by another outlet).
- originals dated over --days days (default 30: about 660 documents a day), 300 outlets;
  --no-dates gives every document an unknown date (text alone decides).

Figures: for every duplicate, whether it lands in its original's story (recall per kind) and
whether near-duplicate detection links it to its original, directly or through another copy;
precision over the documents that joined an existing story, two ways: per decision (was a
document of the same original already in the story it joined?) and per outcome (was the story
started by a document of the same original? one wrong join of an original then also counts
against every copy of it that follows); stories that mix originals; precision over all
pairs of documents placed in one story, and over the near-duplicate links; documents per second
of the clusterer (tokens, IDF, MinHash, candidates, scoring: all the work after the text is read).

    .venv/bin/python bench/bench_dedup.py [--docs 20000] [--seed 7] [--days 30] [--no-dates]
                                          [--no-dedup] [--store N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import platform
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
GROUND_TRUTH = SHARED / "extraction" / "scrapinghub-dev" / "ground-truth.json"
SEMEVAL = SHARED / "stories" / "semeval2022-task8-train" / "training_set.csv"
SENT = re.compile(r"(?<=[.!?])\s+(?=[\"“A-ZÀ-ÖØ-Þ0-9])")
START = dt.date(2026, 1, 1)
SHARE = {"exact": 1 / 3, "light": 1 / 3, "rewritten": 1 / 3}  # of the documents not original


@dataclass
class Doc:
    id: str
    title: str
    text: str
    day: dt.date | None
    source: str
    label: int  # index of the original story
    kind: str  # base | exact | light | rewritten | real
    original: str = ""  # id of the document this one duplicates
    lang: str = ""


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENT.split(text) if len(s.strip()) > 20]


def load_pool() -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Originals as (language, text), and the real same-story pairs as (language, text1, text2)."""
    csv.field_size_limit(sys.maxsize)
    texts: dict[str, str] = {}
    for item in json.loads(GROUND_TRUTH.read_text(encoding="utf-8")).values():
        texts.setdefault(item["articleBody"], "en")
    with open(SEMEVAL, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if "zh" not in (r["lang1"], r["lang2"])]
    real, paired = [], set()
    for r in rows:
        overall = float(r["Overall"])
        if overall <= 1.5 and r["lang1"] == r["lang2"]:
            real.append((r["lang1"], r["text1"], r["text2"]))
            paired.update((r["text1"], r["text2"]))
    for r in rows:
        texts.setdefault(r["text1"], r["lang1"])
        if float(r["Overall"]) >= 3.5:
            texts.setdefault(r["text2"], r["lang2"])
    originals = [(lang, t) for t, lang in texts.items() if t not in paired and len(t.split()) >= 30]
    return _distinct(originals, [t for pair in real for t in pair[1:]]), real


def _distinct(originals: list[tuple[str, str]], others: list[str]) -> list[tuple[str, str]]:
    """Originals without the source data's own copies (the same wire story in two outlets):
    exact word-shingle Jaccard >= 0.3 to an earlier text drops a text. Brute force over
    candidate pairs that share a rare 5-shingle, so no part of the system under test is used."""
    from dyadwatch.stories.dedup import shingles

    sets = [shingles(t, 5) for t in others] + [shingles(t, 5) for _lang, t in originals]
    owner: dict[bytes, list[int]] = defaultdict(list)
    keep = []
    for i, sh in enumerate(sets):
        cands = Counter(j for x in sh for j in owner.get(x, ()))
        copy = any(len(sh & sets[j]) / max(1, len(sh | sets[j])) >= 0.3 for j in cands)
        for x in sh:
            owner[x].append(i)
        if i >= len(others) and not copy:
            keep.append(originals[i - len(others)])
    return keep


class Builder:
    """New versions of an article, with material from other articles of its language."""

    def __init__(self, originals: list[tuple[str, str]], rng: random.Random):
        self.rng = rng
        self.sents: dict[str, list[str]] = defaultdict(list)
        for lang, text in originals:
            self.sents[lang] += sentences(text)
        self.vocab = {lang: [w for s in v[:3000] for w in s.split()] for lang, v in self.sents.items()}
        self.lang = "en"

    def sentence(self) -> str:
        pool = self.sents.get(self.lang) or self.sents["en"]
        return self.rng.choice(pool)

    def edit_words(self, text: str, rate: float) -> str:
        vocab = self.vocab.get(self.lang) or self.vocab["en"]
        out = []
        for w in text.split(" "):
            r = self.rng.random()
            if r < rate / 2:
                continue  # dropped
            out.append(self.rng.choice(vocab) if r < rate else w)
        return " ".join(out)

    def exact(self, text: str) -> str:
        return text.replace("\n\n", "\n").replace(". ", ".\n", 1)

    def light(self, text: str) -> str:
        body = self.edit_words(text, self.rng.uniform(0.01, 0.03))
        if self.rng.random() < 0.5:
            body += "\n\n" + self.sentence()
        return body

    def rewritten(self, text: str) -> str:
        sents = sentences(text.replace("\n", " ")) or [text]
        keep = [s for i, s in enumerate(sents) if i == 0 or self.rng.random() > 0.33]
        rest = keep[1:]
        self.rng.shuffle(rest)
        for _ in range(self.rng.randint(1, 2)):
            rest.insert(self.rng.randint(0, len(rest)), self.sentence())
        return self.edit_words(" ".join([keep[0], *rest]), 0.10)


def build(n_docs: int, seed: int, days: int = 30, dated: bool = True) -> list[Doc]:
    rng = random.Random(seed)
    originals, real = load_pool()
    b = Builder(originals, rng)
    outlets = [f"outlet-{i}" for i in range(300)]

    def when(base: dt.date | None, lag: int = 0) -> dt.date | None:
        return base + dt.timedelta(days=lag) if dated and base else None

    docs: list[Doc] = []
    for i, (lang, text) in enumerate(originals):
        day = START + dt.timedelta(days=rng.randrange(days))
        docs.append(Doc(f"o{i}", "", text, when(day), rng.choice(outlets), i, "base", lang=lang))
    bases = list(docs)
    for lang, t1, t2 in real:
        label, day = len(docs), START + dt.timedelta(days=rng.randrange(days))
        docs.append(Doc(f"p{label}", "", t1, when(day), rng.choice(outlets), label, "base", lang=lang))
        docs.append(Doc(f"p{label}x", "", t2, when(day, rng.randint(0, 2)), rng.choice(outlets),
                        label, "real", f"p{label}", lang=lang))
    rest = n_docs - len(docs)
    for kind, share in SHARE.items():
        for j in range(int(rest * share)):
            o = rng.choice(bases)
            b.lang = o.lang  # edits and added sentences in the original's language
            docs.append(Doc(f"{kind}{j}", "", getattr(b, kind)(o.text),
                            when(o.day, rng.randint(0, 2)), rng.choice(outlets), o.label, kind,
                            o.id, lang=o.lang))
    rng.shuffle(docs)
    docs.sort(key=lambda d: d.day or START)  # arrival order: by day, shuffled within a day
    return docs


def _link_groups(links: dict[str, str]):
    """Connected components of near-duplicate links: returns doc id -> component root."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in links.items():
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    return root


def evaluate(docs: list[Doc], dedup: bool) -> dict:
    from dyadwatch.stories.cluster import StoryClusterer, features_from_text

    clusterer = StoryClusterer(dedup=dedup)
    assigned: dict[str, str] = {}
    assigned_new: dict[str, bool] = {}
    dup_of: dict[str, str] = {}
    t0 = time.perf_counter()
    for d in docs:
        a = clusterer.add(features_from_text(d.id, d.text, title=d.title, day=d.day, source=d.source))
        assigned[d.id] = a.story_id
        assigned_new[d.id] = a.new_story
        if a.duplicate_of:
            dup_of[d.id] = a.duplicate_of
    seconds = time.perf_counter() - t0
    by_id = {d.id: d for d in docs}
    group = _link_groups(dup_of)
    recall: dict[str, list[int]] = defaultdict(list)
    dedup_recall: dict[str, list[int]] = defaultdict(list)
    for d in docs:
        if d.kind == "base":
            continue
        recall[d.kind].append(int(assigned[d.id] == assigned[d.original]))
        # linked either way, directly or through another copy: a copy may arrive first
        dedup_recall[d.kind].append(int(group(d.id) == group(d.original)))
    # a story belongs to the label of the document that started it (a copy may come first)
    owner = {assigned[d.id]: d.label for d in docs if assigned_new[d.id]}
    joined = [d for d in docs if not assigned_new[d.id]]
    join_ok = sum(1 for d in joined if owner[assigned[d.id]] == d.label)
    # each decision on its own: when a document joined, was a document of its story there?
    present: dict[str, set[int]] = defaultdict(set)
    decisions_ok = 0
    for d in docs:  # the arrival order of the run
        sid = assigned[d.id]
        if not assigned_new[d.id] and d.label in present[sid]:
            decisions_ok += 1
        present[sid].add(d.label)
    merged = sum(1 for labels in present.values() if len(labels) > 1)
    members: dict[str, list[Doc]] = defaultdict(list)
    for d in docs:
        members[assigned[d.id]].append(d)
    pairs = true_pairs = 0
    for group in members.values():
        labels = Counter(d.label for d in group)
        pairs += len(group) * (len(group) - 1) // 2
        true_pairs += sum(n * (n - 1) // 2 for n in labels.values())
    gold = sum(n * (n - 1) // 2 for n in Counter(d.label for d in docs).values())
    links_ok = sum(1 for k, v in dup_of.items() if by_id[k].label == by_id[v].label)
    return {
        "docs": len(docs), "stories": len(members), "true_stories": len({d.label for d in docs}),
        "seconds": round(seconds, 1), "docs_per_s": round(len(docs) / seconds, 1),
        "story_recall": {k: round(sum(v) / len(v), 4) for k, v in sorted(recall.items())},
        "story_recall_all": round(sum(map(sum, recall.values())) / sum(map(len, recall.values())), 4),
        "join_precision": round(join_ok / len(joined), 4) if joined else None,
        "join_decision_precision": round(decisions_ok / len(joined), 4) if joined else None,
        "stories_mixing_originals": merged,
        "joins": len(joined),
        "pair_precision": round(true_pairs / pairs, 4) if pairs else None,
        "pair_recall": round(true_pairs / gold, 4) if gold else None,
        "pairs_predicted": pairs, "pairs_gold": gold,
        "near_dup_recall": {k: round(sum(v) / len(v), 4) for k, v in sorted(dedup_recall.items())},
        "near_dup_links": len(dup_of), "near_dup_precision": round(links_ok / len(dup_of), 4)
        if dup_of else None,
    }


def store_throughput(docs: list[Doc], n: int) -> dict:
    """Documents per second of ``stories.online.assign_document`` (the pipeline's path): the
    same clustering plus one DuckDB transaction per document (story row, membership, IDF)."""
    import tempfile

    from dyadwatch.store import Store
    from dyadwatch.stories.cluster import features_from_text
    from dyadwatch.stories.online import assign_document

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.duckdb") as store:
        t0 = time.perf_counter()
        for d in docs[:n]:
            assign_document(store, features_from_text(d.id, d.text, title=d.title, day=d.day,
                                                      source=d.source))
        seconds = time.perf_counter() - t0
        stories = store.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    return {"store_docs": n, "store_seconds": round(seconds, 1),
            "store_docs_per_s": round(n / seconds, 1), "store_stories": int(stories)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=int, default=30, help="days the originals are spread over")
    ap.add_argument("--no-dates", action="store_true", help="every date unknown")
    ap.add_argument("--no-dedup", action="store_true", help="clustering without MinHash")
    ap.add_argument("--store", type=int, default=0, metavar="N",
                    help="also time the first N documents through a DuckDB store")
    args = ap.parse_args()
    for path in (GROUND_TRUTH, SEMEVAL):
        if not path.is_file():
            raise SystemExit(f"{path} not found: the shared data must sit beside the clone")
    t0 = time.perf_counter()
    docs = build(args.docs, args.seed, args.days, not args.no_dates)
    kinds = Counter(d.kind for d in docs)
    print(f"machine: {platform.machine()}; corpus: {len(docs)} documents {dict(kinds)} "
          f"built in {time.perf_counter() - t0:.1f} s (seed {args.seed}, "
          f"{'no dates' if args.no_dates else f'{args.days} days'})")
    from dyadwatch.stories.similarity import tokens

    tokens("warm-up")  # load settings and stop words outside the timed loop
    print(json.dumps(evaluate(docs, not args.no_dedup), indent=1))
    if args.store:
        print(json.dumps(store_throughput(docs, args.store), indent=1))


if __name__ == "__main__":
    main()
