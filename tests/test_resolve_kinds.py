"""The resolver's conventions by kind (actors/data/README.md "Sectors"), on the shipped KB:
each case stands for a kind of phrase, not a record."""

from __future__ import annotations

import datetime as dt

import pytest

from dyadwatch.actors.resolve import default_resolver

DAY = dt.date(2022, 6, 1)


@pytest.fixture(scope="module")
def r():
    return default_resolver()


def _got(r, text, day=DAY):
    m = r.resolve_phrase(text, day)
    return m.country, m.sector


def test_a_given_name_the_bearer_lacks_is_another_person(r):
    m = r.resolve_phrase("Senator Ted Cruz", DAY)
    assert (m.kb_id, m.country, m.sector) == ("", "", "LEG")


def test_a_capitalised_word_after_a_surname_makes_it_a_longer_name(r):
    assert _got(r, "Kano State government") == ("NGA", "GOV")


def test_former_officials_are_elites_unless_in_office_at_the_date(r):
    assert _got(r, "ex-president Evo Morales")[1] == "ELI"
    assert _got(r, "former President Donald Trump", dt.date(2022, 6, 1))[1] == "ELI"
    # the page's "former" does not outweigh the record of a serving president
    assert _got(r, "former President Donald Trump", dt.date(2026, 1, 7)) == ("USA", "GOV")


def test_people_and_ethnic_groups(r):
    assert _got(r, "Nigerians") == ("NGA", "CVL")
    m = r.resolve_phrase("ethnic Albanians", DAY)
    assert (m.country, m.sector, m.candidates) == ("", "CVL", ["country:ALB"])


def test_a_country_acting_is_its_government_and_after_in_a_place(r):
    assert _got(r, "Iran") == ("IRN", "GOV")
    assert _got(r, "in Iran") == ("IRN", "")
    assert _got(r, "the US ambassador to China") == ("USA", "GOV")


def test_religion_is_a_secondary_code_and_group_members_take_its_sector(r):
    assert _got(r, "Iranian clerics") == ("IRN", "REL")
    assert _got(r, "Taliban fighters") == ("AFG", "REB")


def test_organisation_names_match_only_as_names(r):
    assert r.resolve_phrase("The Guardian", DAY).kb_id.startswith("org:")
    assert r.resolve_phrase("the guardian of the constitution", DAY).kb_id == ""
