"""The live monitor against real local servers (127.0.0.1): feeds that gain items and answer 304,
a failing source (backoff recorded), a trickling one (cut off, the round goes on), robots.txt,
news sitemaps, pages; alerts in the notification log and at a webhook; config reloads; and a
monitor process killed with SIGKILL mid-round, restarted, then stopped with SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from dyadwatch import alerts as al
from dyadwatch.errors import InputError
from dyadwatch.monitor import Monitor, load_config, source_id, status
from dyadwatch.pipeline import default_pipeline
from dyadwatch.store import Store
from tests.monitor_fixture import (Item, Receiver, Server, article, config_text, news_sitemap,
                                   page, read_log_until, rss, start_monitor)

@pytest.fixture()
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture()
def store(tmp_path):
    s = Store(tmp_path / "m.duckdb")
    yield s
    s.close()


def full_item(server: Server, i: int) -> Item:
    title, body = article(i)
    return Item(f"g{i}", title, body, server.url(f"/a/{i}"))


def link_item(server: Server, i: int) -> Item:
    """An entry with a teaser only: the monitor fetches its page from the server."""
    title, body = article(i)
    server.site.put(f"/a/{i}", page(title, body), "text/html")
    return Item(f"g{i}", title, "", server.url(f"/a/{i}"))


def make_monitor(tmp_path, store, sources, **settings) -> Monitor:
    path = tmp_path / "sources.toml"
    path.write_text(config_text(sources, **settings), encoding="utf-8")
    return Monitor(store, load_config(path), pipeline=default_pipeline())


def titles(store) -> list[str]:
    return sorted(r[0] for r in store.conn.execute("SELECT title FROM documents").fetchall())


def test_new_items_are_stored_once_alerted_logged_and_posted_to_the_webhook(tmp_path, store, server):
    receiver = Receiver()
    try:
        al.add_watchlist(store.conn, "col-per", ["COL-PER: THREATEN, SANCTION"],
                         webhook=receiver.url)
        feed = [full_item(server, 1), link_item(server, 2)]
        server.site.put("/feed.xml", rss(feed))
        mon = make_monitor(tmp_path, store, [{"url": server.url("/feed.xml"), "name": "wire"}],
                           notify_log="alerts.jsonl")
        first = mon.run(once=True)
        assert (first.polls, first.stored, first.rejected) == (1, 2, 0)
        assert first.alerts >= 2 and server.site.count("/a/2") == 1  # the link was fetched
        assert len(titles(store)) == 2

        # Nothing new: the conditional GET is answered 304 and nothing is analysed again.
        sid = source_id(server.url("/feed.xml"))
        again = mon.poll(sid)
        assert (again.outcome, again.status, again.stored, again.duplicate) == ("unchanged", 304, 0, 0)
        assert server.site.statuses[-1] == ("/feed.xml", 304)

        # The feed gains an item: only that one is stored.
        server.site.put("/feed.xml", rss([full_item(server, 3)] + feed))
        third = mon.poll(sid)
        assert (third.stored, third.duplicate) == (1, 0)
        assert len(titles(store)) == 3 and server.site.count("/a/2") == 1

        lines = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
        assert len(lines) == first.alerts + third.alerts
        assert {ln["document"]["title"] for ln in lines} == set(titles(store))
        assert all(ln["event"]["type"] in ("THREATEN", "SANCTION") for ln in lines)
        assert len(receiver.bodies) == len(lines)
        assert {b["alert"]["id"] for b in receiver.bodies} == {ln["alert"]["id"] for ln in lines}

        row = status(store.conn)[0]
        assert row["health"] == "ok" and row["items_stored"] == 3
        assert row["items"] == {"stored": 3} and row["last_new_at"] is not None
    finally:
        receiver.close()


def test_failing_source_backs_off_and_trickling_source_does_not_hold_the_round(tmp_path, store,
                                                                              server):
    server.site.put("/feed.xml", rss([full_item(server, 1)]))
    sources = [{"url": server.url("/fail"), "interval": 10},
               {"url": server.url("/trickle"), "interval": 10},
               {"url": server.url("/feed.xml"), "interval": 10}]
    mon = make_monitor(tmp_path, store, sources, max_backoff=35)
    start = time.monotonic()
    report = mon.run(once=True)
    assert time.monotonic() - start < 8  # the trickle is cut at fetch.max_seconds = 1
    assert (report.polls, report.errors, report.stored) == (3, 2, 1)
    rows = {r["url"]: r for r in status(store.conn)}
    fail, trickle = rows[server.url("/fail")], rows[server.url("/trickle")]
    assert fail["health"] == "failing" and "HTTP 500" in fail["last_error"]
    assert trickle["consecutive_failures"] == 1 and "longer than 1 s" in trickle["last_error"]
    assert rows[server.url("/feed.xml")]["health"] == "ok"



def test_backoff_doubles_until_the_cap(tmp_path, store, server):
    mon = make_monitor(tmp_path, store, [{"url": server.url("/fail"), "interval": 10}],
                       max_backoff=70)
    mon.sync()
    sid = source_id(server.url("/fail"))
    waits = []
    for _ in range(4):
        before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        mon.poll(sid)
        waits.append(round((mon._state[sid]["next_due"] - before).total_seconds()))
    assert waits == [20, 40, 70, 70]
    assert status(store.conn)[0]["consecutive_failures"] == 4


def test_robots_sitemaps_pages_and_bad_entries(tmp_path, store, server):
    urls = []
    for i in (11, 12):
        title, body = article(i)
        server.site.put(f"/news/{i}", page(title, body), "text/html")
        urls.append((server.url(f"/news/{i}"), title))
    server.site.put("/news-sitemap.xml", news_sitemap(urls), "application/xml")
    title, body = article(13)
    server.site.put("/page.html", page(title, body), "text/html")
    server.site.put("/private/feed.xml", rss([full_item(server, 14)]))
    bad = rss([full_item(server, 15), Item("g-bad", "no text, no link", "", "")])
    server.site.put("/mixed.xml", bad)
    mon = make_monitor(tmp_path, store, [
        {"url": server.url("/news-sitemap.xml")}, {"url": server.url("/page.html"), "kind": "page"},
        {"url": server.url("/private/feed.xml")}, {"url": server.url("/mixed.xml")}])
    report = mon.run(once=True)
    assert report.stored == 4 and report.rejected == 1 and report.errors == 1
    rows = {r["url"]: r for r in status(store.conn)}
    assert "robots.txt" in rows[server.url("/private/feed.xml")]["last_error"]
    assert rows[server.url("/news-sitemap.xml")]["items"] == {"stored": 2}
    reasons = store.conn.execute("SELECT reason, message FROM rejects").fetchall()
    assert len(reasons) == 1 and "neither the article text nor a link" in reasons[0][1]
    assert server.site.count("/private/feed.xml") == 0
    published = store.conn.execute(
        "SELECT published FROM documents WHERE url = ?", [urls[0][0]]).fetchone()[0]
    assert published == dt.date(2025, 3, 3)


def test_a_link_that_cannot_be_fetched_is_tried_again_then_given_up(tmp_path, store, server):
    server.site.put("/feed.xml", rss([Item("g1", "gone", "", server.url("/missing"))]))
    mon = make_monitor(tmp_path, store, [{"url": server.url("/feed.xml")}], max_link_attempts=2)
    sid = source_id(server.url("/feed.xml"))
    mon.run(once=True)
    assert mon._state[sid]["etag"] is None  # not complete: the next poll fetches it whole
    mon.poll(sid)
    assert server.site.count("/missing") == 2 and mon._state[sid]["etag"] is not None
    mon.poll(sid)  # given up: 304, the link is not tried a third time
    assert server.site.count("/missing") == 2 and server.site.statuses[-1][1] == 304


def test_config_errors_name_the_file_and_field(tmp_path):
    path = tmp_path / "sources.toml"
    cases = {'[[source]]\nurl = "ftp://x"\n': "[[source]] 1 field 'url'",
             '[[source]]\nurl = "http://x/"\ninterval = 0\n': "field 'interval' must be at least 1",
             '[monitor]\nintervall = 5\n': "unknown [monitor] keys ['intervall']",
             '[[source]]\nurl = "http://x/"\nkind = "podcast"\n': "field 'kind' must be one of",
             '[[source]]\nurl = "http://x/"\n[[source]]\nurl = "http://x/"\n': "repeats",
             '[fetch]\nspeed = 1\n': "unknown option fetch.speed",
             'x = [': "not valid TOML"}
    for text, needle in cases.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as err:
            load_config(path)
        assert needle in str(err.value) and str(path) in str(err.value)


def test_sources_added_and_removed_while_running(tmp_path, store, server):
    server.site.put("/one.xml", rss([full_item(server, 21)]))
    server.site.put("/two.xml", rss([full_item(server, 22)]))
    path = tmp_path / "sources.toml"
    path.write_text(config_text([{"url": server.url("/one.xml"), "interval": 1}]))
    mon = Monitor(store, load_config(path), pipeline=default_pipeline())
    thread = threading.Thread(target=mon.run, daemon=True)
    thread.start()
    try:
        _until(lambda: server.site.count("/one.xml") >= 1)
        time.sleep(0.05)
        path.write_text(config_text([{"url": server.url("/two.xml"), "interval": 1}]))
        os.utime(path, (time.time() + 5, time.time() + 5))  # a new mtime even on coarse clocks
        _until(lambda: server.site.count("/two.xml") >= 1)
        polled_one = server.site.count("/one.xml")
        time.sleep(1.5)
        assert server.site.count("/one.xml") == polled_one  # removed: no longer polled
    finally:
        mon.stop()
        thread.join(10)
    assert not thread.is_alive()
    rows = {r["url"]: r["health"] for r in status(store.conn, include_inactive=True)}
    assert rows[server.url("/one.xml")] == "removed" and rows[server.url("/two.xml")] == "ok"


def _until(cond, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- a real process: SIGKILL mid-round, restart, SIGTERM ---------------------------------------
N_KILL = 24


def test_sigkill_mid_round_then_restart_loses_nothing_and_stores_nothing_twice(tmp_path, server):
    items = [full_item(server, 100 + i) if i % 3 else link_item(server, 100 + i)
             for i in range(N_KILL)]
    server.site.put("/feed.xml", rss(items))
    cfg = tmp_path / "sources.toml"
    cfg.write_text(config_text([{"url": server.url("/feed.xml"), "interval": 1}],
                               notify_log="alerts.jsonl"))
    db = tmp_path / "kill.duckdb"
    with Store(db) as s:
        al.add_watchlist(s.conn, "col-per", ["COL-PER: THREATEN"])

    first = start_monitor(db, cfg)
    try:
        stored = []
        read_log_until(first, lambda r: r.get("event") == "stored" and stored.append(r) is None
                    and len(stored) >= 5)
        first.send_signal(signal.SIGKILL)  # mid-round: most items not yet stored
        first.wait(10)
    finally:
        first.kill()
    assert first.returncode == -signal.SIGKILL

    second = start_monitor(db, cfg)
    try:
        # The restart polls the feed whole (no 304: its ETag was never recorded), stores the rest,
        # and the following poll gets a 304.
        read_log_until(second, lambda r: r.get("event") == "poll" and r.get("status") == 304)
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
    finally:
        second.kill()

    with Store(db, read_only=True) as s:
        got = [r[0] for r in s.conn.execute("SELECT title FROM documents").fetchall()]
        items_state = s.conn.execute("SELECT state, count(*) FROM monitor_items "
                                     "GROUP BY state").fetchall()
        alert_docs = s.conn.execute("SELECT count(DISTINCT doc_id) FROM alerts").fetchone()[0]
    assert sorted(got) == sorted(it.title for it in items)  # none lost, none twice
    assert sum(n for _, n in items_state) == N_KILL
    assert dict(items_state).get("stored", 0) >= N_KILL - 1  # at most the in-flight one re-found
    assert alert_docs == N_KILL
    logged = {json.loads(x)["document"]["title"]
              for x in (tmp_path / "alerts.jsonl").read_text().splitlines()}
    assert logged == set(got)


def test_api_monitor_endpoint_with_the_monitor_running_inside_serve(tmp_path, server):
    from fastapi.testclient import TestClient

    from dyadwatch.api import create_app

    server.site.put("/feed.xml", rss([full_item(server, 31)]))
    cfg = tmp_path / "sources.toml"
    cfg.write_text(config_text([{"url": server.url("/feed.xml"), "name": "wire", "interval": 1}]))
    db = tmp_path / "api.duckdb"
    default_pipeline()  # loaded here once; the monitor thread's pipeline shares its models
    app = create_app(db, read_only=True, dashboard=False, monitor_config=cfg)
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        while True:
            body = client.get("/api/monitor").json()
            if body["sources"] and body["sources"][0]["items_stored"] == 1:
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.1)
        assert body["running"] is True
        src = body["sources"][0]
        assert (src["name"], src["health"], src["consecutive_failures"]) == ("wire", "ok", 0)
        assert client.post("/api/watchlists", json={}).status_code == 403  # still read-only
    app = create_app(db, read_only=True, dashboard=False)
    with TestClient(app) as client:
        body = client.get("/api/monitor").json()
        assert body["running"] is False and body["sources"][0]["items"] == {"stored": 1}
