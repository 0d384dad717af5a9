"""The PLOVER ontology and the CAMEO table load from data and are complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from dyadwatch.errors import KBError
from dyadwatch.events.ontology import (CAMEO_FILE, ONTOLOGY_FILE, default_ontology, load_ontology,
                                       parse_table_line)

SHARED_TABLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "events" / "plover-gsr" / "CAMEO2PLOVER-2021.txt"
TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
         "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}


def test_sixteen_types_with_default_codes():
    ont = default_ontology()
    assert set(ont.types) == TYPES
    for name, info in ont.types.items():
        assert ont.type_of(info.default_code) == name
        assert -10 <= info.intensity <= 10
        assert all(-10 <= v <= 10 for v in info.modes.values())


def test_codes_roots_and_quad_classes():
    ont = default_ontology()
    assert ont.lookup("041").mode == "phone"
    assert ont.lookup("138").type == "THREATEN" and "military" in ont.lookup("138").context
    assert ont.quad_class("041") == 1 and ont.quad_class("073") == 2
    assert ont.quad_class("112") == 3 and ont.quad_class("190") == 4
    assert ont.lookup("0315").code == "031"  # an unlisted sub-code falls back to its parent
    assert ont.lookup("010").type == "" and not ont.is_event_code("010")  # statements are no PLOVER events
    assert ont.type_of("023") == "REQUEST"  # appeals are requests in PLOVER
    assert ont.intensity("CONSULT", "phone") < ont.intensity("CONSULT", "visit") < ont.intensity("AID")
    assert ont.intensity("ASSAULT") == -10


def test_every_code_of_the_plover_table_maps():
    if not SHARED_TABLE.exists():
        pytest.skip("../shared/ (the PLOVER CAMEO2PLOVER table) is absent")
    ont = default_ontology()
    rows = [parse_table_line(line) for line in SHARED_TABLE.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r is not None and len(r[0]) >= 3]
    assert len(rows) > 250
    for code, plover_type in rows:
        entry = ont.lookup(code)
        assert entry is not None and entry.code == code, code
        assert entry.type == plover_type, (code, entry.type, plover_type)


def test_malformed_table_raises_kb_error(tmp_path):
    bad = tmp_path / "cameo.tsv"
    bad.write_text(CAMEO_FILE.read_text(encoding="utf-8") + "999\tFIGHTING\t\t\tnot a type\n", encoding="utf-8")
    with pytest.raises(KBError) as err:
        load_ontology(ONTOLOGY_FILE, bad)
    assert "FIGHTING" in str(err.value) and err.value.field == "type"


def test_unknown_context_raises_kb_error(tmp_path):
    bad = tmp_path / "cameo.tsv"
    bad.write_text(CAMEO_FILE.read_text(encoding="utf-8") + "0999\tAGREE\t\tgardening\tx\n", encoding="utf-8")
    with pytest.raises(KBError):
        load_ontology(ONTOLOGY_FILE, bad)
