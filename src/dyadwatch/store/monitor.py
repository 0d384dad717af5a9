"""Queries of the monitor's state (tables of migration 004), portable between DuckDB and
PostgreSQL: sources with their schedule and health, items already handled, small values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from dyadwatch.store.dyads import _rows

SOURCE_FIELDS = ("etag", "last_modified", "content_hash", "last_polled_at", "last_success_at",
                 "last_new_at", "last_status", "consecutive_failures", "last_error", "next_due")
# Keys per IN (...) list: well under both backends' parameter limits.
_CHUNK = 500


def sources(conn: Any, *, active_only: bool = False) -> list[dict[str, Any]]:
    where = " WHERE active" if active_only else ""
    return _rows(conn, f"SELECT * FROM monitor_sources{where} ORDER BY name, url")


def upsert_source(conn: Any, sid: str, url: str, name: str, kind: str, interval: float,
                  next_due: dt.datetime, now: dt.datetime) -> None:
    """Add a configured source, or bring an existing one up to its configuration (active again
    if it had been removed); its schedule and health are kept."""
    conn.execute(
        "INSERT INTO monitor_sources (id, url, name, kind, interval_seconds, active, added_at, "
        "next_due, consecutive_failures, items_stored) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, 0, 0) "
        "ON CONFLICT (id) DO UPDATE SET url = excluded.url, name = excluded.name, "
        "kind = excluded.kind, interval_seconds = excluded.interval_seconds, active = TRUE",
        [sid, url, name, kind, interval, now, next_due])


def deactivate_others(conn: Any, keep: Sequence[str]) -> int:
    """Mark inactive every active source whose id is not in ``keep``; returns how many."""
    params: list[Any] = list(keep)
    cond = f" AND id NOT IN ({', '.join('?' * len(keep))})" if keep else ""
    rows = conn.execute(f"SELECT id FROM monitor_sources WHERE active{cond}", params).fetchall()
    for (sid,) in rows:
        conn.execute("UPDATE monitor_sources SET active = FALSE WHERE id = ?", [sid])
    return len(rows)


def update_source(conn: Any, sid: str, values: dict[str, Any], *, stored: int = 0) -> None:
    """Set poll outcome fields (names from ``SOURCE_FIELDS``) and add ``stored`` new items."""
    bad = set(values) - set(SOURCE_FIELDS)
    if bad:
        raise ValueError(f"not monitor source fields: {sorted(bad)}")
    names = sorted(values)
    sets = ", ".join(f"{n} = ?" for n in names)
    conn.execute(f"UPDATE monitor_sources SET {sets}, items_stored = items_stored + ? WHERE id = ?",
                 [values[n] for n in names] + [stored, sid])


def item_states(conn: Any, sid: str, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
    """(state, attempts) of those of ``keys`` the source has handled or tried."""
    keys = list(dict.fromkeys(keys))
    out: dict[str, tuple[str, int]] = {}
    for i in range(0, len(keys), _CHUNK):
        part = keys[i:i + _CHUNK]
        rows = conn.execute(
            "SELECT item_key, state, attempts FROM monitor_items WHERE source_id = ? AND item_key "
            f"IN ({', '.join('?' * len(part))})", [sid, *part]).fetchall()
        out.update({k: (state, int(n)) for k, state, n in rows})
    return out


def mark_item(conn: Any, sid: str, key: str, doc_id: str | None, state: str,
              now: dt.datetime) -> None:
    conn.execute(
        "INSERT INTO monitor_items VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (source_id, item_key) "
        "DO UPDATE SET doc_id = excluded.doc_id, state = excluded.state, "
        "attempts = monitor_items.attempts + 1, updated_at = excluded.updated_at",
        [sid, key, doc_id, state, now, now])


def item_counts(conn: Any) -> dict[str, dict[str, int]]:
    """Per source id, the number of items in each state."""
    out: dict[str, dict[str, int]] = {}
    for sid, state, n in conn.execute("SELECT source_id, state, count(*) FROM monitor_items "
                                      "GROUP BY source_id, state").fetchall():
        out.setdefault(sid, {})[state] = int(n)
    return out


def get_meta(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM monitor_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(conn: Any, key: str, value: str) -> None:
    conn.execute("INSERT INTO monitor_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                 "value = excluded.value", [key, value])


def alert_ids_after(conn: Any, mark: dt.datetime | None) -> list[str]:
    """Ids of alerts created after ``mark`` (all when None), oldest first."""
    if mark is None:
        rows = conn.execute("SELECT id FROM alerts ORDER BY created_at, id").fetchall()
    else:
        rows = conn.execute("SELECT id FROM alerts WHERE created_at > ? ORDER BY created_at, id",
                            [mark]).fetchall()
    return [r[0] for r in rows]
