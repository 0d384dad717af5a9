"""Near-duplicate detection: shingles, exact copies, light edits, streaming order, persistence."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dyadwatch.stories import dedup

# Written for these tests: a wire report, an unrelated one, and vocabulary for edits.
WIRE = (
    "The foreign ministers of the two countries met in the capital on Tuesday to discuss border "
    "security, trade in farm goods and the return of migrants, officials said. The talks lasted "
    "four hours and ended with a joint statement promising a working group on customs checks and "
    "a second round of talks next month. Opposition lawmakers criticised the meeting, saying the "
    "government had conceded too much on tariffs without securing guarantees on river water. "
    "Business groups welcomed the statement and said exporters had waited years for simpler "
    "rules at the crossings, where lorries queue for days in the summer harvest season."
)
OTHER = (
    "Heavy rain flooded the lower town overnight, forcing the evacuation of two schools and a "
    "care home, while rescue crews used boats to reach families trapped on upper floors. The "
    "river rose two metres above its usual level before falling back in the afternoon."
)


def _edit(text: str, rate: float, seed: int = 1) -> str:
    rng = random.Random(seed)
    words = text.split()
    return " ".join(rng.choice(["lorry", "summit", "grain"]) if rng.random() < rate else w
                    for w in words)


def test_shingles_and_fingerprint_ignore_case_and_punctuation():
    assert dedup.shingles("A b c d e f", 5) == {b"a b c d e", b"b c d e f"}
    assert dedup.shingles("short text", 5) == {b"short text"}
    assert dedup.shingles("", 5) == set()
    assert dedup.fingerprint("Hello,  World!") == dedup.fingerprint("hello world")


def test_exact_copy_and_light_edit_are_found_unrelated_is_not():
    nd = dedup.NearDuplicates()
    assert nd.add("a", WIRE) == []
    assert nd.add("x", OTHER) == []
    exact = nd.add("b", WIRE.replace(". ", ".\n\n"))
    assert exact and exact[0].key == "a" and exact[0].exact and exact[0].similarity == 1.0
    light = nd.add("c", _edit(WIRE, 0.02) + " A spokesman declined to comment.")
    assert "a" in [m.key for m in light]
    assert all(m.similarity >= nd.threshold for m in light)
    assert nd.query(OTHER, exclude="x") == []
    assert len(nd) == 4 and "c" in nd


def test_heavy_rewrite_is_not_a_near_duplicate():
    nd = dedup.NearDuplicates()
    nd.add("a", WIRE)
    assert nd.add("b", _edit(WIRE, 0.25, seed=3)) == []


def test_short_texts_are_not_indexed():
    nd = dedup.NearDuplicates()
    assert nd.signature("Breaking news") is None
    nd.add("t", "Breaking news")
    assert "t" not in nd
    # but an exact copy of a short text is still recognised by its fingerprint
    assert [m.key for m in nd.add("u", "breaking NEWS!")] == ["t"]


def test_adding_a_key_twice_does_not_index_it_twice():
    nd = dedup.NearDuplicates()
    nd.add("a", WIRE)
    assert nd.add("a", WIRE) == []
    assert len(nd) == 1


def test_signatures_survive_a_round_trip_and_rebuild_the_index():
    nd = dedup.NearDuplicates()
    nd.add("a", WIRE)
    text = dedup.encode_signature(nd.signatures["a"])
    restored = dedup.decode_signature(text)
    assert np.array_equal(restored, nd.signatures["a"])
    fresh = dedup.NearDuplicates()
    fresh.add_signature("a", restored, dedup.fingerprint(WIRE))
    assert [m.key for m in fresh.query(_edit(WIRE, 0.02))] == ["a"]
    assert fresh.query(WIRE)[0].exact


@pytest.mark.parametrize("seed", range(5))
def test_estimated_similarity_tracks_true_jaccard(seed):
    nd = dedup.NearDuplicates()
    other = _edit(WIRE, 0.05, seed=seed)
    a, b = dedup.shingles(WIRE, 5), dedup.shingles(other, 5)
    true = len(a & b) / len(a | b)
    est = float(np.mean(nd.signature(WIRE).hashvalues == nd.signature(other).hashvalues))
    assert abs(est - true) < 0.15  # 128 permutations: standard error about 0.045
