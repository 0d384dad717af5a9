"""Online story clustering: each arriving document joins the story it reports on, or starts one.

A document is described by ``DocFeatures``: its content words (TF-IDF with an IDF learned as
documents arrive), entity keys (resolved actors by KB id, countries, places, and the dyad and type
of its events), its date (publication, else the reference date) and its outlet. Steps per document:

1. near-duplicate check (``dedup.NearDuplicates``): a copy of an earlier article joins that
   article's story at once;
2. candidate stories from an inverted index over the document's top TF-IDF terms and its entity
   keys, restricted to stories seen within ``window_days`` of the document's date;
3. score against each candidate = weighted mean of text similarity with the story centroid
   (cosine of TF-IDF, to the power used by ``similarity``; blended with the embedding cosine when
   embeddings are on), entity overlap (IDF-weighted: a shared minister counts, a shared "USA"
   hardly) and date agreement, over the signals both sides have; a candidate whose text
   similarity is below ``min_text`` scores 0 whatever its entities and dates;
4. join the best candidate at or above the threshold, else start a new story.

Everything is incremental and in memory (``StoryClusterer``); ``store.stories`` persists the state
so a later process continues where the last one stopped. Weights, threshold and window are in
``data/stories.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import logging
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dyadwatch.model import Analysis
from dyadwatch.stories import similarity as sim
from dyadwatch.stories.dedup import NearDuplicates
from dyadwatch.stories.settings import settings

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# documents


@dataclass
class DocFeatures:
    doc_id: str
    text: str  # title and body: what near-duplicate detection and the embedding read
    terms: list[str]
    lang: str = ""  # guessed from stop words (similarity.analyse)
    entities: frozenset[str] = frozenset()
    day: dt.date | None = None
    source: str = ""  # outlet
    title: str = ""
    embedding: np.ndarray | None = None


def features_from_text(doc_id: str, text: str, *, title: str = "", day: dt.date | None = None,
                       source: str = "", entities: Iterable[str] = ()) -> DocFeatures:
    full = f"{title}\n{text}" if title else text
    lang, terms = sim.analyse(full)
    return DocFeatures(doc_id=doc_id, text=full, terms=terms, lang=lang,
                       entities=frozenset(entities), day=day, source=source, title=title)


def entity_keys(mentions: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]],
                dateline: str = "") -> set[str]:
    """Keys of who and where, from the JSON forms of mentions and events: KB entities ("e:"),
    countries ("c:"), places ("p:") and the type and dyad of each event ("v:")."""
    keys: set[str] = set()
    for m in mentions:
        if m.get("kb_id"):
            keys.add(f"e:{m['kb_id']}")
        elif m.get("name") and m.get("kind") in ("person", "org"):
            keys.add(f"e:{m['name'].lower()}")
        if m.get("country"):
            keys.add(f"c:{m['country']}")
        if m.get("kind") in ("capital", "place") and (m.get("name") or m.get("text")):
            keys.add(f"p:{(m.get('name') or m.get('text')).lower()}")
    for e in events:
        actor, rec = e.get("actor") or {}, e.get("recipient") or {}
        a = actor.get("country") or actor.get("kb_id") or ""
        r = rec.get("country") or rec.get("kb_id") or ""
        if a or r:
            keys.add(f"v:{e.get('type')}:{a}:{r}")
        loc = e.get("location") or {}
        if loc.get("text"):
            keys.add(f"p:{loc['text'].lower()}")
    if dateline:
        keys.add(f"p:{dateline.lower()}")
    return keys


def outlet(article: Any) -> str:
    """The outlet: the source name, else the URL's host, else the input path."""
    if getattr(article, "source_name", ""):
        return article.source_name
    url = getattr(article, "url", "") or ""
    if "://" in url:
        host = url.split("://", 1)[1].split("/", 1)[0].lower()
        return host[4:] if host.startswith("www.") else host
    return getattr(article, "source", "") or ""


def features_from_analysis(analysis: Analysis) -> DocFeatures:
    a = analysis.article
    keys = entity_keys((m.to_dict() for m in analysis.mentions),
                       (e.to_dict() for e in analysis.events), a.dateline)
    return features_from_text(a.doc_id, a.text, title=a.title, day=a.published or analysis.ref_date,
                              source=outlet(a), entities=keys)


