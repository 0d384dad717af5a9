"""GDELT-style rows and PLOVER records from event objects."""

from __future__ import annotations

from dyadwatch.events.export import GDELT_COLUMNS, to_gdelt_row, to_plover
from dyadwatch.model import ActorRef, Event, Evidence, Location


def _event() -> dict:
    ev = Evidence(sentence=2, start=10, end=60, text="Petro and Trump spoke on the phone on Wednesday.")
    e = Event(type="CONSULT", mode="phone", cameo="041", quad_class=1, intensity=1.0, status="actual",
              confidence=0.9, actor=ActorRef(text="Petro", name="Gustavo Petro", country="COL", sector="GOV",
                                             code="COLGOV", kb_id="gustavo-petro"),
              recipient=ActorRef(text="Trump", name="Donald Trump", country="USA", sector="GOV", code="USAGOV"),
              evidence=ev, date="2026-01-07", date_text="on Wednesday", date_precision="day",
              location=Location(text="Bogotá", country="COL", lat=4.61, lon=-74.08), trigger="spoke",
              mentions=[ev, Evidence(sentence=0, start=0, end=20, text="Petro and Trump Hold", field="title")],
              id="0123456789abcdef")
    return e.to_dict()


DOC = {"id": "doc1", "url": "https://example.org/a", "source": "a.html", "published": "2026-01-08",
       "source_name": "Example"}


def test_gdelt_row_columns_and_values():
    row = to_gdelt_row(_event(), DOC)
    assert list(row) == list(GDELT_COLUMNS) and len(GDELT_COLUMNS) == 61
    assert row["Day"] == "20260107" and row["MonthYear"] == "202601" and row["Year"] == 2026
    assert row["Actor1Code"] == "COLGOV" and row["Actor1Name"] == "GUSTAVO PETRO" and row["Actor1CountryCode"] == "COL"
    assert row["Actor2CountryCode"] == "USA" and row["Actor1Type1Code"] == "GOV"
    assert (row["EventCode"], row["EventBaseCode"], row["EventRootCode"]) == ("041", "041", "04")
    assert row["QuadClass"] == 1 and row["GoldsteinScale"] == 1.0 and row["NumMentions"] == 2
    assert row["IsRootEvent"] == 1  # reported in the headline
    assert row["ActionGeo_Type"] == 4 and row["ActionGeo_CountryCode"] == "COL" and row["ActionGeo_Lat"] == 4.61
    assert row["SOURCEURL"] == DOC["url"] and row["DATEADDED"] == "20260108000000"
    assert isinstance(row["GlobalEventID"], int)


def test_gdelt_row_falls_back_to_publication_date_and_country_geography():
    ev = _event()
    ev.update(date="", mentions=[], location={"text": "Colombia", "country": "COL", "lat": 4.6, "lon": -74.1})
    row = to_gdelt_row(ev, DOC)
    assert row["Day"] == "20260108" and row["ActionGeo_Type"] == 1
    ev["date"] = "2025"
    assert to_gdelt_row(ev, DOC)["Day"] == "20250101"


def test_plover_record():
    rec = to_plover(_event(), DOC)
    assert rec["event"] == "CONSULT" and rec["mode"] == "phone" and rec["status"] == "actual"
    assert rec["source"][0]["code"] == "COL" and rec["target"][0]["code"] == "USA"
    assert rec["cameo"] == "041" and rec["date"] == "2026-01-07" and rec["eventLoc"]["name"] == "Bogotá"
    assert rec["textInfo"]["start"] == 10 and rec["textInfo"]["mentions"] == 2 and rec["publication"] == "Example"
    ev = _event()
    ev["recipient"] = {"text": "", "country": ""}
    assert to_plover(ev, DOC)["target"] == []
