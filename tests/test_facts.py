"""Key facts card: structure, evidence on every line, Markdown."""

from __future__ import annotations

import datetime as dt

from dyadwatch.facts import BACKGROUND_DAYS, build_card, card_markdown, main_event
from dyadwatch.model import ActorRef, Article, Event, Evidence, FactCard, FactItem, Mention, Table
from dyadwatch.nlp.parse import parse_article

TEXT = ("Alvaro Mendez and John Carter spoke by phone on Wednesday about drug policy and border security. "
        "Carter criticized the drug trade. Mendez plans to visit Washington next month. "
        "In 2025 the United States cut aid to Colombia over drug policy.")


def _ev(etype, cameo, actor, recipient, sentence, text, status="actual", date="", date_text="", mode="", conf=0.8,
        field="body"):
    ev = Evidence(sentence=sentence, start=0, end=len(text), text=text, field=field)
    return Event(type=etype, cameo=cameo, mode=mode, actor=actor, recipient=recipient, evidence=ev, status=status,
                 date=date, date_text=date_text, confidence=conf, mentions=[ev], trigger="t")


MENDEZ = ActorRef(text="Mendez", name="Alvaro Mendez", country="COL", sector="GOV", code="COLGOV", kb_id="m")
CARTER = ActorRef(text="Carter", name="John Carter", country="USA", sector="GOV", code="USAGOV", kb_id="c")


def _card():
    article = Article(doc_id="d", source="s", text=TEXT, title="Mendez and Carter Speak by Phone",
                      dateline="Bogotá",
                      tables=[Table(header=["Aspect", "Details"], rows=[["Date", "Wednesday, January 7, 2026"]])])
    parsed = parse_article(article)
    mentions = [Mention(text="Alvaro Mendez", start=0, end=13, sentence=1, kind="person", name="Alvaro Mendez",
                        country="COL", kb_id="m", role="President of Colombia"),
                Mention(text="John Carter", start=18, end=29, sentence=1, kind="person", name="John Carter",
                        country="USA", kb_id="c", role="President of the United States")]
    events = [
        _ev("CONSULT", "041", MENDEZ, CARTER, 1, "Alvaro Mendez and John Carter spoke by phone", date="2026-01-07",
            date_text="Wednesday", mode="phone", conf=0.9),
        _ev("ACCUSE", "111", CARTER, ActorRef(), 2, "Carter criticized the drug trade."),
        _ev("AGREE", "036", MENDEZ, CARTER, 3, "Mendez plans to visit Washington next month.", status="intended"),
        _ev("SANCTION", "1621", ActorRef(country="USA", code="USA"), ActorRef(country="COL", code="COL"), 4,
            "In 2025 the United States cut aid to Colombia over drug policy.", date="2025", date_text="In 2025"),
    ]
    return build_card(parsed, mentions, events), events


def test_card_structure_and_evidence():
    card, events = _card()
    assert isinstance(card, FactCard)
    assert card.date.text == "Wednesday, 7 January 2026" and card.date.evidence[0].field == "table.0.0"
    assert "phone call" in card.location.text and "Bogotá" in card.location.text
    assert card.participants[0].text == "Alvaro Mendez (President of Colombia)"
    assert card.participants[1].text == "John Carter (President of the United States)"
    assert any(i.text.startswith("drugs") for i in card.issues)
    assert [b.text for b in card.background] and "2025" in card.background[0].text
    assert len(card.rhetoric) == 1 and "criticize" in card.rhetoric[0].text
    assert len(card.next_steps) == 1 and "[intended]" in card.next_steps[0].text
    for item in [card.date, card.location] + card.participants + card.issues + card.background + card.rhetoric + card.next_steps:
        assert isinstance(item, FactItem) and item.evidence
    d = card.to_dict()
    assert set(d) == {"date", "location", "participants", "issues", "background", "rhetoric", "next_steps"}


def test_main_event_prefers_the_reported_one():
    _card_, events = _card()
    assert main_event(events, dt.date(2026, 1, 7)).type == "CONSULT"
    assert main_event([], None) is None
    assert BACKGROUND_DAYS >= 30


def test_markdown():
    card, _events = _card()
    md = card_markdown(card)
    lines = md.splitlines()
    assert lines[0] == "| Aspect | Details | Evidence |" and lines[1] == "|---|---|---|"
    assert all(line.startswith("|") and line.endswith("|") for line in lines)
    assert any(line.startswith("| Date | Wednesday, 7 January 2026 |") for line in lines)
    assert "[table.0.0 s" in md


def test_empty_card_renders():
    article = Article(doc_id="d", source="s", text="Nothing happened here at all.")
    card = build_card(parse_article(article), [], [])
    assert card.date is None and card.participants == [] and card.background == []
    md = card_markdown(card)
    assert "| Date | — | |" in md and "| Next steps | — | |" in md


def test_pipe_characters_are_escaped():
    card = FactCard(date=FactItem(text="a | b", evidence=[Evidence(sentence=0, start=0, end=5, text="x | y")]))
    md = card_markdown(card)
    assert "a \\| b" in md and "x \\| y" in md
