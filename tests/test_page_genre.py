"""Page kinds (clean.pagekind) and genres (clean.genre): what a page is and what kind of writing,
by kind of evidence; pages that are not articles get no events; dyad statistics can leave genres
out."""

from __future__ import annotations

import pytest

from dyadwatch.clean.genre import classify as genre_of
from dyadwatch.clean.pagekind import anchor_texts, classify as kind_of
from dyadwatch.ingest.html import extract_html, parse_html
from dyadwatch.model import Document
from tests.dyad_fixture import Doc, Ev, save

PARA = ("The council met on Tuesday to discuss the budget for the coming year, and members "
        "argued for two hours over the cost of repairing roads in the northern districts.")


def page(body: str, *, head: str = "", title: str = "Council debates the road budget") -> bytes:
    return (f"<html><head><title>{title}</title>{head}</head><body><header><nav><a href='/'>Home"
            f"</a></nav></header><article><h1>{title}</h1>{body}</article></body></html>"
            ).encode()


def html(body: str, url: str = "https://news.example.org/2026/03/03/council-budget", **kw):
    return extract_html(Document(source="t.html", content=page(body, **kw), url=url))


# ---------------------------------------------------------------- page kinds

def test_a_story_page_is_an_article_and_its_teasers_leave_the_body() -> None:
    # the body step over the engine's text (trafilatura keeps such lines on real pages)
    from dyadwatch.ingest.html import _set_html_body
    from dyadwatch.model import Article

    root = parse_html("<html><body><a href='/x'>Mayor opens a new bridge over the river</a>"
                      "<a href='/y'>Home</a></body></html>")
    text = "\n".join([PARA] * 5 + ["Mayor opens a new bridge over the river", PARA])
    a = Article(doc_id="x", source="t.html", text="")
    _set_html_body(a, text, anchor_texts(root), 0)
    assert a.page_kind == "article"
    assert "new bridge" not in a.text and a.text.count("The council met") == 6
    assert [r.reason for r in a.removed] == ["link_teaser"]
    assert not any(f.kind == "not_an_article" for f in a.flags)


def test_short_link_texts_and_written_urls_stay() -> None:
    anchors = anchor_texts(parse_html("<html><body><a>More:</a><a>www.example.org/report</a>"
                                      "</body></html>"))
    from dyadwatch.clean.pagekind import is_teaser

    assert not is_teaser("More:", anchors)
    assert not is_teaser("www.example.org/report", anchors)


def test_a_page_of_links_is_a_links_page() -> None:
    links = "".join(f"<p><a href='/d/{i}'>Department of public works notice number {i}</a></p>"
                    for i in range(12))
    a = html("<p>Municipal notices.</p>" + links)
    assert a.page_kind == "links"
    flag = next(f for f in a.flags if f.kind == "not_an_article")
    assert "link texts" in flag.detail and flag.severity == "medium"
    assert "notice number 3" in a.text  # a links page keeps its text: only its kind changes


def test_a_results_table_is_a_table_page_but_a_layout_table_is_not() -> None:
    rows = "".join(f"<tr><td>Player {i}</td><td>{i * 3}</td><td>{i}%</td><td>2 tackles</td></tr>"
                   for i in range(40))
    a = html(f"<p>Snap counts for the week.</p><table><tr><th>Player</th><th>Plays</th><th>%</th>"
             f"<th>Stats</th></tr>{rows}</table>")
    assert a.page_kind == "table"
    assert "Player 7" in a.text  # the table stays in the body
    layout = html("<table><tr><td>" + "</td></tr><tr><td>".join([PARA] * 6) + "</td></tr></table>")
    assert layout.page_kind == "article"


def test_galleries_and_search_pages() -> None:
    assert kind_of(["Photos of the week."], figures=8).kind == "gallery"
    assert kind_of([PARA] * 8, figures=8).kind == "article"
    assert kind_of([PARA], url="https://example.org/search?q=budget").kind == "search"
    assert kind_of([PARA], url="https://example.org/tag/budget/").kind == "search"
    assert kind_of([PARA], url="https://example.org/2026/03/budget-tag-row").kind == "article"


class _Recorder:
    def __init__(self) -> None:
        self.calls = 0

    def code_article(self, *a, **k):
        self.calls += 1
        return []


def test_no_events_are_coded_from_a_page_that_is_not_an_article(monkeypatch) -> None:
    from dyadwatch.pipeline import default_pipeline

    pipe = default_pipeline()
    rec = _Recorder()
    monkeypatch.setattr(pipe, "coder", rec)
    links = "".join(f"<p><a href='/d/{i}'>Minister visits the province number {i}</a></p>"
                    for i in range(12))
    doc = Document(source="l.html", content=page(links), url="https://example.org/notices")
    assert pipe.analyze_document(doc).article.page_kind == "links"
    assert rec.calls == 0
    monkeypatch.setattr(pipe.options.events, "code_non_articles", True)
    pipe.analyze_document(doc)
    assert rec.calls == 1


# ---------------------------------------------------------------- genres

