"""Hand-built stored events for the dyads, alerts, API and browser tests (no NLP pipeline)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dyadwatch.events.ontology import default_ontology
from dyadwatch.model import ActorRef, Analysis, Article, Event, Evidence, Flag, Removal
from dyadwatch.store import Store


@dataclass
class Ev:
    type: str
    actor: str  # country code; the actor code is <country>GOV
    recipient: str
    date: str
    sentence: str
    status: str = "actual"
    confidence: float = 0.9
    intensity: float | None = None  # the ontology's intensity of the type when None
    mentions: int = 1
    mode: str = ""
    actor_name: str = ""


@dataclass
class Doc:
    id: str
    events: list[Ev]
    quality: float = 0.9
    title: str = ""
    source_name: str = "Example Wire"
    flags: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, severity, text in body)
    removed: list[str] = field(default_factory=list)
    genre: str = "report"


def build(doc: Doc) -> Analysis:
    """An analysis whose body is the events' sentences, with correct evidence offsets."""
    onto = default_ontology()
    body, events = "", []
    for i, e in enumerate(doc.events):
        start = len(body)
        body += e.sentence + " "
        evid = Evidence(sentence=i + 1, start=start, end=start + len(e.sentence), text=e.sentence)
        code = onto.default_code(e.type)
        events.append(Event(
            type=e.type, mode=e.mode, cameo=code, quad_class=onto.quad_class(code),
            intensity=onto.intensity(e.type, e.mode) if e.intensity is None else e.intensity,
            actor=ActorRef(text=e.actor_name or e.actor, name=e.actor_name, country=e.actor,
                           code=f"{e.actor}GOV", sector="GOV"),
            recipient=ActorRef(text=e.recipient, country=e.recipient, code=f"{e.recipient}GOV",
                               sector="GOV"),
            evidence=evid, status=e.status, confidence=e.confidence, date=e.date,
            date_precision={10: "day", 7: "month", 4: "year"}.get(len(e.date), ""),
            mentions=[evid] * e.mentions, id=f"{doc.id}-e{i}"))
    body = body.strip()
    flags = [Flag(kind, sev, body.index(text), body.index(text) + len(text), text, f"{kind} here")
             for kind, sev, text in doc.flags]
    art = Article(doc_id=doc.id, source=f"{doc.id}.txt", text=body, title=doc.title or f"Report {doc.id}",
                  source_name=doc.source_name, flags=flags, genre=doc.genre,
                  removed=[Removal(text=t, reason="share") for t in doc.removed])
    return Analysis(article=art, quality=doc.quality, events=events)


def save(store: Store, *docs: Doc) -> None:
    for d in docs:
        store.save(build(d))
