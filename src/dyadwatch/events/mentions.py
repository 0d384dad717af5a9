"""Actor mentions seen from the parse: which mention a token belongs to, what a noun phrase or a
pronoun refers to, and the article's main pair of countries.

The resolver gives mentions as character offsets in a field's text; the coder walks spaCy tokens.
``SentenceMentions`` maps one sentence's tokens to the mentions that cover them.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dyadwatch.model import Mention

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

# Clausal dependents whose words belong to another clause, not to the noun phrase they hang from.
CLAUSAL = frozenset({"relcl", "acl", "ccomp", "advcl", "xcomp", "parataxis", "csubj", "appos"})
PERSON_PRONOUNS = frozenset({"he", "him", "his", "she", "her", "hers", "himself", "herself"})
THING_PRONOUNS = frozenset({"it", "its", "itself", "they", "them", "their", "theirs", "themselves"})
FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our", "you", "your"})
PLACE_KINDS = frozenset({"country", "capital", "place", "city", "region", "province"})
COUNTRY_KINDS = frozenset({"country", "capital", "place", "person", "agent", "org", "group"})


def has_country(m: Mention) -> bool:
    return bool(m.country)


def is_actor_mention(m: Mention) -> bool:
    """A mention that can act: resolved to a country, a sector or a KB entity (not a bare place
    written after "in"/"at", which the resolver leaves without a sector)."""
    if m.kind in ("capital", "region") and not m.sector:
        return False
    return bool(m.country or m.sector or m.kb_id or m.code)


@dataclass(slots=True)
class FieldMentions:
    """The mentions of one field sorted by start offset, for lookups by character offset."""

    mentions: list[Mention]
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.mentions.sort(key=lambda m: (m.start, -m.end))
        self.starts = [m.start for m in self.mentions]

    def at(self, start: int, end: int) -> Mention | None:
        """The longest mention overlapping [start, end)."""
        i = bisect.bisect_right(self.starts, end) - 1
        best: Mention | None = None
        while i >= 0:
            m = self.mentions[i]
            if m.end > start and m.start < end and (best is None or m.end - m.start > best.end - best.start):
                best = m
            if start - m.start > 300:  # no mention is longer than this: stop looking back
                break
            i -= 1
        return best

    def before(self, offset: int, limit: int = 1500) -> Iterable[Mention]:
        """Mentions ending before ``offset``, nearest first, within ``limit`` characters."""
        i = bisect.bisect_left(self.starts, offset) - 1
        while i >= 0:
            m = self.mentions[i]
            if offset - m.end > limit:
                return
            if m.end <= offset:
                yield m
            i -= 1


class SentenceMentions:
    """Token -> mention for one sentence. ``offset`` turns token.idx into the field offset."""

    def __init__(self, span: "Span", offset: int, fm: FieldMentions):
        self.span = span
        self.doc = span.doc
        self.offset = offset
        self.fm = fm
        self.by_token: dict[int, Mention] = {}
        for tok in span:
            m = fm.at(offset + tok.idx, offset + tok.idx + len(tok.text))
            if m is not None:
                self.by_token[tok.i] = m

    def of(self, tok: "Token") -> Mention | None:
        return self.by_token.get(tok.i)

    def char(self, tok: "Token") -> int:
        return self.offset + tok.idx

    def in_phrase(self, head: "Token") -> list[Mention]:
        """Mentions inside the noun phrase of ``head`` (its subtree without clauses), the one
        nearest the head first: "U.S. military actions" -> U.S. military."""
        own = self.of(head)
        if own is not None and (own.country or own.kb_id):
            return [own]
        found: list[tuple[int, Mention]] = []
        stack = [c for c in head.children if c.dep_ not in CLAUSAL and c.dep_ not in ("prep", "cc", "punct")]
        seen: set[int] = set()
        while stack:
            tok = stack.pop()
            m = self.of(tok)
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                found.append((abs(tok.i - head.i), m))
            stack.extend(c for c in tok.children if c.dep_ not in CLAUSAL)
        found.sort(key=lambda x: x[0])
        out = [m for _d, m in found if m is not own]
        if own is not None:
            # a group named by its head ("Kurds", "supporters") with a country modifier ("Iraqi")
            country = next((m for m in out if m.country and m.kind in ("country", "capital")), None)
            if country is not None and own.kind in ("group", "agent", "unknown"):
                own = dataclasses.replace(own, country=country.country, code=country.country + own.sector)
            return [own] + out
        return out

    def sole_country(self, besides: str = "") -> Mention | None:
        """The only country the sentence names (other than ``besides``), if it names exactly one."""
        found: dict[str, Mention] = {}
        for m in self.by_token.values():
            if m.country and m.country != besides and len(m.country) == 3 and m.kind in COUNTRY_KINDS \
                    and not m.code.startswith(("IGO", "NGO", "INT", "MNC")):
                found.setdefault(m.country, m)
        return next(iter(found.values())) if len(found) == 1 else None

    def phrase_place(self, head: "Token", depth: int = 1) -> Mention | None:
        """Like ``phrase_country`` but only places (countries, capitals, cities): "the capital city
        of Algiers" -> Algiers; "support of Mendez" is no place."""
        m = self.phrase_country(head, depth, places_only=True)
        return m

    def phrase_country(self, head: "Token", depth: int = 2, places_only: bool = False) -> Mention | None:
        """A country-bearing mention in the phrase of ``head`` or in its of/for/from/in
        complements: "supporters of Ahmed Ben Bella" -> DZA, "a camp for Congolese refugees" -> COD."""
        for m in self.in_phrase(head):
            if m.country and (not places_only or m.kind in PLACE_KINDS):
                return m
        if depth <= 0:
            return None
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ in ("of", "for", "from", "in", "at"):
                for pobj in (g for g in c.children if g.dep_ == "pobj"):
                    m = self.phrase_country(pobj, depth - 1, places_only)
                    if m is not None:
                        return m
        return None

    def pronoun(self, tok: "Token", exclude: Iterable[Mention] = ()) -> Mention | None:
        """The antecedent of a third-person pronoun: the nearest earlier mention of a person
        ("he", "him") or of a country, organisation or group ("it", "they"), skipping ``exclude``
        (the other argument of the event: "Carter ... meeting him" is not Carter)."""
        word = tok.lower_
        if word in PERSON_PRONOUNS:
            kinds = {"person"}
        elif word in THING_PRONOUNS:
            kinds = {"country", "org", "agent", "capital", "group"}
        else:
            return None
        skip = {(m.kb_id or m.country or m.text) for m in exclude}
        for m in self.fm.before(self.char(tok)):
            if m.kind in kinds and is_actor_mention(m) and (m.kb_id or m.country or m.text) not in skip:
                return m
        return None


def article_dyad(mentions: list[Mention], min_mentions: int = 2) -> tuple[str, str] | None:
    """The two countries an article is about: the two most mentioned, if each is mentioned at
    least ``min_mentions`` times. Title mentions count three times (the headline names the story)."""
    counts: Counter[str] = Counter()
    for m in mentions:
        if m.country:
            counts[m.country] += 3 if m.field in ("title", "subtitle") else 1
    top = counts.most_common(2)
    if len(top) < 2 or top[1][1] < min_mentions:
        return None
    return top[0][0], top[1][0]
