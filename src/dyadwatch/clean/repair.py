"""Repair of scraped text: mojibake, missing spaces after punctuation, casing.

``repair_text`` runs three passes in order and records every change as a ``Repair`` whose
``start`` is an offset in the returned text:

1. ``mojibake``: ftfy, with its quote-uncurling and width folding off (those are not errors);
2. ``spacing``: a missing space after sentence punctuation (``rhetoric.The``) or a comma
   (``conversation,while``), and after an initialism (``U.S.military``), never inside URLs, e-mail
   addresses, numbers (``3.5``, ``1,000``) or abbreviations (``e.g.``, ``p.m.``);
3. ``casing``: a sentence or paragraph that starts in lower case, and ``proper_name``: a known
   name in the wrong case (``white House``, ``washington``), from the actors knowledge base's
   ``casing_names()`` when it offers one, else from ``data/casing_names.txt`` plus pycountry's
   country names. Names that are also ordinary words (``data/casing_guard.txt``) are left alone.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from dyadwatch.errors import DyadwatchError, KBError
from dyadwatch.model import Repair

log = logging.getLogger(__name__)

# Whitespace-delimited tokens that are web or mail addresses: no repair touches them.
_URLISH_RE = re.compile(r"(?<!\S)(?=\S*?(?:://|www\.|@|"
                        r"\.(?:com|org|net|gov|edu|co|io|info|html?|php)\b))\S+", re.IGNORECASE)
# word.Word -> word. Word: the word before the stop has 2+ lower-case letters (not an initial, not
# an abbreviation like "p.m."), the next starts a capitalised word.
_STOP_RE = re.compile(r"(?<=[^\W\d_][^\W\d_A-Z])([.!?][\"”’)]?)(?=[A-Z][a-z])")
# U.S.military -> U.S. military: an initialism (2+ letter-dot pairs) glued to a lower-case word.
_INITIALISM_RE = re.compile(r"\b((?:[A-Z]\.){2,})(?=[a-z]{2,})")
# conversation,while -> conversation, while: a comma between two words (not digits: 1,000).
_COMMA_RE = re.compile(r"(?<=[^\W\d_]{2})([,;])(?=[^\W\d_]{2})")
# A lower-case letter that starts a sentence: after sentence punctuation and space, or at a
# paragraph start.
_SENT_START_RE = re.compile(r"(?:(?<=[.!?][\"”’)] )|(?<=[.!?] ))([a-z])(?=[a-z]*\b)")
_PREV_TOKEN_RE = re.compile(r"(\S+)\s+$")
# UTF-8 read as windows-1252 or latin-1 leaves a lead byte (Â..ô) followed by a continuation
# byte shown as one of these characters. Text without such a pair has no mojibake for ftfy to
# fix, and skipping ftfy there saves about 1 ms per article (bench/eval_extraction.py speed).
_MOJIBAKE_HINT_RE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026"
                               "\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019"
                               "\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153"
                               "\u017e\u0178]")
_FTFY_CONFIG = {
    "unescape_html": False, "uncurl_quotes": False, "fix_character_width": False,
    "fix_latin_ligatures": False, "fix_line_breaks": False, "normalization": None,
}


@dataclass(slots=True)
class _Edit:
    start: int  # in the text before this pass
    end: int
    after: str
    kind: str


# --------------------------------------------------------------------------------------------
# applying edits while keeping offsets


def _apply(text: str, edits: list[_Edit], repairs: list[Repair]) -> str:
    """Apply non-overlapping ``edits`` to ``text``; move the earlier ``repairs`` to their place
    in the new text (and refresh their ``after`` when an edit fell inside one), and append one
    ``Repair`` per edit (start in the new text)."""
    if not edits:
        return text
    edits = sorted(edits, key=lambda e: e.start)
    pieces, pos, total, new, applied = [], 0, 0, [], []
    for e in edits:
        if e.start < pos:
            continue  # overlapping edit: keep the first
        pieces += [text[pos:e.start], e.after]
        new.append(Repair(kind=e.kind, before=text[e.start:e.end], after=e.after,
                          start=e.start + total))
        total += len(e.after) - (e.end - e.start)
        applied.append(e)
        pos = e.end
    pieces.append(text[pos:])
    out = "".join(pieces)
    for r in repairs:
        if r.start >= 0:
            end = r.start + len(r.after)
            r.start = _moved(r.start, applied, at_end=False)
            r.after = out[r.start:_moved(end, applied, at_end=True)]
    repairs.extend(new)
    return out


def _moved(pos: int, edits: list[_Edit], at_end: bool) -> int:
    """Where offset ``pos`` of the old text lands in the new text. An insertion exactly at the
    end of a span stays outside it."""
    shift = 0
    for e in edits:
        if e.end < pos or (e.end == pos and not (at_end and e.start == e.end)):
            shift += len(e.after) - (e.end - e.start)
    return pos + shift


def _protected(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _URLISH_RE.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    k = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= pos < spans[k][1]


# --------------------------------------------------------------------------------------------
# passes


def mojibake_edits(text: str) -> list[_Edit]:
    """ftfy's fixes, as edits on ``text`` (diffed line by line to keep them small)."""
    if text.isascii() or not _MOJIBAKE_HINT_RE.search(text):
        return []
    import ftfy

    fixed = ftfy.fix_text(text, **_FTFY_CONFIG)
    if fixed == text:
        return []
    edits: list[_Edit] = []
    old_lines = text.splitlines(keepends=True)
    new_lines = fixed.splitlines(keepends=True)
    if len(old_lines) != len(new_lines):  # ftfy changed line structure: one edit for the whole
        return [_Edit(0, len(text), fixed, "mojibake")]
    offset = 0
    for old, new in zip(old_lines, new_lines):
        if old != new:
            edits.extend(_line_edits(old, new, offset))
        offset += len(old)
    return edits


