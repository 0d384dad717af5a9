"""Relative and explicit dates resolved against a reference date, with precision."""

from __future__ import annotations

import datetime as dt

import pytest

from dyadwatch.model import Article, Table
from dyadwatch.nlp.dates import compatible, document_reference_date, full_dates, resolve_date, to_date

REF = dt.date(2026, 1, 9)  # a Friday


@pytest.mark.parametrize("text, expected", [
    ("on Wednesday", ("2026-01-07", "day")),          # the Wednesday before a Friday
    ("Friday", ("2026-01-09", "day")),                # the reference day itself
    ("last Friday", ("2026-01-02", "day")),
    ("next Monday", ("2026-01-12", "day")),
    ("yesterday", ("2026-01-08", "day")),
    ("two days ago", ("2026-01-07", "day")),
    ("last year", ("2025", "year")),
    ("this year", ("2026", "year")),
    ("in 2025", ("2025", "year")),
    ("(2025)", ("2025", "year")),
    ("January 7, 2026", ("2026-01-07", "day")),
    ("7 January 2026", ("2026-01-07", "day")),
    ("Wednesday, January 7, 2026", ("2026-01-07", "day")),
    ("2026-01-03", ("2026-01-03", "day")),
    ("Jan. 5", ("2026-01-05", "day")),
    ("in May 2024", ("2024-05", "month")),
    ("last month", ("2025-12", "month")),
    ("in November", ("2025-11", "month")),           # news past tense: the November before
    ("next week", ("2026-01-12", "week")),
])
def test_resolve(text, expected):
    assert resolve_date(text, REF) == expected


@pytest.mark.parametrize("text", ["recent months", "the near future", "may", "the 1990s", "", "x" * 500])
def test_unknown_is_none(text):
    assert resolve_date(text, REF) is None


def test_relative_dates_need_a_reference_but_explicit_ones_do_not():
    assert resolve_date("on Wednesday", None) is None
    assert resolve_date("January 7, 2026", None) == ("2026-01-07", "day")
    assert resolve_date("in 2025", None) == ("2025", "year")


def test_weekday_on_the_reference_day_and_before():
    wed = dt.date(2026, 1, 7)
    assert resolve_date("on Wednesday", wed) == ("2026-01-07", "day")
    assert resolve_date("last Wednesday", wed) == ("2025-12-31", "day")


def test_helpers():
    assert to_date("2025") == dt.date(2025, 1, 1) and to_date("2026-01") == dt.date(2026, 1, 1)
    assert compatible("2026-01", "2026-01-07") and not compatible("2025", "2026-01-07")
    assert full_dates("Date: Wednesday, January 7, 2026; also 3 March 2020") == [dt.date(2026, 1, 7), dt.date(2020, 3, 3)]


class _Parsed:
    """The part of a ParsedArticle that document_reference_date reads."""

    def __init__(self, article: Article, rows: list[str]):
        self.article = article
        self.segments = [type("S", (), {"field": f"table.0.{i}", "text": r}) for i, r in enumerate(rows)]


def test_reference_date_prefers_publication_then_what_the_page_says():
    art = Article(doc_id="d", source="s", text="On March 3, 2019 something happened.",
                  captions=["Supporters rally, January 7, 2026."],
                  tables=[Table(header=["Aspect", "Details"], rows=[["Date", "Wednesday, January 7, 2026"]])])
    assert document_reference_date(_Parsed(art, ["Date: Wednesday, January 7, 2026"])) == dt.date(2026, 1, 7)
    assert document_reference_date(_Parsed(art, [])) == dt.date(2026, 1, 7)  # the caption
    art.published = dt.date(2026, 1, 8)
    assert document_reference_date(_Parsed(art, [])) == dt.date(2026, 1, 8)
    bare = Article(doc_id="d", source="s", text="On March 3, 2019 it began; on March 3, 2019 again.")
    assert document_reference_date(_Parsed(bare, [])) == dt.date(2019, 3, 3)
    assert document_reference_date(_Parsed(Article(doc_id="d", source="s", text="No date."), [])) is None
