"""HTML pieces of the dashboard: article fields with highlighted evidence and flags, and the
Vega-Lite specifications of the dyad charts (built here, so that tests can read them)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from dyadwatch.nlp.parse import row_text

QUAD_LABELS = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict",
               4: "material conflict", 0: "unknown"}
# Blue for cooperation, orange-red for conflict, darker for material: readable in grey too.
QUAD_COLOURS = {1: "#6baed6", 2: "#2171b5", 3: "#fd8d3c", 4: "#cb181d", 0: "#969696"}


@dataclass(slots=True)
class Span:
    start: int
    end: int
    kind: str  # "event" or "flag"
    label: str  # shown on hover
    ref: str  # event id or flag index
    anchor: bool = False  # the first span of an event carries its anchor


# --- article ------------------------------------------------------------------------------------
def fields(analysis: dict[str, Any]) -> dict[str, str]:
    """Text of every field of an analysis by field name (title, subtitle, body, caption.i,
    table.t.r), as the parser numbered them."""
    doc = analysis.get("document") or {}
    out = {"title": doc.get("title") or "", "subtitle": doc.get("subtitle") or "",
           "body": analysis.get("text") or ""}
    for i, cap in enumerate(doc.get("captions") or []):
        out[f"caption.{i}"] = cap or ""
    for t, table in enumerate(doc.get("tables") or []):
        for r, row in enumerate(table.get("rows") or []):
            out[f"table.{t}.{r}"] = row_text(row)
    return out


def spans_by_field(analysis: dict[str, Any]) -> dict[str, list[Span]]:
    """Evidence spans of the events (the main one anchored ``ev-<id>``, other reports of the same
    event too) and the spans of quality flags, grouped by field."""
    out: dict[str, list[Span]] = {}
    for n, ev in enumerate(analysis.get("events") or []):
        eid = str(ev.get("id") or n)
        actor = (ev.get("actor") or {}).get("code") or (ev.get("actor") or {}).get("text") or "?"
        rec = (ev.get("recipient") or {}).get("code") or (ev.get("recipient") or {}).get("text") or "-"
        label = f"{ev.get('type')} {actor} → {rec} ({ev.get('status')}, {ev.get('date') or 'no date'})"
        main = ev.get("evidence") or {}
        for k, evid in enumerate([main] + [m for m in ev.get("mentions") or [] if m != main]):
            if evid.get("start") is None or evid.get("end") is None:
                continue
            out.setdefault(evid.get("field") or "body", []).append(
                Span(int(evid["start"]), int(evid["end"]), "event", label, eid, anchor=k == 0))
    for i, f in enumerate(analysis.get("flags") or []):
        if f.get("start") is None or f.get("end") is None or f.get("end", 0) <= f.get("start", 0):
            continue
        out.setdefault(f.get("field") or "body", []).append(
            Span(int(f["start"]), int(f["end"]), "flag",
                 f"{f.get('kind')} ({f.get('severity')}): {f.get('detail')}", f"flag-{i}"))
    return out


def highlight(text: str, spans: list[Span]) -> Markup:
    """``text`` as escaped HTML with each stretch covered by spans wrapped in a ``<mark>`` naming
    the events and flags that cover it; an event's anchor sits where its evidence starts."""
    n = len(text)
    spans = [s for s in spans if 0 <= s.start < s.end and s.start < n]
    cuts = sorted({0, n} | {s.start for s in spans} | {min(s.end, n) for s in spans})
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        for s in spans:
            if s.anchor and s.start == a:
                parts.append(f'<a class="anchor" id="ev-{escape(s.ref)}"></a>')
        covering = [s for s in spans if s.start <= a and min(s.end, n) >= b]
        piece = escape(text[a:b])
        if not covering:
            parts.append(str(piece))
            continue
        kinds = sorted({s.kind for s in covering})
        refs = " ".join(dict.fromkeys(s.ref for s in covering))
        title = "\n".join(dict.fromkeys(s.label for s in covering))
        parts.append(f'<mark class="{" ".join(kinds)}" data-refs="{escape(refs)}" '
                     f'title="{escape(title)}">{piece}</mark>')
    return Markup("".join(parts))


def highlighted_fields(analysis: dict[str, Any]) -> dict[str, Markup]:
    spans = spans_by_field(analysis)
    return {name: highlight(text, spans.get(name, [])) for name, text in fields(analysis).items()}


# --- charts -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def type_order() -> tuple[tuple[str, ...], dict[str, int]]:
    """PLOVER types in the ontology's order (cooperation first) and the QuadClass of each."""
    from dyadwatch.events.ontology import default_ontology

    o = default_ontology()
    return tuple(o.types), {t: o.quad_class(info.default_code) for t, info in o.types.items()}


def period_end(period: dt.date, interval: str) -> dt.date:
    step = {"day": relativedelta(days=1), "week": relativedelta(weeks=1),
            "month": relativedelta(months=1), "quarter": relativedelta(months=3),
            "year": relativedelta(years=1)}[interval]
    return period + step - relativedelta(days=1)