def features_from_dict(d: dict[str, Any]) -> DocFeatures:
    """Features of a stored analysis (the ``Analysis.to_dict()`` form the store keeps)."""
    doc = d.get("document") or {}
    day = _date(doc.get("published")) or _date(doc.get("ref_date"))
    keys = entity_keys(d.get("mentions") or [], d.get("events") or [], doc.get("dateline") or "")
    source = doc.get("source_name") or outlet(_Doc(doc.get("url") or "", doc.get("path") or ""))
    return features_from_text(doc.get("id") or "", d.get("text") or "",
                              title=doc.get("title") or "", day=day, source=source, entities=keys)


@dataclass
class _Doc:
    url: str
    source: str


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# stories


def story_id(first_doc: str) -> str:
    return "s" + hashlib.sha1(first_doc.encode("utf-8")).hexdigest()[:15]


@dataclass
class Story:
    id: str
    title: str = ""
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    doc_ids: list[str] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    centroid: dict[str, float] = field(default_factory=dict)  # sum of member TF-IDF vectors
    entities: Counter[str] = field(default_factory=Counter)
    embedding: np.ndarray | None = None  # sum of member embeddings
    keys: set[str] = field(default_factory=set)
    _norm: float = 0.0

    def add(self, doc: DocFeatures, vec: sim.Vector, keys: Iterable[str], max_terms: int) -> None:
        self.doc_ids.append(doc.doc_id)
        if doc.source:
            self.sources[doc.source] += 1
        if not self.title and doc.title:
            self.title = doc.title
        if doc.day:
            self.first_seen = min(self.first_seen or doc.day, doc.day)
            self.last_seen = max(self.last_seen or doc.day, doc.day)
        for w, x in vec.items():
            self.centroid[w] = self.centroid.get(w, 0.0) + x
        if len(self.centroid) > 2 * max_terms:  # trim now and then, not on every document
            top = heapq.nlargest(max_terms, self.centroid.items(), key=lambda i: i[1])
            self.centroid = dict(top)
        self._norm = math.sqrt(sum(x * x for x in self.centroid.values()))
        self.entities.update(doc.entities)
        if doc.embedding is not None:
            self.embedding = (doc.embedding.copy() if self.embedding is None
                              else self.embedding + doc.embedding)
        self.keys.update(keys)

    def text_cosine(self, vec: sim.Vector) -> float:
        if not self._norm:
            return 0.0
        c = self.centroid
        return sum(x * c.get(w, 0.0) for w, x in vec.items()) / self._norm

    def embedding_cosine(self, emb: np.ndarray | None) -> float | None:
        if emb is None or self.embedding is None:
            return None
        n = float(np.linalg.norm(self.embedding))
        return float(emb @ self.embedding) / n if n else None

    def to_state(self) -> dict[str, Any]:
        return {"centroid": {w: round(x, 5) for w, x in self.centroid.items()},
                "entities": dict(self.entities), "keys": sorted(self.keys),
                "sources": dict(self.sources),
                "embedding": None if self.embedding is None else
                [round(float(x), 6) for x in self.embedding]}

    @classmethod
    def from_state(cls, sid: str, title: str, first: dt.date | None, last: dt.date | None,
                   doc_ids: list[str], state: dict[str, Any]) -> "Story":
        s = cls(id=sid, title=title or "", first_seen=first, last_seen=last, doc_ids=list(doc_ids),
                sources=Counter(state.get("sources") or {}),
                centroid=dict(state.get("centroid") or {}),
                entities=Counter(state.get("entities") or {}), keys=set(state.get("keys") or []))
        emb = state.get("embedding")
        s.embedding = None if emb is None else np.asarray(emb, dtype=np.float32)
        s._norm = math.sqrt(sum(x * x for x in s.centroid.values()))
        return s


