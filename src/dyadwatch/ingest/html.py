"""HTML -> Article: trafilatura for the main text, our own readers for the rest.

Steps: decode the bytes (BOM, ``<meta charset>``, UTF-8, a checked guess), parse once with lxml
and refuse trees that libxml2 would truncate (too deep), read figure captions, credits,
breadcrumbs and tables from the tree, let trafilatura extract the body and the metadata, then
repair the body (``clean.repair``).
"""

from __future__ import annotations

import re

import lxml.etree as etree
import lxml.html

from dyadwatch.errors import InputError
from dyadwatch.ingest.text import decode_bytes

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# The same parser settings as trafilatura's own loader, so that a tree we pass it is the tree it
# would have built: no ids collected, comments and processing instructions dropped.
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True)
# libxml2 stops descending at this depth (without XML_PARSE_HUGE) and silently drops the deeper
# content; a tree that reaches it was cut short.
LIBXML2_MAX_DEPTH = 256


def decode_html(content: bytes, source: str = "") -> str:
    """Text of an HTML document: BOM, then ``<meta charset>`` of the first 4 KB, then UTF-8, then
    a guess (``ingest.text.decode_bytes``)."""
    match = _META_CHARSET_RE.search(content[:4096])
    declared = match.group(1).decode("ascii", "replace") if match else None
    return decode_bytes(content, source, declared)


def parse_html(text: str, source: str = "", max_depth: int = LIBXML2_MAX_DEPTH) -> etree._Element:
    """Parse ``text`` into an lxml tree; raises ``InputError`` (reason ``too_deep``) when it is
    nested deeper than ``max_depth`` or libxml2 had to truncate it."""
    try:
        root = lxml.html.fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"the HTML cannot be parsed: {exc}", source=source,
                         reason="unsupported_format") from exc
    if root is None:
        raise InputError("the HTML has no elements", source=source, reason="no_text")
    limit = min(max_depth, LIBXML2_MAX_DEPTH - 1)
    depth = tree_depth(root)
    if depth >= limit:
        raise InputError(f"the HTML is nested at least {depth} elements deep (limit {limit}); "
                         "such pages cannot be parsed without losing content", source=source,
                         reason="too_deep")
    return root


def tree_depth(root: etree._Element) -> int:
    """Deepest element nesting of ``root`` (iterative: no recursion on deep trees)."""
    depth = deepest = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest
