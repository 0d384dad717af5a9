"""Hostile inputs for the readers and the text cleaner, and the checks every input must pass.

Shared by ``tests/test_fuzz_readers.py`` (hypothesis drives the generators through
``st.randoms()``, a modest number of examples per test) and ``bench/fuzz_readers.py`` (100,000
inputs per reader). Every generator is a plain function of a ``random.Random`` so that both can use
it: structured generators for each input kind (HTML trees and deep nesting, plain-text pages with
furniture, JSONL records, RSS/Atom feeds, WARC records, gzip streams) and an atheris-style
mutator over a seed corpus (the sample corpus files): byte flips, insertions of tokens that
parsers and regular expressions find hard, deletions, repeats of a chunk, splices and truncation.

A *target* runs one input through one reader and checks what comes out; it may raise only a
``DyadwatchError`` (the documented errors) for bad input. ``TARGETS`` maps a reader's name to
(generator, runner).
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from dyadwatch.config import Options
from dyadwatch.errors import REASONS, BinaryInput, DyadwatchError, EmptyInput
from dyadwatch.model import Article, Document, Rejected

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample" / "corpus"
_TMP = Path(tempfile.mkdtemp(prefix="dyadwatch-fuzz-"))
# A local file that feeds name as an external entity: its content must never reach a document.
SECRET = b"dyadwatch-local-secret-7f3a"
SECRET_FILE = _TMP / "secret.txt"
SECRET_FILE.write_bytes(SECRET)

# Caps small enough that a decompression bomb costs milliseconds, not seconds; the defences are
# the same code as with the shipped caps (20 MB documents, 200 MB decompressed).
FUZZ_OPTIONS = Options()
FUZZ_OPTIONS.ingest.max_document_bytes = 2 * 1024 * 1024
FUZZ_OPTIONS.ingest.max_decompressed_bytes = 4 * 1024 * 1024
FUZZ_OPTIONS.ingest.follow_feed_links = False  # a fuzz run never touches the network


# --------------------------------------------------------------------------------------------
# seeds


def _read_seed(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def seeds(kind: str) -> list[bytes]:
    """Seed inputs of one kind from the sample corpus (decompressed); empty when absent."""
    globs = {"html": ["html/*"], "text": ["text/*.txt", "text/**/*.txt"], "jsonl": ["jsonl/*.jsonl",
             "archives/*.jsonl.gz"], "feed": ["feeds/*"], "warc": ["archives/*.warc.gz"]}[kind]
    out = []
    for pattern in globs:
        for p in sorted(SAMPLE.glob(pattern)):
            if p.is_file():
                out.append(_read_seed(p))
    return out


# --------------------------------------------------------------------------------------------
# pieces

WORDS = ("the minister met talks sanctions Colombia Washington said on Tuesday president border "
         "trade deal envoy army strike accused agreed visit summit ceasefire you readers share "
         "comments photo by reuters getty news home world copyright cookies subscribe").split()
HARD_TEXT = ["\u00c3\u00a9", "\u00e2\u20ac\u2122", "\u00e2\u20ac\u0153", "Ã", "\ufffd", "\u200b",
             "\u202e", "\u0301", "\ud7ff", "\U0001f600", "中文新闻", "العربية", "\t", "\r", "\x0c",
             "...", "?!", ",", ";", "—", "«", "»", "|", "/", ">", "&amp;", "&#x27;", "&nbsp;",
             "U.S.", "e.g.", "p.m.", "www.example.com", "http://a.example/x?y=1", "@handle",
             "#tag", "©", "**", "{{", "}}", "[insert", "]", "<div", ">", "turn0search1",
             "I'm sorry, but I", "as an AI", "according to reports surrounding the", "By ",
             "Photo: ", "Published ", "Home » ", "  ", "\u00a0", "1,000", "3.5", "19:45 GMT"]
TAGS = ["html", "head", "body", "div", "p", "span", "a", "article", "section", "main", "header",
        "footer", "nav", "aside", "h1", "h2", "h3", "table", "thead", "tr", "td", "th", "ul", "ol",
        "li", "figure", "figcaption", "img", "br", "hr", "script", "style", "noscript", "template",
        "iframe", "svg", "math", "title", "meta", "link", "time", "b", "i", "em", "strong", "font",
        "form", "input", "textarea", "select", "option", "pre", "code", "blockquote", "q", "sup",
        "object", "embed", "base", "frameset", "xmp", "plaintext", "listing", "details", "summary"]
ATTRS = ["class", "id", "href", "src", "lang", "charset", "content", "property", "name", "style",
         "aria-label", "itemprop", "itemtype", "datetime", "rel", "onload", "srcset", "data-x",
         "http-equiv", "xmlns", "dir", "title", "alt"]
ATTR_VALUES = ["byline", "breadcrumb", "credit", "article:published_time", "og:locale", "author",
               "utf-8", "utf-7", "x-user-defined", "utf-16", "shift_jis", "bogus-charset",
               "javascript:alert(1)", "2025-13-45", "0000-00-00", "9999-12-31T99:99", "en_US",
               "zz-ZZ", "a" * 300, "text/html; charset=latin1", "refresh", "0;url=http://x",
               "'\"<>&", "", "https://schema.org/NewsArticle"]
CHARSETS = ["utf-8", "latin-1", "cp1252", "utf-16", "utf-16le", "utf-32", "koi8-r", "big5",
            "shift_jis", "iso-2022-jp", "utf-7", "x-mac-roman", "bogus", "", "../../etc"]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]
TOKENS = [b"<", b">", b"</", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<!DOCTYPE x [", b"&", b"&#",
          b"&#x110000;", b"&#0;", b";", b"\x00", b"\xff", b"\xc3", b"\xe2\x80", b"\r\n", b"\n\n",
          b"\"", b"'", b"=", b"{", b"}", b"[", b"]", b"\\", b"\\u", b"\\ud800", b":", b",",
          b"WARC/1.0\r\n", b"Content-Length: 99999999999\r\n", b"Content-Length: -5\r\n",
          b"Transfer-Encoding: chunked\r\n", b"Content-Encoding: gzip\r\n", b"\x1f\x8b\x08",
          b"HTTP/1.1 200 OK\r\n", b"<div>" * 40, b"<script>", b"<style>", b"<html>", b"<rss>",
          b"<feed>", b"<item>", b"<entry>", b"NaN", b"Infinity", b"1e999999", b"-0"]


def words(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def hard_text(rnd: random.Random, max_len: int = 60) -> str:
    """Text mixing words, unicode edge cases, markup-like pieces and punctuation runs."""
    parts = []
    while sum(map(len, parts)) < rnd.randint(0, max_len):
        r = rnd.random()
        if r < 0.45:
            parts.append(rnd.choice(WORDS))
        elif r < 0.8:
            parts.append(rnd.choice(HARD_TEXT))
        elif r < 0.9:
            parts.append(rnd.choice(HARD_TEXT) * rnd.randint(2, 200))  # runs: regex worst cases
        else:
            parts.append("".join(chr(rnd.randint(1, 0x2FFF)) for _ in range(rnd.randint(1, 8))))
    sep = rnd.choice([" ", "", "  ", "\n"])
    return sep.join(parts)


def sentence(rnd: random.Random) -> str:
    return words(rnd, rnd.randint(5, 30)).capitalize() + rnd.choice([".", ".", "?", "!", "", ":"])


# --------------------------------------------------------------------------------------------
# structured generators


def gen_html(rnd: random.Random) -> bytes:
    r = rnd.random()
    if r < 0.1:  # deep nesting: around and far past libxml2's 256 levels
        depth = rnd.choice([50, 255, 256, 257, 600, 3000, 20000])
        tag = rnd.choice(["div", "span", "b", "table", "li", "a", "p"])
        body = f"<{tag}>" * depth + sentence(rnd) + (f"</{tag}>" * depth if rnd.random() < 0.5 else "")
        return body.encode()
    if r < 0.15:  # many siblings, long attribute values, unclosed tags
        n = rnd.randint(100, 1500)
        return ("<html><body>" + "".join(f"<p class='{'x' * rnd.randint(0, 50)}'>{rnd.choice(WORDS)}"
                                         for _ in range(n))).encode()
    head = []
    if rnd.random() < 0.6:
        head.append(f"<meta charset='{rnd.choice(CHARSETS)}'>")
    if rnd.random() < 0.5:
        head.append(f"<title>{hard_text(rnd)}</title>")
    for _ in range(rnd.randint(0, 4)):
        head.append(f"<meta {rnd.choice(['name', 'property'])}='{rnd.choice(ATTR_VALUES)}' "
                    f"content='{rnd.choice(ATTR_VALUES + [hard_text(rnd)])}'>")
    if rnd.random() < 0.3:  # JSON-LD: trafilatura reads it; give it odd shapes
        head.append("<script type='application/ld+json'>" + _json_ld(rnd) + "</script>")
    body = _tree(rnd, rnd.randint(1, 7))
    page = f"<html lang='{rnd.choice(ATTR_VALUES)}'><head>{''.join(head)}</head><body>{body}</body></html>"
    if rnd.random() < 0.2:
        page = page[: rnd.randint(0, len(page))]  # cut anywhere
    charset = rnd.choice(["utf-8", "utf-8", "latin-1", "utf-16", "cp1252"])
    data = page.encode(charset, "replace")
    if rnd.random() < 0.1:
        data = rnd.choice(BOMS) + data
    return data


def _json_ld(rnd: random.Random) -> str:
    shapes = [{"@type": "NewsArticle", "author": {"name": hard_text(rnd)}, "datePublished":
               rnd.choice(ATTR_VALUES)}, [{"@graph": [{"@type": ["NewsArticle"], "author": [1, None]}]}],
              {"@type": "Person", "name": {"nested": [[[]]]}}, "not an object", 12]
    text = json.dumps(rnd.choice(shapes))
    return text if rnd.random() < 0.8 else text[: rnd.randint(0, len(text))]


def _tree(rnd: random.Random, depth: int) -> str:
    out = []
    for _ in range(rnd.randint(1, 5)):
        if depth <= 0 or rnd.random() < 0.35:
            out.append(rnd.choice([sentence(rnd), hard_text(rnd, 120)]))
            continue
        tag = rnd.choice(TAGS)
        attrs = "".join(f" {rnd.choice(ATTRS)}=\"{rnd.choice(ATTR_VALUES)}\""
                        for _ in range(rnd.randint(0, 3)))
        inner = _tree(rnd, depth - 1)
        close = f"</{tag}>" if rnd.random() < 0.9 else ""
        out.append(f"<{tag}{attrs}>{inner}{close}")
    return "".join(out)


FURNITURE = ["Home » World » Americas", "Home > News", "By {name}", "By {name} - Staff Writer",
             "Written by {name}", "PHOTO {name}, AGENCY", "Photo: {name}/Reuters",
             "Published 7 January 2026", "Updated: 12:30 GMT", "January 7, 2026", "Share",
             "Share on Facebook | Twitter | WhatsApp", "Subscribe to our newsletter",
             "Leave a comment", "Your email address will not be published.", "© 2026 Example",
             "Related: more stories", "Advertisement", "Read more", "Cookies policy",
             "What readers should consider next", "Key takeaways", "Bogotá — In a statement",
             "Aspect\tDetails", "Who    What", "As an AI language model, I cannot", "Tags: a, b"]


def gen_text(rnd: random.Random) -> bytes:
    """A scraped page as plain text: furniture, a headline, story paragraphs, hostile lines."""
    lines = []
    for _ in range(rnd.randint(0, 40)):
        r = rnd.random()
        if r < 0.3:
            lines.append(rnd.choice(FURNITURE).format(name=words(rnd, rnd.randint(1, 4)).title()))
        elif r < 0.65:
            lines.append(" ".join(sentence(rnd) for _ in range(rnd.randint(1, 6))))
        elif r < 0.97:
            lines.append(hard_text(rnd, 200))
        else:  # a long line: a paragraph without breaks, or a run of one character
            unit = rnd.choice([sentence(rnd) + " ", ".", " ", "you ", "a", "By A-", "<", "\t", "»"])
            lines.append(unit * rnd.randint(100, max(100, 20_000 // len(unit))))
    sep = rnd.choice(["\n", "\n\n", "\r\n", "\n \n"])
    text = sep.join(lines)
    enc = rnd.choice(["utf-8"] * 6 + ["latin-1", "utf-16", "cp1252", "utf-8-sig"])
    return text.encode(enc, "replace")


def gen_jsonl(rnd: random.Random) -> bytes:
    lines = []
    for _ in range(rnd.randint(0, 12)):
        r = rnd.random()
        if r < 0.55:
            rec = {}
            for key in ("text", "html", "url", "published", "source", "title"):
                if rnd.random() < 0.6:
                    rec[key] = _json_value(rnd, key)
            line = json.dumps(rec, ensure_ascii=rnd.random() < 0.5)
        elif r < 0.65:  # nested past json's recursion limit
            depth = rnd.choice([10, 999, 1500, 50000])
            line = '{"text": ' + "[" * depth + "]" * depth + "}"
        elif r < 0.75:
            line = json.dumps(_json_value(rnd, "any"))
        elif r < 0.85:
            line = '{"text": "' + "\\ud800" * rnd.randint(1, 5) + hard_text(rnd) + '"}'
        else:
            line = hard_text(rnd, 80)
        lines.append(line)
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if rnd.random() < 0.1:
        data = data[: rnd.randint(0, len(data))]
    return data


def _json_value(rnd: random.Random, key: str):
    r = rnd.random()
    if key == "published" and r < 0.6:
        return rnd.choice(["2026-01-07", "0000-00-00", "2026-02-30", "9999-99-99T99:99", "yesterday",
                           "1e308", "", "   ", "2026-01-07T10:00:00+25:00", "Tue, 07 Jan 2026"])
    if key in ("text", "html") and r < 0.7:
        return " ".join(sentence(rnd) for _ in range(rnd.randint(1, 8))) if key == "text" \
            else "<p>" + sentence(rnd) + "</p>"
    return rnd.choice([None, True, 0, -1, 1e308, float("inf"), [], {}, [1, [2, [3]]], {"a": {"b": 1}},
                       hard_text(rnd), "x" * rnd.randint(0, 3000)])


def gen_feed(rnd: random.Random) -> bytes:
    kind = rnd.choice(["rss", "atom", "rdf", "entities", "xxe"])
    entries = []
    for i in range(rnd.randint(0, 4)):
        title, body = _xml_text(rnd, hard_text(rnd)), _body(rnd)
        link = rnd.choice(["https://news.example/a", "javascript:alert(1)", "", "file:///etc/passwd",
                           "http://127.0.0.1/x", hard_text(rnd, 20)])
        date = rnd.choice(["Wed, 07 Jan 2026 10:00:00 GMT", "2026-01-07T10:00:00Z", "garbage",
                           "Mon, 31 Feb 2026 99:99:99", ""])
        if kind == "atom":
            entries.append(f"<entry><title>{title}</title><link href='{_xml_text(rnd, link)}'/>"
                           f"<updated>{date}</updated><content type='html'>{body}</content></entry>")
        else:
            entries.append(f"<item><title>{title}</title><link>{_xml_text(rnd, link)}</link>"
                           f"<pubDate>{date}</pubDate><description>{body}</description>"
                           f"<author>{_xml_text(rnd, hard_text(rnd, 20))}</author></item>")
    items = "".join(entries)
    if kind == "atom":
        doc = f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>W</title>{items}</feed>"
    elif kind == "entities":  # "billion laughs": entities expanding to entities
        doc = ("<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a '" + "x" * 50 + "'>"
               + "".join(f"<!ENTITY {c} '{('&' + p + ';') * 10}'>" for p, c in zip("abcdefgh", "bcdefghi"))
               + "]><rss version='2.0'><channel><title>&i;</title>" + items + "</channel></rss>")
    elif kind == "xxe":  # an external entity must never be read into a document
        doc = (f"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM '{SECRET_FILE.as_uri()}'>]>"
               "<rss version='2.0'><channel><title>W</title><item><title>&x;</title><description>&x;"
               + "long text " * 80 + "</description></item>" + items + "</channel></rss>")
    else:
        doc = f"<?xml version='1.0'?><rss version='2.0'><channel><title>W</title>{items}</channel></rss>"
    data = doc.encode("utf-8", "replace")
    if rnd.random() < 0.15:
        data = data[: rnd.randint(0, len(data))]
    return data


def _xml_text(rnd: random.Random, text: str) -> str:
    return text if rnd.random() < 0.3 else (text.replace("&", "&amp;").replace("<", "&lt;")
                                           .replace("'", "&apos;"))


def _body(rnd: random.Random) -> str:
    html = "".join(f"<p>{sentence(rnd)}</p>" for _ in range(rnd.randint(0, 12)))
    r = rnd.random()
    if r < 0.4:
        return "<![CDATA[" + html + _tree(rnd, 4) + "]]>"
    if r < 0.6:
        return "&lt;" * rnd.randint(1, 3000)  # a body of unclosed tags after unescaping
    return html.replace("&", "&amp;").replace("<", "&lt;")


def gen_warc(rnd: random.Random) -> bytes:
    out = io.BytesIO()
    for i in range(rnd.randint(0, 4)):
        out.write(_warc_record(rnd, i))
    data = out.getvalue()
    if rnd.random() < 0.3:
        data = data[: rnd.randint(0, len(data))]
    if rnd.random() < 0.3:
        data = gzip.compress(data)
        if rnd.random() < 0.3:
            data = data[: rnd.randint(0, len(data))]
    return data


def _warc_record(rnd: random.Random, i: int) -> bytes:
    rtype = rnd.choice(["response", "response", "resource", "request", "warcinfo", "metadata",
                        "revisit", "bogus"])
    body_text = rnd.choice([gen_html(rnd), gen_text(rnd), b"", b"\x00" * 100])
    ctype = rnd.choice(["text/html", "text/html; charset=utf-8", "text/plain", "image/png",
                        "application/pdf", "", "TEXT/HTML", "text/html\x00"])
    http = b""
    if rtype == "response":
        status = rnd.choice(["200 OK", "404 Not Found", "301 Moved", "999 X", "abc", ""])
        headers = [f"Content-Type: {ctype}"]
        body = body_text
        if rnd.random() < 0.2:
            headers.append("Content-Encoding: gzip")
            body = gzip.compress(body) if rnd.random() < 0.5 else body  # sometimes a lie
        if rnd.random() < 0.15:
            headers.append("Transfer-Encoding: chunked")
            body = rnd.choice([b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\n", b"ffffffff\r\nx", body])
        http = (f"HTTP/1.1 {status}\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode() + body
        payload, wctype = http, "application/http; msgtype=response"
    else:
        payload, wctype = body_text, ctype
    length = len(payload)
    if rnd.random() < 0.15:
        length = rnd.choice([0, length + 100, max(length - 10, 0), 10**12, -1])
    head = (f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Record-ID: <urn:uuid:{i:08d}-0000-0000-0000-"
            f"000000000000>\r\nWARC-Date: 2026-01-07T10:00:00Z\r\nWARC-Target-URI: "
            f"https://news.example/{i}\r\nContent-Type: {wctype}\r\nContent-Length: {length}\r\n\r\n")
    return head.encode() + payload + b"\r\n\r\n"


def gen_gzip(rnd: random.Random) -> bytes:
    """A gzip file: of another kind's input, several members, cut, corrupt, or a small bomb."""
    inner = rnd.choice([gen_html, gen_text, gen_jsonl, gen_feed])(rnd)
    r = rnd.random()
    if r < 0.1:  # compresses ~1000:1 past the 4 MB fuzz cap
        return _bomb()
    data = gzip.compress(inner)
    if r < 0.3:
        data += gzip.compress(rnd.choice([gen_jsonl, gen_text])(rnd))  # multi-member
    elif r < 0.6:
        data = data[: rnd.randint(2, max(2, len(data)))]
    elif r < 0.7:
        k = rnd.randrange(10, max(11, len(data)))
        data = data[:k] + bytes([data[k % len(data)] ^ 0xFF]) + data[k + 1:]
    elif r < 0.8:
        data += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 64)))  # trailing garbage
    return data