@pytest.mark.parametrize("kw, genre", [
    ({"url": "https://example.org/opinion/why-the-budget-fails"}, "opinion"),
    ({"url": "https://example.org/news/budget", "schema_types": ["OpinionNewsArticle"]}, "opinion"),
    ({"title": "Analysis: what the budget means for roads"}, "analysis"),
    ({"author_role": "Contributing columnist", "section": "Commentary"}, "opinion"),
    ({"url": "https://example.org/politics/live-updates-budget-vote"}, "live-blog"),
    ({"schema_types": ["ClaimReview"]}, "fact-check"),
    ({"title": "10 things to know about the budget"}, "listing"),
    ({"url": "https://example.org/world/2026/03/03/budget-talks", "section": "World"}, "report"),
    ({"url": "https://example.org/news/liver-transplants-rise"}, "report"),
])
def test_genre_from_what_the_page_says_about_itself(kw, genre) -> None:
    found = genre_of(**kw)
    assert found.genre == genre
    assert found.evidence or genre == "report"


def test_genre_from_the_body() -> None:
    qa = "\n".join(["Q: Why now?", "A: Because the roads are failing.", "Q: Who pays?",
                    "A: The province, mostly.", "Q: When?", "A: Next spring."])
    assert genre_of(text=qa).genre == "interview"
    live = "\n".join(f"{h}:0{h % 10} a.m. ET – Council members arrive." for h in range(8, 12))
    assert genre_of(text=live).genre == "live-blog"
    pr = f"{PARA}\nAbout Acme Roads Inc.\nAcme builds roads.\nMedia contact: press@acme.example"
    assert genre_of(text=pr).genre == "press-release"
    verdict = f"{PARA}\nOur verdict: False. The council did not vote."
    assert genre_of(text=verdict).genre == "fact-check"


def test_first_person_alone_is_not_enough_and_quoted_speech_does_not_count() -> None:
    mine = "I think my council is wrong, and I say so. " * 5
    assert genre_of(text=mine).genre == "report"  # one weak cue (weight 1) under min_score 2
    assert genre_of(text=mine, author_role="columnist").genre == "opinion"
    quoted = f'{PARA} "I think my council is wrong, I said so, and I will vote no," she said. ' * 5
    assert "first-person" not in " ".join(genre_of(text=quoted, author_role="columnist").evidence)


def test_opinion_is_flagged_and_check_shows_the_genre() -> None:
    from dyadwatch.clean.quality import report_text

    a = html("".join(f"<p>{PARA}</p>" for _ in range(3)),
             url="https://example.org/opinion/roads-are-failing")
    assert a.genre == "opinion"
    flag = next(f for f in a.flags if f.kind == "not_a_report")
    assert "address segment '/opinion/'" in flag.detail
    assert "genre: opinion" in report_text(a, 0.96, 0.5)


def test_dyad_statistics_and_event_lists_can_leave_genres_out(tmp_path) -> None:
    from dyadwatch.dyads import series
    from dyadwatch.store import Store

    with Store(tmp_path / "g.duckdb") as store:
        ev = Ev("CONSULT", "USA", "COL", "2026-01-07", "Trump spoke with Petro by phone.")
        save(store, Doc("r1", [ev]), Doc("o1", [ev], genre="opinion"))
        assert series(store.conn, "USA-COL").total == 2
        assert series(store.conn, "USA-COL", exclude_genres=("opinion",)).total == 1
        rows = store.events(dyad="USA-COL", exclude_genres=["opinion"])
        assert [r["document"]["genre"] for r in rows] == ["report"]


# ---------------------------------------------------------------- topics

SPORT = ("Nadal won the first set 6-3 and the match in straight sets, and Spain will play "
         "defending champion Croatia in the final of the tournament on Sunday. The coach said "
         "the team's players and fans believed the title was within reach after the semifinal.")
TRADE = ("The president said the government would raise tariffs on Chinese goods, and officials "
         "in Beijing warned of retaliation as ministers met to discuss the trade war. Shares fell "
         "and investors worried about company earnings.")


def test_topic_from_the_body_and_the_address() -> None:
    from dyadwatch.clean.topic import classify

    assert classify(text=SPORT).topic == "sports"
    assert classify(text=TRADE, url="https://example.org/business/trade-war").topic == "politics"
    found = classify(text="The album and the tour were announced.",
                     url="https://example.org/music/band-reunites")
    assert found.topic == "entertainment" and any("music" in e for e in found.evidence)


def test_on_a_sports_page_a_country_is_a_team(monkeypatch) -> None:
    from dyadwatch.clean.topic import political_side
    from dyadwatch.model import ActorRef, Event, Evidence
    from dyadwatch.pipeline import default_pipeline

    team = ActorRef(text="Spain", name="Spain", country="ESP", sector="GOV", kb_id="country:ESP")
    ministry = ActorRef(text="Spain's sports ministry", country="ESP", sector="GOV")
    assert not political_side(team) and political_side(ministry)
    ev = lambda a: Event(type="SUPPORT", actor=a, recipient=ActorRef(),  # noqa: E731
                         evidence=Evidence(0, 0, 5, "Spain"))

    class Coder:
        def code_article(self, *a, **k):
            return [ev(team), ev(ministry)]

    pipe = default_pipeline()
    monkeypatch.setattr(pipe, "coder", Coder())
    doc = Document(source="s.txt", content=SPORT.encode(), format="text")
    analysis = pipe.analyze_document(doc)
    assert analysis.article.topic == "sports"
    assert [e.actor.text for e in analysis.events] == ["Spain's sports ministry"]
    monkeypatch.setattr(pipe.options.events, "topic_gate", False)
    assert len(pipe.analyze_document(doc).events) == 2
