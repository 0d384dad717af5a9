"""The core commands through the CLI: extract, analyze, ingest (idempotent), events, summary."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from dyadwatch.cli import app

runner = CliRunner()

PAGE = """Home » world »

Colombia and Ecuador agree to reopen border crossings

by Ana Pérez - Staff Writer

QUITO — Colombian President Gustavo Petro and Ecuadorian President Daniel Noboa spoke by phone on Tuesday and agreed to reopen two border crossings, the foreign ministries of both countries said.

Noboa accused armed groups of smuggling fuel across the border and said his government would deploy more troops.

Share this article

Leave a Comment
"""

ANALYZE_KEYS = {"document", "text", "removed", "repairs", "flags", "quality", "mentions", "events",
                "facts"}
EVENT_KEYS = {"type", "mode", "context", "cameo", "quad_class", "intensity", "status", "confidence",
              "actor", "recipient", "date", "date_text", "location", "evidence"}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    p = tmp_path_factory.mktemp("cli") / "talks.txt"
    p.write_text(PAGE, encoding="utf-8")
    return p


def lines(output: str) -> list[dict]:
    return [json.loads(ln) for ln in output.splitlines() if ln.strip()]


def test_extract_json_contract(page):
    result = runner.invoke(app, ["extract", str(page), "--json"])
    assert result.exit_code == 0, result.output
    (obj,) = lines(result.stdout)
    assert {"path", "text", "title", "author", "published", "section", "dateline", "credits",
            "removed", "flags"} <= set(obj)
    assert obj["title"] == "Colombia and Ecuador agree to reopen border crossings"
    assert obj["author"] == "Ana Pérez" and obj["dateline"] == "QUITO" and obj["section"] == "world"
    assert "Leave a Comment" not in obj["text"] and obj["removed"]


def test_analyze_json_contract(page):
    result = runner.invoke(app, ["analyze", str(page), "--published", "2025-03-05", "--json"])
    assert result.exit_code == 0, result.output
    (obj,) = lines(result.stdout)
    assert ANALYZE_KEYS <= set(obj) and obj["document"]["published"] == "2025-03-05"
    assert obj["events"] and all(EVENT_KEYS <= set(e) for e in obj["events"])
    calls = [e for e in obj["events"] if e["type"] == "CONSULT"]
    assert {(e["actor"]["country"], e["recipient"]["country"]) for e in calls} >= {("COL", "ECU")}
    assert all(e["date"] == "2025-03-04" for e in calls)


def test_bad_input_exit_code_and_message(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["analyze", str(empty), "--json"])
    assert result.exit_code == 3 and "empty.txt" in result.output and "[empty]" in result.output


def test_ingest_is_idempotent_and_events_export(page, tmp_path):
    db = tmp_path / "t.duckdb"
    first = runner.invoke(app, ["ingest", str(page), "--db", str(db), "--json"])
    assert first.exit_code == 0, first.output
    assert lines(first.stdout)[-1]["stored"] == 1
    again = runner.invoke(app, ["ingest", str(page), "--db", str(db), "--json"])
    report = lines(again.stdout)[-1]
    assert (report["stored"], report["duplicate"]) == (0, 1)

    as_json = lines(runner.invoke(app, ["events", "--db", str(db), "--dyad", "ECU-COL"]).stdout)
    assert as_json and all(e["document"]["id"] for e in as_json)
    rows = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["events", "--db", str(db), "--format", "csv"]).stdout)))
    assert len(rows) >= len(as_json) and rows[0]["evidence_text"]
    gdelt = runner.invoke(app, ["events", "--db", str(db), "--format", "gdelt"]).stdout
    assert gdelt.splitlines()[0].startswith("GlobalEventID")
    plover = lines(runner.invoke(app, ["events", "--db", str(db), "--format", "plover"]).stdout)
    assert plover and all("event" in p or "eventType" in p or "type" in p for p in plover)

    summary = runner.invoke(app, ["summary", "--db", str(db), "--json"])
    s = lines(summary.stdout)[0]
    assert s["counts"]["documents"] == 1 and s["counts"]["document_sources"] == 1


def test_events_without_database_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["events", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 3 and "no such database" in result.output