@functools.lru_cache(maxsize=1)
def _bomb() -> bytes:
    return gzip.compress(b"a" * (5 * 1024 * 1024), compresslevel=1)


def gen_sniff(rnd: random.Random) -> bytes:
    prefix = rnd.choice([b"", b"", *BOMS, b"<html>", b"{", b'{"a": ', b"WARC/", b"filedesc://",
                         b"<?xml version='1.0'?>", b"<rss", b"   \n\t", b"\x1f\x8b"])
    body = rnd.choice([lambda: bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 300))),
                       lambda: gen_text(rnd)[:9000], lambda: gen_html(rnd)[:9000],
                       lambda: gen_jsonl(rnd)[:9000], lambda: b" " * rnd.randint(0, 10000)])()
    return prefix + body


# --------------------------------------------------------------------------------------------
# mutation of seeds (atheris-style)


def mutate(rnd: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """1-8 random edits of ``data``: the classic fuzzer mutations plus repeats of a chunk (the
    inputs that make a backtracking regular expression or a parser go quadratic)."""
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.random()
        pos = rnd.randint(0, len(buf))
        if op < 0.2 and buf:
            buf[min(pos, len(buf) - 1)] = rnd.randrange(256)
        elif op < 0.4:
            buf[pos:pos] = rnd.choice(TOKENS)
        elif op < 0.55 and buf:
            del buf[pos:pos + rnd.randint(1, 200)]
        elif op < 0.7 and buf:
            chunk = bytes(buf[pos:pos + rnd.randint(1, 16)]) or b"a"
            buf[pos:pos] = chunk * rnd.randint(2, 2000)
        elif op < 0.8 and corpus:
            other = rnd.choice(corpus)
            k = rnd.randint(0, len(other))
            buf[pos:] = other[k:k + rnd.randint(0, 4000)]
        elif op < 0.9:
            buf[pos:pos] = hard_text(rnd).encode("utf-8", "surrogatepass")
        else:
            del buf[rnd.randint(0, len(buf)):]
    return bytes(buf)


def mutated(kind: str) -> Callable[[random.Random], bytes]:
    corpus = seeds(kind)

    def gen(rnd: random.Random) -> bytes:
        if not corpus:
            return GENERATORS[kind](rnd)
        return mutate(rnd, rnd.choice(corpus), corpus)
    return gen


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "html": gen_html, "text": gen_text, "jsonl": gen_jsonl, "feed": gen_feed, "warc": gen_warc,
    "gzip": gen_gzip, "sniff": gen_sniff,
}


