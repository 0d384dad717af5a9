"""Property-based tests of every reader and of the text cleaner on hostile input.

For any input: no exception but the documented ones (``DyadwatchError``; readers yield
``Rejected`` records instead), results that keep their contracts (reject reasons from the
catalogue, every line of a page kept or removed once, repairs and flags pointing at their text)
and no input slower than 2 s (the issue's floor; hypothesis's ``deadline``). The generators are
shared with ``bench/fuzz_readers.py``, which runs 100,000 inputs per reader; here each test draws a
modest number so that the suite stays fast. In CI (``CI`` set) generation is derandomized, so a
run is reproducible; locally each run explores new inputs.

The regression tests at the end hold the inputs the fuzzing found.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzz_inputs as fz
from tests import HANG_SECONDS

# A hang guard per example (hypothesis replays a slow one to be sure it is not a one-off pause).
# The floor, no input slower than 2 s, is measured by bench/fuzz_readers.py on an idle
# machine: a test run shares its cores with whatever else the machine does.
DEADLINE = dt.timedelta(seconds=10)


def fuzz(examples: int):
    return settings(max_examples=examples, deadline=DEADLINE, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    database=None)


@pytest.fixture(scope="module", autouse=True)
def _warm():
    fz.warm_up()  # models and data files load once, outside the timed examples


def check(target: str, rnd) -> None:
    generate, run = fz.TARGETS[target]
    run(generate(rnd))


# --- every reader and the cleaner, on generated and mutated inputs -----------------------------


@fuzz(300)
@given(st.randoms(use_true_random=False))
def test_sniff(rnd):
    check("sniff", rnd)


@fuzz(200)
@given(st.binary(max_size=4096))
def test_sniff_any_bytes(data):
    fz.run_sniff(data)


@fuzz(150)
@given(st.randoms(use_true_random=False))
def test_jsonl_reader(rnd):
    check("jsonl", rnd)


@fuzz(60)
@given(st.randoms(use_true_random=False))
def test_feed_reader(rnd):
    check("feed", rnd)


@fuzz(100)
@given(st.randoms(use_true_random=False))
def test_warc_reader(rnd):
    check("warc", rnd)


@fuzz(50)
@given(st.randoms(use_true_random=False))
def test_gzip_files(rnd):
    check("gzip", rnd)


@fuzz(60)
@given(st.one_of(st.binary(max_size=2048), st.text(max_size=2048).map(str.encode)))
def test_any_file(data):
    fz.run_file(data)


@fuzz(40)
@given(st.randoms(use_true_random=False))
def test_extract_html(rnd):
    check("html", rnd)


@fuzz(40)
@given(st.randoms(use_true_random=False))
def test_extract_text(rnd):
    check("text", rnd)


@fuzz(60)
@given(st.one_of(st.text(max_size=3000), st.randoms(use_true_random=False).map(
    lambda rnd: fz.as_text(fz.TARGETS["repair"][0](rnd)))))
def test_repair_text(text):
    fz.run_repair(text.encode("utf-8", "surrogatepass"))


@fuzz(40)
@given(st.randoms(use_true_random=False))
def test_remove_furniture(rnd):
    check("furniture", rnd)


@fuzz(25)
@given(st.randoms(use_true_random=False))
def test_quality_on_text_only_articles(rnd):
    check("quality", rnd)


# --- the inputs fuzzing found, and the classic attacks ------------------------------------------


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def test_json_nested_past_the_recursion_limit_is_a_bad_record():
    from dyadwatch.ingest.jsonl import read_jsonl
    from dyadwatch.ingest.sniff import sniff

    line = b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    items = list(read_jsonl([line, b'{"text": "fine"}'], "deep.jsonl", 10**7))
    assert [getattr(i, "reason", "doc") for i in items] == ["bad_record", "doc"]
    assert sniff(line[:8192] + b"}", "deep") in ("jsonl", "text")


def test_feed_with_an_undecodable_encoding_name_is_rejected():
    from dyadwatch.ingest.feeds import read_feed

    data = b'<?xml version="1.0" encoding="utf-\xd4"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>'
    assert [i.reason for i in read_feed(data, "bad.xml")] == ["bad_record"]


def test_html_with_control_characters_in_the_headline():
    fz.run_html(b"<html><body><h1>Talks\x0bin\x01Geneva</h1><p>" + b"The envoys met. " * 20
                + b"</p></body></html>")


def test_mojibake_in_a_long_paragraph_is_repaired_in_linear_time():
    from dyadwatch.clean.repair import repair_text

    para = ("The minister\u00e2\u20ac\u2122s envoy met his counterpart. " * 2500).strip()
    (text, repairs), seconds = _timed(repair_text, para)
    assert seconds < HANG_SECONDS, f"{seconds:.1f} s for {len(para):,} characters"
    assert "\u2019" in text and repairs
    fz._check_repairs(text, repairs)


def test_one_pattern_matching_everywhere_gives_one_flag_quickly():
    from dyadwatch.clean.quality import pattern_flags
    from dyadwatch.model import Article

    article = Article(doc_id="x", source="x", text="&amp; " * 200_000)
    flags, seconds = _timed(pattern_flags, article)
    assert seconds < HANG_SECONDS
    assert [f.kind for f in flags] == ["markup_leftover"]


def test_feed_entities_expand_neither_files_nor_exponentially():
    from dyadwatch.ingest.feeds import read_feed

    laughs = ("<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a 'xxxxxxxxxx'>"
              + "".join(f"<!ENTITY {c} '{('&' + p + ';') * 10}'>" for p, c in zip("abcdefgh", "bcdefghi"))
              + "]><rss version='2.0'><channel><title>&i;</title><item><title>t</title>"
              "<description>&i;</description></item></channel></rss>").encode()
    items, seconds = _timed(lambda: list(read_feed(laughs, "laughs.xml")), )
    assert seconds < HANG_SECONDS and all(len(getattr(i, "content", b"")) < 10**6 for i in items)
    xxe = (f"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x SYSTEM '{fz.SECRET_FILE.as_uri()}'>]>"
           "<rss version='2.0'><channel><title>W</title><item><title>&x;</title><description>&x;"
           + "long text " * 80 + "</description></item></channel></rss>").encode()
    fz._check_items(list(read_feed(xxe, "xxe.xml")), (fz.Document, fz.Rejected, object))


def test_gzip_bomb_inside_a_jsonl_archive_is_capped(tmp_path):
    from dyadwatch.ingest import read_path

    line = json.dumps({"text": "a" * (3 * 1024 * 1024)}).encode() + b"\n"
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(line * 2))  # 6 MB of records in a few KB
    items = list(read_path(path, options=fz.FUZZ_OPTIONS))
    assert {getattr(i, "reason", "") for i in items} == {"too_large"}


def test_html_nested_far_past_the_parser_limit_is_refused_quickly():
    from dyadwatch.errors import InputError
    from dyadwatch.ingest.html import extract_html

    doc = fz.Document("deep.html", b"<div>" * 100_000 + b"text", format="html")
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        extract_html(doc, fz.FUZZ_OPTIONS)
    assert err.value.reason == "too_deep" and time.perf_counter() - start < HANG_SECONDS
