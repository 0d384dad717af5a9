"""The event model: a small network over a sentence's features, run in numpy.

    h       = relu(mean-scaled sum of E[sparse] + standardised(dense) @ Wd + b)
    type    = softmax((h @ Wt + bt) / T)        over NONE + the 16 PLOVER types
    status  = softmax(h @ Ws + bs)              over the six statuses

``T`` is the temperature fitted on out-of-fold predictions (calibration). The weights ship as fp16
safetensors beside a JSON manifest (classes, hashing size, temperature, the default threshold, the
training corpus hash, seed and cross-validated scores); ``make train`` writes both.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dyadwatch.errors import KBError

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "model"
WEIGHTS = "event_model.safetensors"
MANIFEST = "event_model.json"
NONE = "NONE"
STATUSES = ("actual", "threatened", "intended", "alleged", "hypothetical", "negated")
PARAMS = ("E", "Wd", "b", "Wt", "bt", "Ws", "bs", "mu", "sigma")


def forward(p: dict[str, np.ndarray], sparse: list[np.ndarray], dense: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pre-activation, hidden layer, type logits and status logits of a batch."""
    n = len(sparse)
    pre = ((dense - p["mu"]) / p["sigma"]) @ p["Wd"] + p["b"]
    for i, idx in enumerate(sparse):
        if len(idx):
            pre[i] += p["E"][idx].sum(0) / np.sqrt(len(idx))
    h = np.maximum(pre, 0.0)
    return pre, h, h @ p["Wt"] + p["bt"], h @ p["Ws"] + p["bs"]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


@dataclass
class EventModel:
    params: dict[str, np.ndarray]
    manifest: dict[str, Any]

    @property
    def classes(self) -> list[str]:
        return self.manifest["classes"]

    @property
    def buckets(self) -> int:
        return int(self.manifest["buckets"])

    @property
    def temperature(self) -> float:
        return float(self.manifest.get("temperature", 1.0))

    @property
    def threshold(self) -> float:
        return float(self.manifest.get("threshold", 0.5))

    def predict(self, sparse: list[np.ndarray], dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated type probabilities (n, classes) and status probabilities (n, 6)."""
        _pre, _h, lt, ls = forward(self.params, sparse, np.atleast_2d(dense).astype(np.float32))
        return softmax(lt / self.temperature), softmax(ls)

    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        save_file({k: np.ascontiguousarray(v.astype(np.float16)) for k, v in self.params.items()},
                  str(directory / WEIGHTS))
        (directory / MANIFEST).write_text(json.dumps(self.manifest, indent=1) + "\n",
                                          encoding="utf-8")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> "EventModel":
        from safetensors.numpy import load_file

        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            raw = load_file(str(directory / WEIGHTS))
        except (OSError, ValueError) as exc:
            raise KBError(f"cannot load the event model: {exc}", file=str(directory)) from exc
        missing = [k for k in PARAMS if k not in raw]
        if missing or not manifest.get("classes"):
            raise KBError(f"the event model lacks {missing or 'classes'}", file=str(directory))
        params = {k: raw[k].astype(np.float32) for k in PARAMS}
        if params["E"].shape[0] != int(manifest["buckets"]):
            raise KBError("the event model's hashing size does not match its manifest",
                          file=str(directory))
        return cls(params, manifest)


@functools.lru_cache(maxsize=1)
def default_model() -> EventModel | None:
    """The shipped model, or None (logged) when its files are absent: the coder runs on rules."""
    if not (MODEL_DIR / WEIGHTS).is_file():
        log.warning("the event model is not shipped in %s; events are coded by the rules alone",
                    MODEL_DIR)
        return None
    return EventModel.load(MODEL_DIR)
