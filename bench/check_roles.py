"""Validate the curated table of office holders and print its coverage.

Usage::

    .venv/bin/python bench/check_roles.py [PATH] [--json]

PATH defaults to ``src/dyadwatch/actors/data/roles_curated.csv``. Exit code 0 when the file is
valid, 1 when any check fails (each problem is printed with its line number).

Checks: exact header; person_id slug; ISO 3166 alpha-3 country (pycountry) or one of the IGO codes;
known role and sector; dates parse as YYYY-MM-DD, start <= end, nothing after today; source is a
Wikipedia URL, a Wikidata id or the world-leaders snapshot; aliases are not the name itself nor a
bare surname; one id -> one name and one name -> one id; no two holders of the same office in the
same country at the same time unless one row is marked "(acting)" or "(co-" in its title.

Terms are half-open [start, end): a successor starting on the day the predecessor's term ends is
not an overlap, because sources give the handover day as both the end of one term and the start
of the next.

The tests in ``tests/test_roles_data.py`` import this module and run the same checks.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "src/dyadwatch/actors/data/roles_curated.csv"
HEADER = ["person_id", "name", "aliases", "country", "role", "title", "sector", "start", "end",
          "source"]
IGO_CODES = {"UNO", "NATO", "EU", "AU", "OAS", "ASEAN", "IAEA", "WHO", "IMF", "WB", "WTO", "OPEC",
             "ICC", "GCC", "ARL"}
# Kosovo has no ISO 3166 code; XKX is the user-assigned code the EU, IMF and World Bank use.
EXTRA_COUNTRIES = {"XKX"}
ROLES = ("head_of_state", "head_of_government", "head_of_state_and_government", "foreign_minister",
         "defence_minister", "interior_minister", "security_official", "finance_minister", "igo_head",
         "other")
SECTORS = {"GOV", "MIL", "JUD", "LEG", "COP"}
# The roles every covered country should have (coverage report, not an error).
CORE_ROLES = ("head_of_state", "head_of_government", "foreign_minister", "defence_minister",
              "interior_minister", "security_official")
# Offices with a single holder at a time; a combined head of state and government fills both slots.
SLOTS = {"head_of_state": ("HOS",), "head_of_government": ("HOG",),
         "head_of_state_and_government": ("HOS", "HOG"), "foreign_minister": ("FM",),
         "defence_minister": ("DM",), "interior_minister": ("IM",), "finance_minister": ("FIN",)}
SOURCE_RE = re.compile(r"^(https://en\.wikipedia\.org/wiki/\S+|wikidata:Q\d+|"
                       r"world-leaders-current \d{4}-\d{2}-\d{2})$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SHARED_MARKS = ("(acting)", "(co-")


@dataclass
class Report:
    """Problems found and coverage figures of one file."""

    errors: list[str] = field(default_factory=list)
    rows: int = 0
    persons: int = 0
    countries: list[str] = field(default_factory=list)
    per_role: dict[str, int] = field(default_factory=dict)
    missing_roles: dict[str, list[str]] = field(default_factory=dict)
    no_current: dict[str, list[str]] = field(default_factory=dict)
    open_ended: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    with_ministers: int = 0  # countries with a foreign, a defence and an interior minister

    def to_dict(self) -> dict:
        return {"ok": not self.errors, "errors": self.errors, "rows": self.rows,
                "persons": self.persons, "countries": len(self.countries),
                "per_role": self.per_role, "open_ended": self.open_ended, "sources": self.sources,
                "countries_with_fm_dm_im": self.with_ministers,
                "missing_roles": self.missing_roles, "no_current_holder": self.no_current}


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of the CSV; each row also gets ``_line`` (its line number in the file)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows = []
        for values in reader:
            row = dict(zip(header, values))
            row["_line"] = str(reader.line_num)
            row["_width"] = str(len(values))
            rows.append(row)
    return header, rows


def parse_date(text: str) -> dt.date | None:
    """A YYYY-MM-DD date, or None when the text is not one."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def is_country(code: str) -> bool:
    return code in IGO_CODES or code in EXTRA_COUNTRIES or (
        len(code) == 3 and pycountry.countries.get(alpha_3=code) is not None)


