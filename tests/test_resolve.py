"""Mention resolution: the seed article's participants, composition, dates, coreference, CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dyadwatch.actors.kb import DATA_DIR, load_kb
from dyadwatch.actors.resolve import Resolver, default_resolver
from dyadwatch.model import Article, Table
from dyadwatch.nlp.parse import parse_article

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SEED = SHARED / "seeds" / "000_031bfc0b6110e641.txt"
DAY = dt.date(2026, 1, 7)

# Written for this test: the same situation as the seed, in other words.
OWN_TEXT = (
    "Bogotá — President Gustavo Petro spoke with U.S. President Donald Trump on Wednesday. "
    "The call was confirmed by Colombia’s Ministry of Foreign Affairs. "
    "Petro has accused washington of seizing Venezuelan President Nicolás Maduro, and "
    "Secretary of State mike Rubio called Petro reckless. American warplanes flew near the coast "
    "while Iraqi troops and Hungarian officials watched. Trump said he would host Petro at the "
    "White House."
)


@pytest.fixture(scope="module")
def resolver():
    return default_resolver()


def _mentions(resolver, text, day=DAY, **fields):
    art = Article(doc_id="t", source="test", text=text, **fields)
    return resolver.resolve_article(parse_article(art), day)


def _find(mentions, text):
    hits = [m for m in mentions if m.text == text]
    assert hits, f"{text!r} not among {[m.text for m in mentions]}"
    return hits[0]


def check_participants(mentions):
    petro = _find(mentions, "President Gustavo Petro")
    assert (petro.name, petro.country, petro.code, petro.role) == (
        "Gustavo Petro", "COL", "COLGOV", "President of Colombia")
    trump = _find(mentions, "U.S. President Donald Trump")
    assert (trump.name, trump.code) == ("Donald Trump", "USAGOV")
    assert "President" in trump.role
    rubio = _find(mentions, "Secretary of State mike Rubio")
    assert (rubio.name, rubio.code, rubio.kb_id) == ("Marco Rubio", "USAGOV", "marco-rubio")
    assert rubio.role == "Secretary of State"
    maduro = _find(mentions, "Venezuelan President Nicolás Maduro")
    assert (maduro.name, maduro.country) == ("Nicolás Maduro", "VEN")
    wash = _find(mentions, "washington")
    assert (wash.country, wash.sector, wash.kind) == ("USA", "GOV", "capital")
    mofa = _find(mentions, "Colombia’s Ministry of Foreign Affairs")
    assert mofa.code == "COLGOV"
    bare = [m for m in mentions if m.text == "Petro"]
    assert bare and all(m.kb_id == "gustavo-petro" for m in bare)


def test_own_text_participants(resolver):
    mentions = _mentions(resolver, OWN_TEXT)
    check_participants(mentions)
    assert _find(mentions, "American warplanes").code == "USAMIL"
    assert _find(mentions, "Iraqi troops").code == "IRQMIL"
    assert _find(mentions, "Hungarian officials").code == "HUNGOV"
    assert _find(mentions, "Bogotá").sector == ""  # the dateline: a place, not an actor
    for m in mentions:
        assert OWN_TEXT[m.start:m.end] == m.text


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is absent")
def test_seed_participants(resolver):
    raw = SEED.read_text(encoding="utf-8")
    body = "Bogotá —" + raw.split("Bogotá —", 1)[1].split("Key Facts", 1)[0]
    title = raw.splitlines()[2].strip()
    table = Table(header=["Aspect", "Details"],
                  rows=[["Participants", "President Gustavo Petro (Colombia); Donald Trump (U.S.)"]])
    mentions = _mentions(resolver, body, title=title, tables=[table])
    check_participants([m for m in mentions if m.field == "body"])
    titled = [m for m in mentions if m.field == "title" and m.kind == "person"]
    assert {m.kb_id for m in titled} == {"gustavo-petro", "donald-trump"}
    row = [m for m in mentions if m.field == "table.0.0" and m.kind == "person"]
    assert {m.name for m in row} == {"Gustavo Petro", "Donald Trump"}


def _two_presidents(tmp_path):
    (tmp_path / "roles_curated.csv").write_text(
        "person_id,name,aliases,country,role,title,sector,start,end,source\n"
        "ana-uno,Ana Uno,,COL,head_of_state_and_government,President of Colombia,GOV,2018-08-07,2022-08-07,test\n"
        "beto-dos,Beto Dos,,COL,head_of_state_and_government,President of Colombia,GOV,2022-08-07,2026-08-07,test\n",
        encoding="utf-8")
    return Resolver(load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv",
                            DATA_DIR / "places.csv", DATA_DIR / "titles.csv",
                            DATA_DIR / "agents_curated.csv", tmp_path / "roles_curated.csv"))


def test_the_president_depends_on_the_date(tmp_path):
    r = _two_presidents(tmp_path)
    text = "Farmers in Colombia marched on Monday. The president promised new credit to Colombia."
    for day, who in ((dt.date(2019, 3, 1), "ana-uno"), (dt.date(2025, 3, 1), "beto-dos")):
        m = _find(_mentions(r, text, day), "president")
        assert m.kb_id == who and m.code == "COLGOV"
    assert r.resolve_phrase("the Colombian president", dt.date(2019, 3, 1)).kb_id == "ana-uno"
    assert r.resolve_phrase("the Colombian president", dt.date(2025, 3, 1)).kb_id == "beto-dos"


def test_the_president_without_a_main_country_stays_open(tmp_path):
    r = _two_presidents(tmp_path)
    text = "Peru and Chile signed a deal. Brazil and Mexico objected. The president said nothing."
    m = _find(_mentions(r, text, dt.date(2019, 3, 1)), "president")
    assert m.kb_id == "" and m.name == ""


def test_title_refers_back(resolver):
    text = "President Gustavo Petro visited Cali. Later the president met farmers."
    m = _find(_mentions(resolver, text), "president")
    assert m.kb_id == "gustavo-petro"


@pytest.mark.parametrize("phrase,code", [
    ("American warplanes", "USAMIL"), ("Iraqi troops", "IRQMIL"), ("Hungarian officials", "HUNGOV"),
    ("Colombia's Ministry of Foreign Affairs", "COLGOV"), ("the Kremlin", "RUSGOV"),
    ("Washington", "USAGOV"), ("the Pentagon", "USAMIL"), ("Colombian police", "COLCOP"),
    ("FARC rebels", "COLREB"), ("United Nations", "IGOUNO"), ("NATO", "IGOWSTNAT"),
])
def test_phrases(resolver, phrase, code):
    assert resolver.resolve_phrase(phrase, DAY).code == code


def test_phrase_by_date(resolver):
    m = resolver.resolve_phrase("Rubio", DAY)
    assert (m.name, m.kb_id, m.role) == ("Marco Rubio", "marco-rubio", "Secretary of State")
    assert resolver.resolve_phrase("Secretary of State", DAY).kb_id == "marco-rubio"
    assert resolver.resolve_phrase("zzqx", DAY).country == ""


def test_ambiguous_surname_is_not_guessed(tmp_path):
    (tmp_path / "roles_curated.csv").write_text(
        "person_id,name,aliases,country,role,title,sector,start,end,source\n"
        "ana-quispe,Ana Quispe,,PER,foreign_minister,Foreign Minister of Peru,GOV,2020-01-01,,t\n"
        "luis-quispe,Luis Quispe,,BOL,defence_minister,Defence Minister of Bolivia,GOV,2020-01-01,,t\n",
        encoding="utf-8")
    r = Resolver(load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv",
                         DATA_DIR / "titles.csv", tmp_path / "roles_curated.csv"))
    m = r.resolve_phrase("Quispe", DAY)
    assert (m.kb_id, m.country, sorted(m.candidates)) == ("", "", ["ana-quispe", "luis-quispe"])
    assert r.resolve_phrase("Peruvian Foreign Minister Quispe", DAY).kb_id == "ana-quispe"
    assert r.resolve_phrase("Quispe", dt.date(2010, 1, 1)).kb_id == ""
    text = "Ana Quispe arrived in Lima. Later Quispe spoke to reporters."
    art = Article(doc_id="t", source="test", text=text)
    ms = r.resolve_article(parse_article(art), DAY)
    assert [m.kb_id for m in ms if m.text == "Quispe"] == ["ana-quispe"]


def test_locate(resolver):
    loc = resolver.locate("Bogotá")
    assert (loc.country, round(loc.lat), round(loc.lon)) == ("COL", 5, -74)
    assert resolver.locate("Colombia").country == "COL"
    assert resolver.locate("Nowhereville") is None


def test_cli_resolve_jsonl():
    from dyadwatch.cli import app

    lines = "\n".join(json.dumps(x) for x in [
        {"id": "a", "text": "American warplanes"},
        {"id": "b", "text": "Rubio", "date": "2026-01-07"},
        {"id": "c", "text": "gibberish qqq"},
    ])
    res = CliRunner().invoke(app, ["resolve", "--jsonl", "-"], input=lines + "\n")
    assert res.exit_code == 0, res.output
    out = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert out[0] == {"id": "a", "name": "", "country": "USA", "sector": "MIL", "code": "USAMIL",
                      "kb_id": ""}
    assert out[1]["kb_id"] == "marco-rubio" and out[1]["code"] == "USAGOV"
    assert out[2]["country"] == "" and out[2]["code"] == ""


def test_cli_kb_import_and_show(tmp_path, monkeypatch):
    from dyadwatch.cli import app

    src = tmp_path / "x.csv"
    src.write_text("person_id,name,aliases,country,role,title,sector,start,end,source\n"
                   "zed-test,Zed Test,,PER,other,Adviser,GOV,2020-01-01,,test\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["kb", "import", str(src), "--kb-dir", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[0])["added"] == ["zed-test|PER|other|2020-01-01"]
    res = CliRunner().invoke(app, ["kb", "show", "Gustavo Petro"])
    assert res.exit_code == 0 and "President of Colombia" in res.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("person_id,name,aliases,country,role,title,sector,start,end,source\n"
                   "q,Q Q,,PER,other,,GOV,2020-99-01,,t\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["kb", "import", str(bad), "--kb-dir", str(tmp_path / "o")])
    assert res.exit_code != 0


def test_title_and_demonym_keep_an_unknown_holder_as_a_person(resolver):
    # the surname belongs to other people in the KB; the written title and demonym say who is meant
    ms = _mentions(resolver, "German Foreign Minister Oskar Fischer said on Monday.",
                   day=dt.date(1988, 3, 2))
    m = _find(ms, "German Foreign Minister Oskar Fischer")
    assert (m.kind, m.country, m.sector) == ("person", "DEU", "GOV")


def test_bare_surname_with_one_bearer_read_as_a_person(resolver):
    # resolved when the article involves the bearer's country ...
    ms = _mentions(resolver, "Russia has warned Kyiv. Putin said the army would respond.",
                   day=dt.date(2000, 3, 2))
    m = _find(ms, "Putin")
    assert (m.kb_id, m.country) == ("vladimir-putin", "RUS") and m.confidence < 0.6
    # ... and left unresolved, the bearer listed as a candidate, when nothing in it does: a bare
    # surname is never a guess across countries
    ms = _mentions(resolver, "Putin said the army would respond.", day=dt.date(2000, 3, 2))
    m = _find(ms, "Putin")
    assert not m.kb_id and not m.country and m.candidates == ["vladimir-putin"]


def test_bare_surname_of_an_office_holder_needs_the_articles_support(resolver):
    """A sports or science page's "Moon" or "Lopez" is not a head of state; the same surname
    in an article about that head of state's country is."""
    off = _mentions(resolver, "Moon said the probe had found water vapour on the icy surface.",
                    day=dt.date(2019, 11, 19))
    assert not _find(off, "Moon").country
    on = _mentions(resolver, "Seoul and Tokyo held talks. Moon said the probe would launch soon.",
                   day=dt.date(2019, 11, 19))
    assert _find(on, "Moon").country == "KOR"


