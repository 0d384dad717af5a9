"""Features of one sentence for the event model: the same function at training and at run time.

Two parts, both read off what the pipeline has already computed (no second encoder pass, so the
model costs a few hundred microseconds a sentence):

- dense: the contextual token vectors of the spaCy pipeline's encoder (``tok2vec`` of the pinned
  ``en_core_web_sm`` wheel, 96 dimensions: ``doc.tensor``), pooled over the sentence (mean and
  max), at the sentence root and at the rules' triggers;
- sparse: hashed indicator features of the words and of the parse (lemmas, lemma bigrams, the
  root and its dependents, negation and modal verbs), of the actor mentions the resolver found in
  the sentence (their kinds and sectors), and of what the rules proposed (their types, CAMEO
  roots, statuses and trigger lemmas) so the model learns when to trust the rules.

Feature names are hashed with a stable hash (``zlib.crc32``) into ``buckets`` indices.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

    from dyadwatch.model import Event, Mention

TENSOR_DIM = 96
DENSE_DIM = 4 * TENSOR_DIM
_SKIP_POS = {"PUNCT", "SPACE", "SYM", "NUM", "X"}
_ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "prep", "agent", "xcomp", "ccomp", "attr",
             "dative", "advcl", "neg", "aux", "auxpass", "acomp", "compound", "amod"}


@dataclass(slots=True)
class SentenceFeatures:
    dense: np.ndarray  # (DENSE_DIM,) float32
    sparse: np.ndarray  # (k,) int64 bucket indices, unique


def _h(name: str, buckets: int) -> int:
    return zlib.crc32(name.encode("utf-8")) % buckets


def _tensor(span: "Span") -> np.ndarray | None:
    t = getattr(span.doc, "tensor", None)
    if t is None or not hasattr(t, "shape") or len(t.shape) != 2 or t.shape[0] != len(span.doc) \
            or t.shape[1] != TENSOR_DIM:
        return None
    return np.asarray(t[span.start:span.end], dtype=np.float32)


def sentence_features(span: "Span", rule_events: Sequence["Event"], mentions: Iterable["Mention"],
                      buckets: int) -> SentenceFeatures:
    """Features of the sentence ``span`` given the rules' events in it and its actor mentions."""
    names: list[str] = []
    words = [t for t in span if t.pos_ not in _SKIP_POS]
    lemmas = [(t.lemma_ or t.text).lower() for t in words]
    names += ["l:" + x for x in lemmas]
    lemma_set = set(lemmas)
    names += ["w:" + t.lower_ for t in words if t.lower_ not in lemma_set]
    names += [f"b:{a}_{b}" for a, b in zip(lemmas, lemmas[1:])]
    root = span.root
    names.append("root:" + root.lemma_.lower())
    names.append("rootpos:" + root.pos_)
    for c in root.children:
        if c.dep_ in _ARG_DEPS:
            names.append(f"rc:{c.dep_}:{c.lemma_.lower()}")
            names.append(f"rd:{c.dep_}")
    for t in span:
        if t.dep_ == "neg":
            names.append("neg")
            names.append("neg:" + t.head.lemma_.lower())
        if t.tag_ == "MD":
            names.append("md:" + t.lower_)
        if t.dep_ in ("nsubjpass", "auxpass"):
            names.append("passive")
    if span.text.rstrip()[-1:] not in ".!?\"'”’":
        names.append("no_stop")  # headlines, captions
    n_ment = 0
    for m in mentions:
        n_ment += 1
        names.append("m:" + (m.kind or "?"))
        if m.sector:
            names.append("ms:" + m.sector)
        if m.country:
            names.append("mc")
    names.append(f"nm:{min(n_ment, 4)}")
    names.append(f"nr:{min(len(rule_events), 3)}")
    trig_idx: list[int] = []
    for e in rule_events:
        names += ["rt:" + e.type, "rr:" + (e.cameo or "")[:2], "rs:" + e.status,
                  f"rt:{e.type}:{e.status}"]
        for w in (e.trigger or "").lower().split():
            names.append("tr:" + w)
            names.append(f"trt:{w}:{e.type}")
        last = (e.trigger or "").split()[-1:]
        if last:
            trig_idx += [t.i - span.start for t in span if t.text == last[0]]
        names.append("ra:" + ("1" if (e.actor.country or e.actor.code) else "0"))
        names.append("rp:" + ("1" if (e.recipient.country or e.recipient.code) else "0"))
    sparse = np.unique(np.fromiter((_h(n, buckets) for n in names), dtype=np.int64,
                                   count=len(names)))
    dense = np.zeros(DENSE_DIM, dtype=np.float32)
    tv = _tensor(span)
    if tv is not None and len(tv):
        dense[:TENSOR_DIM] = tv.mean(0)
        dense[TENSOR_DIM:2 * TENSOR_DIM] = tv.max(0)
        dense[2 * TENSOR_DIM:3 * TENSOR_DIM] = tv[root.i - span.start]
        if trig_idx:
            dense[3 * TENSOR_DIM:] = tv[[i for i in trig_idx if 0 <= i < len(tv)] or [0]].mean(0)
    return SentenceFeatures(dense=dense, sparse=sparse)
