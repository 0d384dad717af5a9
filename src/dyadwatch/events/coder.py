"""The event coder: PLOVER events with actor, recipient, date, place, status and evidence.

``EventCoder.code_article(parsed, mentions, ref_date)`` codes every sentence of every field of a
parsed article (title, subtitle, body, captions, table rows), using the actor mentions of the
resolver, then merges the reports of one event into one ``Event`` with several evidence spans.
``code_text`` does the whole chain (parse, resolve, code) for a sentence or a paragraph.

Per sentence (see ``frames`` and ``compose``): triggers from the lexicon, composition with cues,
arguments from the dependency parse, status. Then here: the date (a date expression attached to
the trigger, else the sentence's only date, else the month of the reference date), the place
(a place attached with "in"/"at"), actor references from the mentions, a confidence, and two
article-level completions: a side the sentence leaves implicit takes the other country of the
article's main pair ("Peru lost its preferential status" -> the other country of the pair), and a protest by an
unnamed crowd is placed in the country where it happens.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from dyadwatch.errors import KBError
from dyadwatch.events.compose import build_frames
from dyadwatch.events.frames import LOCATIVE_PREPS, Frame, FrameBuilder, Party, lemma
from dyadwatch.events.lexicon import Lexicon, default_lexicon
from dyadwatch.events.mentions import FieldMentions, SentenceMentions, article_dyad
from dyadwatch.events.merge import event_id, merge_events
from dyadwatch.model import ActorRef, Article, Event, Evidence, Location, Mention
from dyadwatch.nlp.dates import date_spans, resolve_date

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

    from dyadwatch.nlp.parse import ParsedArticle, Segment, Sentence

log = logging.getLogger(__name__)

SETTINGS_FILE = Path(__file__).resolve().parent / "data" / "coder.json"
SETTINGS_SCHEMA = Path(__file__).resolve().parent / "data" / "schema" / "coder.schema.json"
HEADLINE_FIELDS = ("title", "subtitle")
_WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]*\b")
MAX_DATE_CLIMB = 8  # dependency levels between a date expression and the trigger it dates


@functools.lru_cache(maxsize=1)
def coder_settings() -> dict[str, Any]:
    try:
        data = json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
        jsonschema.validate(data, json.loads(SETTINGS_SCHEMA.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read the coder settings: {exc}", file=str(SETTINGS_FILE)) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(exc.message, file=str(SETTINGS_FILE), field="/".join(str(p) for p in exc.absolute_path)) from exc
    return data


@dataclass(slots=True)
class _Context:
    """What the coder knows about the whole article while coding one of its sentences."""

    doc_id: str
    ref_date: dt.date | None
    dyad: tuple[str, str] | None
    home: Location | None
    fields: dict[str, FieldMentions] = field(default_factory=dict)


@dataclass(slots=True)
class _Sides:
    actor: str = "none"
    recipient: str = "none"


def _title_case(text: str, ratio: float) -> bool:
    words = [w for w in _WORD.findall(text) if len(w) > 3]
    if len(words) < 3:
        return False
    return sum(w[0].isupper() for w in words) / len(words) >= ratio


class EventCoder:
    """Codes events; holds the lexicon, the settings and (lazily) spaCy and the resolver."""

    def __init__(self, lexicon: Lexicon | None = None, settings: dict[str, Any] | None = None,
                 nlp=None, resolver=None, model: Any = "default",
                 min_confidence: float | None = None):
        self.lex = lexicon or default_lexicon()
        self.settings = settings or coder_settings()
        if model == "default":
            model = "learned" if self.settings.get("model", {}).get("enabled") else None
        if model == "learned":
            from dyadwatch.events.learn.judge import default_judge
            model = default_judge()
        # None: the rules alone decide; a Judge: the learned model decides on the rules' events
        self.judge = model
        self.min_confidence = min_confidence  # events reported under this are dropped
        self._nlp = nlp
        self._resolver = resolver
        self._places: dict[str, Location | None] = {}
        conf = self.settings["confidence"]
        self._actor_f, self._recip_f, self._path_f = conf["actor"], conf["recipient"], conf["path"]

    @property
    def nlp(self):
        if self._nlp is None:
            from dyadwatch.nlp.parse import get_nlp
            self._nlp = get_nlp()
        return self._nlp

    @property
    def resolver(self):
        if self._resolver is None:
            from dyadwatch.actors.resolve import default_resolver
            self._resolver = default_resolver()
        return self._resolver

    # ------------------------------------------------------------------ entry points

    def code_text(self, text: str, date: dt.date | None = None) -> list[Event]:
        """Events of a sentence or paragraph: parsed, resolved at ``date`` and coded."""
        from dyadwatch.nlp.parse import parse_article

        article = Article(doc_id="text", source="<text>", text=text or "", published=date)
        if not article.text.strip() or not self.looks_english(article.text):
            return []
        parsed = parse_article(article, self.nlp)
        mentions = self.resolver.resolve_article(parsed, date)
        return self.code_article(parsed, mentions, date)

    def code_article(self, parsed: "ParsedArticle", mentions: list[Mention], ref_date: dt.date | None,
                     dateline: str = "") -> list[Event]:
        """Events of every field of the article, merged across title, body, captions and tables."""
        language = parsed.article.language
        if language and not language.lower().startswith("en"):
            log.info("%s: language %s; the coder reads English only", parsed.article.source, language)
            return []
        ctx = self._context(parsed, mentions, ref_date, dateline)
        events: list[Event] = []
        for sent, span, sentence_events, sentence_mentions in self.rule_sentences(parsed, ctx):
            if self.judge is not None:
                sentence_events = self.judge(span, sentence_events, sentence_mentions)
            events.extend(sentence_events)
        self._fill_from_dyad(events, ctx)
        events = [e for e in events if not _apolitical(e)]
        merged = merge_events(events, self.settings["confidence"]["merge_bonus"])
        if self.min_confidence is not None:
            merged = [e for e in merged if e.confidence >= self.min_confidence]
        seen: dict[str, int] = {}
        for e in merged:
            base = event_id(ctx.doc_id, e)
            # two events can share every keyed field (two readings of one span the merge kept
            # apart because a detail differs): number the repeats so ids stay unique per store
            seen[base] = seen.get(base, 0) + 1
            e.id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        return merged

    def rule_sentences(self, parsed: "ParsedArticle", ctx: "_Context | None" = None,
                       mentions: list[Mention] | None = None, ref_date: dt.date | None = None):
        """(sentence, span read, the rules' events, the sentence's mentions) of every sentence,
        before any article-level completion: what the model judges, at training and run time."""
        if ctx is None:
            ctx = self._context(parsed, mentions or [], ref_date, "")
        for seg in parsed.segments:
            fm = ctx.fields.setdefault(seg.field, FieldMentions([]))
            by_sentence: dict[int, list[Mention]] = {}
            for m in fm.mentions:
                by_sentence.setdefault(m.sentence, []).append(m)
            for sent in seg.sentences:
                span, evs = self._code_sentence(sent, seg, fm, ctx)
                yield sent, span, evs, by_sentence.get(sent.index, [])

    def looks_english(self, text: str) -> bool:
        """Whether ``text`` reads as English: short texts pass; longer ones need English
        function words (a cheap, deterministic check; the extraction stage detects languages)."""
        cfg = self.settings["english"]
        words = re.findall(r"[a-zA-Z\u00C0-\u024F']+", text[:5000].lower())
        if len(words) < cfg["min_words"]:
            return True
        common = sum(w in self._function_words for w in words)
        return common / len(words) >= cfg["min_share"]

    @functools.cached_property
    def _function_words(self) -> frozenset[str]:
        return frozenset(self.settings["english"]["function_words"])

    # ------------------------------------------------------------------ the article

    def _context(self, parsed: "ParsedArticle", mentions: list[Mention], ref_date: dt.date | None,
                 dateline: str) -> _Context:
        by_field: dict[str, list[Mention]] = {}
        for m in mentions:
            by_field.setdefault(m.field, []).append(m)
        dyad = article_dyad(mentions, self.settings["dyad_fill"]["min_mentions"])
        dateline = dateline or parsed.article.dateline
        home = self._locate(dateline) if dateline else None
        return _Context(doc_id=parsed.article.doc_id, ref_date=ref_date, dyad=dyad, home=home,
                        fields={f: FieldMentions(ms) for f, ms in by_field.items()})

    def _locate(self, text: str) -> Location | None:
        text = text.strip()
        if text not in self._places:
            try:
                self._places[text] = self.resolver.locate(text) if text else None
            except (AttributeError, ValueError) as exc:  # a resolver without gazetteer: no place
                log.debug("locate(%r) failed: %s", text, exc)
                self._places[text] = None
        return self._places[text]

    # ------------------------------------------------------------------ one sentence

    def _span(self, sent: "Sentence", seg: "Segment", fm: FieldMentions) -> tuple["Span", int]:
        """The parse to read: a title-case headline is re-parsed in sentence case (same offsets)."""
        span = sent.span
        offset = sent.start - span.start_char
        if seg.field in HEADLINE_FIELDS and _title_case(sent.text, self.settings["title_case_ratio"]):
            text = self._sentence_case(sent.text, fm, sent.start)
            if len(text) == len(sent.text):
                doc = self.nlp(text)
                return doc[:], sent.start
        return span, offset

    @staticmethod
    def _sentence_case(text: str, fm: FieldMentions, start: int) -> str:
        out = list(text)
        for m in _WORD.finditer(text):
            word = m.group(0)
            if m.start() == 0 or not word[0].isupper() or word.isupper() or len(word) == 1:
                continue
            if fm.at(start + m.start(), start + m.end()) is not None:
                continue
            low = word.lower()
            if len(low) == len(word):
                out[m.start():m.end()] = list(low)
        return "".join(out)

    def _code_sentence(self, sent: "Sentence", seg: "Segment", fm: FieldMentions, ctx: _Context,
                       ) -> tuple["Span", list[Event]]:
        span, offset = self._span(sent, seg, fm)
        if len(span) > self.settings["max_sentence_tokens"]:
            log.info("sentence %d has %d tokens; coding its first %d", sent.index, len(span),
                     self.settings["max_sentence_tokens"])
            span = span[: self.settings["max_sentence_tokens"]]
        sm = SentenceMentions(span, offset, fm)
        headline = seg.field in HEADLINE_FIELDS or seg.field.startswith("table.")
        builder = FrameBuilder(self.lex, span, sm, headline=headline)
        frames = build_frames(builder)
        out: list[Event] = []
        for f in frames:
            out.extend(self._events(f, sent, span, sm, ctx, headline or seg.field.startswith("caption.")))
        return span, out

    def _events(self, f: Frame, sent: "Sentence", span: "Span", sm: SentenceMentions, ctx: _Context,
                fragment: bool) -> list[Event]:
        ont = self.lex.ontology
        entry = ont.lookup(f.code)
        if entry is None or not entry.type:
            return []
        date, date_text, precision = self._date(f, span, ctx.ref_date, fragment)
        location = self._location(f, sm)
        evidence = Evidence(sentence=sent.index, start=sent.start + (len(sent.text) - len(sent.text.lstrip())),
                            end=sent.start + len(sent.text.rstrip()), text=sent.text.strip(), field=sent.field)
        trigger = f"{f.cue.text} {f.trigger.text}" if f.cue is not None and f.cue.i < f.trigger.i else f.trigger.text
        depth = clause_depth(f.cue if f.cue is not None and f.cue.pos_ != "AUX" else f.trigger)
        out: list[Event] = []
        for a, r in self._pairs(f):
            actor, recipient, sides = self._refs(a, r, entry.type, location, ctx, sm, f.code)
            e = Event(type=entry.type, actor=actor, recipient=recipient, evidence=evidence, mode=entry.mode,
                      context=list(entry.context), cameo=f.code, quad_class=ont.quad_class(f.code),
                      intensity=ont.intensity(entry.type, entry.mode), status=f.status,
                      confidence=self._confidence(f, sides, depth), date=date, date_text=date_text,
                      date_precision=precision, location=location, trigger=trigger,
                      mentions=[evidence])
            out.append(e)
        return out

    @staticmethod
    def _pairs(f: Frame) -> list[tuple[Party | None, Party | None]]:
        def distinct(parties: list[Party]) -> list[Party]:
            seen: set[str] = set()
            out = []
            for p in parties:
                k = (p.mention.country if p.mention is not None and p.mention.country else p.key())
                if k not in seen:
                    seen.add(k)
                    out.append(p)
            return out

        def resolved_first(parties: list[Party]) -> list[Party]:
            named = [p for p in parties if p.mention is not None and p.mention.country]
            return named or parties[:1]

        actors, recips = distinct(f.actors), resolved_first(distinct(f.recipients))
        if f.reciprocal and len(actors) >= 2:
            return [(a, b) for a in actors for b in actors if a is not b]
        return [(a, r) for a in (actors or [None]) for r in (recips or [None])]

    def _refs(self, a: Party | None, r: Party | None, etype: str, location: Location | None,
              ctx: _Context, sm: SentenceMentions, code: str = "") -> tuple[ActorRef, ActorRef, _Sides]:
        sides = _Sides(actor=self._how(a), recipient=self._how(r))
        actor = a.mention.actor() if a is not None and a.mention is not None else ActorRef(text=a.text if a else "")
        recipient = r.mention.actor() if r is not None and r.mention is not None else ActorRef(text=r.text if r else "")
        if actor.text and not actor.country and a is not None and self._group(a, sm):
            place = self._party_place(a, sm) or location or self._sentence_place(sm) or self._sole(sm) or \
                (ctx.home if etype == "PROTEST" else None)
            if place is not None and place.country:  # a crowd, rebels, "the government": coded by where
                actor.country = place.country
                actor.sector = actor.sector or (self.settings["group_sector"] if etype == "PROTEST" else "")
                actor.code = actor.country + actor.sector
                sides.actor = "group"
        if recipient.text and not recipient.country and r is not None:
            place = self._party_place(r, sm) or location or self._sentence_place(sm) or self._sole(sm)
            if place is not None and place.country:  # "refugees in Liberia", "a camp for Congolese refugees"
                recipient.country = place.country
                recipient.code = place.country + recipient.sector
                sides.recipient = "group"
        if not recipient.text and not recipient.country and actor.country and code in self.settings["domestic_codes"]:
            recipient = ActorRef(country=actor.country, code=actor.country)  # a curfew is imposed at home
            sides.recipient = "inferred"
        if not recipient.text and not recipient.country and etype in self.settings["sentence_recipient_types"]:
            other = sm.sole_country(besides=actor.country)
            if other is not None and actor.country:
                # the one other country the sentence names ("threatened to stop talks if the
                # United States ..."): the single-sentence form of the article's main pair
                recipient = ActorRef(country=other.country, code=other.country)
                sides.recipient = "inferred"
        if (not recipient.text and not recipient.country and location is not None and location.country
                and etype in self.settings["location_recipient_types"]):
            # CAMEO codes the place of a one-sided action as its target ("lifted the curfew in
            # Montenegro", "arrived in Amman"); a domestic action targets the actor's own country
            recipient = ActorRef(text=location.text, country=location.country, code=location.country)
            sides.recipient = "location"
        return actor, recipient, sides

    @staticmethod
    def _sole(sm: SentenceMentions) -> Location | None:
        m = sm.sole_country()
        return Location(text=m.text, country=m.country) if m is not None else None

    def _sentence_place(self, sm: SentenceMentions) -> Location | None:
        """The first place written after "in"/"at" anywhere in the sentence."""
        for tok in sm.span:
            if tok.dep_ == "prep" and tok.lower_ in LOCATIVE_PREPS:
                for pobj in (g for g in tok.children if g.dep_ == "pobj"):
                    place = self._place_of(pobj, sm)
                    if place is not None and place.country:
                        return place
        return None

    def _group(self, p: Party, sm: SentenceMentions) -> bool:
        """An unresolved party named by a group word ("protesters", "rebels", "the government")."""
        if p.mention is not None and p.mention.kind in ("agent", "group") and not p.mention.kb_id:
            return True
        if p.token_i < 0:
            return False
        return lemma(sm_token(sm, p)) in self.lex.cues.group_nouns

    def _party_place(self, p: Party, sm: SentenceMentions) -> Location | None:
        """A place written in the party's own phrase: "Rebels in the Ivory Coast", "Demonstrators in Baghdad"."""
        if p.token_i < 0:
            return None
        m = sm.phrase_country(sm_token(sm, p))
        if m is None:
            return None
        return self._locate(m.text) if m.kind in ("country", "capital", "place") else Location(text=m.text, country=m.country)

    @staticmethod
    def _how(p: Party | None) -> str:
        if p is None:
            return "none"
        if p.mention is not None and (p.mention.country or p.mention.kb_id):
            return "pronoun" if p.how == "pronoun" else "resolved"
        return "unresolved"

    def _confidence(self, f: Frame, sides: _Sides, depth: int = 0) -> float:
        c = f.weight * self._actor_f[sides.actor] * self._recip_f[sides.recipient] * self._path_f.get(f.path, 1.0)
        c *= max(self.settings["confidence"]["clause_floor"], self.settings["confidence"]["clause_factor"] ** depth)
        c *= self.settings["confidence"]["status"].get(f.status, 1.0)
        return round(max(self.settings["confidence"]["min_confidence"], min(0.99, c)), 3)

    # ------------------------------------------------------------------ dates and places

    @staticmethod
    def _date_entities(span: "Span") -> list["Span"]:
        """DATE entities of the sentence; where the entity recogniser did not run on it (the
        pipeline runs it on demand only), the date expressions ``date_spans`` finds."""
        if span[0].ent_iob != 0:
            return [e for e in span.ents if e.label_ == "DATE"]
        out = []
        for start, end in date_spans(span.text):
            e = span.doc.char_span(span.start_char + start, span.start_char + end,
                                   label="DATE", alignment_mode="expand")
            if e is not None:
                out.append(e)
        return out

    def _date(self, f: Frame, span: "Span", ref: dt.date | None, fragment: bool) -> tuple[str, str, str]:
        ents = self._date_entities(span)
        anchors = {t.i for t in f.anchors}
        attached: list[tuple[int, int, Any]] = []
        for e in ents:
            level = self._attach_level(e.root, anchors)
            if level is not None:
                attached.append((level, abs(e.start - f.trigger.i), e))
        attached.sort(key=lambda x: (x[0], x[1]))
        candidates = [e for _l, _d, e in attached]
        resolved = [(e, resolve_date(e.text, ref)) for e in ents]
        resolved = [(e, r) for e, r in resolved if r]
        if fragment or len(resolved) == 1:  # a headline, caption or row; or the sentence's only date
            candidates += [e for e, _r in sorted(resolved, key=lambda x: abs(x[0].start - f.trigger.i))]
        for e in candidates:
            found = resolve_date(e.text, ref)
            if found:
                return found[0], e.text, found[1]
        if ref is not None:
            return f"{ref.year:04d}-{ref.month:02d}", "", "month"
        return "", "", ""

    @staticmethod
    def _attach_level(tok: "Token", anchors: set[int]) -> int | None:
        t = tok
        for level in range(MAX_DATE_CLIMB):
            if t.i in anchors:
                return level
            if t.head.i == t.i:
                return None
            t = t.head
        return None

    def _location(self, f: Frame, sm: SentenceMentions) -> Location | None:
        extra = [c for c in f.trigger.children if c.dep_ in ("dobj", "nsubjpass")]
        extra += [g for c in f.trigger.children if c.dep_ == "prep" and c.lower_ in ("at", "on", "against", "into", "to")
                  for g in c.children if g.dep_ == "pobj"]
        for anchor in f.anchors + extra:
            for c in anchor.children:
                if c.dep_ != "prep" or c.lower_ not in LOCATIVE_PREPS:
                    continue
                for pobj in (g for g in c.children if g.dep_ == "pobj"):
                    place = self._place_of(pobj, sm)
                    if place is not None:
                        return place
        return None

    def _place_of(self, pobj: "Token", sm: SentenceMentions) -> Location | None:
        m = sm.phrase_place(pobj)  # "the capital city of Algiers"
        for m in ([m] if m is not None else []):
            if m.country:
                loc = self._locate(m.text)
                if loc is not None and loc.country:
                    return loc
                return Location(text=m.text, country=m.country)
        if pobj.ent_type_ in ("GPE", "LOC", "FAC"):
            ent = next((e for e in pobj.doc.ents if e.start <= pobj.i < e.end), None)
            return self._locate(ent.text if ent is not None else pobj.text)
        if pobj.ent_iob == 0 and pobj.pos_ == "PROPN":
            # no entity annotation on this sentence (the recogniser runs on demand): a proper
            # noun the knowledge base places ("in Cali") is the place
            names = [t for t in pobj.subtree if t.pos_ == "PROPN"]
            text = pobj.doc[names[0].i: names[-1].i + 1].text if names else pobj.text
            return self._locate(text)
        return None

    # ------------------------------------------------------------------ article-level completion

    def _fill_from_dyad(self, events: list[Event], ctx: _Context) -> None:
        """An implicit side (no words in the sentence name it) takes the other country of the
        article's main pair, at a lower confidence; unresolved words are never replaced. A protest
        left without a target then addresses its own country's authorities."""
        if ctx.dyad is not None:
            self._dyad_sides(events, ctx.dyad)
        ratio_r = self._recip_f["inferred"] / self._recip_f["none"]
        for e in events:
            if e.type == "PROTEST" and not e.recipient.country and not e.recipient.text and e.actor.country:
                # a protest with no named target addresses the authorities where it happens
                e.recipient = ActorRef(country=e.actor.country, code=e.actor.country)
                e.confidence = round(min(0.99, e.confidence * ratio_r), 3)

    def _dyad_sides(self, events: list[Event], dyad: tuple[str, str]) -> None:
        a, b = dyad
        other = {a: b, b: a}
        cfg = self.settings["dyad_fill"]
        ratio_a = self._actor_f["inferred"] / self._actor_f["none"]
        ratio_r = self._recip_f["inferred"] / self._recip_f["none"]
        for e in events:
            if not e.actor.text and not e.actor.country and e.type in cfg["actor_types"] and e.recipient.country in other:
                e.actor = ActorRef(country=other[e.recipient.country], code=other[e.recipient.country])
                e.confidence = round(e.confidence * ratio_a, 3)
            if (not e.recipient.text and not e.recipient.country and e.type in cfg["recipient_types"]
                    and e.actor.country in other):
                e.recipient = ActorRef(country=other[e.actor.country], code=other[e.actor.country])
                e.confidence = round(min(0.99, e.confidence * ratio_r), 3)


