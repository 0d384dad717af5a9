"""Check a writer's file of the event training corpus: python3 training/events/check.py FILE...

Needs only the standard library (writers run it with any python3). Prints each problem with its
line number and a per-type count; exits 1 when any line is invalid. The corpus build runs the full
schema and the cross-file near-copy check as well.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
         "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}
STATUS = {"actual", "threatened", "intended", "alleged", "hypothetical", "negated"}
FIELDS = {"id", "text", "type", "cameo", "mode", "context", "status", "actor", "recipient",
          "actor_country", "recipient_country", "negative", "style", "year"}


def shingles(text: str) -> set[tuple[str, ...]]:
    toks = re.findall(r"\w+", text.lower())
    return {tuple(toks[i:i + 3]) for i in range(max(1, len(toks) - 2))}


def check(path: Path) -> int:
    bad = 0
    types: Counter = Counter()
    seen: list[tuple[str, set]] = []
    ids = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"{path}:{n}: not JSON: {e}")
            bad += 1
            continue
        errs = []
        if set(r) - FIELDS:
            errs.append(f"unknown fields {sorted(set(r) - FIELDS)}")
        for f in ("id", "text", "type", "status", "actor", "recipient", "style", "year"):
            if f not in r:
                errs.append(f"missing {f}")
        t = r.get("type")
        if t is not None and t not in TYPES:
            errs.append(f"type {t!r}")
        if t is not None and r.get("status") not in STATUS:
            errs.append(f"status {r.get('status')!r} for an event")
        if t is None and r.get("status") is not None:
            errs.append("status must be null when type is null")
        if t is None and not r.get("negative"):
            errs.append("negative kind missing")
        for side in ("actor", "recipient"):
            v = r.get(side)
            if v is not None and v not in r.get("text", ""):
                errs.append(f"{side} {v!r} is not a substring of text")
            c = r.get(side + "_country")
            if c is not None and not re.fullmatch(r"[A-Z]{3}", c):
                errs.append(f"{side}_country {c!r}")
        if r.get("id") in ids:
            errs.append(f"duplicate id {r.get('id')}")
        ids.add(r.get("id"))
        y = r.get("year")
        if not isinstance(y, int) or not 1990 <= y <= 2026:
            errs.append(f"year {y!r}")
        sh = shingles(r.get("text", ""))
        for other_id, osh in seen[-400:]:
            if sh and osh and len(sh & osh) / len(sh | osh) > 0.5:
                errs.append(f"near-copy of {other_id}")
                break
        seen.append((r.get("id"), sh))
        if errs:
            bad += 1
            print(f"{path}:{n}: " + "; ".join(errs))
        types[t or "none"] += 1
    print(f"{path}: {sum(types.values())} lines, {bad} invalid; " +
          ", ".join(f"{k} {v}" for k, v in sorted(types.items())))
    return bad


if __name__ == "__main__":
    sys.exit(1 if sum(check(Path(p)) for p in sys.argv[1:]) else 0)
