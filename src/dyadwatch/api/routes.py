"""REST routes: thin adapters over ``dyadwatch.dyads``, ``dyadwatch.alerts`` and the store queries.

Reads are open; writes (ingest, watchlists, alert scans) need a writable server and a bearer
token. Lists are pages: ``limit`` (1..500) and ``offset``, answered as
``{"items", "total", "limit", "offset", "next"}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from dyadwatch import alerts as al
from dyadwatch import dyads
from dyadwatch.api import auth, models
from dyadwatch.api.app import ApiError, AppState
from dyadwatch.errors import InputError
from dyadwatch.store import dyads as q

log = logging.getLogger(__name__)

router = APIRouter()
ERRORS = {400: {"model": models.ErrorBody}, 404: {"model": models.ErrorBody}}
WRITE_ERRORS = {400: {"model": models.ErrorBody}, 401: {"model": models.ErrorBody},
                403: {"model": models.ErrorBody}, 413: {"model": models.ErrorBody}}

StatusName = Literal["actual", "threatened", "intended", "alleged", "hypothetical", "negated"]
Genre = Literal["report", "opinion", "analysis", "interview", "fact-check", "press-release",
                "live-blog", "listing"]
Interval = Literal["auto", "day", "week", "month", "quarter", "year"]
Breakdown = Literal["type", "quad_class", "status", "none"]
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


def _id() -> Any:
    """A path id: a fresh Path() per route (FastAPI binds a parameter object to one name)."""
    return Path(..., min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")


QUALITY = Query(None, ge=0, le=1, description="leave out documents below this quality (0..1)")


def state(request: Request) -> AppState:
    return request.app.state.dw


def conn(request: Request):
    yield from state(request).cursor()


def writer(request: Request) -> str:
    """The token id of an authorised write; 403 on a read-only server, 401 without a valid token."""
    st = state(request)
    if st.read_only:
        raise ApiError(403, "read_only", "this server is read-only; start it with "
                                         "`dyadwatch serve --writable` to allow writes")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    with st.write_lock:
        tid = auth.verify_token(st.store.conn, token.strip()) if scheme.lower() == "bearer" else None
        if tid is None:
            raise ApiError(401, "unauthorized", "writes need a token: create one with `dyadwatch "
                                                "token create` and send `Authorization: Bearer <token>`",
                           headers={"WWW-Authenticate": "Bearer"})
        auth.touch(st.store.conn, tid)
    return tid


def page(request: Request, items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = None
    if offset + limit < total:
        nxt = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    return {"items": items, "total": total, "limit": limit, "offset": offset, "next": nxt}


def _types(values: list[str]) -> tuple[str, ...]:
    from dyadwatch.events.ontology import default_ontology

    known = default_ontology().types
    out = tuple(v.strip().upper() for v in values if v.strip())
    unknown = [t for t in out if t not in known]
    if unknown:
        raise InputError(f"unknown event types {unknown}; known: {sorted(known)}", source="type")
    return out


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v for k, v in row.items()}


# --- health -------------------------------------------------------------------------------------
@router.get("/health", response_model=models.Health, tags=["meta"])
def health(request: Request, c=Depends(conn)) -> dict[str, Any]:
    version = c.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    n_ev = c.execute("SELECT count(*) FROM events").fetchone()[0]
    n_doc = c.execute("SELECT count(*) FROM documents").fetchone()[0]
    return {"status": "ok", "schema_version": int(version or 0), "read_only": state(request).read_only,
            "events": int(n_ev), "documents": int(n_doc)}


@router.get("/monitor", response_model=models.MonitorStatus, tags=["meta"])
def monitor_status(request: Request, c=Depends(conn),
                   include_inactive: bool = Query(False, description="also removed sources")):
    """Health of each monitored source (`dyadwatch monitor`): last poll, success and new item,
    lag, consecutive failures, last error and next due time."""
    from dyadwatch.monitor import status

    return {"running": state(request).monitor is not None,
            "sources": status(c, include_inactive=include_inactive)}


# --- documents ----------------------------------------------------------------------------------
@router.get("/documents", response_model=models.Page[models.DocumentSummary], tags=["documents"])
def list_documents(request: Request, c=Depends(conn), min_quality: float | None = QUALITY,
                   since: dt.date | None = None, until: dt.date | None = None,
                   source_name: str | None = Query(None, max_length=500),
                   limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Stored documents, most recently ingested first (``since``/``until`` on the publication date)."""
    rows, total = q.document_page(c, min_quality=min_quality, since=since, until=until,
                                  source_name=source_name, limit=limit, offset=offset)
    return page(request, [_jsonable(r) for r in rows], total, limit, offset)


@router.get("/documents/{doc_id}", response_model=models.DocumentDetail, responses=ERRORS,
            tags=["documents"])
