"""Watchlists and alerts: rule parsing and matching, scanning of new events, webhook delivery."""

from __future__ import annotations

import json

import httpx
import pytest

from dyadwatch import alerts as al
from dyadwatch.errors import InputError
from dyadwatch.store import Store
from tests.dyad_fixture import Doc, Ev, save


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "a.duckdb")
    yield s
    s.close()


def row(type_="CONSULT", a="USA", b="COL", text="", status="actual", quality=0.9, **kw):
    base = {"id": "e1", "doc_id": "d1", "type": type_, "mode": "", "context": "", "status": status,
            "trigger_text": "", "actor_name": "", "actor_code": f"{a}GOV", "actor_kb_id": "",
            "actor_country": a, "recipient_name": "", "recipient_code": f"{b}GOV",
            "recipient_kb_id": "", "recipient_country": b, "evidence_text": text, "quality": quality}
    base.update(kw)
    return base


def test_parse_the_issue_example():
    r = al.parse_rule("USA–COL: SANCTION, THREATEN, visits, visa policy")
    assert r.dyads == ("USA-COL",)
    assert r.types == ("SANCTION", "THREATEN")
    assert r.words == ("visits", "visa policy")


def test_parse_forced_kinds_and_actor_scope():
    r = al.parse_rule("Jane Roe, COLGOV: type=AGREE, status=intended, quality=0.6, word=AGREE")
    assert r.actors == ("Jane Roe", "COLGOV")
    assert r.types == ("AGREE",) and r.statuses == ("intended",) and r.min_quality == 0.6
    assert r.words == ("agree",)
    assert al.parse_rule("USA>VEN, ASSAULT").dyads == ("USA>VEN",)


@pytest.mark.parametrize("text", ["", "USA-COL: status=maybe", "type=NOTATYPE", "quality=high, x",
                                  "USA-COL: quality=2"])
def test_bad_rules_are_refused(text):
    with pytest.raises(InputError):
        al.parse_rule(text)


def test_scope_and_then_type_or_word():
    r = al.parse_rule("USA-COL: SANCTION, THREATEN, visits, visa policy")
    assert al.match(r, row("SANCTION", "COL", "USA")) == "USA-COL; type SANCTION"
    assert al.match(r, row("CONSULT", text="The minister visited Bogota")) == "USA-COL; word 'visits'"
    assert al.match(r, row("ACCUSE", text="a new visa policy for officials"))
    assert al.match(r, row("ACCUSE", text="visa restrictions")) is None  # "policy" missing
    assert al.match(r, row("SANCTION", "USA", "VEN")) is None  # out of scope
    assert al.match(r, row("CONSULT", text="a phone call")) is None


def test_directed_dyad_actor_status_and_quality():
    assert al.match(al.parse_rule("USA>COL: SANCTION"), row("SANCTION", "COL", "USA")) is None
    actor = al.parse_rule("Jane Roe: ACCUSE")
    assert al.match(actor, row("ACCUSE", actor_name="Jane Roe"))
    assert al.match(actor, row("ACCUSE", recipient_name="Dr Jane Roe Smith"))
    assert al.match(actor, row("ACCUSE", actor_name="Jane Doe")) is None
    assert al.match(al.parse_rule("COLGOV: ACCUSE"), row("ACCUSE", "USA", "COL"))
    threat = al.parse_rule("USA-COL: status=threatened")
    assert al.match(threat, row("THREATEN", status="threatened"))
    assert al.match(threat, row("THREATEN", status="actual")) is None
    picky = al.parse_rule("USA-COL: quality=0.8")
    assert al.match(picky, row(quality=0.5)) is None and al.match(picky, row(quality=0.85))


def test_stems_match_word_forms():
    for a, b in (("visits", "visited"), ("sanctions", "sanctioned"), ("policies", "policy"),
                 ("visit", "visiting"), ("taxes", "tax")):
        assert al.stem(a) == al.stem(b), (a, b)


def test_rule_round_trips_and_checks_fields():
    r = al.parse_rule("USA-COL: SANCTION, visits")
    assert al.Rule.from_dict(r.to_dict()) == r
    with pytest.raises(InputError):
        al.Rule.from_dict({"dyads": ["USA-COL"], "colour": ["red"]})
    with pytest.raises(InputError):
        al.Rule.from_dict({"dyads": "USA-COL"})


def test_scan_alerts_only_on_events_ingested_after_the_watchlist(store):
    save(store, Doc("old", [Ev("SANCTION", "USA", "COL", "2025-06-01", "Old sanctions.")]))
    w = al.add_watchlist(store.conn, "colombia", ["USA-COL: SANCTION, THREATEN, visits"])
    assert al.scan(store.conn) == []
    save(store, Doc("new", [Ev("SANCTION", "USA", "COL", "2026-01-02", "New sanctions."),
                            Ev("CONSULT", "USA", "COL", "2026-01-02", "The envoy visited Bogota."),
                            Ev("CONSULT", "USA", "COL", "2026-01-02", "A phone call."),
                            Ev("THREATEN", "USA", "VEN", "2026-01-02", "A threat to Caracas.")]))
    new = al.scan(store.conn)
    assert len(new) == 2
    assert al.scan(store.conn) == []  # each event raises its alert once
    rows, total = al.alerts(store.conn, watchlist_id=w.id)
    assert total == 2
    assert {r["event"]["evidence"]["text"] for r in rows} == {"New sanctions.", "The envoy visited Bogota."}
    assert all(r["delivery"] == "none" and r["watchlist"] == "colombia" for r in rows)


