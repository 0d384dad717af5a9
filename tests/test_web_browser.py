"""The dashboard in a real browser: Playwright driving Debian's Chromium against uvicorn on
loopback. Hover, zoom and click on the timeline; follow an event to its sentence; every page is
screenshot into tests/artifacts/ (git-ignored) and must load without console errors (a CSP
violation or a failed script shows up there)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from dyadwatch import alerts as al  # noqa: E402
from dyadwatch.api import create_app  # noqa: E402
from dyadwatch.store import Store  # noqa: E402
from tests.dyad_fixture import Doc, Ev, save  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    path = tmp_path_factory.mktemp("web") / "web.duckdb"
    with Store(path) as s:
        save(s, Doc("call", [Ev("CONSULT", "USA", "COL", "2026-01-07", "The two presidents spoke by phone on Wednesday.",
                                mode="phone"),
                             Ev("THREATEN", "USA", "COL", "2026-01-07", "Washington threatened military action.",
                                status="threatened")],
                    title="Leaders hold a first call", flags=[("formatting", "low", "spoke")],
                    removed=["Share your thoughts"]))
        for i in range(6):
            save(s, Doc(f"week{i}", [Ev("ACCUSE", "COL", "USA", f"2025-1{i % 3}-0{i + 1}", f"Bogota criticised Washington, report {i}.")]))
        al.add_watchlist(s.conn, "colombia", ["USA-COL: SANCTION, THREATEN, visits"])
        save(s, Doc("sanction", [Ev("SANCTION", "USA", "COL", "2025", "Colombia lost its preferred status in 2025.")]))
        al.scan(s.conn)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(path), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    ctx.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_dyad_timeline_hover_zoom_click(server, page):
    page.goto(f"{server}/dyads/USA-COL?interval=month")
    page.wait_for_selector("#timeline[data-ready='1'] svg")
    page.wait_for_selector("#index[data-ready='1'] svg")
    bubbles = page.locator("#timeline .mark-symbol path")
    assert bubbles.count() >= 4  # CONSULT, THREATEN, SANCTION and the ACCUSE months
    shot(page, "dyad")

    # hover: the tooltip names the type and the count
    target = _bubble(page, "SANCTION")
    target.hover()
    page.wait_for_selector("#vg-tooltip-element.visible")
    assert "SANCTION" in page.inner_text("#vg-tooltip-element")

    # zoom: the wheel narrows the time axis
    before = page.evaluate("() => window.dyadViews.timeline.scale('x').domain().map(Number)")
    box = page.locator("#timeline svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(300)
    after = page.evaluate("() => window.dyadViews.timeline.scale('x').domain().map(Number)")
    assert after[1] - after[0] < before[1] - before[0]
    page.goto(f"{server}/dyads/USA-COL?interval=month")
    page.wait_for_selector("#timeline[data-ready='1'] svg")

    # click: the bubble's events are listed, each linking to its sentence
    _bubble(page, "SANCTION").click()
    page.wait_for_selector("#selection:not([hidden]) a.evidence-link")
    link = page.locator("#selection a.evidence-link").first
    assert "preferred status" in link.inner_text()
    assert "#ev-sanction-e0" in link.get_attribute("href")
    shot(page, "dyad-selected")
    link.click()
    page.wait_for_selector("mark.current")
    assert "preferred status" in page.inner_text("mark.current")
    shot(page, "article-from-timeline")
    assert page.errors == []


def _bubble(page, type_name: str):
    """The timeline bubble of a type (Vega gives SVG marks an aria-label with their fields)."""
    return page.locator(f"#timeline .mark-symbol path[aria-label*='type: {type_name}']").first


def test_event_table_filters(server, page):
    page.goto(f"{server}/dyads/USA-COL")
    page.select_option("form.filters select[name=type]", "THREATEN")
    page.click("form.filters button")
    page.wait_for_url("**type=THREATEN**")
    rows = page.locator("table.events tbody tr")
    assert rows.count() == 1 and "THREATEN" in rows.first.inner_text()
    shot(page, "dyad-filtered")
    page.goto(f"{server}/events?dyad=COL-USA&status=actual")
    assert page.locator("table.events tbody tr").count() == 8  # all but the threat
    shot(page, "events")
    assert page.errors == []


def test_article_page_shows_evidence_flags_and_removed_text(server, page):
    page.goto(f"{server}/articles/call#ev-call-e1")
    page.wait_for_selector("mark.current")
    assert "threatened military action" in page.inner_text("mark.current")
    assert page.locator("mark.flag").count() >= 1
    assert "Share your thoughts" in page.inner_text("section.removed")
    assert "formatting" in page.inner_text("section.flags")
    shot(page, "article")
    assert page.errors == []


def test_home_alerts_and_stories_pages(server, page):
    page.goto(server)
    page.click("table.dyads a")
    page.wait_for_selector("#timeline[data-ready='1'] svg")
    page.goto(server)
    shot(page, "home")
    page.goto(f"{server}/alerts")
    text = page.inner_text("table.alerts")
    assert "colombia" in text and "SANCTION" in text
    shot(page, "alerts")
    page.locator("table.alerts a").first.click()
    page.wait_for_selector("mark.current")
    page.goto(f"{server}/stories")
    shot(page, "stories")
    page.goto(f"{server}/articles/missing")
    assert "not_found" in page.inner_text("main")
    assert [e for e in page.errors if "404" not in e] == []