def get_document(doc_id: str = _id(), c=Depends(conn)):
    """The full analysis of one document: clean text, removed furniture, flags, mentions, events
    (with evidence offsets), key facts, quality and every source it was seen at."""
    doc = q.document(c, doc_id)
    if doc is None:
        raise ApiError(404, "not_found", f"no document {doc_id!r}")
    doc["sources"] = [_jsonable(s) for s in doc["sources"]]
    return doc


@router.get("/documents/{doc_id}/facts", response_model=dict[str, Any], responses=ERRORS,
            tags=["documents"])
def get_facts(doc_id: str = _id(), c=Depends(conn)):
    """The key facts card of a document (each item with its evidence)."""
    doc = q.document(c, doc_id)
    if doc is None:
        raise ApiError(404, "not_found", f"no document {doc_id!r}")
    return doc.get("facts") or {}


@router.post("/documents", response_model=models.IngestOut, status_code=201,
             responses={**WRITE_ERRORS, 422: {"model": models.ErrorBody}}, tags=["documents"])
def ingest_document(body: models.DocumentIn, request: Request, _tid: str = Depends(writer)):
    """Analyse and store one document (text or HTML), then raise the alerts it matches."""
    from dyadwatch.model import Document, Rejected
    from dyadwatch.pipeline import Pipeline, store_analyses

    if bool(body.text) == bool(body.html):
        raise InputError("send exactly one of `text` and `html`", source="body")
    st = state(request)
    content = (body.text or body.html or "").encode("utf-8")
    doc = Document(source=body.url or "api", content=content, format="text" if body.text else "html",
                   url=body.url or "", published=body.published, source_name=body.source_name or "")
    result = Pipeline(st.options).safe_analyze(doc)
    with st.write_lock:  # the library's one storing path: stories assigned and merged, alerts
        report = store_analyses([result], st.store)
    if isinstance(result, Rejected):
        raise ApiError(422, result.reason, result.message)
    return {"id": result.article.doc_id, "stored": bool(report.stored),
            "events": len(result.events), "alerts": report.alert_ids}


# --- events -------------------------------------------------------------------------------------
def event_filter(dyad: str | None = Query(None, max_length=20, description="USA-COL, or USA>COL for one direction"),
                 directed: bool = Query(False, description="read USA-COL as USA acting on COL"),
                 actor: str | None = Query(None, max_length=200, description="name, code, KB id or country"),
                 types: list[str] = Query([], alias="type", description="PLOVER types"),
                 quad_class: list[int] = Query([], description="1..4"),
                 status: list[StatusName] = Query([]),
                 since: dt.date | None = None, until: dt.date | None = None,
                 min_quality: float | None = QUALITY,
                 doc_id: str | None = Query(None, max_length=200),
                 exclude_genre: list[Genre] = Query([], description="leave out documents of "
                                                    "these genres (opinion, press-release ...)")
                 ) -> q.EventFilter:
    if any(not 1 <= v <= 4 for v in quad_class):
        raise InputError("quad_class is 1 (verbal cooperation) .. 4 (material conflict)",
                         source="quad_class")
    return q.EventFilter(dyad=dyads.parse_dyad(dyad, directed=directed or None) if dyad else None,
                         actor=actor, types=_types(types), quad_classes=tuple(quad_class),
                         statuses=tuple(status), since=since, until=until, min_quality=min_quality,
                         doc_id=doc_id, exclude_genres=tuple(exclude_genre))


