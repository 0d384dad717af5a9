"""The fast attribute ruler gives exactly the model's attribute-ruler output."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from dyadwatch.nlp.fast_rules import FastAttributeRuler, UnsupportedPattern, install
from dyadwatch.nlp.parse import MODEL_NAME

TEXTS = [
    "I'm sorry, but we can't confirm that. Gon na be a long night, ain't it?",
    "The ministers met in Brussels on Tuesday; they said nothing about themselves or theirs.",
    "Something happened because someone, somewhere, wanted it so - but not everyone agreed!",
    "\"He'd rather go,\" she said.  Its leaders have been being criticised; # 3 of 5 @ 10 $.",
]


def _model():
    try:
        return spacy.load(MODEL_NAME)
    except OSError:
        pytest.skip(f"spaCy model {MODEL_NAME} is not installed")


def _extra_texts() -> list[str]:
    corpus = Path(__file__).resolve().parents[1] / "sample" / "corpus" / "text"
    return [p.read_text(encoding="utf-8", errors="replace")[:20000]
            for p in sorted(corpus.rglob("*.txt"))]


def test_same_pos_morph_and_lemma_as_spacy():
    reference = _model()
    fast = _model()
    assert install(fast)
    assert "fast_attribute_ruler" in fast.pipe_names and "attribute_ruler" not in fast.pipe_names
    assert "cached_lemmatizer" in fast.pipe_names and "lemmatizer" not in fast.pipe_names
    texts = TEXTS + _extra_texts()
    compared = 0
    for a, b in zip(reference.pipe(texts), fast.pipe(texts)):
        for x, y in zip(a, b):
            assert (x.pos_, str(x.morph), x.lemma_) == (y.pos_, str(y.morph), y.lemma_), x.text
            compared += 1
    assert compared > 2000


def test_unsupported_patterns_are_refused():
    with pytest.raises(UnsupportedPattern):
        FastAttributeRuler([{"patterns": [[{"SHAPE": "dd"}]], "attrs": {"POS": "NUM"}}])
    with pytest.raises(UnsupportedPattern):
        FastAttributeRuler([{"patterns": [[{"TAG": "NN", "OP": "+"}]], "attrs": {"POS": "NOUN"}}])


def test_full_caches_are_cleared_and_output_stays_the_same(monkeypatch):
    from dyadwatch.nlp import fast_rules

    monkeypatch.setattr(fast_rules, "_CACHE_LIMIT", 5)
    reference = _model()
    fast = _model()
    assert install(fast)
    for a, b in zip(reference.pipe(TEXTS), fast.pipe(TEXTS)):
        for x, y in zip(a, b):
            assert (x.pos_, str(x.morph), x.lemma_) == (y.pos_, str(y.morph), y.lemma_), x.text
    assert len(fast.get_pipe("cached_lemmatizer")._cache) <= 5
    assert len(fast.get_pipe("fast_attribute_ruler")._cache) <= 5
