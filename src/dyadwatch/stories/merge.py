"""One event per happening across the articles of a story.

The event coder already merges the reports of one happening inside one article (headline, body,
caption, table row: ``events.merge``). Here the article-level events of every article of a story
are merged again: two events are one happening when they have the same PLOVER type, the same
actor and recipient (by country, else KB id, else words; either direction for the types listed
as symmetric in ``data/stories.json``: "A met B" and "B met A" are one meeting), the same status
class (actual and alleged are one claim reported with more or less certainty; threatened,
intended, hypothetical and negated are claims of their own) and dates that agree (one a coarser
form of the other, or at most ``date_slack_days`` apart: outlets in other time zones, or a
relative date read against another day).

A merged event keeps every article-level mention (article, outlet, sentence, evidence span,
confidence) and GDELT's counts: NumMentions (spans), NumArticles (documents), NumSources
(outlets). Where the reports disagree the disagreement is kept, value by value with the outlets
behind each: status, date, location, CAMEO code and counts written in the evidence ("12 dead" in
one outlet, "15 dead" in another).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from dyadwatch.model import ActorRef, Location, Serializable
from dyadwatch.nlp.dates import compatible
from dyadwatch.stories.settings import settings

CERTAIN = ("actual", "alleged")  # one status class: the same claim, more or less hedged
_NUMBER = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s+([A-Za-z][A-Za-z-]*)")


@dataclass(slots=True)
class StoryMention(Serializable):
    """One article-level report of a merged event."""

    doc_id: str
    source: str  # outlet
    url: str
    published: str
    field: str
    sentence: int
    start: int
    end: int
    text: str
    confidence: float
    status: str = ""
    date: str = ""


@dataclass(slots=True)
class Disagreement(Serializable):
    """A field on which the reports differ: each value with the outlets and documents behind it."""

    field: str  # status | date | location | cameo | count:<noun>
    values: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class StoryEvent(Serializable):
    id: str
    story_id: str
    type: str
    actor: ActorRef
    recipient: ActorRef
    status: str
    date: str
    date_precision: str = ""
    mode: str = ""
    context: list[str] = field(default_factory=list)
    cameo: str = ""
    quad_class: int = 0
    intensity: float = 0.0
    location: Location | None = None
    confidence: float = 0.0
    num_mentions: int = 0
    num_articles: int = 0
    num_sources: int = 0
    first_seen: str = ""  # earliest publication date of a reporting article
    sources: list[str] = field(default_factory=list)
    mentions: list[StoryMention] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """An article-level event (the stored JSON object) and the article that reported it."""

    event: dict[str, Any]
    doc_id: str
    source: str
    url: str = ""
    published: str = ""


# --------------------------------------------------------------------------------------------
# grouping


def _side(ref: dict[str, Any]) -> str:
    return (ref.get("country") or ref.get("kb_id") or (ref.get("text") or "").lower().strip())


def _key(ev: dict[str, Any], symmetric: frozenset[str]) -> tuple[str, ...]:
    a, r = _side(ev.get("actor") or {}), _side(ev.get("recipient") or {})
    if ev.get("type") in symmetric:
        a, r = sorted((a, r))
    status = ev.get("status") or "actual"
    return ev.get("type") or "", a, r, "certain" if status in CERTAIN else status


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def dates_agree(a: str, b: str, slack_days: int) -> bool:
    if compatible(a, b):
        return True
    da, db = _day(a), _day(b)
    return bool(da and db and abs((da - db).days) <= slack_days)


def group_reports(reports: list[Report], slack_days: int,
                  symmetric: frozenset[str]) -> list[list[Report]]:
    """Reports grouped into happenings; within a key, a report joins the first group whose
    every date agrees with its own (most precise dates placed first)."""
    by_key: dict[tuple[str, ...], list[list[Report]]] = defaultdict(list)
    ordered = sorted(reports,
                     key=lambda r: (-len(r.event.get("date") or ""), r.published, r.doc_id))
    for rep in ordered:
        date = rep.event.get("date") or ""
        groups = by_key[_key(rep.event, symmetric)]
        for g in groups:
            if all(dates_agree(date, o.event.get("date") or "", slack_days) for o in g):
                g.append(rep)
                break
        else:
            groups.append([rep])
    return [g for groups in by_key.values() for g in groups]


# --------------------------------------------------------------------------------------------
# one merged event


def figures(text: str) -> list[tuple[str, str]]:
    """(number, noun) pairs written in an evidence text: "12 people", "1,500 troops". Years
    (1900-2100 followed by a non-noun) and bare numbers are left out by the pattern's shape."""
    out = []
    for num, word in _NUMBER.findall(text):
        w = word.lower()
        if w in not_units() or (len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2100):
            continue
        out.append((num.replace(",", ""), w[:-1] if w.endswith("s") and len(w) > 3 else w))
    return out


