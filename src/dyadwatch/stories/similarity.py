"""Story similarity of two texts: a score in 0..1 (higher = more likely the same story) and a
same-story decision.

score = w * cos(embeddings) + (1 - w) * cos(TF-IDF) ** p, clipped to 0..1, where the embedding is
all-MiniLM-L6-v2 (``embed.py``) of the text's first 256 word pieces (title and lead) and the TF-IDF
vectors use content words (no stop words of English or of the text's guessed language, no bare
numbers) with raw counts and a smoothed IDF.
The IDF is learned from the texts scored so far (``DocumentFrequencies``, incremental); until it
has seen ``min_docs_for_idf`` documents every word weighs the same. Without the embedding model
the score is the lexical part alone, with its own threshold (a warning is logged once).

The weight, the power and both thresholds are in ``data/stories.json``; ``bench/eval_similarity.py``
chose them by cross-validation on the English SemEval-2022 task 8 pairs and records the figures.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dyadwatch.stories import embed
from dyadwatch.stories.settings import settings, stopwords

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")

Vector = dict[str, float]


# max_df applies from this many documents of a language on: in a handful of articles on one
# topic, the topic's own words ("colombia") are in most of them and must not be dropped
MAX_DF_MIN_DOCS = 50
GUESS_WORDS = 200  # words read to guess the language: enough for the stop words to tell


@functools.lru_cache(maxsize=1)
def stop_lists() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """Stop words to drop per guessed language (English ones always, plus the language's own),
    and the index word -> languages that list it."""
    lists = stopwords()
    english = lists.get("en", frozenset())
    index: dict[str, list[str]] = {}
    for lang, words in lists.items():
        for w in words:
            index.setdefault(w, []).append(lang)
    drop = {lang: english | words for lang, words in lists.items()}
    drop["en"] = english
    return drop, {w: tuple(v) for w, v in index.items()}


def guess_language(words: Sequence[str]) -> str:
    """The language whose stop words cover most of the first words (English on ties or no
    hits): a cheap guess, good enough to pick the stop words to drop."""
    _drop, index = stop_lists()
    hits = Counter(lang for w in words[:GUESS_WORDS] for lang in index.get(w, ()))
    if not hits:
        return "en"
    best = max(hits.values())
    return "en" if hits.get("en") == best else max(hits, key=hits.__getitem__)


def analyse(text: str) -> tuple[str, list[str]]:
    """(guessed language, content words) of ``text``: lower-cased words without stop words
    (English ones and those of the guessed language: a German text's "der" and "und" would
    otherwise make every German text look alike), single characters or bare numbers."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 and not w.isdigit()]
    drop, _index = stop_lists()
    lang = guess_language(words)
    stops = drop.get(lang, drop["en"])
    return lang, [w for w in words if w not in stops]


def tokens(text: str) -> list[str]:
    """Content words of ``text`` (see ``analyse``)."""
    return analyse(text)[1]


@dataclass
class DocumentFrequencies:
    """Document frequencies learned incrementally: ``add`` each document once, with its language.

    The IDF of a word counts documents of the word's language only: in a stream that is 5%
    Turkish, a Turkish function word missing from the stop list ("bir") is in nearly every
    Turkish document but only 5% of all; against all documents it would look rare and make every
    Turkish text alike. Words in more than ``max_df`` of their language's documents weigh 0
    (a stop list learned from the stream) once the language has ``MAX_DF_MIN_DOCS`` documents."""

    min_docs: int = 20
    max_df: float = 0.5
    n_docs: int = 0
    df: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)

    def add(self, words: Iterable[str], lang: str = "") -> None:
        self.df.update(set(words))
        self.n_docs += 1
        if lang:
            self.by_lang[lang] += 1

    def docs(self, lang: str = "") -> int:
        return self.by_lang.get(lang, 0) if lang else self.n_docs

    def idf(self, word: str, lang: str = "") -> float:
        """Smoothed IDF, ln((1 + N) / (1 + df)) + 1 (scikit-learn's form) with N the documents
        of ``lang``; flat 1.0 until ``min_docs`` such documents have been seen (a handful of
        texts gives no statistics); 0 above ``max_df``."""
        n = self.docs(lang)
        if n < self.min_docs:
            return 1.0
        d = self.df.get(word, 0)
        if n >= MAX_DF_MIN_DOCS and d > self.max_df * n:
            return 0.0
        return math.log((1 + n) / (1 + d)) + 1.0


def tfidf(words: Sequence[str], freqs: DocumentFrequencies, lang: str = "") -> Vector:
    """Unit-length TF-IDF vector (raw counts times IDF) of a token list."""
    counts = Counter(words)
    n = freqs.docs(lang)
    if n < freqs.min_docs:
        vec = {w: float(c) for w, c in counts.items()}
    else:  # freqs.idf inlined: this runs for every document of a stream
        df, top = freqs.df, math.log(1 + n)
        cap = freqs.max_df * n if n >= MAX_DF_MIN_DOCS else float("inf")
        vec = {w: c * (top - math.log(1 + df.get(w, 0)) + 1.0)
               for w, c in counts.items() if df.get(w, 0) <= cap}
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
    max_df: float

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SimilaritySettings":
        return cls(embedding_weight=float(d["embedding_weight"]),
                   lexical_power=float(d["lexical_power"]),
                   same_story_threshold=float(d["same_story_threshold"]),
                   lexical_only_threshold=float(d["lexical_only_threshold"]),
                   min_docs_for_idf=int(d["min_docs_for_idf"]), max_df=float(d["max_df"]))


def default_settings() -> SimilaritySettings:
    return SimilaritySettings.from_dict(settings()["similarity"])


class Scorer:
    """Scores pairs of texts. Keeps the document frequencies of every text it has scored, so a
    long run's IDF reflects its own corpus. ``use_embeddings=False`` forces the lexical score."""

    def __init__(self, config: SimilaritySettings | None = None, *, use_embeddings: bool = True,
                 encoder: "embed.Encoder | None" = None):
        self.config = config or default_settings()
        self.freqs = DocumentFrequencies(min_docs=self.config.min_docs_for_idf,
                                         max_df=self.config.max_df)
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
        docs = [(analyse(a), analyse(b)) for a, b in pairs]
        for (la, ta), (lb, tb) in docs:
            self.freqs.add(ta, la)
            self.freqs.add(tb, lb)
        lexical = [cosine(tfidf(ta, self.freqs, la), tfidf(tb, self.freqs, lb))
                   for (la, ta), (lb, tb) in docs]
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
