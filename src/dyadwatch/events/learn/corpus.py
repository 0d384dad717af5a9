"""The event training corpus: load, validate, reject near-copies, describe.

    python -m dyadwatch.events.learn.corpus [--root training/events]

Reads ``raw/*.jsonl`` (one writer a file; the file is the record's *source* for cross-validation
by source), validates every line against ``schema.json`` (an actor or recipient must be a
substring of the text), rejects near-copies across all files (Jaccard similarity of word
3-gram shingles above ``NEAR_COPY``: a sentence made by swapping names in another one's frame is
a template expansion, not a new sentence) and prints the counts per type and per source with the
corpus hash that a trained model's manifest records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[4] / "training" / "events"
NEAR_COPY = 0.5
_TOKEN = re.compile(r"\w+")


@dataclass(slots=True)
class Record:
    id: str
    source: str
    text: str
    type: str | None
    cameo: str | None
    status: str | None
    actor: str | None
    recipient: str | None
    actor_country: str | None
    recipient_country: str | None
    negative: str | None
    style: str
    year: int


@dataclass
class Corpus:
    records: list[Record]
    rejected: list[tuple[str, str]]  # (where, why)
    sha256: str

    def counts(self) -> dict[str, dict[str, int]]:
        by_type = Counter(r.type or "NONE" for r in self.records)
        by_source = Counter(r.source for r in self.records)
        return {"type": dict(sorted(by_type.items())), "source": dict(sorted(by_source.items()))}


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    toks = _TOKEN.findall(text.lower())
    return frozenset(tuple(toks[i:i + 3]) for i in range(max(1, len(toks) - 2)))


def load_corpus(root: Path = ROOT) -> Corpus:
    schema = json.loads((root / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    records: list[Record] = []
    rejected: list[tuple[str, str]] = []
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    kept_shingles: list[frozenset] = []
    digest = hashlib.sha256()
    ids: set[str] = set()
    for path in sorted((root / "raw").glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rejected.append((where, f"not JSON: {exc.msg}"))
                continue
            errors = sorted(validator.iter_errors(obj), key=lambda e: e.path)
            if errors:
                rejected.append((where, errors[0].message))
                continue
            why = _semantic_error(obj, ids)
            if why:
                rejected.append((where, why))
                continue
            sh = shingles(obj["text"])
            near = _near_copy(sh, index, kept_shingles)
            if near is not None:
                rejected.append((where, f"near-copy of {records[near].id}"))
                continue
            for g in sh:
                index[g].append(len(records))
            kept_shingles.append(sh)
            ids.add(obj["id"])
            digest.update(line.encode("utf-8") + b"\n")
            records.append(Record(
                id=obj["id"], source=path.stem, text=obj["text"], type=obj["type"],
                cameo=obj.get("cameo"), status=obj.get("status"), actor=obj.get("actor"),
                recipient=obj.get("recipient"), actor_country=obj.get("actor_country"),
                recipient_country=obj.get("recipient_country"), negative=obj.get("negative"),
                style=obj["style"], year=obj["year"]))
    return Corpus(records, rejected, digest.hexdigest())


def _semantic_error(obj: dict, ids: set[str]) -> str:
    if obj["id"] in ids:
        return f"duplicate id {obj['id']}"
    for side in ("actor", "recipient"):
        if obj.get(side) and obj[side] not in obj["text"]:
            return f"{side} {obj[side]!r} is not in the text"
    if obj["type"] is None and obj.get("status") is not None:
        return "a sentence with no event has no status"
    if obj["type"] is not None and obj.get("status") is None:
        return "an event needs a status"
    return ""


def _near_copy(sh: frozenset, index: dict, kept: list[frozenset]) -> int | None:
    shared: Counter = Counter()
    for g in sh:
        for j in index.get(g, ()):
            shared[j] += 1
    for j, inter in shared.most_common(5):
        union = len(sh) + len(kept[j]) - inter
        if union and inter / union > NEAR_COPY:
            return j
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--show-rejected", action="store_true")
    args = ap.parse_args(argv)
    corpus = load_corpus(args.root)
    counts = corpus.counts()
    events = sum(v for k, v in counts["type"].items() if k != "NONE")
    print(f"{len(corpus.records)} sentences ({events} events, {counts['type'].get('NONE', 0)} "
          f"none), {len(corpus.rejected)} rejected; sha256 {corpus.sha256}")
    print("by type:   " + ", ".join(f"{k} {v}" for k, v in counts["type"].items()))
    print("by source: " + ", ".join(f"{k} {v}" for k, v in counts["source"].items()))
    if args.show_rejected:
        for where, why in corpus.rejected:
            print(f"  rejected {where}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
