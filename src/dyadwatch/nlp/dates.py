"""Dates in news text, resolved against a reference date.

News is written in the past tense about the days before publication, so a bare weekday ("on
Wednesday") is the latest such day on or before the reference date, a bare month ("in March") the
latest such month, unless the expression says otherwise ("next Wednesday", "next month").

``resolve_date`` returns ``(iso, precision)``: ``"2026-01-07", "day"``; ``"2026-01", "month"``;
``"2025", "year"``; ``"2026-01-05", "week"`` (the Monday of the week), or ``None`` when the text
names no date we can place (``"recent months"``, ``"the near future"``). The words it knows
(months, weekdays, relative expressions) are in ``nlp/data/dates.json``.

``document_reference_date`` picks the date relative expressions of a document are resolved
against: its publication date, else a full date the document states about itself (a table row
"Date: ...", a caption, the dateline, the title), else the full date the body states most often.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema

from dyadwatch.errors import KBError

if TYPE_CHECKING:  # pragma: no cover
    from dyadwatch.nlp.parse import ParsedArticle

log = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "dates.json"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "dates.schema.json"

Resolved = tuple[str, str]


@dataclass(frozen=True, slots=True)
class DateWords:
    months: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int]
    units: dict[str, str]
    past: frozenset[str]
    future: frozenset[str]
    this: frozenset[str]
    min_year: int
    max_year: int


@functools.lru_cache(maxsize=1)
def date_words() -> DateWords:
    """The vocabulary of dates, validated against its schema."""
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read the date vocabulary: {exc}", file=str(DATA_FILE)) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(exc.message, file=str(DATA_FILE),
                      field="/".join(str(p) for p in exc.absolute_path)) from exc
    return DateWords(months=data["months"], weekdays=data["weekdays"], numbers=data["numbers"],
                     units=data["units"], past=frozenset(data["past"]), future=frozenset(data["future"]),
                     this=frozenset(data["this"]), min_year=data["year_range"][0],
                     max_year=data["year_range"][1])


# ---------------------------------------------------------------- patterns (built from the vocabulary)

@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    w = date_words()
    month = "|".join(sorted((re.escape(m) for m in w.months), key=len, reverse=True))
    wday = "|".join(sorted((re.escape(d) for d in w.weekdays), key=len, reverse=True))
    unit = "|".join(sorted((re.escape(u) for u in w.units), key=len, reverse=True))
    num = "|".join(sorted((re.escape(n) for n in w.numbers), key=len, reverse=True))
    rel = "|".join(sorted((re.escape(r) for r in w.past | w.future | w.this), key=len, reverse=True))
    flags = re.IGNORECASE
    return {
        "iso": re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
        "iso_month": re.compile(r"\b(\d{4})-(\d{2})\b(?!-)"),
        "slash": re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"),
        "mdy": re.compile(rf"\b({month})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", flags),
        "dmy": re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({month})\.?(?:,?\s+(\d{{4}}))?\b", flags),
        "month_year": re.compile(rf"\b({month})\.?,?\s+(?:of\s+)?(\d{{4}})\b", flags),
        "month": re.compile(rf"\b(?:(?P<rel>{rel})\s+)?(?P<month>{month})\b", flags),
        "weekday": re.compile(rf"\b(?:(?P<rel>{rel})\s+)?(?P<day>{wday})\b", flags),
        "ago": re.compile(rf"\b(?P<n>\d+|{num})\s+(?P<unit>{unit})\s+ago\b", flags),
        "rel_unit": re.compile(rf"\b(?P<rel>{rel})\s+(?P<unit>{unit})\b", flags),
        "year": re.compile(r"(?<![\d/.-])(\d{4})(?![\d/-]|s\b)"),
        "today": re.compile(r"\b(today|tonight|this morning|this afternoon|this evening|yesterday|tomorrow)\b", flags),
    }


# ---------------------------------------------------------------- helpers

def _valid_year(year: int) -> bool:
    w = date_words()
    return w.min_year <= year <= w.max_year


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_num(name: str) -> int:
    return date_words().months[name.lower().rstrip(".")]


def _direction(rel: str | None) -> str:
    """"past", "future", "this" or "" for a relative word such as "last", "next", "this"."""
    if not rel:
        return ""
    w = date_words()
    rel = rel.lower()
    if rel in w.past:
        return "past"
    if rel in w.future:
        return "future"
    return "this" if rel in w.this else ""


def _shift_months(d: dt.date, months: int) -> tuple[int, int]:
    total = d.year * 12 + (d.month - 1) + months
    return total // 12, total % 12 + 1


def _iso(d: dt.date, precision: str) -> Resolved:
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}", "month"
    if precision == "year":
        return f"{d.year:04d}", "year"
    if precision == "week":
        return (d - dt.timedelta(days=d.weekday())).isoformat(), "week"
    return d.isoformat(), "day"


# ---------------------------------------------------------------- the resolvers, most specific first

def _explicit_day(text: str, ref: dt.date | None) -> Resolved | None:
    p = _patterns()
    m = p["iso"].search(text)
    if m:
        d = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return _iso(d, "day") if d and _valid_year(d.year) else None
    m = p["slash"].search(text)
    if m:  # US order (month/day/year) unless the first number cannot be a month
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        d = _day(y, a, b) if a <= 12 else _day(y, b, a)
        return _iso(d, "day") if d and _valid_year(y) else None
    for key, mi, di in (("mdy", 1, 2), ("dmy", 2, 1)):
        m = p[key].search(text)
        if m:
            return _month_day(_month_num(m.group(mi)), int(m.group(di)), m.group(3), ref)
    return None


def _month_day(month: int, day: int, year: str | None, ref: dt.date | None) -> Resolved | None:
    if year:
        d = _day(int(year), month, day)
        return _iso(d, "day") if d and _valid_year(d.year) else None
    if ref is None:
        return None
    d = _day(ref.year, month, day)
    if d is None:
        return None
    if (d - ref).days > 31:  # "on March 3" read in January is last year's March 3 (news past tense)
        d = _day(ref.year - 1, month, day)
    return _iso(d, "day") if d else None


def _month_year(text: str, ref: dt.date | None) -> Resolved | None:
    m = _patterns()["month_year"].search(text)
    if m and _valid_year(int(m.group(2))):
        return f"{int(m.group(2)):04d}-{_month_num(m.group(1)):02d}", "month"
    m = _patterns()["iso_month"].search(text)
    if m and 1 <= int(m.group(2)) <= 12 and _valid_year(int(m.group(1))):
        return f"{m.group(1)}-{m.group(2)}", "month"
    return None


def _weekday(text: str, ref: dt.date | None) -> Resolved | None:
    m = _patterns()["weekday"].search(text)
    if not m or ref is None:
        return None
    target = date_words().weekdays[m.group("day").lower().rstrip(".")]
    direction = _direction(m.group("rel"))
    back = (ref.weekday() - target) % 7
    if direction == "future":
        ahead = (target - ref.weekday()) % 7 or 7
        return _iso(ref + dt.timedelta(days=ahead), "day")
    if direction == "past" and back == 0:
        back = 7  # "last Wednesday" said on a Wednesday is a week ago
    return _iso(ref - dt.timedelta(days=back), "day")


def _bare_month(text: str, ref: dt.date | None) -> Resolved | None:
    m = _patterns()["month"].search(text)
    if not m or ref is None:
        return None
    name = m.group("month")
    if name.lower() in ("may", "march") and not m.group("rel") and name.islower():
        return None  # the verbs "may" and "march", not months
    month = _month_num(name)
    direction = _direction(m.group("rel"))
    year = ref.year
    if direction == "future":
        year = ref.year + (1 if month <= ref.month else 0)
    elif direction == "past":
        year = ref.year - (1 if month >= ref.month else 0)
    elif direction == "" and month > ref.month + 1:
        year = ref.year - 1  # "in November" read in January: the November before
    return f"{year:04d}-{month:02d}", "month"


def _relative_unit(text: str, ref: dt.date | None) -> Resolved | None:
    if ref is None:
        return None
    p = _patterns()
    w = date_words()
    m = p["ago"].search(text)
    if m:
        n = int(m.group("n")) if m.group("n").isdigit() else w.numbers[m.group("n").lower()]
        return _offset(ref, w.units[m.group("unit").lower()], -n)
    m = p["rel_unit"].search(text)
    if m:
        step = {"past": -1, "future": 1, "this": 0}.get(_direction(m.group("rel")), None)
        if step is not None:
            return _offset(ref, w.units[m.group("unit").lower()], step)
    m = p["today"].search(text)
    if m:
        word = m.group(1).lower()
        delta = -1 if word == "yesterday" else 1 if word == "tomorrow" else 0
        return _iso(ref + dt.timedelta(days=delta), "day")
    return None


def _offset(ref: dt.date, unit: str, n: int) -> Resolved | None:
    if unit == "day":
        return _iso(ref + dt.timedelta(days=n), "day")
    if unit == "week":
        return _iso(ref + dt.timedelta(weeks=n), "week")
    if unit == "month":
        y, mo = _shift_months(ref, n)
        return f"{y:04d}-{mo:02d}", "month"
    if unit == "year":
        return f"{ref.year + n:04d}", "year"
    return None


def _year(text: str, ref: dt.date | None) -> Resolved | None:
    for m in _patterns()["year"].finditer(text):
        year = int(m.group(1))
        if _valid_year(year):
            return f"{year:04d}", "year"
    return None


_RESOLVERS = (_explicit_day, _month_year, _relative_unit, _weekday, _bare_month, _year)


def resolve_date(text: str, ref: dt.date | None = None) -> Resolved | None:
    """``(iso, precision)`` of the date ``text`` names, read against ``ref``; ``None`` when unknown.

    >>> resolve_date("on Wednesday", dt.date(2026, 1, 9))
    ('2026-01-07', 'day')
    """
    if not text or len(text) > 200:  # a date expression is short; longer input is not one
        return None
    for resolver in _RESOLVERS:
        found = resolver(text, ref)
        if found:
            return found
    return None


# Patterns whose match must start with a capital: "May" the month, not "may" the verb.
_CAPITALISED = ("month", "weekday")


def date_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the date expressions in ``text`` (longest first where they overlap):
    what the entity recogniser's DATE entities gave, from the same word lists ``resolve_date``
    reads, so a span found here is one ``resolve_date`` can place."""
    found: list[tuple[int, int]] = []
    for name, rx in _patterns().items():
        for m in rx.finditer(text):
            if name in _CAPITALISED:
                word = m.group("month" if name == "month" else "day")
                if not word[:1].isupper():
                    continue
            if name == "year" and not _valid_year(int(m.group(1))):
                continue
            found.append((m.start(), m.end()))
    kept: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda se: (se[0] - se[1], se[0])):
        if all(end <= a or b <= start for a, b in kept):
            kept.append((start, end))
    return sorted(kept)


