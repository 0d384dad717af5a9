"""Readers: sniffing, directories, gzip, JSONL, feeds, WARC, and bad input."""

from __future__ import annotations

import gzip
import io
import json
import os
import time

import pytest

from dyadwatch.config import Options
from dyadwatch.errors import BinaryInput, EmptyInput
from dyadwatch.ingest import iter_documents, read_path
from dyadwatch.ingest.sniff import sniff
from dyadwatch.model import Document, Rejected
from tests import HANG_SECONDS

HTML = b"<!DOCTYPE html><html><head><title>T</title></head><body><p>Hello</p></body></html>"
TEXT = "Home » world\n\nA headline\n\nThe ministers met on Tuesday in Geneva.\n".encode()
ARTICLE = ("<p>" + "Diplomats from both countries met for talks on trade and security. " * 12
           + "</p>")


def docs(items):
    return [i for i in items if isinstance(i, Document)]


def rejects(items):
    return [i for i in items if isinstance(i, Rejected)]


@pytest.mark.parametrize("data,expected", [
    (HTML, "html"),
    (b"\xef\xbb\xbf<html><body>x</body></html>", "html"),
    (TEXT, "text"),
    (b'{"text": "a", "url": "u"}\n{"text": "b"}\n', "jsonl"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "feed"),
    (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', "feed"),
    (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "warc"),
    (b"{not json at all, just a brace", "text"),
])
def test_sniff(data, expected):
    assert sniff(data, "x") == expected


def test_sniff_rejects_empty_and_binary():
    with pytest.raises(EmptyInput):
        sniff(b"  \n\t ", "empty.txt")
    with pytest.raises(BinaryInput) as err:
        sniff(bytes(range(256)) * 4, "blob.bin")
    assert "blob.bin" in str(err.value)


def test_directory_is_read_recursively_and_bad_files_are_rejected(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "page.html").write_bytes(HTML)
    (tmp_path / "a" / "b" / "noext").write_bytes(TEXT)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / ".hidden").write_bytes(TEXT)
    items = list(read_path(tmp_path))
    assert sorted(d.format for d in docs(items)) == ["html", "text"]
    reasons = {os.path.basename(r.source): r.reason for r in rejects(items)}
    assert reasons == {"empty.txt": "empty", "img.png": "binary"}
    assert all(r.source in r.message for r in rejects(items))


def test_format_override(tmp_path):
    p = tmp_path / "page.html"
    p.write_bytes(HTML)
    assert docs(read_path(p, format="text"))[0].format == "text"


def test_jsonl_bad_lines_are_rejected_and_others_kept(tmp_path):
    lines = [json.dumps({"text": "first article", "url": "https://a.example/1",
                         "published": "2026-01-07", "source": "A"}),
             "{this is not json",
             json.dumps({"url": "https://a.example/3"}),
             json.dumps({"html": "<p>second</p>", "published": "2026-01-08T10:00:00Z"}),
             json.dumps([1, 2])]
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(lines) + "\n")
    items = list(read_path(p))
    good = docs(items)
    assert [d.format for d in good] == ["text", "html"]
    assert good[0].url == "https://a.example/1" and good[0].source_name == "A"
    assert str(good[0].published) == "2026-01-07" and str(good[1].published) == "2026-01-08"
    bad = rejects(items)
    assert [r.source.rsplit("#", 1)[1] for r in bad] == ["L2", "L3", "L5"]
    assert all(r.reason == "bad_record" for r in bad)


def test_gzip_jsonl_and_truncated_gzip(tmp_path):
    import random

    rng = random.Random(7)  # incompressible enough that half the file holds whole records
    words = [f"w{rng.randrange(10**6)}" for _ in range(20000)]
    body = "".join(json.dumps({"text": " ".join(words[i * 100:(i + 1) * 100])}) + "\n"
                   for i in range(200))
    whole = gzip.compress(body.encode())
    (tmp_path / "ok.jsonl.gz").write_bytes(whole)
    assert len(docs(read_path(tmp_path / "ok.jsonl.gz"))) == 200
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    items = list(read_path(tmp_path / "cut.jsonl.gz"))
    assert 0 < len(docs(items)) < 200
    assert [r.reason for r in rejects(items)] == ["corrupt_archive"]


def test_gzip_single_document_and_bomb_cap(tmp_path):
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(HTML))
    assert docs(read_path(tmp_path / "page.html.gz"))[0].format == "html"
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * (3 * 1024 * 1024)))
    opts = Options()
    opts.ingest.max_decompressed_bytes = 1024 * 1024
    opts.ingest.max_document_bytes = 10 * 1024 * 1024
    assert [r.reason for r in rejects(read_path(tmp_path / "bomb.txt.gz", options=opts))] == ["too_large"]


