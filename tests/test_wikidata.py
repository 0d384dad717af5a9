"""`dyadwatch kb build --wikidata FILE`: Wikidata's JSON dump (its array framing, gzip, bzip2,
JSON lines) to validated rows of the KB overlay, and the awkward parts of Wikidata: qualifier
dates and their precisions, ranks, novalue/somevalue, missing dates, several positions, labels
in other languages, properties, lexemes, redirects and broken lines. The fixture
(``fixtures/wikidata/slice.json``, written by ``make_slice.py``) has the real entity shape."""

from __future__ import annotations

import bz2
import csv
import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dyadwatch.actors.kb import DATA_DIR, load_kb, user_dir
from dyadwatch.actors.kbimport import describe
from dyadwatch.actors.wikidata import extract, iter_entities, load_classes, wikidata_time
from dyadwatch.cli import app
from dyadwatch.errors import CorruptArchive, EmptyInput, KBError, UnsupportedFormat

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "wikidata" / "slice.json"
D = dt.date


@pytest.fixture(scope="module")
def built():
    import dyadwatch.actors.wikidata as wd

    with pytest.MonkeyPatch.context() as mp:  # the shipped KB has a "hamas" (it may change)
        shipped = wd._shipped_org_ids
        mp.setattr(wd, "_shipped_org_ids", lambda kb: shipped(kb) | {"hamas"})
        return extract(FIXTURE)


def rows(table: list[dict], qid: str) -> list[dict]:
    return [r for r in table if r["source"] == f"wikidata:{qid}"]