def to_date(iso: str) -> dt.date | None:
    """The first day an ISO date of any precision covers ("2025" -> 2025-01-01)."""
    try:
        if len(iso) == 4:
            return dt.date(int(iso), 1, 1)
        if len(iso) == 7:
            return dt.date(int(iso[:4]), int(iso[5:7]), 1)
        return dt.date.fromisoformat(iso[:10])
    except ValueError:
        return None


def compatible(a: str, b: str) -> bool:
    """Whether two ISO dates of any precision may name the same time ("2026-01" and "2026-01-07")."""
    return not a or not b or a.startswith(b) or b.startswith(a)


# ---------------------------------------------------------------- the document's reference date

def full_dates(text: str) -> list[dt.date]:
    """Every full (day, month and year) date written in ``text``."""
    p = _patterns()
    found: list[dt.date] = []
    for key in ("mdy", "dmy"):
        for m in p[key].finditer(text):
            if m.group(3):
                mi, di = (1, 2) if key == "mdy" else (2, 1)
                d = _day(int(m.group(3)), _month_num(m.group(mi)), int(m.group(di)))
                if d and _valid_year(d.year):
                    found.append(d)
    for m in p["iso"].finditer(text):
        d = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d and _valid_year(d.year):
            found.append(d)
    return found


def _stated_date(parsed: "ParsedArticle") -> dt.date | None:
    """A full date the document states about itself, in order of trust: a table row whose label
    names a date, a caption, the dateline, the title or subtitle."""
    article = parsed.article
    rows = [seg.text for seg in parsed.segments if seg.field.startswith("table.")]
    dated_rows = [r for r in rows if re.match(r"\s*(date|when|published|updated)\b", r, re.IGNORECASE)]
    for group in (dated_rows, list(article.captions), [article.dateline],
                  [article.title, article.subtitle]):
        dates = [d for text in group if text for d in full_dates(text)]
        if dates:
            return Counter(dates).most_common(1)[0][0]
    return None


def document_reference_date(parsed: "ParsedArticle") -> dt.date | None:
    """The publication date; else a date the document states about itself; else the full date
    its body states most often (the latest on a tie). ``None`` when the document gives no date."""
    article = parsed.article
    if article.published:
        return article.published
    stated = _stated_date(parsed)
    if stated:
        return stated
    counts = Counter(full_dates(article.text))
    if not counts:
        return None
    return max(counts, key=lambda d: (counts[d], d))