def mixed(kind: str) -> Callable[[random.Random], bytes]:
    """Half structured inputs, half mutated seeds (structured only where there are no seeds)."""
    structured, from_seeds = GENERATORS[kind], mutated(kind) if kind in (
        "html", "text", "jsonl", "feed", "warc") else None

    def gen(rnd: random.Random) -> bytes:
        if from_seeds is not None and rnd.random() < 0.5:
            return from_seeds(rnd)
        return structured(rnd)
    return gen


# --------------------------------------------------------------------------------------------
# targets: one input through one reader, and what must hold of the result


class Violation(AssertionError):
    """An input broke a contract (not a documented error): a bug to fix."""


def _check_items(items: list, allowed: tuple[type, ...]) -> None:
    for item in items:
        if not isinstance(item, allowed):
            raise Violation(f"a reader yielded {type(item).__name__}")
        if isinstance(item, Rejected) and item.reason not in REASONS:
            raise Violation(f"reject reason {item.reason!r} is not in errors.REASONS")
        if isinstance(item, Document) and not isinstance(item.content, bytes):
            raise Violation("a document's content is not bytes")
        if isinstance(item, Document) and SECRET in item.content:
            raise Violation("a local file's content reached a document (external entity)")


def run_sniff(data: bytes) -> None:
    from dyadwatch.ingest.sniff import FORMATS, SNIFF_BYTES, sniff

    try:
        fmt = sniff(data[:SNIFF_BYTES], "fuzz")
    except (EmptyInput, BinaryInput):
        return
    if fmt not in FORMATS:
        raise Violation(f"sniff gave {fmt!r}")


