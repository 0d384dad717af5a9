"""What a document is about: politics, or sport, business, technology, science, entertainment.

On a page about a tennis match, "Spain will be back in action against Croatia" names teams, and
"the U.S. had won all previous 15 meetings" is a record, not diplomacy: a rule coder reads them
as events between states. The topic decides how country names are read. It comes from the page's
address and section and from the density of each topic's words in the body (``data/topic.json``);
a non-political topic is taken only when the page has fewer politics words than words of that
topic, so a business-section story on a trade war stays political.

``political_side`` is the test the pipeline applies to events on a non-political page: at least
one side must be a political actor named as such (a government, military, police, court,
legislature, party, armed group or international body, or an office holder), not a bare country
name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dyadwatch.clean.boilerplate import _load_json

POLITICS = "politics"
_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)*")


@dataclass(frozen=True, slots=True)
class _Topic:
    sections: frozenset[str]
    words: frozenset[str]
    prefixes: tuple[str, ...]

    def count(self, tokens: Iterable[str]) -> int:
        return sum(1 for t in tokens if t in self.words or t.startswith(self.prefixes))


@dataclass(frozen=True, slots=True)
class TopicRules:
    min_density: float
    politics_ratio: float
    section_weight: float
    topics: dict[str, _Topic]
    non_political: frozenset[str]
    political_sectors: frozenset[str]


@functools.lru_cache(maxsize=1)
def rules() -> TopicRules:
    data: dict[str, Any] = _load_json("topic.json", "topic.schema.json")
    topics = {}
    for name, spec in data["topics"].items():
        words = [w.lower() for w in spec["words"]]
        topics[name] = _Topic(frozenset(s.lower() for s in spec["sections"]),
                              frozenset(w for w in words if not w.endswith("*")),
                              tuple(w[:-1] for w in words if w.endswith("*")))
    return TopicRules(float(data["min_density"]), float(data["politics_ratio"]),
                      float(data["section_weight"]), topics, frozenset(data["non_political"]),
                      frozenset(data["political_sectors"]))


@dataclass(slots=True)
class Topic:
    topic: str = POLITICS
    evidence: list[str] = field(default_factory=list)


def _sections(url: str, section: str) -> list[str]:
    segs = [s.lower() for s in urlsplit(url or "").path.split("/")[:-1] if s]
    return segs + ([section.lower().strip()] if section else [])


def classify(*, text: str, url: str = "", section: str = "") -> Topic:
    r = rules()
    tokens = _WORD_RE.findall(text.lower())
    n = max(1, len(tokens))
    density = {name: t.count(tokens) * 100 / n for name, t in r.topics.items()}
    score = dict(density)
    evidence: dict[str, list[str]] = {name: [] for name in r.topics}
    for seg in dict.fromkeys(_sections(url, section)):
        for name, t in r.topics.items():
            if seg in t.sections:
                score[name] += r.section_weight
                evidence[name].append(f"section or address segment {seg!r}")
    best = max((name for name in r.topics if name in r.non_political), key=lambda k: score[k])
    politics = density.get(POLITICS, 0.0)
    if score[best] >= r.min_density and density[best] > politics * r.politics_ratio:
        return Topic(best, evidence[best] + [
            f"{density[best]:.1f} {best} words per 100 (politics {politics:.1f})"])
    return Topic(POLITICS, evidence[POLITICS] + [f"politics words {politics:.1f} per 100"])


def set_topic(article: Any) -> str:
    found = classify(text=article.text, url=article.url, section=article.section)
    article.topic, article.topic_evidence = found.topic, found.evidence
    return found.topic


def political_side(ref: Any) -> bool:
    """A side named as a political actor: its sector is political and it is not a bare country
    name (the resolver's ``country:`` entries), or it is an office holder."""
    if getattr(ref, "role", ""):
        return True
    return ref.sector in rules().political_sectors and not (ref.kb_id or "").startswith("country:")
