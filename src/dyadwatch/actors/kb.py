"""The actor knowledge base: countries, places, organisations, agent words, titles and people with
the offices they held over time, loaded from the data files shipped in ``actors/data`` (and any
overlay directory a user imported into), validated row by row against ``data/schema/*.json``.

Files and their precedence (later wins):
  countries.csv, places.csv, titles.csv, codes.json, case_sensitive.txt, regions.txt
  agents.csv (generated from Phoenix) < agents_curated.csv
  organisations.csv (generated) < organisations_curated.csv < organisations_user.csv
  roles_historical.csv (generated) < roles_curated.csv < roles_user.csv
A person present in a higher-precedence roles file keeps only those rows; a dated row of a
lower file that overlaps a higher file's holder of the same single-holder office (same country,
same role) is cut at the new holder's start or dropped, so curated data wins on conflict.

Codes are CAMEO-style: country ISO3 + sector (``COLGOV``, ``USAMIL``); an IGO carries its
Phoenix code (``IGOUNO``, ``IGOWSTNAT``) and its short code as ``country`` (``UNO``, ``NATO``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dyadwatch.errors import KBError

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_DIR = DATA_DIR / "schema"
USER_DIR_ENV = "DYADWATCH_KB_DIR"  # overlay directory written by `dyadwatch kb import`
# Offices one person holds at a time in one country: a newer source's holder displaces an older
# source's overlapping holder. "other" and security_official are many-holder offices.
SINGLE_HOLDER = {"head_of_state", "head_of_government", "head_of_state_and_government",
                 "foreign_minister", "defence_minister", "interior_minister", "finance_minister",
                 "igo_head"}
# Seniority of offices: a person's first role on a date is the one a mention names by default.
ROLE_RANK = {"head_of_state_and_government": 0, "head_of_state": 1, "head_of_government": 2,
             "igo_head": 3, "foreign_minister": 4, "defence_minister": 5, "interior_minister": 6,
             "finance_minister": 7, "security_official": 8, "other": 9}
# Name order: for these countries the family name comes first ("Xi Jinping" -> "Xi").
FAMILY_FIRST = {"CHN", "TWN", "KOR", "PRK", "HKG", "MAC"}
NAME_PARTICLES = {"da", "de", "del", "der", "di", "dos", "du", "la", "le", "van", "von", "bin", "al",
                  "el", "ibn"}


# ---------------------------------------------------------------- records
@dataclass(slots=True, frozen=True)
class Country:
    iso3: str
    name: str
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    capital: str = ""


@dataclass(slots=True, frozen=True)
class Place:
    id: str
    name: str
    country: str
    kind: str  # capital | seat | city | region
    lat: float | None  # None for a region (state, province) of no one point
    lon: float | None
    aliases: tuple[str, ...] = ()
    sector: str = ""  # the institution the place stands for ("Washington said" -> GOV)


@dataclass(slots=True, frozen=True)
class Organisation:
    id: str
    name: str
    country: str  # ISO3 or IGO code
    sector: str
    code: str
    kind: str
    aliases: tuple[str, ...] = ()
    source: str = ""


@dataclass(slots=True, frozen=True)
class Agent:
    term: str
    sector: str
    secondary: str = ""
    plural: str = ""
    source: str = ""

    def forms(self) -> list[str]:
        if self.plural == "-":
            return [self.term]
        return [self.term, self.plural or plural_of(self.term)]


@dataclass(slots=True, frozen=True)
class Title:
    phrase: str
    country: str  # empty: any country
    roles: tuple[str, ...]
    sector: str


@dataclass(slots=True, frozen=True)
class RoleRecord:
    person_id: str
    name: str
    country: str
    role: str
    title: str
    sector: str
    start: dt.date | None
    end: dt.date | None
    source: str
    file: str = ""
    line: int = 0

    checked: dt.date | None = None  # an open end is trusted up to the source's last check

    def active(self, date: dt.date) -> bool:
        if self.start is not None and date < self.start:
            return False
        if self.end is not None:
            return date <= self.end
        return self.checked is None or date <= self.checked

    def overlaps(self, other: "RoleRecord") -> bool:
        lo = max(self.start or dt.date.min, other.start or dt.date.min)
        hi = min(self.end or dt.date.max, other.end or dt.date.max)
        return lo <= hi

    def to_dict(self) -> dict:
        return {"person_id": self.person_id, "name": self.name, "country": self.country,
                "role": self.role, "title": self.title, "sector": self.sector,
                "start": self.start.isoformat() if self.start else "",
                "end": self.end.isoformat() if self.end else "", "source": self.source}


@dataclass(slots=True)
class Person:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    roles: list[RoleRecord] = field(default_factory=list)

    @property
    def countries(self) -> list[str]:
        return list(dict.fromkeys(r.country for r in self.roles))


# ---------------------------------------------------------------- helpers
def plural_of(word: str) -> str:
    """Regular English plural of the last word of a term (PETRARCH made these automatically)."""
    head, _, last = word.rpartition(" ")
    for sing, plur in (("man", "men"), ("woman", "women"), ("person", "people")):
        if last.endswith(sing):
            return f"{head} {last[:-len(sing)]}{plur}".strip()
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}".strip()


_FOLD_EXTRA = {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i", "’": "'",
               "‘": "'", "ʼ": "'", "–": "-", "—": "-", "ß": "ß", "æ": "æ", "œ": "œ"}


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _FOLD_EXTRA:
        return _FOLD_EXTRA[ch].lower()
    low = ch.lower()
    if len(low) != 1:
        return ch
    if ord(low) < 128:
        return low
    base = unicodedata.normalize("NFD", low)[0]
    return base if len(base) == 1 else low


def fold(text: str) -> str:
    """Lower case without accents, one character for one character, so offsets in the folded text
    are offsets in the original ("Bogotá" -> "bogota", "Colombia’s" -> "colombia's")."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(c) for c in text)


