"""Stories: online clustering, persistence, event merging across articles, story cards, CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from dyadwatch.model import ActorRef, Analysis, Article, Event, Evidence, FactCard, FactItem, Location, Mention
from dyadwatch.stories import cluster as cl
from dyadwatch.stories.card import build_story_card
from dyadwatch.stories.merge import Report, figures, merge_reports

D = dt.date(2026, 3, 10)

# Written for these tests: two outlets on one border clash, one on an unrelated flood.
CLASH_1 = (
    "Border guards of the two neighbours exchanged fire near the river crossing at Kalmar Ford on "
    "Monday, killing 12 people, the interior ministry said. Troops were sent to the crossing and "
    "the ministry summoned the ambassador to protest the attack on the guard post.")
CLASH_2 = (
    "At least 15 people died on Monday when border guards exchanged fire at the Kalmar Ford river "
    "crossing, officials said. The ambassador was summoned by the interior ministry to protest "
    "the attack on the guard post and more troops were sent to the crossing.")
FLOOD = (
    "Heavy rain flooded the lower town overnight, forcing the evacuation of two schools and a "
    "care home, while rescue crews used boats to reach families trapped on upper floors.")


def _event(actor: str, recipient: str, kind: str = "ASSAULT", *, date: str = "2026-03-09",
           status: str = "actual", text: str = "", cameo: str = "190", conf: float = 0.7,
           quad: int = 4, context=("military",)) -> Event:
    return Event(type=kind, actor=ActorRef(text=actor, name=actor, country=actor[:3].upper()),
                 recipient=ActorRef(text=recipient, name=recipient, country=recipient[:3].upper()),
                 evidence=Evidence(sentence=0, start=0, end=len(text), text=text),
                 cameo=cameo, quad_class=quad, status=status, confidence=conf, date=date,
                 context=list(context), mentions=[Evidence(sentence=0, start=0, end=len(text), text=text)])


def _analysis(doc_id: str, text: str, outlet: str, day: dt.date, events=(), mentions=(),
              facts: FactCard | None = None) -> Analysis:
    art = Article(doc_id=doc_id, source=f"{doc_id}.html", text=text, title=text[:50],
                  published=day, source_name=outlet)
    return Analysis(article=art, events=list(events), mentions=list(mentions),
                    facts=facts or FactCard())


def _clash_analyses() -> list[Analysis]:
    m = [Mention(text="Kalmar Ford", start=0, end=5, sentence=0, kind="place", name="Kalmar Ford")]
    a = _analysis("d1", CLASH_1, "Atlas Wire", D, mentions=m, events=[
        _event("Northland", "Southland", text="exchanged fire near the river crossing, killing 12 people"),
        _event("Northland", "Southland", "PROTEST", cameo="140", quad=3, date="2026-03-09",
               text="summoned the ambassador to protest the attack")],
        facts=FactCard(participants=[FactItem(text="Northland interior ministry")]))
    b = _analysis("d2", CLASH_2, "Pacific Ledger", D + dt.timedelta(days=1), mentions=m, events=[
        _event("Northland", "Southland", date="2026-03-09", text="At least 15 people died on Monday",
               conf=0.6),
        _event("Northland", "Southland", "PROTEST", cameo="141", quad=3, date="2026-03",
               text="The ambassador was summoned to protest")],
        facts=FactCard(participants=[FactItem(text="Northland interior ministry")]))
    return [a, b]


# --------------------------------------------------------------------------------------------
# clustering


def test_same_story_joins_and_other_story_starts_new():
    c = cl.StoryClusterer()
    a = c.add(cl.features_from_text("a", CLASH_1, day=D, source="A"))
    b = c.add(cl.features_from_text("b", CLASH_2, day=D + dt.timedelta(days=1), source="B"))
    f = c.add(cl.features_from_text("f", FLOOD, day=D, source="C"))
    assert a.new_story and not b.new_story and b.story_id == a.story_id
    assert f.new_story and f.story_id != a.story_id
    story = c.story_of("b")
    assert story.doc_ids == ["a", "b"] and set(story.sources) == {"A", "B"}
    assert story.first_seen == D and story.last_seen == D + dt.timedelta(days=1)
    assert c.add(cl.features_from_text("b", CLASH_2)).story_id == a.story_id  # already placed


def test_time_window_keeps_old_stories_out():
    c = cl.StoryClusterer()
    a = c.add(cl.features_from_text("a", CLASH_1, day=D))
    late = D + dt.timedelta(days=c.config.window_days + 10)
    b = c.add(cl.features_from_text("b", CLASH_2, day=late))
    assert b.new_story and b.story_id != a.story_id


def test_copy_joins_through_near_duplicate_detection():
    c = cl.StoryClusterer()
    a = c.add(cl.features_from_text("a", CLASH_1, day=D))
    b = c.add(cl.features_from_text("b", CLASH_1 + " More to follow.", day=D))
    assert b.story_id == a.story_id and b.duplicate_of == "a" and b.duplicate_similarity > 0.5


def test_entities_alone_do_not_join_unrelated_text():
    c = cl.StoryClusterer()
    keys = {"c:NOR", "c:SOU", "e:kb1"}
    c.add(cl.features_from_text("a", CLASH_1, day=D, entities=keys))
    f = c.add(cl.features_from_text("f", FLOOD, day=D, entities=keys))
    assert f.new_story


def test_features_from_analysis_and_from_its_stored_form_agree():
    an = _clash_analyses()[0]
    f1, f2 = cl.features_from_analysis(an), cl.features_from_dict(an.to_dict())
    assert (f1.doc_id, f1.terms, f1.entities, f1.day, f1.source) == (
        f2.doc_id, f2.terms, f2.entities, f2.day, f2.source)
    assert "p:kalmar ford" in f1.entities and "v:ASSAULT:NOR:SOU" in f1.entities


def test_outlet_falls_back_to_url_host():
    art = Article(doc_id="x", source="feed.xml", text="t", url="https://www.example.org/a/b")
    assert cl.outlet(art) == "example.org"
    assert cl.outlet(Article(doc_id="x", source="in.txt", text="t")) == "in.txt"


# --------------------------------------------------------------------------------------------
# merging and cards


def _reports() -> list[Report]:
    out = []
    for an in _clash_analyses():
        for e in an.events:
            out.append(Report(event=e.to_dict(), doc_id=an.article.doc_id,
                              source=an.article.source_name, published=an.article.published.isoformat()))
    return out


def test_one_happening_reported_by_two_outlets_is_one_event_with_counts():
    events = merge_reports("s1", _reports())
    assault = next(e for e in events if e.type == "ASSAULT")
    assert (assault.num_mentions, assault.num_articles, assault.num_sources) == (2, 2, 2)
    assert assault.sources == ["Atlas Wire", "Pacific Ledger"]
    assert assault.confidence == pytest.approx(1 - 0.3 * 0.4)  # noisy-OR of 0.7 and 0.6
    counts = {d.field: d for d in assault.disagreements}
    assert "count:people" in counts
    values = {v["value"]: v["sources"] for v in counts["count:people"].values}
    assert values == {"12": ["Atlas Wire"], "15": ["Pacific Ledger"]}
    protest = next(e for e in events if e.type == "PROTEST")
    assert protest.num_articles == 2 and protest.date == "2026-03-09"
    fields = {d.field for d in protest.disagreements}
    assert "cameo" in fields and "date" not in fields  # "2026-03" is a coarser form, not a conflict


def test_status_classes_and_symmetric_types():
    base = dict(doc_id="a", source="A")
    reps = [Report(event=_event("Northland", "Southland", text="x").to_dict(), **base),
            Report(event=_event("Northland", "Southland", status="alleged", text="y").to_dict(),
                   doc_id="b", source="B"),
            Report(event=_event("Northland", "Southland", status="threatened", text="z").to_dict(),
                   doc_id="c", source="C"),
            Report(event=_event("Northland", "Southland", "CONSULT", cameo="040", quad=1,
                                text="spoke").to_dict(), doc_id="a", source="A"),
            Report(event=_event("Southland", "Northland", "CONSULT", cameo="040", quad=1,
                                text="spoke too").to_dict(), doc_id="b", source="B")]
    events = merge_reports("s", reps)
    kinds = sorted((e.type, e.status, e.num_articles) for e in events)
    assert kinds == [("ASSAULT", "actual", 2), ("ASSAULT", "threatened", 1), ("CONSULT", "actual", 2)]
    certain = next(e for e in events if e.type == "ASSAULT" and e.status == "actual")
    assert [d.field for d in certain.disagreements] == ["status"]


def test_dates_far_apart_are_two_events():
    reps = [Report(event=_event("Northland", "Southland", date="2026-03-01", text="a").to_dict(),
                   doc_id="a", source="A"),
            Report(event=_event("Northland", "Southland", date="2026-03-02", text="b").to_dict(),
                   doc_id="b", source="B"),
            Report(event=_event("Northland", "Southland", date="2026-03-09", text="c").to_dict(),
                   doc_id="c", source="C")]
    assert sorted(e.num_articles for e in merge_reports("s", reps)) == [1, 2]


def test_figures_skip_dates_and_years():
    assert figures("On 9 March 2026, 1,200 troops and 3 tanks crossed; 2025 was calm") == [
        ("1200", "troop"), ("3", "tank")]


def test_story_card_names_sources_per_line():
    an = _clash_analyses()
    events = merge_reports("s1", _reports())
    card = build_story_card(events, [(a.article.source_name, a.facts.to_dict()) for a in an])
    assert card.date.text == "2026-03-09" and card.date.sources == ["Atlas Wire", "Pacific Ledger"]
    ministry = next(i for i in card.participants if i.text == "Northland interior ministry")
    assert ministry.sources == ["Atlas Wire", "Pacific Ledger"]
    assert any(i.text == "military" and len(i.sources) == 2 for i in card.issues)
    assert any("PROTEST" in i.text for i in card.rhetoric)
    assert all(i.sources for i in card.participants + card.issues + card.rhetoric)


def test_forward_looking_events_are_next_steps():
    reps = [Report(event=_event("Northland", "Southland", "AGREE", status="intended", cameo="036",
                                quad=1, date="", text="plans to meet").to_dict(),
                   doc_id="a", source="A")]
    card = build_story_card(merge_reports("s", reps))
    assert [i.sources for i in card.next_steps] == [["A"]]


# --------------------------------------------------------------------------------------------
# the store and the commands


@pytest.fixture()
def store(tmp_path):
    from dyadwatch.store import Store

    s = Store(tmp_path / "t.duckdb")
    yield s
    s.close()


def _save(store, an: Analysis) -> None:
    store.save(an)


def test_assign_and_merge_through_the_store(store, tmp_path):
    from dyadwatch.store import Store
    from dyadwatch.store.stories import get_story, list_stories
    from dyadwatch.stories import assign, merge_story_events

    assert store.schema_version() >= 2
    a1, a2 = _clash_analyses()
    flood = _analysis("d3", FLOOD, "Valley Gazette", D)
    ids = []
    for an in (a1, a2, flood):
        _save(store, an)
        ids.append(assign(store, an))
    assert ids[0] == ids[1] != ids[2]
    assert assign(store, a2) == ids[0]  # idempotent
    events = merge_story_events(store, ids[0])
    assert any(e.num_sources == 2 for e in events)
    story = get_story(store, ids[0])
    assert [d["id"] for d in story["documents"]] == ["d1", "d2"]
    assert story["n_events"] == len(events) and story["card"]["date"]["text"] == "2026-03-09"
    assert [s["id"] for s in list_stories(store, min_documents=2)] == [ids[0]]
    # a new process continues from the stored state
    path = store.path
    store.close()
    with Store(path) as again:
        copy = _analysis("d4", CLASH_2 + " Talks are planned.", "Danube Post", D + dt.timedelta(days=1))
        _save(again, copy)
        assert assign(again, copy) == ids[0]
        assert get_story(again, ids[0])["n_documents"] == 3


def test_a_new_process_finds_old_stories_for_a_backfilled_document(store):
    """Input out of date order: after a restart, the stored stories loaded are those near the
    newest one; a document dated months earlier still joins its story (loaded on demand)."""
    from dyadwatch.store import Store
    from dyadwatch.store.stories import RELOAD_DAYS
    from dyadwatch.stories import assign

    a1, a2 = _clash_analyses()
    late = D + dt.timedelta(days=RELOAD_DAYS + 200)
    flood = _analysis("d3", FLOOD, "Valley Gazette", late)
    for an in (a1, flood):
        _save(store, an)
    first = assign(store, a1)
    assert assign(store, flood) != first
    path = store.path
    store.close()
    with Store(path) as again:
        _save(again, a2)
        assert assign(again, a2) == first


def test_assign_stored_and_the_stories_commands(store):
    from dyadwatch.cli import app
    from dyadwatch.stories.online import assign_stored

    for an in (*_clash_analyses(), _analysis("d3", FLOOD, "Valley Gazette", D)):
        _save(store, an)
    counts = assign_stored(store)
    assert counts["documents"] == 3 and counts["new_stories"] == 2 and counts["stories_merged"] == 2
    assert assign_stored(store)["documents"] == 0
    path = store.path
    store.close()
    run = CliRunner()
    res = run.invoke(app, ["stories", "list", "--db", path, "--json"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    top = next(r for r in rows if r["n_documents"] == 2)
    assert top["sources"] == ["Atlas Wire", "Pacific Ledger"]
    res = run.invoke(app, ["stories", "show", top["id"], "--db", path])
    assert res.exit_code == 0 and "reports differ on count:people" in res.stdout
    assert run.invoke(app, ["stories", "show", "nope", "--db", path]).exit_code == 3
    assert run.invoke(app, ["stories", "list", "--db", path + ".missing"]).exit_code == 3
