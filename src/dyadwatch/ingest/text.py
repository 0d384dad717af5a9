"""Plain text with site furniture -> Article.

A page scraped as plain text carries its site's furniture around the story: a breadcrumb, the
headline repeated, a byline, photo credits, a fact table, share prompts and comment forms. The
line model of ``clean.boilerplate`` decides which lines are story; the shape parsers below read
metadata out of the furniture (section, title, subtitle, author, dateline, credits, captions,
tables) and take those lines out of the body too, each recorded as a ``Removal`` with a reason.

Decoding of bytes (shared with ``ingest.html``) lives here as well.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import hashlib
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources

from dyadwatch.clean.boilerplate import (CleanResult, LineModel, clean_lines, default_model,
                                         word_count)
from dyadwatch.clean.repair import repair_text
from dyadwatch.config import Options
from dyadwatch.errors import (BinaryInput, DecodeError, EmptyInput, ExtractionError, KBError,
                              TooLarge)
from dyadwatch.model import Article, Credit, Document, Removal, Repair, Table

log = logging.getLogger(__name__)

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# charset_normalizer reads this much to guess an encoding; more costs time and rarely changes the
# guess on news pages.
_GUESS_BYTES = 200_000
# The guess is refused above this "chaos" (share of suspicious characters): 0.2 lets accented
# European text through and stops random bytes decoded as some single-byte code page.
_MAX_CHAOS = 0.2


_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def check_size(content: bytes, source: str, options: Options | None) -> None:
    """Empty, binary or oversized input raises the matching ``InputError``."""
    limit = (options or Options()).ingest.max_document_bytes
    if len(content) > limit:
        raise TooLarge(f"the document is {len(content):,} bytes, above the limit of {limit:,} "
                       "(ingest.max_document_bytes)", source=source)
    if not content or content.isspace():
        raise EmptyInput("the document is empty or only whitespace", source=source)
    if _looks_binary(content[:8192]):
        raise BinaryInput("the document is binary data (NUL or control bytes), not text or HTML",
                          source=source)


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False  # UTF-16 text has NUL bytes legitimately
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    # Real text has essentially no C0 control bytes; 5% is far above any encoding's noise.
    return control > 0.05 * len(head)


def decode_bytes(content: bytes, source: str = "", declared: str | None = None) -> str:
    """Text of ``content``: BOM, then the declared charset, then UTF-8, then a checked guess.

    Raises ``DecodeError`` naming the input when no encoding gives plausible text.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _strict(content, encoding, source)
    for encoding in (declared, "utf-8"):
        if not encoding:
            continue
        try:
            return content.decode(_normal_encoding(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    return _guess(content, source)


def _normal_encoding(name: str) -> str:
    name = name.strip().lower()
    # Browsers decode pages labelled latin-1/ascii as windows-1252 (WHATWG encoding standard).
    return "cp1252" if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else name


def _strict(content: bytes, encoding: str, source: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"the document starts with a {encoding} byte-order mark but is not valid "
                          f"{encoding} at byte {exc.start}", source=source) from exc


def _guess(content: bytes, source: str) -> str:
    import charset_normalizer

    best = charset_normalizer.from_bytes(content[:_GUESS_BYTES]).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise DecodeError("the document is not UTF-8 and no other encoding gives readable text; "
                          "convert it to UTF-8 or declare its charset", source=source)
    try:
        return content.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DecodeError(f"the document is not valid {best.encoding} (guessed): {exc}",
                          source=source) from exc


# --------------------------------------------------------------------------------------------
# plain text -> Article


@dataclass(slots=True)
class _Shapes:
    """The furniture shapes of ``clean/data/text_metadata.json``, compiled."""

    breadcrumb_sep: re.Pattern[str]
    byline: re.Pattern[str]
    credit: re.Pattern[str]
    published: re.Pattern[str]
    dateline: re.Pattern[str]
    cell_sep: re.Pattern[str]
    header_lines: int
    caption_max_words: int
    title_words: tuple[int, int]
    small_words: frozenset[str]


@functools.lru_cache(maxsize=1)
def shapes() -> _Shapes:
    import jsonschema

    name = "text_metadata.json"
    folder = resources.files("dyadwatch.clean").joinpath("data")
    try:
        data = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        schema_text = folder.joinpath("text_metadata.schema.json").read_text(encoding="utf-8")
        schema = json.loads(schema_text)
        jsonschema.validate(data, schema)
        pats = {k: re.compile(v) for k, v in data["patterns"].items()}
    except (OSError, json.JSONDecodeError, re.error) as exc:
        raise KBError(f"cannot load: {exc}", file=name) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(exc.message, file=name, field="/".join(map(str, exc.absolute_path))) from exc
    return _Shapes(pats["breadcrumb_separator"], pats["byline"], pats["credit"], pats["published"],
                   pats["dateline"], pats["cell_separator"], data["header_lines"],
                   data["caption_max_words"], tuple(data["title_words"]),
                   frozenset(data.get("small_words", ())))


@dataclass(slots=True)
class _Page:
    """Non-blank lines of the input: as written (``raw``, the body is built from these so that
    ``repair_text`` records mojibake fixes) and ftfy-fixed (``lines``, read for metadata)."""

    raw: list[str]
    lines: list[str]
    numbers: list[int]  # 1-based line numbers in the input
    blank_before: list[bool]
    claimed: dict[int, str] = field(default_factory=dict)  # line index -> removal reason

    @classmethod
    def from_text(cls, text: str) -> "_Page":
        raw, numbers, blank_before = [], [], []
        blank = True
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                blank = True
                continue
            raw.append(line)
            numbers.append(n)
            blank_before.append(blank)
            blank = False
        return cls(raw, [_fix(line) for line in raw], numbers, blank_before)

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.lines) and i not in self.claimed


def _fix(line: str) -> str:
    if line.isascii():
        return line
    import ftfy

    return ftfy.fix_text(line, unescape_html=False, uncurl_quotes=False,
                         fix_character_width=False, fix_latin_ligatures=False, normalization=None)


@dataclass(slots=True)
class _Meta:
    title: str = ""
    subtitle: str = ""
    author: str = ""
    author_role: str = ""
    section: str = ""
    published: dt.date | None = None
    published_source: str = ""
    credits: list[Credit] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _words(line: str) -> float:
    return word_count(line)


_WORD_RE = re.compile(r"\w+")
_TERMINAL_RE = re.compile(r"[.!?…:;。！？][\"'”’)\]」』]*$")


def _title_like(line: str, sh: _Shapes) -> bool:
    lo, hi = sh.title_words
    return lo <= _words(line) <= hi and not re.search(r"[.:;,]$", line)


def _header_window(page: _Page, kept: list[int], sh: _Shapes) -> tuple[int, int]:
    """Lines [start, end) where the headline, byline and date live: the ``header_lines`` lines
    before the first story paragraph (kept by the model, 12+ words, ends a sentence). On a
    scraped page the menus come first and the headline sits just above the story."""
    end = len(page.lines)
    for i in kept:
        if _words(page.lines[i]) >= 12 and _TERMINAL_RE.search(page.lines[i]):
            end = i
            break
    return max(0, end - sh.header_lines), end


def _read_breadcrumb(page: _Page, meta: _Meta, sh: _Shapes) -> list[str]:
    """A trail like "Home » world » Headline" in the first lines: section = the last segment
    before the headline."""
    for i in range(min(len(page.lines), 4)):
        parts = [p.strip() for p in sh.breadcrumb_sep.split(page.lines[i]) if p.strip()]
        if len(parts) < 2 or parts[0].lower() not in ("home", "start", "inicio", "news"):
            continue
        if any(_words(p) > 4 for p in parts[:-1]):
            continue
        page.claimed[i] = "breadcrumb"
        last_is_title = _words(parts[-1]) >= sh.title_words[0]
        sections = parts[1:-1] if last_is_title and len(parts) > 2 else parts[1:]
        if sections:
            meta.section = sections[-1]
        return parts
    return []


def _read_title(page: _Page, meta: _Meta, window: tuple[int, int], crumbs: list[str],
                byline_at: int, story: set[str], sh: _Shapes) -> int:
    """The headline: the line the breadcrumb ends with, else the headline-shaped line of the
    header window that shares most words with the story's opening (a bonus when it is repeated
    on the page or sits just above the byline). No candidate sharing a third of its words with
    the story means no title: a menu item is worse than none. Every copy is claimed."""
    norm = [" ".join(line.lower().split()) for line in page.lines]
    candidates = [i for i in range(*window) if page.free(i) and _title_like(page.lines[i], sh)]
    pick = -1
    if crumbs:
        tail = " ".join(crumbs[-1].lower().split())
        pick = next((i for i in candidates if norm[i] == tail), -1)
    if pick < 0:
        scored = [(_overlap(page.lines[i], story) + 0.2 * (norm.count(norm[i]) > 1)
                   + 0.1 * (0 <= byline_at - i <= 3), -i, i) for i in candidates
                  if _overlap(page.lines[i], story) >= MIN_TITLE_OVERLAP]
        pick = max(scored)[2] if scored else -1
    if pick < 0:
        return -1
    meta.title = page.lines[pick]
    for i in range(len(page.lines)):
        if norm[i] == norm[pick] and page.free(i):
            page.claimed[i] = "title_repeat"
    return pick


# A headline shares at least a third of its content words with the opening of the story. On the
# rendered dev pages 90% of true headlines share 0.4 or more (median 0.75), while three quarters
# of the other headline-shaped lines of the header share 0.2 or less.
MIN_TITLE_OVERLAP = 0.34


def _content_words(text: str) -> set[str]:
    from dyadwatch.clean.boilerplate import stop_words

    stops = stop_words()
    return {w for w in (t.lower() for t in _WORD_RE.findall(text)) if len(w) > 2 and w not in stops}


def _overlap(line: str, story: set[str]) -> float:
    words = _content_words(line)
    return len(words & story) / len(words) if words else 0.0


def _story_words(page: _Page, kept: list[int], window: tuple[int, int]) -> set[str]:
    """Content words of the first five story paragraphs (kept lines below the header)."""
    opening = [page.lines[i] for i in kept if i >= window[1]][:5]
    return _content_words(" ".join(opening))


def _read_byline(page: _Page, meta: _Meta, window: tuple[int, int], sh: _Shapes) -> int:
    for i in range(*window):
        m = sh.byline.match(page.lines[i]) if page.free(i) else None
        if m:
            meta.author = m.group("name").strip()
            meta.author_role = (m.group("role") or "").strip()
            page.claimed[i] = "byline"
            return i
    return -1


def _read_subtitle(page: _Page, meta: _Meta, after: int, end: int, story: set[str],
                   sh: _Shapes) -> None:
    """A headline-shaped line between the headline and the first paragraph that is about the
    story (shares a third of its words with it)."""
    if not meta.title:
        return
    for i in range(after + 1, end):
        line = page.lines[i]
        if page.free(i) and _title_like(line, sh) and _words(line) >= 6 \
                and _overlap(line, story) >= MIN_TITLE_OVERLAP:
            meta.subtitle = line
            page.claimed[i] = "subtitle"
            return


def _read_published(page: _Page, meta: _Meta, window: tuple[int, int], sh: _Shapes,
                    doc: Document) -> None:
    """The page's own publication date: a "Published ..." line or a line that is only a date, in
    the header. A date inside the story is an event date, never a publication date."""
    if doc.published:
        meta.published, meta.published_source = doc.published, "input"
        return
    for i in range(*window):
        if not page.free(i):
            continue
        m = sh.published.match(page.lines[i])
        text = m.group("date") if m else page.lines[i]
        if _words(text) > 8 and not m:
            continue
        date = _parse_date(text)
        if date is not None:
            meta.published, meta.published_source = date, "text"
            page.claimed[i] = "dateline_meta"
            return


def _parse_date(text: str) -> dt.date | None:
    from dateutil import parser as dparser

    if not re.search(r"\b(?:19|20)\d\d\b", text):
        return None  # a date without a year cannot be placed
    try:
        with warnings.catch_warnings():  # unknown time zone names ("EST") are irrelevant here
            warnings.simplefilter("ignore")
            return dparser.parse(text, fuzzy=False, default=dt.datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def _name_case(name: str) -> str:
    """JANE DOE -> Jane Doe; short all-caps words (AFP, AP, EFE) stay as written."""
    if not name.isupper():
        return name
    return " ".join(w if len(w) <= 3 else w.capitalize() for w in name.split())


def _is_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 5 and all(w[:1].isupper() or w in ("de", "da", "van", "von")
                                        for w in words)


def _read_credits(page: _Page, meta: _Meta, sh: _Shapes) -> None:
    """"PHOTO NAME, AGENCY" lines -> photographer and agency credits; the caption is the next
    line when it is caption-sized."""
    for i, line in enumerate(page.lines):
        m = sh.credit.match(line) if page.free(i) else None
        if not m or not (_is_name(m.group("name")) and _is_name(m.group("agency"))):
            continue
        page.claimed[i] = "credit"
        caption = ""
        nxt = i + 1
        if page.free(nxt) and _words(page.lines[nxt]) <= sh.caption_max_words \
                and not sh.credit.match(page.lines[nxt]):
            caption = page.lines[nxt]
            page.claimed[nxt] = "caption"
            meta.captions.append(caption)
        meta.credits.append(Credit("photographer", _name_case(m.group("name")), caption))
        meta.credits.append(Credit("agency", _name_case(m.group("agency")), caption))


# An aspect ("Background actions (2025)") is a short label; a longer run of words before a
# capital is a sentence or a headline ("Uganda names new envoy to Kenya"), not a table row.
MAX_ASPECT_WORDS = 4


def _split_row(line: str, sh: _Shapes) -> list[str]:
    """Cells of a table row: by explicit separators (tab, 2+ spaces, |), else the aspect is the
    leading words up to the next capitalised word ("main issues Drugs policy..." -> 2 cells)."""
    cells = [c.strip() for c in sh.cell_sep.split(line) if c.strip()]
    if len(cells) >= 2:
        return cells
    words = line.split()
    k = 1
    while k < len(words) and (words[k][:1].islower() or words[k][:1] == "("):
        k += 1
    if k >= len(words) or k > MAX_ASPECT_WORDS:
        return [line]
    return [" ".join(words[:k]), " ".join(words[k:])]


def _read_tables(page: _Page, meta: _Meta, sh: _Shapes) -> None:
    """A heading followed by 3+ lines with no blank line between them, in a page whose paragraphs
    are separated by blank lines, each row splitting into an aspect and its details."""
    if sum(page.blank_before) < 0.5 * len(page.lines):
        return  # no paragraph structure: a run of lines is not evidence of a table
    i = 0
    while i < len(page.lines):
        j = i + 1
        while j < len(page.lines) and not page.blank_before[j]:
            j += 1
        if j - i >= 3:
            _table_at(page, meta, i, j, sh)
        i = j


def _table_at(page: _Page, meta: _Meta, start: int, stop: int, sh: _Shapes) -> bool:
    rows = [_split_row(page.lines[k], sh) for k in range(start, stop)]
    if any(len(r) < 2 or _words(page.lines[k]) > 60 for r, k in zip(rows, range(start, stop))):
        return False
    if not all(page.free(k) for k in range(start, stop)):
        return False
    head = start - 1
    title = ""
    if page.free(head) and _words(page.lines[head]) <= 6 \
            and not _TERMINAL_RE.search(page.lines[head]):
        title = page.lines[head]
        page.claimed[head] = "table"
    header: list[str] = []
    if all(_words(c) <= 3 for c in rows[0]):
        header, rows = rows[0], rows[1:]
    for k in range(start, stop):
        page.claimed[k] = "table"
    meta.tables.append(Table(header=header, rows=rows, title=title))
    return True


def _read_reader_questions(page: _Page, result: CleanResult) -> None:
    """Questions put to the reader under a heading the model removed as such ("What readers
    should consider next"): the run of question lines after it is not reporting either."""
    index = {n: i for i, n in enumerate(page.numbers)}
    for r in result.removals:
        i = index[r.line]
        if r.reason != "reader_questions" or page.lines[i].rstrip().endswith("?"):
            continue
        k = i + 1
        while page.free(k) and page.lines[k].rstrip("\"'”’)").endswith("?"):
            page.claimed[k] = "reader_questions"
            k += 1


def read_dateline(first_paragraph: str, sh: _Shapes) -> str:
    """The place a story was filed from: \"Bogotá — In a ...\" -> \"Bogotá\"."""
    m = sh.dateline.match(first_paragraph)
    return m.group("place").strip() if m else ""


def take_dateline(article: Article, sh: _Shapes, line: int = -1) -> None:
    """Move the dateline out of the body into ``article.dateline`` (recorded as a removal): left
    in, "QUITO — President X and President Y spoke" parses with the city as the subject."""
    m = sh.dateline.match(article.text)
    if not m:
        return
    article.dateline = m.group("place").strip()
    cut = m.end() - 1  # the pattern ends on the first character of the sentence
    prefix = article.text[:cut]
    article.text = article.text[cut:]
    article.removed.append(Removal(prefix.strip(), "dateline", line))
    for r in article.repairs:
        if r.start >= cut:
            r.start -= cut
        elif r.start >= 0:
            r.start = -1  # a repair inside the removed dateline no longer points into the body


# Characters given to langdetect: its cost grows with the sample (15 ms for 2,000 characters);
# 600 characters of article prose are ample to tell languages apart.
_LANG_SAMPLE = 600


# English function words that are not words of other languages written in Latin script ("of",
# "is", "was", "die", "an", "on", "for", "or" are: Dutch, German, French, Scandinavian). In English
# news prose they are a quarter of the words; text in another language has almost none of them.
_ENGLISH_MARKERS = frozenset({
    "the", "and", "to", "that", "with", "said", "from", "by", "this", "which", "were", "would",
    "their", "they", "have", "has", "been", "will", "not", "but", "who", "its", "his", "her",
    "after", "about", "are", "he", "she", "it", "at", "had", "there", "what", "when", "should",
})
_ENGLISH_SHARE = 0.15  # bench/eval_language.py: agreement with langdetect on seven languages
_ENGLISH_MIN_WORDS = 30


def plainly_english(words: list[str]) -> bool:
    """Words enough, and English function words enough among them, to skip langdetect."""
    return len(words) >= _ENGLISH_MIN_WORDS and \
        sum(w.lower() in _ENGLISH_MARKERS for w in words) >= _ENGLISH_SHARE * len(words)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("" when unknown); deterministic (langdetect seeded).

    Plainly English prose (at least ``_ENGLISH_MIN_WORDS`` words, of which ``_ENGLISH_SHARE``
    or more are English function words) is answered without langdetect, whose random trials
    cost about 4 ms per article; every other text goes to langdetect."""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    sample = text[:_LANG_SAMPLE]
    words = _WORD_RE.findall(sample)
    if len(words) < 3:
        return ""
    if plainly_english(words):
        return "en"
    try:
        return detect(sample)
    except LangDetectException:
        return ""


def warm_up() -> None:
    """Load the language profiles and the line model now rather than on the first document
    (about 0.5 s once per process); batch runners and benchmarks call it before timing."""
    from langdetect.detector_factory import init_factory

    init_factory()
    default_model()


def doc_id(doc: Document) -> str:
    return doc.id or hashlib.sha256(doc.content).hexdigest()[:16]


def extract_text(doc: Document, options: Options | None = None, *,
                 model: LineModel | None = None) -> Article:
    """Plain text with site furniture -> Article (see the module docstring).

    Raises ``InputError`` subclasses for empty, binary, oversized or undecodable input and
    ``ExtractionError`` when no line of the page is article text. ``model`` replaces the shipped
    line model (cross-validation in bench/eval_extraction.py).
    """
    check_size(doc.content, doc.source, options)
    text = decode_bytes(doc.content, doc.source)
    return article_from_text(text, doc, model=model)


def article_from_text(text: str, doc: Document, *, model: LineModel | None = None) -> Article:
    """The steps of ``extract_text`` after decoding."""
    page = _Page.from_text(text)
    if not page.lines:
        raise EmptyInput("the document has no text", source=doc.source)
    result = clean_lines(page.lines, page.numbers, model)
    sh = shapes()
    meta = _Meta()
    window = _header_window(page, result.kept, sh)
    crumbs = _read_breadcrumb(page, meta, sh)
    byline_at = _read_byline(page, meta, window, sh)
    story = _story_words(page, result.kept, window)
    title_at = _read_title(page, meta, window, crumbs, byline_at, story, sh)
    _read_subtitle(page, meta, max(title_at, byline_at, window[0] - 1), window[1], story, sh)
    _read_published(page, meta, window, sh, doc)
    _read_credits(page, meta, sh)
    _read_tables(page, meta, sh)
    _read_reader_questions(page, result)
    body_idx = [i for i in result.kept if i not in page.claimed] or _second_look(page, result)
    if not body_idx:
        raise ExtractionError("no line of the page reads as article text", source=doc.source)
    article = Article(doc_id=doc_id(doc), source=doc.source, text="", url=doc.url,
                      source_name=doc.source_name, format="text")
    _fill(article, meta)
    article.removed = _removals(page, result)
    _set_body(article, [page.raw[i] for i in body_idx])
    take_dateline(article, sh, line=body_idx[0] + 1)
    article.language = detect_language(article.text)
    return article


# When the model keeps no line at its threshold, lines scoring at least this share of the
# threshold are taken: a page with one short story is better read than rejected.
SECOND_LOOK = 0.5


def _second_look(page: _Page, result: CleanResult) -> list[int]:
    if not result.probabilities:
        return []
    cut = SECOND_LOOK * result.threshold
    chatbot = {r.line for r in result.removals if r.reason == "chatbot_text"}
    return [i for i, p in enumerate(result.probabilities)
            if p >= cut and i not in page.claimed and page.numbers[i] not in chatbot]


def _fill(article: Article, meta: _Meta) -> None:
    for name in ("title", "subtitle", "author", "author_role", "section", "published",
                 "published_source", "credits", "captions", "tables"):
        setattr(article, name, getattr(meta, name))


def _removals(page: _Page, result: CleanResult) -> list[Removal]:
    """The model's removals, with the reason of a metadata reader where one claimed the line;
    lines the model kept but a reader claimed are removals too."""
    out: dict[int, Removal] = {}
    index = {n: i for i, n in enumerate(page.numbers)}
    for r in result.removals:
        i = index[r.line]
        reason = page.claimed.get(i, r.reason) if r.reason != "chatbot_text" else r.reason
        out[i] = Removal(text=r.text, reason=reason, line=r.line)
    for i, reason in page.claimed.items():
        out.setdefault(i, Removal(text=page.lines[i], reason=reason, line=page.numbers[i]))
    return [out[i] for i in sorted(out)]


def _set_body(article: Article, paragraphs: list[str]) -> None:
    """Join paragraphs, repair body, captions and table cells; record every repair."""
    body, repairs = repair_text("\n\n".join(paragraphs))
    article.text = body
    article.repairs = repairs
    article.captions = [_repair_part(c, article.repairs) for c in article.captions]
    for removal in article.removed:  # shown to users too, so repaired like the rest; lines
        if removal.reason not in _METADATA_REASONS:  # read as metadata are repaired there
            removal.text = _repair_part(removal.text, article.repairs)
    for c in article.credits:
        c.caption = repair_text(c.caption)[0] if c.caption else ""
    for table in article.tables:
        for r, row in enumerate(table.rows):
            table.rows[r] = [_repair_part(cell, article.repairs) for cell in row]


_METADATA_REASONS = frozenset({"breadcrumb", "title_repeat", "byline", "subtitle", "credit",
                               "caption", "table", "dateline_meta"})


def _repair_part(text: str, repairs: list[Repair]) -> str:
    """Repair a caption or table cell; its repairs are recorded with ``start`` -1 (not in the
    body, whose offsets ``start`` gives)."""
    fixed, found = repair_text(text)
    for r in found:
        r.start = -1
    repairs.extend(found)
    return fixed
