"""One coder from rules and model: the rules find triggers, arguments, evidence and status cues;
the model decides whether the sentence reports an event, of which type, and how sure it is.

For each sentence with rule events, the model reads the sentence's features (``features``) and
gives calibrated probabilities over NONE and the 16 PLOVER types, and over the statuses:

- each rule event's confidence becomes the model's probability of its type; events under the
  threshold (the manifest's, chosen by measurement; ``--min-confidence`` overrides) are dropped:
  this is how statements, sport, markets and disasters that the trigger words caught are removed;
- when the model is sure of a type no rule proposed (``retype_min``), the rules' most confident
  event of the sentence takes that type (its actor, recipient and evidence stay);
- when the model is sure of a status (``status_min``) the event takes it ("could impose" is
  hypothetical even where no cue word told the rules).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from dyadwatch.events.learn.features import sentence_features
from dyadwatch.events.learn.model import NONE, STATUSES, EventModel, default_model

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

    from dyadwatch.model import Event, Mention

log = logging.getLogger(__name__)


class Judge:
    def __init__(self, model: EventModel, min_confidence: float | None = None,
                 **decision: float):
        from dyadwatch.events.ontology import default_ontology

        self.model = model
        self.ontology = default_ontology()
        self.index = {c: i for i, c in enumerate(model.classes)}
        cfg = dict(model.manifest.get("decision", {}), **decision)
        self.min_confidence = model.threshold if min_confidence is None else float(min_confidence)
        self.retype_min = float(cfg.get("retype_min", 0.6))
        self.status_min = float(cfg.get("status_min", 0.7))
        # weight of the model's probability against the rules' own confidence (geometric mean)
        self.model_weight = float(cfg.get("model_weight", 1.0))

    def probabilities(self, span: "Span", events: Sequence["Event"],
                      mentions: Sequence["Mention"]) -> tuple[np.ndarray, np.ndarray]:
        f = sentence_features(span, events, mentions, self.model.buckets)
        pt, ps = self.model.predict([f.sparse], f.dense[None, :])
        return pt[0], ps[0]

    def __call__(self, span: "Span", events: list["Event"], mentions: Sequence["Mention"],
                 ) -> list["Event"]:
        if not events:
            return events
        pt, ps = self.probabilities(span, events, mentions)
        best = int(pt.argmax())
        best_type = self.model.classes[best]
        proposed = {e.type for e in events}
        if best_type != NONE and best_type not in proposed and pt[best] >= self.retype_min:
            self._retype(max(events, key=lambda e: e.confidence), best_type)
        status = STATUSES[int(ps.argmax())] if ps.max() >= self.status_min else None
        out = []
        for e in events:
            p = float(pt[self.index[e.type]]) if e.type in self.index else 0.0
            w = self.model_weight
            p = p ** w * max(e.confidence, 1e-6) ** (1.0 - w)
            if p < self.min_confidence:
                continue
            e.confidence = round(p, 3)
            if status is not None:
                e.status = status
            out.append(e)
        return out

    def _retype(self, e: "Event", new_type: str) -> None:
        info = self.ontology.types[new_type]
        e.type, e.mode, e.cameo = new_type, "", info.default_code
        e.quad_class = self.ontology.quad_class(info.default_code)
        e.intensity = self.ontology.intensity(new_type, "")


@functools.lru_cache(maxsize=1)
def default_judge() -> Judge | None:
    model = default_model()
    return Judge(model) if model is not None else None
