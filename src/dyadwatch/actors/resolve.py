"""Actor mentions resolved against the knowledge base at a date.

Method, per segment of a parsed article (title, subtitle, body, captions, table rows):
1. dictionary stage (:class:`~dyadwatch.actors.lexicon.Lexicon`): KB names, aliases, demonyms,
   capitals and seats, organisations, people, surnames, agent words and titles;
2. composition: adjacent matches joined into one actor phrase when the words between them are
   modifiers (spaCy POS ADJ/NOUN/PROPN/NUM) or connectors ("'s", "of the", a hyphen):
   "American warplanes" -> USA MIL, "Colombia's Ministry of Foreign Affairs" -> COL GOV,
   "Secretary of State jon Doe" -> the USA foreign minister at the date whose surname is Doe;
3. spaCy NER for PERSON/ORG/NORP names the KB lacks (kind person/org/group, country left empty);
4. within-document reference: a bare surname ("Petro") or title ("the president") takes the
   entity of a full mention in the document (an earlier one first); a title with no antecedent
   goes to the holder of that office in the document's main country, when there is one.
A mention that cannot be decided keeps empty fields and lists its ``candidates``; nothing is
guessed. Capitals and seats stand for their government ("Washington said" -> USA GOV) unless
a locative preposition precedes them ("in Bogotá"): then kind stays ``capital`` and the sector
is left empty so the event coder can treat them as places.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dyadwatch.actors.kb import KB, RoleRecord, default_kb, fold, surname_keys
from dyadwatch.actors.lexicon import Entry, Lexicon, Match
from dyadwatch.nlp.parse import ensure_entities
from dyadwatch.model import Location, Mention

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc

    from dyadwatch.nlp.parse import ParsedArticle, Segment

log = logging.getLogger(__name__)

# Words allowed between a country-like modifier and the agent or title it modifies when no POS
# tags are available (resolve_phrase without a parse); with a parse, ADJ/NOUN/PROPN/NUM are.
MODIFIERS = {"new", "former", "top", "senior", "chief", "deputy", "acting", "interim", "outgoing",
             "incoming", "then", "ousted", "exiled", "elected", "designate", "late", "veteran",
             "local", "regional", "national", "federal", "state", "special", "own", "foreign",
             "military", "civilian", "armed", "riot", "security", "government", "opposition",
             "rebel", "peace", "trade", "vice", "first", "second", "two", "three", "several"}
MODIFIER_POS = {"ADJ", "NOUN", "PROPN", "NUM"}
LOCATIVE = {"in", "at", "near", "outside", "inside", "around", "across", "throughout", "into",
            "within", "toward", "towards", "via", "visit", "visited", "visiting", "to"}
# "the president" resolves to a main country's holder only when that country clearly leads the
# document: at least this share of country-bearing mentions and this ratio over the runner-up.
MAIN_SHARE, MAIN_RATIO = 0.4, 1.5
# role words without a country take the main country only when it is named this often
DOMESTIC_MIN = 3
PRINCIPAL = {"head_of_state", "head_of_government", "head_of_state_and_government",
             "foreign_minister", "defence_minister", "interior_minister", "finance_minister",
             "igo_head", "security_official"}
NAME_AFTER_TITLE = re.compile(r"^\s+((?:[A-Z][\w.'’-]*\s?){1,4})")
CLOSE = {"person"}


@dataclass(slots=True)
class Element:
    match: Match
    entry: Entry
    start: int
    end: int


@dataclass(slots=True)
class Draft:
    """A mention being resolved, with what is still pending for the document-level pass."""

    mention: Mention
    surname: str = ""  # folded surname waiting for an antecedent
    title_roles: tuple[str, ...] = ()  # a bare title waiting for an antecedent
    title_country: str = ""
    person_ids: list[str] = field(default_factory=list)
    locative: bool = False
    stray: bool = False  # a surname-looking word with no antecedent: dropped if still unresolved
    bare_pick: bool = False  # a person picked from a bare surname (no title, no given name)


def _today() -> dt.date:
    return dt.date.today()


class Resolver:
    """Resolves actor mentions in articles and phrases. Build once; reuse across documents."""

    # a person picked from a bare surname needs support from the rest of the article
    # (``_unsupported``); False only to measure what the check changes (bench/eval_actor_support.py)
    context_check = True

    def __init__(self, kb: KB | None = None):
        self.kb = kb or default_kb()
        self.lexicon = Lexicon(self.kb)
        self._titles = {t.phrase: [x for x in self.kb.titles if x.phrase == t.phrase]
                        for t in self.kb.titles}

    # ------------------------------------------------------------ public API
    def resolve_article(self, parsed: "ParsedArticle", date: dt.date | None) -> list[Mention]:
        """Every actor mention in every segment, resolved at ``date`` (today when None)."""
        date = date or _today()
        drafts: list[Draft] = []
        for seg in parsed.segments:
            drafts.extend(self._segment(seg, date))
        self._corefer(drafts, date)
        if self.context_check:
            self._unsupported(drafts, parsed, date)
        return [d.mention for d in drafts if not (d.stray and not d.mention.kb_id)]

    def _unsupported(self, drafts: list[Draft], parsed: "ParsedArticle",
                     date: dt.date | None = None) -> None:
        """A person picked from a bare surname stays unresolved (the pick kept as a candidate)
        when nothing else in the article involves that person's country: no country, demonym,
        capital, organisation, titled or full-named person of it, and not the dateline. A bare
        "Morales" in a Bolivian article is not a Guatemalan ex-president; never a guess across
        countries."""
        support = {d.mention.country for d in drafts
                   if d.mention.country and not d.bare_pick and d.mention.kind != "group"}
        dateline = getattr(parsed.article, "dateline", "") or ""
        if dateline:
            loc = self.locate(dateline.split(",")[0])
            if loc is not None and loc.country:
                support.add(loc.country)
        for d in drafts:
            m = d.mention
            if m.kind == "person" and m.kb_id and date is not None:
                self._supported_office(d, drafts, date)
            if not d.bare_pick or not m.kb_id or m.country in support:
                continue
            m.candidates = [m.kb_id]
            m.kind, m.name, m.country, m.sector, m.code, m.kb_id, m.role = (
                "person", "", "", "", "", "", "")
            m.confidence = 0.2

    def _supported_office(self, d: Draft, drafts: list[Draft], day: dt.date) -> None:
        """A person holding offices in several countries at the date (a monarch of several
        realms) is taken in the one the rest of the article involves."""
        m = d.mention
        current = self.kb.roles_of(m.kb_id, day)
        if len({r.country for r in current}) < 2:
            return
        support = {x.mention.country for x in drafts if x.mention.country and not x.bare_pick
                   and x.mention.kind != "group" and x.mention.kb_id != m.kb_id}
        rows = [r for r in current if r.country in support]
        if rows and m.country not in {r.country for r in rows}:
            rec = rows[0]
            m.country, m.sector = rec.country, rec.sector
            m.code = self.kb.code_for(rec.country, rec.sector)
            m.role = rec.title or _role_label(self.kb, rec)

    def resolve_phrase(self, text: str, date: dt.date | None = None) -> Mention:
        """One phrase ("American warplanes", "Rubio", "Colombia's Ministry of Foreign Affairs")
        as one actor; an unresolved phrase gives a Mention with empty fields."""
        date = date or _today()
        matches = self.lexicon.scan(text)
        base = Mention(text=text, start=0, end=len(text), sentence=0, field="phrase")
        if not matches:
            return base
        elements = [Element(m, m.best, m.start, m.end) for m in matches]
        draft = self._interpret(text, elements, date, phrase_mode=True)
        if draft is None:
            return base
        self._corefer([draft], date)
        m = draft.mention
        m.text, m.start, m.end = text, 0, len(text)
        return m

    def locate(self, text: str) -> Location | None:
        """A place name (country, capital, seat, city in the KB) -> Location(text, country, lat,
        lon); a country gives its capital's coordinates."""
        key = fold(text.strip()).removeprefix("the ")
        for p in self.kb.places.values():
            if key in {fold(n).removeprefix("the ") for n in (p.name, *p.aliases)}:
                return Location(text=text, country=p.country, lat=p.lat, lon=p.lon)
        for m in self.lexicon.scan(text):
            for e in m.entries:
                if e.kind in ("country", "demonym") and m.end - m.start >= len(text.strip()) - 4:
                    return self._country_location(text, e.ref)
        return None

    def _country_location(self, text: str, iso3: str) -> Location:
        cap = next((p for p in self.kb.places.values()
                    if p.country == iso3 and p.kind == "capital"), None)
        return Location(text=text, country=iso3, lat=cap.lat if cap else None,
                        lon=cap.lon if cap else None)

    # ------------------------------------------------------------ per segment
    def _segment(self, seg: "Segment", date: dt.date) -> list[Draft]:
        drafts: list[Draft] = []
        starts = [s.start for s in seg.sentences]
        for offset, doc in seg.docs or [(0, None)]:
            piece = doc.text if doc is not None else seg.text
            pos = _pos_lookup(doc)
            found = [self._interpret(piece, g, date, pos=pos)
                     for g in _group(piece, self.lexicon.scan(piece), pos)]
            found = [d for d in found if d is not None]
            if doc is not None:
                ensure_entities(doc, _unexplained(doc, found))
            for d in found:
                d.stray = _stray_surname(d, doc)
                if (not d.stray and d.surname and not d.mention.kb_id
                        and len(set(d.mention.candidates)) == 1 and _ner_person(d, doc)):
                    # a bare surname with one bearer in the KB that the recogniser reads as a
                    # person: that bearer, though out of the offices the KB records at the date
                    self._from_person(d, d.mention.candidates[0], date, "", 0.6)
                    d.bare_pick = True  # kept only if the article involves that bearer's country
            found.extend(self._ner(piece, doc, [(d.mention.start, d.mention.end) for d in found]))
            found.sort(key=lambda d: d.mention.start)
            for d in found:
                m = d.mention
                m.start, m.end, m.field = m.start + offset, m.end + offset, seg.field
                m.sentence = _sentence_of(seg, starts, m.start)
            drafts.extend(found)
        return drafts

    def _ner(self, piece: str, doc: "Doc | None", taken: list[tuple[int, int]]) -> list[Draft]:
        """PERSON/ORG/NORP entities the dictionary did not cover."""
        if doc is None or not doc.has_annotation("ENT_IOB"):
            return []
        out = []
        for ent in doc.ents:
            if ent.label_ not in ("PERSON", "ORG", "NORP"):
                continue
            s, e = ent.start_char, ent.end_char
            if any(s < b and a < e for a, b in taken) or not ent.text[:1].isupper():
                continue
            kind = {"PERSON": "person", "ORG": "org", "NORP": "group"}[ent.label_]
            m = Mention(text=ent.text, start=s, end=e, sentence=0, kind=kind, confidence=0.3)
            d = Draft(m)
            if kind == "person":
                toks = ent.text.split()
                d.surname = fold(toks[-1]) if toks else ""
            out.append(d)
        return out

    # ------------------------------------------------------------ interpretation
    def _interpret(self, text: str, elements: list[Element], date: dt.date, *,
                   pos=None, phrase_mode: bool = False) -> Draft | None:
        els = _choose_readings(elements, phrase_mode)
        start, end = els[0].start, els[-1].end
        span_text = text[start:end]
        country = self._phrase_country(els, text)
        titles = [e for e in els if e.entry.kind == "title"]
        agents = [e for e in els if e.entry.kind == "agent"]
        people = [e for e in els if e.entry.kind in ("person", "surname")]
        # a full name beats a surname; of several surnames the last is the family name
        person = next((e for e in people if e.entry.kind == "person"), None) or \
            (people[-1] if people else None)
        m = Mention(text=span_text, start=start, end=end, sentence=0)
        draft = Draft(m)
        if person is None and titles and titles[-1] is els[-1]:
            name = _name_after(text, end, pos)
            if name:
                m.end = end + name[0]
                m.text = text[start:m.end]
                return self._unknown_person(draft, name[1], titles[-1], country)
        return self._former(self._read(draft, text, els, country, titles, agents, person, date,
                                       phrase_mode, pos), text, start, date)

    def _read(self, draft: Draft, text: str, els: list[Element], country: str,
              titles: list[Element], agents: list[Element], person: Element | None,
              date: dt.date, phrase_mode: bool, pos) -> Draft | None:
        if person is not None:
            return self._person(draft, person, titles, country, date, phrase_mode, text, els,
                                agents, pos)
        if els[-1].entry.kind == "country" and not titles and not agents:
            return self._country(draft, els[-1].entry.ref, els, text)
        if titles and (not agents or titles[-1].start >= agents[-1].start):
            return self._title_only(draft, titles[-1], country, date)
        org = next((e for e in reversed(els) if e.entry.kind == "org"), None)
        if agents:
            return self._agent(draft, agents[-1], country, org)
        if org is not None:
            if len(els) == 1 and " " not in text[org.start:org.end].strip() and \
                    _name_follows(text, org.end, pos):
                return None  # "Independent National Electoral Commission" is not The Independent
            return self._org(draft, org, country)
        place = next((e for e in els if e.entry.kind == "place"), None)
        if place is not None and len(els) == 1:
            if self.kb.places[place.entry.ref].kind == "region" and _name_follows(text, place.end,
                                                                                  pos):
                return None  # "Virginia Giuffre", "Texas Instruments": a name, not the state
            return self._place(draft, place, text)
        if country and len(els) == 1 and els[0].entry.kind == "demonym":
            return self._people(draft, text, els[0], country)
        if country:
            return self._country(draft, country, els, text)
        return None

    def _former(self, draft: Draft | None, text: str, start: int, date: dt.date
                ) -> Draft | None:
        """"Former President X", "ex-minister Y", "ousted leader Z": a former official is ELI
        (CAMEO). A person the KB has in an office at the date keeps it: "former general, now
        president" names an earlier office, and a page's slip ("former President" for the
        serving one) does not outweigh the record."""
        if draft is None:
            return None
        m = draft.mention
        conv = self.kb.conventions
        if m.sector not in conv.get("former_sectors", ()) or m.kind not in ("person", "agent"):
            return draft
        if m.kb_id and self.kb.person(m.kb_id) is not None and self.kb.roles_of(m.kb_id, date):
            return draft
        before = [w for w in re.split(r"[\s\-‐–]+", fold(text[max(0, start - 24):start])) if w]
        words = set(before[-1:]) | set(re.split(r"[\s\-‐–]+", fold(m.text)))
        if words & set(conv.get("former_words", ())):
            m.sector = ELITE
            m.code = self.kb.code_for(m.country, ELITE) if m.country else ""
        return draft

    def _people(self, draft: Draft, text: str, el: Element, country: str) -> Draft:
        """A demonym standing alone: singular ("Colombian") reads as the country; plural
        ("Nigerians") is the country's people (CVL); "ethnic Albanians" are an ethnic group
        whose country is where they live, which the demonym does not say."""
        before = fold(text[max(0, el.start - 8):el.start]).split()
        written = text[el.start:el.end]
        if before and before[-1] == "ethnic":
            self._finish(draft, kind="group", sector="CVL", confidence=0.3,
                         candidates=[f"country:{country}"])
            draft.mention.country = ""
            return draft
        if written.endswith("s") and fold(written) != fold(self.kb.country_name(country)):
            return self._finish(draft, kind="group", country=country, sector="CVL",
                                name=self.kb.country_name(country), kb_id=f"country:{country}",
                                confidence=0.7)
        return self._country(draft, country, [el], text)

    def _phrase_country(self, els: list[Element], text: str = "") -> str:
        """The actor's country: a country noun heading the phrase ("NATO-member Norway"), else
        the first country-bearing modifier ("Colombian", "Colombia's", "the Kremlin's")."""
        bearing = [(e, self._country_of(e.entry)) for e in els]
        bearing = [(e, c) for e, c in bearing if c]
        if not bearing:
            return ""
        last_e, last_c = bearing[-1]
        if last_e is els[-1] and last_e.entry.kind == "country" and not (
                len(bearing) > 1 and _complement(text, els, last_e)):
            return last_c
        return bearing[0][1]

    def _country_of(self, entry: Entry) -> str:
        kb = self.kb
        if entry.kind in ("country", "demonym"):
            return entry.ref
        if entry.kind == "place":
            return kb.places[entry.ref].country
        if entry.kind == "org":
            return kb.orgs[entry.ref].country
        if entry.kind == "title":
            countries = {t.country for t in self._titles.get(entry.ref, ())}
            return countries.pop() if len(countries) == 1 else ""
        return ""

    def _finish(self, draft: Draft, *, kind: str, country: str = "", sector: str = "",
                name: str = "", kb_id: str = "", role: str = "", confidence: float = 0.5,
                candidates: list[str] | None = None) -> Draft:
        m = draft.mention
        m.kind, m.country, m.sector, m.name = kind, country, sector if country else sector, name
        m.code = self.kb.code_for(country, sector) if country else ""
        m.kb_id, m.role, m.confidence = kb_id, role, confidence
        m.candidates = candidates or []
        return draft

    def _country(self, draft: Draft, country: str, els: list[Element], text: str = "") -> Draft:
        """A country named as an actor stands for its government (POLECAT, ICEWS: "Iran
        warned" is IRN GOV); after "in"/"at" it is a place and takes no sector."""
        m = draft.mention
        draft.locative = bool(text) and _is_locative(text, m.start, m.end)
        sector = "" if draft.locative or not text else self.kb.conventions.get("country_sector", "")
        return self._finish(draft, kind="country", country=country, sector=sector,
                            name=self.kb.country_name(country), kb_id=f"country:{country}",
                            confidence=0.9)

    def _place(self, draft: Draft, el: Element, text: str) -> Draft:
        place = self.kb.places[el.entry.ref]
        draft.locative = _is_locative(text, el.start, el.end)
        region = place.kind == "region"  # a state or province acting is its government
        sector = "" if draft.locative else place.sector or (
            self.kb.conventions.get("country_sector", "") if region else "")
        return self._finish(draft, kind="region" if region else "capital", country=place.country,
                            sector=sector,
                            name=place.name, kb_id=f"place:{place.id}",
                            confidence=0.6 if sector else 0.8)

    def _org(self, draft: Draft, el: Element, country: str) -> Draft:
        org = self.kb.orgs[el.entry.ref]
        kind = "group" if org.kind == "group" else "org"
        own = org.country if org.country not in ("IGO", "NGO", "MNC", "INT") or not country \
            else country
        return self._finish(draft, kind=kind, country=own, sector=org.sector, name=org.name,
                            kb_id=f"org:{org.id}", confidence=0.85)

    def _agent(self, draft: Draft, el: Element, country: str, org) -> Draft:
        agent = self.kb.agents.get(el.entry.ref)
        sector = agent.sector if agent else ""
        if org is not None and not country:
            country = self.kb.orgs[org.entry.ref].country
        if org is not None and sector in self.kb.conventions.get("member_of_group_sectors", ()):
            sector = self.kb.orgs[org.entry.ref].sector or sector  # "Taliban fighters" -> REB
        return self._finish(draft, kind="agent", country=country, sector=sector,
                            confidence=0.8 if country else 0.4)

    def _title_only(self, draft: Draft, el: Element, country: str, date: dt.date) -> Draft:
        titles = self._titles.get(el.entry.ref, [])
        roles = tuple(dict.fromkeys(r for t in titles for r in t.roles))
        sector = titles[0].sector if titles else "GOV"
        if country and not el.entry.ref.endswith("s"):
            holders = self.kb.holders_any(_roles_for(titles, country), country, date)
            ids = list(dict.fromkeys(h.person_id for h in holders))
            if len(ids) == 1:
                return self._holder(draft, holders[0], 0.8)
        draft.title_roles, draft.title_country = roles, country
        return self._finish(draft, kind="agent", country=country, sector=sector, confidence=0.4)

    def _holder(self, draft: Draft, rec: RoleRecord, confidence: float) -> Draft:
        person = self.kb.person(rec.person_id)
        return self._finish(draft, kind="person", country=rec.country, sector=rec.sector,
                            name=person.name if person else rec.name, kb_id=rec.person_id,
                            role=rec.title or _role_label(self.kb, rec), confidence=confidence)

    def _unknown_person(self, draft: Draft, name: str, title: Element, country: str) -> Draft:
        titles = self._titles.get(title.entry.ref, [])
        sector = titles[0].sector if titles else "GOV"
        draft.surname = fold(name.split()[-1])
        return self._finish(draft, kind="person", country=country, sector=sector if country
                            else "", name=name.strip(), confidence=0.5 if country else 0.3)

    def _person(self, draft: Draft, el: Element, titles: list[Element], country: str,
                date: dt.date, phrase_mode: bool = False, text: str = "",
                els: list[Element] = (), agents: list[Element] = (), pos=None) -> Draft:
        ids = [e.ref for e in el.match.entries if e.kind == el.entry.kind]
        if el.entry.kind == "surname" and text:
            kept = [p for p in ids if not self._name_conflict(text, el, els, p, pos)]
            if not kept:
                # the written name is not any bearer's: "Ted Cruz" is not Manuel Marrero Cruz,
                # "Bobi Wine" not a Bobi, "Kano State" not a person; its role word still counts
                sector = (self._titles[titles[-1].entry.ref][0].sector if titles else
                          self.kb.agents[agents[-1].entry.ref].sector if agents and
                          agents[-1].entry.ref in self.kb.agents else "")
                if agents and not titles:  # "Kano State government": the government
                    return self._agent(draft, agents[-1], country, None)
                if not titles and not agents:  # "First Phone": the recogniser decides (stray)
                    draft.surname = fold(text[el.start:el.end])
                return self._finish(draft, kind="person", country=country, sector=sector,
                                    candidates=list(dict.fromkeys(ids)), confidence=0.3)
            ids = kept
        roles, tcountry = self._title_constraint(titles)
        bare = el.entry.kind == "surname" and not titles and not phrase_mode
        pick, cands = self._pick_person(ids, date, roles, country or tcountry, strict=bare,
                                        title=titles[-1].entry.ref if titles else "")
        if pick is None and el.entry.kind == "person" and len(set(ids)) == 1:
            pick = ids[0]  # a full name with one bearer is that person, in office or not
        if pick is not None:
            sector = self._titles[titles[-1].entry.ref][0].sector if titles else ""
            # a bare surname, or a full name whose one bearer holds no office at the date (a
            # namesake: "John Williams" of a New York bank is not Barbados's), needs the
            # article's support for that country (``_unsupported``)
            draft.bare_pick = (bare or (el.entry.kind == "person" and not phrase_mode and not
                                        titles and not self.kb.roles_of(pick, date))) and not country
            return self._from_person(draft, pick, date, country or tcountry, 0.9, roles, sector)
        if el.entry.kind == "surname":
            draft.surname = fold(draft.mention.text[el.start - draft.mention.start:])
            draft.person_ids = ids
        sector = self._titles[titles[-1].entry.ref][0].sector if titles and country else ""
        if not titles and agents and agents[-1].entry.ref in self.kb.agents:
            sector = self.kb.agents[agents[-1].entry.ref].sector  # "Sen. X": a legislator
        return self._finish(draft, kind="person", country=country, sector=sector,
                            candidates=cands, confidence=0.3)

    def _name_conflict(self, text: str, el: Element, els: list[Element], pid: str,
                       pos=None) -> bool:
        """The words written around a surname say it is not this person: a capitalised word
        right after it that is not a known follower ("Bobi Wine", "Kano State", "York Times"),
        or a given name right before it that none of the person's names has ("Ted Cruz")."""
        conv = self.kb.conventions
        after = re.match(r"^ ([A-Z][\w'’.-]*)", text[el.end:el.end + 40])
        if after and fold(after.group(1)).strip(".") not in conv.get("name_followers", ()) and \
                not any(e.start == el.end + 1 for e in els) and not _title_cased(text, el.start) \
                and (pos is None or pos.get(el.end + 1) == "PROPN"):
            return True
        window = text[max(0, el.start - 40):el.start]
        before = re.search(r"([A-Z][\w'’-]*\.?) $", window)
        if not before or any(e.start <= el.start - len(before.group(0)) < e.end for e in els):
            return False
        at = el.start - len(before.group(0))
        if pos is not None:
            if pos.get(at) != "PROPN":
                return False  # "Later Quispe spoke": a capitalised word, not a given name
        elif window[:before.start()].rstrip()[-1:] in (".", "!", "?") and fold(
                window[:before.start()].split()[-1]).rstrip(".") not in NOT_GIVEN:
            return False  # first word of a sentence (not after "Sen."): undecidable unparsed
        given = fold(before.group(1)).rstrip(".")
        if given in NOT_GIVEN or not given or (before.group(1).endswith(".") and len(given) > 1):
            return False  # a title, a particle, or the last word of the previous sentence
        person = self.kb.person(pid)
        if person is None:
            return False
        names = {t for n in (person.name, *person.aliases) for t in re.split(r"[\s.-]+", fold(n))
                 if t}
        return not any(_given_fits(given, t) for t in names)

    def _title_constraint(self, titles: list[Element]) -> tuple[set[str], str]:
        if not titles:
            return set(), ""
        rows = self._titles.get(titles[-1].entry.ref, [])
        # a country only when every reading of the title is that country's ("Secretary of
        # State"); "Foreign Minister" is any country's as well as the EU's
        countries = {t.country for t in rows}
        return {r for t in rows for r in t.roles}, countries.pop() if len(countries) == 1 else ""

    def _pick_person(self, ids: list[str], date: dt.date, roles: set[str],
                     country: str, strict: bool = False,
                     title: str = "") -> tuple[str | None, list[str]]:
        """One person among same-named candidates: the one holding a matching office at the
        date (of several, the one whose office is called by the written ``title``: "Prime
        Minister" is Jordan's prime minister rather than Tanzania's president); else the only
        one active at the date; else the only candidate. Several left: none picked, all
        returned as candidates. ``strict`` (a bare surname in running text) accepts only a
        holder of a principal office at the date: other surnames wait for an antecedent in the
        document."""
        ids = list(dict.fromkeys(ids))
        active = [p for p in ids if self.kb.roles_of(p, date)]
        tests = []
        if roles:
            tests.append(lambda p: any(r.role in roles and (not country or r.country == country)
                                       for r in self.kb.roles_of(p, date)))
        if country:
            tests.append(lambda p: any(r.country == country for r in self.kb.roles_of(p, date)))
        tests.append(lambda p: any(r.role in PRINCIPAL for r in self.kb.roles_of(p, date)))
        if strict:
            tests = tests[-1:]
        for k, test in enumerate(tests):
            hit = [p for p in active if test(p)]
            if len(hit) > 1 and roles and title and k == 0 and not strict:
                called = [p for p in hit if any(
                    r.role in roles and title in (r.title or "").lower()
                    for r in self.kb.roles_of(p, date))]
                hit = called if len(called) == 1 else hit
            if len(hit) == 1:
                return hit[0], ids
            if len(hit) > 1:
                return None, hit
        if strict:
            return None, active or ids
        if len(active) == 1:
            return active[0], ids
        if len(ids) == 1 and (not roles or not active):
            return ids[0], ids  # one bearer of the name (a title and a surname out of office too)
        if roles and not active:
            ever = [p for p in ids if any(r.role in roles and (not country or r.country == country)
                                          for r in self.kb.person(p).roles)]
            if len(ever) == 1:
                return ever[0], ids  # the only bearer who ever held the office the title names
        return None, active or ids

    def _from_person(self, draft: Draft, pid: str, date: dt.date, country: str,
                     confidence: float, roles: set[str] = frozenset(), sector: str = "") -> Draft:
        person = self.kb.person(pid)
        current = self.kb.roles_of(pid, date)
        if country:
            current = [r for r in current if r.country == country] or current
        if roles:
            current = [r for r in current if r.role in roles] or current
        if current:
            rec = current[0]
            return self._finish(draft, kind="person", country=rec.country, sector=rec.sector,
                                name=person.name, kb_id=pid,
                                role=rec.title or _role_label(self.kb, rec), confidence=confidence)
        home = country or _latest_country(person)
        # out of office at the date: a former holder (every office of theirs in that country
        # ended before the date) is ELI, as CAMEO codes former officials; else the sector the
        # person is known by (their latest office: not yet in it, or of unknown end)
        sector = sector or (ELITE if _former(person, home, date) else _latest_sector(person, home))
        return self._finish(draft, kind="person", country=home, sector=sector,
                            name=person.name if person else "", kb_id=pid,
                            confidence=confidence - 0.2)

    # ------------------------------------------------------------ document-level reference
    def _corefer(self, drafts: list[Draft], date: dt.date) -> None:
        full = [(i, d) for i, d in enumerate(drafts) if d.mention.kind == "person"
                and d.mention.kb_id and not d.surname]
        main = self._main_country(drafts)
        for i, d in enumerate(drafts):
            if d.surname and not d.mention.kb_id:
                self._surname_ref(d, i, full, date)
            elif d.title_roles and d.mention.kind == "agent":
                self._title_ref(d, i, drafts, main, date)
        if main and not self.kb.is_igo(main) and sum(
                d.mention.country == main and not (d.locative and d.mention.kind != "country")
                for d in drafts) >= DOMESTIC_MIN:
            self._domestic(drafts, main)

    def _domestic(self, drafts: list[Draft], main: str) -> None:
        """Role words with no country of their own ("the protesters", "prosecutors", "the
        Legislature") in an article that one country clearly leads are that country's: a
        reporter names the country once and then writes "police". Only the sectors of domestic
        life (``domestic_sectors``); armed forces and foreign-facing roles are not assumed."""
        domestic = set(self.kb.conventions.get("domestic_sectors", ()))
        for d in drafts:
            m = d.mention
            if m.kind == "agent" and not m.country and m.sector in domestic and not d.locative:
                m.country = main
                m.code = self.kb.code_for(main, m.sector)
                m.confidence = min(m.confidence, 0.5)

    def _surname_ref(self, d: Draft, i: int, full, date: dt.date) -> None:
        ante = [(j, f) for j, f in full if d.surname in
                {fold(s) for s in surname_keys(f.mention.name, f.mention.country)}]
        if not ante:
            return
        before = [f for j, f in ante if j < i]
        f = before[-1] if before else ante[0][1]
        self._copy(d, f, 0.85 if before else 0.75)

    def _title_ref(self, d: Draft, i: int, drafts: list[Draft], main: str, date: dt.date) -> None:
        for f in reversed(drafts[:i]):
            m = f.mention
            if m.kind != "person" or not m.kb_id:
                continue
            if d.title_country and m.country != d.title_country:
                continue
            if any(r.role in d.title_roles for r in self.kb.roles_of(m.kb_id, date)):
                self._copy(d, f, 0.7)
                return
        country = d.title_country or main
        if not country:
            return
        holders = self.kb.holders_any(d.title_roles, country, date)
        ids = list(dict.fromkeys(h.person_id for h in holders))
        if len(ids) == 1:
            self._holder(d, holders[0], 0.6)
        else:
            d.mention.candidates = ids

    def _copy(self, d: Draft, f: Draft, confidence: float) -> None:
        src, m = f.mention, d.mention
        m.kind, m.name, m.country, m.sector = "person", src.name, src.country, src.sector
        m.code, m.kb_id, m.role, m.candidates = src.code, src.kb_id, src.role, []
        m.confidence = confidence

    def _main_country(self, drafts: list[Draft]) -> str:
        counts = Counter(d.mention.country for d in drafts if d.mention.country
                         and not (d.locative and d.mention.kind != "country")
                         and d.mention.kind != "group")
        if not counts:
            return ""
        top = counts.most_common(2)
        total = sum(counts.values())
        if top[0][1] / total < MAIN_SHARE:
            return ""
        if len(top) > 1 and top[0][1] < MAIN_RATIO * top[1][1]:
            return ""
        return top[0][0]


