"""One coder from rules and model: the rules find triggers, arguments, evidence and status cues;
the model judges whether each of their events is real, and how sure we are.

For each sentence with rule events, the model reads the sentence's features (``features``) and
gives calibrated probabilities over NONE and the 16 PLOVER types. An event's confidence becomes
``blend``: the geometric mean of the model's probability of its type and the rules' own
confidence (which carries how well its actor and recipient were found), weighted by the
manifest's ``model_weight``. Events under the threshold (the manifest's, chosen out of fold by
``train`` with this same function; ``--min-confidence`` overrides) are dropped: this is how
statements, sport, markets and disasters that the trigger words caught are removed.

(Letting the model retype an event, or override the rules' status, was measured on the dev news
audit and lost right events: neither is done.)
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dyadwatch.events.learn.features import sentence_features
from dyadwatch.events.learn.model import EventModel, default_model

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

    from dyadwatch.model import Event, Mention

log = logging.getLogger(__name__)


def blend(p_model: float, rule_confidence: float, model_weight: float) -> float:
    """An event's confidence from the model's probability of its type and the rules' confidence;
    the one decision ``Judge`` applies and ``train`` chooses the threshold for."""
    return p_model ** model_weight * max(rule_confidence, 1e-6) ** (1.0 - model_weight)


class Judge:
    def __init__(self, model: EventModel, min_confidence: float | None = None,
                 model_weight: float | None = None):
        self.model = model
        self.index = {c: i for i, c in enumerate(model.classes)}
        self.min_confidence = model.threshold if min_confidence is None else float(min_confidence)
        weight = model.manifest.get("decision", {}).get("model_weight", 1.0)
        self.model_weight = float(weight if model_weight is None else model_weight)

    def __call__(self, span: "Span", events: list["Event"], mentions: Sequence["Mention"],
                 ) -> list["Event"]:
        if not events:
            return events
        f = sentence_features(span, events, mentions, self.model.buckets)
        pt = self.model.predict([f.sparse], f.dense[None, :])[0][0]
        out = []
        for e in events:
            p = float(pt[self.index[e.type]]) if e.type in self.index else 0.0
            conf = blend(p, e.confidence, self.model_weight)
            if conf >= self.min_confidence:
                e.confidence = round(conf, 3)
                out.append(e)
        return out


@functools.lru_cache(maxsize=1)
def default_judge() -> Judge | None:
    model = default_model()
    return Judge(model) if model is not None else None
