"""One event per happening: the same event reported in the headline, the body, a caption and a
table row is merged into one ``Event`` whose ``mentions`` list every evidence span.

Two events merge when type, status, actor and recipient (by country, else by knowledge-base id,
else by the words) agree and their dates are compatible (equal, or one is a coarser form of the
other: "2026-01" and "2026-01-07"). The merged event keeps the most specific form of each field.
"""

from __future__ import annotations

import hashlib

from dyadwatch.model import ActorRef, Event, Evidence
from dyadwatch.nlp.dates import compatible

FIELD_RANK = {"body": 0, "subtitle": 1, "title": 2}  # evidence shown first: body sentences read best


def side_key(ref: ActorRef) -> str:
    return ref.country or ref.kb_id or ref.text.lower().strip()


def merge_key(e: Event) -> tuple[str, str, str, str]:
    return e.type, side_key(e.actor), side_key(e.recipient), e.status


def _precise(a: Event, b: Event) -> Event:
    return a if len(a.date) >= len(b.date) else b


def _evidence_rank(e: Event) -> tuple[float, int]:
    return -e.confidence, FIELD_RANK.get(e.evidence.field.split(".")[0], 3)


def _fill(ref: ActorRef, other: ActorRef) -> ActorRef:
    """The primary report's party, completed by the other report when it says who it was:
    an implicit "USA" becomes a named president only when the primary named nobody."""
    if other.kb_id and not ref.kb_id and (not ref.text or ref.country == other.country and not ref.name):
        return other if not ref.text else ref
    return ref if (ref.country or ref.text or ref.kb_id) else other


def _absorb(into: Event, other: Event, bonus: float) -> None:
    into.actor = _fill(into.actor, other.actor)
    into.recipient = _fill(into.recipient, other.recipient)
    dated = _precise(into, other)
    into.date, into.date_text, into.date_precision = dated.date, dated.date_text, dated.date_precision
    if into.location is None:
        into.location = other.location
    seen = {(m.field, m.sentence) for m in into.mentions}
    for m in other.mentions or [other.evidence]:
        if (m.field, m.sentence) not in seen:
            into.mentions.append(m)
            seen.add((m.field, m.sentence))
    into.confidence = min(0.99, max(into.confidence, other.confidence) + bonus)


def merge_events(events: list[Event], bonus: float = 0.05) -> list[Event]:
    """Merged events in reading order of their first evidence."""
    ordered = sorted(events, key=_evidence_rank)
    groups: list[Event] = []
    index: dict[tuple[str, str, str, str], list[Event]] = {}
    for e in ordered:
        if not e.mentions:
            e.mentions = [e.evidence]
        key = merge_key(e)
        target = next((g for g in index.get(key, []) if _mergeable(g, e)), None)
        if target is None:
            index.setdefault(key, []).append(e)
            groups.append(e)
        else:
            _absorb(target, e, bonus)
    groups.sort(key=lambda e: min(m.sentence for m in e.mentions))
    return groups


def _mergeable(group: Event, e: Event) -> bool:
    """Same key (type, status, countries) and: compatible dates, no two different known people
    on one side, and the same 3-digit CAMEO code, unless both come from one sentence: several
    verbs of one type between the same two sides in one sentence ("shot down and destroyed",
    "criticised and accused") are one event of that type, as a PLOVER coder codes it; the more
    confident reading keeps its CAMEO code. Different sides in one sentence stay apart ("accused
    the UK and the US")."""
    if not compatible(group.date, e.date):
        return False
    if group.cameo[:3] != e.cameo[:3] and not _same_sentence(group, e):
        return False
    for a, b in ((group.actor, e.actor), (group.recipient, e.recipient)):
        if a.kb_id and b.kb_id and a.kb_id != b.kb_id:
            return False
    return True


def _same_sentence(group: Event, e: Event) -> bool:
    """``e`` comes from a sentence one of ``group``'s reports comes from."""
    return any(m.field == e.evidence.field and m.sentence == e.evidence.sentence for m in group.mentions)


def event_id(doc_id: str, e: Event) -> str:
    first: Evidence = e.evidence
    raw = "|".join([doc_id, e.type, e.cameo, side_key(e.actor), side_key(e.recipient), e.status,
                    e.date, first.field, str(first.start), e.trigger])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]
