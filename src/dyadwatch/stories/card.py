"""A story's key facts card: what its articles agree on, each line naming the outlets behind it.

Built from two inputs, not from text again:
- the story's merged events (``merge.StoryEvent``): the date and place most outlets report, the
  participants, the verbal-conflict exchanges (rhetoric), intended or threatened steps (next
  steps), happenings dated before the story (more than the clustering window before its first
  article: background), the events' contexts (issues);
- the per-article key facts cards that ``dyadwatch.facts`` made at analysis time (stored with
  each analysis): their lines are pooled, equal lines (same words) merged, and each line lists
  the outlets whose article had it.

Every line is a ``FactItem`` with its evidence spans and ``sources`` (outlets), most widely
reported first. Disagreements of the merged events are noted on their lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from dyadwatch.model import Evidence, FactCard, FactItem
from dyadwatch.stories.merge import StoryEvent
from dyadwatch.stories.settings import settings

CATEGORIES = ("participants", "issues", "background", "rhetoric", "next_steps")
FORWARD = ("intended", "threatened")
MAX_EVIDENCE = 3  # evidence spans kept per line: enough to check it, short enough to read
_SPACE = re.compile(r"\W+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


def _evidence(ev: StoryEvent) -> list[Evidence]:
    seen, out = set(), []
    for m in ev.mentions:
        if m.doc_id in seen:  # one span per article: the card shows breadth, not repetition
            continue
        seen.add(m.doc_id)
        out.append(Evidence(sentence=m.sentence, start=m.start, end=m.end, text=m.text,
                            field=m.field))
        if len(out) >= MAX_EVIDENCE:
            break
    return out


def _who(ref) -> str:
    name = ref.name or ref.text or ref.country or "?"
    return f"{name} ({ref.role})" if ref.role else name


def event_line(ev: StoryEvent) -> str:
    """"Actor -> Recipient: TYPE (mode), date [status]; reported differently: ..." """
    parts = [f"{_who(ev.actor)} -> {_who(ev.recipient)}: {ev.type}"]
    if ev.mode:
        parts[0] += f" ({ev.mode})"
    if ev.date:
        parts.append(ev.date)
    if ev.status != "actual":
        parts.append(ev.status)
    text = ", ".join(parts)
    if ev.disagreements:
        text += "; reports differ on " + ", ".join(d.field for d in ev.disagreements)
    return text


class _Lines:
    """Lines of one category, merged by normalised text, with the union of their sources."""

    def __init__(self) -> None:
        self.items: dict[str, FactItem] = {}

    def add(self, text: str, sources: Iterable[str], evidence: Iterable[Evidence] = ()) -> None:
        key = _norm(text)
        if not key:
            return
        item = self.items.get(key)
        if item is None:
            item = self.items[key] = FactItem(text=text)
        for s in sources:
            if s and s not in item.sources:
                item.sources.append(s)
        for e in evidence:
            if len(item.evidence) < MAX_EVIDENCE:
                item.evidence.append(e)

    def ranked(self) -> list[FactItem]:
        return sorted(self.items.values(), key=lambda i: -len(i.sources))


def _best(values: dict[str, tuple[set[str], list[Evidence]]]) -> FactItem | None:
    if not values:
        return None
    text, (sources, evidence) = max(values.items(), key=lambda kv: (len(kv[1][0]), kv[0]))
    return FactItem(text=text, evidence=evidence[:MAX_EVIDENCE], sources=sorted(sources))


def _before(date: str, first_seen: str) -> bool:
    """Whether a happening predates the story: a day more than the clustering window before the
    first article (yesterday's clash reported today is the story, not its background), or a
    month or year before the first article's."""
    if not date or not first_seen:
        return False
    if len(date) == 10:
        try:
            gap = (dt.date.fromisoformat(first_seen[:10]) - dt.date.fromisoformat(date)).days
        except ValueError:
            return False
        return gap > settings()["cluster"]["window_days"]
    return date < first_seen[:len(date)]


def _from_events(events: list[StoryEvent],
                 lines: dict[str, _Lines]) -> tuple[FactItem | None, FactItem | None]:
    dates: dict[str, tuple[set[str], list[Evidence]]] = {}
    places: dict[str, tuple[set[str], list[Evidence]]] = {}
    first_seen = min((e.first_seen for e in events if e.first_seen), default="")
    for ev in events:
        ev_sources, evidence = ev.sources, _evidence(ev)
        if ev.date and ev.status in ("actual", "alleged"):
            s, e = dates.setdefault(ev.date, (set(), []))
            s.update(ev_sources)
            e.extend(evidence)
        if ev.location is not None and ev.location.text:
            s, e = places.setdefault(ev.location.text, (set(), []))
            s.update(ev_sources)
            e.extend(evidence)
        for ref in (ev.actor, ev.recipient):
            if ref.name or ref.text:
                lines["participants"].add(_who(ref), ev_sources)
        for ctx in ev.context:
            lines["issues"].add(ctx, ev_sources, evidence)
        line = event_line(ev)
        if ev.status in FORWARD:
            lines["next_steps"].add(line, ev_sources, evidence)
        elif _before(ev.date, first_seen):
            lines["background"].add(line, ev_sources, evidence)
        elif ev.quad_class == 3:
            lines["rhetoric"].add(line, ev_sources, evidence)
    return _best(dates), _best(places)


def _from_article_cards(cards: list[tuple[str, dict[str, Any]]], lines: dict[str, _Lines],
                        single: dict[str, dict[str, tuple[set[str], list[Evidence]]]]) -> None:
    for source, card in cards:
        for name in CATEGORIES:
            for item in card.get(name) or []:
                lines[name].add(item.get("text", ""), [source], _as_evidence(item))
        for name in ("date", "location"):
            item = card.get(name)
            if item and item.get("text"):
                s, e = single[name].setdefault(item["text"], (set(), []))
                s.add(source)
                e.extend(_as_evidence(item))


def _as_evidence(item: dict[str, Any]) -> list[Evidence]:
    out = []
    for e in item.get("evidence") or []:
        out.append(Evidence(sentence=int(e.get("sentence", -1)), start=int(e.get("start", -1)),
                            end=int(e.get("end", -1)), text=e.get("text", ""),
                            field=e.get("field", "body")))
    return out


def build_story_card(events: list[StoryEvent],
                     article_cards: list[tuple[str, dict[str, Any]]] = ()) -> FactCard:
    """The key facts card of a story from its merged events and its articles' own cards
    (``(outlet, FactCard.to_dict())`` pairs). Date and place: the value most outlets report
    (article cards first, then the events); other lines ranked by how many outlets carry them."""
    lines = {name: _Lines() for name in CATEGORIES}
    single: dict[str, dict[str, tuple[set[str], list[Evidence]]]] = defaultdict(dict)
    _from_article_cards(list(article_cards), lines, single)
    ev_date, ev_place = _from_events(events, lines)
    return FactCard(date=_best(single["date"]) or ev_date,
                    location=_best(single["location"]) or ev_place,
                    **{name: lines[name].ranked() for name in CATEGORIES})