def surname_keys(name: str, country: str = "") -> list[str]:
    """Keys a bare surname mention can take: the last name token (with its particles, "von der
    Leyen"), or the first for family-name-first countries ("Xi")."""
    toks = name.replace(",", " ").split()
    if len(toks) < 2:
        return []
    if country in FAMILY_FIRST:
        return [toks[0]]
    keys = [toks[-1]]
    i = len(toks) - 2
    while i > 0 and toks[i].lower() in NAME_PARTICLES:
        keys.append(" ".join(toks[i:]))
        i -= 1
    return keys


def parse_date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def split_pipe(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split("|") if p.strip())


# ---------------------------------------------------------------- validation
class RowSchema:
    """A row validator compiled from one ``data/schema/*.schema.json`` (the subset of JSON Schema
    the files use: required, type string, pattern, enum, minLength, format date). Compiled once,
    it checks the ~30,000 shipped rows in well under a second, where a generic validator took
    several; ``tests/test_kb.py`` checks the schemas are valid JSON Schema."""

    def __init__(self, schema: dict):
        self.title = schema.get("title", "")
        self.required = list(schema.get("required", []))
        self.fields = list(schema.get("properties", {}))
        self.checks = {k: self._compile(v) for k, v in schema.get("properties", {}).items()}

    @staticmethod
    def _compile(spec: dict):
        pattern = re.compile(spec["pattern"]) if "pattern" in spec else None
        enum = set(spec["enum"]) if "enum" in spec else None
        min_len = spec.get("minLength", 0)
        is_date = spec.get("format") == "date"

        def check(value: str) -> str:
            if len(value) < min_len:
                return f"must have at least {min_len} characters"
            if enum is not None and value not in enum:
                return f"'{value}' is not one of {sorted(enum)}"
            if pattern is not None and not pattern.search(value):
                return f"'{value}' does not match {pattern.pattern}"
            if is_date and value:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    return f"'{value}' is not a date (YYYY-MM-DD)"
            return ""
        return check

    def validate(self, row: dict, file: str, line: int) -> None:
        for name in self.required:
            if row.get(name) is None:
                raise KBError("missing column", file=file, line=line, field=name)
        for name, check in self.checks.items():
            value = row.get(name)
            if value is None:
                continue
            problem = check(value)
            if problem:
                raise KBError(problem, file=file, line=line, field=name)


@functools.lru_cache(maxsize=16)
def row_schema(kind: str) -> RowSchema:
    path = SCHEMA_DIR / f"{kind}.schema.json"
    return RowSchema(json.loads(path.read_text(encoding="utf-8")))


