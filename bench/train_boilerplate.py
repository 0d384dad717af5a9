"""Train the plain-text line model of dyadwatch.clean.boilerplate.

    .venv/bin/python bench/train_boilerplate.py            # train on all dev pages, write the model
    .venv/bin/python bench/train_boilerplate.py --check    # only print cross-validated scores

Data: ../shared/data/extraction/scrapinghub-dev (111 news pages and the article body a person
extracted). Each page is rendered to whole-page text (dyadwatch.clean.render: block elements on
their own lines), each line is labelled by aligning it with the true article body: a line is
article text when at least half of the 4-token shingles that touch its tokens (crossing into its
neighbours, so a two-word subheading between story paragraphs is aligned too) occur in the true
body.

Training needs scikit-learn (install it into the venv; it is not a runtime dependency); the
written model needs only numpy. bench/eval_extraction.py cross-validates the same procedure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadwatch.clean import boilerplate as bp  # noqa: E402
from dyadwatch.clean.render import render_tree  # noqa: E402
from dyadwatch.ingest.html import decode_html, parse_html  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "extraction" / "scrapinghub-dev"
MODEL_PATH = ROOT / "src" / "dyadwatch" / "clean" / "data" / "boilerplate_model.json"
TOKEN_RE = re.compile(r"\w+")
SHINGLE = 4
# A line is article text when at least this share of the shingles touching it are in the truth.
LABEL_OVERLAP = 0.5
# Hidden units of each stage (0 = logistic regression). 5-fold CV on the dev pages
# (bench/eval_extraction.py --only-text [--hidden 16,0], bench/RESULTS.md): logistic regression in
# both stages F1 0.911, a 16-unit hidden layer in stage 1 0.909 at 3x the training time, so the
# simpler model ships.
HIDDEN = (0, 0)
SEED = 13


@dataclass(slots=True)
class Page:
    id: str
    url: str
    html: bytes
    truth: str
    lines: list[str]


def load_pages(data: Path = DATA) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth):
        html = gzip.open(data / "html" / f"{pid}.html.gz").read()
        text = render_tree(parse_html(decode_html(html, pid), pid))
        lines, _ = bp.split_lines(text)
        pages.append(Page(pid, truth[pid].get("url", ""), html, truth[pid]["articleBody"], lines))
    return pages


def data_hash(pages: list[Page]) -> str:
    h = hashlib.sha256()
    for p in pages:
        h.update(p.id.encode())
        h.update(hashlib.sha256(p.html).digest())
        h.update(p.truth.encode("utf-8"))
    return h.hexdigest()


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


def shingles(text: str) -> set[tuple[str, ...]]:
    w = tokens(text)
    return {tuple(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)}


def label_lines(lines: list[str], truth: str) -> tuple[np.ndarray, np.ndarray]:
    """(labels, token counts) of a page's lines; see the module docstring."""
    true = shingles(truth)
    stream: list[str] = []
    owner: list[int] = []
    for i, line in enumerate(lines):
        toks = tokens(line)
        stream += toks
        owner += [i] * len(toks)
    hits = np.zeros(len(lines))
    total = np.zeros(len(lines))
    for j in range(len(stream) - SHINGLE + 1):
        hit = tuple(stream[j:j + SHINGLE]) in true
        for i in set(owner[j:j + SHINGLE]):
            total[i] += 1
            hits[i] += hit
    n_tokens = np.bincount(np.asarray(owner, dtype=int), minlength=len(lines)).astype(float) \
        if owner else np.zeros(len(lines))
    labels = (hits >= LABEL_OVERLAP * np.maximum(total, 1)) & (total > 0)
    return labels.astype(int), n_tokens


def page_weights(n_tokens: np.ndarray) -> np.ndarray:
    """Each page weighs the same (the metric averages over pages); inside a page a line weighs
    by its tokens (the metric counts shingles), with a floor so that short lines still count."""
    w = np.sqrt(n_tokens + 1.0)
    return w / w.sum() * 100.0


def _fit_net(x: np.ndarray, y: np.ndarray, w: np.ndarray, hidden: int) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = (x - mean) / scale
    if hidden:
        clf = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=1e-3, max_iter=400,
                            early_stopping=False, random_state=SEED)
        clf.fit(xs, y, sample_weight=w)
        layers = [{"W": c.tolist(), "b": b.tolist()} for c, b in zip(clf.coefs_, clf.intercepts_)]
    else:
        clf = LogisticRegression(C=1.0, max_iter=2000)
        clf.fit(xs, y, sample_weight=w)
        layers = [{"W": clf.coef_.T.tolist(), "b": clf.intercept_.tolist()}]
    return {"mean": mean.tolist(), "scale": scale.tolist(), "layers": layers}


