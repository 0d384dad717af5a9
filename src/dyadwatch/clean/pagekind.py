"""What a page is: an article, or a page that only looks like one to an extractor.

Extractors return text for every page; a municipal page of links, a results table, a photo gallery
or a search page then reads as an article and gets events. The kind is measured on the extracted
body with the page's own structure (which lines are link texts, which are table rows, how many
figures) and its address, with thresholds in ``data/page_kind.json``:

- ``links``: most body lines are the texts of links on the page;
- ``table``: most body words are in table rows;
- ``gallery``: many figures and little text per figure;
- ``search``: a search, tag, category or archive address or title;
- ``article`` otherwise.

The same link-text test takes teasers out of article bodies: a line of several words whose whole
text is a link's text ("Doobie Brothers perform with Santana at Blossom") is a headline of another
story, not a paragraph of this one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dyadwatch.clean.boilerplate import _load_json

_WORD_RE = re.compile(r"\w+")
_URL_RE = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.I)
_TABLE_LINE_RE = re.compile(r"^\s*\|.*\|\s*$")

ARTICLE = "article"


@dataclass(frozen=True, slots=True)
class PageKindRules:
    link_min_words: int
    search_urls: tuple[re.Pattern[str], ...]
    search_titles: tuple[re.Pattern[str], ...]
    links_min_lines: int
    links_min_share: float
    table_min_share: float
    gallery_min_figures: int
    gallery_max_words: int


@functools.lru_cache(maxsize=1)
def rules() -> PageKindRules:
    data: dict[str, Any] = _load_json("page_kind.json", "page_kind.schema.json")
    kinds = data["kinds"]

    def compiled(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.I) for p in patterns)

    return PageKindRules(
        link_min_words=data["link_line"]["min_words"],
        search_urls=compiled(kinds["search"]["url_patterns"]),
        search_titles=compiled(kinds["search"]["title_patterns"]),
        links_min_lines=kinds["links"]["min_lines"],
        links_min_share=kinds["links"]["min_link_share"],
        table_min_share=kinds["table"]["min_table_share"],
        gallery_min_figures=kinds["gallery"]["min_figures"],
        gallery_max_words=kinds["gallery"]["max_body_words_per_figure"])


def norm(text: str) -> str:
    """Lower-cased words joined by single spaces: the form link texts and lines are compared in."""
    return " ".join(_WORD_RE.findall(text.lower()))


def anchor_texts(root: Any) -> frozenset[str]:
    """The normalised texts of the page's links (``<a>`` elements with at least one word)."""
    out = set()
    for a in root.iter("a"):
        text = norm(" ".join(a.itertext()))
        if text:
            out.add(text)
    return frozenset(out)


def is_link_line(line: str, anchors: frozenset[str]) -> bool:
    """The whole line is the text of a link (written-out URLs excepted: they are content)."""
    return bool(anchors) and not _URL_RE.match(line) and norm(line) in anchors


def is_teaser(line: str, anchors: frozenset[str]) -> bool:
    """A link line long enough to be another story's headline or a call to click."""
    return is_link_line(line, anchors) and len(_WORD_RE.findall(line)) >= rules().link_min_words


@dataclass(slots=True)
class PageKind:
    kind: str = ARTICLE
    evidence: str = ""


def classify(lines: Sequence[str], *, anchors: frozenset[str] = frozenset(), figures: int = 0,
             table_words: int = 0, url: str = "", title: str = "") -> PageKind:
    """The kind of a page from its body lines (before any teaser was taken out; without the rows
    of its data tables), the words in its data tables (rows of at least two cells: a layout table
    holding the whole article is not one), the texts of its links, its number of figures, its
    address and title."""
    r = rules()
    for pat in r.search_urls:
        if url and pat.search(url):
            return PageKind("search", f"the address {url!r} is a search, tag or listing page")
    for pat in r.search_titles:
        if title and pat.search(title):
            return PageKind("search", f"the title {title!r} names a search or listing page")
    words = [len(_WORD_RE.findall(x)) for x in lines]
    total = sum(words) or 1
    if len(lines) >= r.links_min_lines and anchors:
        linked = sum(w for x, w in zip(lines, words, strict=True) if is_link_line(x, anchors))
        if linked / total >= r.links_min_share:
            return PageKind("links", f"{linked} of the body's {total} words are link texts")
    if table_words / (total + table_words) >= r.table_min_share:
        return PageKind("table", f"{table_words} of the page's {total + table_words} words are in "
                        "data tables")
    if figures >= r.gallery_min_figures and total <= figures * r.gallery_max_words:
        return PageKind("gallery", f"{figures} figures and {total} words of text")
    return PageKind()


def set_page_kind(article: Any, lines: Sequence[str], **kw: Any) -> str:
    """Classify ``article`` (``classify`` with its url and title) and record the kind; a page
    that is not an article gets a ``not_an_article`` flag carrying the evidence."""
    from dyadwatch.model import Flag

    table_words = 0
    if article.tables:
        lines = [x for x in lines if not _TABLE_LINE_RE.match(x)]
        table_words = sum(len(_WORD_RE.findall(cell)) for t in article.tables
                          for row in [t.header, *t.rows] for cell in row)
    found = classify(lines, url=article.url, title=article.title, table_words=table_words, **kw)
    article.page_kind = found.kind
    if found.kind != ARTICLE:
        article.flags = [f for f in article.flags if f.kind != "not_an_article"]
        article.flags.append(Flag("not_an_article", "medium", 0, 0, "", f"{found.kind} page: "
                                  f"{found.evidence}; no events are coded from it", field="page"))
    return found.kind
