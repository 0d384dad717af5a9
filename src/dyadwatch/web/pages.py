"""Dashboard pages: server-rendered Jinja2 templates over the same library calls as the API.

Filters come from plain HTML forms, whose empty fields arrive as empty strings: ``form_filter``
reads them leniently (empty = no filter) and reports a bad value as a 400 page.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from dyadwatch import alerts as al
from dyadwatch import dyads
from dyadwatch.api.app import ApiError, AppState
from dyadwatch.errors import InputError
from dyadwatch.model import STATUSES
from dyadwatch.store import dyads as q
from dyadwatch.web import render

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
PAGE = 50


def _json_script(value: Any) -> Markup:
    """JSON safe inside <script type="application/json"> (no closing tag can be formed)."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def _http_url(value: Any) -> str:
    """The URL if it is http(s), else "": a stored page's URL is untrusted input, and a
    ``javascript:`` link must not reach an href."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


templates.env.filters["json_script"] = _json_script
templates.env.filters["http_url"] = _http_url
templates.env.filters["urlpart"] = lambda v: quote(str(v), safe="")
templates.env.globals["quad_labels"] = render.QUAD_LABELS


def state(request: Request) -> AppState:
    return request.app.state.dw


def conn(request: Request):
    yield from state(request).cursor()


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be a date as YYYY-MM-DD, got {value!r}", source=name) from None


def _quality(value: str | None, default: float | None) -> float | None:
    if value is None or value == "":
        return default
    try:
        out = float(value)
    except ValueError:
        raise InputError(f"min_quality must be a number from 0 to 1, got {value!r}",
                         source="min_quality") from None
    if not 0 <= out <= 1:
        raise InputError("min_quality must be from 0 to 1", source="min_quality")
    return out


def _offset(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 10_000_000))
    except ValueError:
        raise InputError(f"offset must be a whole number, got {value!r}", source="offset") from None


def form_filter(request: Request, dyad: dyads.Dyad | None, default_quality: float | None) -> tuple[q.EventFilter, dict[str, str]]:
    """The event filter of a page's query string, and the values to refill the form with."""
    p = request.query_params
    form = {k: p.get(k, "") for k in ("type", "status", "actor", "since", "until", "min_quality")}
    types = tuple(t for t in [form["type"].strip().upper()] if t)
    known = render.type_order()[0]
    if types and types[0] not in known:
        raise InputError(f"unknown event type {types[0]!r}", source="type")
    status = form["status"].strip()
    if status and status not in STATUSES:
        raise InputError(f"unknown status {status!r}", source="status")
    flt = q.EventFilter(dyad=dyad, actor=form["actor"].strip() or None, types=types,
                        statuses=(status,) if status else (),
                        since=_date(form["since"], "since"), until=_date(form["until"], "until"),
                        min_quality=_quality(form["min_quality"], default_quality))
    return flt, form


def _pager(request: Request, offset: int, total: int) -> dict[str, Any]:
    def link(o: int) -> str:
        params = dict(request.query_params)
        params["offset"] = str(o)
        return f"{request.url.path}?{urlencode(params)}"

    return {"offset": offset, "total": total, "shown": min(PAGE, max(total - offset, 0)),
            "prev": link(max(offset - PAGE, 0)) if offset > 0 else None,
            "next": link(offset + PAGE) if offset + PAGE < total else None}


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"read_only": state(request).read_only, **context})


# --- pages --------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, c=Depends(conn)):
    mq = state(request).options.quality.min_quality
    top = dyads.top_dyads(c, min_quality=mq, limit=30)
    recent, n_alerts = al.alerts(c, limit=5)
    return _page(request, "index.html", dyads=top, alerts=recent, n_alerts=n_alerts, min_quality=mq)


@router.get("/dyad")
def open_dyad(dyad: str = ""):
    d = dyads.parse_dyad(dyad)
    return RedirectResponse(f"/dyads/{quote(d.label, safe='')}", status_code=303)