def test_given_name_read_as_a_surname_after_a_title(resolver):
    ms = _mentions(resolver, "Foreign Minister Paul Wadephul spoke to reporters.", day=dt.date(2026, 3, 2))
    m = _find(ms, "Foreign Minister Paul Wadephul")
    assert (m.kb_id, m.country) == ("johann-wadephul", "DEU")


def _office_holders_kb(tmp_path):
    (tmp_path / "roles_curated.csv").write_text(
        "person_id,name,aliases,country,role,title,sector,start,end,source\n"
        "ana-gil,Ana Gil,,VEN,foreign_minister,Foreign Minister of Venezuela,GOV,2020-01-01,,t\n"
        "luis-gil,Luis Gil,,DOM,defence_minister,Defence Minister of the Dominican Republic,GOV,2020-01-01,,t\n"
        "rosa-gil,Rosa Gil,,PER,foreign_minister,Foreign Minister of Peru,GOV,2019-01-01,,t\n"
        "omar-hassan,Omar Hassan,,JOR,head_of_government,Prime Minister of Jordan,GOV,2020-01-01,,t\n"
        "sara-hassan,Sara Hassan,,TZA,head_of_state_and_government,President of Tanzania,GOV,2020-01-01,,t\n",
        encoding="utf-8")
    return Resolver(load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv",
                            DATA_DIR / "titles.csv", tmp_path / "roles_curated.csv"))


