"""The old coder (rules alone) and the new one (rules + the learned model) side by side, in one run,
on data neither was fitted to:

  (a) news audit: real pages of ../shared/data/extraction/scrapinghub-dev coded by hand by a
      careful PLOVER coder (bench/data/news_audit.jsonl, written apart from the training corpus).
      Each page goes through the whole pipeline from its HTML; a coded event is right when an
      unmatched gold event has its type, actor country, recipient country and sentence (word
      overlap >= 0.5 with the gold sentence). Precision, recall, and political events per
      non-political page;
  (b) ConfliBERT CAMEO sentences (GPL, evaluation only): 5-class accuracy and macro-F1;
  (c) PLOVER GSR sentences (CC BY-SA, evaluation only): root type accuracy of the top event;
  (d) the seed article: expected events 1-14 found.

    nice -n 10 .venv/bin/python bench/eval_coders.py [--only audit|conflibert|gsr|seed]
        [--min-confidence X] [--errors]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_events as ev  # noqa: E402  (the shared loaders and scorers)

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "bench" / "data" / "news_audit.jsonl"
PAGES = ev.SHARED / "data" / "extraction" / "scrapinghub-dev" / "html"
_W = re.compile(r"\w+")


def coders(min_confidence: float | None, decision: dict | None = None,
           model_dir: Path | None = None):
    from dyadwatch.events.coder import EventCoder
    from dyadwatch.events.learn.judge import Judge
    from dyadwatch.events.learn.model import default_model

    out = {"rules": EventCoder(model=None)}
    from dyadwatch.events.learn.model import EventModel

    model = EventModel.load(model_dir) if model_dir else default_model()
    if model is not None:
        out["rules+model"] = EventCoder(model=Judge(model, min_confidence,
                                                     (decision or {}).get("model_weight")))
    return out


def side(ref) -> str:
    """The gold file's reading of an actor: ISO3, IGO for an international body, else empty."""
    if (ref.code or "").upper().startswith("IGO") or (ref.sector == "IGO" and not ref.country):
        return "IGO"
    return ev.country_code(ref.country)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _W.findall(text)}


def same_sentence(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.5


# ---------------------------------------------------------------- (a) news audit

def eval_audit(coder, show_errors: bool) -> dict:
    from dyadwatch.model import Document
    from dyadwatch.pipeline import Pipeline

    pages = [json.loads(x) for x in AUDIT.read_text(encoding="utf-8").splitlines() if x.strip()]
    pipe = Pipeline()
    pipe.coder = coder
    n_pred = n_gold = right = 0
    off_topic_events: list[int] = []
    errors = []
    for page in pages:
        html = gzip.decompress((PAGES / f"{page['page_id']}.html.gz").read_bytes())
        doc = Document(source=f"{page['page_id']}.html", content=html, url=page.get("url", ""),
                       format="html")
        analysis = pipe.safe_analyze(doc)
        events = getattr(analysis, "events", []) or []
        gold = list(page["events"])
        n_pred += len(events)
        n_gold += len(gold)
        used = set()
        for e in events:
            hit = None
            for j, g in enumerate(gold):
                if j in used or g["type"] != e.type:
                    continue
                if (g.get("actor_country") or "") != side(e.actor):
                    continue
                if (g.get("recipient_country") or "") != side(e.recipient):
                    continue
                if any(same_sentence(m.text, g["sentence"]) for m in (e.mentions or [e.evidence])):
                    hit = j
                    break
            if hit is None:
                if show_errors:
                    errors.append(f"  FP {page['page_id'][:8]} {e.type} {side(e.actor)}->"
                                  f"{side(e.recipient)} {e.confidence:.2f} {e.evidence.text[:90]!r}")
            else:
                used.add(hit)
                right += 1
        if show_errors:
            for j, g in enumerate(gold):
                if j not in used:
                    errors.append(f"  FN {page['page_id'][:8]} {g['type']} {g.get('actor_country')}"
                                  f"->{g.get('recipient_country')} {g['sentence'][:90]!r}")
        if not page.get("political"):
            off_topic_events.append(len(events))
    if errors:
        print("\n".join(errors))
    return {"pages": len(pages), "gold": n_gold, "coded": n_pred, "right": right,
            "precision": right / n_pred if n_pred else 0.0,
            "recall": right / n_gold if n_gold else 0.0,
            "non_political_pages": len(off_topic_events),
            "events_per_non_political_page": (sum(off_topic_events) / len(off_topic_events)
                                              if off_topic_events else 0.0)}


# ---------------------------------------------------------------- (b) ConfliBERT, (c) GSR

def macro_f1(pairs, labels) -> float:
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in pairs if g == lab and p == lab)
        npred = sum(1 for _g, p in pairs if p == lab)
        ngold = sum(1 for g, _p in pairs if g == lab)
        if ngold:
            pr = tp / npred if npred else 0.0
            rc = tp / ngold
            f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return sum(f1s) / len(f1s) if f1s else 0.0