def run_jsonl(data: bytes) -> None:
    from dyadwatch.ingest.jsonl import read_jsonl

    items = list(read_jsonl(io.BytesIO(data), "fuzz.jsonl", FUZZ_OPTIONS.ingest.max_document_bytes))
    _check_items(items, (Document, Rejected))


def run_feed(data: bytes) -> None:
    from dyadwatch.ingest.feeds import FeedLink, read_feed

    _check_items(list(read_feed(data, "fuzz.xml")), (Document, Rejected, FeedLink))


def run_warc(data: bytes) -> None:
    from dyadwatch.ingest.warc import read_warc

    stream = io.BytesIO(data)
    _check_items(list(read_warc(stream, "fuzz.warc", FUZZ_OPTIONS.ingest.max_document_bytes)),
                 (Document, Rejected))


def run_file(data: bytes) -> None:
    """Any bytes as a file on disk, read with format sniffing (gzip, every reader)."""
    from dyadwatch.ingest import read_path

    path = _TMP / "input"
    path.write_bytes(data)
    _check_items(list(read_path(path, options=FUZZ_OPTIONS)), (Document, Rejected))


def run_html(data: bytes) -> None:
    from dyadwatch.ingest.html import extract_html

    try:
        article = extract_html(Document("fuzz.html", data, format="html"), FUZZ_OPTIONS)
    except DyadwatchError:
        return
    _check_article(article)