def test_a_title_of_any_country_and_the_office_it_names(tmp_path):
    r = _office_holders_kb(tmp_path)
    # "Foreign Minister" is also the EU's title: that reading must not confine it to the EU
    assert r.resolve_phrase("Foreign Minister Hassan", DAY).kb_id == ""
    m = r.resolve_phrase("Prime Minister Hassan", DAY)  # not Tanzania's president
    assert (m.kb_id, m.country) == ("omar-hassan", "JOR")
    assert r.resolve_phrase("Prime Minister Omar Hassan", DAY).kb_id == "omar-hassan"
    # a given name that none of the holder's names has is another person: not guessed
    john = r.resolve_phrase("Prime Minister John Hassan", DAY)
    assert (john.kb_id, john.country) == ("", "") and "omar-hassan" in john.candidates
    two = r.resolve_phrase("Foreign Minister Gil", DAY)  # two foreign ministers named Gil
    assert (two.kb_id, sorted(two.candidates)) == ("", ["ana-gil", "rosa-gil"])
    assert r.resolve_phrase("Venezuelan Foreign Minister Gil", DAY).kb_id == "ana-gil"
    assert r.resolve_phrase("Defence Minister Gil", DAY).kb_id == "luis-gil"


def test_misnamed_holder_among_several_is_flagged_with_all_of_them(tmp_path):
    from dyadwatch.checks import kb_flags

    r = _office_holders_kb(tmp_path)
    for text, flagged in (("Foreign Minister John Gil said on Monday that talks would go on.", True),
                          ("Foreign Minister Rosa Gil said on Monday that talks would go on.", False),
                          ("Foreign Minister Gil said on Monday that talks would go on.", False),
                          ("Former Foreign Minister John Gil said on Monday that it would.", False)):
        parsed = parse_article(Article(doc_id="t", source="test", text=text))
        flags = [f for f in kb_flags(parsed, r.resolve_article(parsed, DAY), DAY, kb=r.kb)
                 if f.kind == "name_mismatch"]
        assert bool(flags) == flagged, text
        if flagged:
            assert "Ana Gil" in flags[0].detail and "Rosa Gil" in flags[0].detail


def test_a_former_office_holder_is_eli_after_the_end_of_office(resolver):
    # CAMEO codes former government officials as elites (ELI), not as the government
    for day, sector in ((dt.date(2019, 1, 1), "GOV"), (dt.date(2023, 1, 1), "ELI")):
        m = resolver.resolve_phrase("Angela Merkel", day)
        assert (m.kb_id, m.country, m.sector) == ("angela-merkel", "DEU", sector), day
