"""Persistence of stories: membership, the clusterer's state, merged story events and cards.

Tables (migration 002): ``stories`` (one row per story, with the clusterer's state of the story
as JSON and its key facts card), ``story_documents`` (which story each document joined, with its
near-duplicate link, MinHash signature and language), ``story_terms`` and ``story_languages``
(document frequencies learned so far), ``story_events`` (merged events, one row each, JSON payload).

The clusterer works in memory; ``clusterer_for(store)`` builds it once per open ``Store`` from
the stories last seen within ``reload_days`` of the newest one, then every assignment is written
through, so a later process continues where this one stopped. A document dated before the
stories in memory (a backfill, or input out of date order) first loads the stored stories its
time window reaches (``cover``): a process that starts mid-corpus sees what one process running
from the start would have seen.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import weakref
from typing import Any

from dyadwatch.errors import StoreError
from dyadwatch.stories.cluster import Assignment, DocFeatures, Story, StoryClusterer
from dyadwatch.stories.dedup import decode_signature, encode_signature, fingerprint
from dyadwatch.stories.merge import Report, StoryEvent
from dyadwatch.stories.similarity import DocumentFrequencies

log = logging.getLogger(__name__)

RELOAD_DAYS = 30  # stories older than this before the newest one are not reloaded (window is days)
_CLUSTERERS: "weakref.WeakKeyDictionary[Any, StoryClusterer]" = weakref.WeakKeyDictionary()
# the earliest last_seen of the stories a clusterer has loaded (None: all of them)
_LOADED_SINCE: "weakref.WeakKeyDictionary[StoryClusterer, dt.date | None]" = \
    weakref.WeakKeyDictionary()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------------------------
# the clusterer's state


def clusterer_for(store, *, embed: bool = False) -> StoryClusterer:
    """The store's clusterer (built from the database on first use, then kept with the store)."""
    c = _CLUSTERERS.get(store)
    if c is None:
        c = load_clusterer(store, embed=embed)
        _CLUSTERERS[store] = c
    return c


def load_clusterer(store, *, embed: bool = False, reload_days: int = RELOAD_DAYS) -> StoryClusterer:
    c = StoryClusterer(embed=embed)
    row = store.conn.execute("SELECT max(last_seen) FROM stories").fetchone()
    newest = row[0] if row else None
    since = newest - dt.timedelta(days=reload_days) if newest is not None else None
    stories = _load_stories(store, c, "WHERE s.last_seen IS NULL OR s.last_seen >= ?" if since
                            else "", [since] if since else [])
    c.load(stories, _load_freqs(store, c.freqs))
    _LOADED_SINCE[c] = since
    log.info("loaded %d stories (%d documents) from %s", len(stories), len(c.doc_story), store.path)
    return c


def cover(store, c: StoryClusterer, day: dt.date | None) -> int:
    """Load the stored stories that a document of ``day`` could join and that ``c`` has not
    loaded yet (those last seen from ``window_days`` before ``day`` up to what is loaded).
    Returns how many were loaded."""
    since = _LOADED_SINCE.get(c)
    if day is None or since is None:
        return 0  # nothing dated, or every story is loaded already
    need = day - dt.timedelta(days=c.config.window_days)
    if need >= since:
        return 0
    stories = [s for s in _load_stories(store, c, "WHERE s.last_seen >= ? AND s.last_seen < ?",
                                        [need, since]) if s.id not in c.stories]
    c.load(stories)
    _LOADED_SINCE[c] = need
    if stories:
        log.info("loaded %d earlier stories (last seen from %s) from %s", len(stories), need,
                 store.path)
    return len(stories)


def _load_stories(store, c: StoryClusterer, where: str, params: list[Any]) -> list[Story]:
    """Stories of the ``stories`` table matching ``where`` (alias ``s``) with their members, in
    the order they were assigned; their MinHash signatures go to ``c``'s near-duplicate index."""
    rows = store.conn.execute(
        "SELECT s.id, s.title, s.first_seen, s.last_seen, s.state FROM stories s " + where,
        params).fetchall()
    rows = [r for r in rows if r[0] not in c.stories]
    members: dict[str, list[tuple[str, str, str]]] = {}
    ids = [r[0] for r in rows]
    for i in range(0, len(ids), 10_000):  # bounded parameter lists
        part = ids[i:i + 10_000]
        for doc_id, sid, fp, sig in store.conn.execute(
                "SELECT doc_id, story_id, fingerprint, signature FROM story_documents WHERE "
                f"story_id IN ({', '.join('?' * len(part))}) ORDER BY assigned_at", part).fetchall():
            members.setdefault(sid, []).append((doc_id, fp or "", sig or ""))
    stories = []
    for sid, title, first, last, state in rows:
        docs = members.get(sid, [])
        stories.append(Story.from_state(sid, title, first, last, [d for d, _, _ in docs],
                                        json.loads(state) if state else {}))
        if c.dedup is not None:
            for doc_id, fp, sig in docs:
                if sig:
                    c.dedup.add_signature(doc_id, decode_signature(sig), fp)
    return stories