@dataclass(frozen=True)
class Assignment:
    doc_id: str
    story_id: str
    score: float  # similarity to the story joined (1.0 for its first document)
    new_story: bool
    duplicate_of: str = ""  # the earlier document this one near-duplicates
    duplicate_similarity: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "story_id": self.story_id, "score": round(self.score, 4),
                "new_story": self.new_story, "duplicate_of": self.duplicate_of,
                "duplicate_similarity": round(self.duplicate_similarity, 4)}


@dataclass(frozen=True)
class ClusterSettings:
    window_days: int
    key_terms: int
    centroid_terms: int
    max_candidates: int
    max_key_postings: int
    w_text: float
    w_entities: float
    w_date: float
    threshold: float
    embedding_threshold: float
    min_text: float

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ClusterSettings":
        w = d["weights"]
        return cls(window_days=int(d["window_days"]), key_terms=int(d["key_terms"]),
                   centroid_terms=int(d["centroid_terms"]), max_candidates=int(d["max_candidates"]),
                   max_key_postings=int(d.get("max_key_postings", 1000)),
                   w_text=float(w["text"]), w_entities=float(w["entities"]),
                   w_date=float(w["date"]),
                   threshold=float(d["threshold"]),
                   embedding_threshold=float(d["embedding_threshold"]),
                   min_text=float(d.get("min_text", 0.0)))


# --------------------------------------------------------------------------------------------
# the clusterer


