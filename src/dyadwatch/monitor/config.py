"""The monitor's configuration file (``sources.toml``): data with a schema, checked on load.

```toml
[monitor]                 # all optional; the defaults are below
interval = 300            # seconds between two polls of a source (each source may set its own)
jitter = 0.1              # a poll comes up to this fraction of the interval early, never late
host_delay = 1.0          # least seconds between two requests to one host
max_backoff = 3600        # longest wait after repeated errors (the wait doubles per failure)
notify_log = "alerts.jsonl"   # local notification log, relative to this file ("" for none)
allow_private = false     # fetch from and deliver to private/loopback addresses (tests only)
reload_seconds = 5        # how often the file is checked for changes while running
max_link_attempts = 3     # polls on which a linked page that cannot be fetched is tried again
max_items = 50            # new items handled per poll of a source (the rest on the next poll)

[fetch]                   # any dyadwatch options table ([fetch], [ingest], [events] ...)
max_seconds = 30

[[source]]
url = "https://example.org/world/rss.xml"
name = "Example world"    # optional; shown by `monitor status`
kind = "feed"             # auto (sniffed; the default) | feed | sitemap | page
interval = 300            # optional; [monitor] interval otherwise
```

Every error names the file, the source (by number and URL) and the field, and says what is
expected.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadwatch.config import Options
from dyadwatch.errors import InputError

KINDS = ("auto", "feed", "sitemap", "page")
_MONITOR_KEYS = {"interval", "jitter", "host_delay", "max_backoff", "notify_log",
                 "allow_private", "reload_seconds", "max_link_attempts", "max_items"}
_SOURCE_KEYS = {"url", "name", "kind", "interval"}
# A floor against a busy loop, not a recommendation: news sites update every few minutes (GDELT
# every 15), so 300 s is the default; tests and benches poll local servers every second.
MIN_INTERVAL = 1.0


def source_id(url: str) -> str:
    """A stable id from the URL: the same URL is the same source across restarts and edits."""
    return "s" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:11]


@dataclass(frozen=True, slots=True)
class SourceConfig:
    id: str
    url: str
    name: str
    kind: str
    interval: float


@dataclass(slots=True)
class MonitorConfig:
    path: str
    sources: list[SourceConfig]
    options: Options
    interval: float = 300.0
    jitter: float = 0.1
    host_delay: float = 1.0
    max_backoff: float = 3600.0
    notify_log: str = ""
    allow_private: bool = False
    reload_seconds: float = 5.0
    max_link_attempts: int = 3
    max_items: int = 50
    mtime: float = field(default=0.0)


def load_config(path: str | Path, *, min_interval: float = MIN_INTERVAL) -> MonitorConfig:
    """Read and check ``path``; raises ``InputError`` naming the file and the field."""
    p = Path(path)
    where = str(p)
    try:
        text = p.read_text(encoding="utf-8")
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise InputError(f"cannot read the monitor configuration ({exc.strerror or exc})",
                         source=where) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=where) from exc
    settings = data.pop("monitor", {})
    raw_sources = data.pop("source", [])
    if not isinstance(settings, dict):
        raise InputError("[monitor] must be a table", source=where)
    unknown = set(settings) - _MONITOR_KEYS
    if unknown:
        raise InputError(f"unknown [monitor] keys {sorted(unknown)}; known: "
                         f"{sorted(_MONITOR_KEYS)}", source=where)
    options = Options.from_mapping(data, where)
    options.fetch.allow_private = _bool(settings, "allow_private", False, "[monitor]", where)
    cfg = MonitorConfig(path=where, sources=[], options=options, mtime=mtime)
    cfg.interval = _number(settings, "interval", 300.0, "[monitor]", where, low=min_interval)
    cfg.jitter = _number(settings, "jitter", 0.1, "[monitor]", where, low=0.0, high=0.5)
    cfg.host_delay = _number(settings, "host_delay", 1.0, "[monitor]", where, low=0.0)
    cfg.max_backoff = _number(settings, "max_backoff", 3600.0, "[monitor]", where, low=0.0)
    cfg.reload_seconds = _number(settings, "reload_seconds", 5.0, "[monitor]", where, low=0.01)
    cfg.max_link_attempts = int(_number(settings, "max_link_attempts", 3, "[monitor]", where,
                                        low=1))
    cfg.max_items = int(_number(settings, "max_items", 50, "[monitor]", where, low=1))
    cfg.allow_private = options.fetch.allow_private
    options.fetch.host_delay = cfg.host_delay
    log_name = settings.get("notify_log", "")
    if not isinstance(log_name, str):
        raise InputError("[monitor] field 'notify_log' must be a file name (a string)", source=where)
    cfg.notify_log = str(p.parent / log_name) if log_name else ""
    cfg.sources = _sources(raw_sources, cfg.interval, where, min_interval)
    return cfg


def _sources(raw: Any, default_interval: float, where: str,
             min_interval: float) -> list[SourceConfig]:
    if not isinstance(raw, list):
        raise InputError("sources are [[source]] tables (an array of tables)", source=where)
    out: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for n, entry in enumerate(raw, 1):
        label = f"[[source]] {n}"
        if not isinstance(entry, dict):
            raise InputError(f"{label} must be a table", source=where)
        unknown = set(entry) - _SOURCE_KEYS
        if unknown:
            raise InputError(f"{label}: unknown keys {sorted(unknown)}; known: "
                             f"{sorted(_SOURCE_KEYS)}", source=where)
        url = entry.get("url")
        if not isinstance(url, str) or not url.strip().startswith(("http://", "https://")):
            raise InputError(f"{label} field 'url' must be an http:// or https:// URL, got "
                             f"{url!r}", source=where)
        url = url.strip()
        label = f"{label} ({url})"
        if url in seen:
            raise InputError(f"{label} repeats [[source]] {seen[url]}; list each URL once",
                             source=where)
        seen[url] = n
        kind = entry.get("kind", "auto")
        if kind not in KINDS:
            raise InputError(f"{label} field 'kind' must be one of {', '.join(KINDS)}, got "
                             f"{kind!r}", source=where)
        name = entry.get("name", "")
        if not isinstance(name, str):
            raise InputError(f"{label} field 'name' must be a string", source=where)
        interval = _number(entry, "interval", default_interval, label, where, low=min_interval)
        out.append(SourceConfig(source_id(url), url, name.strip(), kind, interval))
    return out


def _number(table: dict[str, Any], key: str, default: float, label: str, where: str, *,
            low: float, high: float | None = None) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{label} field '{key}' must be a number, got {value!r}", source=where)
    if value < low or (high is not None and value > high):
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise InputError(f"{label} field '{key}' must be {span}, got {value!r}", source=where)
    return float(value)


def _bool(table: dict[str, Any], key: str, default: bool, label: str, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise InputError(f"{label} field '{key}' must be true or false, got {value!r}",
                         source=where)
    return value
