"""The rows one analysis or reject adds to each table, as dicts keyed by column name.

The batch runner writes these rows to Parquet and ``dyadwatch load`` copies them into DuckDB or
PostgreSQL; the column names are the SQL tables' own (``store/migrations``), and the values are
the ones ``Store.save`` writes (the event row is ``Store._event_row`` itself). Times of storing
(``ingested_at``, ``seen_at``, ``rejected_at``) are not part of a row: they are set when rows are
loaded into a database, so that two runs over the same input give identical rows.
"""

from __future__ import annotations

import json
from typing import Any

from dyadwatch.model import Analysis, Rejected
from dyadwatch.store import EVENT_COLUMNS, Store

Row = dict[str, Any]

# Columns set at load time, not carried in batch output.
LOAD_TIME_COLUMNS = {"documents": "ingested_at", "sources": "seen_at", "rejects": "rejected_at"}

# Batch output tables and the SQL table each is loaded into.
SQL_TABLES = {"documents": "documents", "sources": "document_sources", "mentions": "mentions",
              "events": "events", "flags": "flags", "rejects": "rejects"}


def document_row(analysis: Analysis, payload: dict[str, Any]) -> Row:
    a = analysis.article
    return {"id": a.doc_id, "source": a.source, "url": a.url, "title": a.title,
            "subtitle": a.subtitle, "author": a.author, "author_role": a.author_role,
            "section": a.section, "published": a.published, "published_source": a.published_source,
            "dateline": a.dateline, "language": a.language, "source_name": a.source_name,
            "format": a.format, "text": a.text, "quality": analysis.quality,
            "n_events": len(analysis.events), "ref_date": analysis.ref_date,
            "analysis": json.dumps(payload, ensure_ascii=False), "page_kind": a.page_kind,
            "genre": a.genre, "topic": a.topic}


def source_row(analysis: Analysis) -> Row:
    a = analysis.article
    return {"doc_id": a.doc_id, "source": a.source, "url": a.url, "source_name": a.source_name}


def mention_rows(analysis: Analysis) -> list[Row]:
    doc_id = analysis.article.doc_id
    return [{"doc_id": doc_id, "idx": i, "text": m.text, "field": m.field, "sentence": m.sentence,
             "m_start": m.start, "m_end": m.end, "kind": m.kind, "name": m.name,
             "country": m.country, "sector": m.sector, "code": m.code, "kb_id": m.kb_id,
             "role": m.role, "confidence": m.confidence}
            for i, m in enumerate(analysis.mentions)]


def event_rows(doc_id: str, payload: dict[str, Any]) -> list[Row]:
    return [dict(zip(EVENT_COLUMNS, Store._event_row(doc_id, i, ev)))
            for i, ev in enumerate(payload["events"])]


def flag_rows(analysis: Analysis) -> list[Row]:
    doc_id = analysis.article.doc_id
    return [{"doc_id": doc_id, "idx": i, "kind": f.kind, "severity": f.severity, "field": f.field,
             "f_start": f.start, "f_end": f.end, "text": f.text, "detail": f.detail}
            for i, f in enumerate(analysis.flags)]


def reject_row(rejected: Rejected) -> Row:
    return {"id": rejected.document_id or rejected.source, "source": rejected.source,
            "document_id": rejected.document_id, "stage": rejected.stage,
            "reason": rejected.reason, "message": rejected.message}


def analysis_rows(analysis: Analysis) -> dict[str, list[Row]]:
    """Rows of every table for one stored analysis (``sources`` holds the one sighting)."""
    payload = analysis.to_dict()
    doc_id = analysis.article.doc_id
    return {"documents": [document_row(analysis, payload)], "sources": [source_row(analysis)],
            "mentions": mention_rows(analysis), "events": event_rows(doc_id, payload),
            "flags": flag_rows(analysis)}
