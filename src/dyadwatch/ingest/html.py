"""HTML -> Article: trafilatura for the main text, our own readers for the rest.

Steps: decode the bytes (BOM, ``<meta charset>``, UTF-8, a checked guess), parse once with lxml
and refuse trees that libxml2 would truncate (too deep), read figure captions, credits, the
breadcrumb and the metadata (trafilatura's meta-tag and JSON-LD readers, htmldate) from the tree,
let trafilatura extract the body, take tables, captions, a repeated headline and leaked chatbot
text out of it, then repair it (``clean.repair``). When trafilatura finds no text, the page is
rendered to plain text and read by ``ingest.text`` (the line model).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

import lxml.etree as etree
import lxml.html

from dyadwatch.clean.boilerplate import split_generated
from dyadwatch.clean.genre import set_genre
from dyadwatch.clean.topic import set_topic
from dyadwatch.clean.pagekind import ARTICLE, anchor_texts, is_teaser, set_page_kind
from dyadwatch.clean.render import render_tree
from dyadwatch.clean.repair import repair_text
from dyadwatch.config import Options
from dyadwatch.errors import ExtractionError, InputError
from dyadwatch.ingest.text import (article_from_text, check_size, decode_bytes, detect_language,
                                   doc_id, shapes, take_dateline)
from dyadwatch.model import Article, Credit, Document, Removal, Table

log = logging.getLogger(__name__)

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# The same parser settings as trafilatura's own loader, so that a tree we pass it is the tree it
# would have built: no ids collected, comments and processing instructions dropped.
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True)
# Characters XML forbids (C0 controls but tab, newline and return; U+FFFE, U+FFFF): lxml refuses
# to set element text holding them, so trafilatura's title reader crashed on a page that had one
# (found by bench/fuzz_readers.py). They carry no text; they are dropped before parsing.
# (a regular expression: str.translate with a mapping walks the whole page in Python-level steps,
# 15 ms on a news page, a fifth of the extraction)
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
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
        root = lxml.html.fromstring(_NOT_XML_RE.sub("", text).encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"the HTML cannot be parsed: {exc}", source=source,
                         reason="unsupported_format") from exc
    if root is None:
        raise InputError("the HTML has no elements", source=source, reason="no_text")
    limit = min(max_depth, LIBXML2_MAX_DEPTH - 1)
    if deeper_than(root, limit):
        raise InputError(f"the HTML is nested more than {limit} elements deep; such pages cannot "
                         "be parsed without losing content", source=source, reason="too_deep")
    return root


@functools.lru_cache(maxsize=8)
def _depth_probe(limit: int) -> etree.XPath:
    return etree.XPath("/*" * (limit + 1))


def deeper_than(root: etree._Element, limit: int) -> bool:
    """Whether any element sits deeper than ``limit`` levels. One XPath of ``limit`` child steps
    runs in C and visits each element once (0.2 ms a page, a third of a Python walk), and never
    recurses in Python however deep the tree."""
    tree = root.getroottree().getroot()
    return bool(_depth_probe(limit)(tree))


# --------------------------------------------------------------------------------------------
# extraction

# trafilatura options, chosen on the 111 dev pages by bench/eval_extraction.py (bench/RESULTS.md):
# comments left out (reader comments are not the article; +0.011 F1 over the default), and
# ``fast`` (no readability/justext fallback: F1 within 0.001 of favor_precision at about 1.5x
# its speed).
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "fast": True,
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
    "favor_recall": False,
}
# Fewer words than this from trafilatura is a menu or a label, not an article: the line model
# gets a second look at the whole page instead.
MIN_WORDS = 5
# htmldate: the original publication date, not the last modification; no "extensive" search of
# the page text (about 2 ms a page when measured while choosing; a date found in the text is as
# likely an event date as the publication date).
DATE_PARAMS: dict[str, Any] = {"original_date": True, "extensive_search": False}
_URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|\b)")
_BREADCRUMB_XPATH = ("//*[@aria-label='breadcrumb' or @aria-label='Breadcrumb' or "
                     "contains(@class,'breadcrumb') or contains(@id,'breadcrumb')]")
_SECTION_META = ("article:section", "og:section", "section", "parsely-section", "sailthru.tags")
# URL path segments that are not sections.
_NOT_SECTIONS = frozenset({"news", "article", "articles", "story", "stories", "amp", "www", "index",
                           "en", "us", "uk", "live", "video", "html", "post", "posts", "p"})
_CREDIT_CLASS_RE = re.compile(r"credit|byline|copyright|source|photographer", re.I)
# A credit written into the caption text: "... on Tuesday. Credit... Jane Doe/Agency",
# "... in Lima. Photo: Jane Doe/Agency".
_CAPTION_CREDIT_RE = re.compile(r"(?:\bCredit\b|\b(?:Photo|Photograph|Image)s?\b)\s*(?:\.{2,3}|…|:|"
                                r"\bby\b)\s*[A-Z][^.!?]{1,80}$")


def extract_html(doc: Document, options: Options | None = None, *,
                 trafilatura_options: dict[str, Any] | None = None) -> Article:
    """HTML -> Article: main text (trafilatura), metadata, captions, credits, tables, repairs.

    Raises ``InputError`` subclasses for empty, binary, oversized, undecodable or too deeply
    nested input, ``ExtractionError`` when the page has no article text.
    """
    opts = options or Options()
    check_size(doc.content, doc.source, opts)
    root = parse_html(decode_html(doc.content, doc.source), doc.source, opts.ingest.max_html_depth)
    figures = read_figures(root)
    section = read_section(root, doc.url, probe=doc.content)
    meta = read_metadata(root, doc.url)
    result = _trafilatura(root, doc.url, trafilatura_options or TRAFILATURA_OPTIONS)
    if result is None or len((result.text or "").split()) < MIN_WORDS:
        log.info("%s: trafilatura found no main text; falling back to the line model",
                 doc.source)
        return _fallback(root, doc, figures, section)
    article = Article(doc_id=doc_id(doc), source=doc.source, text="", url=doc.url or "",
                      source_name=doc.source_name or _clean(meta.sitename), format="html")
    _metadata(article, meta, doc)
    if b"byline" in doc.content:  # the XPath search costs 1 ms a page; most pages have none
        article.author_role = read_byline_role(root, article.author)
    article.section = section
    article.tables = _tables(result.body)
    _add_figures(article, figures)
    _set_html_body(article, result.text, anchor_texts(root), len(figures))
    article.language = declared_language(root) or detect_language(article.text)
    set_genre(article, read_schema_types(root))
    set_topic(article)
    return article


_LD_TYPE_RE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')


def read_schema_types(root: etree._Element) -> list[str]:
    """The schema.org ``@type`` names in the page's JSON-LD blocks ("NewsArticle",
    "OpinionNewsArticle", "LiveBlogPosting" ...), read without parsing the JSON (sites often
    publish it broken)."""
    names: list[str] = []
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or ""):
            continue
        for m in _LD_TYPE_RE.finditer(script.text or ""):
            names += re.findall(r'"([^"]+)"', m.group(1))
    return list(dict.fromkeys(n.rsplit("/", 1)[-1] for n in names))


def declared_language(root: etree._Element) -> str:
    """The page's own language tag (``<html lang>``, else og:locale), as ISO 639-1: cheaper and
    usually more reliable than guessing from a sample of the text."""
    values = [root.get("lang") or ""]
    if not values[0]:
        values += root.xpath("/html/head/meta[@property='og:locale']/@content")[:1]
    for value in values:
        code = value.strip().replace("_", "-").split("-")[0].lower()
        if len(code) == 2 and code.isalpha():
            return code
    return ""


def _trafilatura(root: etree._Element, url: str, kwargs: dict[str, Any]) -> Any:
    import trafilatura

    try:
        return trafilatura.bare_extraction(root, url=url or None, with_metadata=False, **kwargs)
    except (ValueError, TypeError, RecursionError) as exc:  # trafilatura signals "nothing" so
        log.info("trafilatura failed: %s", exc)
        return None


def read_metadata(root: etree._Element, url: str) -> Any:
    """Title, author, sitename and date: the steps of trafilatura's ``extract_metadata`` that we
    use (meta tags, JSON-LD, title and author fallbacks, htmldate), without its categories, tags,
    licence and hostname searches, which cost 3 ms a page (a tenth of the extraction time) and
    that dyadwatch does not use."""
    from htmldate import find_date
    from trafilatura.metadata import (examine_meta, extract_author, extract_meta_json,
                                      extract_sitename, extract_title)

    meta = examine_meta(root)
    if meta.author and " " not in meta.author:
        meta.author = None  # a single token is a handle or a site name, not a person
    try:
        meta = extract_meta_json(root, meta)
    except Exception as exc:  # noqa: BLE001 - trafilatura's JSON-LD reader fails on odd data
        log.info("JSON-LD metadata unreadable: %s", exc)
    meta.title = meta.title or extract_title(root)
    meta.author = meta.author or extract_author(root)
    meta.sitename = (meta.sitename or extract_sitename(root) or "").lstrip("@")
    meta.date = find_date(root, url=url or None, **DATE_PARAMS)
    return meta


def _metadata(article: Article, result: Any, doc: Document) -> None:
    article.title = _clean(result.title)
    article.author = _clean(result.author)
    if doc.published:
        article.published, article.published_source = doc.published, "input"
        return
    date = _iso_date(result.date)
    if date:
        article.published, article.published_source = date, "metadata"
        return
    m = _URL_DATE_RE.search(doc.url or "")
    if m:
        try:
            article.published = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            article.published_source = "url"
        except ValueError:
            pass


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _iso_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# readers of the tree


@dataclass(slots=True)
class Figure:
    caption: str
    credit: str


def read_figures(root: etree._Element) -> list[Figure]:
    """Captions and credits of ``<figure>``s: the ``<figcaption>`` text, minus a credit part
    (an element whose class says credit/copyright) which becomes the credit."""
    out = []
    for fig in root.iter("figure"):
        cap_el = next(fig.iter("figcaption"), None)
        if cap_el is None:
            continue
        credit = " ".join(_text(el) for el in cap_el.iter()
                          if _CREDIT_CLASS_RE.search(el.get("class") or ""))
        caption = _text(cap_el)
        if credit and caption.endswith(credit):
            caption = caption[: -len(credit)].strip()
        elif not credit and (m := _CAPTION_CREDIT_RE.search(caption)):
            caption, credit = caption[:m.start()].strip(), m.group(0).strip()
        if caption or credit:
            out.append(Figure(caption=caption, credit=credit))
    return out


def _text(el: etree._Element) -> str:
    return " ".join(" ".join(el.itertext()).split())


def read_section(root: etree._Element, url: str, probe: bytes | None = None) -> str:
    """Section of the page: breadcrumb trail, else section meta tags, else the URL's first path
    segment that is a word. ``probe`` (the raw page) lets the breadcrumb search be skipped when
    the word never occurs (the XPath search costs 1 ms a page)."""
    crumbs = root.xpath(_BREADCRUMB_XPATH)[:1] if probe is None or b"readcrumb" in probe else []
    for el in crumbs:
        items = [" ".join(a.text_content().split()) for a in el.iter("a", "li", "span")]
        items = [t for t in dict.fromkeys(items)  # nested li/a repeat the same text
                 if t and len(t) < 40 and t.lower() not in ("home", "start")]
        if items:  # the deepest level that is not the headline (headlines are longer)
            return items[-1]
    metas = {}
    for el in root.iterfind("head/meta"):
        key = el.get("property") or el.get("name")
        if key in _SECTION_META and key not in metas:
            metas[key] = (el.get("content") or "").split(",")[0].strip()
    for name in _SECTION_META:
        if metas.get(name):
            return metas[name]
    return _url_section(url)


def _url_section(url: str) -> str:
    from urllib.parse import urlsplit

    for seg in urlsplit(url or "").path.split("/")[:-1]:
        seg = seg.strip().lower()
        if seg.isalpha() and 2 < len(seg) < 20 and seg not in _NOT_SECTIONS:
            return seg
    return ""


def _tables(body: etree._Element | None) -> list[Table]:
    """Tables of the extracted body (trafilatura's ``<table><row><cell>``)."""
    if body is None:
        return []
    tables = []
    for tab in body.iter("table"):
        rows = [[" ".join(" ".join(c.itertext()).split()) for c in row.iter("cell")]
                for row in tab.iter("row")]
        rows = [r for r in rows if any(r)]
        if len(rows) < 2 or max(len(r) for r in rows) < 2:
            continue
        first = tab.find("row")
        has_head = first is not None and any(c.get("role") == "head" for c in first.iter("cell"))
        header, rows = (rows[0], rows[1:]) if has_head else ([], rows)
        tables.append(Table(header=header, rows=rows))
    return tables


def _add_figures(article: Article, figures: list[Figure]) -> None:
    for fig in figures:
        if fig.caption:
            article.captions.append(fig.caption)
        if fig.credit:
            name = re.sub(r"^(?:photo|photograph|image|credit)s?\s*(?:by|:|\.{2,3}|…)?\s*", "",
                          fig.credit, flags=re.I).strip()
            person, _, agency = name.partition("/")
            if person.strip():
                article.credits.append(Credit("photographer", person.strip(), fig.caption))
            if agency.strip():
                article.credits.append(Credit("agency", agency.strip(), fig.caption))


# --------------------------------------------------------------------------------------------
# body


def _set_html_body(article: Article, text: str, anchors: frozenset[str], figures: int) -> None:
    """Paragraphs of trafilatura's text, repaired, without: the headline repeated as the first
    paragraph, figure captions taken for paragraphs, and leaked chatbot text. Each left-out line
    is recorded. Tables stay where the page has them (readers and the benchmark's human extracts
    count them as the article: taking them out cut a results page to a sixth); they are also in
    ``article.tables``, and the parser reads them from there, not from the body
    (``nlp.parse.article_fields``)."""
    captions = {" ".join(c.split()) for c in article.captions}
    title = " ".join(article.title.split()).lower()
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    kind = set_page_kind(article, [line for _n, line in numbered], anchors=anchors,
                         figures=figures)
    paragraphs: list[str] = []
    for n, line in numbered:
        kept, generated = split_generated(line)
        reason = ""
        if generated and len(kept.split()) >= 3:  # a sentence of a chatbot glued to reporting
            article.removed.append(Removal(text=generated, reason="chatbot_text", line=n))
            line = kept
        elif generated:
            reason = "chatbot_text"
        reason = reason or _left_out(line, captions, title if not paragraphs else None)
        if not reason and kind == ARTICLE and is_teaser(line, anchors):
            reason = "link_teaser"
        if reason:
            article.removed.append(Removal(text=line, reason=reason, line=n))
        else:
            paragraphs.append(line)
    if not paragraphs:
        raise ExtractionError("the page has no article text", source=article.source)
    article.text, article.repairs = repair_text("\n\n".join(paragraphs))
    take_dateline(article, shapes())


def _left_out(line: str, captions: set[str], title: str | None) -> str:
    if line in captions:
        return "caption"
    if title is not None and " ".join(line.split()).lower() == title:
        return "title_repeat"
    return ""


def read_byline_role(root: etree._Element, author: str) -> str:
    """The author's role from a byline element ("By Marta Quispe, Regional Correspondent")."""
    if not author:
        return ""
    for el in root.xpath("//*[contains(@class,'byline')]")[:5]:
        m = shapes().byline.match(_text(el))
        if m and m.group("role") and m.group("name").strip() == author:
            return m.group("role").strip()
    return ""


def _fallback(root: etree._Element, doc: Document, figures: list[Figure],
              section: str) -> Article:
    """No main text from trafilatura: render the page and let the line model decide."""
    text = render_tree(root)
    if not text.strip():
        raise ExtractionError("the page has no text", source=doc.source)
    article = article_from_text(text, doc)
    article.format = "html"
    set_page_kind(article, [x for x in article.text.splitlines() if x.strip()],
                  anchors=anchor_texts(root), figures=len(figures))
    set_genre(article, read_schema_types(root))
    set_topic(article)
    article.section = article.section or section
    _add_figures(article, figures)
    return article
