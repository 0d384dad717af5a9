"""Domain types shared by every stage.

The flow is ``Document -> Article -> Analysis``; each stage takes one of these and returns the next.
All types are plain dataclasses with ``to_dict()`` giving the JSON shapes of ARCHITECTURE.md's
contracts. Offsets (``start``/``end``) are character offsets into the text of the named ``field``
of the article ("body" unless stated), so that every claim points at its evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["low", "medium", "high"]
Status = Literal["actual", "threatened", "intended", "alleged", "hypothetical", "negated"]
Field = Literal["title", "subtitle", "body", "caption", "table"]

STATUSES: tuple[str, ...] = ("actual", "threatened", "intended", "alleged", "hypothetical", "negated")


def _plain(value: Any) -> Any:
    """JSON-ready form of a model value (dates as ISO strings, dataclasses as dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return value.to_dict()
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Serializable:
    """Mixin: ``to_dict()`` over dataclass fields, recursively."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@dataclass(slots=True)
class Document(Serializable):
    """Raw input: bytes plus where they came from. ``id`` is filled by extraction (content hash)."""

    source: str  # path, URL or "<archive>#<record>"
    content: bytes
    format: str = "auto"  # html | text | jsonl-record | feed-entry | ...
    url: str = ""
    published: dt.date | None = None
    source_name: str = ""  # outlet
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "format": self.format, "url": self.url,
                "published": _plain(self.published), "source_name": self.source_name,
                "bytes": len(self.content)}


@dataclass(slots=True)
class Removal(Serializable):
    """A piece of the input left out of the body, and why (a code from clean.boilerplate.REASONS)."""

    text: str
    reason: str
    line: int = -1  # line number in the input text, when the input was text


@dataclass(slots=True)
class Repair(Serializable):
    """A change made to the body text: ``before`` became ``after`` at ``start`` (offset in the result)."""

    kind: str  # spacing | casing | mojibake | proper_name | ...
    before: str
    after: str
    start: int = -1


@dataclass(slots=True)
class Credit(Serializable):
    role: str  # photographer | agency | author | illustrator
    name: str
    caption: str = ""


@dataclass(slots=True)
class Table(Serializable):
    header: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass(slots=True)
class Flag(Serializable):
    kind: str
    severity: Severity
    start: int
    end: int
    text: str
    detail: str
    field: str = "body"


@dataclass(slots=True)
class Article(Serializable):
    """Clean text and metadata of one document."""

    doc_id: str
    source: str
    text: str
    url: str = ""
    title: str = ""
    subtitle: str = ""
    author: str = ""
    author_role: str = ""
    published: dt.date | None = None
    published_source: str = ""  # where the date came from: metadata | url | text | input
    section: str = ""
    dateline: str = ""
    language: str = ""
    source_name: str = ""
    credits: list[Credit] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    format: str = ""
    # What the page is (clean.pagekind): article | links | table | gallery | search. Pages that
    # are not articles get no events by default; the evidence is a `not_an_article` flag.
    page_kind: str = "article"
    # What kind of writing it is (clean.genre): report | opinion | analysis | interview |
    # fact-check | press-release | live-blog | listing, with the cues that decided it.
    genre: str = "report"
    genre_evidence: list[str] = field(default_factory=list)
    # What it is about (clean.topic): politics | sports | business | technology | science |
    # entertainment. On a non-political page an event needs a political actor on one side.
    topic: str = "politics"
    topic_evidence: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Evidence(Serializable):
    sentence: int
    start: int
    end: int
    text: str
    field: str = "body"


@dataclass(slots=True)
class ActorRef(Serializable):
    """An event argument: the text as written and what it resolved to (empty strings when unknown)."""

    text: str = ""
    name: str = ""
    country: str = ""
    sector: str = ""
    code: str = ""
    kb_id: str = ""
    role: str = ""  # office held on the event date, e.g. "President of Colombia"

    @property
    def resolved(self) -> bool:
        return bool(self.country or self.kb_id)


@dataclass(slots=True)
class Mention(Serializable):
    """A span of text that refers to an actor, resolved against the knowledge base at a date."""

    text: str
    start: int
    end: int
    sentence: int
    field: str = "body"
    kind: str = ""  # person | org | country | capital | agent | group | unknown
    name: str = ""
    country: str = ""
    sector: str = ""
    code: str = ""
    kb_id: str = ""
    role: str = ""
    confidence: float = 0.0
    candidates: list[str] = dataclasses.field(default_factory=list)  # kb_ids when ambiguous

    def actor(self) -> ActorRef:
        return ActorRef(text=self.text, name=self.name, country=self.country, sector=self.sector,
                        code=self.code, kb_id=self.kb_id, role=self.role)


@dataclass(slots=True)
class Location(Serializable):
    text: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True)
class Event(Serializable):
    type: str
    actor: ActorRef
    recipient: ActorRef
    evidence: Evidence
    mode: str = ""
    context: list[str] = field(default_factory=list)
    cameo: str = ""
    quad_class: int = 0
    intensity: float = 0.0
    status: str = "actual"
    confidence: float = 0.5
    date: str = ""  # ISO date, "YYYY-MM" or "YYYY" by precision
    date_text: str = ""
    date_precision: str = ""  # day | month | year | ""
    location: Location | None = None
    trigger: str = ""
    mentions: list[Evidence] = field(default_factory=list)  # every span reporting this event
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = Serializable.to_dict(self)
        if self.location is None:
            d["location"] = None
        return d


@dataclass(slots=True)
class FactItem(Serializable):
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # outlets, on story cards


@dataclass(slots=True)
class FactCard(Serializable):
    date: FactItem | None = None
    location: FactItem | None = None
    participants: list[FactItem] = field(default_factory=list)
    issues: list[FactItem] = field(default_factory=list)
    background: list[FactItem] = field(default_factory=list)
    rhetoric: list[FactItem] = field(default_factory=list)
    next_steps: list[FactItem] = field(default_factory=list)


@dataclass(slots=True)
class Analysis(Serializable):
    """Everything known about one document; ``to_dict()`` is the ``analyze --json`` object."""

    article: Article
    quality: float = 1.0
    mentions: list[Mention] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    facts: FactCard = field(default_factory=FactCard)
    ref_date: dt.date | None = None  # the date relative dates were resolved against

    @property
    def flags(self) -> list[Flag]:
        return self.article.flags

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {
            "document": {
                "id": a.doc_id, "path": a.source, "url": a.url, "title": a.title,
                "subtitle": a.subtitle, "author": a.author, "author_role": a.author_role,
                "section": a.section, "published": _plain(a.published),
                "published_source": a.published_source, "dateline": a.dateline,
                "credits": _plain(a.credits), "captions": list(a.captions),
                "tables": _plain(a.tables), "language": a.language, "source_name": a.source_name,
                "format": a.format, "ref_date": _plain(self.ref_date),
            },
            "text": a.text,
            "removed": _plain(a.removed),
            "repairs": _plain(a.repairs),
            "flags": _plain(a.flags),
            "quality": round(self.quality, 3),
            "mentions": _plain(self.mentions),
            "events": _plain(self.events),
            "facts": _plain(self.facts),
        }


@dataclass(slots=True)
class Rejected(Serializable):
    """A document that a stage could not process: recorded, never raised through a batch."""

    document_id: str
    source: str
    stage: str
    reason: str  # a code from errors.REASONS
    message: str
