"""Story similarity of two texts: a score in 0..1 (higher = more likely the same story) and a
same-story decision.

score = w * cos(embeddings) + (1 - w) * cos(TF-IDF) ** p, clipped to 0..1, where the embedding is
all-MiniLM-L6-v2 (``embed.py``) of the text's first 256 word pieces (title and lead) and the TF-IDF
vectors use content words (no stop words, no bare numbers) with raw counts and a smoothed IDF.
The IDF is learned from the texts scored so far (``DocumentFrequencies``, incremental); until it
has seen ``min_docs_for_idf`` documents every word weighs the same. Without the embedding model
the score is the lexical part alone, with its own threshold (a warning is logged once).

The weight, the power and both thresholds are in ``data/stories.json``; ``bench/eval_similarity.py``
chose them by cross-validation on the English SemEval-2022 task 8 pairs and records the figures.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dyadwatch.clean.boilerplate import stop_words
from dyadwatch.stories import embed
from dyadwatch.stories.settings import settings

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")

Vector = dict[str, float]


def tokens(text: str) -> list[str]:
    """Content words of ``text``, lower-cased: no stop words, no single characters, no numbers."""
    stops = stop_words()
    return [w for w in _WORD.findall(text.lower())
            if len(w) > 1 and not w.isdigit() and w not in stops]


@dataclass
class DocumentFrequencies:
    """Document frequencies learned incrementally: ``add`` each document once."""

    min_docs: int = 20
    n_docs: int = 0
    df: Counter[str] = field(default_factory=Counter)

    def add(self, words: Iterable[str]) -> None:
        self.df.update(set(words))
        self.n_docs += 1

    def idf(self, word: str) -> float:
        """Smoothed IDF, ln((1 + N) / (1 + df)) + 1 (scikit-learn's form: never zero); flat 1.0
        until ``min_docs`` documents have been seen (a handful of texts gives no statistics)."""
        if self.n_docs < self.min_docs:
            return 1.0
        return math.log((1 + self.n_docs) / (1 + self.df.get(word, 0))) + 1.0


def tfidf(words: Sequence[str], freqs: DocumentFrequencies) -> Vector:
    """Unit-length TF-IDF vector (raw counts times IDF) of a token list."""
    vec = {w: n * freqs.idf(w) for w, n in Counter(words).items()}
    norm = math.sqrt(sum(x * x for x in vec.values()))
    return {w: x / norm for w, x in vec.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


@dataclass(frozen=True)
class SimilaritySettings:
    embedding_weight: float
    lexical_power: float
    same_story_threshold: float
    lexical_only_threshold: float
    min_docs_for_idf: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SimilaritySettings":
        return cls(embedding_weight=float(d["embedding_weight"]),
                   lexical_power=float(d["lexical_power"]),
                   same_story_threshold=float(d["same_story_threshold"]),
                   lexical_only_threshold=float(d["lexical_only_threshold"]),
                   min_docs_for_idf=int(d["min_docs_for_idf"]))


def default_settings() -> SimilaritySettings:
    return SimilaritySettings.from_dict(settings()["similarity"])


class Scorer:
    """Scores pairs of texts. Keeps the document frequencies of every text it has scored, so a
    long run's IDF reflects its own corpus. ``use_embeddings=False`` forces the lexical score."""

    def __init__(self, config: SimilaritySettings | None = None, *, use_embeddings: bool = True,
                 encoder: "embed.Encoder | None" = None):
        self.config = config or default_settings()
        self.freqs = DocumentFrequencies(min_docs=self.config.min_docs_for_idf)
        self.encoder = encoder if encoder is not None else (
            embed.default_encoder() if use_embeddings else None)

    @property
    def uses_embeddings(self) -> bool:
        return self.encoder is not None

    @property
    def threshold(self) -> float:
        c = self.config
        return c.same_story_threshold if self.uses_embeddings else c.lexical_only_threshold

    def combine(self, lexical: float, semantic: float | None) -> float:
        """The score from the two cosines (``semantic`` None: lexical only)."""
        lex = max(0.0, lexical) ** self.config.lexical_power
        if semantic is None:
            return min(1.0, lex)
        w = self.config.embedding_weight
        return min(1.0, max(0.0, w * semantic + (1.0 - w) * lex))

    def same_story(self, score: float) -> bool:
        return score >= self.threshold

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Scores of many pairs: the IDF first learns every text of the batch (unsupervised),
        then each pair is scored; embeddings are computed in one batched pass."""
        toks = [(tokens(a), tokens(b)) for a, b in pairs]
        for ta, tb in toks:
            self.freqs.add(ta)
            self.freqs.add(tb)
        lexical = [cosine(tfidf(ta, self.freqs), tfidf(tb, self.freqs)) for ta, tb in toks]
        semantic = self._semantic(pairs)
        if semantic is None:
            return [self.combine(x, None) for x in lexical]
        return [self.combine(x, float(s)) for x, s in zip(lexical, semantic)]

    def score(self, text1: str, text2: str) -> float:
        return self.score_pairs([(text1, text2)])[0]

    def _semantic(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray | None:
        if self.encoder is None or not pairs:
            return None
        vecs = self.encoder.encode([t for pair in pairs for t in pair])
        return (vecs[0::2] * vecs[1::2]).sum(axis=1)


_SCORER: Scorer | None = None


def default_scorer() -> Scorer:
    global _SCORER
    if _SCORER is None:
        _SCORER = Scorer()
    return _SCORER


def score(text1: str, text2: str) -> float:
    """Story similarity of two texts in 0..1 (higher = more likely the same story)."""
    return default_scorer().score(text1, text2)


def same_story(text1: str, text2: str) -> tuple[float, bool]:
    """(score, same_story) of two texts."""
    s = default_scorer()
    value = s.score(text1, text2)
    return value, s.same_story(value)
