"""Story similarity on the English pairs of SemEval-2022 task 8 (../shared/data/stories/...).

Figures (the issue's floors): Pearson correlation of ``score`` with the reversed human Overall
similarity (1 = same story ... 4 = unrelated); ROC AUC of ``score`` for "same story" pairs
(Overall <= 1.5) against "unrelated" pairs (Overall >= 3.5); F1 of ``same_story`` on those pairs.

How the settings were chosen: the embedding weight w (grid 0..1 by 0.05) and the lexical power p
(0.5 or 1) maximise Pearson on the training folds; the threshold is the middle of the interval that
maximises F1 on the training folds' extreme pairs. ``--cv`` reports the pooled test-fold figures of
that procedure (5 folds x 10 shuffles); the final settings are the same procedure on all pairs, and
``--write`` stores them in src/dyadwatch/stories/data/stories.json. The figures "as shipped" run the
library's own path (``Scorer.score_pairs`` on all pairs, as ``dyadwatch similar`` does on a file).

    .venv/bin/python bench/eval_similarity.py [--cv] [--write] [--lexical-only]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "stories" / "semeval2022-task8-train" / "training_set.csv"
SETTINGS = ROOT / "src" / "dyadwatch" / "stories" / "data" / "stories.json"
SAME, UNRELATED = 1.5, 3.5
WEIGHTS = [round(0.05 * i, 2) for i in range(21)]
POWERS = [0.5, 1.0]


def load_pairs(path: Path = DATA, lang: str = "en") -> list[dict]:
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if r["lang1"] == lang and r["lang2"] == lang]


def pearson(score: np.ndarray, overall: np.ndarray) -> float:
    return float(np.corrcoef(score, -overall)[0, 1])


def roc_auc(score: np.ndarray, overall: np.ndarray) -> float:
    pos, neg = score[overall <= SAME], score[overall >= UNRELATED]
    if not len(pos) or not len(neg):
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def f1_at(score: np.ndarray, overall: np.ndarray, threshold: float) -> tuple[float, float, float]:
    keep = (overall <= SAME) | (overall >= UNRELATED)
    truth, pred = overall[keep] <= SAME, score[keep] >= threshold
    tp = int((truth & pred).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(truth.sum()))
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def best_threshold(score: np.ndarray, overall: np.ndarray) -> float:
    """Middle of the widest run of candidate thresholds that reach the best F1."""
    cands = np.unique(np.round(score, 4))
    cuts = np.concatenate([[0.0], (cands[:-1] + cands[1:]) / 2, [1.0]])
    f1s = np.array([f1_at(score, overall, t)[0] for t in cuts])
    best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
    return float((cuts[best[0]] + cuts[best[-1]]) / 2)


def combine(sem: np.ndarray | None, lex: np.ndarray, w: float, p: float) -> np.ndarray:
    lexp = np.maximum(lex, 0.0) ** p
    if sem is None:
        return np.minimum(lexp, 1.0)
    return np.clip(w * sem + (1 - w) * lexp, 0.0, 1.0)


def fit(sem: np.ndarray | None, lex: np.ndarray, overall: np.ndarray) -> tuple[float, float, float]:
    """(w, p, threshold) chosen on these pairs by the procedure in the docstring."""
    weights = WEIGHTS if sem is not None else [0.0]
    best = max(((pearson(combine(sem, lex, w, p), overall), -abs(w - 0.5), w, p)
                for w in weights for p in POWERS))
    w, p = best[2], best[3]
    return w, p, best_threshold(combine(sem, lex, w, p), overall)


def features(pairs: list[dict], use_embeddings: bool) -> tuple[np.ndarray | None, np.ndarray, float]:
    """Embedding cosines (or None) and TF-IDF cosines (IDF on all texts, as the CLI does)."""
    from dyadwatch.stories import similarity as sim

    scorer = sim.Scorer(use_embeddings=False)
    texts = [(r["text1"], r["text2"]) for r in pairs]
    docs = [(sim.analyse(a), sim.analyse(b)) for a, b in texts]
    for (la, ta), (lb, tb) in docs:
        scorer.freqs.add(ta, la)
        scorer.freqs.add(tb, lb)
    lex = np.array([sim.cosine(sim.tfidf(ta, scorer.freqs, la), sim.tfidf(tb, scorer.freqs, lb))
                    for (la, ta), (lb, tb) in docs])
    if not use_embeddings:
        return None, lex, 0.0
    from dyadwatch.stories.embed import default_encoder

    enc = default_encoder()
    if enc is None:
        raise SystemExit("the embedding model is not installed (requirements/model.txt); "
                         "run with --lexical-only")
    flat = [t for pair in texts for t in pair]
    t0 = time.perf_counter()
    vecs = enc.encode(flat)
    per_text = (time.perf_counter() - t0) / len(flat)
    return (vecs[0::2] * vecs[1::2]).sum(1), lex, per_text


def cross_validate(sem, lex, overall, folds: int = 5, repeats: int = 10) -> dict[str, float]:
    rs, aucs, f1s = [], [], []
    for rep in range(repeats):
        order = np.random.default_rng(rep).permutation(len(overall))
        pooled, pooled_pred = np.zeros(len(overall)), np.zeros(len(overall), dtype=bool)
        for k in range(folds):
            test = order[k::folds]
            train = np.setdiff1d(order, test)
            w, p, t = fit(None if sem is None else sem[train], lex[train], overall[train])
            s = combine(None if sem is None else sem[test], lex[test], w, p)
            pooled[test] = s
            pooled_pred[test] = s >= t
        rs.append(pearson(pooled, overall))
        aucs.append(roc_auc(pooled, overall))
        keep = (overall <= SAME) | (overall >= UNRELATED)
        truth, pred = overall[keep] <= SAME, pooled_pred[keep]
        tp = (truth & pred).sum()
        f1s.append(2 * tp / max(1, truth.sum() + pred.sum()))
    return {"pearson": float(np.mean(rs)), "pearson_sd": float(np.std(rs)),
            "auc": float(np.mean(aucs)), "f1": float(np.mean(f1s)), "f1_sd": float(np.std(f1s))}


def as_shipped(pairs: list[dict], use_embeddings: bool) -> dict[str, float]:
    """The library path: ``Scorer.score_pairs`` with the settings in stories.json."""
    from dyadwatch.stories import similarity as sim

    scorer = sim.Scorer(use_embeddings=use_embeddings)
    scores = np.array(scorer.score_pairs([(r["text1"], r["text2"]) for r in pairs]))
    overall = np.array([float(r["Overall"]) for r in pairs])
    f1, p, r = f1_at(scores, overall, scorer.threshold)
    return {"path": "embedding+lexical" if scorer.uses_embeddings else "lexical only",
            "pearson": pearson(scores, overall), "auc": roc_auc(scores, overall), "f1": f1,
            "precision": p, "recall": r, "threshold": scorer.threshold}


def baseline_tfidf(pairs: list[dict]) -> dict[str, float]:
    """Plain TF-IDF cosine (all words, raw counts, smoothed IDF on the pair texts) for reference."""
    import re
    from collections import Counter

    word = re.compile(r"\w+")
    docs = [word.findall(t.lower()) for r in pairs for t in (r["text1"], r["text2"])]
    df = Counter(w for d in docs for w in set(d))
    n = len(docs)

    def vec(d):
        v = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in Counter(d).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    vs = [vec(d) for d in docs]
    s = np.array([sum(x * vs[i + 1].get(w, 0) for w, x in vs[i].items())
                  for i in range(0, len(vs), 2)])
    overall = np.array([float(r["Overall"]) for r in pairs])
    return {"pearson": pearson(s, overall), "auc": roc_auc(s, overall)}


def write_settings(w: float, p: float, t: float, t_lex: float) -> None:
    data = json.loads(SETTINGS.read_text(encoding="utf-8"))
    sim = data["similarity"]
    sim.update({"embedding_weight": w, "lexical_power": p,
                "same_story_threshold": round(t, 4), "lexical_only_threshold": round(t_lex, 4)})
    SETTINGS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="report cross-validated figures")
    ap.add_argument("--write", action="store_true", help="store the fitted settings")
    ap.add_argument("--lexical-only", action="store_true", help="no embedding model")
    args = ap.parse_args()
    if not DATA.is_file():
        raise SystemExit(f"{DATA} not found: the shared data must sit beside the clone")
    pairs = load_pairs()
    overall = np.array([float(r["Overall"]) for r in pairs])
    n_same, n_unrel = int((overall <= SAME).sum()), int((overall >= UNRELATED).sum())
    print(f"machine: {platform.machine()}, {platform.python_version()}; pairs: {len(pairs)} English "
          f"({n_same} same story, {n_unrel} unrelated)")
    print(f"baseline TF-IDF cosine: {json.dumps(baseline_tfidf(pairs))}")
    use_emb = not args.lexical_only
    sem, lex, per_text = features(pairs, use_emb)
    if use_emb:
        print(f"embedding: {per_text * 1000:.0f} ms per text (numpy MiniLM, batch 16)")
    w, p, t = fit(sem, lex, overall)
    _, _, t_lex = fit(None, lex, overall)
    print(f"fitted on all pairs: embedding_weight={w} lexical_power={p} threshold={t:.4f}; "
          f"lexical-only threshold={t_lex:.4f}")
    if args.cv:
        print(f"cross-validated ({'embedding+lexical' if use_emb else 'lexical only'}): "
              f"{json.dumps({k: round(v, 4) for k, v in cross_validate(sem, lex, overall).items()})}")
        if use_emb:
            cv_lex = cross_validate(None, lex, overall)
            print(f"cross-validated (lexical only): "
                  f"{json.dumps({k: round(v, 4) for k, v in cv_lex.items()})}")
    if args.write:
        if not use_emb:
            raise SystemExit("--write needs the embedding model (both thresholds are fitted)")
        write_settings(w, p, t, t_lex)
        from dyadwatch.stories import settings as st

        st.settings.cache_clear()
        print(f"wrote {SETTINGS.relative_to(ROOT)}")
    shipped = as_shipped(pairs, use_emb)
    print(f"as shipped: {json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in shipped.items()})}")


if __name__ == "__main__":
    main()