# ---------------------------------------------------------------- grouping
# capitalised words before a surname that are not given names
NOT_GIVEN = {"the", "a", "an", "mr", "mrs", "ms", "dr", "gen", "sen", "rep", "gov", "lt", "col",
             "sgt", "capt", "maj", "adm", "prof", "sir", "dame", "lord", "lady", "st", "and", "but",
             "in", "on", "at", "as", "if", "when", "while", "after", "before", "by", "for", "of",
             "to", "with", "from", "says", "said", "told", "asked", "under", "since", "then",
             "president", "minister", "leader", "king", "queen", "prince", "princess", "sheikh",
             "emir", "general", "senator", "judge", "justice", "ambassador", "mayor", "governor",
             "chancellor", "premier", "secretary", "chairman", "chief", "commander", "speaker",
             "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
             # name particles: "Omar El Bashir" is Omar al-Bashir
             "al", "el", "ul", "ad", "ar", "as", "an", "bin", "ibn", "abu", "de", "da", "di", "do",
             "dos", "du", "van", "von", "der", "den", "le", "la", "del", "mac", "mc", "o"}


def _name_follows(text: str, end: int, pos) -> bool:
    """A capitalised word (a proper noun, with a parse) right after ``end``."""
    after = re.match(r"^ ([A-Z][\w'’.-]*)", text[end:end + 40])
    if not after or _title_cased(text, end):
        return False
    return pos is None or pos.get(end + 1) == "PROPN"