def _load_freqs(store, freqs: DocumentFrequencies) -> DocumentFrequencies:
    n = store.conn.execute("SELECT count(*) FROM story_documents").fetchone()[0]
    freqs.n_docs = int(n)
    for term, df in store.conn.execute("SELECT term, df FROM story_terms").fetchall():
        freqs.df[term] = int(df)
    for lang, count in store.conn.execute("SELECT lang, n_docs FROM story_languages").fetchall():
        freqs.by_lang[lang] = int(count)
    return freqs


def save_assignment(store, clusterer: StoryClusterer, doc: DocFeatures, a: Assignment) -> None:
    """Write one assignment in one transaction: the story row, the membership, the frequencies."""
    story = clusterer.stories[a.story_id]
    sig = clusterer.dedup.signatures.get(doc.doc_id) if clusterer.dedup is not None else None
    c = store.conn
    now = _now()
    c.execute("BEGIN TRANSACTION")
    try:
        c.execute(
            "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, 0, ?, NULL, ?, ?) ON CONFLICT (id) DO "
            "UPDATE SET title = excluded.title, first_seen = excluded.first_seen, last_seen = "
            "excluded.last_seen, n_documents = excluded.n_documents, n_sources = "
            "excluded.n_sources, state = excluded.state, updated_at = excluded.updated_at",
            [story.id, story.title, story.first_seen, story.last_seen, len(story.doc_ids),
             len(story.sources), json.dumps(story.to_state(), ensure_ascii=False), now, now])
        c.execute(
            "INSERT INTO story_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (doc_id) DO NOTHING",
            [doc.doc_id, a.story_id, a.score, a.new_story, a.duplicate_of or None,
             a.duplicate_similarity, doc.source, doc.day, doc.lang, fingerprint(doc.text),
             encode_signature(sig) if sig is not None else None, now])
        terms = sorted(set(doc.terms) | set(doc.entities))
        if terms:  # one statement for all terms: executemany runs one statement per row (100x)
            c.execute("INSERT INTO story_terms SELECT unnest(?::VARCHAR[]), 1 ON CONFLICT (term) "
                      "DO UPDATE SET df = story_terms.df + 1", [terms])
        if doc.lang:
            c.execute("INSERT INTO story_languages VALUES (?, 1) ON CONFLICT (lang) DO UPDATE "
                      "SET n_docs = story_languages.n_docs + 1", [doc.lang])
        c.execute("COMMIT")
    except Exception as exc:
        c.execute("ROLLBACK")
        raise StoreError(f"cannot store the story of {doc.doc_id}: {exc}",
                         source=store.path) from exc


def assigned(store, doc_id: str) -> str | None:
    row = store.conn.execute("SELECT story_id FROM story_documents WHERE doc_id = ?",
                             [doc_id]).fetchone()
    return row[0] if row else None


