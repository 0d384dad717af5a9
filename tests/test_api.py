"""REST API and dashboard pages through the ASGI app: error shape, token gate, CORS, body limit,
pagination, filters, series, and that hostile parameters are data, not SQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from dyadwatch.api import create_app
from dyadwatch.api.auth import create_token, hash_token, revoke_token
from dyadwatch.store import Store
from tests.dyad_fixture import Doc, Ev, save

ERROR_KEYS = {"code", "message", "detail"}


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "api.duckdb"
    with Store(path) as s:
        save(s, Doc("call", [Ev("CONSULT", "USA", "COL", "2026-01-07", "The presidents spoke by phone.",
                                mode="phone", actor_name="Alex Smith"),
                             Ev("THREATEN", "USA", "COL", "2026-01", "Washington threatened intervention.",
                                status="threatened")],
                    title="Leaders <b>talk</b>", flags=[("formatting", "low", "spoke")],
                    removed=["Share this story"]),
             Doc("sanction", [Ev("SANCTION", "USA", "COL", "2025", "Colombia lost its preferred status.")]),
             Doc("farm", [Ev("ASSAULT", "USA", "COL", "2026-01-08", "An invented attack.")], quality=0.1),
             Doc("other", [Ev("AID", "USA", "VEN", "2026-01-09", "Aid went to Caracas.")]))
        for i in range(120):
            day = (dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat()
            save(s, Doc(f"bulk{i}", [Ev("ACCUSE", "COL", "USA", day, f"Complaint number {i}.")]))
    return path


@pytest.fixture(scope="module")
def client(db):
    with TestClient(create_app(db)) as c:
        yield c


@pytest.fixture()
def writable(tmp_path):
    path = tmp_path / "w.duckdb"
    with Store(path) as s:
        save(s, Doc("a", [Ev("CONSULT", "USA", "COL", "2026-01-07", "They spoke.")]))
    app = create_app(path, read_only=False)
    with TestClient(app) as c:
        yield c, app


# --- error shape --------------------------------------------------------------------------------
def test_every_error_has_one_shape(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/documents/nope"), 404, "not_found")
    assert_error(client.get("/api/events/nope"), 404, "not_found")
    err = assert_error(client.get("/api/events?limit=0"), 422, "validation_error")
    assert err["detail"][0]["loc"] == ["query", "limit"]
    assert_error(client.get("/api/events?since=yesterday"), 422, "validation_error")
    assert_error(client.get("/api/events?status=perhaps"), 422, "validation_error")
    assert_error(client.get("/api/events?dyad=USA"), 400, "bad_request")
    assert_error(client.get("/api/events?type=HUG"), 400, "bad_request")
    assert_error(client.get("/api/events?quad_class=7"), 400, "bad_request")
    assert_error(client.get("/api/dyads/USA-COL/series?interval=fortnight"), 422, "validation_error")
    assert_error(client.delete("/api/events"), 405, "method_not_allowed")
    assert_error(client.get("/api/documents/" + "x" * 300), 422, "validation_error")


def test_internal_errors_keep_the_shape(db, monkeypatch):
    from dyadwatch.store import dyads as q

    def broken(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(q, "event_page", broken)
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        err = assert_error(c.get("/api/events"), 500, "internal")
    assert "disk" not in err["message"]  # no internals leak to clients


def test_oversized_bodies_are_refused_before_parsing(tmp_path):
    path = tmp_path / "b.duckdb"
    Store(path).close()
    with TestClient(create_app(path, read_only=False, max_body_bytes=1000)) as c:
        big = {"name": "x" * 2000, "rules": ["USA-COL: SANCTION"]}
        assert_error(c.post("/api/watchlists", json=big), 413, "payload_too_large")

        def chunks():  # no Content-Length: counted while streaming
            yield b'{"name": "'
            yield b"y" * 5000
            yield b'"}'

        assert_error(c.post("/api/watchlists", content=chunks(),
                            headers={"content-type": "application/json"}), 413, "payload_too_large")


# --- token gate ---------------------------------------------------------------------------------
def test_read_only_server_refuses_writes(client):
    for resp in (client.post("/api/watchlists", json={"name": "x", "rules": ["USA-COL: SANCTION"]}),
                 client.delete("/api/watchlists/w1"), client.post("/api/alerts/scan"),
                 client.post("/api/documents", json={"text": "x"})):
        assert_error(resp, 403, "read_only")


def test_writes_need_a_valid_unrevoked_token(writable):
    c, app = writable
    conn = app.state.dw.store.conn
    body = {"name": "colombia", "rules": ["USA-COL: SANCTION, visits", {"actors": ["COLGOV"], "types": ["ACCUSE"]}]}
    err = assert_error(c.post("/api/watchlists", json=body), 401, "unauthorized")
    assert "token create" in err["message"]
    assert c.post("/api/watchlists", json=body).headers["www-authenticate"] == "Bearer"
    assert_error(c.post("/api/watchlists", json=body, headers={"Authorization": "Bearer dw_00000000_" + "a" * 43}), 401)
    tok = create_token(conn, "test")
    forged = tok.token[:-1] + ("A" if tok.token[-1] != "A" else "B")
    assert_error(c.post("/api/watchlists", json=body, headers={"Authorization": f"Bearer {forged}"}), 401)
    auth = {"Authorization": f"Bearer {tok.token}"}
    resp = c.post("/api/watchlists", json=body, headers=auth)
    assert resp.status_code == 201, resp.text
    w = resp.json()
    assert w["rules"][0]["dyads"] == ["USA-COL"] and w["rules"][1]["actors"] == ["COLGOV"]
    assert [x["id"] for x in c.get("/api/watchlists").json()] == [w["id"]]
    assert_error(c.post("/api/watchlists", json={"name": "x", "rules": ["type=HUG"]}, headers=auth), 400)
    assert_error(c.post("/api/watchlists", json={"name": "x", "rules": []}, headers=auth), 422)
    assert c.delete(f"/api/watchlists/{w['id']}", headers=auth).status_code == 204
    assert_error(c.delete(f"/api/watchlists/{w['id']}", headers=auth), 404)
    # only the hash is stored; a revoked token stops working
    stored = conn.execute("SELECT token_hash FROM api_tokens WHERE id = ?", [tok.id]).fetchone()[0]
    assert stored == hash_token(tok.token) and tok.token.split("_")[-1] not in stored
    revoke_token(conn, tok.id)
    assert_error(c.post("/api/watchlists", json=body, headers=auth), 401)


def test_ingest_through_the_api_raises_alerts(writable):
    c, app = writable
    auth = {"Authorization": f"Bearer {create_token(app.state.dw.store.conn).token}"}
    assert c.post("/api/watchlists", json={"name": "ven", "rules": ["USA-VEN: sanctions"]},
                  headers=auth).status_code == 201
    text = ("The United States imposed sanctions on Venezuela on Monday, the Treasury said.\n\n"
            "The two governments have argued for years over oil and elections.")
    resp = c.post("/api/documents", json={"text": text, "published": "2021-03-03"}, headers=auth)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["stored"] and out["events"] >= 1 and len(out["alerts"]) == 1
    alert = c.get("/api/alerts").json()["items"][0]
    assert alert["reason"] == "USA-VEN; word 'sanctions'"
    assert "sanctions" in alert["event"]["evidence"]["text"]
    again = c.post("/api/documents", json={"text": text, "published": "2021-03-03"}, headers=auth).json()
    assert not again["stored"] and again["alerts"] == []
    assert_error(c.post("/api/documents", json={"text": "a", "html": "<p>b</p>"}, headers=auth), 400)


# --- CORS ---------------------------------------------------------------------------------------
def test_cors_is_closed_by_default(client):
    resp = client.get("/api/events", headers={"Origin": "https://evil.example"})
    assert resp.status_code == 200 and "access-control-allow-origin" not in resp.headers
    pre = client.options("/api/events", headers={"Origin": "https://evil.example",
                                                 "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_allow_list(db):
    with TestClient(create_app(db, cors_origins=("https://analyst.example",))) as c:
        ok = c.get("/api/events", headers={"Origin": "https://analyst.example"})
        assert ok.headers["access-control-allow-origin"] == "https://analyst.example"
        other = c.get("/api/events", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


# --- reading ------------------------------------------------------------------------------------
def test_event_pages(client):
    first = client.get("/api/events?dyad=COL-USA&type=ACCUSE&limit=50").json()
    assert first["total"] == 120 and len(first["items"]) == 50 and first["offset"] == 0
    second = client.get(first["next"]).json()
    assert second["offset"] == 50 and second["items"][0]["id"] != first["items"][0]["id"]
    last = client.get("/api/events?dyad=COL-USA&type=ACCUSE&limit=50&offset=100").json()
    assert len(last["items"]) == 20 and last["next"] is None
    days = [e["day"] for e in first["items"]]
    assert days == sorted(days, reverse=True)  # newest first
    assert client.get("/api/events?offset=100000").json()["items"] == []


def test_event_filters(client):
    def ids(query: str) -> set[str]:
        return {e["document"]["id"] for e in client.get(f"/api/events?{query}&limit=500").json()["items"]}

    assert ids("dyad=USA-COL&type=CONSULT") == {"call"}
    assert ids("dyad=USA-COL&status=threatened") == {"call"}
    assert ids("dyad=USA>COL&type=ACCUSE") == set()
    assert ids("dyad=COL>USA&type=ACCUSE&since=2024-04-01") == {f"bulk{i}" for i in range(91, 120)}
    assert "farm" in ids("dyad=USA-COL") and "farm" not in ids("dyad=USA-COL&min_quality=0.5")
    assert ids("actor=Alex Smith") == {"call"} and ids("actor=usagov&type=AID") == {"other"}
    assert ids("quad_class=4&dyad=USA-COL") == {"sanction", "farm"}
    ev = client.get("/api/events?type=CONSULT").json()["items"][0]
    assert ev["evidence"]["text"] == "The presidents spoke by phone." and ev["mode"] == "phone"
    assert client.get(f"/api/events/{ev['id']}").json()["id"] == ev["id"]


def test_hostile_parameters_are_data(client):
    for bad in ("x' OR '1'='1", "'; DROP TABLE events; --", "\\\" ) UNION SELECT 1 --"):
        resp = client.get("/api/events", params={"actor": bad})
        assert resp.status_code == 200 and resp.json()["total"] == 0
        assert client.get("/api/documents", params={"source_name": bad}).json()["total"] == 0
    assert client.get("/api/health").json()["events"] == 125


def test_dyad_series(client):
    s = client.get("/api/dyads/USA-COL/series?interval=month").json()
    # the farm page is below the default quality threshold; the 2025 sanction counts in January 2025
    jan26 = next(p for p in s["points"] if p["period"] == "2026-01-01")
    assert jan26["counts"] == {"CONSULT": 1, "THREATEN": 1}
    assert next(p for p in s["points"] if p["period"] == "2025-01-01")["counts"] == {"SANCTION": 1}
    all_q = client.get("/api/dyads/USA-COL/series?interval=month&min_quality=0").json()
    assert all_q["total"] == s["total"] + 1
    one_way = client.get("/api/dyads/COL-USA/series?directed=true&interval=year").json()
    assert one_way["dyad"] == "COL>USA" and one_way["total"] == 120
    auto = client.get("/api/dyads/USA-VEN/series").json()
    assert auto["interval"] == "day" and auto["keys"] == ["AID"]
    assert_error(client.get("/api/dyads/USA/series"), 400)


def test_documents_dyads_alerts_and_stories(client):
    docs = client.get("/api/documents?limit=2").json()
    assert docs["total"] == 124 and len(docs["items"]) == 2
    assert client.get("/api/documents?min_quality=0.5").json()["total"] == 123
    doc = client.get("/api/documents/call").json()
    assert doc["document"]["title"] == "Leaders <b>talk</b>" and len(doc["events"]) == 2
    assert doc["events"][0]["id"] == "call-e0" and doc["sources"][0]["source"] == "call.txt"
    assert client.get("/api/documents/call/facts").status_code == 200
    top = client.get("/api/dyads").json()
    assert top[0] == {"dyad": "COL-USA", "n": 123, "last_day": "2026-01-07", "mean_intensity": top[0]["mean_intensity"]}
    assert client.get("/api/alerts").json()["total"] == 0
    stories = client.get("/api/stories").json()
    assert stories["items"] == [] and stories["total"] == 0
    assert_error(client.get("/api/stories/s1"), 404, "not_found")


def test_openapi_schema_lists_the_routes_and_the_error_model(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/events", "/api/documents", "/api/dyads/{dyad}/series", "/api/alerts",
                 "/api/watchlists", "/api/stories", "/api/documents/{doc_id}"):
        assert path in spec["paths"], path
    assert "ErrorBody" in spec["components"]["schemas"]
    assert not any(p.startswith("/dyads") or p == "/" for p in spec["paths"])  # pages stay out


# --- pages --------------------------------------------------------------------------------------
def test_pages_render(client):
    for url in ("/", "/dyads/USA-COL", "/dyads/USA-COL?interval=month&type=SANCTION", "/events",
                "/events?dyad=USA-COL&status=threatened", "/alerts", "/stories", "/articles/call"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["content-type"].startswith("text/html")
    assert client.get("/dyad?dyad=usa-col", follow_redirects=False).headers["location"] == "/dyads/USA-COL"


def test_dyad_page_links_each_event_to_its_sentence(client):
    html = client.get("/dyads/USA-COL").text
    for eid in ("call-e0", "call-e1", "sanction-e0"):
        assert f"#ev-{eid}" in html
    assert "farm-e0" not in html  # below the quality threshold
    assert '"type": "SANCTION"' in html and '"type": "CONSULT"' in html  # on the timeline
    assert '<input type="hidden" name="interval" value="auto">' in html  # filters keep the interval


def test_article_page_highlights_and_escapes(client):
    html = client.get("/articles/call").text
    assert 'id="ev-call-e0"' in html and 'id="ev-call-e1"' in html
    assert "Leaders &lt;b&gt;talk&lt;/b&gt;" in html and "<b>talk</b>" not in html
    assert 'class="event flag"' in html  # the flag lies inside the first event's sentence
    assert "Share this story" in html  # removed furniture is listed


def test_page_errors_are_html(client):
    resp = client.get("/articles/none")
    assert resp.status_code == 404 and "not_found" in resp.text and resp.headers["content-type"].startswith("text/html")
    assert client.get("/dyads/NOPE").status_code == 400
    assert client.get("/events?since=notadate").status_code == 400


def test_story_routes_and_page(tmp_path):
    import json

    from dyadwatch.store import dyads as q

    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        if not q.has_stories(s.conn):
            pytest.skip("the stories schema (migration 002) is not in this checkout")
        save(s, Doc("r1", [Ev("SANCTION", "USA", "COL", "2025-10-24", "Washington sanctioned the president.")],
                    source_name="Atlas Wire"),
             Doc("r2", [Ev("SANCTION", "USA", "COL", "2025-10-24", "The Treasury blacklisted him.")],
                 source_name="Hemisphere Report"))
        s.conn.execute("INSERT INTO stories (id, title, first_seen, last_seen, n_documents, n_sources, "
                       "n_events, state) VALUES ('s1', 'Sanctions on a president', DATE '2025-10-24', "
                       "DATE '2025-10-25', 2, 2, 1, ?)", [json.dumps({"sources": {"Atlas Wire": 1, "Hemisphere Report": 1}})])
        for doc, outlet in (("r1", "Atlas Wire"), ("r2", "Hemisphere Report")):
            s.conn.execute("INSERT INTO story_documents (doc_id, story_id, source_name) VALUES (?, 's1', ?)",
                           [doc, outlet])
        merged = {"type": "SANCTION", "status": "actual", "date": "2025-10-24", "num_sources": 2, "num_mentions": 2,
                  "actor": {"code": "USAGOV"}, "recipient": {"code": "COLGOV"}, "disagreements": [],
                  "mentions": [{"doc_id": "r1", "source": "Atlas Wire", "field": "body", "start": 0,
                                "text": "Washington sanctioned the president."},
                               {"doc_id": "r2", "source": "Hemisphere Report", "field": "body", "start": 0,
                                "text": "The Treasury blacklisted him."}]}
        s.conn.execute("INSERT INTO story_events (story_id, idx, type, actor_country, recipient_country, "
                       "num_sources, payload) VALUES ('s1', 0, 'SANCTION', 'USA', 'COL', 2, ?)", [json.dumps(merged)])
    with TestClient(create_app(path)) as c:
        page = c.get("/api/stories").json()
        assert page["total"] == 1 and page["items"][0]["sources"] == ["Atlas Wire", "Hemisphere Report"]
        story = c.get("/api/stories/s1").json()
        assert [d["id"] for d in story["documents"]] == ["r1", "r2"] and story["events"][0]["num_sources"] == 2
        html = c.get("/stories/s1").text
        assert "#ev-r1-e0" in html and "#ev-r2-e0" in html and "Hemisphere Report" in html
        assert c.get("/stories").status_code == 200
        assert_error(c.get("/api/stories/s2"), 404, "not_found")


def test_untrusted_urls_do_not_reach_links(tmp_path):
    from tests.dyad_fixture import build

    path = tmp_path / "u.duckdb"
    with Store(path) as s:
        an = build(Doc("js", [Ev("CONSULT", "USA", "COL", "2026-01-07", "They met.")]))
        an.article.url = "javascript:alert(document.cookie)"
        s.save(an)
        ok = build(Doc("web", [Ev("CONSULT", "USA", "COL", "2026-01-08", "They met again.")]))
        ok.article.url = "https://news.example/a"
        s.save(ok)
    with TestClient(create_app(path)) as c:
        page = c.get("/articles/js").text
        assert "href=\"javascript:" not in page and "javascript:alert" in page  # shown as text only
        assert 'href="https://news.example/a"' in c.get("/articles/web").text


def test_worker_processes_serve_read_only_from_the_environment(db, monkeypatch):
    """`dyadwatch serve --workers N` passes its settings to each worker through the environment;
    a writable server cannot have several processes."""
    import json

    from typer.testing import CliRunner

    from dyadwatch.api.app import SERVE_ENV, app_from_env
    from dyadwatch.cli import app as cli

    monkeypatch.setenv(SERVE_ENV, json.dumps({"db": str(db), "cors": [], "max_body": 100,
                                              "allow_private_webhooks": False}))
    with TestClient(app_from_env()) as c:
        assert c.get("/api/health").json()["read_only"] is True
        assert c.post("/api/documents", content=b"x" * 200).status_code == 413
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--workers", "2", "--writable"])
    assert result.exit_code == 2 and "read-only" in result.output


def test_api_and_cli_ingest_store_the_same_stories_and_events(tmp_path):
    """One storing path: the same documents sent to the API and ingested by the library (the
    CLI's path) give the same events and the same story partition."""
    from dyadwatch.pipeline import ingest

    texts = [
        ("The United States imposed sanctions on Venezuela on Monday, the Treasury said. The two "
         "governments have argued for years over oil.", "2021-03-03"),
        ("Washington imposed new sanctions on Venezuela on Monday, Treasury officials said, in "
         "the latest step in a long dispute over oil and elections.", "2021-03-03"),
        ("Kenya and Uganda signed a trade agreement in Nairobi on Friday.", "2022-05-06"),
    ]
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, (text, day) in enumerate(texts):
        (folder / f"{i}.jsonl").write_text(json.dumps({"text": text, "published": day}) + "\n")
    cli_db = tmp_path / "cli.duckdb"
    with Store(cli_db) as s:
        ingest([str(folder)], s)
    api_db = tmp_path / "api.duckdb"
    Store(api_db).close()
    app = create_app(api_db, read_only=False)
    with TestClient(app) as c:
        auth = {"Authorization": f"Bearer {create_token(app.state.dw.store.conn).token}"}
        for text, day in texts:
            assert c.post("/api/documents", json={"text": text, "published": day},
                          headers=auth).status_code == 201

    def snapshot(path):
        with Store(path, read_only=True) as s:
            all_events = s.events(limit=1000)
            rows = s.conn.execute("SELECT story_id, doc_id FROM story_documents").fetchall()
        # documents named by what they say (the ids of the two paths may differ in source)
        said = {}
        for e in all_events:
            said.setdefault(e["document"]["id"], set()).add(e["evidence"]["text"])
        evs = sorted((e["evidence"]["text"], e["type"], e["actor"]["code"], e["recipient"]["code"])
                     for e in all_events)
        groups: dict = {}
        for story, doc in rows:
            groups.setdefault(story, set()).add(min(said.get(doc, {doc})))
        return evs, sorted(sorted(g) for g in groups.values())

    cli_events, cli_stories = snapshot(cli_db)
    api_events, api_stories = snapshot(api_db)
    assert cli_events and cli_events == api_events
    assert cli_stories == api_stories and len(cli_stories) >= 1


def test_dyad_page_chart_and_event_list_count_the_same_events(tmp_path):
    path = tmp_path / "h.duckdb"
    with Store(path) as s:
        save(s, Doc("h", [Ev("CONSULT", "USA", "COL", "2026-01-07", "The presidents spoke by phone."),
                          Ev("SANCTION", "USA", "COL", "2026-01-08", "Washington could cut aid.",
                             status="hypothetical")]))
    with TestClient(create_app(path)) as c:
        page = c.get("/dyads/USA-COL").text
        assert "1 events" in page
        assert "The presidents spoke by phone." in page
        assert "Washington could cut aid." not in page  # not counted, not listed
        chosen = c.get("/dyads/USA-COL", params={"status": "hypothetical"}).text
        assert "Washington could cut aid." in chosen and "1 events" in chosen
        api = c.get("/api/dyads/USA-COL/series", params={"interval": "day"}).json()
        assert api["sparse"] and [p["n"] for p in api["points"]] == [1]
