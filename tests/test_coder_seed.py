"""The whole chain on the seed article (extraction, parse, actors, events, key facts): events 1-14
of its expected file. Skips when ../shared/ is absent."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SEED = SHARED / "seeds" / "000_031bfc0b6110e641.txt"
EXPECTED = SHARED / "seeds" / "000_031bfc0b6110e641.expected.md"
TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
         "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")

pytestmark = pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is absent")


def expected_events() -> list[dict]:
    rows = []
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 7 or not cells[0].isdigit():
            continue
        arrow = "↔" if "↔" in cells[3] else "→"
        left, _, right = cells[3].partition(arrow)
        country = lambda side: (re.search(r"\b([A-Z]{3})(?:[A-Z]{3})?\b", side) or [None, ""])[1]
        rows.append({"n": int(cells[0]), "types": [t for t in TYPES if re.search(rf"\b{t}\b", cells[1])],
                     "actor": country(left), "recipient": country(right), "both": arrow == "↔",
                     "status": cells[5].split()[0]})
    return [r for r in rows if r["n"] <= 14]


@pytest.fixture(scope="module")
def analysis():
    from dyadwatch.pipeline import Pipeline
    from dyadwatch.model import Document

    doc = Document(source=str(SEED), content=SEED.read_bytes())
    return Pipeline().analyze_document(doc)


def _matches(e, exp) -> bool:
    if e.type not in exp["types"] or e.status != exp["status"]:
        return False
    direct = (e.actor.country, e.recipient.country) == (exp["actor"], exp["recipient"])
    swapped = exp["both"] and (e.actor.country, e.recipient.country) == (exp["recipient"], exp["actor"])
    return direct or swapped


def test_seed_events(analysis):
    events = list(analysis.events)
    right: dict[int, object] = {}
    for exp in expected_events():  # one coded event per expected event
        hit = next((e for e in events if _matches(e, exp) and e not in right.values()), None)
        if hit is not None:
            right[exp["n"]] = hit
    assert {1, 2, 8, 12, 13} <= set(right), sorted(right)
    assert len(right) >= 11, sorted(right)
    call = right[1]
    assert call.mode == "phone" and call.date == "2026-01-07"
    assert {m.field for m in call.mentions} >= {"body", "subtitle"}  # one event, several spans
    assert right[12].date == "2025" and right[13].date == "2025"
    assert analysis.ref_date == dt.date(2026, 1, 7)


def test_seed_card(analysis):
    from dyadwatch.facts import card_markdown

    card = analysis.facts
    assert card.date is not None and "7 January 2026" in card.date.text and card.date.evidence
    names = " ".join(p.text for p in card.participants)
    assert "Gustavo Petro (President of Colombia)" in names
    assert "Donald Trump (President of the United States)" in names
    assert "Marco Rubio" in names and "Maduro" in names
    issues = " ".join(i.text for i in card.issues)
    assert "drugs" in issues and "security and military" in issues
    assert any("2025" in b.text for b in card.background)
    assert any("Rubio" in r.text for r in card.rhetoric)
    assert any("meet" in n.text for n in card.next_steps)
    for item in [card.date, card.location] + card.participants + card.issues + card.background + card.rhetoric + card.next_steps:
        assert item.evidence, item.text
    md = card_markdown(card)
    assert md.startswith("| Aspect | Details | Evidence |") and "| Background |" in md