def entity_lines() -> list[str]:
    """The fixture's entity lines without the dump framing: JSON lines."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [ln.rstrip(",") for ln in lines if ln not in ("[", "]")]


def time(value: str, precision: int = 11, model: str = "Q1985727") -> dict:
    return {"time": value, "timezone": 0, "before": 0, "after": 0, "precision": precision,
            "calendarmodel": f"http://www.wikidata.org/entity/{model}"}


def test_wikidata_time_precisions_and_calendars():
    assert wikidata_time(time("+2022-08-07T00:00:00Z")) == (D(2022, 8, 7), D(2022, 8, 7))
    assert wikidata_time(time("+2019-05-00T00:00:00Z", 10)) == (D(2019, 5, 1), D(2019, 5, 31))
    assert wikidata_time(time("+2019-00-00T00:00:00Z", 9)) == (D(2019, 1, 1), D(2019, 12, 31))
    # a day precision with a zero day or month is as precise as the time string allows
    assert wikidata_time(time("+2019-00-00T00:00:00Z", 11)) == (D(2019, 1, 1), D(2019, 12, 31))
    assert wikidata_time(time("+2020-02-00T00:00:00Z", 11)) == (D(2020, 2, 1), D(2020, 2, 29))
    # year precision ignores the month and day written after it
    assert wikidata_time(time("+1998-06-15T00:00:00Z", 9)) == (D(1998, 1, 1), D(1998, 12, 31))
    assert wikidata_time(time("+1700-02-29T00:00:00Z", 11, "Q1985786")) == (D(1700, 3, 11),) * 2
    assert wikidata_time(time("+1582-10-04T00:00:00Z", 11, "Q1985786")) == (D(1582, 10, 14),) * 2
    assert wikidata_time(time("+00000002010-01-01T00:00:00Z")) == (D(2010, 1, 1),) * 2
    for bad in (time("+1990-00-00T00:00:00Z", 8),  # decade
                time("-0044-03-15T00:00:00Z"),  # before year 1
                time("+12345-01-01T00:00:00Z"),
                time("+2019-02-30T00:00:00Z"), time("2019-01-01"), {"time": 5}, None, "x"):
        assert wikidata_time(bad) is None


def test_several_positions_dates_qualifiers_and_ranks(built):
    roles, _, report = built
    ana = {r["role"]: r for r in rows(roles, "Q990000001")}
    # five P39 statements: one deprecated (ignored), one "somevalue" (skipped) -> three rows
    assert set(ana) == {"head_of_state_and_government", "foreign_minister", "other"}
    hosg = ana["head_of_state_and_government"]  # subclass of head of state and of government
    assert (hosg["country"], hosg["start"], hosg["end"]) == ("COL", "2022-08-07", "2026-08-07")
    assert hosg["title"] == "President of the Testland Republic" and hosg["sector"] == "GOV"
    fm = ana["foreign_minister"]  # start of year precision, end of month precision
    assert (fm["start"], fm["end"]) == ("2018-01-01", "2019-05-31")
    congress = ana["other"]  # end "novalue": still in office
    assert (congress["sector"], congress["start"], congress["end"]) == ("LEG", "2010-07-20", "")
    assert hosg["person_id"] == "ana-testa" and hosg["name"] == "Ana Testa"
    assert hosg["aliases"] == "Ana T. Testa|Anita Testa"  # English and Spanish, name left out
    assert report.counts["positions_novalue_or_somevalue"] == 2  # Ana's somevalue, Carla's novalue
    assert report.counts["party_memberships_not_stored"] == 1


def test_labels_languages_and_unknown_ends(built):
    roles, _, report = built
    (bruno,) = rows(roles, "Q990000002")  # only a Spanish label, like his position
    assert bruno["name"] == "Bruno Ejemplo" and bruno["role"] == "finance_minister"
    assert (bruno["country"], bruno["title"]) == ("PER", "Ministro de Hacienda de Testlandia")
    assert report.counts["humans_label_not_english"] == 1
    # his interior ministry ended at an unknown date ("somevalue"): not kept as still in office
    assert report.counts["positions_end_unknown"] == 1
    assert rows(roles, "Q990000003") == []  # only a Russian label
    assert report.counts["humans_without_usable_label"] == 1
    assert rows(roles, "Q990000004") == []  # P39 novalue only
    assert report.counts["humans_without_usable_position"] == 1


def test_countries_ranks_igo_and_death(built):
    roles, _, report = built
    assert rows(roles, "Q990000005")[0]["country"] == "COL"  # preferred citizenship wins
    gloria = rows(roles, "Q990000008")[0]  # jurisdiction is a department of Colombia
    assert (gloria["country"], gloria["role"], gloria["sector"]) == ("COL", "other", "GOV")
    fabio = rows(roles, "Q990000007")[0]
    assert (fabio["country"], fabio["role"]) == ("UNO", "igo_head")
    elena = rows(roles, "Q990000006")[0]  # open end closed at her death
    assert (elena["start"], elena["end"]) == ("1980-01-01", "1990-05-01")
    hugo = rows(roles, "Q990000009")[0]  # position's country has no KB code: citizenship
    assert (hugo["country"], hugo["role"]) == ("COL", "head_of_government")
    assert (hugo["start"], hugo["end"]) == ("1700-03-11", "1710-12-31")  # Julian; death year
    assert report.counts["country_codes_not_in_kb"] >= 1
    interior = [r for r in roles if r["role"] == "interior_minister"]
    assert interior == []  # its only holder's end is unknown
    jorge = rows(roles, "Q990000013")[0]  # position item not in the slice: defaults
    assert (jorge["role"], jorge["sector"], jorge["title"], jorge["country"]) == \
        ("other", "GOV", "", "COL")
    assert report.counts["positions_item_not_in_file"] == 1


def test_person_ids_are_unique(built):
    roles, _, _ = built
    ines = sorted(r["person_id"] for r in roles if r["name"] == "Ines Doble")
    assert ines == ["ines-doble-q990000011", "ines-doble-q990000012"]
    keys = [(r["person_id"], r["country"], r["role"], r["start"]) for r in roles]
    assert len(keys) == len(set(keys))


def test_organisations(built):
    _, orgs, report = built
    by_id = {o["org_id"]: o for o in orgs}
    got = {o: (r["country"], r["sector"], r["code"], r["kind"]) for o, r in by_id.items()}
    assert got["test-party-of-colombia"] == ("COL", "PTY", "COLPTY", "party")
    assert got["armed-test-front"] == ("COL", "REB", "COLREB", "group")  # terrorist org
    assert got["testland-national-police"] == ("PER", "COP", "PERCOP", "national")
    assert got["lima-test-company"] == ("PER", "BUS", "PERBUS", "company")  # headquarters' country
    assert got["subclass-test-party"][1] == "PTY"  # instance of a subclass of political party
    assert got["deprecated-type-corp"][1] == "BUS"  # the deprecated P31 party is ignored
    assert got["armed-party-test"][1:] == ("REB", "PERREB", "group")  # party and armed group
    assert {"liberal-test-party-col", "liberal-test-party-per"} <= set(by_id)
    assert by_id["test-party-of-colombia"]["aliases"] == "PdP|Partido de Prueba"
    assert "no-sitelink-party" not in by_id and "hamas" not in by_id  # Hamas: shipped KB's own
    assert report.counts["organisations_already_in_shipped_kb"] == 1
    assert report.counts["organisations_igo_in_codes_json"] == 1  # Q1065 is codes.json's UNO


def test_non_items_and_broken_lines_are_counted_not_fatal(built):
    _, _, report = built
    c = report.counts
    assert c["skipped_property"] == 1 and c["skipped_lexeme"] == 1 and c["skipped_redirects"] == 1
    assert c["rejected_bad_line"] == 1 and c["rejected_bad_json"] == 1
    assert report.rejected_examples[0].startswith("line 14: bad_line")
    assert report.rejected_examples[1].startswith("line 16: bad_json")


def test_compressed_and_json_lines_read_alike(tmp_path):
    plain = [(n, e["id"]) for n, e in iter_entities(FIXTURE)]
    gz = tmp_path / "latest-all.json.gz"
    gz.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    bz = tmp_path / "slice.dat"  # told by magic bytes, not by the name
    bz.write_bytes(bz2.compress(FIXTURE.read_bytes()))
    assert [(n, e["id"]) for n, e in iter_entities(gz)] == plain
    assert [(n, e["id"]) for n, e in iter_entities(bz)] == plain
    jsonl = tmp_path / "slice.jsonl"  # no framing, Windows line ends, a byte-order mark
    jsonl.write_text("\ufeff" + "\r\n".join(entity_lines()) + "\r\n", encoding="utf-8")
    expected = extract(FIXTURE)[:2]
    for path in (gz, jsonl):
        assert extract(path)[:2] == expected


def test_since_leaves_out_offices_ended_before(built):
    roles, _, report = extract(FIXTURE, since=D(2019, 1, 1))
    assert not any(r["end"] and r["end"] < "2019-01-01" for r in roles)
    assert {r["role"] for r in rows(roles, "Q990000001")} == {
        "head_of_state_and_government", "foreign_minister", "other"}
    assert rows(roles, "Q990000006") == [] and report.counts["positions_ended_before_since"] == 2


def test_bad_files_name_the_file_and_reason(tmp_path):
    csv_file = tmp_path / "holders.csv"
    csv_file.write_text("person_id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(UnsupportedFormat, match="holders.csv: not a Wikidata JSON dump"):
        extract(csv_file)
    cut = tmp_path / "latest-all.json.gz"
    packed = gzip.compress(FIXTURE.read_bytes())
    cut.write_bytes(packed[:len(packed) // 2])
    with pytest.raises(CorruptArchive, match="latest-all.json.gz: compressed stream is truncated"):
        extract(cut)
    entities = iter_entities(cut)  # streamed: the first entities come before the cut is met
    assert next(entities)[1]["id"] == "Q990000001"
    with pytest.raises(CorruptArchive):
        list(entities)
    binary = tmp_path / "photo.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    with pytest.raises(UnsupportedFormat, match="photo.json: not a Wikidata JSON dump"):
        extract(binary)
    packed_csv = tmp_path / "holders.json.gz"
    packed_csv.write_bytes(gzip.compress(b"person_id,name\n"))
    with pytest.raises(UnsupportedFormat, match="not a Wikidata JSON dump"):
        extract(packed_csv)
    empty = tmp_path / "empty.json"
    empty.write_text("[\n]\n", encoding="utf-8")
    with pytest.raises(EmptyInput, match="no Wikidata entity"):
        extract(empty)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"type":"item","id":"Q1","claims":{"P39":[}\n', encoding="utf-8")
    with pytest.raises(EmptyInput, match="1 lines rejected; first: line 1: bad_json"):
        extract(broken)
    with pytest.raises(UnsupportedFormat, match="no such file"):
        extract(tmp_path / "missing.json.gz")


def test_class_mapping_is_validated(tmp_path):
    cl = load_classes()
    assert cl.languages[0] == "en" and cl.igos[1065] == "UNO"
    bad = json.loads((DATA_DIR / "wikidata_classes.json").read_text(encoding="utf-8"))
    bad["positions"][0]["role"] = "king"
    path = tmp_path / "classes.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(KBError) as err:
        load_classes(path)
    assert err.value.file == str(path) and err.value.field == "positions/0/role"


def _overlay_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_build_then_the_kb_knows_the_person(tmp_path, monkeypatch):
    gz = tmp_path / "latest-all.json.gz"
    gz.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    overlay = tmp_path / "kb"
    monkeypatch.setenv("DYADWATCH_KB_DIR", str(overlay))
    runner = CliRunner()
    res = runner.invoke(app, ["kb", "build", "--wikidata", str(gz)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout.splitlines()[-1])
    assert report["roles"]["added"] == 12
    assert report["organisations"]["added"] == report["counts"]["organisation_rows"] >= 8
    assert report["counts"]["rejected_bad_json"] == 1

    kb = load_kb(DATA_DIR, user_dir())  # what default_kb() loads with DYADWATCH_KB_DIR set
    (ana,) = [p for p in describe("Ana Testa", kb) if p["kind"] == "person"]
    assert [(r["role"], r["start"], r["end"]) for r in ana["roles"]] == [
        ("other", "2010-07-20", ""), ("foreign_minister", "2018-01-01", "2019-05-31"),
        ("head_of_state_and_government", "2022-08-07", "2026-08-07")]
    assert [r.name for r in kb.holders("foreign_minister", "COL", D(2018, 6, 1))] == ["Ana Testa"]
    assert "Anita Testa" in kb.person("ana-testa").aliases
    assert kb.orgs["test-party-of-colombia"].code == "COLPTY"

    from dyadwatch.actors.resolve import Resolver

    small = load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv", DATA_DIR / "titles.csv",
                    overlay)
    m = Resolver(small).resolve_phrase("Anita Testa", D(2023, 3, 1))
    assert (m.kind, m.kb_id, m.country, m.sector) == ("person", "ana-testa", "COL", "GOV")

    # a rebuild changes nothing; --replace drops earlier wikidata rows and keeps the user's own
    again = json.loads(runner.invoke(app, ["kb", "build", "--wikidata", str(gz)]).stdout)
    assert again["roles"]["added"] == 0 and again["roles"]["unchanged"] == 12
    roles_file = overlay / "roles_user.csv"
    with open(roles_file, "a", encoding="utf-8", newline="") as fh:
        fh.write("old-holder,Old Holder,,PER,other,,GOV,2000-01-01,,wikidata:Q1\n"
                 "my-own,My Own,,PER,other,,GOV,2000-01-01,,my notes\n")
    res = runner.invoke(app, ["kb", "build", "--wikidata", str(gz), "--replace"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["roles"]["replaced"] == 13
    ids = {r["person_id"] for r in _overlay_rows(roles_file)}
    assert "my-own" in ids and "old-holder" not in ids and "ana-testa" in ids
    assert not [p for p in overlay.iterdir() if p.name.startswith(".")]  # no scratch left


def test_cli_bad_input_exit_codes(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "notes.json"
    bad.write_text("hello\n", encoding="utf-8")
    res = runner.invoke(app, ["kb", "build", "--wikidata", str(bad), "--kb-dir", str(tmp_path)])
    assert res.exit_code == 3 and f"{bad}: not a Wikidata JSON dump" in res.output
    cut = tmp_path / "dump.json.gz"
    cut.write_bytes(gzip.compress(FIXTURE.read_bytes())[:2000])
    res = runner.invoke(app, ["kb", "build", "--wikidata", str(cut), "--kb-dir", str(tmp_path)])
    assert res.exit_code == 3 and "truncated or corrupt" in res.output
    assert not (tmp_path / "roles_user.csv").exists()
    res = runner.invoke(app, ["kb", "build", "--wikidata", str(FIXTURE), "--since", "2019"])
    assert res.exit_code == 2 and "--since" in res.output