@functools.lru_cache(maxsize=1)
def not_units() -> frozenset[str]:
    """Words after a number that do not name what is counted (months: "7 January")."""
    return frozenset(settings()["merge"]["not_units"])


def _mentions(rep: Report) -> list[StoryMention]:
    ev = rep.event
    spans = ev.get("mentions") or [ev.get("evidence") or {}]
    return [StoryMention(doc_id=rep.doc_id, source=rep.source, url=rep.url, published=rep.published,
                         field=m.get("field", "body"), sentence=int(m.get("sentence", -1)),
                         start=int(m.get("start", -1)), end=int(m.get("end", -1)),
                         text=m.get("text", ""), confidence=float(ev.get("confidence") or 0.0),
                         status=ev.get("status") or "", date=ev.get("date") or "")
            for m in spans if m]


def _vote(group: list[Report], get) -> tuple[Any, dict[Any, list[Report]]]:
    """The value most articles report (ties: the first report's), and the reports per value."""
    per: dict[Any, list[Report]] = defaultdict(list)
    for rep in group:
        v = get(rep.event)
        if v not in (None, "", [], {}):
            per[v].append(rep)
    if not per:
        return None, {}
    best = max(per, key=lambda v: (len({r.doc_id for r in per[v]}), -group.index(per[v][0])))
    return best, per


def _disagreement(name: str, per: dict[Any, list[Report]]) -> Disagreement | None:
    if len(per) < 2:
        return None
    values = [{"value": v, "sources": sorted({r.source for r in reps if r.source}),
               "documents": sorted({r.doc_id for r in reps})}
              for v, reps in sorted(per.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))]
    return Disagreement(field=name, values=values)


def _count_disagreements(group: list[Report]) -> list[Disagreement]:
    per_unit: dict[str, dict[str, list[Report]]] = defaultdict(lambda: defaultdict(list))
    for rep in group:
        ev = rep.event
        spans = ev.get("mentions") or [ev.get("evidence") or {}]
        seen = set()
        for m in spans:
            for num, unit in figures(m.get("text", "")):
                if (num, unit) not in seen:
                    seen.add((num, unit))
                    per_unit[unit][num].append(rep)
    out = []
    for unit, per in sorted(per_unit.items()):
        docs_per_value = {v: {r.doc_id for r in reps} for v, reps in per.items()}
        # a disagreement needs two articles saying different numbers of the same thing
        if len(per) > 1 and len(set().union(*docs_per_value.values())) > 1:
            d = _disagreement(f"count:{unit}", per)
            if d:
                out.append(d)
    return out


def _richer(refs: list[dict[str, Any]]) -> ActorRef:
    def score(r: dict[str, Any]) -> tuple[bool, ...]:
        return tuple(bool(r.get(k)) for k in ("kb_id", "name", "country", "text"))
    best = max(refs, key=score) if refs else {}
    return ActorRef(**{k: best.get(k, "") or "" for k in
                       ("text", "name", "country", "sector", "code", "kb_id", "role")})