@router.get("/events", response_model=models.Page[models.Event], responses=ERRORS, tags=["events"])
def list_events(request: Request, flt: q.EventFilter = Depends(event_filter), c=Depends(conn),
                limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Stored events, newest first, each with its evidence and its document."""
    items, total = q.event_page(c, flt, limit=limit, offset=offset)
    return page(request, items, total, limit, offset)


@router.get("/events/{event_id}", response_model=models.Event, responses=ERRORS, tags=["events"])
def get_event(event_id: str = _id(), c=Depends(conn)):
    ev = q.event(c, event_id)
    if ev is None:
        raise ApiError(404, "not_found", f"no event {event_id!r}")
    return ev


# --- dyads --------------------------------------------------------------------------------------
@router.get("/dyads", response_model=list[models.DyadCount], tags=["dyads"])
def list_dyads(request: Request, c=Depends(conn), since: dt.date | None = None,
               min_quality: float | None = QUALITY, limit: int = Query(50, ge=1, le=MAX_LIMIT)):
    """Country pairs by number of events."""
    mq = state(request).options.quality.min_quality if min_quality is None else min_quality
    return dyads.top_dyads(c, min_quality=mq, since=since, limit=limit)


@router.get("/dyads/{dyad}/series", response_model=models.SeriesOut, responses=ERRORS, tags=["dyads"])
def dyad_series(request: Request, dyad: str = Path(..., max_length=20), c=Depends(conn),
                directed: bool = False, interval: Interval = "auto", by: Breakdown = "type",
                since: dt.date | None = None, until: dt.date | None = None,
                min_quality: float | None = QUALITY,
                status: list[StatusName] = Query([], description="default: all but hypothetical "
                                                                  "and negated"),
                types: list[str] = Query([], alias="type"), actor: str | None = Query(None, max_length=200),
                exclude_genre: list[Genre] = Query([], description="leave out documents of these "
                                                   "genres (opinion, press-release ...)"),
                sparse: bool = Query(True, description="only periods with events, each marked "
                                     "gap_before after left-out empty periods; false: every period")):
    """Events per period (by PLOVER type, QuadClass or status) with the cooperation–conflict index,
    its band and the periods that stand out from the dyad's baseline. Documents below the quality
    threshold are left out unless ``min_quality`` says otherwise (0 keeps all)."""
    d = dyads.parse_dyad(dyad, directed=directed or None)
    mq = state(request).options.quality.min_quality if min_quality is None else min_quality
    return dyads.series(c, d, interval=interval, by=by, since=since, until=until, min_quality=mq,
                        statuses=tuple(status) or None, types=_types(types), actor=actor,
                        exclude_genres=tuple(exclude_genre)).to_dict(sparse=sparse)


# --- stories ------------------------------------------------------------------------------------
@router.get("/stories", response_model=models.Page[models.StorySummary], tags=["stories"])
def list_stories(request: Request, c=Depends(conn), since: dt.date | None = None,
                 until: dt.date | None = None, min_documents: int = Query(1, ge=1, le=100_000),
                 limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Stories (articles about one happening, across outlets), most recent first."""
    if not q.has_table(c, "stories"):
        return page(request, [], 0, limit, offset)
    from dyadwatch.store import stories as st

    items = st.list_stories(q.ReadView(c), since=since, until=until, min_documents=min_documents,
                            limit=limit, offset=offset)
    total = q.story_count(c, since=since, until=until, min_documents=min_documents)
    return page(request, items, total, limit, offset)


@router.get("/stories/{story_id}", response_model=models.StoryDetail, responses=ERRORS, tags=["stories"])
def get_story(story_id: str = _id(), c=Depends(conn)):
    """One story: its documents and sources, merged events (each with every report) and card."""
    story = None
    if q.has_table(c, "stories"):
        from dyadwatch.store import stories as st

        story = st.get_story(q.ReadView(c), story_id)
    if story is None:
        raise ApiError(404, "not_found", f"no story {story_id!r}")
    return story


# --- alerts and watchlists ----------------------------------------------------------------------
@router.get("/alerts", response_model=models.Page[models.AlertOut], tags=["alerts"])
def list_alerts(request: Request, c=Depends(conn),
                watchlist: str | None = Query(None, max_length=200), since: dt.datetime | None = None,
                limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Alerts raised by watchlists, newest first, each with its event and evidence."""
    rows, total = al.alerts(c, watchlist_id=watchlist, since=since, limit=limit, offset=offset)
    return page(request, [_jsonable(r) for r in rows], total, limit, offset)


@router.post("/alerts/scan", response_model=models.ScanOut, responses=WRITE_ERRORS, tags=["alerts"])
def scan_alerts(request: Request, deliver: bool = False, _tid: str = Depends(writer)):
    """Match newly ingested events against the watchlists; optionally POST pending alerts to
    their webhooks."""
    st = state(request)
    with st.write_lock:
        new = al.scan(st.store.conn)
    out = {"new": new, "delivered": 0, "failed": 0}
    if deliver:
        for cur in st.cursor():
            report = al.deliver(cur, allow_private=st.allow_private_webhooks)
            out.update(delivered=report.delivered, failed=report.failed)
    return out


@router.get("/watchlists", response_model=list[models.WatchlistOut], tags=["alerts"])
def list_watchlists(c=Depends(conn)):
    return [w.to_dict() for w in al.watchlists(c)]


@router.post("/watchlists", response_model=models.WatchlistOut, status_code=201,
             responses={**WRITE_ERRORS, 422: {"model": models.ErrorBody}}, tags=["alerts"])
def create_watchlist(body: models.WatchlistIn, request: Request, _tid: str = Depends(writer)):
    """Create a watchlist from rule objects or one-line rules; it alerts on events ingested from
    now on."""
    rules = [r if isinstance(r, str) else r.model_dump() for r in body.rules]
    st = state(request)
    with st.write_lock:
        w = al.add_watchlist(st.store.conn, body.name, rules, webhook=body.webhook)
    return w.to_dict()


@router.delete("/watchlists/{watchlist_id}", status_code=204,
               responses={**WRITE_ERRORS, 404: {"model": models.ErrorBody}}, tags=["alerts"])
def delete_watchlist(request: Request, watchlist_id: str = _id(), _tid: str = Depends(writer)):
    st = state(request)
    with st.write_lock:
        found = al.remove_watchlist(st.store.conn, watchlist_id)
    if not found:
        raise ApiError(404, "not_found", f"no watchlist {watchlist_id!r}")
    return Response(status_code=204)

