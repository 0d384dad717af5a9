"""Consistency checks of a text against the knowledge base at the document's date.

- ``role_contradiction`` (high): "former President X" while X holds that office on the date; or
  "President X" after X left the office (unless the sentence is about an earlier year).
- ``name_mismatch`` (medium): an office holder named with the wrong given name (a title, then
  a given name that is neither the holder's nor an alias's, then the holder's surname); the
  mention still resolves to the holder.
  Where the title and surname fit several holders (two foreign ministers named Gil) and none of
  them has the given name written, the flag names them all (the mention stays unresolved).

Both read the title written just before a person mention ("former U.S. President", "Secretary of
State") and compare it with the roles the knowledge base records for that person on the date.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING

from dyadwatch.model import Article, Flag, Mention

if TYPE_CHECKING:  # pragma: no cover
    from dyadwatch.actors.kb import KB, RoleRecord
    from dyadwatch.nlp.parse import ParsedArticle

# How far before a name a title may start ("former U.S. Secretary of State" is 31 characters).
TITLE_WINDOW = 80
# News keeps a title for some weeks after a sudden change of office (a deposed or captured head
# of state is still "President X" in the first reports); only a title used longer after the
# holder left is a contradiction.
TITLE_GRACE = dt.timedelta(days=31)
_YEAR_RE = re.compile(r"\b(19\d\d|20\d\d)\b")


@functools.lru_cache(maxsize=4)
def _title_regex(kb: "KB") -> re.Pattern[str]:
    """Title phrases of the KB, longest first, anchored at the end of the text before a name."""
    phrases = sorted({t.phrase for t in kb.titles if len(t.phrase) > 2}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(
        r"(?P<former>\b(?:former|ex-|ex\s|erstwhile|one-time|onetime)\s*)?"
        r"(?P<then>\bthen[- ])?"
        # qualifiers: up to two capitalised words ("Colombian", "U.S."), never "Former" and
        # never a sentence's last word ("... in India. Former President X")
        r"(?P<qual>(?-i:(?:(?!(?i:former|ex|then|erstwhile)\b)[A-Z][\w’'-]*(?:(?:\.[A-Z])+\.)?\s+){0,2}))?"
        rf"(?P<title>\b(?:{alternatives}))\s*,?\s*"
        # given names the dictionary did not take into the mention ("President Paul | Chapo")
        r"(?P<given>(?-i:(?:[A-Z][\w’'-]*\s+){1,2}))?$", re.IGNORECASE)


def _titles_for(kb: "KB", phrase: str) -> list:
    key = " ".join(phrase.lower().split())
    return [t for t in kb.titles if t.phrase.lower() == key]


def _holds(records: list["RoleRecord"], roles: set[str], country: str) -> "RoleRecord | None":
    for r in records:
        if r.role in roles and (not country or r.country == country):
            return r
    return None


def _field_text(parsed: "ParsedArticle | None", article: Article, field: str) -> str:
    if parsed is not None:
        return parsed.field_text(field)
    return {"title": article.title, "subtitle": article.subtitle, "body": article.text}.get(field, "")


def kb_flags(parsed: "ParsedArticle | None", mentions: list[Mention], ref_date: dt.date | None,
             *, article: Article | None = None, kb: "KB | None" = None) -> list[Flag]:
    """Role contradictions and misnamed office holders among the person mentions."""
    if ref_date is None or not mentions:
        return []
    if kb is None:
        from dyadwatch.actors.kb import default_kb

        kb = default_kb()
    article = article or parsed.article  # type: ignore[union-attr]
    rx = _title_regex(kb)
    flags: list[Flag] = []
    seen: set[tuple[str, str]] = set()
    for m in mentions:
        if m.kind != "person" or not (m.kb_id or m.candidates):
            continue
        text = _field_text(parsed, article, m.field)
        name_start = _name_start(kb, text, m)
        before = text[max(0, name_start - TITLE_WINDOW): name_start]
        match = rx.search(before)
        if match is None:
            continue
        start = name_start - len(before) + match.start()
        span_text = text[start:m.end]
        written = (match.group("given") or "") + text[name_start:m.end]
        for flag in _check(kb, m, written, match, ref_date, text, start):
            key = (flag.kind, span_text.lower())
            if key not in seen:
                seen.add(key)
                flags.append(flag)
    return flags


@functools.lru_cache(maxsize=4)
def _title_prefix_regex(kb: "KB") -> re.Pattern[str]:
    """A title (with optional qualifiers) at the start of a mention, followed by more words."""
    phrases = sorted({t.phrase for t in kb.titles if len(t.phrase) > 2}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf".*?\b(?:{alternatives})\b[\s,]+(?=\S)", re.IGNORECASE)


def _name_start(kb: "KB", text: str, m: Mention) -> int:
    """Where the name begins inside a mention that may include its title ("U.S. President
    Jane Doe", "Secretary of State Jane Doe")."""
    match = _title_prefix_regex(kb).match(text, m.start, m.end)
    return match.end() if match else m.start


def _check(kb: "KB", m: Mention, written: str, match: re.Match[str], date: dt.date, text: str,
           start: int) -> list[Flag]:
    titles = _titles_for(kb, match.group("title"))
    roles = {r for t in titles for r in t.roles}
    # the title's country only when every reading of it is that country's ("Foreign Minister"
    # is any country's as well as the EU's)
    countries = {t.country for t in titles}
    country = m.country or (next(iter(countries)) if len(countries) == 1 else "")
    if not m.kb_id:
        return _unresolved_mismatch(kb, m, written, match, date, text, start, roles, country)
    pid = m.kb_id.removeprefix("person:")
    person = kb.person(pid)
    if person is None:
        return []
    now = kb.roles_of(pid, date)
    held_now = _holds(now, roles, country) if roles else None
    span = text[start:m.end]
    out: list[Flag] = []
    if match.group("former") and held_now is not None:
        since = f" (since {held_now.start.isoformat()})" if held_now.start else ""
        out.append(Flag("role_contradiction", "high", start, m.end, span,
                        f"On {date.isoformat()} {person.name} is {held_now.title}{since}; "
                        "the text calls him or her a former holder of the office.", field=m.field))
    elif not match.group("former") and not match.group("then") and roles and held_now is None:
        past = [r for r in person.roles if r.role in roles and (not country or r.country == country)
                and r.end is not None and r.end + TITLE_GRACE < date]
        if past and not _about_earlier_year(text, m.start, date):
            last = max(past, key=lambda r: r.end)
            out.append(Flag("role_contradiction", "high", start, m.end, span,
                            f"{person.name} left the office of {last.title} on "
                            f"{last.end.isoformat()}; on {date.isoformat()} the text still gives "
                            "the title as current.", field=m.field))
    mismatch = _name_mismatch(person, written)
    if mismatch and (held_now is not None or not roles):
        out.append(Flag("name_mismatch", "medium", start, m.end, span,
                        f"The holder of this office on {date.isoformat()} is {person.name}; "
                        f"the text names {written!r}.", field=m.field))
    return out


def _unresolved_mismatch(kb: "KB", m: Mention, written: str, match: re.Match[str],
                         date: dt.date, text: str, start: int, roles: set[str],
                         country: str) -> list[Flag]:
    """A titled name the resolver left between several office holders: a flag when every
    candidate holding the office on the date bears the written surname and none the written
    given name. Not for a "former" or "then" title (no holder at the date to compare with)."""
    if not roles or match.group("former") or match.group("then"):
        return []
    holders = []
    for cid in dict.fromkeys(m.candidates):
        person = kb.person(cid.removeprefix("person:"))
        held = _holds(kb.roles_of(person.id, date), roles, country) if person else None
        if held is not None:
            holders.append((person, held))
    if not holders or not all(_name_mismatch(p, written) for p, _ in holders):
        return []
    names = "; ".join(f"{p.name} ({r.title})" for p, r in holders)
    return [Flag("name_mismatch", "medium", start, m.end, text[start:m.end],
                 f"No holder of this office on {date.isoformat()} is named {written!r}; the "
                 f"holders with that surname are {names}.", field=m.field)]


def _about_earlier_year(text: str, pos: int, date: dt.date) -> bool:
    """The sentence around ``pos`` names a year before ``date``: a historical reference."""
    left = max(text.rfind(".", 0, pos), text.rfind("\n", 0, pos)) + 1
    right_dot = text.find(".", pos)
    right = right_dot if right_dot >= 0 else len(text)
    years = [int(y) for y in _YEAR_RE.findall(text[left:right])]
    return any(y < date.year for y in years)


def _given_names(name: str) -> set[str]:
    parts = name.replace(".", " ").split()
    return {p.lower() for p in parts[:-1]} if len(parts) > 1 else set()


def _name_mismatch(person, written: str) -> bool:
    """The written name has a given name that is neither the person's nor an alias's, while
    its last word is the person's surname ("john Doe" for Jane Doe)."""
    words = written.replace(".", " ").split()
    if len(words) < 2:
        return False
    first, last = words[0].lower(), words[-1].lower()
    names = [person.name, *person.aliases]
    if not any(n.split()[-1].lower() == last for n in names if n.split()):
        return False
    known = set().union(*(_given_names(n) for n in names))
    known |= {k[0] for k in known}  # initials ("J. Biden")
    return first not in known and first.rstrip(".") not in known
