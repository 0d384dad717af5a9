"""clean.repair: spacing, casing, proper names and mojibake, every change recorded."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dyadwatch.clean.repair import repair_text, shipped_names
from tests import HANG_SECONDS


def fixed(text: str, names=None) -> str:
    return repair_text(text, names)[0]


def afters(text: str, names=None) -> set[str]:
    return {r.after for r in repair_text(text, names)[1]}


@pytest.mark.parametrize("before, after", [
    ("They traded rhetoric.Petro has", "They traded rhetoric. Petro has"),
    ("He criticized U.S.military actions", "He criticized U.S. military actions"),
    ("In the conversation,while Trump said", "In the conversation, while Trump said"),
    ("Relations remain tense.While both", "Relations remain tense. While both"),
    ("Drugs policy,regional security,and other issues",
     "Drugs policy, regional security, and other issues"),
    ("Prices rose in the café.Next year", "Prices rose in the café. Next year"),
])
def test_missing_spaces_are_inserted(before: str, after: str) -> None:
    out, repairs = repair_text(before)
    assert out == after
    assert repairs and all(r.kind == "spacing" for r in repairs)


@pytest.mark.parametrize("text", [
    "The U.S. and the U.K. signed it.",
    "Growth was 3.5 percent, or 1,000 jobs.",
    "Several allies, e.g. Canada, and others, i.e. Mexico, agreed.",
    "The vote ends at 5 p.m. on Friday.",
    "See https://www.example.com/news/Article.Html?id=3,4 for details.",
    "Write to press.Office@example.org today.",
    "Visit www.Example.com. It has the Report.",
    "The iPhone maker said so.",
])
def test_abbreviations_numbers_urls_are_left_alone(text: str) -> None:
    out, repairs = repair_text(text)
    assert out == text, repairs
    assert repairs == []


@pytest.mark.parametrize("text", [
    "Add 1 tsp. olive oil and 4 oz. cooked chicken.",
    "Those infected with Y. pestis fall ill.",
    "“We got her, we got her!” officers announced on their radios.",
    "“There will be a time ... when the numbers are low,” he said.",
    "The “Meth. We’re on it.” awareness campaign drew criticism.",
    "Add 1 Fresno chile or chili flakes.",
    "Last week State Department official David Holmes testified.",
    "He was tapped as ambassador to the European Union.",
    "Photos:\n\nlist of items follows here.",
])
def test_clean_text_is_left_alone(text: str) -> None:
    out, repairs = repair_text(text)
    assert out == text, repairs


def test_initialism_is_not_a_sentence_end() -> None:
    out = fixed("Troops from the U.S. military arrived. Officials of the U.S. embassy spoke.")
    assert "U.S. military" in out and "U.S. embassy" in out


def test_sentence_and_paragraph_starts_are_capitalised() -> None:
    out, repairs = repair_text("Petro spoke.\n\nthe exchange was confirmed. background remains "
                               "tense.")
    assert out == "Petro spoke.\n\nThe exchange was confirmed. Background remains tense."
    assert {(r.before, r.after) for r in repairs} == {("the", "The"), ("background", "Background")}
    assert all(r.kind == "casing" for r in repairs)


def test_continuation_paragraph_is_not_capitalised() -> None:
    # a paragraph that did not end a sentence: the next line continues it
    assert fixed("Officials said that\n\nthe talks would resume.") == \
        "Officials said that\n\nthe talks would resume."


@pytest.mark.parametrize("before, after", [
    ("Hosting Petro at the white House soon", "Hosting Petro at the White House soon"),
    ("He accused washington of kidnapping", "He accused Washington of kidnapping"),
    ("Coverage of latin America diplomacy", "Coverage of Latin America diplomacy"),
    ("Talks in bogotá ended", "Talks in Bogotá ended"),
])
def test_known_names_get_their_casing(before: str, after: str) -> None:
    out, repairs = repair_text(before)
    assert out == after
    assert [r.kind for r in repairs] == ["proper_name"]


@pytest.mark.parametrize("text", [
    "We ate turkey and rice.",          # a country name that is also an ordinary word
    "They served tea in fine china.",
    "He painted a white house on the hill.",  # ordinary words, all lower case
    "Read more at washington.example.com today.",
    "Follow @washington for updates.",
])
def test_ordinary_words_and_addresses_are_not_names(text: str) -> None:
    assert fixed(text) == text


def test_names_argument_replaces_the_default_list() -> None:
    assert fixed("the treaty of westphalia", names=["Westphalia"]) == "The treaty of Westphalia"
    assert fixed("met in washington.", names=["Westphalia"]) == "Met in washington."


def test_shipped_names_include_pycountry_countries() -> None:
    names = set(shipped_names())
    assert {"Colombia", "Venezuela", "White House", "Latin America"} <= names
    assert not any("," in n for n in names)  # catalogue forms like "Korea, Republic of" left out


def test_mojibake_is_fixed_and_quotes_stay_curly() -> None:
    out, repairs = repair_text("Colombiaâ€™s ministry said “yes” — today.")
    assert out == "Colombia’s ministry said “yes” — today."
    assert [(r.kind, r.before, r.after) for r in repairs] == [("mojibake", "â€™", "’")]


def test_offsets_point_into_the_result() -> None:
    text = ("Colombiaâ€™s view.the talks,which began in washington, went on.Petro left the "
            "white House.")
    out, repairs = repair_text(text)
    assert len(repairs) >= 5
    for r in repairs:
        assert out[r.start:r.start + len(r.after)] == r.after, r


def test_long_single_line_is_repaired_quickly() -> None:
    import time

    line = " ".join(["the talks,which went on.Petro spoke in washington"] * 700)  # ~5,000 words
    t0 = time.perf_counter()
    out, repairs = repair_text(line)
    assert time.perf_counter() - t0 < HANG_SECONDS
    assert out.count("talks, which") == 700 and out.count("Washington") == 700


_ALPHABET = st.sampled_from(["the", "talks", "U.S.", "e.g.", "3.5", "washington", "White",
                             "house", ",", ".", ";", "!", " ", "\n", "Petro", "café", "www.x.com",
                             "a@b.org", "iPhone", "p.m."])


@settings(max_examples=150, deadline=None)
@given(st.lists(_ALPHABET, max_size=40))
def test_repair_only_adds_spaces_and_changes_case(parts: list[str]) -> None:
    text = "".join(parts)
    out, repairs = repair_text(text)
    squash = lambda s: re.sub(r"\s+", "", s).lower()  # noqa: E731
    assert squash(out) == squash(text)
    for r in repairs:
        assert out[r.start:r.start + len(r.after)] == r.after
    assert repair_text(out)[0] == out  # a second pass finds nothing more to change


def test_a_capital_that_makes_a_glued_stop_is_spaced_too() -> None:
    assert fixed("the!washington") == "The! Washington"  # found by the property above


def test_a_long_glued_run_is_one_repair_with_every_space() -> None:
    # thousands of sentences without a space between them (hostile input; the repair is linear)
    text = ".".join(["Talks,then.Officials"] * 3000) + "."
    out, repairs = repair_text(text)
    assert out == ". ".join(["Talks, then. Officials"] * 3000) + "."
    assert len(repairs) == 1 and repairs[0].kind == "spacing"


def test_a_long_word_before_a_stop_is_no_abbreviation() -> None:
    assert fixed("He saw " + "x" * 50 + "etc.The end") == "He saw " + "x" * 50 + "etc. The end"
    assert fixed("He left etc.The end") == "He left etc.The end"
