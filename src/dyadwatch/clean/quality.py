"""Quality and consistency flags, and a 0..1 quality score per document.

Detectors, each small and independent:
- text patterns from ``data/quality_patterns.json`` (generated-text artefacts, template padding,
  vague attribution, markup leftovers) over the title, body and the lines extraction removed;
- formatting: the spacing and casing repairs extraction made, counted with their spans;
- recaps: a closing paragraph that repeats the body;
- dates: a weekday that disagrees with the date it is written with;
- knowledge-base consistency (``dyadwatch.checks``): titles that contradict who held the office on
  the date, misnamed office holders;
- headline claims the body does not support.
Every flag has a kind, a severity, a span in its field, the text, and an explanation.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from dyadwatch.errors import KBError
from dyadwatch.model import Article, Event, Flag, Mention

if TYPE_CHECKING:  # pragma: no cover
    from dyadwatch.nlp.parse import ParsedArticle

_SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class PatternKind:
    kind: str
    severity: str
    explanation: str
    regexes: tuple[re.Pattern[str], ...]


@functools.lru_cache(maxsize=1)
def load_patterns() -> tuple[tuple[PatternKind, ...], dict[str, float]]:
    """The pattern kinds and severity weights, validated."""
    path = resources.files("dyadwatch.clean").joinpath("data", "quality_patterns.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    kinds = []
    for kind, spec in data["kinds"].items():
        if spec.get("severity") not in _SEVERITIES:
            raise KBError(f"severity must be one of {_SEVERITIES}", file=str(path), field=kind)
        try:
            regexes = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in spec["patterns"])
        except re.error as exc:
            raise KBError(f"bad pattern: {exc}", file=str(path), field=kind) from exc
        kinds.append(PatternKind(kind, spec["severity"], spec["explanation"], regexes))
    weights = {k: float(v) for k, v in data["severity_weights"].items() if not k.startswith("_")}
    return tuple(kinds), weights


def field_texts(article: Article) -> Iterator[tuple[str, str]]:
    """(field, text) of everything a pattern may match: title, subtitle, body, removed lines."""
    if article.title:
        yield "title", article.title
    if article.subtitle:
        yield "subtitle", article.subtitle
    yield "body", article.text
    for i, cap in enumerate(article.captions):
        yield f"caption.{i}", cap
    for i, removed in enumerate(article.removed):
        yield f"removed.{i}", removed.text


# Matches of one pattern in one field that are looked at. One artefact is one flag, so a field
# with thousands of matches (a line of "&amp;" repeated) adds nothing past the first few, and the
# overlap check made it quadratic: seconds on a 1 MB text (found by bench/fuzz_readers.py). 50 is
# far above what a real page has.
MAX_MATCHES = 50


def pattern_flags(article: Article) -> list[Flag]:
    """Flags of the text patterns. One artefact is one flag: overlapping matches of a kind, and
    the same words matched again elsewhere (a refusal quoted in a question, a removed copy), are
    folded into the match on the shortest line, which shows the artefact most plainly."""
    kinds, _ = load_patterns()
    flags: list[Flag] = []
    for kind in kinds:
        found = []
        for fname, text in field_texts(article):
            for rx in kind.regexes:
                for m in itertools.islice(rx.finditer(text), MAX_MATCHES):
                    line = _context(text, m.start(), m.end())
                    found.append((len(line), fname, m.start(), m.end(), line,
                                  " ".join(m.group(0).lower().split())))
        found.sort(key=lambda f: f[:3])
        keys: set[str] = set()
        spans: dict[str, list[tuple[int, int]]] = {}
        for _n, fname, start, end, line, key in found:
            duplicate = key in keys or any(start < e and s < end for s, e in spans.get(fname, ()))
            keys.add(key)
            spans.setdefault(fname, []).append((start, end))
            if not duplicate:
                    flags.append(Flag(kind.kind, kind.severity, start, end, line,
                                  kind.explanation, field=fname))
    return flags


def generated_flags(article: Article) -> list[Flag]:
    """``generated_text_artifact`` flags from the grammar of ``clean.generated``, over the same
    fields as the patterns (a refusal removed from the body is still evidence about the page);
    the same words found again (the removed copy of a body sentence) are one flag."""
    from dyadwatch.clean.generated import find

    kind = next((k for k in load_patterns()[0] if k.kind == "generated_text_artifact"), None)
    if kind is None:
        return []
    flags, seen = [], set()
    for fname, text in field_texts(article):
        for art in itertools.islice(find(text), MAX_MATCHES):
            key = " ".join(art.text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            flags.append(Flag(kind.kind, kind.severity, art.start, art.end, art.text[:200],
                              f"{kind.explanation} (families: {', '.join(art.families)})",
                              field=fname))
    return flags


def _context(text: str, start: int, end: int) -> str:
    """The matched line, trimmed: what a person needs to see the problem."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: line_end if line_end >= 0 else len(text)].strip()
    return line if len(line) <= 200 else text[start:end]


