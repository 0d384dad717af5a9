"""Real local HTTP servers (127.0.0.1 only) for the monitor's tests and bench: a site whose feeds
gain items over time and answer 304 to a conditional GET, a path that fails with 500, one that
trickles bytes, linked article pages, a news sitemap, robots.txt; and a webhook receiver."""

from __future__ import annotations

import hashlib
import html
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COUNTRIES = [("Colombia", "Peru", "Bogota"), ("Kenya", "Uganda", "Nairobi"),
             ("France", "Germany", "Paris"), ("Japan", "China", "Tokyo"),
             ("Brazil", "Argentina", "Brasilia"), ("Egypt", "Sudan", "Cairo")]


def article(i: int, pair: tuple[str, str, str] = COUNTRIES[0]) -> tuple[str, str]:
    """(title, HTML body) of a short distinct news item in which ``pair[0]`` threatens
    sanctions against ``pair[1]``; long enough (> 600 characters) to count as a full article."""
    a, b, cap = pair
    title = f"{a} threatens {b} with sanctions over case {i}"
    paras = [f"The government of {a} threatened sanctions against {b} on 3 March 2025 over "
             f"fishing rights in case {i}, officials in {cap} said on Monday.",
             f"The dispute over case {i} concerns {i * 7919 % 100_003} tonnes of catch and a "
             "border crossing that both governments claim.",
             f"Diplomats said talks on case {i} would resume next month in {cap}, and that the "
             "two ministers had spoken by phone.",
             f"Analysts said the case numbered {i} was the most serious dispute between the two "
             "countries in a decade, and that trade had fallen by a third since the spring.",
             f"Fishing crews in the disputed waters of case {i} said patrol boats had followed "
             "them for three days, and that they would not go out again until it was settled."]
    return title, "".join(f"<p>{p}</p>" for p in paras)


@dataclass
class Item:
    guid: str
    title: str
    body: str  # HTML; "" for an entry that only links
    link: str
    published: str = "Mon, 03 Mar 2025 10:00:00 GMT"


def rss(items: list[Item]) -> bytes:
    entries = []
    for it in items:
        content = (f"<content:encoded>{html.escape(it.body)}</content:encoded>" if it.body
                   else "<description>A short teaser.</description>")
        entries.append(f"<item><title>{html.escape(it.title)}</title><link>{it.link}</link>"
                       f"<guid>{it.guid}</guid><pubDate>{it.published}</pubDate>{content}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            '<title>Local Wire</title><link>http://127.0.0.1/</link><description>test</description>'
            + "".join(entries) + "</channel></rss>").encode("utf-8")


def news_sitemap(urls: list[tuple[str, str]]) -> bytes:
    rows = "".join(
        f"<url><loc>{u}</loc><news:news><news:publication><news:name>Local Wire</news:name>"
        "<news:language>en</news:language></news:publication><news:publication_date>2025-03-03"
        f"</news:publication_date><news:title>{html.escape(t)}</news:title></news:news></url>"
        for u, t in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset '
            'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + rows
            + "</urlset>").encode("utf-8")


def page(title: str, body: str) -> bytes:
    return (f"<html><head><title>{html.escape(title)}</title></head><body><article>"
            f"<h1>{html.escape(title)}</h1>{body}</article></body></html>").encode("utf-8")


@dataclass
class Site:
    """What the server answers: ``docs[path] = (bytes, content type)``; ETags are the content's
    hash, so a conditional GET gets 304 until the document changes. ``requests[path]`` counts
    requests, ``statuses`` lists (path, status) in order, ``times`` the request times per host."""

    docs: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    disallow: str = "/private/"
    trickle_delay: float = 0.05
    etags: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, data: bytes, ctype: str = "application/rss+xml") -> None:
        with self.lock:
            self.docs[path] = (data, ctype)

    def count(self, path: str) -> int:
        with self.lock:
            return self.requests.get(path, 0)


def _handler(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain",
                  headers: dict[str, str] | None = None) -> None:
            with site.lock:
                site.statuses.append((self.path, status))
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self):  # noqa: N802
            with site.lock:
                site.requests[self.path] = site.requests.get(self.path, 0) + 1
                doc = site.docs.get(self.path)
            if self.path == "/robots.txt":
                return self._send(200, f"User-agent: *\nDisallow: {site.disallow}\n".encode())
            if self.path.startswith("/fail"):
                return self._send(500, b"server error")
            if self.path.startswith("/trickle"):
                return self._trickle()
            if doc is None:
                return self._send(404, b"not found")
            data, ctype = doc
            if not site.etags:
                return self._send(200, data, ctype)
            etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, headers={"ETag": etag})
            self._send(200, data, ctype, {"ETag": etag})

        def _trickle(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                self.wfile.write(b'<?xml version="1.0"?><rss><channel>')
                while True:  # each byte well within the read timeout, forever
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(site.trickle_delay)
            except OSError:
                pass

    return Handler


class Server:
    """A threaded HTTP server on 127.0.0.1 serving ``site``; ``url(path)``; ``close()``."""

    def __init__(self, site: Site | None = None, handler=None):
        self.site = site or Site()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     handler or _handler(self.site))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Receiver:
    """A webhook receiver on 127.0.0.1: ``bodies`` are the JSON bodies POSTed to it."""

    def __init__(self):
        self.bodies: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                outer.bodies.append(json.loads(self.rfile.read(n)))
                self.send_response(204)
                self.end_headers()

        self.server = Server(handler=Handler)

    @property
    def url(self) -> str:
        return self.server.url("/hook")

    def close(self) -> None:
        self.server.close()


def config_text(sources: list[dict], **monitor) -> str:
    """A sources.toml with ``[monitor]`` settings and ``[[source]]`` tables; test defaults: no
    retries inside one poll, 1 s total time per fetch."""
    settings = {"allow_private": True, "host_delay": 0.0, "reload_seconds": 0.2, **monitor}
    lines = ["[monitor]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    lines += ["", "[fetch]", "retries = 0", "max_seconds = 1.0", "timeout = 2.0"]
    for s in sources:
        lines += ["", "[[source]]"] + [f"{k} = {json.dumps(v)}" for k, v in s.items()]
    return "\n".join(lines) + "\n"


def start_monitor(db: Path, cfg: Path, *extra: str, log=subprocess.PIPE) -> subprocess.Popen:
    """``python -m dyadwatch monitor`` on ``db`` and ``cfg`` (this checkout's source), logging
    JSON lines on its stderr (a pipe, or the open file ``log``)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "dyadwatch", "monitor", "--db", str(db),
                             "--config", str(cfg), "--log-json", *extra], env=env, cwd=db.parent,
                            stderr=log, stdout=subprocess.DEVNULL, text=True)


def read_log_until(proc: subprocess.Popen, cond, timeout: float = 120.0) -> list[dict]:
    """Log records of ``proc`` until ``cond(record)`` holds (read by a thread, so a silent
    process cannot block the caller past ``timeout``)."""
    seen: list[dict] = []
    done = threading.Event()

    def read():
        for line in proc.stderr:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            seen.append(rec)
            if cond(rec):
                done.set()
                return
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(timeout), f"no matching log record; last: {seen[-3:]}"
    return seen