def _focus_domain(series: dict[str, Any]) -> dict[str, Any]:
    """A scale domain from the focus's first period to the last period, when the focus leaves
    earlier periods out; nothing otherwise."""
    focus, points = series.get("focus"), series["points"]
    if not focus or not points or focus[0] <= points[0]["period"]:
        return {}
    start = next(p["period"] for p in points if p["period"] >= _period_start(focus[0], series, points))
    return {"domain": [start, points[-1]["period"]]}


def _period_start(day: str, series: dict[str, Any], points: list[dict[str, Any]]) -> str:
    """The start of the period holding ``day``."""
    starts = [p["period"] for p in points if p["period"] <= day]
    return starts[-1] if starts else points[0]["period"]


def timeline_spec(series: dict[str, Any]) -> dict[str, Any]:
    """Bubbles per period and PLOVER type (size = events, colour = QuadClass); drag to pan,
    wheel to zoom, hover for counts, click to list the events (``since``/``until``/``type``)."""
    order, quads = type_order()
    rows = []
    for p in series["points"]:
        start = dt.date.fromisoformat(p["period"])
        end = period_end(start, series["interval"]).isoformat()
        for key, n in p["counts"].items():
            q = quads.get(key, 0)
            rows.append({"period": p["period"], "since": p["period"], "until": end, "type": key,
                         "n": n, "quad": QUAD_LABELS[q]})
    present = [t for t in order if any(r["type"] == t for r in rows)]
    present += sorted({r["type"] for r in rows} - set(present))
    domain = [QUAD_LABELS[q] for q in (1, 2, 3, 4, 0)]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container", "height": max(60, 26 * len(present)),
        "data": {"values": rows},
        "params": [{"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}],
        "mark": {"type": "circle", "clip": True, "opacity": 0.8, "stroke": "#333", "strokeWidth": 0.5, "cursor": "pointer"},
        "encoding": {
            # Pixel padding keeps the first and last bubbles inside the plot; the first view is the
            # series' focus (old events recalled by articles are reached by panning).
            "x": {"field": "period", "type": "temporal", "title": None,
                  "scale": {"padding": 24, **_focus_domain(series)}},
            "y": {"field": "type", "type": "nominal", "sort": present, "title": None},
            "size": {"field": "n", "type": "quantitative", "title": "events",
                     "scale": {"range": [60, 900]}},
            "color": {"field": "quad", "type": "nominal", "title": "QuadClass",
                      "scale": {"domain": domain, "range": [QUAD_COLOURS[q] for q in (1, 2, 3, 4, 0)]}},
            "tooltip": [{"field": "type", "title": "type"},
                        {"field": "since", "title": "from"}, {"field": "until", "title": "to"},
                        {"field": "n", "title": "events"}],
        },
    }


def index_spec(series: dict[str, Any]) -> dict[str, Any]:
    """The index per period with its band; click a point to list that period's events."""
    rows = []
    segment = 0  # the line and its band break where periods without events were left out
    for p in series["points"]:
        if p["index"] is None or p.get("gap_before"):
            segment += 1
        if p["index"] is None:
            continue
        start = dt.date.fromisoformat(p["period"])
        rows.append({"period": p["period"], "since": p["period"],
                     "until": period_end(start, series["interval"]).isoformat(),
                     "index": p["index"], "low": p["low"], "high": p["high"], "n": p["n"],
                     "segment": segment})
    x = {"field": "period", "type": "temporal", "title": None,
         "scale": {"padding": 12, **_focus_domain(series)}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container", "height": 180, "data": {"values": rows},
        "layer": [
            {"mark": {"type": "area", "clip": True, "opacity": 0.2, "color": "#555"},
             "encoding": {"x": x, "y": {"field": "low", "type": "quantitative",
                                "scale": {"domain": [-10, 10]}, "title": "conflict ← index → cooperation"},
                          "y2": {"field": "high"}, "detail": {"field": "segment"}}},
            {"mark": {"type": "rule", "color": "#999", "strokeDash": [4, 4]},
             "encoding": {"y": {"datum": 0}}, "data": {"values": [{}]}},
            {"mark": {"type": "line", "clip": True, "color": "#333"},
             "encoding": {"x": x, "y": {"field": "index", "type": "quantitative"},
                          "detail": {"field": "segment"}}},
            {"params": [{"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}],
             "mark": {"type": "point", "clip": True, "filled": True, "color": "#333", "size": 60, "cursor": "pointer"},
             "encoding": {"x": x, "y": {"field": "index", "type": "quantitative"},
                          "tooltip": [{"field": "since", "title": "from"}, {"field": "until", "title": "to"},
                                      {"field": "index", "title": "index"},
                                      {"field": "low", "title": "low"}, {"field": "high", "title": "high"},
                                      {"field": "n", "title": "events"}]}},
        ],
    }
