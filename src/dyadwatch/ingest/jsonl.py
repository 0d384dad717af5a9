"""JSONL reader: one record per line, ``{"text"|"html", "url", "published", "source"}``.

Streams line by line, so a file of any size reads in flat memory. A bad line becomes a
``Rejected`` naming the file and line; the other lines are still read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator

from dyadwatch.model import Document, Rejected


def parse_date(value: object) -> dt.date | None:
    """A date from an ISO date or date-time string; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        from dateutil import parser as dateparser

        return dateparser.parse(text).date()
    except (ValueError, OverflowError, TypeError):
        return None


def reject_id(source: str) -> str:
    return "r" + hashlib.sha256(source.encode("utf-8", "replace")).hexdigest()[:15]


def read_jsonl(lines: Iterable[bytes], source: str, max_bytes: int) -> Iterator[Document | Rejected]:
    for number, raw in enumerate(lines, 1):
        where = f"{source}#L{number}"
        if not raw.strip():
            continue
        if len(raw) > max_bytes:
            yield Rejected(reject_id(where), where, "read", "too_large",
                           f"{where}: the record has {len(raw):,} bytes, above the limit of "
                           f"{max_bytes:,}")
            continue
        yield record_document(raw, where)


def record_document(raw: bytes, where: str) -> Document | Rejected:
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return Rejected(reject_id(where), where, "read", "bad_record",
                        f"{where}: not a JSON object ({exc}); each line must be one JSON object")
    except RecursionError:  # json's C decoder refuses nesting past the recursion limit
        return Rejected(reject_id(where), where, "read", "bad_record",
                        f"{where}: the JSON is nested too deeply to decode")
    if not isinstance(obj, dict):
        return Rejected(reject_id(where), where, "read", "bad_record",
                        f"{where}: expected a JSON object, got {type(obj).__name__}")
    html, text = obj.get("html"), obj.get("text")
    if isinstance(html, str) and html.strip():
        content, fmt = html, "html"
    elif isinstance(text, str) and text.strip():
        content, fmt = text, "text"
    else:
        return Rejected(reject_id(where), where, "read", "bad_record",
                        f"{where}: the record has neither a non-empty \"text\" nor \"html\" field")
    url = obj.get("url") if isinstance(obj.get("url"), str) else ""
    return Document(source=where, content=content.encode("utf-8", "surrogatepass"), format=fmt,
                    url=url or "", published=parse_date(obj.get("published")),
                    source_name=str(obj.get("source") or ""))