def run_text(data: bytes) -> None:
    from dyadwatch.ingest.text import extract_text

    try:
        article = extract_text(Document("fuzz.txt", data, format="text"), FUZZ_OPTIONS)
    except DyadwatchError:
        return
    _check_article(article)


def _check_article(article: Article) -> None:
    if not isinstance(article, Article) or not isinstance(article.text, str):
        raise Violation("extraction returned no Article")
    _check_repairs(article.text, [r for r in article.repairs if r.start >= 0])


def _check_repairs(text: str, repairs) -> None:
    for r in repairs:
        if text[r.start:r.start + len(r.after)] != r.after:
            raise Violation(f"repair {r.kind} at {r.start} does not point at {r.after!r}")


def as_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def run_repair(data: bytes) -> None:
    from dyadwatch.clean.repair import repair_text

    text, repairs = repair_text(as_text(data))
    _check_repairs(text, repairs)


def run_furniture(data: bytes) -> None:
    from dyadwatch.clean.boilerplate import remove_furniture, split_lines

    text = as_text(data)
    result = remove_furniture(text)
    lines, numbers = split_lines(text)
    seen = sorted([numbers[i] for i in result.kept] + [r.line for r in result.removals])
    if seen != numbers:
        raise Violation("the line model lost or repeated a line")
    if any(not 0.0 <= p <= 1.0 for p in result.probabilities):
        raise Violation("a line probability outside 0..1")


