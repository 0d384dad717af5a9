"""The dictionary stage: every KB surface form (names, aliases, demonyms, capitals and seats,
organisation names and acronyms, person names and surnames, agent words, titles) in one
Aho–Corasick automaton over case- and accent-folded text, matched leftmost-longest on word
boundaries, with case rules for keys that are also common words or acronyms.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import ahocorasick
from spacy.lang.en.stop_words import STOP_WORDS

from dyadwatch.actors.kb import KB, fold, surname_keys

log = logging.getLogger(__name__)

# Which reading of a span wins when one key has several (a person's full name over a country
# alias; a title over the same word as an agent; a surname only when nothing else fits).
PRIORITY = {"person": 0, "org": 1, "country": 2, "place": 3, "demonym": 4, "title": 5,
            "agent": 6, "surname": 7}
CASE_ANY, CASE_INITIAL, CASE_UPPER, CASE_NOT_LOWER, CASE_TITLE = 0, 1, 2, 3, 4
# words an organisation's name may write in lower case ("Doctors without Borders")
NAME_SMALL = {"of", "the", "and", "for", "on", "in", "to", "at", "a", "an", "de", "del", "la",
              "le", "les", "el", "los", "las", "du", "des", "da", "do", "dos", "y", "et", "und",
              "der", "die", "van", "von", "al", "with", "without", "against", "per", "sans",
              "pour", "contre", "para", "por"}


@dataclass(slots=True, frozen=True)
class Entry:
    kind: str  # person | org | country | place | demonym | title | agent | surname
    ref: str  # person_id, org_id, ISO3/IGO code, place id, agent term or title phrase
    case: int = CASE_ANY


@dataclass(slots=True)
class Match:
    start: int
    end: int
    entries: tuple[Entry, ...]

    @property
    def best(self) -> Entry:
        return self.entries[0]

    def kinds(self) -> set[str]:
        return {e.kind for e in self.entries}


def _case_rule(written: str, kind: str, kb: KB) -> int:
    letters = re.sub(r"[^A-Za-z]", "", written)
    if letters and letters.isupper() and len(letters) <= 6 and kind not in ("agent", "title"):
        # acronyms: "US" must not match "us"; a longer one ("Nato", "Farc") may be title case
        return CASE_UPPER if len(letters) <= 3 else CASE_NOT_LOWER
    if kind == "surname" or fold(written) in kb.case_sensitive:
        return CASE_INITIAL
    if kind == "org" and " " not in written.strip():
        return CASE_INITIAL  # "Hamas", "Guardian": a name, not the word "guardian"
    if kind == "org":
        # a name of several words matches only as a name: "The Guardian", not "the guardian of";
        # "The Independent", not "the independent commission"
        return CASE_TITLE
    if kind == "person" and " " not in written.strip():
        return CASE_INITIAL
    return CASE_ANY


def case_ok(rule: int, original: str) -> bool:
    if rule == CASE_ANY:
        return True
    if rule == CASE_TITLE:
        for w in original.split():
            core = w.split("-")[-1]
            if len(core) >= 4 and w.lower() not in NAME_SMALL and core[:1].islower():
                return False
        return True
    if rule == CASE_UPPER:
        return original == original.upper()
    if rule == CASE_NOT_LOWER:
        return original != original.lower()
    return original[:1].isupper()


class Lexicon:
    """The automaton of one KB. ``scan(text)`` returns non-overlapping matches in text order."""

    def __init__(self, kb: KB):
        self.kb = kb
        self.keys: dict[str, list[Entry]] = defaultdict(list)
        self.surnames: dict[str, set[str]] = defaultdict(set)  # folded surname -> person ids
        self._build()
        self.automaton = ahocorasick.Automaton()
        for key, entries in self.keys.items():
            entries.sort(key=lambda e: PRIORITY[e.kind])
            self.automaton.add_word(key, (len(key), tuple(dict.fromkeys(entries))))
        self.automaton.make_automaton()
        log.info("lexicon: %d keys", len(self.keys))

    # ---- building
    def _add(self, written: str, kind: str, ref: str) -> None:
        written = written.strip()
        key = fold(written)
        if len(key) < 2 or (len(key) < 3 and kind in ("agent", "title")):
            return
        if kind == "surname" and (len(key) < 3 or key in STOP_WORDS):
            return  # "He", "In", "On": Phoenix aliases that are also function words
        self.keys[key].append(Entry(kind, ref, _case_rule(written, kind, self.kb)))
        if key.startswith("the ") and kind in ("country", "place", "org"):
            self._add(written[4:], kind, ref)

    def _build(self) -> None:
        kb = self.kb
        for c in kb.countries.values():
            for name in (c.name, *c.aliases):
                self._add(name, "country", c.iso3)
            for name in c.demonyms:
                self._add(name, "demonym", c.iso3)
        for p in kb.places.values():
            if p.kind != "city":
                for name in (p.name, *p.aliases):
                    self._add(name, "place", p.id)
        for o in kb.orgs.values():
            for name in (o.name, *o.aliases):
                self._add(name, "org", o.id)
        for a in kb.agents.values():
            for form in a.forms():
                self._add(form, "agent", a.term)
        for t in kb.titles:
            self._add(t.phrase, "title", t.phrase)
        for person in kb.persons.values():
            self._add_person(person)

    def _add_person(self, person) -> None:
        country = person.roles[0].country if person.roles else ""
        for name in (person.name, *person.aliases):
            if " " in name.strip():
                self._add(name, "person", person.id)
                for s in surname_keys(name, country):
                    self.surnames[fold(s)].add(person.id)
                    self._add(s, "surname", person.id)
            else:
                self.surnames[fold(name)].add(person.id)
                self._add(name, "surname", person.id)

    # ---- matching
    def scan(self, text: str) -> list[Match]:
        """Leftmost-longest dictionary matches on word boundaries, case rules applied."""
        folded = fold(text)
        found: list[Match] = []
        n = len(folded)
        for end, (length, entries) in self.automaton.iter(folded):
            start = end - length + 1
            if start > 0 and folded[start - 1].isalnum() and folded[start].isalnum():
                continue
            if end + 1 < n and folded[end + 1].isalnum() and folded[end].isalnum():
                continue
            original = text[start:end + 1]
            ok = tuple(e for e in entries if case_ok(e.case, original))
            if ok:
                found.append(Match(start, end + 1, ok))
        return _leftmost_longest(found)


def _leftmost_longest(found: list[Match]) -> list[Match]:
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    out: list[Match] = []
    last_end = -1
    for m in found:
        if m.start >= last_end:
            out.append(m)
            last_end = m.end
    return out