def check_dates(row: dict[str, str], today: dt.date) -> list[str]:
    """Problems with the start and end of one row."""
    start, end = parse_date(row["start"]), parse_date(row["end"]) if row["end"] else None
    problems = []
    if start is None:
        problems.append(f"start '{row['start']}' is not a YYYY-MM-DD date")
    if row["end"] and end is None:
        problems.append(f"end '{row['end']}' is not a YYYY-MM-DD date")
    if start and end and start > end:
        problems.append(f"start {start} is after end {end}")
    for label, value in (("start", start), ("end", end)):
        if value and value > today:
            problems.append(f"{label} {value} is in the future")
    return problems


def check_aliases(row: dict[str, str]) -> list[str]:
    """Aliases must be other spellings: not empty, not the name, not the bare surname."""
    if not row["aliases"]:
        return []
    problems, surname = [], row["name"].split()[-1]
    for alias in row["aliases"].split("|"):
        if not alias.strip() or alias != alias.strip():
            problems.append(f"empty or padded alias in '{row['aliases']}'")
        elif alias == row["name"]:
            problems.append(f"alias '{alias}' repeats the name")
        elif alias == surname:
            problems.append(f"alias '{alias}' is a bare surname (the resolver derives those)")
    return problems


def check_row(row: dict[str, str], today: dt.date) -> list[str]:
    """Every problem of one row taken alone."""
    if row["_width"] != str(len(HEADER)):
        return [f"has {row['_width']} fields, expected {len(HEADER)}"]
    problems = []
    if not SLUG_RE.match(row["person_id"]):
        problems.append(f"person_id '{row['person_id']}' is not a lower-case ascii slug")
    if not row["name"] or row["name"] != row["name"].strip():
        problems.append("name is empty or padded")
    if not is_country(row["country"]):
        problems.append(f"country '{row['country']}' is neither ISO 3166 alpha-3 nor a known IGO")
    if row["role"] not in ROLES:
        problems.append(f"role '{row['role']}' is not one of {', '.join(ROLES)}")
    if row["sector"] not in SECTORS:
        problems.append(f"sector '{row['sector']}' is not one of {sorted(SECTORS)}")
    if not row["title"].strip():
        problems.append("title is empty")
    if not SOURCE_RE.match(row["source"]):
        problems.append(f"source '{row['source']}' is not a Wikipedia URL, wikidata:Q… or snapshot")
    return problems + check_dates(row, today) + check_aliases(row)


def check_identity(rows: list[dict[str, str]]) -> list[str]:
    """One person_id means one name and one alias list, and one name means one person_id."""
    problems, names, ids, alias_of = [], {}, {}, {}
    for row in rows:
        pid, name, line = row["person_id"], row["name"], row["_line"]
        if names.setdefault(pid, name) != name:
            problems.append(f"line {line}: id '{pid}' is '{name}' here but '{names[pid]}' before")
        if ids.setdefault(name, pid) != pid:
            problems.append(f"line {line}: name '{name}' has id '{pid}' here but '{ids[name]}' before")
        if alias_of.setdefault(pid, row["aliases"]) != row["aliases"]:
            problems.append(f"line {line}: id '{pid}' has different aliases on different rows")
    return problems


def office_keys(row: dict[str, str]) -> list[tuple[str, ...]]:
    """The single-holder offices a row occupies; security, other and IGO posts are keyed by title."""
    slots = SLOTS.get(row["role"])
    if slots:
        return [(row["country"], slot) for slot in slots]
    return [(row["country"], row["role"], row["title"])]


def is_shared(row: dict[str, str]) -> bool:
    return any(mark in row["title"] for mark in SHARED_MARKS)


