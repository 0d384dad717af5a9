"""Key facts card of an article: date, place, participants with their roles on that date, issues,
background actions, rhetoric and next steps — every line with its evidence.

- date: the date relative expressions were read against (publication date, else a date the page
  states about itself), with the span that states it;
- place: the dateline and the place (or mode: a phone call) of the main event;
- participants: the people the article names, main actors first, each with the office the
  knowledge base says they held on that date;
- issues: topics of ``events/data/topics.json`` the text keeps returning to;
- background: events dated well before the main one (``BACKGROUND_DAYS``);
- rhetoric: accusations, threats and rejections;
- next steps: intended events.

The main event is the one the article reports most prominently: many evidence spans, in the
headline, on the reference date, and coded with confidence.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from dyadwatch.errors import KBError
from dyadwatch.model import ActorRef, Event, Evidence, FactCard, FactItem, Mention
from dyadwatch.nlp.dates import full_dates, to_date

if TYPE_CHECKING:  # pragma: no cover
    from dyadwatch.nlp.parse import ParsedArticle

log = logging.getLogger(__name__)

TOPICS_FILE = Path(__file__).resolve().parent / "events" / "data" / "topics.json"
TOPICS_SCHEMA = Path(__file__).resolve().parent / "events" / "data" / "schema" / "topics.schema.json"
# An event dated this many days or more before the main one is background, not news: two
# months separates "last year's decertification" from "Wednesday's call" and from its week.
BACKGROUND_DAYS = 60
RHETORIC_TYPES = ("ACCUSE", "THREATEN", "REJECT")
SUMMARY_FIELDS = ("title", "subtitle")
MAX_ITEMS = 8  # per list: a card is a summary
MAX_EVIDENCE = 3
SNIPPET = 110  # characters of evidence shown in the Markdown table


@functools.lru_cache(maxsize=1)
def topic_words() -> dict[str, Any]:
    try:
        data = json.loads(TOPICS_FILE.read_text(encoding="utf-8"))
        jsonschema.validate(data, json.loads(TOPICS_SCHEMA.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read the topics: {exc}", file=str(TOPICS_FILE)) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(exc.message, file=str(TOPICS_FILE), field="/".join(str(p) for p in exc.absolute_path)) from exc
    patterns = {topic: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")
                for topic, words in data["topics"].items()}
    return {"min_sentences": data["min_sentences"], "max_issues": data["max_issues"], "patterns": patterns}


# ---------------------------------------------------------------- helpers

def _evidence(sent) -> Evidence:
    text = sent.text.strip()
    start = sent.start + (len(sent.text) - len(sent.text.lstrip()))
    return Evidence(sentence=sent.index, start=start, end=start + len(text), text=text, field=sent.field)


class _Names:
    """Readable names of actors: the KB's country names, people's names and roles."""

    def __init__(self, kb=None):
        self.kb = kb

    @functools.cached_property
    def _kb(self):
        if self.kb is not None:
            return self.kb
        try:
            from dyadwatch.actors.kb import default_kb
            return default_kb()
        except (ImportError, KBError) as exc:  # the card still reads with codes
            log.warning("no knowledge base for country names: %s", exc)
            return None

    def country(self, code: str) -> str:
        if not code:
            return ""
        kb = self._kb
        name = kb.country_name(code) if kb is not None else ""
        return name or code

    def actor(self, ref: ActorRef) -> str:
        if ref.name:
            return ref.name
        if ref.country and (not ref.text or ref.text.lower() in ("", "it", "they")):
            return self.country(ref.country)
        if ref.text and ref.country:
            return f"{ref.text} ({self.country(ref.country)})"
        return ref.text or self.country(ref.country) or "unidentified actor"


def main_event(events: list[Event], ref: dt.date | None) -> Event | None:
    """The event the article is about: reported often, in the headline, on the reference date."""
    def score(e: Event) -> float:
        fields = {m.field for m in e.mentions} | {e.evidence.field}
        s = e.confidence * (1 + 0.5 * (len(e.mentions) - 1))
        s *= 1.5 if fields & set(SUMMARY_FIELDS) else 1.0
        s *= 1.3 if ref is not None and e.date == ref.isoformat() else 1.0
        s *= 1.0 if e.status == "actual" else 0.6
        return s

    return max(events, key=score) if events else None


def describe(e: Event, names: _Names) -> str:
    """One line for an event: who, what (CAMEO name), to whom, status and date."""
    from dyadwatch.events.ontology import default_ontology

    entry = default_ontology().lookup(e.cameo)
    what = entry.name if entry is not None else e.type
    who = names.actor(e.actor)
    to = names.actor(e.recipient) if (e.recipient.text or e.recipient.country) else ""
    status = "" if e.status == "actual" else f" [{e.status}]"
    when = f" ({e.date})" if e.date and e.date_text else ""
    quote = f' — "{e.trigger}"' if e.trigger else ""
    return f"{who}: {what.lower()}{' → ' + to if to else ''}{status}{when}{quote}"


def _is_background(e: Event, main_date: dt.date | None) -> bool:
    if main_date is None or not e.date or not e.date_text:
        return False
    start = to_date(e.date)
    if start is None:
        return False
    # background: the period the date names starts well before the main event and is over by
    # then ("in 2025" read on 7 January 2026 is background; "last month" is not)
    end = _period_end(e.date, start)
    return (main_date - start).days >= BACKGROUND_DAYS and end < main_date


def _period_end(iso: str, start: dt.date) -> dt.date:
    if len(iso) == 4:
        return dt.date(start.year, 12, 31)
    if len(iso) == 7:
        nxt = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return start


# ---------------------------------------------------------------- the parts of the card

def _date_item(parsed: "ParsedArticle", ref: dt.date | None) -> FactItem | None:
    if ref is None:
        return None
    text = f"{ref.strftime('%A')}, {ref.day} {ref.strftime('%B %Y')}"
    article = parsed.article
    ordered = [s for s in parsed.sentences if s.field.startswith("table.")] + \
              [s for s in parsed.sentences if s.field.startswith("caption.")] + \
              [s for s in parsed.sentences if not s.field.startswith(("table.", "caption."))]
    evidence = [_evidence(s) for s in ordered if ref in full_dates(s.text)][:MAX_EVIDENCE]
    if not evidence and article.published == ref:
        return FactItem(text=f"{text} (publication date)")
    return FactItem(text=text, evidence=evidence)


def _place_item(parsed: "ParsedArticle", main: Event | None, names: _Names) -> FactItem | None:
    parts: list[str] = []
    evidence: list[Evidence] = []
    if main is not None:
        if main.mode == "phone":
            sides = [names.actor(r) for r in (main.actor, main.recipient) if r.text or r.country]
            parts.append("phone call" + (f" between {' and '.join(sides)}" if len(sides) == 2 else ""))
        if main.location is not None and main.location.text:
            parts.append(main.location.text)
        evidence.append(main.evidence)
    dateline = parsed.article.dateline
    if dateline:
        parts.append(f"dateline {dateline}")
        first = next((s for s in parsed.sentences if s.field == "body" and dateline in s.text), None)
        if first is not None and all(first.index != e.sentence for e in evidence):
            evidence.append(_evidence(first))
    if not parts:
        return None
    return FactItem(text="; ".join(parts), evidence=evidence[:MAX_EVIDENCE])


def _participants(parsed: "ParsedArticle", mentions: list[Mention], main: Event | None,
                  names: _Names) -> list[FactItem]:
    people: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.kind == "person" and (m.kb_id or m.name):
            people.setdefault(m.kb_id or m.name, []).append(m)
    main_ids = {r.kb_id for r in ((main.actor, main.recipient) if main else ()) if r.kb_id}
    order = sorted(people, key=lambda k: (k not in main_ids, -len(people[k]), people[k][0].sentence))
    by_index = {s.index: s for s in parsed.sentences}
    items: list[FactItem] = []
    for key in order[:MAX_ITEMS]:
        ms = people[key]
        m = ms[0]
        label = m.name or m.text
        role = m.role or (names.country(m.country) if m.country else "")
        text = f"{label} ({role})" if role else label
        if key not in main_ids:
            text += ", mentioned"
        ev = [_evidence(by_index[x.sentence]) for x in ms[:MAX_EVIDENCE] if x.sentence in by_index]
        items.append(FactItem(text=text, evidence=_unique(ev)))
    return items


def _issues(parsed: "ParsedArticle") -> list[FactItem]:
    cfg = topic_words()
    hits: dict[str, list] = {}
    summary: Counter[str] = Counter()
    for sent in parsed.sentences:
        low = sent.text.lower()
        for topic, pattern in cfg["patterns"].items():
            if pattern.search(low):
                hits.setdefault(topic, []).append(sent)
                if sent.field in SUMMARY_FIELDS or sent.field.startswith(("table.", "caption.")):
                    summary[topic] += 1
    ranked = sorted(hits, key=lambda t: (-(summary[t] * 2 + len(hits[t])), t))
    items = []
    for topic in ranked:
        sents = hits[topic]
        if len(sents) < cfg["min_sentences"] and not summary[topic]:
            continue
        words = sorted({m.group(0) for s in sents for m in cfg["patterns"][topic].finditer(s.text.lower())})
        items.append(FactItem(text=f"{topic} ({', '.join(words[:5])})",
                              evidence=[_evidence(s) for s in sents[:MAX_EVIDENCE]]))
        if len(items) >= cfg["max_issues"]:
            break
    return items


def _event_items(events: list[Event], names: _Names) -> list[FactItem]:
    return [FactItem(text=describe(e, names), evidence=list(e.mentions or [e.evidence])[:MAX_EVIDENCE])
            for e in events[:MAX_ITEMS]]


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, int]] = set()
    out = []
    for e in evidence:
        if (e.field, e.sentence) not in seen:
            seen.add((e.field, e.sentence))
            out.append(e)
    return out


# ---------------------------------------------------------------- the card

def build_card(parsed: "ParsedArticle", mentions: list[Mention], events: list[Event], kb=None,
               ref_date: dt.date | None = None) -> FactCard:
    """The key facts card of one analysed article."""
    from dyadwatch.nlp.dates import document_reference_date

    names = _Names(kb)
    ref = ref_date or document_reference_date(parsed)
    main = main_event(events, ref)
    main_date = to_date(main.date) if main is not None and main.date_text else ref
    background = [e for e in events if _is_background(e, main_date)]
    recent = [e for e in events if e not in background]
    rhetoric = sorted((e for e in recent if e.type in RHETORIC_TYPES and e.status != "negated"),
                      key=lambda e: -e.confidence)
    next_steps = sorted((e for e in recent if e.status == "intended"), key=lambda e: -e.confidence)
    return FactCard(date=_date_item(parsed, ref), location=_place_item(parsed, main, names),
                    participants=_participants(parsed, mentions, main, names), issues=_issues(parsed),
                    background=_event_items(background, names), rhetoric=_event_items(rhetoric, names),
                    next_steps=_event_items(next_steps, names))


# ---------------------------------------------------------------- Markdown

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _cite(ev: Evidence) -> str:
    text = ev.text if len(ev.text) <= SNIPPET else ev.text[: SNIPPET - 1].rstrip() + "…"
    return f"[{ev.field} s{ev.sentence}] “{text}”"


def card_markdown(card: FactCard) -> str:
    """The card as a Markdown table: aspect, details, evidence (one row per item)."""
    rows = [("Date", [card.date] if card.date else []), ("Place", [card.location] if card.location else []),
            ("Participants", card.participants), ("Issues", card.issues), ("Background", card.background),
            ("Rhetoric", card.rhetoric), ("Next steps", card.next_steps)]
    lines = ["| Aspect | Details | Evidence |", "|---|---|---|"]
    for aspect, items in rows:
        if not items:
            lines.append(f"| {aspect} | — | |")
            continue
        for i, item in enumerate(items):
            cites = "<br>".join(_cell(_cite(e)) for e in item.evidence[:2])
            lines.append(f"| {aspect if i == 0 else ''} | {_cell(item.text)} | {cites} |")
    return "\n".join(lines)