def run_quality(data: bytes) -> None:
    """quality.assess over a text-only article: first as extraction makes it, then raw."""
    from dyadwatch.clean.quality import assess, field_texts
    from dyadwatch.ingest.text import extract_text

    articles = []
    try:
        articles.append(extract_text(Document("fuzz.txt", data, format="text"), FUZZ_OPTIONS))
    except DyadwatchError:
        pass
    text = as_text(data)
    first, _, rest = text.partition("\n")
    articles.append(Article(doc_id="fuzz", source="fuzz", text=rest, title=first[:300]))
    for article in articles:
        flags, score = assess(None, [], [], article=article)
        if not 0.0 <= score <= 1.0:
            raise Violation(f"quality score {score}")
        fields = dict(field_texts(article))
        for f in flags:
            body = fields.get(f.field)
            if body is not None and not 0 <= f.start <= f.end <= len(body):
                raise Violation(f"flag {f.kind} span {f.start}..{f.end} outside {f.field}")


# Generated inputs are cut at this size. The floor of 2 s an input is about pathological inputs
# (backtracking, quadratic loops), not size: every stage's cost grows with the input, about 1.3 s
# a megabyte of plain text through extraction (bench/fuzz_readers.py --scaling measures it), and
# 256 KiB is several times the text of a long article.
MAX_INPUT_BYTES = 256 * 1024