def check_overlaps(rows: list[dict[str, str]], today: dt.date) -> list[str]:
    """Two holders of one office whose half-open terms intersect, unless one is marked shared."""
    terms = defaultdict(list)
    for row in rows:
        start = parse_date(row["start"])
        end = parse_date(row["end"]) if row["end"] else today + dt.timedelta(days=1)
        if start is None or end is None or is_shared(row):
            continue
        for key in office_keys(row):
            terms[key].append((start, end, row))
    problems = []
    for key, spans in terms.items():
        spans.sort(key=lambda span: span[0])
        for (s1, e1, r1), (s2, e2, r2) in zip(spans, spans[1:]):
            if s2 < e1:
                problems.append(
                    f"lines {r1['_line']} and {r2['_line']}: {r1['name']} ({s1}..{r1['end'] or 'now'}) "
                    f"and {r2['name']} ({s2}..{r2['end'] or 'now'}) overlap in {'/'.join(key)}")
    return problems


def source_kind(source: str) -> str:
    if source.startswith("wikidata:"):
        return "wikidata"
    return "wikipedia" if source.startswith("https://") else "snapshot"


def coverage(rows: list[dict[str, str]], report: Report) -> None:
    """Fill the coverage figures: countries, persons, per-role counts, missing roles."""
    report.rows = len(rows)
    report.persons = len({row["person_id"] for row in rows})
    report.countries = sorted({row["country"] for row in rows})
    report.per_role = dict(Counter(row["role"] for row in rows).most_common())
    report.open_ended = sum(1 for row in rows if not row["end"])
    report.sources = dict(Counter(source_kind(row["source"]) for row in rows).most_common())
    have, current = defaultdict(set), defaultdict(set)
    for row in rows:
        roles = {row["role"]}
        if row["role"] == "head_of_state_and_government":
            roles = {"head_of_state", "head_of_government"}
        have[row["country"]] |= roles
        if not row["end"]:
            current[row["country"]] |= roles
    for country in report.countries:
        if country in IGO_CODES:
            continue
        missing = [role for role in CORE_ROLES if role not in have[country]]
        stale = [role for role in CORE_ROLES if role in have[country] and role not in current[country]]
        if missing:
            report.missing_roles[country] = missing
        if {"foreign_minister", "defence_minister", "interior_minister"} <= have[country]:
            report.with_ministers += 1
        if stale:
            report.no_current[country] = stale


def validate(path: Path = DEFAULT_PATH, today: dt.date | None = None) -> Report:
    """Run every check on the file at ``path`` and compute its coverage."""
    today = today or dt.date.today()
    report = Report()
    header, rows = read_rows(path)
    if header != HEADER:
        report.errors.append(f"line 1: header is {header}, expected {HEADER}")
        return report
    for row in rows:
        report.errors += [f"line {row['_line']}: {p}" for p in check_row(row, today)]
    good = [row for row in rows if row["_width"] == str(len(HEADER))]
    report.errors += check_identity(good) + check_overlaps(good, today)
    coverage(good, report)
    return report


def print_report(report: Report) -> None:
    print(f"rows {report.rows}  persons {report.persons}  countries/organisations "
          f"{len(report.countries)} (of which IGOs {len(set(report.countries) & IGO_CODES)})")
    print("per role: " + ", ".join(f"{role} {n}" for role, n in report.per_role.items()))
    print(f"open-ended rows (in office at last knowledge): {report.open_ended}")
    print("sources: " + ", ".join(f"{kind} {n}" for kind, n in report.sources.items()))
    print(f"countries with a foreign, a defence and an interior minister: {report.with_ministers}")
    print(f"countries missing a core role: {len(report.missing_roles)}")
    for country, roles in sorted(report.missing_roles.items()):
        print(f"  {country}: {', '.join(roles)}")
    print(f"countries with a core role but no current holder: {len(report.no_current)}")
    for country, roles in sorted(report.no_current.items()):
        print(f"  {country}: {', '.join(roles)}")
    print(f"errors: {len(report.errors)}")
    for error in report.errors:
        print(f"  {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    report = validate(args.path)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print_report(report)
    return 0 if not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