def test_huge_file_is_rejected_without_reading_it(tmp_path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as f:
        f.write(b"A line of text.\n" * 1024)  # real text where the sniffer looks
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper
    start = time.perf_counter()
    items = list(read_path(p))
    assert time.perf_counter() - start < HANG_SECONDS
    assert [r.reason for r in rejects(items)] == ["too_large"]
    assert "huge.txt" in items[0].message


def test_missing_path(tmp_path):
    assert [r.reason for r in rejects(read_path(tmp_path / "nope.html"))] == ["not_found"]


def _rss(entries: list[str]) -> bytes:
    return ('<?xml version="1.0"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            "<title>Wire</title>" + "".join(entries) + "</channel></rss>").encode()


def test_feed_entries_with_content_become_documents(tmp_path):
    entry = ("<item><title>Talks</title><link>https://news.example/a</link>"
             "<pubDate>Wed, 07 Jan 2026 10:00:00 GMT</pubDate>"
             f"<content:encoded><![CDATA[{ARTICLE}]]></content:encoded></item>")
    p = tmp_path / "feed.xml"
    p.write_bytes(_rss([entry, entry.replace("/a<", "/b<")]))
    got = docs(read_path(p))
    assert len(got) == 2 and got[0].url == "https://news.example/a"
    assert str(got[0].published) == "2026-01-07" and got[0].source_name == "Wire"
    assert b"<title>Talks</title>" in got[0].content


def test_atom_feed(tmp_path):
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom Wire</title><entry><title>Visit</title>"
            '<link href="https://news.example/v"/><updated>2025-10-02T08:00:00Z</updated>'
            f'<content type="html"><![CDATA[{ARTICLE}]]></content></entry></feed>')
    p = tmp_path / "atom"
    p.write_text(atom)
    got = docs(read_path(p))
    assert len(got) == 1 and str(got[0].published) == "2025-10-02"


def test_warc_records_and_truncated_warc(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record("t.warc.gz", {"software": "test"}))
    for i in range(5):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"https://news.example/{i}", "response", payload=io.BytesIO(HTML.replace(b"Hello", b"N%d" % i)),
            http_headers=headers))
    image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://news.example/i.png", "response",
                                                  payload=io.BytesIO(b"\x89PNG"), http_headers=image))
    data = buf.getvalue()
    (tmp_path / "a.warc.gz").write_bytes(data)
    got = list(read_path(tmp_path / "a.warc.gz"))
    assert [d.url for d in docs(got)] == [f"https://news.example/{i}" for i in range(5)]
    assert not rejects(got)
    (tmp_path / "cut.warc.gz").write_bytes(data[: int(len(data) * 0.6)])
    cut = list(read_path(tmp_path / "cut.warc.gz"))
    assert 1 <= len(docs(cut)) < 5
    assert [r.reason for r in rejects(cut)] == ["corrupt_archive"]


def test_unknown_format_is_a_clear_error():
    from dyadwatch.errors import UnsupportedFormat

    with pytest.raises(UnsupportedFormat):
        list(iter_documents(["x"], format="pdf"))


def test_feed_with_an_out_of_range_character_reference_keeps_its_entries(tmp_path):
    # not well-formed (a bare "&"), so feedparser's loose parser reads it: the reference past
    # sys.maxsize raised OverflowError there and lost the whole feed (found by bench/fuzz_readers)
    entry = ("<item><title>Talks &#99999999999999999999; & more &#x41;&#00000066;</title>"
             "<link>https://news.example/a</link>"
             f"<description><![CDATA[{ARTICLE}]]></description></item>")
    p = tmp_path / "feed.xml"
    p.write_bytes(_rss([entry]))
    got = docs(read_path(p))
    assert len(got) == 1 and got[0].url == "https://news.example/a"
    assert "AB" in got[0].content.decode("utf-8", "replace")


def test_feed_shapes_that_make_feedparser_slow_are_defused(tmp_path):
    from dyadwatch.ingest.feeds import AUTHOR_RUN, defuse

    entry = ("<item><title>Talks</title><link>https://news.example/a</link>"
             f"<dc:creator>Rebecca {'Lindqvist' * 3000}</dc:creator>"
             f"<content:encoded><![CDATA[{ARTICLE}]]></content:encoded></item>")
    feed = _rss([entry]).replace(b"<rss", b"\n" * 30000 + b"<rss", 1).replace(
        b"<rss ", b'<rss xmlns:dc="http://purl.org/dc/elements/1.1/" ', 1)
    out = defuse(feed)
    assert b"\n" * 300 not in out  # blank lines of the prolog collapsed
    creator = out.split(b"<dc:creator>")[1].split(b"</dc:creator>")[0]
    assert len(creator) == AUTHOR_RUN and creator.startswith(b"Rebecca Lindqvist")
    normal = _rss([entry.replace("Lindqvist" * 3000, "Lindqvist")])
    assert defuse(normal) == normal  # ordinary feeds pass unchanged
    from dyadwatch.ingest.feeds import read_feed

    got = docs(read_feed(feed, "feed.xml"))
    assert len(got) == 1 and got[0].url == "https://news.example/a"


def test_jsonl_with_a_bad_first_line_is_read_as_jsonl(tmp_path):
    good = json.dumps({"text": "Ministers met in Lima on Monday to discuss the border.", "url": "u2"})
    body = b'{"text": "broken, "url": 1}\n' + good.encode() + b"\n" + good.replace("u2", "u3").encode() + b"\n"
    named = tmp_path / "feed.jsonl"
    named.write_bytes(body)
    unnamed = tmp_path / "feed.dat"
    unnamed.write_bytes(body)
    for path in (named, unnamed):
        items = list(read_path(path))
        assert [r.reason for r in rejects(items)] == ["bad_record"], path
        assert len(docs(items)) == 2, path
    # text that merely starts with a brace is still text
    assert sniff(b"{Editor's note} The minister spoke.\nMore text follows here.\n", "a.txt") == "text"