def _stack(pages: list[Page], fn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for p in pages:
        y, n_tok = label_lines(p.lines, p.truth)
        xs.append(fn(p))
        ys.append(y)
        ws.append(page_weights(n_tok))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def impute_values(pages: list[Page]) -> dict[str, float]:
    """Means of the features that CJK lines cannot measure (``bp.IMPUTED``) over the article
    lines (label 1) of ``pages`` that can: the values such lines get."""
    nan = {name: float("nan") for name in bp.IMPUTED}
    cols = [bp.SHAPE_FEATURES.index(name) for name in bp.IMPUTED]
    rows = []
    for p in pages:
        labels, _ = label_lines(p.lines, p.truth)
        x = bp.line_features(p.lines, nan)[:, cols]
        rows += [row for row, y in zip(x, labels) if y]
    means = np.nanmean(np.array(rows), axis=0) if rows else [np.nan] * len(cols)
    return {name: (round(float(m), 4) if np.isfinite(m) else bp.IMPUTED[name])
            for name, m in zip(bp.IMPUTED, means)}


def train(pages: list[Page], hidden: tuple[int, int] = HIDDEN, folds: int = 5) -> dict:
    """Fit both stages on ``pages``; stage 2 learns from out-of-fold stage-1 probabilities so
    that it sees the noise it will see on new pages. Returns the model dict (without metadata)."""
    impute = impute_values(pages)
    feats = {p.id: bp.line_features(p.lines, impute) for p in pages}
    x1, y1, w1 = _stack(pages, lambda p: feats[p.id])
    stage1 = _fit_net(x1, y1, w1, hidden[0])
    oof: dict[str, np.ndarray] = {}
    for k in range(folds):
        inner_train = [p for i, p in enumerate(pages) if i % folds != k]
        xk, yk, wk = _stack(inner_train, lambda p: feats[p.id])
        net = bp._Net.from_dict(_fit_net(xk, yk, wk, hidden[0]))
        for i, p in enumerate(pages):
            if i % folds == k:
                oof[p.id] = net.predict(feats[p.id])
    x2, y2, w2 = _stack(pages, lambda p: np.column_stack([feats[p.id],
                                                          bp.stage2_features(oof[p.id])]))
    stage2 = _fit_net(x2, y2, w2, hidden[1])
    model = {"version": 1, "features": bp.feature_names(), "impute": impute,
             "stage2_features": list(bp.STAGE2_FEATURES),
             "stage1": stage1, "stage2": stage2, "threshold": 0.5}
    model["threshold"] = _choose_threshold(pages, model)
    return model


def _choose_threshold(pages: list[Page], model: dict) -> float:
    """The cut that maximises the benchmark F1 on the training pages (stage 2 is a small model,
    so its in-sample probabilities are close to out-of-sample ones)."""
    from eval_extraction import score  # the benchmark metric

    lm = bp.LineModel.from_dict(model)
    probs = [(p, lm.predict(p.lines)) for p in pages]
    best = (0.0, 0.5)
    for t in np.arange(0.2, 0.81, 0.05):
        preds = ["\n".join(line for line, q in zip(p.lines, pr) if q >= t) for p, pr in probs]
        f1 = score(preds, [p.truth for p in pages])["f1"]
        best = max(best, (f1, round(float(t), 2)))
    return best[1]


def _rounded(obj):
    """Floats to 6 significant digits: the file stays small and diffs stay readable."""
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    pages = load_pages()
    model = train(pages)
    model["training"] = {
        "data": "shared/data/extraction/scrapinghub-dev (rendered by dyadwatch.clean.render)",
        "data_sha256": data_hash(pages),
        "pages": len(pages),
        "command": ".venv/bin/python bench/train_boilerplate.py",
        "trained": dt.date.today().isoformat(),
        "machine": platform.machine(),
        "hidden": list(HIDDEN),
        "label_overlap": LABEL_OVERLAP,
    }
    args.out.write_text(json.dumps(_rounded(model), separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out} (threshold {model['threshold']})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
