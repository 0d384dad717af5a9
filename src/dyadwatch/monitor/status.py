"""Health of the monitored sources, from the store: what `dyadwatch monitor status` prints and
`GET /api/monitor` returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dyadwatch.store import monitor as q
from dyadwatch.store.dyads import has_table

# A source not polled successfully for this many intervals (plus a minute) is stale: the monitor
# is probably not running, or the source is in a long backoff.
STALE_INTERVALS = 2


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def health(row: dict[str, Any], now: dt.datetime) -> str:
    """pending (never polled) | failing (the last poll failed) | stale | ok."""
    if row["last_polled_at"] is None:
        return "pending"
    if row["consecutive_failures"]:
        return "failing"
    last = row["last_success_at"]
    limit = dt.timedelta(seconds=STALE_INTERVALS * row["interval_seconds"] + 60)
    if last is None or now - last > limit:
        return "stale"
    return "ok"


def status(conn: Any, *, include_inactive: bool = False,
           now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One object per source: its health, the times of its last poll, success and new item,
    ``lag_seconds`` (age of the last successful poll), consecutive failures, last error, next
    due time and item counts. Empty when the monitor never ran on this store."""
    if not has_table(conn, "monitor_sources"):
        return []
    now = now or _now()
    counts = q.item_counts(conn)
    out = []
    for row in q.sources(conn, active_only=not include_inactive):
        last = row["last_success_at"]
        out.append({
            "id": row["id"], "name": row["name"] or "", "url": row["url"], "kind": row["kind"],
            "active": bool(row["active"]), "interval_seconds": row["interval_seconds"],
            "health": health(row, now) if row["active"] else "removed",
            "last_polled_at": _iso(row["last_polled_at"]), "last_success_at": _iso(last),
            "last_new_at": _iso(row["last_new_at"]),
            "lag_seconds": round((now - last).total_seconds(), 1) if last else None,
            "last_status": row["last_status"],
            "consecutive_failures": int(row["consecutive_failures"]),
            "last_error": row["last_error"], "next_due": _iso(row["next_due"]),
            "items_stored": int(row["items_stored"]), "items": counts.get(row["id"], {})})
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
