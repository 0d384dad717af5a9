"""News sitemap reader (``<urlset>`` with Google's ``<news:news>`` extension).

Each ``<url>`` becomes a ``FeedLink`` to fetch, with the title and publication date of its
``<news:news>`` block when there is one (plain sitemaps work too: a ``<loc>`` and a
``<lastmod>``). A sitemap index (``<sitemapindex>``) is rejected with a message naming what to do:
list the news sitemaps it points to as sources of their own (they change at different rates).

The XML parser resolves no entities, loads no DTD and touches no network (billion laughs, XXE);
the reader itself never fetches anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from dyadwatch.ingest.feeds import FeedLink
from dyadwatch.ingest.jsonl import reject_id
from dyadwatch.model import Rejected

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def is_sitemap(head: bytes) -> bool:
    """Whether the first bytes of a document look like a sitemap or a sitemap index."""
    lower = head[:4096].lower()
    return b"<urlset" in lower or b"<sitemapindex" in lower


def read_sitemap(data: bytes, source: str) -> Iterator[FeedLink | Rejected]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        yield Rejected(reject_id(source), source, "read", "bad_record",
                       f"{source}: the sitemap is not well-formed XML ({exc})")
        return
    tag = etree.QName(root).localname
    if tag == "sitemapindex":
        yield Rejected(reject_id(source), source, "read", "unsupported_format",
                       f"{source}: a sitemap index, not a sitemap; add the news sitemaps it lists "
                       "as sources of their own")
        return
    if tag != "urlset":
        yield Rejected(reject_id(source), source, "read", "unsupported_format",
                       f"{source}: not a sitemap (the root element is <{tag}>, not <urlset>)")
        return
    for number, url in enumerate(_children(root, "url"), 1):
        yield _entry(url, f"{source}#{number}")


def _children(node, name: str) -> list:
    return [c for c in node if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == name]


def _text(node, name: str) -> str:
    found = _children(node, name)
    return (found[0].text or "").strip() if found else ""


def _entry(url, where: str) -> FeedLink | Rejected:
    loc = _text(url, "loc")
    if not loc.startswith(("http://", "https://")):
        return Rejected(reject_id(where), where, "read", "bad_record",
                        f"{where}: the entry has no http(s) <loc> (got {loc[:80]!r})")
    news = _children(url, "news")
    title, published, outlet = "", _date(_text(url, "lastmod")), ""
    if news:
        title = _text(news[0], "title")
        published = _date(_text(news[0], "publication_date")) or published
        pub = _children(news[0], "publication")
        outlet = _text(pub[0], "name") if pub else ""
    return FeedLink(url=loc, source=where, title=title, published=published, source_name=outlet)


def _date(value: str) -> dt.date | None:
    """The day of a W3C datetime (``2026-01-07``, ``2026-01-07T10:00:00+01:00``)."""
    try:
        return dt.date.fromisoformat(value[:10]) if len(value) >= 10 else None
    except ValueError:
        return None
