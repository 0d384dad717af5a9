"""The knowledge base: shipped data valid, queries by date, malformed files reported precisely."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import jsonschema
import pycountry
import pytest

from dyadwatch.actors.kb import DATA_DIR, SCHEMA_DIR, default_kb, fold, load_kb, plural_of
from dyadwatch.actors.kbimport import describe, import_file
from dyadwatch.errors import KBError

ROLE_HEADER = "person_id,name,aliases,country,role,title,sector,start,end,source\n"


@pytest.fixture(scope="module")
def kb():
    return default_kb()


def small_kb(tmp_path: Path, roles: str, name: str = "roles_curated.csv"):
    """The shipped countries and codes plus the given role rows only."""
    (tmp_path / name).write_text(ROLE_HEADER + roles, encoding="utf-8")
    return load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv", DATA_DIR / "titles.csv",
                   tmp_path / name)


def test_schemas_are_valid_json_schema():
    for path in SCHEMA_DIR.glob("*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_every_iso_country_present(kb):
    missing = [c.alpha_3 for c in pycountry.countries if c.alpha_3 not in kb.countries]
    assert missing == []
    assert "American" in kb.country("USA").demonyms
    assert "U.S." in kb.country("USA").aliases
    assert kb.country("COL").capital == "Bogotá"


def test_sizes_meet_the_issue(kb):
    assert len(kb.orgs) >= 500
    assert len(kb.agents) >= 1000
    assert sum(1 for p in kb.places.values() if p.kind == "capital") >= 190
    assert {"UNO", "NATO", "EU", "AU", "OAS", "ASEAN"} <= set(kb.igos)


def test_agent_sectors(kb):
    assert kb.agents["soldier"].sector == "MIL"
    assert kb.agents["police"].sector == "COP"
    assert kb.agents["rebel"].sector == "REB"
    assert kb.agents["minister"].sector == "GOV"


def test_holders_by_date(tmp_path):
    kb = small_kb(tmp_path,
                  "ivan-duque,Iván Duque,,COL,head_of_state_and_government,President of Colombia,GOV,2018-08-07,2022-08-07,test\n"
                  "gustavo-petro,Gustavo Petro,,COL,head_of_state_and_government,President of Colombia,GOV,2022-08-07,2026-08-07,test\n")
    assert [r.person_id for r in kb.holders("head_of_state_and_government", "COL", dt.date(2019, 5, 1))] == ["ivan-duque"]
    assert [r.person_id for r in kb.holders("head_of_state_and_government", "COL", dt.date(2026, 1, 7))] == ["gustavo-petro"]
    assert kb.roles_of("gustavo-petro", dt.date(2019, 5, 1)) == []
    assert kb.roles_of("gustavo-petro", dt.date(2026, 1, 7))[0].title == "President of Colombia"


def test_shipped_holders(kb):
    day = dt.date(2026, 1, 7)
    assert [r.name for r in kb.holders("foreign_minister", "USA", day)] == ["Marco Rubio"]
    assert kb.roles_of("donald-trump", day)[0].role == "head_of_state_and_government"


def test_curated_wins_over_historical(tmp_path):
    (tmp_path / "roles_historical.csv").write_text(
        ROLE_HEADER + "old-minister,Old Minister,,FRA,foreign_minister,Foreign Minister,GOV,2010-01-01,,test\n",
        encoding="utf-8")
    (tmp_path / "roles_curated.csv").write_text(
        ROLE_HEADER + "new-minister,New Minister,,FRA,foreign_minister,Foreign Minister,GOV,2015-01-01,,test\n",
        encoding="utf-8")
    kb = load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv",
                 tmp_path / "roles_historical.csv", tmp_path / "roles_curated.csv")
    assert [r.person_id for r in kb.holders("foreign_minister", "FRA", dt.date(2020, 1, 1))] == ["new-minister"]
    old = kb.holders("foreign_minister", "FRA", dt.date(2012, 1, 1))[0]
    assert old.person_id == "old-minister" and old.end == dt.date(2014, 12, 31)


@pytest.mark.parametrize("row,field", [
    ("x,X Y,,COL,president,President,GOV,2020-01-01,,test\n", "role"),
    ("x,X Y,,ZZZ,other,,GOV,2020-01-01,,test\n", "country"),
    ("x,X Y,,COL,other,,GOV,2020-13-01,,test\n", "start"),
    ("x,X Y,,COL,other,,GOV,2020-01-01,2019-01-01,test\n", "end"),
    ("X Y,X Y,,COL,other,,GOV,2020-01-01,,test\n", "person_id"),
    ("x,X Y,,COL,other,,XXX,2020-01-01,,test\n", "sector"),
])
def test_malformed_roles_report_file_line_field(tmp_path, row, field):
    good = "a,A B,,COL,other,,GOV,2020-01-01,,test\n"
    with pytest.raises(KBError) as err:
        small_kb(tmp_path, good + row)
    assert err.value.field == field
    assert err.value.line == 3
    assert err.value.file.endswith("roles_curated.csv")
    assert "roles_curated.csv:3" in str(err.value)


def test_malformed_header_and_json(tmp_path):
    (tmp_path / "roles_user.csv").write_text("person_id,name\nx,Y\n", encoding="utf-8")
    with pytest.raises(KBError) as err:
        load_kb(DATA_DIR / "codes.json", tmp_path / "roles_user.csv")
    assert err.value.line == 1 and err.value.field == "aliases"
    bad = tmp_path / "codes.json"
    bad.write_text('{"sectors": {}, "igos": {}', encoding="utf-8")
    with pytest.raises(KBError) as err:
        load_kb(bad)
    assert err.value.file == str(bad) and err.value.line == 1


def test_import_reports_changes(tmp_path):
    src = tmp_path / "holders.csv"
    src.write_text(ROLE_HEADER +
                   "ana-test,Ana Test,,PER,foreign_minister,Foreign Minister of Peru,GOV,2030-01-01,,wikidata:Q1\n"
                   ",Bo Test,,PER,defence_minister,Defence Minister of Peru,GOV,2030-01-01,,wikidata:Q2\n",
                   encoding="utf-8")
    dest = tmp_path / "overlay"
    rep = import_file(src, dest)
    assert rep.kind == "roles" and len(rep.added) == 2 and rep.updated == []
    src.write_text(ROLE_HEADER +
                   "ana-test,Ana Test,,PER,foreign_minister,Minister of Foreign Affairs,GOV,2030-01-01,,wikidata:Q1\n",
                   encoding="utf-8")
    rep = import_file(src, dest)
    assert rep.added == [] and rep.updated == ["ana-test|PER|foreign_minister|2030-01-01"]
    kb = load_kb(DATA_DIR, dest)
    assert [r.name for r in kb.holders("foreign_minister", "PER", dt.date(2031, 1, 1))] == ["Ana Test"]
    assert kb.person("bo-test") is not None


def test_import_rejects_bad_rows_without_writing(tmp_path):
    src = tmp_path / "holders.json"
    src.write_text(json.dumps([{"name": "Ok Person", "aliases": [], "country": "PER",
                                "role": "other", "title": "", "sector": "GOV",
                                "start": "2020-01-01", "end": "", "source": "x"},
                               {"name": "Bad Person", "aliases": [], "country": "PER",
                                "role": "king", "title": "", "sector": "GOV",
                                "start": "2020-01-01", "end": "", "source": "x"}]),
                   encoding="utf-8")
    with pytest.raises(KBError) as err:
        import_file(src, tmp_path / "overlay")
    assert err.value.field == "role" and err.value.line == 2
    assert not (tmp_path / "overlay").exists()


def test_show_describes(kb):
    got = describe("Gustavo Petro", kb)
    assert got[0]["kind"] == "person" and got[0]["roles"][0]["country"] == "COL"
    assert any(x["kind"] == "country" for x in describe("Colombia", kb))


def test_casing_names(kb):
    names = set(kb.casing_names())
    assert {"White House", "Washington", "Latin America", "Colombia", "Colombian"} <= names


def test_fold_keeps_length():
    for s in ["Bogotá", "Colombia’s", "Nicolás Maduro", "Łódź", "Straße"]:
        assert len(fold(s)) == len(s)
    assert fold("Bogotá") == "bogota"


def test_plural():
    assert plural_of("policeman") == "policemen"
    assert plural_of("militia") == "militias"
    assert plural_of("authority") == "authorities"