@router.get("/dyads/{dyad}", response_class=HTMLResponse)
def dyad_page(request: Request, dyad: str, c=Depends(conn)):
    d = dyads.parse_dyad(dyad)
    p = request.query_params
    default_q = state(request).options.quality.min_quality
    flt, form = form_filter(request, d, default_q)
    # the chart, its total and the event list count the same events: the chosen status, else the
    # statuses a series counts (hypothetical and negated events are not events that happened)
    flt.statuses = flt.statuses or tuple(dyads.settings().count_statuses)
    interval = p.get("interval") or "auto"
    s = dyads.series(c, d, interval=interval, since=flt.since, until=flt.until,
                     min_quality=flt.min_quality, statuses=flt.statuses,
                     types=flt.types, actor=flt.actor)
    sd = s.to_dict(sparse=True)
    offset = _offset(p.get("offset"))
    events, total = q.event_page(c, flt, limit=PAGE, offset=offset)
    return _page(request, "dyad.html", dyad=d, series=sd, timeline=render.timeline_spec(sd),
                 index=render.index_spec(sd), events=events, pager=_pager(request, offset, total),
                 form=form, interval=interval, types=render.type_order()[0], statuses=STATUSES,
                 api_filter={"dyad": d.label, "min_quality": flt.min_quality})


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, c=Depends(conn)):
    p = request.query_params
    d = dyads.parse_dyad(p["dyad"]) if p.get("dyad") else None
    flt, form = form_filter(request, d, None)
    form["dyad"] = p.get("dyad", "")
    offset = _offset(p.get("offset"))
    events, total = q.event_page(c, flt, limit=PAGE, offset=offset)
    return _page(request, "events.html", events=events, pager=_pager(request, offset, total),
                 form=form, types=render.type_order()[0], statuses=STATUSES)


@router.get("/articles/{doc_id}", response_class=HTMLResponse)
def article_page(request: Request, doc_id: str, c=Depends(conn)):
    doc = q.document(c, doc_id)
    if doc is None:
        raise ApiError(404, "not_found", f"no document {doc_id!r}")
    fields = render.highlighted_fields(doc)
    return _page(request, "article.html", doc=doc, meta=doc.get("document") or {}, fields=fields,
                 captions=[(k, v) for k, v in fields.items() if k.startswith("caption.")],
                 table_rows=[(k, v) for k, v in fields.items() if k.startswith("table.")],
                 min_quality=state(request).options.quality.min_quality)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, c=Depends(conn)):
    p = request.query_params
    watchlist = p.get("watchlist") or None
    offset = _offset(p.get("offset"))
    rows, total = al.alerts(c, watchlist_id=watchlist, limit=PAGE, offset=offset)
    return _page(request, "alerts.html", alerts=rows, watchlists=al.watchlists(c),
                 watchlist=watchlist, pager=_pager(request, offset, total))


@router.get("/stories", response_class=HTMLResponse)
def stories_page(request: Request, c=Depends(conn)):
    offset = _offset(request.query_params.get("offset"))
    rows, total = [], 0
    if q.has_table(c, "stories"):
        from dyadwatch.store import stories as st

        rows = st.list_stories(q.ReadView(c), limit=PAGE, offset=offset)
        total = q.story_count(c)
    return _page(request, "stories.html", stories=rows, pager=_pager(request, offset, total))


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str, c=Depends(conn)):
    story = None
    if q.has_table(c, "stories"):
        from dyadwatch.store import stories as st

        story = st.get_story(q.ReadView(c), story_id)
    if story is None:
        raise ApiError(404, "not_found", f"no story {story_id!r}")
    spans = [(m.get("doc_id"), m.get("field") or "body", m.get("start"))
             for ev in story.get("events") or [] for m in ev.get("mentions") or []]
    return _page(request, "story.html", story=story, links=q.event_ids_at(c, spans))