def eval_conflibert(coder) -> dict:
    pairs = []
    for text, gold in ev.conflibert_rows():
        top = ev.top_event(coder.code_text(text))
        pairs.append((gold, str(ev.penta_class(top.cameo)) if top else "0"))
    n = len(pairs)
    return {"n": n, "accuracy": sum(g == p for g, p in pairs) / max(1, n),
            "macro_f1": macro_f1(pairs, ["0", "1", "2", "3", "4"])}


def eval_gsr(coder) -> dict:
    n = right = both = 0
    for rec in ev.gsr_records():
        gold = ev.V05.get(rec["event"], rec["event"])
        top = ev.top_event(coder.code_text(rec["text"], ev._date(rec.get("date"))))
        n += 1
        right += bool(top and top.type == gold)
        actors, targets = ev._sides(rec)
        if top is not None:
            pa, pr = ev.country_code(top.actor.country), ev.country_code(top.recipient.country)
            both += pa in actors and pr in targets and not (pa and pa == pr and len(actors) > 1)
    return {"n": n, "type_accuracy": right / max(1, n), "countries": both / max(1, n)}


def eval_seed(coder) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        return ev.eval_seed(coder)


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=["audit", "conflibert", "gsr", "seed"], action="append")
    ap.add_argument("--min-confidence", type=float, default=None)
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--decision", default="", help="Override the manifest's decision settings, "
                    "e.g. model_weight=1 (the model's probability alone)")
    ap.add_argument("--no-rules", action="store_true", help="Skip the rules-only coder.")
    ap.add_argument("--model", type=Path, default=None, help="A model directory (default: shipped).")
    args = ap.parse_args(argv)
    if not ev.SHARED.exists():
        print(f"{ev.SHARED} is absent: nothing to evaluate", file=sys.stderr)
        return 2
    which = args.only or ["audit", "conflibert", "gsr", "seed"]
    results: dict[str, dict] = {}
    decision = {k: float(v) for k, v in (x.split("=") for x in args.decision.split(",") if x)}
    for name, coder in coders(args.min_confidence, decision, args.model).items():
        if args.no_rules and name == "rules":
            continue
        t0 = time.time()
        r = {}
        if "audit" in which:
            if args.errors:
                print(f"== {name}: audit errors")
            r["audit"] = eval_audit(coder, args.errors)
        if "conflibert" in which:
            r["conflibert"] = eval_conflibert(coder)
        if "gsr" in which:
            r["gsr"] = eval_gsr(coder)
        if "seed" in which:
            r["seed"] = eval_seed(coder)
        r["seconds"] = time.time() - t0
        results[name] = r
    names = list(results)
    print(f"{'measure':<58}" + "".join(f"{n:>14}" for n in names))

    def row(label, fn):
        print(f"{label:<58}" + "".join(f"{fn(results[n]):>14}" for n in names))

    if "audit" in which:
        a0 = results[names[0]]["audit"]
        row(f"news audit ({a0['pages']} pages, {a0['gold']} gold events): events coded",
            lambda r: r["audit"]["coded"])
        row("  right (type, actor, recipient country, sentence)", lambda r: r["audit"]["right"])
        row("  precision", lambda r: f"{r['audit']['precision']:.3f}")
        row("  recall", lambda r: f"{r['audit']['recall']:.3f}")
        row(f"  events per non-political page ({a0['non_political_pages']} pages)",
            lambda r: f"{r['audit']['events_per_non_political_page']:.2f}")
    if "conflibert" in which:
        n = results[names[0]]["conflibert"]["n"]
        row(f"ConfliBERT 5-class (n={n}) macro-F1", lambda r: f"{r['conflibert']['macro_f1']:.3f}")
        row("  accuracy", lambda r: f"{r['conflibert']['accuracy']:.3f}")
    if "gsr" in which:
        n = results[names[0]]["gsr"]["n"]
        row(f"PLOVER GSR (n={n}) root type accuracy", lambda r: f"{r['gsr']['type_accuracy']:.3f}")
        row("  actor and recipient countries right", lambda r: f"{r['gsr']['countries']:.3f}")
    if "seed" in which:
        row("seed expected events 1-14 found", lambda r: f"{r['seed']['right']}/14")
    row("seconds", lambda r: f"{r['seconds']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