def unmerged(store) -> list[str]:
    """Stories with a member assigned since their events were last merged (an assignment and a
    merge both stamp ``stories.updated_at``; the merge comes later): what a process stopped
    between assigning and merging left behind."""
    rows = store.conn.execute(
        "SELECT DISTINCT sd.story_id FROM story_documents sd JOIN stories s ON s.id = sd.story_id "
        "WHERE sd.assigned_at >= s.updated_at ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def unassigned(store) -> list[str]:
    """Stored documents not yet in a story, oldest first (publication, else reference date)."""
    rows = store.conn.execute(
        "SELECT d.id FROM documents d LEFT JOIN story_documents s ON s.doc_id = d.id "
        "WHERE s.doc_id IS NULL ORDER BY coalesce(d.published, d.ref_date) NULLS LAST, "
        "d.ingested_at, d.id").fetchall()
    return [r[0] for r in rows]


# --------------------------------------------------------------------------------------------
# merged events


def story_reports(store, story_id: str) -> list[Report]:
    """Every article-level event of the story's documents, with the article's outlet."""
    rows = store.conn.execute(
        "SELECT e.payload, e.doc_id, "
        "coalesce(nullif(sd.source_name, ''), d.source_name, d.source), d.url, d.published "
        "FROM story_documents sd JOIN events e ON e.doc_id = sd.doc_id "
        "JOIN documents d ON d.id = sd.doc_id WHERE sd.story_id = ? ORDER BY d.published, "
        "e.doc_id, e.idx", [story_id]).fetchall()
    return [Report(event=json.loads(p), doc_id=doc, source=src or "", url=url or "",
                   published=pub.isoformat() if pub else "") for p, doc, src, url, pub in rows]


def story_fact_cards(store, story_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(outlet, key facts card) of each article of the story, as the analysis stored them."""
    rows = store.conn.execute(
        "SELECT coalesce(nullif(sd.source_name, ''), d.source_name, d.source), d.analysis "
        "FROM story_documents sd JOIN documents d ON d.id = sd.doc_id WHERE sd.story_id = ?",
        [story_id]).fetchall()
    out = []
    for src, analysis in rows:
        facts = (json.loads(analysis) if analysis else {}).get("facts") or {}
        if facts:
            out.append((src or "", facts))
    return out


def save_story_events(store, story_id: str, events: list[StoryEvent], card) -> None:
    """Replace the story's merged events and card (merging is redone from scratch: idempotent)."""
    from dyadwatch.store import _day

    c = store.conn
    c.execute("BEGIN TRANSACTION")
    try:
        c.execute("DELETE FROM story_events WHERE story_id = ?", [story_id])
        rows = []
        for i, ev in enumerate(events):
            d = ev.to_dict()
            rows.append([story_id, i, ev.id, ev.type, ev.cameo, ev.quad_class, ev.status, ev.date,
                         _day(ev.date), ev.actor.name, ev.actor.country, ev.actor.code,
                         ev.recipient.name, ev.recipient.country, ev.recipient.code,
                         ev.num_mentions, ev.num_articles, ev.num_sources, len(ev.disagreements),
                         ev.first_seen or None, json.dumps(d, ensure_ascii=False)])
        if rows:
            c.executemany(f"INSERT INTO story_events VALUES ({', '.join('?' * 21)})", rows)
        c.execute("UPDATE stories SET n_events = ?, card = ?, updated_at = ? WHERE id = ?",
                  [len(events), json.dumps(card.to_dict(), ensure_ascii=False), _now(), story_id])
        c.execute("COMMIT")
    except Exception as exc:
        c.execute("ROLLBACK")
        raise StoreError(f"cannot store the events of story {story_id}: {exc}",
                         source=store.path) from exc


# --------------------------------------------------------------------------------------------
# reading


def list_stories(store, *, since: dt.date | None = None, until: dt.date | None = None,
                 min_documents: int = 1, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Stories, most recent first: id, title, dates, counts and outlets."""
    where, params = ["n_documents >= ?"], [min_documents]
    if since:
        where.append("last_seen >= ?")
        params.append(since)
    if until:
        where.append("first_seen <= ?")
        params.append(until)
    rows = store.query(
        "SELECT id, title, first_seen, last_seen, n_documents, n_sources, n_events, state, "
        "created_at FROM stories WHERE " + " AND ".join(where) +
        " ORDER BY last_seen DESC NULLS LAST, n_documents DESC, id LIMIT ? OFFSET ?",
        params + [limit, offset])
    return [_story_row(r) for r in rows]


def _story_row(r: dict[str, Any]) -> dict[str, Any]:
    state = json.loads(r.pop("state") or "{}")
    sources = state.get("sources") or {}
    r["sources"] = sorted(sources, key=lambda s: (-sources[s], s))
    for k in ("first_seen", "last_seen", "created_at"):
        if r.get(k) is not None:
            r[k] = r[k].isoformat()
    return r


def get_story(store, story_id: str) -> dict[str, Any] | None:
    """One story with its documents, merged events and key facts card."""
    rows = store.query(
        "SELECT id, title, first_seen, last_seen, n_documents, n_sources, n_events, state, "
        "created_at, card FROM stories WHERE id = ?", [story_id])
    if not rows:
        return None
    story = rows[0]
    card = story.pop("card")
    story = _story_row(story)
    story["card"] = json.loads(card) if card else None
    docs = store.query(
        "SELECT sd.doc_id AS id, d.title, d.url, sd.source_name AS source, d.published, "
        "sd.score, sd.new_story, sd.duplicate_of, sd.duplicate_similarity, sd.lang "
        "FROM story_documents sd JOIN documents d ON d.id = sd.doc_id WHERE sd.story_id = ? "
        "ORDER BY sd.assigned_at, sd.doc_id", [story_id])
    for d in docs:
        if d.get("published") is not None:
            d["published"] = d["published"].isoformat()
    story["documents"] = docs
    story["events"] = [json.loads(r["payload"]) for r in store.query(
        "SELECT payload FROM story_events WHERE story_id = ? ORDER BY idx", [story_id])]
    return story
