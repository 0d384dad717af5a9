"""Response and request models of the REST API (they make the OpenAPI schema).

Event and document objects follow ARCHITECTURE.md's contracts; models allow extra fields so that
a field added to the event object later passes through unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable: not_found, bad_request, validation_error, "
                                  "unauthorized, read_only, payload_too_large, ...")
    message: str
    detail: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = Field(None, description="URL of the next page, if any")


class Actor(Open):
    text: str | None = ""
    name: str | None = ""
    country: str | None = ""
    sector: str | None = ""
    code: str | None = ""
    kb_id: str | None = ""
    role: str | None = ""


class Evidence(Open):
    sentence: int | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = ""
    field: str | None = "body"


class Location(Open):
    text: str | None = ""
    country: str | None = ""
    lat: float | None = None
    lon: float | None = None


class DocumentRef(Open):
    id: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    source_name: str | None = None
    published: str | None = None
    quality: float | None = None
    genre: str | None = Field(None, description="report, opinion, analysis, interview, fact-check, "
                              "press-release, live-blog or listing")
    page_kind: str | None = Field(None, description="article, links, table, gallery or search")


class Event(Open):
    id: str
    type: str | None = None
    mode: str | None = ""
    context: list[str] = []
    cameo: str | None = ""
    quad_class: int | None = 0
    intensity: float | None = 0.0
    status: str | None = "actual"
    confidence: float | None = 0.5
    actor: Actor = Actor()
    recipient: Actor = Actor()
    date: str | None = ""
    day: str | None = None
    date_text: str | None = ""
    date_precision: str | None = ""
    location: Location | None = None
    trigger: str | None = ""
    evidence: Evidence = Evidence()
    mentions: list[Evidence] = []
    document: DocumentRef


class DocumentSummary(Open):
    id: str
    source: str | None = None
    url: str | None = None
    title: str | None = None
    author: str | None = None
    section: str | None = None
    published: str | None = None
    source_name: str | None = None
    language: str | None = None
    quality: float | None = None
    n_events: int | None = None
    ingested_at: str | None = None
    genre: str | None = None
    page_kind: str | None = None
    topic: str | None = None


class DocumentDetail(Open):
    """The ``analyze --json`` object of the document, plus quality, sources and event ids."""

    document: dict[str, Any]
    text: str
    removed: list[dict[str, Any]] = []
    repairs: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    quality: float | None = None
    mentions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    facts: dict[str, Any] = {}
    sources: list[dict[str, Any]] = []


class DyadCount(BaseModel):
    dyad: str
    n: int
    last_day: str | None = None
    mean_intensity: float | None = None


class IndexOut(BaseModel):
    index: float | None = None
    low: float | None = None
    high: float | None = None
    se: float | None = None
    weight: float = 0.0
    n_eff: float = 0.0


class PointOut(IndexOut):
    period: str
    n: int
    counts: dict[str, int]
    gap_before: bool = False  # sparse series: empty periods were left out before this one


class ChangeOut(BaseModel):
    period: str
    metric: str
    value: float
    baseline: float
    z: float
    direction: str


class SeriesOut(BaseModel):
    dyad: str
    directed: bool
    interval: str
    by: str
    min_quality: float | None = None
    keys: list[str]
    total: int
    overall: IndexOut
    sparse: bool = False
    empty_periods: int = 0
    points: list[PointOut]
    changes: list[ChangeOut]


class StorySummary(Open):
    id: str
    title: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    n_documents: int | None = None
    n_sources: int | None = None
    n_events: int | None = None
    sources: list[str] = []


class StoryDetail(StorySummary):
    documents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    card: dict[str, Any] | None = None


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dyads: list[str] = []
    actors: list[str] = []
    types: list[str] = []
    words: list[str] = []
    statuses: list[str] = []
    min_quality: float | None = Field(None, ge=0, le=1)


class WatchlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    rules: list[RuleIn | str] = Field(min_length=1, max_length=100,
                                      description='rule objects or one-line rules such as '
                                                  '"USA-COL: SANCTION, THREATEN, visits, visa policy"')
    webhook: str | None = Field(None, max_length=2000)


class WatchlistOut(BaseModel):
    id: str
    name: str
    rules: list[dict[str, Any]]
    webhook: str | None = None
    active: bool
    created_at: str | None = None
    checked_at: str | None = None


class AlertOut(Open):
    id: str
    watchlist_id: str
    watchlist: str | None = None
    event_id: str
    doc_id: str
    reason: str | None = None
    created_at: str | None = None
    delivery: str
    attempts: int = 0
    delivered_at: str | None = None
    last_error: str | None = None
    title: str | None = None
    url: str | None = None
    source_name: str | None = None
    published: str | None = None
    event: dict[str, Any] | None = None


class ScanOut(BaseModel):
    new: list[str]
    delivered: int = 0
    failed: int = 0


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, description="plain text (scraped page or article)")
    html: str | None = Field(None, description="an HTML page")
    url: str | None = Field(None, max_length=4000)
    published: dt.date | None = Field(None, description="publication date, YYYY-MM-DD")
    source_name: str | None = Field(None, max_length=500)


class IngestOut(BaseModel):
    id: str
    stored: bool
    events: int
    alerts: list[str]


class Health(BaseModel):
    status: str
    schema_version: int
    read_only: bool
    events: int
    documents: int


class MonitorSource(BaseModel):
    id: str
    name: str
    url: str
    kind: str
    active: bool
    interval_seconds: float
    health: str = Field(description="pending | ok | failing | stale | removed")
    last_polled_at: str | None
    last_success_at: str | None
    last_new_at: str | None
    lag_seconds: float | None = Field(description="age of the last successful poll")
    last_status: int | None
    consecutive_failures: int
    last_error: str | None
    next_due: str | None
    items_stored: int
    items: dict[str, int] = Field(description="items handled, by state")


class MonitorStatus(BaseModel):
    running: bool = Field(description="a monitor runs inside this server (serve --monitor)")
    sources: list[MonitorSource]