def test_remove_watchlist_drops_its_alerts(store):
    w = al.add_watchlist(store.conn, "x", ["USA-COL: SANCTION"])
    save(store, Doc("n", [Ev("SANCTION", "USA", "COL", "2026-01-02", "Sanctions.")]))
    assert len(al.scan(store.conn)) == 1
    assert al.remove_watchlist(store.conn, w.id)
    assert al.alerts(store.conn)[1] == 0 and not al.remove_watchlist(store.conn, w.id)


def test_watchlist_needs_http_webhook(store):
    for bad in ("ftp://example.org/x", "not a url", "http://"):
        with pytest.raises(InputError):
            al.add_watchlist(store.conn, "x", ["USA-COL: SANCTION"], webhook=bad)


def _alerted_store(store, webhook: str):
    al.add_watchlist(store.conn, "hook", ["USA-COL: SANCTION"], webhook=webhook)
    save(store, Doc("n", [Ev("SANCTION", "USA", "COL", "2026-01-02", "Sanctions imposed.")]))
    assert len(al.scan(store.conn)) == 1


def test_webhook_retries_then_delivers(store):
    _alerted_store(store, "https://hooks.example.org/dyadwatch")
    calls, sleeps = [], []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        return httpx.Response(503 if len(calls) < 3 else 204)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    report = al.deliver(store.conn, client=client, allow_private=True, sleep=sleeps.append)
    assert (report.delivered, report.failed) == (1, 0)
    assert len(calls) == 3 and sleeps == [1.0, 2.0]  # exponential backoff from the settings
    assert calls[0]["event"]["evidence"]["text"] == "Sanctions imposed."
    assert calls[0]["alert"]["reason"] == "USA-COL; type SANCTION"
    rows, _ = al.alerts(store.conn)
    assert rows[0]["delivery"] == "delivered" and rows[0]["attempts"] == 3
    assert al.deliver(store.conn, client=client, allow_private=True, sleep=sleeps.append).delivered == 0


def test_webhook_gives_up_and_does_not_retry_client_errors(store):
    _alerted_store(store, "https://hooks.example.org/x")
    calls = []
    client = httpx.Client(transport=httpx.MockTransport(lambda r: calls.append(1) or httpx.Response(400)))
    report = al.deliver(store.conn, client=client, allow_private=True, sleep=lambda s: None)
    assert report.failed == 1 and len(calls) == 1
    rows, _ = al.alerts(store.conn)
    assert rows[0]["delivery"] == "failed" and rows[0]["last_error"] == "HTTP 400"


def test_webhook_transport_errors_are_retried_until_the_limit(store):
    _alerted_store(store, "https://hooks.example.org/x")

    def boom(request):
        raise httpx.ConnectError("refused", request=request)

    report = al.deliver(store.conn, client=httpx.Client(transport=httpx.MockTransport(boom)),
                        allow_private=True, sleep=lambda s: None)
    assert report.failed == 1
    rows, _ = al.alerts(store.conn)
    assert rows[0]["attempts"] == al.settings().webhook["retries"] + 1
    assert "ConnectError" in rows[0]["last_error"]


def test_webhook_to_a_private_address_is_refused(store):
    _alerted_store(store, "http://127.0.0.1:9/hook")
    calls = []
    client = httpx.Client(transport=httpx.MockTransport(lambda r: calls.append(1) or httpx.Response(200)))
    report = al.deliver(store.conn, client=client, sleep=lambda s: None)
    assert report.failed == 1 and calls == []
    assert "private" in al.alerts(store.conn)[0][0]["last_error"]


def test_cli_watch_and_alerts(tmp_path):
    from typer.testing import CliRunner

    from dyadwatch.cli import app

    db = str(tmp_path / "cli.duckdb")
    run = CliRunner().invoke
    added = run(app, ["watch", "add", "colombia", "USA-COL: SANCTION, visits", "--db", db, "--json"])
    assert added.exit_code == 0, added.output
    wid = json.loads(added.stdout)["id"]
    assert "colombia" in run(app, ["watch", "list", "--db", db]).stdout
    with Store(db) as s:
        save(s, Doc("n", [Ev("SANCTION", "USA", "COL", "2026-01-02", "Sanctions imposed.")]))
    shown = run(app, ["alerts", "--db", db, "--json"])
    assert shown.exit_code == 0, shown.output
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["reason"] == "USA-COL; type SANCTION"
    assert "Sanctions imposed." in run(app, ["alerts", "--db", db, "--no-scan"]).stdout
    assert run(app, ["watch", "remove", wid, "--db", db]).exit_code == 0
    assert run(app, ["watch", "remove", wid, "--db", db]).exit_code == 3
    bad = run(app, ["watch", "add", "x", "type=HUG", "--db", db])
    assert bad.exit_code != 0


def test_cli_tokens(tmp_path):
    from typer.testing import CliRunner

    from dyadwatch.api.auth import verify_token
    from dyadwatch.cli import app

    db = str(tmp_path / "tok.duckdb")
    run = CliRunner().invoke
    made = json.loads(run(app, ["token", "create", "--name", "analyst", "--db", db, "--json"]).stdout)
    listed = run(app, ["token", "list", "--db", db]).stdout
    assert made["id"] in listed and made["token"] not in listed and "active" in listed
    with Store(db) as s:
        assert verify_token(s.conn, made["token"]) == made["id"]
    assert run(app, ["token", "revoke", made["id"], "--db", db]).exit_code == 0
    with Store(db) as s:
        assert verify_token(s.conn, made["token"]) is None
    assert run(app, ["token", "revoke", "nope", "--db", db]).exit_code == 3
