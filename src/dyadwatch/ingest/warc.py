"""WARC and ARC reader (warcio): response and resource records with HTML or text become documents.

Records are streamed; a truncated or corrupt archive yields the documents read so far, then one
``Rejected`` for the rest, naming the archive and the record where reading stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from dyadwatch.ingest.jsonl import reject_id
from dyadwatch.model import Document, Rejected

_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def read_warc(stream: BinaryIO, source: str, max_bytes: int) -> Iterator[Document | Rejected]:
    from warcio.archiveiterator import ArchiveIterator

    number = 0
    try:
        for record in ArchiveIterator(stream, arc2warc=True):
            number += 1
            doc = _record_document(record, f"{source}#{number}", max_bytes)
            if doc is not None:
                yield doc
    # warcio reports damage in many ways (ArchiveLoadFailed, EOFError, zlib errors, and an
    # AttributeError on a record cut inside its headers): any failure of the iterator is damage.
    except Exception as exc:  # noqa: BLE001
        where = f"{source}#{number + 1}"
        yield Rejected(reject_id(where), where, "read", "corrupt_archive",
                       f"{where}: the archive is truncated or corrupt after record {number} "
                       f"({exc.__class__.__name__}: {exc}); records before it were read")


def _record_document(record, where: str, max_bytes: int) -> Document | Rejected | None:
    if record.rec_type not in ("response", "resource"):
        return None
    if record.rec_type == "response" and record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        if status and not status.startswith("2"):
            return None
        ctype = (record.http_headers.get_header("Content-Type") or "").lower()
    else:
        ctype = (record.rec_headers.get_header("Content-Type") or "").lower()
    if ctype and not ctype.startswith(_TEXT_TYPES):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return Rejected(reject_id(where), where, "read", "too_large",
                        f"{where} ({url}): the record exceeds {max_bytes:,} bytes")
    fmt = "text" if ctype.startswith("text/plain") else "html"
    return Document(source=where, content=body, format=fmt, url=url)
