"""Reading inputs into documents, and the extraction dispatcher.

``iter_documents(inputs)`` turns paths (files, directories, gzip, JSONL, feeds, WARC/ARC) and URLs
into a stream of ``Document``s and ``Rejected`` records; nothing is read whole that can be
streamed. ``extract(doc)`` turns a document into an ``Article`` with the HTML or plain-text
extractor and gives it a stable id from its normalised content.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from dyadwatch.config import Options
from dyadwatch.errors import CorruptArchive, DyadwatchError, InputError, TooLarge, UnsupportedFormat
from dyadwatch.ingest.feeds import FeedLink, read_feed
from dyadwatch.ingest.jsonl import read_jsonl, reject_id
from dyadwatch.ingest.sniff import FORMATS, SNIFF_BYTES, is_gzip, sniff
from dyadwatch.ingest.warc import read_warc
from dyadwatch.model import Article, Document, Rejected

log = logging.getLogger(__name__)

__all__ = ["iter_documents", "read_path", "extract", "content_id", "fetch_link", "FORMATS"]


def _rejected(source: str, exc: DyadwatchError | Exception, stage: str = "read") -> Rejected:
    reason = getattr(exc, "reason", "internal")
    message = str(exc) if isinstance(exc, DyadwatchError) else f"{source}: {exc.__class__.__name__}: {exc}"
    return Rejected(reject_id(source), source, stage, reason, message)


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def iter_documents(inputs: Iterable[str], *, format: str = "auto", options: Options | None = None,
                   fetcher=None) -> Iterator[Document | Rejected]:
    """Documents from every input, in order; unreadable inputs become ``Rejected`` records."""
    options = options or Options()
    if format != "auto" and format not in FORMATS:
        raise UnsupportedFormat(f"unknown format {format!r}; choose one of auto, "
                                + ", ".join(FORMATS))
    own_fetcher = fetcher is None
    if fetcher is None:
        from dyadwatch.ingest.fetch import Fetcher

        fetcher = Fetcher(options.fetch)
    try:
        for item in inputs:
            if is_url(item):
                yield from _from_url(item, format, options, fetcher)
            else:
                yield from read_path(item, format=format, options=options, fetcher=fetcher)
    finally:
        if own_fetcher:
            fetcher.close()


def read_path(path: str | os.PathLike[str], *, format: str = "auto", options: Options | None = None,
              fetcher=None) -> Iterator[Document | Rejected]:
    """Documents of one file, or of every file under a directory (recursively, sorted)."""
    options = options or Options()
    p = Path(path)
    if p.is_dir():
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield from _read_file(Path(root) / name, format, options, fetcher)
        return
    if not p.exists():
        yield Rejected(reject_id(str(p)), str(p), "read", "not_found",
                       f"{p}: no such file or directory")
        return
    yield from _read_file(p, format, options, fetcher)


def _read_file(path: Path, format: str, options: Options, fetcher) -> Iterator[Document | Rejected]:
    source = str(path)
    try:
        with open(path, "rb") as raw:
            head = raw.read(SNIFF_BYTES)
            raw.seek(0)
            if not is_gzip(head):
                fmt = format if format != "auto" else sniff(head, source)
                yield from _read_stream(raw, fmt, source, options, fetcher,
                                        size=os.fstat(raw.fileno()).st_size)
                return
            inner = _gzip_head(raw.read(1 << 16))
            raw.seek(0)
            fmt = format if format != "auto" else sniff(inner, source)
            if fmt == "warc":  # warcio reads (multi-member) gzip itself, record by record
                raw.seek(0)
                yield from read_warc(raw, source, options.ingest.max_document_bytes)
                return
            gz = _CappedGzip(raw, None, source)
            if fmt != "jsonl":  # one document: cap what it may decompress to (gzip bombs)
                gz.cap = options.ingest.max_decompressed_bytes
            yield from _read_stream(gz, fmt, source, options, fetcher, size=None)
    except DyadwatchError as exc:
        yield _rejected(source, exc)
    except (OSError, EOFError, zlib.error) as exc:
        corrupt = isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile))
        yield Rejected(reject_id(source), source, "read", "corrupt_archive" if corrupt else "internal",
                       f"{source}: cannot read ({exc.__class__.__name__}: {exc})")


def _read_stream(stream: BinaryIO, fmt: str, source: str, options: Options, fetcher,
                 size: int | None) -> Iterator[Document | Rejected]:
    limit = options.ingest.max_document_bytes
    if fmt == "warc":
        yield from read_warc(stream, source, limit)
        return
    if fmt == "jsonl":
        yield from read_jsonl(_lines(stream, source), source, limit)
        return
    if size is not None and size > limit:
        raise TooLarge(f"the file has {size:,} bytes; a single {fmt} document is limited to "
                       f"{limit:,} bytes (raise ingest.max_document_bytes, or split the input)",
                       source=source)
    try:
        data = stream.read(limit + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _Truncated(source, exc) from exc
    if len(data) > limit:
        raise TooLarge(f"the document exceeds {limit:,} bytes", source=source)
    if fmt == "feed":
        yield from _from_feed(data, source, options, fetcher)
        return
    yield Document(source=source, content=data, format=fmt)


def _lines(stream: BinaryIO, source: str) -> Iterator[bytes]:
    try:
        yield from stream
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _Truncated(source, exc) from exc


class _Truncated(InputError):
    reason = "corrupt_archive"

    def __init__(self, source: str, exc: Exception):
        super().__init__(f"the compressed stream is truncated or corrupt ({exc}); "
                         "records before the damage were read", source=source)


def _from_feed(data: bytes, source: str, options: Options, fetcher) -> Iterator[Document | Rejected]:
    for item in read_feed(data, source):
        if isinstance(item, FeedLink):
            if not options.ingest.follow_feed_links:
                yield Rejected(reject_id(item.source), item.source, "read", "no_text",
                               f"{item.source}: the entry only links to {item.url} and following "
                               "feed links is off")
                continue
            yield from fetch_link(item, options, fetcher)
        else:
            yield item


def fetch_link(link: FeedLink, options: Options, fetcher) -> Iterator[Document | Rejected]:
    """The document a feed or sitemap entry links to (fetched), keeping the entry's date and
    outlet where the page has none; a failure is a ``Rejected`` record naming the entry."""
    for doc in _from_url(link.url, "auto", options, fetcher, source=link.source):
        if isinstance(doc, Document):
            doc.published = doc.published or link.published
            doc.source_name = doc.source_name or link.source_name
        yield doc


def _from_url(url: str, format: str, options: Options, fetcher,
              source: str | None = None) -> Iterator[Document | Rejected]:
    from dyadwatch.errors import FetchError

    where = source or url
    try:
        result = fetcher.get(url)
    except FetchError as exc:
        yield Rejected(reject_id(where), where, "fetch", exc.reason, f"{url}: {exc.message}")
        return
    data = result.content
    try:
        if is_gzip(data[:2]):
            data = _gunzip(data, options.ingest.max_decompressed_bytes, url)
        fmt = format if format != "auto" else sniff(data[:SNIFF_BYTES], url)
        if fmt == "feed" and source is None:
            yield from _from_feed(data, url, options, fetcher)
            return
        if fmt in ("warc", "jsonl"):
            yield from _read_stream(io.BytesIO(data), fmt, url, options, fetcher, size=len(data))
            return
    except DyadwatchError as exc:
        yield _rejected(where, exc)
        return
    yield Document(source=where, content=data, format=fmt, url=result.final_url)


def _gzip_head(compressed: bytes) -> bytes:
    """The first decompressed bytes of a gzip stream, even when the stream is truncated."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(compressed, SNIFF_BYTES)
    except zlib.error as exc:
        raise CorruptArchive(f"not a readable gzip stream ({exc})") from exc


