"""Office holders and organisations from a Wikidata JSON dump, for the KB overlay
(``dyadwatch kb build --wikidata FILE``).

Input: Wikidata's JSON dump (``latest-all.json.gz`` or ``.bz2``) or a filtered slice of it, as
the dump frames it (a JSON array, one entity per line: ``[`` first, lines ending in ``,``, ``]``
last) or as JSON lines (one entity per line); gzip, bzip2 or plain, told by the file's magic
bytes, not its name. The file is streamed twice and never held whole:

pass 1  every item's subclass-of (P279) statements; the ISO 3166-1 alpha-3 code (P298) of
        country items; the humans (P31 Q5) who held a position (P39), with the start (P580) and
        end (P582) of each, their citizenship (P27) and death (P570); the items anywhere named
        as headquarters (P159) or jurisdiction (P1001). Then the position and organisation
        classes of ``data/wikidata_classes.json`` are closed over the subclass tree.
pass 2  the position items those humans held (label, instance of, jurisdiction P1001, country
        P17); the country (P17) of the headquarters and jurisdiction items; the organisations
        whose type (P31) falls under a listed class, with their country (P17, else the country
        of their headquarters P159).

Rows are then made, checked one by one against the loader's schema and codes (a row that fails
is counted as rejected, not fatal) and merged into ``roles_user.csv`` and
``organisations_user.csv`` by :func:`dyadwatch.actors.kbimport.import_file`, which validates
them again as the loader will.

Memory: the subclass tree as two arrays of 4-byte integers (a few million edges for the full
dump), the humans and organisations that qualify (about the size of the output), and maps keyed
by the items they reference (positions, places, countries); nothing grows with the rest of the
dump (scholarly articles, taxa, ...). Time: two reads and decompressions of the file; a line is
parsed as JSON only when it contains a property the pass needs (or, in pass 2, is an item
already wanted), which most lines of the full dump do not. ``bench/bench_wikidata.py`` measures it.

Rules: deprecated statements are ignored; where one value is wanted (country, citizenship,
jurisdiction, ISO code, death) preferred statements win over normal ones; every non-deprecated
P39 statement is a row. "novalue" or "somevalue" positions are skipped; an unknown
("somevalue") end of office drops the row, since an empty end means "still in office"; an
explicit "novalue" end is an open end. A date is the first day of its period for a start and the
last day for an end (precision 9 = year, 10 = month, 11 = day; ``+2019-00-00`` is the year
2019); dates coarser than a year, before year 1 or after 9999 are left empty; Julian-calendar
days are converted to Gregorian. An open end of office is closed at the holder's death.
"""

from __future__ import annotations

import bz2
import calendar
import csv
import datetime as dt
import gzip
import json
import logging
import os
import re
import tempfile
import time
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dyadwatch.actors.kb import DATA_DIR, KB, SCHEMA_DIR, load_kb, row_schema
from dyadwatch.actors.kbimport import ORG_FIELDS, ROLE_FIELDS, _existing, _write, import_file, slug
from dyadwatch.errors import CorruptArchive, EmptyInput, KBError, UnsupportedFormat

log = logging.getLogger(__name__)

CLASSES_FILE = DATA_DIR / "wikidata_classes.json"
CLASSES_SCHEMA = SCHEMA_DIR / "wikidata_classes.schema.json"
HUMAN = 5  # Q5
HOS, HOG, HOSG = "head_of_state", "head_of_government", "head_of_state_and_government"
JULIAN = "Q1985786"  # proleptic Julian calendar (calendarmodel of older dates)
MAX_DEPTH = 30  # subclass steps followed down from a listed class
PROGRESS_EVERY = 1_000_000
EXAMPLES = 5  # rejected lines quoted in the report

_NON_ITEMS = {b"P": "skipped_property", b"L": "skipped_lexeme", b"M": "skipped_mediainfo"}
_ID_RE = re.compile(rb'"id"\s*:\s*"([A-Z])(\d+)"')
_ITEM_ID = re.compile(r"^Q[1-9]\d*$")
_TIME_RE = re.compile(r"^([+-])(\d{1,16})-(\d{2})-(\d{2})T")
_ISO3 = re.compile(r"^[A-Z]{3}$")


# ---------------------------------------------------------------- the class mapping
@dataclass(slots=True)
class Classes:
    """``wikidata_classes.json``, validated against its schema."""

    languages: tuple[str, ...]
    alias_languages: tuple[str, ...]
    max_aliases: int
    min_sitelinks_persons: int
    min_sitelinks_organisations: int
    positions: list[dict]
    position_default: dict | None
    position_labels: list[tuple[re.Pattern, str, bool]]
    organisations: list[dict]
    igos: dict[int, str]