# Dependencies that open a clause or a phrase below the one they hang from.
EMBEDDING = frozenset({"ccomp", "xcomp", "advcl", "relcl", "acl", "pcomp", "pobj", "csubj", "parataxis"})


def clause_depth(tok: "Token") -> int:
    """How many clauses or phrases down from the sentence root a token sits: the main event of a
    sentence is its root clause's ("condemned the attack" is a condemnation first)."""
    depth, t = 0, tok
    for _ in range(12):
        if t.head.i == t.i:
            break
        if t.dep_ in EMBEDDING:
            depth += 1
        t = t.head
    return depth


def sm_token(sm: SentenceMentions, p: Party) -> "Token":
    return sm.doc[p.token_i]


@functools.lru_cache(maxsize=1)
def default_coder() -> EventCoder:
    return EventCoder()


def _apolitical(e: Event) -> bool:
    """Neither side names a country, a sector or a proper name ("firefighters rescued people",
    "people were asked not to drive"): a happening between ordinary people, not a political event
    between actors. An event with an unresolved named actor is kept (at low confidence)."""
    def anonymous(a) -> bool:
        return not a.country and not a.sector and not a.kb_id and not any(
            ch.isupper() for ch in a.text)
    return anonymous(e.actor) and anonymous(e.recipient)