# --- formatting -------------------------------------------------------------------------------

_FORMAT_KINDS = {"spacing": "missing spaces after punctuation", "casing": "casing errors",
                 "proper_name": "proper names in the wrong case", "mojibake": "mis-decoded characters"}


def formatting_flags(article: Article) -> list[Flag]:
    """One flag summarising the repairs extraction made (counts), with the first span."""
    repairs = article.repairs
    if not repairs and article.text and not article.format:
        # an article that did not come through extraction (no format: built by a caller):
        # find what the repair step would change, without changing the text
        from dyadwatch.clean.repair import repair_text

        _text, repairs = repair_text(article.text)
    counts: dict[str, int] = {}
    for r in repairs:
        counts[r.kind] = counts.get(r.kind, 0) + 1
    if not counts:
        return []
    parts = [f"{n} {_FORMAT_KINDS.get(k, k)}" for k, n in sorted(counts.items())]
    # the span is the first repair that is in the body as the body reads now; a repair made in
    # a line extraction later removed (start -1) points nowhere, and no span is invented for it
    text = article.text or ""
    located = next((r for r in repairs if 0 <= r.start and r.after
                    and text[r.start:r.start + len(r.after)] == r.after), None)
    start, end = (located.start, located.start + len(located.after)) if located else (0, 0)
    return [Flag("formatting", "low", start, end,
                 "; ".join(f"{r.before!r} -> {r.after!r}" for r in repairs[:12]),
                 "The text had formatting errors that were repaired: " + ", ".join(parts)
                 + ". Careless formatting is typical of scraped or machine-assembled pages.")]


# --- recaps -----------------------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+")


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD_RE.findall(text)]
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def recap_flags(article: Article) -> list[Flag]:
    """A closing paragraph whose word triples mostly occur earlier: a recap that repeats the
    body (content farms pad pages this way). 0.6 keeps quoting a phrase or two from passing."""
    paragraphs = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", article.text)]
    if len(paragraphs) < 4:
        return []
    flags = []
    for start, para in paragraphs[-2:]:
        own = _shingles(para)
        if len(own) < 15:
            continue
        earlier = _shingles(article.text[:start])
        overlap = len(own & earlier) / len(own)
        if overlap >= 0.6:
            flags.append(Flag("template_padding", "low", start, start + len(para), para[:200],
                              f"This paragraph repeats the body ({overlap:.0%} of its word "
                              "triples occur earlier): a recap that adds no reporting."))
    return flags


