"""Quality flags on articles and mentions built by hand (no NLP models needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from dyadwatch.checks import kb_flags
from dyadwatch.clean.quality import (assess, formatting_flags, generated_flags, pattern_flags,
                                     recap_flags, score,
                                     weekday_flags)
from dyadwatch.model import Article, Flag, Mention, Removal, Repair

NEWS = ("The foreign ministers of both countries met in Brussels on Tuesday to discuss trade "
        "and security, officials said. The talks ended without a joint statement.")


def article(text: str = NEWS, **kw) -> Article:
    return Article(doc_id="d", source="s", text=text, **kw)


def kinds(flags: list[Flag]) -> list[str]:
    return sorted(f.kind for f in flags)


@pytest.mark.parametrize("snippet", [
    "I’m sorry, but I can’t help with that.",
    "I'm sorry, but I cannot assist with this request.",
    "As an AI language model, I do not have opinions on elections.",
    "As of my last update in 2023, the ceasefire was holding.",
    "Officials confirmed the deal turn0search3 on Monday.",
    "The ministry said so.【oaicite:2】",
    "See https://example.org/report?utm_source=chatgpt.com for details.",
    "Certainly! Here is a rewritten version of the article:",
])
def test_generated_text_artifacts_are_high(snippet):
    a = article(NEWS + "\n" + snippet)
    flags = pattern_flags(a) + generated_flags(a)
    assert [f.kind for f in flags if f.severity == "high"] == ["generated_text_artifact"]


def test_artifact_in_removed_lines_still_counts():
    a = article(removed=[Removal("I’m sorry, but I can’t help with that.", "chatbot_text", 40)])
    flags = pattern_flags(a) + generated_flags(a)
    assert kinds(flags) == ["generated_text_artifact"] and flags[0].field == "removed.0"


def test_professional_text_has_no_flags():
    text = ("WASHINGTON (Reuters) - The U.S. Senate on Thursday passed a bill to fund the "
            "government through March, averting a shutdown, after Democrats and Republicans "
            "agreed on aid for Ukraine. \"We got it done,\" Senate Majority Leader Chuck "
            "Schumer told reporters. Sources familiar with the matter said the House would "
            "vote on Friday.")
    assert pattern_flags(article(text)) == []


def test_template_padding_and_vague_attribution():
    text = (NEWS + "\nWhy This Matters — Evergreen Context\nDirect talks can reset alliances.\n"
            "What readers should consider next\nTrump signaled openness, according to "
            "statements surrounding the call.")
    got = kinds(pattern_flags(article(text)))
    assert got.count("template_padding") == 2 and "vague_attribution" in got


def test_formatting_counts_repairs():
    repairs = [Repair("spacing", "rhetoric.Petro", "rhetoric. Petro", 10)] * 5 + \
              [Repair("casing", "washington", "Washington", 50)] * 6
    (flag,) = formatting_flags(article(repairs=repairs))
    assert flag.severity == "low" and "5 missing spaces" in flag.detail and "6 casing" in flag.detail


def test_recap_that_repeats_the_body():
    body = ["Colombia and the United States agreed on Monday to resume joint naval patrols "
            "against drug trafficking in the Caribbean after months of tension.",
            "The agreement was announced by both defence ministries in Bogota.",
            "Officials said the patrols would start in March.",
            "Critics in Congress questioned the cost."]
    recap = ("In summary, Colombia and the United States agreed on Monday to resume joint naval "
             "patrols against drug trafficking in the Caribbean after months of tension.")
    assert kinds(recap_flags(article("\n".join(body + [recap])))) == ["template_padding"]
    assert recap_flags(article("\n".join(body))) == []


def test_weekday_contradiction():
    ok = article("The call took place on Wednesday, January 7, 2026, officials said.")
    assert weekday_flags(None, ok) == []
    bad = article("The call took place on Tuesday, January 7, 2026, officials said.")
    (flag,) = weekday_flags(None, bad)
    assert flag.kind == "date_inconsistency" and "Wednesday" in flag.detail


def test_score_orders_pages():
    clean = score([])
    farm = score([Flag("generated_text_artifact", "high", 0, 1, "x", "")] * 2)
    assert clean == 1.0 and farm < 0.5


def _person(text: str, start: int, kb_id: str, name: str, country: str) -> Mention:
    return Mention(text=text, start=start, end=start + len(text), sentence=0, field="body",
                   kind="person", name=name, country=country, sector="GOV", kb_id=kb_id)


def test_former_title_for_a_sitting_holder_and_misnamed_holder():
    text = ("President Ana Ruiz and former President John Carter spoke on Wednesday. "
            "Foreign Minister mike Lane said more talks were planned.")
    from tests.kb_fixture import tiny_kb

    kb = tiny_kb()
    mentions = [_person("John Carter", text.index("John Carter"), "person:john-carter",
                        "John Carter", "USA"),
                _person("mike Lane", text.index("mike Lane"), "person:robert-lane", "Robert Lane",
                        "USA")]
    flags = kb_flags(None, mentions, dt.date(2026, 1, 7), article=article(text), kb=kb)
    assert kinds(flags) == ["name_mismatch", "role_contradiction"]
    role = next(f for f in flags if f.kind == "role_contradiction")
    assert role.severity == "high" and role.text == "former President John Carter"
    # a historical sentence and a correct title are not flagged
    later = dt.date(2031, 1, 1)
    hist = "In 2027, President John Carter visited Bogota."
    m = [_person("John Carter", hist.index("John Carter"), "person:john-carter", "John Carter", "USA")]
    assert kb_flags(None, m, later, article=article(hist), kb=kb) == []
    now = "President John Carter visited Bogota."
    m = [_person("John Carter", now.index("John Carter"), "person:john-carter", "John Carter", "USA")]
    assert kinds(kb_flags(None, m, later, article=article(now), kb=kb)) == ["role_contradiction"]
    assert kb_flags(None, m, dt.date(2026, 1, 7), article=article(now), kb=kb) == []


def test_assess_without_parse():
    a = article(NEWS + "\nI'm sorry, but I can't help with that.")
    flags, q = assess(None, [], [], None, article=a)
    assert kinds(flags) == ["generated_text_artifact"] and q < 1.0


def _event(etype: str, field: str, actor: str, recipient: str):
    from dyadwatch.model import ActorRef, Event, Evidence

    ev = Evidence(sentence=0, start=0, end=10, text="x", field=field)
    return Event(type=etype, actor=ActorRef(country=actor), recipient=ActorRef(country=recipient),
                 evidence=ev, mentions=[ev])


def test_headline_overstatement_needs_hedged_body_and_no_body_event():
    from dyadwatch.clean.quality import headline_flags

    hedged = article("Officials discussed possible military options.", title="US threatens Ruritania")
    title_threat = _event("THREATEN", "title", "USA", "RUR")
    assert kinds(headline_flags(hedged, [title_threat])) == ["headline_overstatement"]
    # a body event of a related type in the same direction supports the headline
    assert headline_flags(hedged, [title_threat, _event("THREATEN", "body", "USA", "RUR")]) == []
    # the other side's threat does not
    assert kinds(headline_flags(hedged, [title_threat, _event("THREATEN", "body", "RUR", "USA")])) \
        == ["headline_overstatement"]
    # a body that does not hedge is not an overstatement, just short
    plain = article("Officials met on Monday.", title="US threatens Ruritania")
    assert headline_flags(plain, [title_threat]) == []


def test_formatting_flag_points_only_at_repairs_in_the_body():
    """A repair made in a line that extraction then removed (start -1) gives the formatting
    flag no span outside the body (found by the fuzz test: 'the' repaired in a removed line)."""
    from dyadwatch.clean.quality import assess
    from dyadwatch.ingest.text import extract_text
    from dyadwatch.model import Document
    from tests.fuzz_inputs import FUZZ_OPTIONS

    data = (b"the\n\xef\xbf\xbd\nThe the the the minister.\n" + b"Home \xc2\xbb World \xc2\xbb "
            b"Americas\n" * 3)
    article = extract_text(Document("fuzz.txt", data, format="text"), FUZZ_OPTIONS)
    flags, _ = assess(None, [], [], article=article)
    for f in flags:
        assert 0 <= f.start <= f.end <= len(article.text), (f.kind, f.start, f.end)
        if f.kind == "formatting" and f.end > f.start:
            assert article.text[f.start:f.end] in f.text


# ---------------------------------------------------------------- generated text by family

@pytest.mark.parametrize("text", [
    "Unfortunately I won't be able to compose that piece for you.",  # refusal, no fixed wording
    "Being software, I'm not a sentient being and hold no views on the vote.",
    "My training data stops in early 2024, so later events are missing.",
    "Below you will find the article condensed to 200 words.",
    "Officials in [CITY NAME] said the road reopens on {reopening_date}.",
    "<|im_start|>assistant",
])
def test_generated_text_by_family_not_by_phrase(text):
    from dyadwatch.clean.generated import find

    assert find(text), text


@pytest.mark.parametrize("text", [
    '"I can\'t help you with that," the spokesman told reporters.',
    'Asked about the vote, the chatbot replied: "As an AI, I cannot take sides."',
    "OpenAI said the model's training data ends in 2023.",
    "I cannot help feeling that the council has failed the town again.",
    "I am sorry to say the council has failed again.",
    "Correction: An earlier version of this story misstated the date of the vote.",
    '"They [the rebels] will not stop," he said.',
    "Shares of $AAPL rose 3% [UPDATED] after the results.",
])
def test_news_about_ai_and_quoted_refusals_are_not_artefacts(text):
    from dyadwatch.clean.generated import find

    assert not find(text), text


def test_an_artefact_glued_to_reporting_leaves_only_itself():
    from dyadwatch.clean.boilerplate import is_generated_text, split_generated

    line = "Police closed the bridge on Monday. Sorry, as an AI I can't confirm later reports."
    kept, generated = split_generated(line)
    assert kept == "Police closed the bridge on Monday."
    assert generated.startswith("Sorry, as an AI")
    assert is_generated_text(generated) and not is_generated_text(
        "Police closed the bridge on Monday after a long and tense night of protests in the city. "
        "Sorry, as an AI I can't say more.")


def test_the_gate_never_drops_what_the_cues_find(monkeypatch):
    # the cheap word gate runs before the cues; with it open the same sentences must be found
    from dyadwatch.clean import generated

    texts = [
        "I'm sorry, but I can't help with that.", "As an AI language model, I cannot verify it.",
        "As of my last update, talks had not concluded.", "Figures turn0search4 were confirmed.",
        "Certainly! Here is a rewritten version of the news article:",
        "Unfortunately I won't be able to compose that piece for you.",
        "My training data stops in early 2024, so later events are missing.",
        "Below you will find the article condensed to 200 words.",
        "Officials in [CITY NAME] said the road reopens on {reopening_date}.",
        "<|im_start|>assistant", "### Response:", "Tone: urgent but calm.",
        "Rewrite this article so that it passes plagiarism checks.",
        "can't write that one, sorry", "Would you like me to add a quote?",
        "Word count: 540", "Headline option 3: Floods hit the valley",
        "Apologies for the error in my previous response.", "Lorem ipsum dolor sit amet.",
        "The vote was ___ to ___.", "TODO: add the minister's reaction",
        "The council met on Tuesday and agreed the budget after a long debate.",
    ]
    gated = [generated.find(t) for t in texts]
    monkeypatch.setattr(generated.Grammar, "passes", lambda self, s: True)
    assert [generated.find(t) for t in texts] == gated
    assert sum(bool(g) for g in gated) == len(texts) - 1