class StoryClusterer:
    """Incremental story clustering. ``add(doc)`` returns the document's ``Assignment``.

    ``embed=True`` computes an embedding for each document without one (slow: ~0.1-0.5 s per
    document on two cores) and blends it into the text similarity."""

    def __init__(self, config: ClusterSettings | None = None, *, dedup: bool = True,
                 embed: bool = False, sim_config: sim.SimilaritySettings | None = None):
        self.config = config or ClusterSettings.from_dict(settings()["cluster"])
        self.sim = sim_config or sim.default_settings()
        self.freqs = sim.DocumentFrequencies(min_docs=self.sim.min_docs_for_idf,
                                             max_df=self.sim.max_df)
        self.dedup = NearDuplicates() if dedup else None
        self.encoder = None
        if embed:
            from dyadwatch.stories.embed import default_encoder

            self.encoder = default_encoder()
        self.stories: dict[str, Story] = {}
        self.doc_story: dict[str, str] = {}
        self.postings: dict[str, deque[str]] = {}

    # --- public ---------------------------------------------------------------------------
    def add(self, doc: DocFeatures) -> Assignment:
        known = self.doc_story.get(doc.doc_id)
        if known:
            return Assignment(doc.doc_id, known, 1.0, False)
        # one table for words and entity keys: keys carry a "x:" prefix, words never contain ":"
        self.freqs.add([*doc.terms, *doc.entities], doc.lang)
        vec = sim.tfidf(doc.terms, self.freqs, doc.lang)
        if self.encoder is not None and doc.embedding is None and doc.text.strip():
            doc.embedding = self.encoder.encode([doc.text])[0]
        keys = self._keys(doc, vec)
        dup = self.dedup.add(doc.doc_id, doc.text) if self.dedup is not None else []
        dup = [m for m in dup if m.key in self.doc_story]
        if dup:
            story = self.stories[self.doc_story[dup[0].key]]
            result = Assignment(doc.doc_id, story.id, dup[0].similarity, False, dup[0].key,
                                dup[0].similarity)
        else:
            story, score = self._best(doc, vec, keys)
            if story is None:
                story = Story(id=story_id(doc.doc_id))
                self.stories[story.id] = story
                result = Assignment(doc.doc_id, story.id, 1.0, True)
            else:
                result = Assignment(doc.doc_id, story.id, score, False)
        self._join(story, doc, vec, keys)
        return result

    def score(self, doc: DocFeatures, vec: sim.Vector, story: Story) -> float:
        """Weighted mean of text, entity and date agreement over the signals both sides have."""
        c = self.config
        text = self._text(doc, vec, story)
        if text < c.min_text:
            return 0.0
        parts = [(c.w_text, text)]
        if doc.entities and story.entities:
            parts.append((c.w_entities, self._entities(doc, story)))
        date = self._date(doc.day, story)
        if date is not None:
            parts.append((c.w_date, date))
        total = sum(w for w, _ in parts)
        return sum(w * s for w, s in parts) / total if total else 0.0

    @property
    def threshold(self) -> float:
        c = self.config
        return c.embedding_threshold if self.encoder is not None else c.threshold

    def story_of(self, doc_id: str) -> Story | None:
        sid = self.doc_story.get(doc_id)
        return self.stories.get(sid) if sid else None

    def load(self, stories: Iterable[Story], freqs: sim.DocumentFrequencies | None = None) -> None:
        """Continue from saved state (stories with their members, document frequencies)."""
        for s in stories:
            self.stories[s.id] = s
            for d in s.doc_ids:
                self.doc_story[d] = s.id
            for k in s.keys:
                self._post(k, s.id)
        if freqs is not None:
            self.freqs = freqs

    # --- steps ----------------------------------------------------------------------------
    def _keys(self, doc: DocFeatures, vec: sim.Vector) -> set[str]:
        top = heapq.nlargest(self.config.key_terms, vec.items(), key=lambda i: i[1])
        return {f"t:{w}" for w, _ in top} | set(doc.entities)

    def _candidates(self, doc: DocFeatures, keys: set[str]) -> list[Story]:
        hits: Counter[str] = Counter()
        for k in keys:
            for sid in self.postings.get(k, ()):
                hits[sid] += 1
        out = []
        for sid, _n in hits.most_common():
            story = self.stories[sid]
            if self._in_window(doc.day, story):
                out.append(story)
                if len(out) >= self.config.max_candidates:
                    break
        return out

    def _best(self, doc: DocFeatures, vec: sim.Vector,
              keys: set[str]) -> tuple[Story | None, float]:
        best, best_score = None, -1.0
        for story in self._candidates(doc, keys):
            s = self.score(doc, vec, story)
            if s > best_score:
                best, best_score = story, s
        if best is None or best_score < self.threshold:
            return None, max(best_score, 0.0)
        return best, best_score

    def _join(self, story: Story, doc: DocFeatures, vec: sim.Vector, keys: set[str]) -> None:
        new_keys = keys - story.keys
        story.add(doc, vec, keys, self.config.centroid_terms)
        self.doc_story[doc.doc_id] = story.id
        for k in new_keys:
            self._post(k, story.id)

    def _post(self, key: str, sid: str) -> None:
        q = self.postings.get(key)
        if q is None:
            q = self.postings[key] = deque(maxlen=self.config.max_key_postings)
        q.append(sid)

    def _text(self, doc: DocFeatures, vec: sim.Vector, story: Story) -> float:
        lexical = max(0.0, story.text_cosine(vec)) ** self.sim.lexical_power
        semantic = story.embedding_cosine(doc.embedding) if self.encoder is not None else None
        if semantic is None:
            return min(1.0, lexical)
        w = self.sim.embedding_weight
        return min(1.0, max(0.0, w * semantic + (1 - w) * lexical))

    def _entities(self, doc: DocFeatures, story: Story) -> float:
        """Share of the document's entity keys found in the story, each weighted by its IDF: a
        shared rare person counts, a shared "USA" hardly does."""
        idf = self.freqs.idf
        total = sum(idf(k) for k in doc.entities)
        shared = sum(idf(k) for k in doc.entities if k in story.entities)
        return shared / total if total else 0.0

    def _in_window(self, day: dt.date | None, story: Story) -> bool:
        if day is None or story.first_seen is None or story.last_seen is None:
            return True
        w = dt.timedelta(days=self.config.window_days)
        return story.first_seen - w <= day <= story.last_seen + w

    def _date(self, day: dt.date | None, story: Story) -> float | None:
        """1 inside the story's span, falling linearly to 0 at ``window_days + 1`` outside it."""
        if day is None or story.first_seen is None or story.last_seen is None:
            return None
        if story.first_seen <= day <= story.last_seen:
            return 1.0
        if day < story.first_seen:
            gap = (story.first_seen - day).days
        else:
            gap = (day - story.last_seen).days
        return max(0.0, 1.0 - gap / (self.config.window_days + 1))
