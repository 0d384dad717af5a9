"""Dyad analytics: event series per period, a cooperation–conflict index with an uncertainty band,
and change detection against the dyad's own baseline.

A dyad is a pair of countries, undirected (``USA-COL``: either acts on the other) or directed
(``USA>COL``: the United States acting on Colombia). For each period (day, week, month, quarter,
year) the series holds event counts per PLOVER type, QuadClass or status, and the index:

    index = sum(w * intensity) / sum(w),   w = confidence x status weight x (1 + ln corroboration)

on the Goldstein-like -10..+10 scale of the event intensities. Corroboration is the event's number
of reporting spans (``n_mentions``) or, where stories are stored, the number of distinct sources of
the story event it was merged into (``store.dyads.STORY_SOURCES``). Documents whose quality is below
``QualityOptions.min_quality`` are left out unless the caller says otherwise.

The band is the mean plus or minus z standard errors, with the spread estimated from the period's
events plus one pseudo-event of the whole scale's spread (``prior_sd``), and the standard error
divided by Kish's effective number of events: one event gives a wide band, twenty agreeing
events a narrow one. Weights, statuses and thresholds are in ``data/dyads.json``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jsonschema
from dateutil.relativedelta import relativedelta

from dyadwatch.config import QualityOptions
from dyadwatch.errors import InputError, KBError
from dyadwatch.store import dyads as q
from dyadwatch.store.dyads import Dyad, EventFilter

log = logging.getLogger(__name__)

__all__ = ["Dyad", "EventFilter", "Settings", "Point", "Series", "Change", "settings",
           "load_settings", "parse_dyad", "series", "changes", "index_of", "top_dyads"]

DEFAULT_MIN_QUALITY = QualityOptions().min_quality
_DYAD = re.compile(r"^\s*([A-Za-z]{3})\s*(->|>|-|–|—|_|/|:)\s*([A-Za-z]{3})\s*$")


# --- settings -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Settings:
    count_statuses: tuple[str, ...]
    default_interval: str
    max_periods: int
    auto_max_periods: int
    focus_quantile: float
    status_weights: dict[str, float]
    max_corroboration: int
    prior_sd: float
    prior_weight: float
    z: float
    baseline_periods: int
    min_baseline_periods: int
    z_threshold: float
    min_events: int
    count_floor: float
    webhook: dict[str, float]


def load_settings(path: str | None = None) -> Settings:
    """Read and validate the settings file (the packaged ``data/dyads.json`` by default)."""
    base = resources.files("dyadwatch").joinpath("data")
    source = path or str(base.joinpath("dyads.json"))
    try:
        data = json.loads(open(source, encoding="utf-8").read() if path else
                          base.joinpath("dyads.json").read_text(encoding="utf-8"))
        schema = json.loads(base.joinpath("dyads.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read settings: {exc}", file=source) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(exc.message, file=source, field="/".join(map(str, exc.absolute_path))) from exc
    s, i, c = data["series"], data["index"], data["changes"]
    return Settings(tuple(s["count_statuses"]), s["default_interval"], s["max_periods"],
                    s["auto_max_periods"], s["focus_quantile"],
                    dict(i["status_weights"]), i["max_corroboration"], i["prior_sd"],
                    i["prior_weight"], i["z"], c["baseline_periods"], c["min_baseline_periods"],
                    c["z_threshold"], c["min_events"], c["count_floor"],
                    {k: v for k, v in data["webhook"].items() if not k.startswith("_")})


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


# --- dyads --------------------------------------------------------------------------------------
def parse_dyad(text: str, *, directed: bool | None = None) -> Dyad:
    """``USA-COL`` (undirected), ``USA>COL`` or ``USA->COL`` (directed); ``directed`` overrides
    the separator. Raises ``InputError`` for anything else."""
    m = _DYAD.match(text or "")
    if not m:
        raise InputError(f"a dyad is two three-letter country codes such as USA-COL (either "
                         f"direction) or USA>COL (USA acting on COL); got {text!r}", source="dyad")
    a, sep, b = m.group(1).upper(), m.group(2), m.group(3).upper()
    is_directed = sep in (">", "->") if directed is None else directed
    return Dyad(a, b, is_directed)


# --- index --------------------------------------------------------------------------------------
@dataclass(slots=True)
class IndexValue:
    value: float | None
    low: float | None
    high: float | None
    se: float | None
    weight: float
    n_eff: float


def index_of(sw: float, sw2: float, swx: float, swx2: float, cfg: Settings | None = None) -> IndexValue:
    """The weighted mean intensity and its band from the weighted sums of a set of events."""
    cfg = cfg or settings()
    if sw <= 0:
        return IndexValue(None, None, None, None, 0.0, 0.0)
    mean = swx / sw
    ss = max(swx2 - swx * swx / sw, 0.0)
    var = (ss + cfg.prior_weight * cfg.prior_sd ** 2) / (sw + cfg.prior_weight)
    n_eff = sw * sw / sw2 if sw2 > 0 else 1.0
    se = math.sqrt(var / n_eff)
    half = cfg.z * se
    return IndexValue(round(mean, 3), round(max(mean - half, -10.0), 3),
                      round(min(mean + half, 10.0), 3), round(se, 3), round(sw, 3), round(n_eff, 2))


# --- series -------------------------------------------------------------------------------------
@dataclass(slots=True)
class Point:
    period: dt.date
    n: int
    counts: dict[str, int]
    index: IndexValue
    sums: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        iv = self.index
        return {"period": self.period.isoformat(), "n": self.n, "counts": self.counts,
                "index": iv.value, "low": iv.low, "high": iv.high, "se": iv.se,
                "weight": iv.weight, "n_eff": iv.n_eff}


@dataclass(slots=True)
class Series:
    dyad: Dyad
    interval: str
    by: str
    min_quality: float | None
    points: list[Point]
    keys: list[str]
    overall: IndexValue
    changes: list["Change"] = field(default_factory=list)
    focus: tuple[dt.date, dt.date] | None = None  # where most events are (see ``focus_quantile``)
    total: int = 0  # events of the whole series, also those before the first of ``max_periods``

    def to_dict(self, sparse: bool = False) -> dict[str, Any]:
        """The series as JSON. ``sparse``: only the periods with events, each marked
        ``gap_before`` when empty periods were left out before it (a chart breaks its line there);
        ``empty_periods`` counts what was left out. Change detection always reads every period."""
        o = self.overall
        points = [p.to_dict() for p in self.points]
        empty = 0
        if sparse:
            kept, gap = [], False
            for p in points:
                if p["n"] == 0:
                    gap, empty = bool(kept), empty + 1
                    continue
                p["gap_before"] = gap
                gap = False
                kept.append(p)
            points = kept
        return {"dyad": self.dyad.label, "directed": self.dyad.directed, "interval": self.interval,
                "by": self.by, "min_quality": self.min_quality, "keys": self.keys,
                "total": self.total,
                "overall": {"index": o.value, "low": o.low, "high": o.high, "se": o.se,
                            "weight": o.weight, "n_eff": o.n_eff},
                "focus": [d.isoformat() for d in self.focus] if self.focus else None,
                "sparse": sparse, "empty_periods": empty,
                "points": points,
                "changes": [c.to_dict() for c in self.changes]}


def _step(interval: str) -> relativedelta:
    return {"day": relativedelta(days=1), "week": relativedelta(weeks=1),
            "month": relativedelta(months=1), "quarter": relativedelta(months=3),
            "year": relativedelta(years=1)}[interval]


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def series(conn: Any, dyad: Dyad | str, *, interval: str | None = None, by: str = "type",
           since: dt.date | None = None, until: dt.date | None = None,
           min_quality: float | None = DEFAULT_MIN_QUALITY, statuses: tuple[str, ...] | None = None,
           types: tuple[str, ...] = (), actor: str | None = None, detect: bool = True,
           exclude_genres: tuple[str, ...] = (), cfg: Settings | None = None) -> Series:
    """Counts and index of a dyad per period, empty periods included, with detected changes."""
    cfg = cfg or settings()
    d = parse_dyad(dyad) if isinstance(dyad, str) else dyad
    if by not in q.GROUP_KEYS:
        raise InputError(f"by must be one of {', '.join(q.GROUP_KEYS)}; got {by!r}", source="by")
    flt = EventFilter(dyad=d, since=since, until=until, min_quality=min_quality, types=tuple(types),
                      statuses=tuple(statuses if statuses is not None else cfg.count_statuses),
                      actor=actor, exclude_genres=tuple(exclude_genres))
    interval = interval or cfg.default_interval
    focus = q.day_range(conn, flt, cfg.focus_quantile)
    if interval == "auto":
        interval = auto_interval(*focus, cfg=cfg)
    if interval not in q.INTERVALS:
        raise InputError(f"interval must be auto or one of {', '.join(q.INTERVALS)}; got "
                         f"{interval!r}", source="interval")
    rows = q.period_sums(conn, flt, interval=interval, by=by, status_weights=cfg.status_weights,
                         max_corroboration=cfg.max_corroboration)
    points, keys = _points(rows, interval, cfg)
    tot = [sum(float(r[k] or 0.0) for r in rows) for k in ("sw", "sw2", "swx", "swx2")]
    out = Series(d, interval, by, min_quality, points, keys, index_of(*tot, cfg=cfg),
                 focus=focus if focus[0] is not None else None, total=sum(int(r["n"]) for r in rows))
    if detect:
        out.changes = changes(out, cfg)
    return out


def auto_interval(first: dt.date | None, last: dt.date | None, *, cfg: Settings | None = None) -> str:
    """The finest interval with at most ``auto_max_periods`` periods from ``first`` to ``last``."""
    cfg = cfg or settings()
    if first is None or last is None:
        return cfg.default_interval
    days = (last - first).days + 1
    # Periods per interval, counted generously (a partial period at each end).
    for interval, length in (("day", 1), ("week", 7), ("month", 30.4), ("quarter", 91.3)):
        if days / length + 2 <= cfg.auto_max_periods:
            return interval
    return "year"


def _points(rows: list[dict[str, Any]], interval: str, cfg: Settings) -> tuple[list[Point], list[str]]:
    """Fold (period, key) rows into one point per period, filling empty periods between the first
    and the last (at most ``max_periods``: the most recent are kept; the series' total and overall
    index still count every event)."""
    by_period: dict[dt.date, dict[str, Any]] = {}
    keys: set[str] = set()
    for r in rows:
        period = _as_date(r["period"])
        slot = by_period.setdefault(period, {"counts": {}, "sums": [0.0, 0.0, 0.0, 0.0]})
        key = str(r["key"]) if r["key"] is not None else ""
        keys.add(key)
        slot["counts"][key] = int(r["n"])
        for i, name in enumerate(("sw", "sw2", "swx", "swx2")):
            slot["sums"][i] += float(r[name] or 0.0)
    if not by_period:
        return [], []
    periods, step = [], _step(interval)
    cur, last = min(by_period), max(by_period)
    while cur <= last:
        periods.append(cur)
        cur = cur + step
    periods = periods[-cfg.max_periods:]
    out = []
    for p in periods:
        slot = by_period.get(p, {"counts": {}, "sums": [0.0, 0.0, 0.0, 0.0]})
        sums = tuple(slot["sums"])
        out.append(Point(p, sum(slot["counts"].values()), slot["counts"], index_of(*sums, cfg=cfg),
                         sums))  # type: ignore[arg-type]
    return out, sorted(keys)


# --- change detection ---------------------------------------------------------------------------
@dataclass(slots=True)
class Change:
    period: dt.date
    metric: str  # "count" or "index"
    value: float
    baseline: float
    z: float
    direction: str  # up | down (index: up = more cooperative)

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period.isoformat(), "metric": self.metric, "value": self.value,
                "baseline": self.baseline, "z": self.z, "direction": self.direction}


def changes(s: Series, cfg: Settings | None = None) -> list[Change]:
    """Periods far from the baseline of the ``baseline_periods`` periods before them, by event
    count (Poisson z) and by index (difference over the combined standard error)."""
    cfg = cfg or settings()
    out: list[Change] = []
    pts = s.points
    for t in range(len(pts)):
        base = pts[max(0, t - cfg.baseline_periods):t]
        if len(base) < cfg.min_baseline_periods:
            continue
        out += _count_change(pts[t], base, cfg) + _index_change(pts[t], base, cfg)
    return out


def _count_change(p: Point, base: list[Point], cfg: Settings) -> list[Change]:
    lam = sum(b.n for b in base) / len(base)
    z = (p.n - lam) / math.sqrt(max(lam, cfg.count_floor))
    # A rise needs min_events in the period; a fall needs min_events expected.
    if (z >= cfg.z_threshold and p.n >= cfg.min_events) or (z <= -cfg.z_threshold and lam >= cfg.min_events):
        return [Change(p.period, "count", float(p.n), round(lam, 2), round(z, 2),
                       "up" if z > 0 else "down")]
    return []


def _index_change(p: Point, base: list[Point], cfg: Settings) -> list[Change]:
    if p.index.value is None or p.n < cfg.min_events:
        return []
    sums = [sum(b.sums[i] for b in base) for i in range(4)]
    b = index_of(*sums, cfg=cfg)
    if b.value is None or p.index.se is None or b.se is None:
        return []
    z = (p.index.value - b.value) / math.sqrt(p.index.se ** 2 + b.se ** 2)
    if abs(z) < cfg.z_threshold:
        return []
    return [Change(p.period, "index", p.index.value, b.value, round(z, 2), "up" if z > 0 else "down")]


# --- overview -----------------------------------------------------------------------------------
def top_dyads(conn: Any, *, min_quality: float | None = DEFAULT_MIN_QUALITY,
              since: dt.date | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The most reported undirected country pairs: ``{"dyad", "n", "last_day", "mean_intensity"}``."""
    rows = q.dyad_counts(conn, min_quality=min_quality, since=since, limit=limit)
    return [{"dyad": f"{r['a']}-{r['b']}", "n": int(r["n"]),
             "last_day": r["last_day"].isoformat() if r["last_day"] else None,
             "mean_intensity": round(r["mean_intensity"], 2) if r["mean_intensity"] is not None else None}
            for r in rows]
