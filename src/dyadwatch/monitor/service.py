"""The live monitor: polls sources on their schedules and stores what is new through the one
ingest path (``pipeline.store_analyses``: stored, joined to stories, alerts raised), then delivers
the alerts (webhooks, and the local notification log).

One poll of a source: a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the last
complete poll) through the SSRF-safe ``Fetcher`` (robots.txt, per-host politeness, size and total
time limits); a 304, or a body identical to the last one, ends it. Otherwise the feed, news
sitemap or page is read into items, the items the source has already handled are skipped (one
query), and each new item is fetched when it is only a link, analysed and stored.

Crash safety, the order of writes:
1. the document is stored (one transaction, ``Store.save``; its id is a hash of its content, so
   storing it again finds a duplicate and stores nothing);
2. then the item is marked handled (``monitor_items``);
3. then, once every item of the response is handled, the source's validators (ETag,
   Last-Modified, body hash) and next due time are written.
A kill between 1 and 2 re-analyses the item on restart and finds it stored; a kill before 3
makes the next poll fetch the whole response unconditionally, so no item is lost behind a 304.

Scheduling: a source is next due ``interval * U(1 - jitter, 1)`` after its poll started (early,
never late, so an item waits at most one interval), or after ``interval * 2**failures`` (capped
by ``max_backoff``) once it fails. Between polls the loop sleeps until the earliest due time,
waking early only to check the configuration file or to stop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dyadwatch.errors import DyadwatchError, FetchError
from dyadwatch.ingest import fetch_link
from dyadwatch.ingest.feeds import FeedLink, read_feed
from dyadwatch.ingest.fetch import Fetcher, FetchResult
from dyadwatch.ingest.sitemap import is_sitemap, read_sitemap
from dyadwatch.ingest.sniff import SNIFF_BYTES, sniff
from dyadwatch.model import Analysis, Document, Rejected
from dyadwatch.monitor.config import MonitorConfig, SourceConfig, load_config
from dyadwatch.store import monitor as q

log = logging.getLogger(__name__)

# Rejects of a linked page that may pass on a later poll (network, server, time limit).
TRANSIENT = frozenset({"fetch_failed", "timeout"})
NOTIFY_MARK = "notify_log_mark"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def event(name: str, **fields: Any) -> None:
    """One structured log record: ``name key=value ...`` as the message, and the fields as
    attributes of the record (the CLI's JSON formatter writes them as keys)."""
    text = " ".join(f"{k}={v}" for k, v in fields.items())
    log.info("%s %s", name, text, extra={"event": name, "fields": fields})


@dataclass(slots=True)
class PollResult:
    source_id: str
    url: str
    outcome: str  # new | unchanged | error | interrupted
    status: int | None = None
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    alerts: int = 0
    error: str = ""
    seconds: float = 0.0
    retry_now: bool = False  # items left over by max_items: due again at once

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class RunReport:
    polls: int = 0
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    alerts: int = 0
    errors: int = 0
    results: list[PollResult] = field(default_factory=list)

    def add(self, r: PollResult) -> None:
        self.polls += 1
        self.stored += r.stored
        self.duplicate += r.duplicate
        self.rejected += r.rejected
        self.alerts += r.alerts
        self.errors += r.outcome == "error"

    def to_dict(self) -> dict[str, Any]:
        return {"polls": self.polls, "stored": self.stored, "duplicate": self.duplicate,
                "rejected": self.rejected, "alerts": self.alerts, "errors": self.errors}


class Monitor:
    """Watches the sources of ``config`` and stores into ``store``.

    ``lock`` (a context manager) is held around every write, when the store is shared with other
    threads (``dyadwatch serve --monitor``). ``pipeline`` defaults to one built from the config's
    options. ``stop()`` may be called from a signal handler or another thread."""

    def __init__(self, store, config: MonitorConfig, *, pipeline=None,
                 lock: Any = None, rng: random.Random | None = None,
                 clock: Callable[[], dt.datetime] = _now):
        self.store, self.config = store, config
        self.fetcher = Fetcher(config.options.fetch)
        self._pipeline = pipeline
        self._lock = lock if lock is not None else contextlib.nullcontext()
        self._rng = rng or random.Random()
        self._clock = clock
        self._stop = threading.Event()
        self._sources: dict[str, SourceConfig] = {}
        self._state: dict[str, dict[str, Any]] = {}

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def pipeline(self):
        if self._pipeline is None:
            from dyadwatch.pipeline import Pipeline

            self._pipeline = Pipeline(self.config.options)
        return self._pipeline

    def stop(self) -> None:
        """Finish the item at hand, record it, and return from ``run``."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self.fetcher.close()

    def sync(self) -> None:
        """Bring the store's sources to the configuration: new ones added (due now), changed
        ones updated, removed ones made inactive; then load their state."""
        now = self._clock()
        with self._lock:
            for s in self.config.sources:
                q.upsert_source(self.store.conn, s.id, s.url, s.name, s.kind, s.interval, now, now)
            gone = q.deactivate_others(self.store.conn, [s.id for s in self.config.sources])
            rows = {r["id"]: r for r in q.sources(self.store.conn, active_only=True)}
        self._sources = {s.id: s for s in self.config.sources}
        self._state = {sid: rows[sid] for sid in self._sources}
        self._start_log()
        event("sources", active=len(self._sources), removed=gone, config=self.config.path)

    def reload_if_changed(self) -> bool:
        """Re-read the configuration file when it changed on disk; a broken edit is logged and
        the running configuration kept (the monitor must not die of a typo)."""
        import os

        try:
            mtime = os.stat(self.config.path).st_mtime
        except OSError as exc:
            log.warning("cannot stat %s (%s); keeping the running configuration",
                        self.config.path, exc)
            return False
        if mtime == self.config.mtime:
            return False
        try:
            fresh = load_config(self.config.path)
        except DyadwatchError as exc:
            self.config.mtime = mtime
            log.error("configuration not reloaded: %s", exc,
                      extra={"event": "config_error", "fields": {"error": str(exc)}})
            return False
        fresh.options.fetch.allow_private = self.config.options.fetch.allow_private
        self.config = fresh
        self.fetcher.options = fresh.options.fetch
        self.sync()
        return True

    # --- the loop -------------------------------------------------------------------------
    def due(self, now: dt.datetime | None = None) -> list[str]:
        now = now or self._clock()
        ready = [(st["next_due"], sid) for sid, st in self._state.items() if st["next_due"] <= now]
        return [sid for _due, sid in sorted(ready)]

    def next_wake(self) -> float:
        """Seconds until the earliest due source, at most the configuration check period."""
        limit = self.config.reload_seconds
        if not self._state:
            return limit
        soonest = min(st["next_due"] for st in self._state.values())
        return max(0.0, min(limit, (soonest - self._clock()).total_seconds()))

    def run(self, *, once: bool = False) -> RunReport:
        """Poll due sources until ``stop()`` (or one round with ``once``)."""
        report = RunReport()
        self.sync()
        self.notify()  # alerts raised before a crash, not yet in the log
        while not self.stopping:
            self.reload_if_changed()
            for sid in self.due():
                if self.stopping:
                    break
                report.add(self.poll(sid))
            if once:
                break
            self._stop.wait(self.next_wake())
        event("stopped", **report.to_dict())
        return report

    # --- one source -----------------------------------------------------------------------
    def poll(self, sid: str) -> PollResult:
        src, st = self._sources[sid], self._state[sid]
        started, clock = self._clock(), time.monotonic()
        headers = {}
        if st.get("etag"):
            headers["If-None-Match"] = st["etag"]
        if st.get("last_modified"):
            headers["If-Modified-Since"] = st["last_modified"]
        self.fetcher.forget_failures(urlsplit(src.url).hostname or "")
        result = PollResult(sid, src.url, "unchanged")
        try:
            response = self.fetcher.get(src.url, headers=headers)
        except FetchError as exc:
            result.outcome, result.error = "error", exc.message
            self._record_failure(src, st, started, exc.message)
        else:
            result.status = response.status
            self._handle(src, st, started, response, result)
        result.seconds = round(time.monotonic() - clock, 3)
        event("poll", source=sid, url=src.url, outcome=result.outcome, status=result.status,
              stored=result.stored, duplicate=result.duplicate, rejected=result.rejected,
              alerts=result.alerts, seconds=result.seconds, error=result.error or None)
        return result

    def _handle(self, src: SourceConfig, st: dict[str, Any], started: dt.datetime,
                response: FetchResult, result: PollResult) -> None:
        digest = hashlib.sha256(response.content).hexdigest()[:32]
        values: dict[str, Any] = {"last_status": response.status}
        if response.not_modified or digest == st.get("content_hash"):
            self._record_success(src, st, started, values)
            return
        items = self._read(src, response, digest)
        complete = self._ingest(src, items, result)
        if complete:
            values.update(etag=response.headers.get("ETag"),
                          last_modified=response.headers.get("Last-Modified"),
                          content_hash=digest)
        else:
            result.outcome = "interrupted" if self.stopping else result.outcome
            # no validators: the next poll fetches the response whole and retries what is left
            values.update(etag=None, last_modified=None, content_hash=None)
        if result.stored:
            values["last_new_at"] = self._clock()
            result.outcome = "new" if result.outcome == "unchanged" else result.outcome
        self._record_success(src, st, started, values, stored=result.stored,
                             again=not complete and not self.stopping and result.retry_now)

    def _read(self, src: SourceConfig, response: FetchResult,
              digest: str) -> list[Document | FeedLink | Rejected]:
        """The items of a response, by the source's kind (sniffed when ``auto``)."""
        data, where = response.content, src.url
        kind = src.kind
        if kind == "auto":
            head = data[:SNIFF_BYTES]
            kind = ("sitemap" if is_sitemap(head) else
                    "feed" if sniff(head, where) == "feed" else "page")
        if kind == "feed":
            return list(read_feed(data, where))
        if kind == "sitemap":
            return list(read_sitemap(data, where))
        try:
            fmt = sniff(data[:SNIFF_BYTES], where)
        except DyadwatchError as exc:
            return [Rejected(f"{src.id}-{digest[:8]}", where, "read", exc.reason, str(exc))]
        return [Document(source=where, content=data, format=fmt, url=response.final_url)]

    @staticmethod
    def _key(src: SourceConfig, item: Document | FeedLink) -> str:
        """What identifies an item across polls: its link (a feed entry or sitemap URL, as feed
        readers do), else a hash of its content (a page, an entry without a link)."""
        if item.url and (isinstance(item, FeedLink) or item.source != src.url):
            return item.url
        return "sha:" + hashlib.sha256(item.content).hexdigest()[:32]

    def _ingest(self, src: SourceConfig, items: list[Document | FeedLink | Rejected],
                result: PollResult) -> bool:
        """Store the new items of one response; True when every item was handled for good."""
        from dyadwatch.pipeline import store_analyses

        keyed = [(self._key(src, i), i) for i in items if not isinstance(i, Rejected)]
        bad = [i for i in items if isinstance(i, Rejected)]
        with self._lock:
            states = q.item_states(self.store.conn, src.id, (k for k, _ in keyed))
        limit = self.config.max_link_attempts
        todo = [(k, i) for k, i in keyed
                if k not in states or (states[k][0] == "retry" and states[k][1] < limit)]
        todo = list(dict((k, i) for k, i in todo).items())  # an entry listed twice, once
        # A first poll of a large sitemap must not hold up every other source: at most
        # max_items per poll; the source is then due again at once (after the others due).
        pending = {"left": len(todo), "retry": False}
        todo = todo[:self.config.max_items]
        keys: dict[str, tuple[str, bool]] = {}  # item source -> (key, stored before)

        def analyses() -> Iterator[Analysis | Rejected]:
            yield from bad  # entries the reader could not use: recorded, never retried
            for key, item in todo:
                if self.stopping:
                    return
                docs = [item] if isinstance(item, Document) else fetch_link(
                    item, self.config.options, self.fetcher)
                for doc in docs:
                    if isinstance(doc, Rejected):
                        keys[doc.source] = (key, False)
                        yield doc
                        continue
                    out = self.pipeline.safe_analyze(doc)
                    if isinstance(out, Analysis):  # (the caller holds the lock)
                        before = self.store.has_document(out.article.doc_id)
                        keys[out.article.source] = (key, before)
                    else:
                        keys[out.source] = (key, False)
                    yield out
                pending["left"] -= 1

        def handled(item: Analysis | Rejected) -> None:
            source = item.article.source if isinstance(item, Analysis) else item.source
            if source not in keys:
                return  # a reader reject: no key
            key, before = keys[source]
            if isinstance(item, Analysis):
                state, doc_id = ("duplicate" if before else "stored"), item.article.doc_id
                result.stored += not before
                result.duplicate += before
            else:
                result.rejected += 1
                attempts = states.get(key, ("", 0))[1] + 1
                retry = item.reason in TRANSIENT and attempts < limit
                pending["retry"] |= retry
                state, doc_id = ("retry" if retry else "rejected"), item.document_id
            q.mark_item(self.store.conn, src.id, key, doc_id, state, self._clock())
            if isinstance(item, Analysis) and not before:
                event("stored", source=src.id, doc_id=doc_id, key=key)

        with self._lock:
            report = store_analyses(analyses(), self.store, progress=handled)
        result.rejected += sum(1 for _ in bad)
        if report.alert_ids:
            result.alerts = len(report.alert_ids)
            self.deliver()
        result.retry_now = pending["left"] > 0 and not self.stopping
        return pending["left"] == 0 and not pending["retry"]

    # --- recording ------------------------------------------------------------------------
    def _record_success(self, src: SourceConfig, st: dict[str, Any], started: dt.datetime,
                        values: dict[str, Any], stored: int = 0, again: bool = False) -> None:
        now = self._clock()
        wait = src.interval * self._rng.uniform(1.0 - self.config.jitter, 1.0)
        due = now if again else started + dt.timedelta(seconds=wait)
        values.update(last_polled_at=now, last_success_at=now, consecutive_failures=0,
                      last_error=None, next_due=due)
        self._write(src.id, st, values, stored)

    def _record_failure(self, src: SourceConfig, st: dict[str, Any], started: dt.datetime,
                        error: str) -> None:
        failures = int(st.get("consecutive_failures") or 0) + 1
        cap = max(src.interval, self.config.max_backoff)
        wait = min(src.interval * 2 ** min(failures, 30), cap)
        self._write(src.id, st, {"last_polled_at": self._clock(), "consecutive_failures": failures,
                                 "last_error": error[:500], "last_status": None,
                                 "next_due": started + dt.timedelta(seconds=wait)})

    def _write(self, sid: str, st: dict[str, Any], values: dict[str, Any], stored: int = 0) -> None:
        with self._lock:
            q.update_source(self.store.conn, sid, values, stored=stored)
        st.update(values)
        st["items_stored"] = int(st.get("items_stored") or 0) + stored

    # --- alerts ---------------------------------------------------------------------------
    def deliver(self) -> None:
        """POST pending alerts to their webhooks, then append new alerts to the notification
        log. Webhook outcomes are recorded per alert (``alerts`` table); a failed delivery is
        not retried by the monitor (``dyadwatch alerts --deliver`` does)."""
        from dyadwatch import alerts as al

        with self._lock:
            report = al.deliver(self.store.conn, allow_private=self.config.allow_private)
        if report.delivered or report.failed:
            event("delivered", delivered=report.delivered, failed=report.failed,
                  errors="; ".join(report.errors) or None)
        self.notify()

    def notify(self) -> int:
        """Append the alerts raised since the log's mark to the notification log (at least once:
        a kill between writing and moving the mark repeats those lines on restart)."""
        from dyadwatch import alerts as al

        if not self.config.notify_log:
            return 0
        conn = self.store.conn
        with self._lock:
            mark = q.get_meta(conn, NOTIFY_MARK)
            ids = q.alert_ids_after(conn, dt.datetime.fromisoformat(mark) if mark else None)
            if not ids:
                return 0
            written = al.write_notifications(conn, ids, self.config.notify_log)
            newest = conn.execute("SELECT max(created_at) FROM alerts").fetchone()[0]
            q.set_meta(conn, NOTIFY_MARK, newest.isoformat())
        event("notified", alerts=written, log=self.config.notify_log)
        return written

    def _start_log(self) -> None:
        """The notification log starts with the first monitor run, not with past alerts."""
        if not self.config.notify_log:
            return
        with self._lock:
            if q.get_meta(self.store.conn, NOTIFY_MARK) is None:
                row = self.store.conn.execute("SELECT max(created_at) FROM alerts").fetchone()
                start = row[0] or dt.datetime(1970, 1, 1)
                q.set_meta(self.store.conn, NOTIFY_MARK, start.isoformat())
