"""Format detection from content (the first few kilobytes), never from the file name alone."""

from __future__ import annotations

import re

from dyadwatch.errors import BinaryInput, EmptyInput

FORMATS = ("html", "text", "jsonl", "feed", "warc")
GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 8192

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_RE = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<(?:div|p|article|meta|title)[\s>/]",
                      re.IGNORECASE)
_FEED_RE = re.compile(rb"<rss[\s>]|<feed[\s>][^>]*|<rdf:RDF[\s>]|<channel[\s>]", re.IGNORECASE)
_ATOM_NS = b"http://www.w3.org/2005/Atom"


def is_gzip(head: bytes) -> bool:
    return head[:2] == GZIP_MAGIC


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters in the first block, outside UTF-16 text."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text carries NULs legitimately
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    # Real text has essentially no C0 controls; 5% is far above any encoding's noise.
    return control / len(head) > 0.05


def sniff(head: bytes, name: str = "") -> str:
    """The format of a stream whose first bytes are ``head`` (already decompressed).

    Raises EmptyInput or BinaryInput when the content is neither; ``name`` only breaks ties
    between JSONL and text.
    """
    stripped = head
    for bom in _BOMS:
        if stripped.startswith(bom):
            stripped = stripped[len(bom):]
            break
    stripped = stripped.lstrip()
    if not stripped:
        raise EmptyInput("the input is empty or only whitespace", source=name)
    if stripped.startswith((b"WARC/", b"filedesc://")):
        return "warc"
    if looks_binary(head):
        raise BinaryInput("the input looks like binary data (NUL or control bytes), not text, "
                          "HTML or a supported archive", source=name)
    lower = stripped[:SNIFF_BYTES].lower()
    if name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return "jsonl"  # the name says so: a bad first line is a bad record, not a text
    if stripped.startswith(b"{") and _jsonl_like(stripped):
        return "jsonl"
    if _FEED_RE.search(lower) and not lower.startswith((b"<!doctype html", b"<html")):
        return "feed"
    if lower.startswith(b"<?xml") and _ATOM_NS in lower:
        return "feed"
    if _HTML_RE.search(lower):
        return "html"
    if name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz")) and stripped.startswith(b"{"):
        return "jsonl"
    return "text"


def _jsonl_like(data: bytes) -> bool:
    """One of the first lines is a JSON object and every complete line among them opens like one
    (a news text starting with '{' is rare; JSONL is not; a JSONL file whose first record is
    broken is still JSONL)."""
    lines = [ln.strip() for ln in data.split(b"\n")[:5]]
    complete = [ln for ln in lines[:-1] if ln] if len(lines) > 1 else []
    if len(complete) >= 2 and all(ln.startswith(b"{") for ln in complete):
        if any(_json_object_line(ln) for ln in complete):
            return True
    return _json_object_line(lines[0])


def _json_object_line(first: bytes) -> bool:
    import json

    if first.endswith(b"}"):
        try:
            return isinstance(json.loads(first), dict)
        except ValueError:
            return False
        except RecursionError:  # nested past json's limit: judged by its opening, as below
            pass
    # a very long first line cut by the sniff window: accept when it looks like a JSON key
    return bool(re.match(rb'\{\s*"[^"]{1,40}"\s*:', first))
