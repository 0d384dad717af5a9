"""The bundled sample corpus (sample/) is well-formed and holds what sample/README.md says.

These tests check the corpus, not the pipeline: pages parse, feeds carry whole articles, the JSONL
file has exactly its two intended bad lines, the WARC holds the build sources and rebuilds to the
same bytes, reading the whole corpus gives the intended documents and rejects, no article is
present twice by accident, and full dates name the right weekday.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import itertools
import json
import re
import zlib
from functools import lru_cache
from pathlib import Path

import feedparser
import lxml.html
import pytest

from dyadwatch.ingest import iter_documents
from dyadwatch.ingest.feeds import MIN_ARTICLE_CHARS
from dyadwatch.ingest.jsonl import read_jsonl
from dyadwatch.ingest.sniff import sniff
from dyadwatch.model import Document, Rejected

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample"
CORPUS = SAMPLE / "corpus"
SHARED = ROOT / ".." / "shared"
SEED = SHARED / "seeds" / "000_031bfc0b6110e641.txt"

FIRST_DAY, LAST_DAY = dt.date(2025, 1, 1), dt.date(2026, 10, 31)
WIRE = CORPUS / "jsonl" / "wire-feed.jsonl"
WARC = CORPUS / "archives" / "sample-crawl-2026-01.warc.gz"
EXACT_DUPLICATE = ("html/meridianpost-2026-01-08-trump-invites-petro.html",
                   "archives/sample-crawl-2026-01.warc.gz#2")
SYNDICATED = ("html/atlaswire-2025-10-24-us-sanctions-petro.html", "jsonl/wire-feed.jsonl#L1")
SPANISH = "text/more/2025/observadorandino-2025-09-16-descertificacion-colombia.txt"

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WD, _MO = "|".join(WEEKDAYS), "|".join(MONTHS)
# "Monday, May 19, 2025" and "Monday 20 October 2025": the two ways our outlets write a full date.
FULL_DATE_RES = (re.compile(rf"\b({_WD}),? ({_MO}) (\d{{1,2}}),? (\d{{4}})\b"),
                 re.compile(rf"\b({_WD}),? (\d{{1,2}}) ({_MO}),? (\d{{4}})\b"))


def _relative(path: Path | str) -> str:
    return str(Path(path).relative_to(CORPUS)) if Path(path).is_absolute() else str(path)


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def _html_pages() -> list[Path]:
    """Every full page: those ingested as files and those only in the WARC."""
    return sorted((CORPUS / "html").iterdir()) + sorted((SAMPLE / "build" / "warc").glob("*.html"))


def _build_module():
    spec = importlib.util.spec_from_file_location("sample_build_archives", SAMPLE / "build_archives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def _read_corpus() -> tuple[list[Document], list[Rejected]]:
    docs, rejects = [], []
    for item in iter_documents([str(CORPUS)]):
        (rejects if isinstance(item, Rejected) else docs).append(item)
    return docs, rejects


def _key(source: str) -> str:
    return str(Path(source).relative_to(CORPUS)) if source.startswith(str(CORPUS)) else source


@lru_cache(maxsize=1)
def _article_texts() -> dict[str, str]:
    """Main text of every document, keyed by its source relative to corpus/ (HTML through
    trafilatura, so that an outlet's shared furniture does not count as shared text)."""
    import trafilatura

    texts = {}
    for doc in _read_corpus()[0]:
        raw = doc.content.decode("utf-8")
        if doc.format == "html":
            raw = trafilatura.extract(raw, include_tables=False, include_comments=False) or ""
        texts[_key(doc.source)] = raw
    return texts


def _story_words(text: str) -> list[str]:
    """Words of the paragraphs of a text (lines of 12 words or more: furniture lines are short)."""
    lines = [line for line in text.splitlines() if len(line.split()) >= 12]
    return " ".join(lines).split()


def _shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


# --- layout -----------------------------------------------------------------------------------

def test_corpus_has_every_format_in_its_place():
    by_dir: dict[str, list[str]] = {}
    for p in _corpus_files():
        by_dir.setdefault(p.relative_to(CORPUS).parts[0], []).append(p.relative_to(CORPUS).as_posix())
    assert sorted(by_dir) == ["archives", "bad", "feeds", "html", "jsonl", "text"]
    html = by_dir["html"]
    assert len(html) == 12 and sum(1 for f in html if f.endswith(".html")) == 11
    assert [f for f in html if not Path(f).suffix] == ["html/saved-page-china-japan-travel-warning"]
    text = by_dir["text"]
    assert len(text) == 9 and all(f.endswith(".txt") for f in text)
    assert sum(1 for f in text if f.startswith("text/more/2025/")) == 2  # recursive reading
    assert by_dir["jsonl"] == ["jsonl/wire-feed.jsonl"]
    assert sorted(by_dir["feeds"]) == ["feeds/meridianpost-world.rss", "feeds/pacificledger.atom"]
    assert sorted(by_dir["archives"]) == ["archives/caribbean-courier-2025.jsonl.gz",
                                          "archives/sample-crawl-2026-01.warc.gz"]
    assert sorted(by_dir["bad"]) == ["bad/IMG_0412.jpg", "bad/empty.txt", "bad/export-truncated.jsonl.gz"]


def test_page_without_extension_is_sniffed_as_html():
    page = CORPUS / "html" / "saved-page-china-japan-travel-warning"
    assert page.suffix == ""
    assert sniff(page.read_bytes()[:8192], str(page)) == "html"


# --- HTML ---------------------------------------------------------------------------------------

def _meta(root, prop: str) -> str:
    values = root.xpath(f'//meta[@property="{prop}" or @name="{prop}"]/@content')
    return values[0] if values else ""


def _json_ld(root) -> list[dict]:
    return [json.loads(s.text) for s in root.xpath('//script[@type="application/ld+json"]')]


def _published(root) -> dt.date:
    value = _meta(root, "article:published_time")
    if not value:
        value = next(d["datePublished"] for d in _json_ld(root) if d.get("@type") == "NewsArticle")
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()


@pytest.mark.parametrize("page", _html_pages(), ids=lambda p: p.name)
def test_html_page_is_a_full_news_page(page: Path):
    root = lxml.html.fromstring(page.read_bytes())
    assert root.findtext(".//title").strip()
    assert _meta(root, "og:title") and _meta(root, "og:site_name")
    assert FIRST_DAY <= _published(root) <= LAST_DAY
    assert root.xpath("//nav") or root.xpath('//*[contains(@class, "menu")]'), "no navigation bar"
    assert root.xpath("//footer") or root.xpath('//*[@class="footer"]'), "no footer"
    assert root.xpath('//*[contains(translate(text(), "SHARE", "share"), "share") or contains(@class, "share") '
                      'or contains(@class, "social")]'), "no share buttons"
    assert root.xpath('//*[contains(@class, "cookie") or contains(@class, "consent") or contains(@class, "gdpr") '
                      'or contains(@id, "cookie")]'), "no cookie banner"
    figure = root.xpath("//figure")[0]
    assert figure.xpath(".//img/@src")
    caption = figure.xpath("string(.//figcaption)")
    assert re.search(r"Photo: [A-ZÀ-Ý][\w .'-]+/[A-Za-z][\w-]+", caption), caption


def test_html_outlets_vary_their_markup():
    roots = [lxml.html.fromstring(p.read_bytes()) for p in _html_pages()]
    assert len({_meta(r, "og:site_name") for r in roots}) >= 4
    assert any(_json_ld(r) and not _meta(r, "article:published_time") for r in roots), \
        "some page must carry its date only in JSON-LD"
    assert sum(1 for r in roots if r.xpath("//table")) >= 2


# --- plain text ---------------------------------------------------------------------------------

def _furniture(lines: list[str]) -> dict[str, bool]:
    return {
        "breadcrumb": bool(re.match(r"(Home|Inicio) » ", lines[0])),
        "repeated title": lines[0].rsplit(" » ", 1)[-1] == lines[1],
        "byline": any(re.fullmatch(r"(by|por) [^-]+ - .+", line) for line in lines[:4]),
        "dateline": any(re.match(r"[A-ZÀ-Ý][\w ]+ — ", line) for line in lines),
        "comment prompt": any(line in ("Leave a Comment", "Deja un comentario") for line in lines),
        "share prompt": any(line.lower().startswith(("share", "compartir")) for line in lines),
    }


@pytest.mark.parametrize("page", sorted((CORPUS / "text").rglob("*.txt")), ids=lambda p: p.name)
def test_text_page_carries_site_furniture(page: Path):
    lines = [line.strip() for line in page.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [name for name, present in _furniture(lines).items() if not present]
    assert not missing, f"{page.name} lacks {missing}"


def _has_photo_credit(lines: list[str]) -> bool:
    """A line "PHOTO NAME, AGENCY" followed by a caption line."""
    credit = re.compile(r"(PHOTO|FOTO) [A-ZÀ-Ý .'-]+, [A-Z][A-Za-z ]+")
    return any(credit.fullmatch(line) and len(following.split()) > 4
               for line, following in zip(lines, lines[1:]))


def test_text_pages_include_photo_credits_a_key_facts_table_and_broken_spacing():
    texts = {p.name: p.read_text(encoding="utf-8") for p in (CORPUS / "text").rglob("*.txt")}
    with_credit = [n for n, t in texts.items()
                   if _has_photo_credit([line.strip() for line in t.splitlines() if line.strip()])]
    assert len(with_credit) >= 3, with_credit
    assert sum(1 for t in texts.values() if "\nKey Facts\n\nAspect Details\n" in t) >= 2
    broken = [n for n, t in texts.items() if len(re.findall(r"[a-z)]\.[A-Z][a-z]", t)) >= 3
              and re.search(r"\bwashington\b", t)]
    assert broken == ["latamdailybrief-2026-01-05-trump-colombia-operation.txt"]


# --- feeds --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,version", [("meridianpost-world.rss", "rss20"), ("pacificledger.atom", "atom10")])
def test_feed_entries_carry_the_whole_article(name: str, version: str):
    parsed = feedparser.parse((CORPUS / "feeds" / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version and parsed.feed.title
    assert len(parsed.entries) == 3
    for entry in parsed.entries:
        body = max((c.value for c in entry.get("content", [])), key=len, default="")
        assert len(re.sub(r"<[^>]+>", "", body)) >= MIN_ARTICLE_CHARS, entry.title  # not link-only
        assert entry.link.startswith("https://") and entry.get("author")
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        assert FIRST_DAY <= dt.date(*stamp[:3]) <= LAST_DAY


# --- JSONL --------------------------------------------------------------------------------------

def test_jsonl_has_exactly_the_two_intended_bad_lines():
    lines = WIRE.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 7
    for number, line in enumerate(lines, 1):
        if number == 3:
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
            continue
        record = json.loads(line)
        if number == 6:
            assert "text" not in record and "html" not in record
            continue
        assert ("text" in record) != ("html" in record), f"line {number}: exactly one of text/html"
        assert record["url"].startswith("https://") and record["source"]
        assert FIRST_DAY <= dt.date.fromisoformat(record["published"][:10]) <= LAST_DAY
    items = list(read_jsonl(WIRE.open("rb"), str(WIRE), 1 << 20))
    rejected = {_key(i.source): i.reason for i in items if isinstance(i, Rejected)}
    assert rejected == {"jsonl/wire-feed.jsonl#L3": "bad_record", "jsonl/wire-feed.jsonl#L6": "bad_record"}
    assert sorted(d.format for d in items if isinstance(d, Document)) == ["html", "html", "text", "text", "text"]


# --- archives -----------------------------------------------------------------------------------

def test_warc_records_match_their_build_sources():
    from warcio.archiveiterator import ArchiveIterator

    manifest = _build_module().load_manifest()
    with WARC.open("rb") as stream:
        records = [(r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(stream)]
    assert [r[0] for r in records] == ["warcinfo"] + ["response", "request"] * len(manifest["records"])
    assert b"isPartOf: dyadwatch-sample-crawl-2026-01" in records[0][2]
    for number, page in enumerate(manifest["records"]):
        (_, response, body), (_, request, _) = records[1 + 2 * number], records[2 + 2 * number]
        assert body == (SAMPLE / page["path"]).read_bytes()
        assert response.get_header("WARC-Target-URI") == page["url"] == request.get_header("WARC-Target-URI")
        assert response.get_header("WARC-Date") == page["date"]
        assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")


def test_jsonl_gz_holds_its_build_source():
    source = SAMPLE / "build" / "jsonl" / "caribbean-courier-archive.jsonl"
    packed = (CORPUS / "archives" / "caribbean-courier-2025.jsonl.gz").read_bytes()
    assert gzip.decompress(packed) == source.read_bytes()
    assert packed[4:8] == b"\0\0\0\0", "the gzip header must carry no time stamp"


def test_archives_rebuild_to_the_committed_bytes():
    module = _build_module()
    manifest = module.load_manifest()
    first, second = module.build(manifest), module.build(manifest)
    assert first == second, "two builds in a row differ: something non-deterministic crept in"
    for relative, data in first.items():
        committed = (SAMPLE / relative).read_bytes()
        assert _gunzip_members(data) == _gunzip_members(committed), f"{relative}: content differs; rerun build_archives.py"
        if zlib.ZLIB_RUNTIME_VERSION == manifest["zlib_version"]:
            assert data == committed, f"{relative}: bytes differ; rerun sample/build_archives.py"


def _gunzip_members(data: bytes) -> bytes:
    """All members of a (multi-member) gzip stream, decompressed."""
    out, rest = [], data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(rest))
        rest = d.unused_data
    return b"".join(out)


# --- the corpus as the demo reads it -----------------------------------------------------------

def test_reading_the_corpus_gives_the_intended_documents_and_rejects():
    docs, rejects = _read_corpus()
    assert len(docs) == 37  # 36 articles + the HTML page stored again in the WARC
    assert sorted((_key(r.source), r.reason) for r in rejects) == [
        ("bad/IMG_0412.jpg", "binary"), ("bad/empty.txt", "empty"),
        ("bad/export-truncated.jsonl.gz", "corrupt_archive"),
        ("jsonl/wire-feed.jsonl#L3", "bad_record"), ("jsonl/wire-feed.jsonl#L6", "bad_record")]


def test_the_exact_duplicate_is_byte_identical():
    docs = {_key(d.source): d for d in _read_corpus()[0]}
    html, warc = EXACT_DUPLICATE
    assert docs[html].content == docs[warc].content


def test_no_article_is_present_twice_by_accident():
    """Only the intended pairs share much text (8-word shingles, Jaccard); others share almost
    nothing, even articles about the same events."""
    shingles = {k: _shingles(t) for k, t in _article_texts().items()}
    assert all(shingles.values()), [k for k, s in shingles.items() if not s]
    similar = {}
    for (a, sa), (b, sb) in itertools.combinations(sorted(shingles.items()), 2):
        jaccard = len(sa & sb) / len(sa | sb)
        # 0.3: the syndicated copy scores far above it, the three-outlet story's rewrite far below
        if jaccard > 0.3:
            similar[tuple(sorted((a, b)))] = round(jaccard, 2)
    assert set(similar) == {tuple(sorted(EXACT_DUPLICATE)), tuple(sorted(SYNDICATED))}, similar


def test_articles_are_short_news_items():
    for key, text in _article_texts().items():
        words = len(_story_words(text))
        assert 150 <= words <= 450, f"{key}: {words} words"


def test_full_dates_name_the_right_weekday():
    checked = 0
    for path in _corpus_files() + _html_pages():
        if path.suffix in (".gz", ".jpg"):
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        for regex in FULL_DATE_RES:
            for match in regex.finditer(text):
                weekday, a, b, year = match.groups()
                month, day = (a, b) if a in MONTHS else (b, a)
                date = dt.date(int(year), MONTHS.index(month) + 1, int(day))
                assert WEEKDAYS[date.weekday()] == weekday, f"{path.name}: {match.group(0)} is a {date:%A}"
                checked += 1
    assert checked >= 5  # the check must have something to check


def test_exactly_one_article_is_in_spanish():
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0  # langdetect is random unless seeded
    languages = {k: detect(t) for k, t in _article_texts().items()}
    assert {k for k, lang in languages.items() if lang != "en"} == {SPANISH}
    assert languages[SPANISH] == "es"


def test_exactly_one_content_farm_page_with_its_tell_tale_signs():
    signs = ("as of my last update", "i'm sorry, but i can't", "why this matters — evergreen context",
             "what readers should consider next", "former russian president vladimir putin")
    farms = [k for k, t in _article_texts().items() if any(s in t.lower() for s in signs)]
    assert farms == ["text/newspulsehub-2025-08-16-trump-putin-alaska.txt"]
    text = (CORPUS / farms[0]).read_text(encoding="utf-8").lower()
    assert all(s in text for s in signs)


def test_content_farm_page_is_not_a_copy_of_the_seed():
    if not SEED.is_file():
        pytest.skip(f"the seed page {SEED} is absent (../shared/ is not beside the clone)")
    seed = _shingles(SEED.read_text(encoding="utf-8"))
    for key, text in _article_texts().items():
        own = _shingles(text)
        shared = len(own & seed) / len(own)
        # Stock furniture (a WordPress ad-block plea) may match; a copy would share most of its text.
        assert shared <= 0.05, f"{key} shares {shared:.0%} of its 8-word runs with the seed page"


# --- documentation ------------------------------------------------------------------------------

def test_readme_documents_every_corpus_file_and_names_only_real_ones():
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:html|text|jsonl|feeds|archives|bad)/[^`\s]*[^`\s/])`", readme))
    files = {p.relative_to(CORPUS).as_posix() for p in _corpus_files()}
    assert files - named == set(), "corpus files missing from sample/README.md"
    assert named - files == set(), "sample/README.md names files that do not exist"
    assert "CC0" in readme and "written by" in readme.lower()