def load_classes(path: Path | str | None = None) -> Classes:
    """The class -> role/sector mapping (the shipped ``wikidata_classes.json`` by default);
    raises KBError(file, field) when it does not match ``schema/wikidata_classes.schema.json``."""
    import jsonschema

    path = Path(path) if path else CLASSES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KBError(f"cannot read ({exc.strerror})", file=str(path)) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KBError(f"not valid JSON ({exc})", file=str(path)) from exc
    schema = json.loads(CLASSES_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data),
                    key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise KBError(errors[0].message, file=str(path),
                      field="/".join(map(str, errors[0].absolute_path)) or "(top)")
    labels = []
    for i, p in enumerate(data["position_labels"]):
        try:
            labels.append((re.compile(p["pattern"], re.I), p["role"], bool(p.get("igo"))))
        except re.error as exc:
            raise KBError(f"bad regular expression ({exc})", file=str(path),
                          field=f"position_labels/{i}/pattern") from exc
    sitelinks = data.get("min_sitelinks", {})
    return Classes(tuple(data["languages"]), tuple(data.get("alias_languages", ("en",))),
                   int(data.get("max_aliases", 20)), int(sitelinks.get("persons", 0)),
                   int(sitelinks.get("organisations", 0)), data["positions"],
                   data["position_default"], labels, data["organisations"],
                   {int(q[1:]): code for q, code in data["igos"].items()})


# ---------------------------------------------------------------- report
@dataclass
class BuildReport:
    file: str
    counts: Counter = field(default_factory=Counter)
    rejected_examples: list[str] = field(default_factory=list)
    roles: dict | None = None
    organisations: dict | None = None
    seconds: dict = field(default_factory=dict)

    def reject(self, reason: str, where: str, detail: str = "") -> None:
        self.counts[f"rejected_{reason}"] += 1
        if len(self.rejected_examples) < EXAMPLES:
            self.rejected_examples.append(f"{where}: {reason}" + (f" ({detail})" if detail else ""))

    def to_dict(self) -> dict:
        return {"file": self.file, "counts": dict(sorted(self.counts.items())),
                "rejected_examples": self.rejected_examples, "roles": self.roles,
                "organisations": self.organisations, "seconds": self.seconds}


