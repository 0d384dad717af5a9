"""One options object: defaults, then a user's TOML file, then explicit overrides.

``Options.load(path)`` reads ``[ingest]``, ``[fetch]``, ``[quality]`` ... tables whose keys are the
field names below. Values are chosen for a 2-core, 24 GiB machine; comments say why.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadwatch.errors import InputError


@dataclass(slots=True)
class IngestOptions:
    # A single HTML or text document above this is not an article (news pages are < 5 MB even with
    # inline scripts); archives and JSONL are streamed and have no total limit.
    max_document_bytes: int = 20 * 1024 * 1024
    # Decompressed gzip members are capped too, against gzip bombs.
    max_decompressed_bytes: int = 200 * 1024 * 1024
    # HTML nested deeper than this is rejected before lxml sees it (lxml's own limit is 256 with
    # huge_tree off, but it then silently truncates; we prefer a clear reject).
    max_html_depth: int = 2_000
    follow_feed_links: bool = True
    # Bounded cost per document: the analysis reads at most this much body text (a long news
    # article is under 60,000 characters), this many captions and table rows; anything cut is
    # recorded on the document as a `truncated` flag with the sizes, never dropped silently.
    max_body_chars: int = 200_000
    max_captions: int = 200
    max_table_rows: int = 500


@dataclass(slots=True)
class FetchOptions:
    timeout: float = 15.0
    connect_timeout: float = 5.0
    # The whole of one response: ``timeout`` bounds each read, so a server sending a byte every
    # few seconds could hold a fetch for hours. 60 s downloads the 10 MB cap at 1.4 Mbit/s.
    max_seconds: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2
    backoff: float = 0.5
    respect_robots: bool = True
    allow_private: bool = False
    max_redirects: int = 5
    # After this many consecutive failures on one host, its remaining links fail fast: a feed that
    # points at 10,000 dead links must not take 10,000 timeouts.
    host_failure_limit: int = 3
    # Least time between two requests to one host (politeness). 0 for one-off commands, which
    # fetch a feed's links once; the monitor sets its own (monitor.host_delay, 1 s by default).
    host_delay: float = 0.0
    # robots.txt is read again after this long (a long-running monitor must see changes).
    robots_ttl: float = 24 * 3600.0
    user_agent: str = "dyadwatch/0.1 (+https://github.com/dyadwatch/dyadwatch; news event research)"


@dataclass(slots=True)
class QualityOptions:
    # Documents whose quality score is below this are left out of dyad statistics by default.
    min_quality: float = 0.5


@dataclass(slots=True)
class EventOptions:
    # The learned event model judges the rules' events (dyadwatch.events.learn.judge). Off by
    # default until it codes real articles better than the rules (bench/RESULTS.md, "event model").
    model: bool = False
    # Events under this confidence are dropped (None: the model manifest's measured threshold).
    min_confidence: float | None = None
    # Pages that are not articles (clean.pagekind: link lists, data tables, galleries, search
    # pages) get no events unless this is set.
    code_non_articles: bool = False
    # On a page about sport, business, technology, science or entertainment (clean.topic) an
    # event needs a political actor named as such on one side; off, every event is kept.
    topic_gate: bool = True


@dataclass(slots=True)
class Options:
    ingest: IngestOptions = field(default_factory=IngestOptions)
    events: EventOptions = field(default_factory=EventOptions)
    fetch: FetchOptions = field(default_factory=FetchOptions)
    quality: QualityOptions = field(default_factory=QualityOptions)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> "Options":
        """Defaults, then ``path`` (TOML) if given, then ``overrides`` as ``section__key=value``."""
        opts = cls()
        if path is not None:
            try:
                data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise InputError(f"cannot read options file: {exc}", source=str(path)) from exc
            opts = cls.from_mapping(data, str(path))
        for key, value in overrides.items():
            section, _, name = key.partition("__")
            opts._set_section(section, {name: value}, "overrides")
        return opts

    @classmethod
    def from_mapping(cls, data: dict[str, Any], origin: str) -> "Options":
        """Defaults, then the ``[section]`` tables of ``data`` (a parsed TOML file named
        ``origin`` in errors), e.g. the options tables of a monitor's sources.toml."""
        opts = cls()
        for section, values in data.items():
            if not isinstance(values, dict):
                raise InputError(f"[{section}] must be a table of options", source=origin)
            opts._set_section(section, values, origin)
        return opts

    def _set_section(self, section: str, values: dict[str, Any], origin: str) -> None:
        target = getattr(self, section, None)
        if target is None or not dataclasses.is_dataclass(target):
            raise InputError(f"unknown options section [{section}]", source=origin)
        names = {f.name for f in dataclasses.fields(target)}
        for name, value in values.items():
            if name not in names:
                raise InputError(f"unknown option {section}.{name}; known: {sorted(names)}",
                                 source=origin)
            setattr(target, name, value)
