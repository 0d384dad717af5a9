"""Flat (CSV) form of stored events; GDELT-style and PLOVER forms live in dyadwatch.events.export."""

from __future__ import annotations

from typing import Any

FLAT_COLUMNS = (
    "id", "doc_id", "type", "mode", "context", "cameo", "quad_class", "intensity", "status",
    "confidence", "date", "date_precision", "date_text",
    "actor_text", "actor_name", "actor_country", "actor_sector", "actor_code", "actor_kb_id",
    "recipient_text", "recipient_name", "recipient_country", "recipient_sector", "recipient_code",
    "recipient_kb_id", "location_text", "location_country", "lat", "lon",
    "evidence_field", "evidence_sentence", "evidence_start", "evidence_end", "evidence_text",
    "n_mentions", "title", "url", "source", "source_name", "published", "quality",
    "genre")


def to_flat(ev: dict[str, Any]) -> dict[str, Any]:
    """One CSV row for an event object as ``Store.events`` returns it."""
    row: dict[str, Any] = {k: ev.get(k) for k in ("id", "type", "mode", "cameo", "quad_class",
                                                  "intensity", "status", "confidence", "date",
                                                  "date_precision", "date_text")}
    row["context"] = ";".join(ev.get("context") or [])
    for role in ("actor", "recipient"):
        ref = ev.get(role) or {}
        for key in ("text", "name", "country", "sector", "code", "kb_id"):
            row[f"{role}_{key}"] = ref.get(key, "")
    loc = ev.get("location") or {}
    row.update(location_text=loc.get("text", ""), location_country=loc.get("country", ""),
               lat=loc.get("lat"), lon=loc.get("lon"))
    evid = ev.get("evidence") or {}
    row.update(evidence_field=evid.get("field"), evidence_sentence=evid.get("sentence"),
               evidence_start=evid.get("start"), evidence_end=evid.get("end"),
               evidence_text=evid.get("text"), n_mentions=len(ev.get("mentions") or []) or 1)
    doc = ev.get("document") or {}
    row["doc_id"] = doc.get("id")
    for key in ("title", "url", "source", "source_name", "published", "quality",
    "genre"):
        row[key] = doc.get(key)
    return row
