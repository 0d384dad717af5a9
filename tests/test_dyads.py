"""Dyad analytics: series, index and band, quality exclusion, change detection."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from dyadwatch import dyads
from dyadwatch.errors import InputError, KBError
from dyadwatch.store import Store
from tests.dyad_fixture import Doc, Ev, save


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "d.duckdb")
    yield s
    s.close()


def weekly(store, weeks: list[list[Ev]], prefix: str = "w", quality: float = 0.9) -> None:
    for i, evs in enumerate(weeks):
        if evs:
            save(store, Doc(f"{prefix}{i}", evs, quality=quality))


def day(i: int) -> str:
    # Mondays from 2025-01-06, so that each i is its own ISO week.
    return (dt.date(2025, 1, 6) + dt.timedelta(weeks=i)).isoformat()


def test_parse_dyad_forms():
    assert dyads.parse_dyad("usa-col") == dyads.Dyad("USA", "COL", False)
    assert dyads.parse_dyad("USA–COL").label == "USA-COL"
    assert dyads.parse_dyad("USA>COL").directed
    assert dyads.parse_dyad("USA->COL").label == "USA>COL"
    assert dyads.parse_dyad("USA-COL", directed=True).directed
    for bad in ("", "US-COL", "USA", "USA-COL-VEN", "USA COL", "1SA-COL"):
        with pytest.raises(InputError):
            dyads.parse_dyad(bad)


def test_series_counts_by_type_both_directions(store):
    save(store, Doc("a", [Ev("CONSULT", "USA", "COL", "2026-01-07", "They spoke."),
                          Ev("THREATEN", "USA", "COL", "2026-01-08", "Threats followed.", status="threatened"),
                          Ev("ACCUSE", "COL", "USA", "2026-01-09", "Bogota accused Washington."),
                          Ev("AID", "USA", "VEN", "2026-01-09", "Aid to Caracas.")]))
    s = dyads.series(store.conn, "USA-COL", interval="week")
    assert s.total == 3
    assert [p.period for p in s.points] == [dt.date(2026, 1, 5)]
    assert s.points[0].counts == {"CONSULT": 1, "THREATEN": 1, "ACCUSE": 1}
    one_way = dyads.series(store.conn, "USA>COL", interval="week")
    assert one_way.total == 2 and "ACCUSE" not in one_way.keys
    by_quad = dyads.series(store.conn, "USA-COL", interval="week", by="quad_class")
    assert by_quad.points[0].counts == {"1": 1, "3": 2}


def test_low_quality_documents_left_out_by_default(store):
    save(store, Doc("good", [Ev("CONSULT", "USA", "COL", "2026-01-07", "They spoke.")], quality=0.9),
         Doc("farm", [Ev("ASSAULT", "USA", "COL", "2026-01-07", "Invented attack.")], quality=0.2))
    assert dyads.series(store.conn, "USA-COL").total == 1
    everything = dyads.series(store.conn, "USA-COL", min_quality=None)
    assert everything.total == 2
    assert everything.overall.value < dyads.series(store.conn, "USA-COL").overall.value


def test_index_is_the_weighted_mean_with_status_and_corroboration_weights(store):
    cfg = dyads.settings()
    save(store, Doc("a", [Ev("AGREE", "USA", "COL", "2026-02-02", "Deal agreed.", confidence=0.8, mentions=3),
                          Ev("THREATEN", "USA", "COL", "2026-02-03", "A threat.", status="threatened",
                             confidence=0.6)]))
    w1 = 0.8 * cfg.status_weights["actual"] * (1 + math.log(3))
    w2 = 0.6 * cfg.status_weights["threatened"] * (1 + math.log(1))
    x1, x2 = 4.0, -4.4  # the ontology's intensities of AGREE and THREATEN
    s = dyads.series(store.conn, "USA-COL", interval="month")
    assert s.overall.value == pytest.approx((w1 * x1 + w2 * x2) / (w1 + w2), abs=1e-3)
    assert s.overall.low < s.overall.value < s.overall.high


def test_hypothetical_and_negated_events_are_not_counted(store):
    save(store, Doc("a", [Ev("ASSAULT", "USA", "COL", "2026-02-02", "If they attacked.", status="hypothetical"),
                          Ev("SANCTION", "USA", "COL", "2026-02-02", "No sanctions.", status="negated"),
                          Ev("CONSULT", "USA", "COL", "2026-02-02", "They met.")]))
    s = dyads.series(store.conn, "USA-COL")
    assert s.total == 1 and s.keys == ["CONSULT"]
    assert dyads.series(store.conn, "USA-COL", statuses=("negated",)).total == 1


def test_band_narrows_as_agreeing_events_accumulate(store):
    one = dyads.index_of(1.0, 1.0, 1.0, 1.0)
    many = dyads.index_of(20.0, 20.0, 20.0, 20.0)
    assert one.value == many.value == 1.0
    assert (one.high - one.low) > 3 * (many.high - many.low)
    assert one.low >= -10 and one.high <= 10
    assert dyads.index_of(0, 0, 0, 0).value is None


def test_empty_periods_are_filled(store):
    weekly(store, [[Ev("CONSULT", "USA", "COL", day(0), "Met.")], [], [],
                   [Ev("CONSULT", "USA", "COL", day(3), "Met again.")]])
    s = dyads.series(store.conn, "USA-COL", interval="week")
    assert [p.n for p in s.points] == [1, 0, 0, 1]
    assert s.points[1].index.value is None


def test_auto_interval_follows_the_span():
    first = dt.date(2025, 1, 1)
    assert dyads.auto_interval(first, first + dt.timedelta(days=30)) == "day"
    assert dyads.auto_interval(first, first + dt.timedelta(days=400)) == "week"
    assert dyads.auto_interval(first, first + dt.timedelta(days=3000)) == "month"
    assert dyads.auto_interval(first, first + dt.timedelta(days=40000)) == "year"
    assert dyads.auto_interval(None, None) == dyads.settings().default_interval


def test_a_burst_of_conflict_is_a_change(store):
    quiet = [[Ev("CONSULT", "USA", "COL", day(i), f"Routine call {i}.")] for i in range(10)]
    burst = [[Ev("SANCTION", "USA", "COL", day(10), f"Sanction number {k}.") for k in range(8)]]
    weekly(store, quiet + burst)
    s = dyads.series(store.conn, "USA-COL", interval="week")
    found = {(c.metric, c.direction, c.period) for c in s.changes}
    assert ("count", "up", dt.date.fromisoformat(day(10))) in found
    assert ("index", "down", dt.date.fromisoformat(day(10))) in found
    assert all(c.period == dt.date.fromisoformat(day(10)) for c in s.changes)


def test_a_steady_dyad_has_no_change(store):
    weekly(store, [[Ev("CONSULT", "USA", "COL", day(i), f"Call {i}."),
                    Ev("ACCUSE", "COL", "USA", day(i), f"Complaint {i}.")] for i in range(12)])
    assert dyads.series(store.conn, "USA-COL", interval="week").changes == []


def test_top_dyads_are_undirected_pairs(store):
    save(store, Doc("a", [Ev("CONSULT", "USA", "COL", "2026-01-07", "Met."),
                          Ev("ACCUSE", "COL", "USA", "2026-01-08", "Accused."),
                          Ev("AID", "USA", "VEN", "2026-01-09", "Aid."),
                          Ev("PROTEST", "COL", "COL", "2026-01-09", "Protest at home.")]))
    top = dyads.top_dyads(store.conn)
    assert [(d["dyad"], d["n"]) for d in top] == [("COL-USA", 2), ("USA-VEN", 1)]


def test_series_json_shape(store):
    save(store, Doc("a", [Ev("CONSULT", "USA", "COL", "2026-01-07", "Met.")]))
    d = dyads.series(store.conn, "USA-COL", interval="day").to_dict()
    json.dumps(d)
    assert set(d) >= {"dyad", "interval", "points", "overall", "changes", "keys", "total"}
    assert d["points"][0]["period"] == "2026-01-07" and d["points"][0]["counts"] == {"CONSULT": 1}


def test_bad_interval_and_breakdown_are_input_errors(store):
    with pytest.raises(InputError):
        dyads.series(store.conn, "USA-COL", interval="fortnight")
    with pytest.raises(InputError):
        dyads.series(store.conn, "USA-COL", by="colour")


def test_invalid_settings_file_names_the_field(tmp_path):
    good = json.loads((dyads.resources.files("dyadwatch") / "data" / "dyads.json").read_text())
    good["index"]["status_weights"]["actual"] = 3
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(good))
    with pytest.raises(KBError) as err:
        dyads.load_settings(str(path))
    assert "status_weights" in str(err.value)


def test_story_sources_are_the_corroboration_where_stories_exist(store):
    from dyadwatch.store import dyads as q

    if not q.has_stories(store.conn):
        pytest.skip("the stories schema (migration 002) is not in this checkout")
    save(store, Doc("coop", [Ev("AGREE", "USA", "COL", "2026-02-02", "They agreed.", intensity=4.0)]),
         Doc("conf", [Ev("SANCTION", "USA", "COL", "2026-02-02", "Sanctions.", intensity=-4.0)]))
    assert dyads.series(store.conn, "USA-COL").overall.value == pytest.approx(0.0)
    store.conn.execute("INSERT INTO story_documents (doc_id, story_id) VALUES ('coop', 's1')")
    store.conn.execute("INSERT INTO story_events (story_id, idx, type, actor_country, recipient_country, "
                       "num_sources) VALUES ('s1', 0, 'AGREE', 'USA', 'COL', 5)")
    # five outlets behind the agreement: weight 1 + ln 5 against 1 for the single sanction report
    w = 1 + math.log(5)
    expected = (w * 4.0 - 4.0) / (w + 1)
    assert dyads.series(store.conn, "USA-COL").overall.value == pytest.approx(expected, abs=1e-3)


def test_old_recollections_do_not_set_the_interval(store):
    recent = [Ev("ACCUSE", "USA", "COL", (dt.date(2025, 6, 1) + dt.timedelta(days=3 * i)).isoformat(),
                 f"Complaint {i}.") for i in range(40)]
    save(store, Doc("now", recent), Doc("history", [Ev("AID", "USA", "COL", "2000-07-01", "Aid in 2000.")]))
    s = dyads.series(store.conn, "USA-COL", interval="auto")
    assert s.interval == "day"  # 120 days of news, not 25 years
    assert s.focus[0] >= dt.date(2025, 6, 1) and s.focus[1] == dt.date(2025, 6, 1) + dt.timedelta(days=117)
    assert s.total == 41  # the old event is still in the series
    from dyadwatch.web.render import timeline_spec

    spec = timeline_spec(s.to_dict())
    assert spec["encoding"]["x"]["scale"]["domain"][0] >= "2025-06-01"


def test_sparse_series_keeps_only_periods_with_events_and_marks_gaps(tmp_path):
    from dyadwatch.web.render import index_spec

    with Store(tmp_path / "s.duckdb") as s:
        save(s, Doc("a", [Ev("CONSULT", "USA", "COL", "2020-01-07", "They spoke."),
                          Ev("AGREE", "USA", "COL", "2020-01-09", "They agreed.")]))
        save(s, Doc("b", [Ev("ACCUSE", "USA", "COL", "2026-01-07", "They argued.")]))
        ser = dyads.series(s.conn, "USA-COL", interval="day")
    dense, sparse = ser.to_dict(), ser.to_dict(sparse=True)
    assert len(dense["points"]) > 2000  # every day from 2020 to 2026
    assert [p["period"] for p in sparse["points"]] == ["2020-01-07", "2020-01-09", "2026-01-07"]
    assert [p["gap_before"] for p in sparse["points"]] == [False, True, True]
    assert sparse["empty_periods"] == len(dense["points"]) - 3
    assert sum(p["n"] for p in sparse["points"]) == sparse["total"] == dense["total"] == 3
    # the index line breaks at each gap: three separate segments
    rows = index_spec(sparse)["data"]["values"]
    assert len({r["segment"] for r in rows}) == 3