# ---------------------------------------------------------------- reading the dump
def _open(path: Path):
    """The file as a binary stream, decompressed when its magic bytes say gzip or bzip2."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError as exc:
        raise UnsupportedFormat("no such file", source=str(path), reason="not_found") from exc
    except OSError as exc:
        raise UnsupportedFormat(f"cannot read ({exc.strerror})", source=str(path)) from exc
    head = fh.read(3)
    fh.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb"), fh
    if head == b"BZh":
        return bz2.BZ2File(fh, mode="rb"), fh
    return fh, fh


def iter_entities(path: Path | str, report: BuildReport | None = None, *,
                  want: Callable[[bytes], bool] | None = None,
                  progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, dict]]:
    """(line number, entity) for each entity line of a Wikidata dump or JSON-lines file,
    streamed. ``want`` sees the raw line first and may skip it unparsed. A line that is not a
    JSON object is counted in ``report`` as rejected (when a report is given) and skipped; an
    unreadable file, a truncated or corrupt compressed stream, or a file that does not start
    like a dump raises an InputError naming the file."""
    path = Path(path)
    stream, raw = _open(path)
    n = 0
    try:
        with raw, stream:
            head = stream.peek(4096)[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
            if head and head[:1] not in (b"[", b"{"):
                shown = head[:40].decode("utf-8", "replace")
                raise UnsupportedFormat(f"not a Wikidata JSON dump or JSON lines: it starts with "
                                        f"{shown!r} (expected '[' or one JSON entity per line)",
                                        source=str(path))
            for n, line in enumerate(stream, 1):
                if progress is not None and n % PROGRESS_EVERY == 0:
                    progress(n)
                s = line.strip() if n > 1 else line.removeprefix(b"\xef\xbb\xbf").strip()
                if s.endswith(b","):
                    s = s[:-1].rstrip()
                if not s or s in (b"[", b"]"):
                    continue
                if not (s.startswith(b"{") and s.endswith(b"}")):
                    if report is not None:
                        report.reject("bad_line", f"line {n}", "not one JSON object")
                    continue
                if report is not None:
                    report.counts["entity_lines"] += 1
                if want is not None and not want(s):
                    continue
                try:
                    obj = json.loads(s)
                except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
                    if report is not None:
                        report.reject("bad_json", f"line {n}", str(exc)[:80])
                    continue
                if not isinstance(obj, dict):
                    if report is not None:
                        report.reject("bad_json", f"line {n}", "not an object")
                    continue
                if "type" not in obj and isinstance(obj.get("entities"), dict):
                    for ent in obj["entities"].values():  # Special:EntityData/Q….json
                        if isinstance(ent, dict):
                            yield n, ent
                    continue
                yield n, obj
    except (EOFError, zlib.error) as exc:
        raise CorruptArchive(f"compressed stream is truncated or corrupt after line {n} ({exc})",
                             source=str(path)) from exc
    except OSError as exc:
        raise CorruptArchive(f"is corrupt or cannot be read after line {n} ({exc})",
                             source=str(path)) from exc


# ---------------------------------------------------------------- statements
def _claims(ent: dict) -> dict:
    c = ent.get("claims")
    return c if isinstance(c, dict) else {}  # the dump writes an empty map as []


def _stmts(claims: dict, prop: str) -> list[dict]:
    """Non-deprecated statements of ``prop``."""
    return [s for s in claims.get(prop) or ()
            if isinstance(s, dict) and s.get("rank") != "deprecated"]


def _value(snak) -> object:
    if not isinstance(snak, dict) or snak.get("snaktype") != "value":
        return None
    dv = snak.get("datavalue")
    return dv.get("value") if isinstance(dv, dict) else None


def _qid(value) -> int | None:
    if not isinstance(value, dict):
        return None
    nid = value.get("numeric-id")
    if isinstance(nid, int) and nid > 0:
        return nid
    i = value.get("id")
    return int(i[1:]) if isinstance(i, str) and _ITEM_ID.match(i) else None


def _items(stmts: Iterable[dict]) -> list[int]:
    return [q for s in stmts if (q := _qid(_value(s.get("mainsnak")))) is not None]


def _best_items(claims: dict, prop: str) -> list[int]:
    """Item values of ``prop``: those of preferred statements when there are any, else of
    normal ones (deprecated never)."""
    stmts = _stmts(claims, prop)
    pref = _items(s for s in stmts if s.get("rank") == "preferred")
    return pref or _items(stmts)


def _best_string(claims: dict, prop: str) -> str:
    stmts = _stmts(claims, prop)
    for group in ([s for s in stmts if s.get("rank") == "preferred"], stmts):
        for s in group:
            v = _value(s.get("mainsnak"))
            if isinstance(v, str) and v.strip():
                return v.strip()
    return ""


def wikidata_time(value) -> tuple[dt.date, dt.date] | None:
    """First and last day of the period a Wikidata time value names (precision 9 = a year,
    10 = a month, 11+ = a day; a zero month or day widens the period), or None when it is no
    usable date: coarser than a year, before year 1 or after 9999, or malformed. Julian-calendar
    days are converted to the Gregorian calendar."""
    if not isinstance(value, dict):
        return None
    m = _TIME_RE.match(str(value.get("time", "")))
    prec = value.get("precision", 11)
    if not m or not isinstance(prec, int) or prec < 9:
        return None
    year, month, day = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if m.group(1) == "-" or not 1 <= year <= 9999:
        return None
    if prec == 9 or month == 0:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if month > 12:
        return None
    if prec == 10 or day == 0:
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    if str(value.get("calendarmodel", "")).endswith(JULIAN):
        days = (31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        if not 1 <= day <= days[month - 1]:
            return None
        a = (14 - month) // 12
        y, mm = year + 4800 - a, month + 12 * a - 3
        jdn = day + (153 * mm + 2) // 5 + 365 * y + y // 4 - 32083
        ordinal = jdn - 1721425
        if not 1 <= ordinal <= dt.date.max.toordinal():
            return None
        d = dt.date.fromordinal(ordinal)
        return d, d
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    d = dt.date(year, month, day)
    return d, d


def _label(ent: dict, languages: Iterable[str]) -> tuple[str, str] | None:
    labels = ent.get("labels")
    if not isinstance(labels, dict):
        return None
    for lang in languages:
        v = labels.get(lang)
        text = str(v.get("value") or "").strip() if isinstance(v, dict) else ""
        if len(text) >= 2:
            return text, lang
    return None


def _aliases(ent: dict, name: str, languages: Iterable[str], cap: int) -> tuple[str, ...]:
    labels = ent.get("labels") if isinstance(ent.get("labels"), dict) else {}
    aliases = ent.get("aliases") if isinstance(ent.get("aliases"), dict) else {}
    out: dict[str, str] = {}
    seen = {name.casefold()}
    for lang in languages:
        cands = [labels.get(lang)] + list(aliases.get(lang) or ())
        for c in cands:
            text = " ".join(str(c.get("value") or "").split()) if isinstance(c, dict) else ""
            if len(text) < 2 or "|" in text or text.casefold() in seen:
                continue
            seen.add(text.casefold())
            out[text] = lang
    return tuple(list(out)[:cap])


def _sitelinks(ent: dict) -> int:
    s = ent.get("sitelinks")
    return len(s) if isinstance(s, dict) else 0


# ---------------------------------------------------------------- the tables of a build
@dataclass(slots=True)
class _Human:
    qid: int
    name: str
    aliases: tuple[str, ...]
    citizenship: tuple[int, ...]
    death: dt.date | None
    positions: list[tuple[int, dt.date | None, dt.date | None]]


@dataclass(slots=True)
class _Position:
    label: str
    instance_of: tuple[int, ...]
    jurisdiction: tuple[int, ...]
    country: tuple[int, ...]


@dataclass(slots=True)
class _Org:
    qid: int
    name: str
    aliases: tuple[str, ...]
    entry: int
    country: tuple[int, ...]
    headquarters: tuple[int, ...]


@dataclass
class _Tables:
    child: array = field(default_factory=lambda: array("I"))
    parent: array = field(default_factory=lambda: array("I"))
    iso3: dict[int, str] = field(default_factory=dict)
    humans: list[_Human] = field(default_factory=list)
    places_wanted: set[int] = field(default_factory=set)
    positions_wanted: set[int] = field(default_factory=set)
    positions: dict[int, _Position] = field(default_factory=dict)
    place_country: dict[int, int] = field(default_factory=dict)
    orgs: list[_Org] = field(default_factory=list)
    position_classes: dict[int, dict[int, int]] = field(default_factory=dict)
    org_classes: dict[int, tuple[int, int]] = field(default_factory=dict)


def _closure(child: array, parent: array, sources: list[int], keep_all: bool) -> dict:
    """Every class at most MAX_DEPTH subclass steps below a listed class. ``sources`` are the
    listed classes in priority order. keep_all: node -> {entry: steps} for every listed class
    above it; else node -> (steps, entry) of the nearest (the first listed on a tie)."""
    import numpy as np

    parents = np.frombuffer(parent, dtype=np.uint32) if len(parent) else np.zeros(0, np.uint32)
    children = np.frombuffer(child, dtype=np.uint32) if len(child) else np.zeros(0, np.uint32)
    order = np.argsort(parents, kind="stable")
    p_sorted, c_sorted = parents[order], children[order]
    out: dict = {}
    for entry, source in enumerate(sources):
        seen = {source}
        frontier = [source]
        for depth in range(MAX_DEPTH + 1):
            nxt = []
            for node in frontier:
                if keep_all:
                    d = out.setdefault(node, {})
                    if depth < d.get(entry, MAX_DEPTH + 1):
                        d[entry] = depth
                else:
                    old = out.get(node)
                    if old is None or (depth, entry) < old:
                        out[node] = (depth, entry)
                if depth == MAX_DEPTH:
                    continue
                lo = np.searchsorted(p_sorted, node, "left")
                hi = np.searchsorted(p_sorted, node, "right")
                for c in c_sorted[lo:hi].tolist():
                    if c not in seen:
                        seen.add(c)
                        nxt.append(c)
            if not nxt:
                break
            frontier = nxt
    return out


# ---------------------------------------------------------------- pass 1
def _period(qualifiers, report: BuildReport) -> tuple[dt.date | None, dt.date | None] | None:
    q = qualifiers if isinstance(qualifiers, dict) else {}
    starts, ends = [], []
    for prop, lo_hi, acc in (("P580", 0, starts), ("P582", 1, ends)):
        for snak in q.get(prop) or ():
            if not isinstance(snak, dict) or snak.get("snaktype") != "value":
                continue
            t = wikidata_time(_value(snak))
            if t is None:
                report.counts["dates_unusable"] += 1
            else:
                acc.append(t[lo_hi])
    unknown_end = any(isinstance(s, dict) and s.get("snaktype") == "somevalue"
                      for s in q.get("P582") or ())
    if unknown_end and not ends:
        report.counts["positions_end_unknown"] += 1
        return None
    return (min(starts) if starts else None), (max(ends) if ends else None)


def _human(qid: int, ent: dict, claims: dict, cl: Classes, report: BuildReport) -> _Human | None:
    positions = []
    for s in _stmts(claims, "P39"):
        snak = s.get("mainsnak")
        if not isinstance(snak, dict) or snak.get("snaktype") != "value":
            report.counts["positions_novalue_or_somevalue"] += 1
            continue
        pos = _qid(_value(snak))
        if pos is None:
            report.counts["positions_malformed"] += 1
            continue
        period = _period(s.get("qualifiers"), report)
        if period is not None:
            positions.append((pos, period[0], period[1]))
    if not positions:
        report.counts["humans_without_usable_position"] += 1
        return None
    if _sitelinks(ent) < cl.min_sitelinks_persons:
        report.counts["humans_below_min_sitelinks"] += 1
        return None
    label = _label(ent, cl.languages)
    if label is None:
        report.counts["humans_without_usable_label"] += 1
        return None
    name, lang = label
    if lang != "en":
        report.counts["humans_label_not_english"] += 1
    party = len(_items(_stmts(claims, "P102")))
    report.counts["party_memberships_not_stored"] += party
    death = None
    for s in _stmts(claims, "P570"):
        t = wikidata_time(_value(s.get("mainsnak")))
        if t is not None and (s.get("rank") == "preferred" or death is None):
            death = t[1]
    return _Human(qid, name, _aliases(ent, name, cl.alias_languages, cl.max_aliases),
                  tuple(_best_items(claims, "P27")), death, positions)


def _pass1(path: Path, cl: Classes, t: _Tables, report: BuildReport, progress) -> None:
    def want(line: bytes) -> bool:
        m = _ID_RE.search(line, 0, 200)
        if m is not None and m.group(1) != b"Q":
            report.counts[_NON_ITEMS.get(m.group(1), "skipped_other_entities")] += 1
            return False
        return (b'"P39"' in line or b'"P279"' in line or b'"P298"' in line
                or b'"P159"' in line or b'"P1001"' in line)

    for n, ent in iter_entities(path, report, want=want,
                                progress=progress and (lambda n: progress(1, n, report))):
        qid = _item_id(ent, report)
        if qid is None:
            continue
        claims = _claims(ent)
        for parent in _items(_stmts(claims, "P279")):
            if qid < 2**32 and parent < 2**32:
                t.child.append(qid)
                t.parent.append(parent)
        iso = _best_string(claims, "P298").upper()
        if _ISO3.match(iso):
            t.iso3[qid] = iso
        for prop in ("P159", "P1001"):
            t.places_wanted.update(_items(_stmts(claims, prop)))
        if "P39" in claims and HUMAN in _items(_stmts(claims, "P31")):
            report.counts["humans_with_positions"] += 1
            h = _human(qid, ent, claims, cl, report)
            if h is not None:
                t.humans.append(h)
                t.positions_wanted.update(p for p, _, _ in h.positions)


def _item_id(ent: dict, report: BuildReport | None) -> int | None:
    kind, eid = ent.get("type"), ent.get("id")
    if "redirects" in ent or "redirect" in ent or "missing" in ent:
        if report is not None:
            report.counts["skipped_redirects"] += 1
        return None
    if kind != "item" or not isinstance(eid, str) or not _ITEM_ID.match(eid):
        if report is not None:
            known = kind in ("property", "lexeme", "mediainfo", "form", "sense")
            report.counts[f"skipped_{kind if known else 'other_entities'}"] += 1
        return None
    return int(eid[1:])


# ---------------------------------------------------------------- pass 2
def _pass2(path: Path, cl: Classes, t: _Tables, report: BuildReport, progress) -> None:
    def want(line: bytes) -> bool:
        m = _ID_RE.search(line, 0, 200)
        if m is None:
            return True
        if m.group(1) != b"Q":
            return False
        q = int(m.group(2))
        if q in t.positions_wanted or q in t.places_wanted:
            return True
        return b'"P31"' in line and (b'"P17"' in line or b'"P159"' in line)

    for n, ent in iter_entities(path, None, want=want,
                                progress=progress and (lambda n: progress(2, n, report))):
        qid = _item_id(ent, None)
        if qid is None:
            continue
        claims = _claims(ent)
        if qid in t.positions_wanted:
            label = _label(ent, cl.languages)
            t.positions[qid] = _Position(label[0] if label else "",
                                         tuple(_items(_stmts(claims, "P31"))),
                                         tuple(_best_items(claims, "P1001")),
                                         tuple(_best_items(claims, "P17")))
        if qid in t.places_wanted:
            country = _best_items(claims, "P17")
            if country:
                t.place_country[qid] = country[0]
        instance_of = _items(_stmts(claims, "P31"))
        if HUMAN in instance_of or _stmts(claims, "P279"):
            continue  # people are not organisations; classes are not instances
        best = min((t.org_classes[c] for c in instance_of if c in t.org_classes), default=None)
        if best is None:
            continue
        report.counts["organisations_seen"] += 1
        if _sitelinks(ent) < cl.min_sitelinks_organisations:
            report.counts["organisations_below_min_sitelinks"] += 1
            continue
        label = _label(ent, cl.languages)
        if label is None:
            report.counts["organisations_without_usable_label"] += 1
            continue
        t.orgs.append(_Org(qid, label[0], _aliases(ent, label[0], cl.alias_languages,
                                                   cl.max_aliases),
                           best[1], tuple(_best_items(claims, "P17")),
                           tuple(_best_items(claims, "P159"))))


# ---------------------------------------------------------------- rows
class _Rows:
    """Turns the tables into rows of roles_*.csv and organisations*.csv."""

    def __init__(self, cl: Classes, t: _Tables, vkb: KB, report: BuildReport,
                 since: dt.date | None):
        self.cl, self.t, self.kb, self.report, self.since = cl, t, vkb, report, since

    def country(self, q: int) -> str:
        t, igos = self.t, self.cl.igos
        code = igos.get(q) or t.iso3.get(q)
        if code is None and q in t.place_country:
            c = t.place_country[q]
            code = igos.get(c) or t.iso3.get(c)
        if code and not self.kb.known_code(code):
            self.report.counts["country_codes_not_in_kb"] += 1
            return ""
        return code or ""

    def first_country(self, *groups: Iterable[int]) -> str:
        for group in groups:
            for q in group:
                code = self.country(q)
                if code:
                    return code
        return ""

    def classify(self, pos: int, info: _Position | None, country: str) -> tuple[str, str] | None:
        """(role, sector) of a position: the nearest listed class above it (the position item
        itself, its subclass-of chain, or the classes it is an instance of), then the label
        patterns when that says only other/GOV."""
        cands: dict[int, int] = dict(self.t.position_classes.get(pos, {}))
        for c in info.instance_of if info else ():
            for e, d in self.t.position_classes.get(c, {}).items():
                if d + 1 < cands.get(e, MAX_DEPTH + 2):
                    cands[e] = d + 1
        entries = self.cl.positions
        if cands:
            e, d = min(cands.items(), key=lambda x: (x[1], x[0]))
            role, sector = entries[e]["role"], entries[e]["sector"]
            if role in (HOS, HOG):
                near: dict[str, int] = {}
                for i, dd in cands.items():
                    r = entries[i]["role"]
                    if r in (HOS, HOG) and dd < near.get(r, MAX_DEPTH + 2):
                        near[r] = dd
                if len(near) == 2 and abs(near[HOS] - near[HOG]) <= 1:
                    role = HOSG
        elif self.cl.position_default is not None:
            role, sector = self.cl.position_default["role"], self.cl.position_default["sector"]
            self.report.counts["positions_unmatched_class"] += 1
        else:
            return None
        if role == "other" and sector == "GOV" and info and info.label:
            is_igo = self.kb.is_igo(country)
            for pattern, label_role, igo_only in self.cl.position_labels:
                if igo_only and not is_igo:
                    continue
                if pattern.search(info.label):
                    self.report.counts["positions_role_from_label"] += 1
                    return label_role, sector
        return role, sector

    def roles(self) -> list[dict]:
        t, report = self.t, self.report
        by_slug: dict[str, set[int]] = defaultdict(set)
        for h in t.humans:
            by_slug[slug(h.name) or f"q{h.qid}"].add(h.qid)
        rows: dict[tuple, dict] = {}
        for h in t.humans:
            base = slug(h.name) or f"q{h.qid}"
            pid = base if len(by_slug[base]) == 1 else f"{base}-q{h.qid}"
            for pos, start, end in h.positions:
                info = t.positions.get(pos)
                if info is None:
                    report.counts["positions_item_not_in_file"] += 1
                country = self.first_country(info.jurisdiction if info else (),
                                             info.country if info else (), h.citizenship)
                if not country:
                    report.reject("no_country", f"wikidata:Q{h.qid} position Q{pos}")
                    continue
                got = self.classify(pos, info, country)
                if got is None:
                    report.counts["positions_skipped_unmatched"] += 1
                    continue
                role, sector = got
                if end is None and h.death is not None:
                    if start is not None and h.death < start:
                        report.reject("died_before_start", f"wikidata:Q{h.qid} position Q{pos}")
                        continue
                    end = h.death
                    report.counts["ends_set_to_death"] += 1
                if self.since and end is not None and end < self.since:
                    report.counts["positions_ended_before_since"] += 1
                    continue
                row = {"person_id": pid, "name": h.name, "aliases": "|".join(h.aliases),
                       "country": country, "role": role, "title": info.label if info else "",
                       "sector": sector, "start": start.isoformat() if start else "",
                       "end": end.isoformat() if end else "", "source": f"wikidata:Q{h.qid}"}
                if not self.valid("roles", row):
                    continue
                key = (pid, country, role, row["start"])
                if key in rows:
                    report.counts["roles_duplicate_key"] += 1
                    continue
                rows[key] = row
        return list(rows.values())

    def organisations(self, shipped_ids: set[str]) -> list[dict]:
        t, report = self.t, self.report
        made = []
        for o in t.orgs:
            entry = self.cl.organisations[o.entry]
            sector, kind = entry["sector"], entry["kind"]
            if o.qid in self.cl.igos:
                report.counts["organisations_igo_in_codes_json"] += 1
                continue
            if sector == "IGO":
                country, code = "IGO", "IGO"
            else:
                country = self.first_country(o.country, o.headquarters)
                code = self.kb.code_for(country, sector)
            if not country:
                report.reject("no_country", f"wikidata:Q{o.qid}")
                continue
            made.append((o, country, sector, code, kind))
        by_slug: dict[str, set[int]] = defaultdict(set)
        by_slug_country: dict[tuple[str, str], set[int]] = defaultdict(set)
        for o, country, *_ in made:
            base = slug(o.name) or f"q{o.qid}"
            by_slug[base].add(o.qid)
            by_slug_country[(base, country)].add(o.qid)
        rows = []
        for o, country, sector, code, kind in made:
            base = slug(o.name) or f"q{o.qid}"
            if len(by_slug[base]) == 1:
                oid = base
            elif len(by_slug_country[(base, country)]) == 1:
                oid = f"{base}-{country.lower()}"
            else:
                oid = f"{base}-q{o.qid}"
            if oid in shipped_ids:
                report.counts["organisations_already_in_shipped_kb"] += 1
                continue
            row = {"org_id": oid, "name": o.name, "aliases": "|".join(o.aliases),
                   "country": country, "sector": sector, "code": code, "kind": kind,
                   "source": f"wikidata:Q{o.qid}"}
            if self.valid("organisations", row):
                rows.append(row)
        return rows

    def valid(self, kind: str, row: dict) -> bool:
        """The loader's checks for one row (schema, known codes and sectors, dates in order)."""
        where = row["source"]
        try:
            row_schema(kind).validate(row, where, 0)
        except KBError as exc:
            self.report.reject(f"invalid_{exc.field}", where, exc.message)
            return False
        if row["sector"] not in self.kb.sectors:
            self.report.reject("unknown_sector", where, row["sector"])
            return False
        if kind == "roles" and row["start"] and row["end"] and row["end"] < row["start"]:
            self.report.reject("end_before_start", where, f"{row['start']} > {row['end']}")
            return False
        return True