# --- dates ------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], 1)}
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_DATE_RE = re.compile(
    r"\b(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+(?:the\s+)?"
    r"(?:(?P<m1>" + "|".join(_MONTHS) + r")\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>" + "|".join(_MONTHS) + r"))"
    r",?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE)


def weekday_flags(parsed: "ParsedArticle | None", article: Article) -> list[Flag]:
    flags = []
    for fname, text in _all_fields(parsed, article):
        for m in _WEEKDAY_DATE_RE.finditer(text):
            month = _MONTHS[(m.group("m1") or m.group("m2")).lower()]
            day = int(m.group("d1") or m.group("d2"))
            try:
                date = dt.date(int(m.group("y")), month, day)
            except ValueError:
                flags.append(Flag("date_inconsistency", "medium", m.start(), m.end(), m.group(0),
                                  "This date does not exist.", field=fname))
                continue
            stated = m.group("wd").lower()
            actual = _DAYS[date.weekday()]
            if stated != actual:
                flags.append(Flag("date_inconsistency", "medium", m.start(), m.end(), m.group(0),
                                  f"{date.isoformat()} was a {actual.title()}, not a "
                                  f"{stated.title()}.", field=fname))
    return flags


def _all_fields(parsed: "ParsedArticle | None", article: Article) -> Iterable[tuple[str, str]]:
    if parsed is not None:
        return [(seg.field, seg.text) for seg in parsed.segments]
    return [(f, t) for f, t in field_texts(article) if not f.startswith("removed")]


# --- headline -----------------------------------------------------------------------------------

_HEDGES_RE = re.compile(r"\b(?:possible|possibly|potential|potentially|reportedly|alleged(?:ly)?|"
                        r"mulling|weighing|considering)\b", re.I)


# Types the coder may give one happening depending on wording: a body event of a related type
# supports the headline as well as one of the same type.
_RELATED = {"THREATEN": {"THREATEN"}, "AGREE": {"AGREE", "SUPPORT", "COOPERATE"},
            "ASSAULT": {"ASSAULT", "COERCE", "MOBILIZE"}, "MOBILIZE": {"MOBILIZE", "ASSAULT"},
            "COERCE": {"COERCE", "SANCTION", "ASSAULT"}, "SANCTION": {"SANCTION", "COERCE"}}


def headline_flags(article: Article, events: list[Event]) -> list[Flag]:
    """A headline event stated as fact that the body supports only in hedged terms: the body
    codes no event of a related type involving the headline's countries, and it hedges (possible,
    potential ...). Both are needed: the coder may read the body's report of the same happening
    as a related type (same direction), and a body without hedges that simply lacks the event is a short
    body, not an overstatement."""
    flags: list[Flag] = []
    hedges = sorted({m.group(0).lower() for text in (article.text, *article.captions)
                     for m in _HEDGES_RE.finditer(text)})[:4]
    if not hedges:
        return flags
    title_events = [e for e in events if e.evidence.field == "title" and e.status != "hypothetical"]
    body_events = [e for e in events if any(m.field == "body" for m in (e.mentions or [e.evidence]))]
    for ev in title_events:
        related = _RELATED.get(ev.type)
        if related is None or any(m.field == "body" for m in ev.mentions):
            continue
        if any(b is not ev and b.type in related and b.actor.country == ev.actor.country
               and b.recipient.country == ev.recipient.country for b in body_events):
            continue
        flags.append(Flag("headline_overstatement", "medium", ev.evidence.start, ev.evidence.end,
                          ev.evidence.text,
                          f"The headline reports {ev.type.lower()} as fact; the body does not "
                          f"report it except in hedged terms ({', '.join(hedges)}).",
                          field="title"))
    return flags


# --- the stage ------------------------------------------------------------------------------------

def score(flags: Iterable[Flag]) -> float:
    _, weights = load_patterns()
    penalty = sum(weights.get(f.severity, 0.0) for f in flags)
    return max(0.0, round(1.0 - penalty, 3))


def assess(parsed: "ParsedArticle | None", mentions: list[Mention], events: list[Event],
           ref_date: dt.date | None = None, *, article: Article | None = None) -> tuple[list[Flag], float]:
    """All flags of one document and its quality score (flags already on the article count)."""
    article = article or parsed.article  # type: ignore[union-attr]
    flags = pattern_flags(article)
    flags += generated_flags(article)
    flags += formatting_flags(article)
    flags += recap_flags(article)
    flags += weekday_flags(parsed, article)
    flags += headline_flags(article, events)
    from dyadwatch.checks import kb_flags

    flags += kb_flags(parsed, mentions, ref_date, article=article)
    return flags, score(list(article.flags) + flags)


_ORDER = {"high": 0, "medium": 1, "low": 2}


def report_text(article: Article, quality: float, min_quality: float) -> str:
    """A readable quality report: the score, then each flag (most severe first) with where it
    is, what it says and why it matters."""
    lines = [f"{article.title or article.source}",
             f"quality {quality:.2f} ({'below' if quality < min_quality else 'above'} the "
             f"threshold {min_quality:.2f}: "
             f"{'left out of' if quality < min_quality else 'counted in'} dyad statistics)",
             f"page: {article.page_kind}; genre: {article.genre}"
             + (f" ({'; '.join(article.genre_evidence)})" if article.genre_evidence else "")
             + f"; topic: {article.topic}"]
    if not article.flags:
        lines.append("no flags")
    for f in sorted(article.flags, key=lambda f: (_ORDER.get(f.severity, 3), f.kind)):
        where = "removed furniture" if f.field.startswith("removed") else f.field
        lines.append(f"[{f.severity}] {f.kind} in {where}: {f.text!r}")
        lines.append(f"    {f.detail}")
    return "\n".join(lines)