def capped(gen: Callable[[random.Random], bytes]) -> Callable[[random.Random], bytes]:
    return lambda rnd: gen(rnd)[:MAX_INPUT_BYTES]


TARGETS: dict[str, tuple[Callable[[random.Random], bytes], Callable[[bytes], None]]] = {
    "sniff": (capped(GENERATORS["sniff"]), run_sniff),
    "jsonl": (capped(mixed("jsonl")), run_jsonl),
    "feed": (capped(mixed("feed")), run_feed),
    "warc": (capped(mixed("warc")), run_warc),
    "gzip": (capped(GENERATORS["gzip"]), run_file),
    "file": (capped(lambda rnd: rnd.choice(list(GENERATORS.values()))(rnd)), run_file),
    "html": (capped(mixed("html")), run_html),
    "text": (capped(mixed("text")), run_text),
    "repair": (capped(mixed("text")), run_repair),
    "furniture": (capped(mixed("text")), run_furniture),
    "quality": (capped(mixed("text")), run_quality),
}


def warm_up() -> None:
    """Load models and data files before anything is timed."""
    from dyadwatch.ingest.text import warm_up as text_warm_up

    text_warm_up()
    for name in ("html", "text", "repair", "quality", "feed", "warc", "jsonl"):
        TARGETS[name][1](TARGETS[name][0](random.Random(0)))
