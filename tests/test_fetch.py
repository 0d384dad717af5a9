"""Fetching: a local server stands in for the web (allowed only with allow_private)."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from dyadwatch.config import FetchOptions, Options
from dyadwatch.errors import BlockedAddress, FetchError, TooLarge
from dyadwatch.ingest import iter_documents
from dyadwatch.ingest.fetch import Fetcher, check_address
from dyadwatch.model import Document, Rejected

ARTICLE = ("<html><head><title>Talks</title></head><body><article><p>"
           + "Diplomats met in Geneva for talks on trade and security. " * 20
           + "</p></article></body></html>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        routes = {
            "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private\n"),
            "/article.html": (200, "text/html; charset=utf-8", ARTICLE),
            "/private/secret.html": (200, "text/html", ARTICLE),
            "/big.html": (200, "text/html", b"<p>" + b"x" * 300_000 + b"</p>"),
            "/image.png": (200, "image/png", b"\x89PNG\r\n"),
            "/missing": (404, "text/html", b"no"),
        }
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        if self.path == "/flaky" and Handler.hits[self.path] == 1:
            routes["/flaky"] = (503, "text/plain", b"busy")
        elif self.path == "/flaky":
            routes["/flaky"] = (200, "text/html", ARTICLE)
        if self.path == "/feed.xml":
            base = f"http://127.0.0.1:{self.server.server_port}"
            items = "".join(f"<item><title>t{i}</title><link>{base}/article.html?i={i}</link></item>"
                            for i in range(3))
            routes["/feed.xml"] = (200, "application/rss+xml",
                                   f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>'
                                   f"{items}</channel></rss>".encode())
        status, ctype, body = routes.get(self.path.split("?")[0], (404, "text/plain", b"not found"))
        if self.path.startswith("/article.html?"):
            status, ctype, body = routes["/article.html"]
            body = body.replace(b"Talks", self.path.encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def fetcher(**kw) -> Fetcher:
    opts = FetchOptions(allow_private=True, retries=1, backoff=0.01, **kw)
    return Fetcher(opts)


def test_loopback_and_private_addresses_are_refused_by_default(server):
    with pytest.raises(BlockedAddress) as err:
        Fetcher(FetchOptions()).get(server + "/article.html")
    assert "--allow-private" in str(err.value)
    for host in ("10.0.0.1", "192.168.1.1", "169.254.169.254", "::1", "0.0.0.0"):
        with pytest.raises(BlockedAddress):
            check_address(host, 80, allow_private=False)


def test_fetch_follows_redirects_and_names_the_project(server):
    with fetcher() as f:
        result = f.get(server + "/redirect")
    assert result.final_url.endswith("/article.html") and b"Diplomats" in result.content
    assert "dyadwatch" in FetchOptions().user_agent


def test_robots_txt_is_respected(server):
    with fetcher() as f, pytest.raises(FetchError) as err:
        f.get(server + "/private/secret.html")
    assert err.value.reason == "robots"


def test_size_cap_content_type_and_http_errors(server):
    with fetcher(max_bytes=100_000) as f:
        with pytest.raises(TooLarge):
            f.get(server + "/big.html")
        with pytest.raises(FetchError) as err:
            f.get(server + "/image.png")
        assert "content type" in str(err.value)
        with pytest.raises(FetchError):
            f.get(server + "/missing")


def test_retry_with_backoff(server):
    Handler.hits.pop("/flaky", None)
    with fetcher() as f:
        assert b"Diplomats" in f.get(server + "/flaky").content
    assert Handler.hits["/flaky"] == 2


def test_feed_link_entries_are_fetched(server):
    opts = Options()
    opts.fetch.allow_private, opts.fetch.retries = True, 0
    items = list(iter_documents([server + "/feed.xml"], options=opts))
    docs = [i for i in items if isinstance(i, Document)]
    assert len(docs) == 3 and all(d.url.startswith(server) for d in docs)
    assert docs[0].source_name == "W"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_feed_of_ten_thousand_dead_links_fails_fast(tmp_path):
    port = _closed_port()
    items = "".join(f"<item><title>t{i}</title><link>http://127.0.0.1:{port}/a/{i}</link></item>"
                    for i in range(10_000))
    feed = tmp_path / "dead.xml"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>D</title>{items}'
                    "</channel></rss>")
    opts = Options()
    opts.fetch.allow_private, opts.fetch.backoff = True, 0.01
    start = time.perf_counter()
    got = list(iter_documents([str(feed)], options=opts))
    assert len(got) == 10_000 and all(isinstance(g, Rejected) for g in got)
    assert {g.reason for g in got} == {"fetch_failed"}
    assert str(port) in got[-1].message
    assert time.perf_counter() - start < 60


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1",
                                     "2001:0:4136:e378:8000:63bf:80ff:fffe", "::ffff:169.254.169.254"])
def test_ipv6_forms_of_inward_ipv4_addresses_are_refused(address):
    """NAT64, 6to4, Teredo and mapped addresses lead to the IPv4 address they carry; Python calls
    the first three global."""
    with pytest.raises(BlockedAddress):
        check_address(address, 80, allow_private=False)


def test_a_server_trickling_bytes_is_cut_off_at_the_total_time_limit():
    class Trickle(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - each byte well within the read timeout, forever
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"<p>x</p>")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        f = fetcher(respect_robots=False, max_seconds=1.0)
        start = time.perf_counter()
        with pytest.raises(FetchError) as err:
            f.get(f"http://127.0.0.1:{srv.server_port}/slow")
        assert err.value.reason == "timeout" and time.perf_counter() - start < 5
    finally:
        srv.shutdown()