def _gunzip(data: bytes, cap: int, source: str) -> bytes:
    stream = _CappedGzip(io.BytesIO(data), cap, source)
    try:
        return stream.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _Truncated(source, exc) from exc


class _CappedGzip(io.BufferedIOBase):
    """A gzip stream that refuses to decompress past ``cap`` bytes (gzip bombs)."""

    def __init__(self, raw: BinaryIO, cap: int | None, source: str):
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._buffered = io.BufferedReader(self._gz, buffer_size=1 << 16)
        self.cap, self._source, self._count = cap, source, 0

    def _account(self, data: bytes) -> bytes:
        self._count += len(data)
        if self.cap is not None and self._count > self.cap:
            raise TooLarge(f"decompressed data exceeds {self.cap:,} bytes", source=self._source)
        return data

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._account(self._buffered.read(size if size is not None else -1))

    def read1(self, size: int = -1) -> bytes:
        return self._account(self._buffered.read1(size))

    def readline(self, size: int | None = -1) -> bytes:
        return self._account(self._buffered.readline(size if size is not None else -1))

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


# --- extraction -----------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_NONWORD_RE = re.compile(r"[^\w\s]")


def content_id(article: Article) -> str:
    """A stable id from the normalised title and body: the same article twice is one document,
    whatever its source, markup, whitespace, punctuation or casing."""
    norm = _WS_RE.sub(" ", _NONWORD_RE.sub(" ", f"{article.title}\n{article.text}".lower())).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def extract(doc: Document, options: Options | None = None) -> Article:
    """The article of a document (HTML or plain text), with its id; raises InputError subclasses
    or ExtractionError naming the document."""
    from dyadwatch.clean.genre import set_genre
    from dyadwatch.clean.pagekind import set_page_kind
    from dyadwatch.clean.topic import set_topic

    options = options or Options()
    fmt = doc.format
    if fmt not in ("html", "text"):
        fmt = sniff(doc.content[:SNIFF_BYTES], doc.source)
    if fmt == "html":
        from dyadwatch.ingest.html import extract_html

        article = extract_html(doc, options)
    elif fmt == "text":
        from dyadwatch.ingest.text import extract_text

        article = extract_text(doc, options)
        set_page_kind(article, [x for x in article.text.splitlines() if x.strip()])
        set_genre(article)
        set_topic(article)
    else:
        raise UnsupportedFormat(f"a {fmt} input holds several documents; read it with "
                                "iter_documents first", source=doc.source)
    article.format = article.format or fmt
    if doc.url and not article.url:
        article.url = doc.url
    if doc.published and not article.published:
        article.published, article.published_source = doc.published, "input"
    if doc.source_name and not article.source_name:
        article.source_name = doc.source_name
    article.doc_id = content_id(article)
    doc.id = article.doc_id
    return article
