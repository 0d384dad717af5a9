"""Safe HTTP fetching: timeouts, a size cap, retries with backoff, robots.txt, and no way inward.

Every hop (the first request and each redirect) is checked after DNS resolution: an address that
is private, loopback, link-local, multicast, reserved or unspecified is refused unless the caller
allows private addresses (tests use a local server). Redirects are followed by hand so that each
one is checked. Hosts that keep failing fail fast, so a feed of 10,000 dead links ends quickly.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from dyadwatch.config import FetchOptions
from dyadwatch.errors import BlockedAddress, FetchError, TooLarge

log = logging.getLogger(__name__)

ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/rss+xml",
                  "application/atom+xml", "application/xml", "text/xml", "application/json",
                  "application/x-ndjson", "application/warc", "application/gzip",
                  "application/x-gzip")
_RETRY_STATUS = {429, 500, 502, 503, 504}
_KEPT_HEADERS = ("ETag", "Last-Modified")


@dataclass(slots=True)
class FetchResult:
    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str
    content: bytes
    # Response headers a caller may keep for its next conditional GET (ETag, Last-Modified).
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        """The server answered 304 to a conditional GET: nothing changed since the validators."""
        return self.status == 304


def check_address(host: str, port: int, allow_private: bool) -> None:
    """Resolve ``host`` and refuse it when any address is not globally routable."""
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc}", source=host) from exc
    for info in infos:
        resolved = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        for addr in (resolved, *embedded_ipv4(resolved)):
            if not addr.is_global or addr.is_multicast:
                raise BlockedAddress(
                    f"{host} resolves to {resolved}, a private, loopback, link-local or reserved "
                    "address; pass --allow-private to fetch from such addresses", source=host)


# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): a gateway delivers to the IPv4 address
# in the last 32 bits. Python calls 64:ff9b::7f00:1 global although it reaches 127.0.0.1.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64): each must be
    global too, or a relay on the way would deliver inward."""
    if not isinstance(addr, ipaddress.IPv6Address):
        return []
    out = [a for a in (addr.ipv4_mapped, addr.sixtofour) if a is not None]
    if addr.teredo is not None:
        out.extend(addr.teredo)
    if any(addr in net for net in _NAT64):
        out.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return out


@dataclass
class Fetcher:
    options: FetchOptions = field(default_factory=FetchOptions)
    transport: httpx.BaseTransport | None = None  # tests may inject a MockTransport
    _client: httpx.Client | None = None
    _robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)
    _host_failures: dict[str, int] = field(default_factory=dict)
    _robots_at: dict[str, float] = field(default_factory=dict)
    _last_request: dict[str, float] = field(default_factory=dict)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            o = self.options
            self._client = httpx.Client(
                timeout=httpx.Timeout(o.timeout, connect=o.connect_timeout),
                headers={"User-Agent": o.user_agent, "Accept": ", ".join(ACCEPTED_TYPES[:6])},
                follow_redirects=False, transport=self.transport, trust_env=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget_failures(self, host: str) -> None:
        """Let ``host`` be tried again: a long-running caller (the monitor) keeps its own backoff
        per source, and must not find a host failed fast forever after three bad requests."""
        self._host_failures.pop(host, None)

    def get(self, url: str, *, check_robots: bool = True,
            headers: dict[str, str] | None = None) -> FetchResult:
        """Fetch ``url`` or raise FetchError (BlockedAddress, TooLarge) naming the URL.

        ``headers`` are sent with the first request (not with redirects to other hosts), e.g.
        ``If-None-Match`` / ``If-Modified-Since``: a 304 answer is returned, with an empty body
        and ``result.not_modified`` true."""
        host = urlsplit(url).hostname or ""
        if self._host_failures.get(host, 0) >= self.options.host_failure_limit:
            raise FetchError(f"skipped: {self._host_failures[host]} earlier requests to {host} "
                             "failed", source=url)
        try:
            if check_robots and self.options.respect_robots and not self.allowed(url):
                raise FetchError("robots.txt disallows this URL for our user agent", source=url,
                                 reason="robots")
            result = self._get_following(url, headers or {})
        except BlockedAddress:
            raise
        except FetchError as exc:
            if exc.reason == "fetch_failed":
                self._host_failures[host] = self._host_failures.get(host, 0) + 1
            raise
        self._host_failures[host] = 0
        return result

    def _get_following(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        current = url
        for hop in range(self.options.max_redirects + 1):
            response = self._request(current, headers if hop == 0 else None)
            if response.is_redirect and response.status_code != 304:  # httpx counts 304
                location = response.headers.get("Location", "")
                if not location:
                    raise FetchError(f"redirect {response.status_code} without Location",
                                     source=url)
                current = urljoin(current, location)
                continue
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {current}", source=url)
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype and not ctype.startswith(ACCEPTED_TYPES):
                raise FetchError(f"unsupported content type {ctype!r}", source=url,
                                 reason="unsupported_format")
            kept = {k: v for k in _KEPT_HEADERS if (v := response.headers.get(k))}
            return FetchResult(url=url, final_url=current, status=response.status_code,
                               content_type=ctype, content=response.content, headers=kept)
        raise FetchError(f"more than {self.options.max_redirects} redirects", source=url)

    def _request(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("only http and https URLs can be fetched", source=url,
                             reason="unsupported_format")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        check_address(parts.hostname, port, self.options.allow_private)
        delay = self.options.backoff
        last: Exception | None = None
        for attempt in range(self.options.retries + 1):
            self._polite(parts.hostname)
            try:
                response = self._stream(url, headers)
            except (httpx.TransportError, TooLarge) as exc:
                if isinstance(exc, TooLarge):
                    raise
                last = exc
            else:
                if response.status_code not in _RETRY_STATUS:
                    return response
                last = FetchError(f"HTTP {response.status_code}", source=url)
            if attempt < self.options.retries:
                time.sleep(delay)
                delay *= 2
        if isinstance(last, FetchError):
            raise last
        raise FetchError(f"{last.__class__.__name__}: {last}", source=url) from last

    def _polite(self, host: str) -> None:
        """Wait until ``options.host_delay`` seconds have passed since the last request to
        ``host`` (robots.txt, feeds and pages alike), then note this one."""
        wait = self._last_request.get(host, -1e9) + self.options.host_delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request[host] = time.monotonic()

    def _stream(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        cap = self.options.max_bytes
        deadline = time.monotonic() + self.options.max_seconds
        with self.client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise TooLarge(f"the response declares {int(declared):,} bytes, above the "
                               f"limit of {cap:,}", source=url)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise TooLarge(f"the response exceeds the limit of {cap:,} bytes", source=url)
                if time.monotonic() > deadline:  # httpx's timeouts bound each read, not the sum
                    raise FetchError(f"the response took longer than {self.options.max_seconds:g} "
                                     "s (fetch.max_seconds)", source=url, reason="timeout")
                chunks.append(chunk)
            response._content = b"".join(chunks)  # keep the capped body on the response
        return response

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        ttl = self.options.robots_ttl
        if base not in self._robots or time.monotonic() - self._robots_at[base] > ttl:
            self._robots[base] = self._load_robots(base)
            self._robots_at[base] = time.monotonic()
        parser = self._robots[base]
        return parser is None or parser.can_fetch(self.options.user_agent, url)

    def _load_robots(self, base: str) -> urllib.robotparser.RobotFileParser | None:
        try:
            result = self._get_following(base + "/robots.txt")
        except BlockedAddress:
            raise
        except FetchError as exc:
            log.debug("no robots.txt at %s (%s); fetching allowed", base, exc)
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(result.content.decode("utf-8", "replace").splitlines())
        return parser
