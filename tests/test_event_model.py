"""The learned event model: corpus checks, features, numpy inference, the judge, training, the
per-document caps; and the shipped artefact matches the corpus it says it was trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dyadwatch.events.learn import corpus as corpus_mod
from dyadwatch.events.learn.model import MODEL_DIR, NONE, EventModel, default_model

GOOD = {"id": "t-0001", "text": "Kenya and Uganda signed a trade agreement in Nairobi on Friday.",
        "type": "AGREE", "cameo": "057", "mode": None, "context": ["economic"],
        "status": "actual", "actor": "Kenya", "recipient": "Uganda", "actor_country": "KEN",
        "recipient_country": "UGA", "negative": None, "style": "plain", "year": 2022}


def write_corpus(tmp_path, lines):
    root = tmp_path / "events"
    (root / "raw").mkdir(parents=True)
    (root / "schema.json").write_text((corpus_mod.ROOT / "schema.json").read_text())
    (root / "raw" / "a.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return root


def test_corpus_rejects_bad_lines_and_near_copies(tmp_path):
    copy = dict(GOOD, id="t-0002", text="Kenya and Uganda signed a trade agreement in Nairobi on Monday.")
    bad_span = dict(GOOD, id="t-0003", text="Peru recalled its ambassador from Mexico on Tuesday.",
                    type="SANCTION", actor="Chile")
    no_status = dict(GOOD, id="t-0004", text="Ghana's president praised Togo for its mediation.",
                     type="SUPPORT", status=None, actor="Ghana", recipient="Togo")
    bad_type = dict(GOOD, id="t-0005", text="Fiji welcomed the envoy from Tonga warmly today.",
                    type="WELCOME")
    c = corpus_mod.load_corpus(write_corpus(tmp_path, [GOOD, copy, bad_span, no_status, bad_type]))
    assert [r.id for r in c.records] == ["t-0001"]
    why = " | ".join(w for _where, w in c.rejected)
    assert "near-copy of t-0001" in why and "not in the text" in why
    assert "needs a status" in why and len(c.rejected) == 4


def test_shipped_corpus_is_valid_and_large_enough():
    c = corpus_mod.load_corpus()
    counts = c.counts()["type"]
    assert len(c.records) >= 4000
    assert all(counts.get(t, 0) >= 150 for t in counts if t != NONE) and len(counts) == 17
    # a third a coder must leave alone: no event, or an event that did not happen (negated,
    # hypothetical)
    leave = sum(1 for r in c.records if r.type is None or r.status in ("negated", "hypothetical"))
    assert leave >= len(c.records) / 3


def test_shipped_model_matches_its_corpus_and_loads():
    model = EventModel.load(MODEL_DIR)
    assert model.manifest["corpus"]["sha256"] == corpus_mod.load_corpus().sha256, \
        "the corpus changed since the model was trained: run `make train`"
    assert model.classes[0] == NONE and len(model.classes) == 17
    pt, ps = model.predict([np.array([1, 2, 3])], np.zeros((1, 384), np.float32))
    assert pt.shape == (1, 17) and ps.shape == (1, 6)
    assert abs(pt.sum() - 1) < 1e-5 and abs(ps.sum() - 1) < 1e-5


def test_model_refuses_a_broken_artefact(tmp_path):
    from dyadwatch.errors import KBError

    (tmp_path / "event_model.json").write_text("{}")
    with pytest.raises(KBError):
        EventModel.load(tmp_path)


def test_judge_scores_and_drops_rule_events():
    from dyadwatch.events.coder import EventCoder
    from dyadwatch.events.learn.judge import Judge

    model = default_model()
    rules = EventCoder(model=None)
    strict = EventCoder(model=Judge(model, min_confidence=0.999))
    loose = EventCoder(model=Judge(model, min_confidence=0.0))
    text = "Colombian President Gustavo Petro spoke by phone with Donald Trump on Wednesday."
    base = rules.code_text(text)
    assert base, "the rules code the call"
    judged = loose.code_text(text)
    assert [e.type for e in judged] == [e.type for e in base]
    assert all(0.0 <= e.confidence <= 1.0 for e in judged)
    assert strict.code_text(text) == [] or all(e.confidence >= 0.999 for e in strict.code_text(text))


def test_training_runs_and_is_reproducible(tmp_path):
    from dyadwatch.events.learn import train as tr

    rng = np.random.default_rng(0)
    n = 60
    data = tr.Data(sparse=[rng.integers(0, 64, 5) for _ in range(n)],
                   dense=rng.standard_normal((n, 384)).astype(np.float32),
                   y=np.array([i % 3 for i in range(n)]), ys=np.array([-1 if i % 3 == 0 else 0 for i in range(n)]),
                   groups=np.array(["a", "b"] * (n // 2)), rule_conf=[{} for _ in range(n)],
                   old_top=[NONE] * n)
    hp = tr.Hyper(buckets=64, hidden=8, epochs=3)
    p1 = tr.train(data, np.arange(n), hp, seed=5)
    p2 = tr.train(data, np.arange(n), hp, seed=5)
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    folds = tr.fold_of(data, 5, 1)
    assert sorted(set(folds)) == [0, 1, 2, 3, 4]


def test_a_huge_document_is_cut_and_the_cut_recorded():
    from dyadwatch.config import Options
    from dyadwatch.model import Article
    from dyadwatch.pipeline import bound_article

    opts = Options()
    opts.ingest.max_body_chars = 1000
    art = Article(doc_id="x", source="x", text="word " * 1000, captions=["c"] * 300)
    bound_article(art, opts)
    assert len(art.text) <= 1000 and len(art.captions) == opts.ingest.max_captions
    kinds = [f.kind for f in art.flags]
    assert kinds.count("truncated") == 2
    assert "5,000 characters" in art.flags[0].detail


def test_vendored_embedding_copy_matches_the_float32_model():
    """The float16 MiniLM shipped inside dyadwatch (what a plain pip install uses) gives the
    embeddings of the float32 package to within rounding."""
    from dyadwatch.stories import embed

    vendored = embed.Encoder(embed.VENDORED)
    texts = ["Colombia recalled its ambassador from Washington on Tuesday.",
             "The striker scored twice in the cup final."]
    v = vendored.encode(texts)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert float(v[0] @ v[1]) < 0.5  # unrelated texts stay apart
    path = embed.model_dir()
    if path is None or path == embed.VENDORED:
        pytest.skip("the float32 package is not installed: nothing to compare with")
    ref = embed.Encoder(path).encode(texts)
    assert (ref * v).sum(1).min() > 0.9999