def _title_cased(text: str, at: int) -> bool:
    """A headline written in title case ("Petro and Trump Hold First Phone Call"): capitals say
    nothing about names there."""
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text[max(0, at - 60):at + 60])]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _given_fits(given: str, token: str) -> bool:
    """A written given name fits a KB name token: equal, an initial or short form of it ("J",
    "Vlad"), the same first three letters, or a spelling variant (edit distance <= 2 for names
    of five letters or more: "Sergei"/"Sergey", "Mohammed"/"Muhammad")."""
    if given == token or (len(given) <= 2 and token.startswith(given)):
        return True
    if len(given) >= 3 and len(token) >= 3 and given[:3] == token[:3]:
        return True
    return min(len(given), len(token)) >= 5 and _edits(given, token) <= 2


def _edits(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _complement(text: str, els: list[Element], last: Element) -> bool:
    """A country after "to"/"in"/"at"/"from" completes the head ("the US ambassador to
    China", "Russia's envoy in Syria"): the actor is the first country's."""
    i = els.index(last)
    gap = text[els[i - 1].start:last.start] if i > 0 else ""  # "ambassador to" is one agent
    return bool(re.search(r"\b(to|in|at|from|for|on)\s+(the\s+)?$", gap))


def _pos_lookup(doc: "Doc | None"):
    """char offset -> coarse POS of the token starting there (None without a tagger)."""
    if doc is None or not doc.has_annotation("POS"):
        return None
    from spacy.attrs import IDX, POS

    arr = doc.to_array([IDX, POS])  # one C call, not a Python Token object per word
    names = {int(v): doc.vocab.strings[int(v)] for v in set(arr[:, 1].tolist())}
    return {int(i): names[int(v)] for i, v in arr.tolist()}


def _gap_words(gap: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in re.finditer(r"[’']s\b|[\w.]+|-|[^\s\w]", gap)]


def _modifier(word: str, offset: int, pos, names: bool = True) -> bool:
    """A word that may stand between a modifier and its head. ``names`` allows proper nouns
    (between a title and a surname: "Secretary of State jon Doe"); before an agent or title
    only adjectives and nouns are, so a title-case headline verb ("US Threatens Military")
    does not join."""
    if word.lower() in MODIFIERS:
        return True
    if pos is not None and offset in pos:
        allowed = MODIFIER_POS if names else MODIFIER_POS - {"PROPN"}
        return pos[offset] in allowed and word.lower() not in ("and", "or")
    return names and word[:1].isupper()


def _joinable(text: str, left: Element, right: Element, pos) -> bool:
    gap = text[left.end:right.start]
    if "\n" in gap or len(gap) > 40:
        return False
    L, R = left.entry.kind, right.entry.kind
    if L in ("person", "surname"):
        return False
    words = _gap_words(gap)
    lows = [w.lower() for _, w in words]
    if lows and lows[0] in ("of",) and set(lows) <= {"of", "the"}:
        return L in ("title", "agent", "org") and R in ("country", "org", "place", "demonym")
    if lows and lows[0] in ("'s", "’s"):
        rest = words[1:]
        return L in ("country", "place", "org", "demonym") and R in ("agent", "title", "org") \
            and all(_modifier(w, left.end + o, pos) for o, w in rest)
    if "-" in lows:
        return R in ("country", "demonym", "agent", "title") and len(words) <= 2
    if any(not re.match(r"^[\w.]+$", w) for w in lows) or len(words) > 3:
        return False
    names = R in ("person", "surname")
    if not all(_modifier(w, left.end + o, pos, names) for o, w in words):
        return False
    if R in ("agent", "title"):
        return L in ("country", "demonym", "place", "org", "agent", "title")
    if R in ("person", "surname"):
        return L in ("title", "country", "demonym", "agent", "org")
    if R == "org":
        return L in ("country", "demonym") and not words
    return False


def _group(text: str, matches: list[Match], pos) -> list[list[Element]]:
    groups: list[list[Element]] = []
    for m in matches:
        el = Element(m, m.best, m.start, m.end)
        if groups and _joinable(text, groups[-1][-1], _best_for_join(groups[-1][-1], m), pos):
            groups[-1].append(_best_for_join(groups[-1][-1], m))
        elif groups and _given_then_surname(text, groups[-1], m):
            surname = next(e for e in m.entries if e.kind == "surname")
            groups[-1].append(Element(m, surname, m.start, m.end))
        else:
            groups.append([el])
    return groups


def _given_then_surname(text: str, group: list[Element], m: Match) -> bool:
    """After a title, a word the KB knows as someone's surname followed by another surname is a
    given name and a family name ("Foreign Minister Paul Gil"): the last one is the family
    name, and the title decides who it is."""
    last = group[-1]
    return (group[0].entry.kind == "title" and len(group) <= 3
            and last.entry.kind in ("surname", "person") and text[last.end:m.start] == " "
            and any(e.kind == "surname" for e in m.entries))


def _best_for_join(left: Element, m: Match) -> Element:
    """After a title the same key reads as a person's surname, not an agent: pick the reading
    that fits the left neighbour."""
    if left.entry.kind == "title":
        for e in m.entries:
            if e.kind in ("person", "surname"):
                return Element(m, e, m.start, m.end)
    return Element(m, m.best, m.start, m.end)


def _choose_readings(elements: list[Element], phrase_mode: bool) -> list[Element]:
    """A title followed by nothing in the phrase is a title; a surname-only phrase keeps its
    surname reading; a demonym heading a phrase with nothing after it reads as the country."""
    return elements


def _name_after(text: str, end: int, pos) -> tuple[int, str] | None:
    """Capitalised unknown name words right after a title ("President Abdelaziz Bouteflika")."""
    m = NAME_AFTER_TITLE.match(text[end:end + 60])
    if not m:
        return None
    words = m.group(1).split()
    keep = []
    for w in words:
        if w.lower() in _STOP or (pos is not None and pos.get(end + m.start(1) + _offset(m.group(1), w))
                                   not in (None, "PROPN", "NOUN")):
            break
        keep.append(w)
    if not keep:
        return None
    name = " ".join(keep).rstrip(".,")
    return m.start(1) + len(m.group(1)[:m.group(1).find(keep[-1]) + len(keep[-1])].rstrip(".,")), name


def _offset(s: str, w: str) -> int:
    return s.find(w)


_STOP = {"the", "on", "in", "at", "of", "and", "said", "says", "has", "had", "was", "is", "will",
         "would", "to", "for", "with", "who", "from", "as", "by", "but", "after", "before"}


def _is_locative(text: str, start: int, end: int) -> bool:
    before = fold(text[max(0, start - 30):start]).split()
    while before and before[-1] in ("the", "a"):
        before.pop()
    if before and before[-1] in LOCATIVE:
        return True
    after = text[end:end + 4].strip()
    return not text[:start].strip() and after[:1] in ("—", "-", "–", ",")  # a dateline


def _roles_for(titles, country: str) -> tuple[str, ...]:
    fit = [t for t in titles if t.country == country] or [t for t in titles if not t.country]
    return tuple(dict.fromkeys(r for t in fit for r in t.roles))


def _unexplained(doc: "Doc", found: list[Draft]) -> list[tuple[int, int]]:
    """Character ranges the dictionary left unexplained: unresolved bare surnames, and runs of
    two or more proper nouns outside every dictionary mention (a full name or an organisation the
    KB lacks). Only their sentences need the entity recogniser. Single capitalised words are left
    out: most are places, products or words the dictionary rightly ignored, and running the
    recogniser for them costs more than the whole dictionary stage."""
    out = [(d.mention.start, d.mention.end) for d in found if d.surname and not d.mention.kb_id]
    from spacy.attrs import IDX, LENGTH, POS

    taken = sorted((d.mention.start, d.mention.end) for d in found)
    starts = [a for a, _ in taken]
    propn = doc.vocab.strings["PROPN"]
    text = doc.text
    run: list[tuple[int, int]] = []

    def inside(i: int) -> bool:  # mentions do not overlap: the one starting last before i
        k = bisect.bisect_right(starts, i) - 1
        return k >= 0 and i < taken[k][1]

    # token arrays in one C call: no Python Token object per word
    for idx, length, pos in [*doc.to_array([IDX, LENGTH, POS]).tolist(), (-1, 0, -1)]:
        if pos == propn and text[idx:idx + 1].isupper() and not inside(idx):
            run.append((idx, idx + length))
            continue
        if len(run) >= 2:
            out.append((run[0][0], run[-1][1]))
        run = []
    return out


def _ner_person(d: Draft, doc: "Doc | None") -> bool:
    m = d.mention
    return doc is not None and any(e.label_ == "PERSON" and e.start_char <= m.start
                                   and m.end <= e.end_char for e in doc.ents)


def _stray_surname(d: Draft, doc: "Doc | None") -> bool:
    """An unresolved bare surname that spaCy does not tag as a person (a capitalised common word
    in a headline, a photographer's name in a credit) is a word that happens to be a surname in
    the KB, not a mention. Undecided when the recogniser did not run on that sentence."""
    if not d.surname or d.mention.kb_id or doc is None:
        return False
    m = d.mention
    if fold(m.text) != d.surname:
        return False  # a title, demonym or given name with the surname: a person is meant
    span = doc.char_span(m.start, m.end, alignment_mode="expand")
    if span is None or any(t.ent_iob == 0 for t in span):
        return False
    return not any(e.label_ == "PERSON" and e.start_char <= m.start and m.end <= e.end_char
                   for e in doc.ents)


ELITE = "ELI"


def _former(person, country: str, date: dt.date) -> bool:
    rows = [r for r in (person.roles if person else []) if not country or r.country == country]
    return bool(rows) and all(r.end is not None and r.end < date for r in rows)


def _latest_sector(person, country: str) -> str:
    rows = [r for r in (person.roles if person else []) if not country or r.country == country]
    return max(rows, key=lambda r: r.start or dt.date.min).sector if rows else ""


def _latest_country(person) -> str:
    if person is None or not person.roles:
        return ""
    return max(person.roles, key=lambda r: r.start or dt.date.min).country


def _role_label(kb: KB, rec: RoleRecord) -> str:
    if rec.role == "other":
        return ""
    return f"{rec.role.replace('_', ' ')} ({kb.country_name(rec.country)})"


def _sentence_of(seg: "Segment", starts: list[int], offset: int) -> int:
    if not seg.sentences:
        return 0
    i = max(0, bisect.bisect_right(starts, offset) - 1)
    return seg.sentences[i].index


@functools.lru_cache(maxsize=1)
def default_resolver() -> Resolver:
    """The shared resolver over :func:`default_kb`; built once per process."""
    return Resolver()