# difflib's matcher takes time quadratic in what it compares: a 100,000-character paragraph with
# mojibake took minutes (found by bench/fuzz_readers.py). The common prefix and suffix of a line
# are cut first (linear); a middle longer than this becomes one edit instead of a diff.
MAX_DIFF_CHARS = 2_000


def _line_edits(old: str, new: str, offset: int) -> list[_Edit]:
    """The edits turning line ``old`` into ``new``; offsets in ``old`` plus ``offset``."""
    head = len(os.path.commonprefix([old, new]))
    tail = len(os.path.commonprefix([old[head:][::-1], new[head:][::-1]]))
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    start = offset + head
    if len(a) + len(b) > MAX_DIFF_CHARS:
        return [_Edit(start, start + len(a), b, "mojibake")]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [_Edit(start + i1, start + i2, b[j1:j2], "mojibake")
            for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal"]


def spacing_edits(text: str) -> list[_Edit]:
    """Insert the missing space after sentence punctuation, commas and initialisms. Each edit
    spans the glued words ("talks.The" -> "talks. The") so that it reads on its own; insertion
    points whose glued spans overlap make one edit. Linear in the text: a run of thousands of
    glued sentences (hostile input) costs what the same text with spaces costs."""
    spans = _protected(text)
    points = set()
    for rx in (_STOP_RE, _INITIALISM_RE, _COMMA_RE):
        for m in rx.finditer(text):
            if not (_inside(m.start(1), spans) or _is_abbreviation_stop(text, m, rx)):
                points.add(m.end(1))
    if not points:
        return []
    ordered = sorted(points)
    # the non-space run around each point starts where the run containing it starts
    run_starts = [m.start() for m in _NONSPACE_RE.finditer(text)]
    groups: list[list[int]] = []  # [left, right, points...] of each edit
    for point in ordered:
        left = run_starts[bisect.bisect_right(run_starts, point - 1) - 1]
        right = point
        while right < len(text) and (text[right].isalnum() or text[right] in "-'’"):
            right += 1
        if groups and left < groups[-1][1]:  # overlaps the previous edit: widen that one
            groups[-1][1] = max(groups[-1][1], right)
            groups[-1].append(point)
        else:
            groups.append([left, right, point])
    edits: list[_Edit] = []
    for left, right, *inserts in groups:
        after = "".join(text[a:b] + " " for a, b in zip([left] + inserts, inserts)) \
            + text[inserts[-1]:right]
        edits.append(_Edit(left, right, after, "spacing"))
    return edits


_NONSPACE_RE = re.compile(r"\S+")


@functools.lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    """Tokens before a period that do not end a sentence (``data/abbreviations.txt``)."""
    words = _data_lines("abbreviations.txt")
    bad = [w for w in words if w != w.lower() or " " in w or w.endswith(".")]
    if bad:
        raise KBError(f"abbreviations are lower case, without the final period: {bad[:3]}",
                      file="abbreviations.txt")
    return frozenset(words)


def _is_abbreviation_stop(text: str, m: re.Match[str], rx: re.Pattern[str]) -> bool:
    if rx is not _STOP_RE or not m.group(1).startswith("."):
        return False
    start = m.start(1)
    word_start = start
    limit = max(0, start - _longest_abbreviation() - 1)  # a longer word is no abbreviation
    while word_start > limit and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    if word_start == limit and limit > 0 and (text[limit - 1].isalpha() or text[limit - 1] == "."):
        return False
    return text[word_start:start].lower() in abbreviations()


@functools.lru_cache(maxsize=1)
def _longest_abbreviation() -> int:
    return max(map(len, abbreviations()), default=0)


def sentence_case_edits(text: str) -> list[_Edit]:
    """Capitalise a lower-case sentence start (after ``. `` or at a paragraph start whose previous
    paragraph ended a sentence), unless the previous token is an abbreviation or the word is a
    mixed-case brand (``iPhone``)."""
    spans = _protected(text)
    edits = []
    for pos in _sentence_starts(text):
        if pos >= len(text) or not text[pos].islower() or _inside(pos, spans):
            continue
        word = re.match(r"\w+", text[pos:])
        if word is None or any(c.isupper() or c.isdigit() for c in word.group(0)[1:]):
            continue  # iPhone, my6sense: brands written in lower case on purpose
        w = word.group(0)
        edits.append(_Edit(pos, pos + len(w), w[0].upper() + w[1:], "casing"))
    return edits


def _sentence_starts(text: str) -> Iterable[int]:
    prev_end = True  # the text start is a sentence start
    pos = 0
    for para in text.split("\n"):
        stripped = para.lstrip()
        if stripped and prev_end:
            yield pos + len(para) - len(stripped)
        if stripped:  # a colon may introduce a lower-case list: not a sentence end here
            prev_end = bool(re.search(r"(?<!\.\.)[.!?][\"”’)]*\s*$", stripped))
        pos += len(para) + 1
    for m in _SENT_START_RE.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        tok = _PREV_TOKEN_RE.search(before)
        if tok and not _ends_sentence(tok.group(1)):
            continue
        yield m.start(1)


def _ends_sentence(token: str) -> bool:
    """Whether ``token`` (the one before the space) ends a sentence: not an abbreviation
    ("tsp."), an initial ("Y. pestis") or initialism ("U.S."), an ellipsis ("issues ... we"),
    nor the end of a quotation, after which a sentence often goes on ("got her!" officers said;
    the "Meth. We're on it." campaign)."""
    if token.endswith(("...", "…")) or re.search(r"[.!?][\"”’)]+$", token):
        return False
    if re.search(r"\w\.\w", token) or re.fullmatch(r"\w\.", token):
        return False
    return token.rstrip(".!?\"”’)").lower() not in abbreviations()


# --------------------------------------------------------------------------------------------
# proper names


@dataclass(slots=True)
class _Names:
    """Names keyed by their lower-cased word tuple -> (correct casing, curated?)."""

    table: dict[tuple[str, ...], tuple[str, bool]]
    prefixes: frozenset[tuple[str, ...]]


_NAME_WORD_RE = re.compile(r"\w+(?:[-'’]\w+)*")


def _data_lines(name: str) -> list[str]:
    text = resources.files("dyadwatch.clean").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@functools.lru_cache(maxsize=1)
def casing_guard() -> frozenset[str]:
    words = _data_lines("casing_guard.txt")
    bad = [w for w in words if w != w.lower() or " " in w]
    if bad:
        raise KBError(f"guard words must be single lower-case words: {bad[:3]}",
                      file="casing_guard.txt")
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def default_names() -> tuple[str, ...]:
    """The shipped list, plus the actors KB's ``casing_names()`` when the KB offers it. A KB that
    cannot be loaded is reported (warning) and repair goes on with the shipped list: casing is a
    cosmetic repair and must not stop extraction."""
    names = list(shipped_names())
    try:
        from dyadwatch.actors.kb import default_kb

        kb = default_kb()
        if hasattr(kb, "casing_names"):
            names.extend(kb.casing_names())
    except ImportError:
        pass
    except DyadwatchError as exc:
        log.warning("actors KB unavailable for name casing, using the shipped list: %s", exc)
    return tuple(names)


@functools.lru_cache(maxsize=1)
def shipped_names() -> tuple[str, ...]:
    import pycountry

    names = _data_lines("casing_names.txt")
    bad = [n for n in names if n[:1].islower()]
    if bad:
        raise KBError(f"names must be in their correct casing: {bad[:3]}", file="casing_names.txt")
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            # "Korea, Republic of" and "Saint Martin (French part)" are catalogue forms, not text
            if value and "," not in value and "(" not in value:
                names.append(value)
    return tuple(names)


@functools.lru_cache(maxsize=8)
def _compile_names(names: tuple[str, ...], curated: frozenset[str]) -> _Names:
    table: dict[tuple[str, ...], tuple[str, bool]] = {}
    for name in names:
        name = " ".join(name.split())
        if not name or not name[0].isupper() or name.isupper():
            continue  # all-caps acronyms are not written in lower case by mistake in practice
        key = tuple(w.lower() for w in _NAME_WORD_RE.findall(name))
        if key and " ".join(_NAME_WORD_RE.findall(name)) == name:
            is_curated = name in curated
            if key not in table or (is_curated and not table[key][1]):
                table[key] = (name, is_curated)
    prefixes = frozenset(k[:n] for k in table for n in range(1, len(k) + 1))
    return _Names(table, prefixes)


@functools.lru_cache(maxsize=1)
def _default_index() -> _Names:
    return _compile_names(default_names(), frozenset(shipped_names()))


def _stop_words() -> frozenset[str]:
    from dyadwatch.clean.boilerplate import stop_words

    return stop_words()


def proper_name_edits(text: str, names: Iterable[str] | None = None) -> list[_Edit]:
    """Restore the casing of known names written (partly) in lower case.

    A partly capitalised form ("white House", "latin America") is fixed from any name list. A
    wholly lower-case form ("washington") only from the curated list (the shipped names, or the
    ``names`` given), and not when the name is an ordinary word (``casing_guard``, stop words)
    or made only of ordinary words ("white house" may be a white house): a knowledge base of
    people and organisations has surnames and names like "Young" or "Civil Defence".
    """
    if names is not None:
        names = tuple(names)
        index = _compile_names(names, frozenset(names))
    else:
        index = _default_index()
    if not index.table:
        return []
    spans = _protected(text)
    words = list(_NAME_WORD_RE.finditer(text))
    lows = [m.group(0).lower() for m in words]
    edits: list[_Edit] = []
    i = 0
    while i < len(words):
        if (lows[i],) not in index.prefixes:  # the common case: no name starts here
            i += 1
            continue
        edit, used = _name_at(text, words, i, index, spans)
        if edit is not None:
            edits.append(edit)
        i += used
    return edits


def _name_at(text: str, words: list[re.Match[str]], i: int, index: _Names,
             spans: list[tuple[int, int]]) -> tuple[_Edit | None, int]:
    """The longest name starting at word ``i``: (edit or None, words consumed). Grows the word
    run while it is a prefix of some name, so the cost per word stays near one lookup."""
    best, key = 0, ()
    for n in range(1, len(words) - i + 1):
        if n > 1:
            gap = text[words[i + n - 2].end():words[i + n - 1].start()]
            if gap.strip() or "\n" in gap:
                break  # words of a name are separated by spaces only
        key = key + (words[i + n - 1].group(0).lower(),)
        if key not in index.prefixes:
            break
        if key in index.table:
            best = n
    if not best:
        return None, 1
    start, end = words[i].start(), words[i + best - 1].end()
    found = text[start:end]
    canonical, curated = index.table[tuple(m.group(0).lower() for m in words[i:i + best])]
    right = _recase(found, canonical, curated)
    if right and right != found and not _inside(start, spans) \
            and not (start and text[start - 1] in "@#/."):
        return _Edit(start, end, right, "proper_name"), best
    return None, best


def _recase(found: str, right: str, curated: bool) -> str | None:
    partly = any(c.isupper() for c in found)
    if partly and not found.split()[-1][:1].isupper():
        return None  # "State Department official": a capitalised name then an ordinary word
    if not partly:
        key = found.lower()
        if not curated or _all_common(key):
            return None
        if " " not in key and (key in casing_guard() or len(key) <= 2):
            return None
    return _fix_words(found, right)


def _all_common(key: str) -> bool:
    """A name made only of ordinary words ("white house") may be ordinary words in lower case."""
    from dyadwatch.clean.boilerplate import stop_words

    common = stop_words() | casing_guard() | _COMMON_NAME_WORDS
    return all(w in common for w in key.split())


# Ordinary English words that occur in multi-word names; an all-lower-case "white house" or
# "supreme court" may be meant literally, so only partly capitalised forms are fixed.
_COMMON_NAME_WORDS = frozenset({
    "white", "house", "state", "department", "supreme", "court", "security", "council", "united",
    "nations", "street", "west", "bank", "capitol", "hill", "gulf", "central", "north", "south",
    "east", "new", "middle", "city", "union", "european", "strip", "palace",
})


def _fix_words(found: str, right: str) -> str | None:
    """Apply ``right``'s casing word by word, only raising lower case to capitals."""
    words = found.split()
    targets = right.split()
    if len(words) != len(targets):
        return None
    stops = _stop_words()
    out = []
    for w, t in zip(words, targets):  # "the European Union" keeps its "the"
        out.append(t if w.islower() and not t.islower() and w not in stops else w)
    seps = re.findall(r"\s+", found)
    return "".join(w + (seps[i] if i < len(seps) else "") for i, w in enumerate(out))


# --------------------------------------------------------------------------------------------


def repair_text(text: str, names: Iterable[str] | None = None) -> tuple[str, list[Repair]]:
    """Repair ``text``; returns the new text and every change made (offsets in the new text)."""
    repairs: list[Repair] = []
    text = _apply(text, mojibake_edits(text), repairs)
    text = _apply(text, spacing_edits(text), repairs)
    before_casing = len(repairs)
    text = _apply(text, proper_name_edits(text, names), repairs)
    text = _apply(text, sentence_case_edits(text), repairs)
    if len(repairs) > before_casing:  # a capital can make a glued stop ("the!washington")
        text = _apply(text, spacing_edits(text), repairs)
    if repairs:
        log.debug("%d repairs", len(repairs))
    return text, repairs