def read_rows(path: Path, kind: str) -> Iterator[tuple[int, dict]]:
    """Rows of a CSV file validated against the ``kind`` schema; raises KBError(file, line, field)."""
    schema = row_schema(kind)
    try:
        fh = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise KBError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    with fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [f for f in schema.required if f not in header]
        if missing:
            raise KBError(f"header lacks column(s) {missing}; expected {schema.fields}",
                          file=str(path), line=1, field=missing[0])
        try:
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise KBError("too many cells in the row", file=str(path), line=line,
                                  field=header[-1])
                clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
                schema.validate(clean, str(path), line)
                yield line, clean
        except csv.Error as exc:
            raise KBError(f"not valid CSV ({exc})", file=str(path), line=reader.line_num) from exc
        except UnicodeDecodeError as exc:
            raise KBError("not UTF-8 text", file=str(path)) from exc


# ---------------------------------------------------------------- the KB
class KB:
    """The loaded knowledge base. Build it with :func:`load_kb` or :func:`default_kb`."""

    def __init__(self) -> None:
        self.sectors: dict[str, str] = {}
        self.igos: dict[str, dict] = {}
        self.role_names: set[str] = set()
        self.checked: dict[str, dt.date] = {}
        self.countries: dict[str, Country] = {}
        self.places: dict[str, Place] = {}
        self.orgs: dict[str, Organisation] = {}
        self.agents: dict[str, Agent] = {}
        self.titles: list[Title] = []
        self.persons: dict[str, Person] = {}
        self.case_sensitive: set[str] = set()
        self.conventions: dict = {}  # codes.json "conventions": sector rules (README "Sectors")
        self.regions: list[str] = []
        self.files: list[str] = []
        self._by_office: dict[tuple[str, str], list[RoleRecord]] = defaultdict(list)

    # ---- queries
    def country(self, iso3: str) -> Country | None:
        return self.countries.get((iso3 or "").upper())

    def is_igo(self, code: str) -> bool:
        return code in self.igos and code not in self.countries

    def known_code(self, code: str) -> bool:
        return code in self.countries or code in self.igos

    def country_name(self, code: str) -> str:
        if code in self.countries:
            return self.countries[code].name
        return self.igos.get(code, {}).get("name", code)

    def code_for(self, country: str, sector: str = "") -> str:
        """CAMEO-style code: ``COL`` + ``GOV``; an IGO's Phoenix code (``IGOUNO``) + sector
        other than GOV."""
        if not country:
            return ""
        if self.is_igo(country):
            base = self.igos[country].get("code") or f"IGO{country}"
            return base + (sector if sector and sector != "GOV" else "")
        return country + (sector or "")

    def holders(self, role: str, country: str, date: dt.date) -> list[RoleRecord]:
        """Who held ``role`` in ``country`` on ``date`` (newest start first)."""
        rows = [r for r in self._by_office.get((country, role), ()) if r.active(date)]
        return sorted(rows, key=lambda r: r.start or dt.date.min, reverse=True)

    def holders_any(self, roles: Iterable[str], country: str, date: dt.date) -> list[RoleRecord]:
        out: list[RoleRecord] = []
        for role in roles:
            out.extend(self.holders(role, country, date))
        return out

    def roles_of(self, person_id: str, date: dt.date) -> list[RoleRecord]:
        """Which roles the person held on ``date`` (principal offices first)."""
        person = self.persons.get(person_id.removeprefix("person:"))
        if person is None:
            return []
        rows = [r for r in person.roles if r.active(date)]
        return sorted(rows, key=lambda r: (ROLE_RANK.get(r.role, 99),
                                           -(r.start or dt.date.min).toordinal()))

    def person(self, person_id: str) -> Person | None:
        return self.persons.get(person_id.removeprefix("person:"))

    def find(self, name: str) -> list[object]:
        """Entities whose name or alias is ``name`` (case and accents ignored)."""
        key = fold(name.strip())
        out: list[object] = []
        for c in self.countries.values():
            if key in {fold(n) for n in (c.iso3, c.name, *c.aliases, *c.demonyms)}:
                out.append(c)
        for p in self.places.values():
            if key in {fold(n) for n in (p.name, *p.aliases)}:
                out.append(p)
        for o in self.orgs.values():
            if key in {fold(n) for n in (o.id, o.name, *o.aliases)}:
                out.append(o)
        for p in self.persons.values():
            if key in {fold(n) for n in (p.id, p.name, *p.aliases)}:
                out.append(p)
        if not out and " " not in key:  # a bare surname: everyone who bears it
            for p in self.persons.values():
                country = p.roles[0].country if p.roles else ""
                if key in {fold(s) for s in surname_keys(p.name, country)}:
                    out.append(p)
        return out

    def casing_names(self) -> list[str]:
        """Proper names in their correct casing, for the text repair stage: countries, aliases,
        demonyms, capitals, seats ("White House"), organisations, people, regions."""
        names: set[str] = set(self.regions)
        for c in self.countries.values():
            names.update((c.name, *c.aliases, *c.demonyms))
        for p in self.places.values():
            names.update((p.name, *p.aliases))
        for o in self.orgs.values():
            if o.source == "dyadwatch" or o.kind in ("igo", "group", "national"):
                names.update((o.name, *o.aliases))
        for p in self.persons.values():
            names.add(p.name)
        return sorted(n.removeprefix("the ") for n in names
                      if n and any(ch.isupper() for ch in n))

    # ---- building
    def add_roles(self, records: list[RoleRecord]) -> None:
        """Merge a file's role rows over what is loaded (the new rows win on conflict)."""
        new_ids = {r.person_id for r in records}
        for pid in new_ids & set(self.persons):
            self.persons[pid].roles.clear()  # a higher-precedence file owns this person
        offices: dict[tuple[str, str], list[RoleRecord]] = defaultdict(list)
        for r in records:
            if r.role in SINGLE_HOLDER:
                offices[(r.country, r.role)].append(r)
        touched = {r.person_id for key in offices for r in self._by_office.get(key, ())}
        for pid in touched - new_ids:
            person = self.persons[pid]
            person.roles[:] = [t for old in person.roles for t in _trim(old, offices)]
        for r in records:
            person = self.persons.get(r.person_id)
            if person is None:
                person = self.persons[r.person_id] = Person(r.person_id, r.name)
            if r not in person.roles:
                person.roles.append(r)
        self._reindex()

    def _reindex(self) -> None:
        self._by_office = defaultdict(list)
        for person in self.persons.values():
            for r in person.roles:
                self._by_office[(r.country, r.role)].append(r)
        for pid in [p for p, v in self.persons.items() if not v.roles]:
            del self.persons[pid]


