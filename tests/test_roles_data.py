"""The curated table of office holders (src/dyadwatch/actors/data/roles_curated.csv) is valid.

Runs the checks of bench/check_roles.py on the shipped file, and on small hand-made files to show
that each check can fail (an overlapping term, a bad country code, an id with two names ...).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_roles", ROOT / "bench" / "check_roles.py")
check_roles = importlib.util.module_from_spec(_spec)
sys.modules["check_roles"] = check_roles  # dataclasses look their module up while it loads
_spec.loader.exec_module(check_roles)

TODAY = dt.date(2026, 11, 29)
HEADER = check_roles.HEADER


def write(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "roles.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(pid="jane-doe", name="Jane Doe", aliases="", country="COL", role="foreign_minister",
        title="Foreign Minister of Colombia", sector="GOV", start="2020-01-01", end="2021-01-01",
        source="https://en.wikipedia.org/wiki/Jane_Doe") -> list[str]:
    return [pid, name, aliases, country, role, title, sector, start, end, source]


@pytest.fixture(scope="module")
def shipped() -> check_roles.Report:
    return check_roles.validate(check_roles.DEFAULT_PATH)


def test_shipped_file_has_no_errors(shipped):
    assert shipped.errors == []


def test_shipped_file_covers_required_countries(shipped):
    g20 = {"ARG", "AUS", "BRA", "CAN", "CHN", "FRA", "DEU", "IND", "IDN", "ITA", "JPN", "MEX", "RUS",
           "SAU", "ZAF", "KOR", "TUR", "GBR", "USA", "EU"}
    conflict = {"AFG", "PAK", "MMR", "SDN", "SSD", "ETH", "SOM", "COD", "MLI", "BFA", "NER", "NGA",
                "TCD", "CAF", "MOZ", "LBY", "YEM", "HTI", "VEN", "UKR", "PRK", "TWN", "PHL"}
    mena = {"ISR", "PSE", "LBN", "SYR", "JOR", "IRQ", "IRN", "ARE", "QAT", "KWT", "BHR", "OMN", "EGY",
            "TUN", "DZA", "MAR"}
    countries = set(shipped.countries)
    assert g20 | conflict | mena <= countries
    assert len(countries - check_roles.IGO_CODES) >= 90


def test_shipped_file_answers_who_held_an_office(shipped):
    """Spot questions the resolver must answer: one holder per office and date."""
    _, rows = check_roles.read_rows(check_roles.DEFAULT_PATH)

    def holders(country: str, role: str, day: str) -> set[str]:
        return {r["name"] for r in rows if r["country"] == country and r["role"] == role
                and r["start"] <= day and (not r["end"] or day < r["end"])
                and "(acting)" not in r["title"]}

    assert holders("USA", "foreign_minister", "2019-06-01") == {"Mike Pompeo"}
    assert holders("USA", "foreign_minister", "2026-01-07") == {"Marco Rubio"}
    assert holders("COL", "head_of_state_and_government", "2026-01-07") == {"Gustavo Petro"}
    assert holders("GBR", "head_of_government", "2026-08-01") == {"Andy Burnham"}


def test_overlapping_terms_are_reported(tmp_path):
    path = write(tmp_path, [row(), row(pid="john-roe", name="John Roe", start="2020-06-01",
                                       end="2022-01-01",
                                       source="https://en.wikipedia.org/wiki/John_Roe")])
    report = check_roles.validate(path, today=TODAY)
    assert any("overlap" in error for error in report.errors)


def test_handover_day_and_acting_holders_are_not_overlaps(tmp_path):
    path = write(tmp_path, [
        row(),
        row(pid="john-roe", name="John Roe", start="2021-01-01", end="",
            source="https://en.wikipedia.org/wiki/John_Roe"),
        row(pid="ann-poe", name="Ann Poe", title="Foreign Minister of Colombia (acting)",
            start="2020-03-01", end="2020-04-01", source="https://en.wikipedia.org/wiki/Ann_Poe"),
    ])
    assert check_roles.validate(path, today=TODAY).errors == []


def test_combined_head_of_state_and_government_blocks_both_slots(tmp_path):
    path = write(tmp_path, [
        row(role="head_of_state_and_government", title="President of Colombia"),
        row(pid="john-roe", name="John Roe", role="head_of_government", title="Prime Minister",
            start="2020-05-01", end="", source="https://en.wikipedia.org/wiki/John_Roe"),
    ])
    assert any("HOG" in error for error in check_roles.validate(path, today=TODAY).errors)


def test_security_posts_with_different_titles_may_coexist(tmp_path):
    path = write(tmp_path, [
        row(role="security_official", title="National Security Advisor"),
        row(pid="john-roe", name="John Roe", role="security_official", title="Director of CIA",
            source="https://en.wikipedia.org/wiki/John_Roe"),
    ])
    assert check_roles.validate(path, today=TODAY).errors == []


@pytest.mark.parametrize("field, value, message", [
    ("country", "XYZ", "neither ISO 3166"),
    ("start", "2020-13-01", "not a YYYY-MM-DD date"),
    ("end", "2019-01-01", "is after end"),
    ("end", "2030-01-01", "in the future"),
    ("role", "king", "role 'king'"),
    ("sector", "SPY", "sector 'SPY'"),
    ("source", "my memory", "source"),
    ("aliases", "Doe", "bare surname"),
    ("person_id", "Jane Doe", "slug"),
])
def test_each_field_check_can_fail(tmp_path, field, value, message):
    values = dict(zip(HEADER, row()))
    values[field] = value
    path = write(tmp_path, [[values[name] for name in HEADER]])
    errors = check_roles.validate(path, today=TODAY).errors
    assert any(message in error for error in errors), errors


def test_one_id_must_mean_one_name(tmp_path):
    path = write(tmp_path, [row(), row(name="Jane Roe", start="2022-01-01", end="")])
    errors = check_roles.validate(path, today=TODAY).errors
    assert any("id 'jane-doe'" in error for error in errors)


def test_wrong_header_is_reported(tmp_path):
    path = write(tmp_path, [row()], header=HEADER[:-1] + ["url"])
    assert check_roles.validate(path, today=TODAY).errors[0].startswith("line 1: header")


def test_igo_codes_are_countries_for_the_check():
    assert check_roles.is_country("NATO") and check_roles.is_country("COL")
    assert not check_roles.is_country("ZZZ")