def _location(ev: dict[str, Any]) -> str:
    loc = ev.get("location") or {}
    return loc.get("text") or ""


def merge_group(story_id: str, group: list[Report]) -> StoryEvent:
    first = group[0].event
    status, st_per = _vote(group, lambda e: e.get("status") or "actual")
    date, date_per = _vote(group, lambda e: e.get("date") or "")
    cameo, cameo_per = _vote(group, lambda e: e.get("cameo") or "")
    loc_text, loc_per = _vote(group, _location)
    dated = [r.event for r in group if (r.event.get("date") or "") == date] or [first]
    located = [r.event for r in group if _location(r.event) == loc_text]
    loc = (located[0].get("location") if located else None) or None
    mentions = [m for rep in group for m in _mentions(rep)]
    sources = sorted({r.source for r in group if r.source})
    per_article = Counter()
    for rep in group:
        conf = float(rep.event.get("confidence") or 0)
        per_article[rep.doc_id] = max(per_article[rep.doc_id], conf)
    miss = 1.0
    for c in per_article.values():  # noisy-OR: independent articles raise the confidence
        miss *= 1.0 - min(c, 0.99)
    ev_type = first.get("type") or ""
    sides = sorted((_side(first.get("actor") or {}), _side(first.get("recipient") or {})))
    raw = "|".join([story_id, ev_type, *sides, status or "", date or ""])
    published = sorted(r.published for r in group if r.published)
    # a coarser date that contains the chosen one ("2025-10" for "2025-10-24") is no disagreement
    date_per = {v: reps for v, reps in date_per.items()
                if v == date or not compatible(v, date or "")}
    found = (_disagreement("status", st_per), _disagreement("date", date_per),
             _disagreement("location", loc_per), _disagreement("cameo", cameo_per))
    disagreements = [d for d in found if d] + _count_disagreements(group)
    return StoryEvent(
        id=hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16], story_id=story_id, type=ev_type,
        actor=_richer([r.event.get("actor") or {} for r in group]),
        recipient=_richer([r.event.get("recipient") or {} for r in group]),
        status=status or "actual", date=date or "",
        date_precision=dated[0].get("date_precision") or "",
        mode=_vote(group, lambda e: e.get("mode") or "")[0] or "",
        context=sorted({c for r in group for c in (r.event.get("context") or [])}),
        cameo=cameo or "", quad_class=int(first.get("quad_class") or 0),
        intensity=float(first.get("intensity") or 0.0),
        location=Location(**{k: loc.get(k) for k in ("text", "country", "lat", "lon") if k in loc})
        if isinstance(loc, dict) and loc else None,
        confidence=round(1.0 - miss, 4), num_mentions=len(mentions),
        num_articles=len({r.doc_id for r in group}), num_sources=len(sources) or 1,
        first_seen=published[0] if published else "", sources=sources, mentions=mentions,
        disagreements=disagreements)


def merge_reports(story_id: str, reports: list[Report]) -> list[StoryEvent]:
    """Merged events of a story, most widely reported first."""
    cfg = settings()["merge"]
    groups = group_reports(reports, int(cfg["date_slack_days"]), frozenset(cfg["symmetric_types"]))
    events = [merge_group(story_id, g) for g in groups]
    events.sort(key=lambda e: (-e.num_sources, -e.num_articles, -e.num_mentions, e.date, e.id))
    return events


def merge_story_events(store, story_id: str) -> list[StoryEvent]:
    """Merge the events of every article of ``story_id`` (read from the store), store the merged
    events and the story's key facts card, and return the merged events."""
    from dyadwatch.store import stories as story_store
    from dyadwatch.stories.card import build_story_card

    reports = story_store.story_reports(store, story_id)
    events = merge_reports(story_id, reports)
    card = build_story_card(events, story_store.story_fact_cards(store, story_id))
    story_store.save_story_events(store, story_id, events, card)
    return events