def _trim(old: RoleRecord, offices: dict[tuple[str, str], list[RoleRecord]]) -> list[RoleRecord]:
    """An older row cut back where a newer file says someone else held the office."""
    for new in offices.get((old.country, old.role), ()):
        if new.person_id == old.person_id or not old.overlaps(new):
            continue
        if new.start and (old.start is None or old.start < new.start):
            old = _replace_end(old, new.start - dt.timedelta(days=1))
        else:
            return []
    return [old]


def _replace_end(r: RoleRecord, end: dt.date) -> RoleRecord:
    return RoleRecord(r.person_id, r.name, r.country, r.role, r.title, r.sector, r.start, end,
                      r.source, r.file, r.line, r.checked)


# ---------------------------------------------------------------- loading
FILE_ORDER = ("codes.json", "countries", "places", "titles", "agents", "organisations", "roles",
              "case_sensitive.txt", "regions.txt")


def _rank(path: Path) -> tuple[int, int, str]:
    name = path.name
    kind = next((i for i, k in enumerate(FILE_ORDER) if name.startswith(k.split(".")[0])), 99)
    stage = 0 if "historical" in name else 2 if "user" in name else 1
    if kind in (4, 5) and name in ("agents.csv", "organisations.csv"):
        stage = 0
    return kind, stage, name


def _data_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(x for x in p.iterdir() if x.is_file() and x.suffix in
                                (".csv", ".json", ".txt") and not x.name.startswith(".")))
        elif p.exists():
            files.append(p)
        else:
            raise KBError("no such file or directory", file=str(p))
    known = [f for f in files if _rank(f)[0] < 99]
    return sorted(known, key=_rank)


def load_kb(*paths: Path | str) -> KB:
    """Load KB data files (directories or single files; shipped data when none given), later
    files overriding earlier ones as described in the module docstring. Raises
    ``KBError(message, file=, line=, field=)`` on a malformed file."""
    files = _data_files([Path(p) for p in paths] or [DATA_DIR])
    kb = KB()
    if not any(f.name == "codes.json" for f in files):
        files.insert(0, DATA_DIR / "codes.json")
    loaders = {0: _load_codes, 1: _load_countries, 2: _load_places, 3: _load_titles,
               4: _load_agents, 5: _load_orgs, 6: _load_roles, 7: _load_case, 8: _load_regions}
    for f in files:
        loaders[_rank(f)[0]](kb, f)
        kb.files.append(str(f))
    _link_capitals(kb)
    _igo_orgs(kb)
    _primary_sectors(kb)
    log.info("KB loaded: %d countries, %d places, %d organisations, %d agents, %d persons",
             len(kb.countries), len(kb.places), len(kb.orgs), len(kb.agents), len(kb.persons))
    return kb


def _load_codes(kb: KB, path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise KBError(f"not valid JSON ({exc.msg})", file=str(path), line=exc.lineno) from exc
    for key in ("sectors", "igos", "roles"):
        if key not in data:
            raise KBError("missing key", file=str(path), field=key)
    kb.sectors.update(data["sectors"])
    kb.igos.update(data["igos"])
    kb.role_names.update(data["roles"])
    conventions = data.get("conventions", {})
    if not isinstance(conventions, dict):
        raise KBError("must be an object", file=str(path), field="conventions")
    kb.conventions.update(conventions)
    for prefix, day in data.get("checked", {}).items():
        if not prefix.startswith("_"):
            kb.checked[prefix] = dt.date.fromisoformat(day)


def _check_code(kb: KB, code: str, path: Path, line: int, name: str) -> None:
    if code and not kb.known_code(code):
        raise KBError(f"unknown country or IGO code '{code}'", file=str(path), line=line,
                      field=name)


def _check_sector(kb: KB, sector: str, path: Path, line: int, name: str = "sector") -> None:
    if sector and sector not in kb.sectors:
        raise KBError(f"unknown sector '{sector}' (see codes.json)", file=str(path), line=line,
                      field=name)


def _load_countries(kb: KB, path: Path) -> None:
    for line, r in read_rows(path, "countries"):
        kb.countries[r["iso3"]] = Country(r["iso3"], r["name"], split_pipe(r["aliases"]),
                                          split_pipe(r["demonyms"]))


def _load_places(kb: KB, path: Path) -> None:
    for line, r in read_rows(path, "places"):
        _check_code(kb, r["country"], path, line, "country")
        _check_sector(kb, r["sector"], path, line)
        pid = f"{fold(r['name']).replace(' ', '-')}-{r['country'].lower()}"
        if bool(r["lat"]) != bool(r["lon"]) or (not r["lat"] and r["kind"] != "region"):
            raise KBError("lat and lon are both needed (only a region may leave both empty)",
                          file=str(path), line=line, field="lat")
        kb.places[pid] = Place(pid, r["name"], r["country"], r["kind"],
                               float(r["lat"]) if r["lat"] else None,
                               float(r["lon"]) if r["lon"] else None,
                               split_pipe(r["aliases"]), r["sector"])


def _load_titles(kb: KB, path: Path) -> None:
    for line, r in read_rows(path, "titles"):
        roles = split_pipe(r["roles"])
        bad = [x for x in roles if x not in kb.role_names]
        if bad:
            raise KBError(f"unknown role '{bad[0]}'", file=str(path), line=line, field="roles")
        _check_code(kb, r["country"], path, line, "country")
        kb.titles.append(Title(r["phrase"], r["country"], roles, r["sector"]))


def _load_agents(kb: KB, path: Path) -> None:
    for line, r in read_rows(path, "agents"):
        _check_sector(kb, r["sector"], path, line)
        kb.agents[r["term"]] = Agent(r["term"], r["sector"], r["secondary"], r["plural"],
                                     r["source"])


def _load_orgs(kb: KB, path: Path) -> None:
    for line, r in read_rows(path, "organisations"):
        _check_code(kb, r["country"], path, line, "country")
        _check_sector(kb, r["sector"], path, line)
        kb.orgs[r["org_id"]] = Organisation(r["org_id"], r["name"], r["country"], r["sector"],
                                            r["code"], r["kind"], split_pipe(r["aliases"]),
                                            r["source"])


def _load_roles(kb: KB, path: Path) -> None:
    records: list[RoleRecord] = []
    aliases: dict[str, list[str]] = defaultdict(list)
    for line, r in read_rows(path, "roles"):
        _check_code(kb, r["country"], path, line, "country")
        _check_sector(kb, r["sector"], path, line)
        start, end = parse_date(r["start"]), parse_date(r["end"])
        if start and end and end < start:
            raise KBError(f"end {end} is before start {start}", file=str(path), line=line,
                          field="end")
        checked = next((d for p, d in kb.checked.items() if r["source"].startswith(p)), None)
        records.append(RoleRecord(r["person_id"], r["name"], r["country"], r["role"], r["title"],
                                  r["sector"], start, end, r["source"], str(path), line,
                                  checked if end is None else None))
        aliases[r["person_id"]].extend(split_pipe(r["aliases"]))
    kb.add_roles(records)
    first_names: dict[str, str] = {}
    for r in records:
        first_names.setdefault(r.person_id, r.name)
    for pid, names in aliases.items():
        person = kb.persons.get(pid)
        if person is not None:
            first = first_names[pid]
            person.name = first
            person.aliases = tuple(dict.fromkeys(a for a in names if a != first))


def _load_case(kb: KB, path: Path) -> None:
    kb.case_sensitive.update(_lines(path))


def _load_regions(kb: KB, path: Path) -> None:
    kb.regions.extend(_lines(path))


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


GENERIC_CODES = {"IGO", "NGO", "MNC", "IMG", "INT"}


def _igo_orgs(kb: KB) -> None:
    """Every IGO of codes.json is also an organisation (name, short code and aliases), unless a
    data file already has one with its id."""
    for code, info in kb.igos.items():
        oid = f"igo-{code.lower()}"
        if code in GENERIC_CODES or oid in kb.orgs:
            continue
        aliases = tuple(dict.fromkeys([code, *info.get("aliases", [])]))
        kb.orgs[oid] = Organisation(oid, info["name"], code, "GOV", info.get("code", "IGO"), "igo",
                                    aliases, "codes.json")


def _primary_sectors(kb: KB) -> None:
    """Phoenix puts a religion (MUS, CHR ...) or an old code (PPL, INS) where CAMEO has the
    role. The role becomes the sector and the religion the secondary code: clergy and religious
    institutions are REL ("archbishop", "islamic cleric"); a believer with a role word takes that
    word's sector ("muslim doctor" -> HLH, "moslem militant" -> UAF); a believer alone is a
    civilian ("christians"). Old codes map by ``sector_alias`` (PPL -> CVL, INS -> REB)."""
    conv = kb.conventions
    religions = set(conv.get("religions", ()))
    clergy = set(conv.get("clergy_words", ()))
    alias = conv.get("sector_alias", {})
    believer = conv.get("believer_sector", "CVL")

    def head_sector(term: str) -> str:
        head = term.split()[-1]
        other = kb.agents.get(head)
        if other is None or other.term == term or other.sector in religions:
            return ""
        return alias.get(other.sector, other.sector)

    for term, a in list(kb.agents.items()):
        if a.sector in religions:
            head = term.split()[-1]
            sector = "REL" if term in clergy or head in clergy else head_sector(term) or believer
            kb.agents[term] = Agent(a.term, sector, a.secondary or a.sector, a.plural, a.source)
        elif a.sector in alias:
            kb.agents[term] = Agent(a.term, alias[a.sector], a.secondary, a.plural, a.source)
    for oid, o in list(kb.orgs.items()):
        if o.sector in religions or o.sector in alias:
            sector = "REL" if o.sector in religions else alias[o.sector]
            kb.orgs[oid] = dataclasses.replace(o, sector=sector)


def _link_capitals(kb: KB) -> None:
    for p in kb.places.values():
        c = kb.countries.get(p.country)
        if p.kind == "capital" and c is not None and not c.capital:
            kb.countries[p.country] = Country(c.iso3, c.name, c.aliases, c.demonyms, p.name)


def user_dir() -> Path | None:
    """The overlay directory of imported entities (``$DYADWATCH_KB_DIR``), if set and present."""
    env = os.environ.get(USER_DIR_ENV)
    return Path(env) if env and Path(env).is_dir() else None


@functools.lru_cache(maxsize=1)
def default_kb() -> KB:
    """The shipped KB plus the user's overlay directory; loaded once per process."""
    extra = user_dir()
    return load_kb(DATA_DIR, *([extra] if extra else []))
