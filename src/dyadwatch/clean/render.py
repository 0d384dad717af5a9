"""Whole-page text of an HTML page, as a naive scraper renders it.

Block elements start a new line, inline elements flow into the current line, ``<br>`` breaks a
line, scripts, styles and other non-text elements are dropped. This is the plain-text shape that
the line model of ``clean.boilerplate`` is trained and evaluated on (bench/train_boilerplate.py,
bench/eval_extraction.py) and the shape of scraped text users hand us.

The walk is iterative (``lxml.etree.iterwalk``), so deeply nested input cannot exhaust Python's
recursion limit.
"""

from __future__ import annotations

import re

import lxml.etree as etree
import lxml.html

# Elements whose content is never visible page text.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "head", "title", "meta", "link", "select", "textarea", "input", "button",
})
# Elements that a browser lays out as blocks (HTML living standard, "display: block" defaults,
# plus table rows and list items): each starts and ends a line.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
    "li", "main", "menu", "nav", "noframes", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul", "option",
})
# Table cells stay on their row's line, separated by a space.
CELL_TAGS = frozenset({"td", "th"})
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


class _Lines:
    """Accumulates inline text and flushes it as one line at block boundaries."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.parts: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)

    def flush(self) -> None:
        if self.parts:
            for piece in "".join(self.parts).split("\n"):
                line = _SPACE_RE.sub(" ", piece).strip()
                if line:
                    self.lines.append(line)
            self.parts = []


def _tag(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions, entities
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def render_tree(root: etree._Element) -> str:
    """Whole-page text of a parsed tree: one line per block, no blank lines."""
    out = _Lines()
    skip_depth = 0  # > 0 inside a dropped element
    pre_depth = 0  # > 0 inside <pre>, where newlines are kept
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = _tag(el)
        if event == "start":
            if skip_depth or not tag or tag in DROP_TAGS:
                skip_depth += 1
                continue
            if tag in BLOCK_TAGS:
                out.flush()
            elif tag == "br":
                out.add("\n")
            elif tag in CELL_TAGS:
                out.add(" ")
            pre_depth += tag == "pre"
            out.add(_flow(el.text, pre_depth))
            if len(el):
                _skipped_tails(el[0], out, pre_depth, first=True)
            continue
        if skip_depth:
            skip_depth -= 1
            if skip_depth == 0 and el is not root:  # the dropped element itself: keep its tail
                out.add(_flow(el.tail, pre_depth))
            continue
        pre_depth -= tag == "pre"
        if tag in BLOCK_TAGS:
            out.flush()
        elif tag in CELL_TAGS:
            out.add(" ")
        if el is not root:
            out.add(_flow(el.tail, pre_depth))
            _skipped_tails(el.getnext(), out, pre_depth)
    out.flush()
    return "\n".join(out.lines)


def _skipped_tails(el: etree._Element | None, out: _Lines, pre_depth: int,
                   first: bool = False) -> None:
    """``iterwalk`` does not visit comments or processing instructions, but the text after
    them (their tail) is page text: add the tails of a run of them starting at ``el``."""
    while el is not None and not isinstance(el.tag, str):
        out.add(_flow(el.tail, pre_depth))
        el = el.getnext()


def _flow(text: str | None, pre_depth: int) -> str | None:
    """Source newlines are spaces outside <pre> (HTML whitespace collapsing)."""
    if not text or pre_depth:
        return text
    return text.replace("\n", " ")


_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)


def render_html(html: str | bytes) -> str:
    """Parse ``html`` with lxml and render it (see ``render_tree``)."""
    root = lxml.html.fromstring(html, parser=_PARSER)
    return render_tree(root)
