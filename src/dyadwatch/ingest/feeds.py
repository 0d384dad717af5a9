"""RSS and Atom reader (feedparser).

Entries that carry the article become documents (their HTML wrapped in a minimal page that keeps
title, author and date as metadata). Entries that only link to the article become ``FeedLink``s,
which the caller fetches (the reader itself never touches the network).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dyadwatch.ingest.jsonl import reject_id
from dyadwatch.model import Document, Rejected

# An entry whose text (tags stripped) is shorter than this is a teaser, not the article: news
# summaries run 1-3 sentences (< 400 characters); full articles are far longer.
MIN_ARTICLE_CHARS = 600
_TAG_RE = re.compile(r"<[^>]+>")
# Numeric character references; feedparser's loose parser raises OverflowError on one past
# sys.maxsize ("&#99999999999999999999;") and so loses the whole feed.
_CHARREF_RE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+))")


# feedparser's own regular expressions are superlinear on some shapes: the prolog's ENTITY and
# DOCTYPE patterns (``^\s*<!ENTITY`` under MULTILINE) on thousands of blank lines before the
# first element, and the e-mail pattern it runs over author names on a long name. Found by
# bench/fuzz_readers.py (feed inputs 79394 and 96726 of seed 1: 3 s and 8 s).
_FIRST_ELEMENT_RE = re.compile(rb"<\w")
_LONG_SPACE_RE = re.compile(rb"\s{256,}")
_AUTHOR_OPEN_RE = re.compile(
    rb"<((?:[\w.-]{1,40}:)?(?:author|creator|contributor|publisher|managingeditor|webmaster))"
    rb"\b[^<>]{0,500}>", re.IGNORECASE)
_LONG_RUN_RE = re.compile(rb"[^<>]{256,}")
AUTHOR_REGION = 65_536  # bytes after an author-like opening tag in which its text is capped
AUTHOR_RUN = 256  # longest run of text kept inside an author-like element


def defuse(data: bytes) -> bytes:
    """``data`` with the shapes feedparser handles in superlinear time made harmless, in linear
    time: out-of-range character references become U+FFFD, whitespace runs before the first
    element collapse to one newline (insignificant in XML), and text runs inside author-like
    elements are cut to ``AUTHOR_RUN`` bytes (no real name is that long)."""
    data = _CHARREF_RE.sub(_charref, data)
    first = _FIRST_ELEMENT_RE.search(data)
    if first is not None and first.start() > AUTHOR_RUN:
        data = _LONG_SPACE_RE.sub(b"\n", data[:first.start()]) + data[first.start():]
    out, pos = [], 0
    for m in _AUTHOR_OPEN_RE.finditer(data):
        if m.start() < pos:
            continue  # inside the region of the previous author element
        limit = min(len(data), m.end() + AUTHOR_REGION)
        close = data.find(b"</" + m.group(1), m.end(), limit)
        end = close if close >= 0 else limit
        out.append(data[pos:m.end()])
        out.append(_LONG_RUN_RE.sub(lambda r: r.group(0)[:AUTHOR_RUN], data[m.end():end]))
        pos = end
    if not out:
        return data
    out.append(data[pos:])
    return b"".join(out)


def _charref(m: re.Match[bytes]) -> bytes:
    """An out-of-range reference becomes U+FFFD (as an HTML parser reads it); others stay."""
    hexa, dec = m.group(1), m.group(2)
    digits = (hexa if hexa is not None else dec).lstrip(b"0") or b"0"
    if len(digits) <= 7 and int(digits, 16 if hexa is not None else 10) <= 0x10FFFF:
        return m.group(0)
    return b"&#xFFFD"


@dataclass(slots=True)
class FeedLink:
    url: str
    source: str
    title: str = ""
    published: dt.date | None = None
    source_name: str = ""


def read_feed(data: bytes, source: str) -> Iterator[Document | FeedLink | Rejected]:
    import feedparser

    try:
        parsed = feedparser.parse(defuse(data))
    except (ValueError, LookupError, OverflowError) as exc:  # e.g. an undecodable encoding
        yield Rejected(reject_id(source), source, "read", "bad_record",
                       f"{source}: the feed cannot be parsed ({exc.__class__.__name__}: {exc})")
        return
    entries = parsed.get("entries") or []
    if not entries:
        reason = parsed.get("bozo_exception")
        yield Rejected(reject_id(source), source, "read", "bad_record",
                       f"{source}: the feed has no entries"
                       + (f" ({reason.__class__.__name__}: {reason})" if reason else ""))
        return
    outlet = (parsed.get("feed") or {}).get("title", "") or ""
    for number, entry in enumerate(entries, 1):
        yield _entry(entry, f"{source}#{number}", outlet)


def _entry(entry, where: str, outlet: str) -> Document | FeedLink | Rejected:
    title = entry.get("title", "") or ""
    link = entry.get("link", "") or ""
    published = _date(entry.get("published_parsed") or entry.get("updated_parsed"))
    body = ""
    for content in entry.get("content") or []:
        if len(content.get("value", "")) > len(body):
            body = content.get("value", "")
    summary = entry.get("summary", "") or ""
    if len(summary) > len(body):
        body = summary
    if len(_TAG_RE.sub("", body)) >= MIN_ARTICLE_CHARS:
        page = _wrap(title, body, entry.get("author", "") or "", published)
        return Document(source=where, content=page.encode("utf-8"), format="html", url=link,
                        published=published, source_name=outlet)
    if link.startswith(("http://", "https://")):
        return FeedLink(url=link, source=where, title=title, published=published,
                        source_name=outlet)
    return Rejected(reject_id(where), where, "read", "bad_record",
                    f"{where}: the entry has neither the article text nor a link to it")


def _date(struct) -> dt.date | None:
    if not struct:
        return None
    try:
        return dt.date(struct.tm_year, struct.tm_mon, struct.tm_mday)
    except (ValueError, AttributeError):
        return None


def _wrap(title: str, body: str, author: str, published: dt.date | None) -> str:
    meta = []
    if author:
        meta.append(f'<meta name="author" content="{html.escape(author)}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{published.isoformat()}">')
    t = html.escape(title)
    return (f"<html><head><title>{t}</title>{''.join(meta)}</head>"
            f"<body><article><h1>{t}</h1>{body}</article></body></html>")