def _shipped_org_ids(vkb: KB) -> set[str]:
    """Ids of the shipped organisations (the data files and the IGOs of codes.json): a built
    organisation with one of these ids is left to the shipped row, whose sector was chosen by
    hand."""
    ids = {f"igo-{code.lower()}" for code in vkb.igos}
    for f in sorted(DATA_DIR.glob("organisations*.csv")):
        if "user" in f.name:
            continue
        with open(f, encoding="utf-8", newline="") as fh:
            ids.update(r.get("org_id", "") for r in csv.DictReader(fh))
    return ids


# ---------------------------------------------------------------- the build
def extract(path: Path | str, classes: Classes | None = None, *, since: dt.date | None = None,
            progress: Callable[[int, int, BuildReport], None] | None = None,
            ) -> tuple[list[dict], list[dict], BuildReport]:
    """Role rows and organisation rows from a Wikidata dump (two passes over ``path``), each
    valid for the KB loader, and the report of what was read, kept and rejected.
    ``since``: leave out offices that ended before that day."""
    path = Path(path)
    cl = classes or load_classes()
    report = BuildReport(str(path))
    t = _Tables()
    started = time.perf_counter()
    _pass1(path, cl, t, report, progress)
    report.seconds["pass1"] = round(time.perf_counter() - started, 3)
    if report.counts["entity_lines"] <= report.counts["rejected_bad_json"]:
        bad = sum(v for k, v in report.counts.items() if k.startswith("rejected_"))
        raise EmptyInput("no Wikidata entity could be read" + (
            f" ({bad} lines rejected; first: {report.rejected_examples[0]})" if bad else ""),
            source=str(path))
    report.counts["subclass_edges"] = len(t.child)
    report.counts["country_items_with_iso3"] = len(t.iso3)
    t.position_classes = _closure(t.child, t.parent,
                                  [int(p["qid"][1:]) for p in cl.positions], keep_all=True)
    t.org_classes = _closure(t.child, t.parent,
                             [int(o["qid"][1:]) for o in cl.organisations], keep_all=False)
    t.child, t.parent = array("I"), array("I")  # the tree is no longer needed
    started = time.perf_counter()
    _pass2(path, cl, t, report, progress)
    report.seconds["pass2"] = round(time.perf_counter() - started, 3)
    vkb = load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv")
    made = _Rows(cl, t, vkb, report, since)
    roles = made.roles()
    orgs = made.organisations(_shipped_org_ids(vkb))
    report.counts["persons"] = len({r["person_id"] for r in roles})
    report.counts["role_rows"] = len(roles)
    report.counts["organisation_rows"] = len(orgs)
    return roles, orgs, report


