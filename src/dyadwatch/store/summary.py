"""What a store holds, for `dyadwatch summary` and the demo."""

from __future__ import annotations

from typing import Any

from dyadwatch.config import QualityOptions


def summarize(store, min_quality: float | None = None) -> dict[str, Any]:
    min_q = QualityOptions().min_quality if min_quality is None else min_quality
    dyads = store.query(
        "SELECT least(actor_country, recipient_country) || '-' || "
        "greatest(actor_country, recipient_country) AS dyad, count(*) AS events, "
        "string_agg(DISTINCT type, ',' ORDER BY type) AS types "
        "FROM events WHERE actor_country <> '' AND recipient_country <> '' "
        "AND actor_country <> recipient_country GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20")
    types = store.query("SELECT type, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC, 1")
    flags = store.query("SELECT kind, severity, count(*) AS n FROM flags GROUP BY 1, 2 "
                        "ORDER BY 3 DESC, 1")
    rejects = store.query("SELECT source, reason, message FROM rejects ORDER BY source")
    low = store.query("SELECT id, title, source, quality FROM documents WHERE quality < ? "
                      "ORDER BY quality", [min_q])
    stories = store.query(
        "SELECT count(*) AS stories, count(*) FILTER (WHERE n_docs > 1) AS multi "
        "FROM (SELECT story_id, count(*) AS n_docs FROM story_documents GROUP BY 1)")[0]
    return {"counts": store.counts(), "dyads": dyads, "types": types, "flags": flags,
            "rejects": rejects, "low_quality": low, "min_quality": min_q, "stories": stories}