def build(path: Path | str, dest: Path | str, classes: Classes | None = None, *,
          since: dt.date | None = None, replace: bool = False,
          progress: Callable[[int, int, BuildReport], None] | None = None) -> BuildReport:
    """Read the Wikidata dump ``path`` and merge its office holders and organisations into the
    overlay directory ``dest`` (roles_user.csv, organisations_user.csv), as ``kb import`` does.
    ``replace``: first drop the rows an earlier build wrote (source ``wikidata:…``) from each
    file this build has rows for, so that a monthly rebuild from the full dump leaves no stale
    rows; rows from other sources stay. Raises InputError on an unreadable or non-dump file."""
    dest = Path(dest)
    roles, orgs, report = extract(path, classes, since=since, progress=progress)
    started = time.perf_counter()
    if roles:
        report.roles = _merge(roles, "roles", ROLE_FIELDS, dest, replace)
    if orgs:
        report.organisations = _merge(orgs, "organisations", ORG_FIELDS, dest, replace)
    report.seconds["merge"] = round(time.perf_counter() - started, 3)
    log.info("wikidata build %s: %d role rows, %d organisations", path, len(roles), len(orgs))
    return report


def _merge(rows: list[dict], kind: str, fields: list[str], dest: Path, replace: bool) -> dict:
    """Stage the rows as a CSV and merge it with :func:`kbimport.import_file` (which validates
    it as the loader will); with ``replace``, into a copy of the overlay file without its
    earlier ``wikidata:`` rows, moved over the original when the merge succeeded."""
    target = dest / ("roles_user.csv" if kind == "roles" else "organisations_user.csv")
    dest.mkdir(parents=True, exist_ok=True)
    replaced = 0
    with tempfile.TemporaryDirectory(prefix=".wikidata-", dir=dest) as tmp:
        staged = Path(tmp) / f"wikidata_{kind}.csv"
        _write(staged, fields, rows)
        if replace:
            work = Path(tmp) / "overlay"
            work.mkdir()
            old = _existing(target, fields)
            keep = [r for r in old if not r["source"].startswith("wikidata:")]
            replaced = len(old) - len(keep)
            if keep:
                _write(work / target.name, fields, keep)
            report = import_file(staged, work)
            os.replace(work / target.name, target)
        else:
            report = import_file(staged, dest)
    return {"file": str(target), "rows": len(rows), "added": len(report.added),
            "updated": len(report.updated), "unchanged": report.unchanged,
            "replaced": replaced}
