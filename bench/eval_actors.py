"""Actor resolution accuracy on public gold data.

    nice -n 10 /work/main/.venv/bin/python bench/eval_actors.py [--shared ../shared] [--errors N]

1. PLOVER gold standard records (../shared/data/events/plover-gsr/PLOVER_GSR_CAMEO.txt): every
   coded source/target actorText is resolved at the record's date, as a phrase; when the phrase
   alone gives no country, the record's sentence is resolved and the mention covering the phrase
   is taken (the sentence as context). Country accuracy against the record's code; the codes are
   ISO3 except: IGO (any intergovernmental organisation: we output its short code, e.g. UNO),
   NGO, IMG, and three old CAMEO spellings mapped here: JAP->JPN, ITL->ITA, VTN->VNM.
   Sector accuracy where the record gives a sector (its first three letters; '***' skipped).
3. Hand-coded actor phrases on real pages (bench/data/actor_phrases.jsonl, 770 phrases from 63
   pages of ../shared/data/extraction/scrapinghub-dev, coded blind to dyadwatch; see its .md):
   each page's body is resolved as an article at its date and the mention covering the phrase is
   taken (the phrase alone when none covers it). Scored per split (dev/test by page): country
   (a null gold needs no country), sector (a null gold needs no sector), and both.
2. ConfliBERT CAMEO NER spans (../shared/data/events/conflibert-cameo-train/train.txt): the
   spans carry no country, so a span is judged only when it contains a country name that
   pycountry knows (an independent list); we report how many spans that is, accuracy on them,
   and the share of all spans to which we give a country.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dyadwatch.actors.resolve import default_resolver  # noqa: E402
from dyadwatch.model import Article  # noqa: E402
from dyadwatch.nlp.parse import parse_article  # noqa: E402

OLD_CODES = {"JAP": "JPN", "ITL": "ITA", "VTN": "VNM"}
TRANSNATIONAL = {"IGO", "NGO", "IMG"}


def gold_ok(kb, gold: str, pred: str, kind: str) -> bool:
    gold = OLD_CODES.get(gold, gold)
    if gold == "IGO":
        return kb.is_igo(pred) and pred not in ("NGO", "MNC", "IMG")
    if gold == "NGO":
        return pred == "NGO"
    return pred == gold


def resolve_in_context(resolver, text: str, sentence: str, day: dt.date):
    m = resolver.resolve_phrase(text, day)
    if m.country or not sentence:
        return m, "phrase"
    at = sentence.find(text)
    if at < 0:
        return m, "phrase"
    parsed = parse_article(Article(doc_id="s", source="gsr", text=sentence))
    for c in resolver.resolve_article(parsed, day):
        if c.start < at + len(text) and at < c.end and c.country:
            return c, "context"
    return m, "phrase"


def eval_plover(resolver, path: Path, n_errors: int) -> dict:
    kb = resolver.kb
    records = json.loads(path.read_text(encoding="utf-8"))
    stats = Counter()
    errors: dict[str, list[str]] = {"unresolved": [], "wrong_country": [], "wrong_sector": []}
    for rec in records:
        if rec.get("event") == "DOCUMENT":
            continue
        day = dt.date.fromisoformat(rec.get("date") or "2000-01-01")
        for role in ("source", "target"):
            actors = rec.get(role)
            if not isinstance(actors, list):
                continue
            for a in actors:
                gold, text = a.get("code") or "", a.get("actorText") or ""
                if not gold or not text:
                    continue
                m, how = resolve_in_context(resolver, text, rec.get("text", ""), day)
                stats["actors"] += 1
                stats[f"by_{how}"] += 1
                ok = gold_ok(kb, gold, m.country, m.kind)
                stats["country_ok"] += ok
                stats["resolved"] += bool(m.country)
                if not m.country:
                    errors["unresolved"].append(f"{text!r} gold {gold}")
                elif not ok:
                    errors["wrong_country"].append(f"{text!r} gold {gold} got {m.country}")
                sector = (a.get("sector") or "")[:3].upper()
                if sector and sector != "***":
                    stats["sectors"] += 1
                    if m.sector == sector:
                        stats["sector_ok"] += 1
                    else:
                        errors["wrong_sector"].append(f"{text!r} gold {sector} got {m.sector or '-'}")
    return {"actors": stats["actors"],
            "country_accuracy": round(stats["country_ok"] / max(1, stats["actors"]), 3),
            "country_coverage": round(stats["resolved"] / max(1, stats["actors"]), 3),
            "country_precision": round(stats["country_ok"] / max(1, stats["resolved"]), 3),
            "with_sector": stats["sectors"],
            "sector_accuracy": round(stats["sector_ok"] / max(1, stats["sectors"]), 3),
            "resolved_from_context": stats["by_context"],
            "errors": {k: {"count": len(v), "examples": v[:n_errors]} for k, v in errors.items()}}


def eval_phrases(resolver, path: Path, pages_path: Path, n_errors: int) -> dict:
    from collections import defaultdict

    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    pages = json.loads(pages_path.read_text(encoding="utf-8"))
    by_page = defaultdict(list)
    for r in records:
        by_page[r["page_id"]].append(r)
    stats = {sp: Counter() for sp in ("dev", "test")}
    errors = {sp: [] for sp in ("dev", "test")}
    for pid, recs in by_page.items():
        body = pages[pid]["articleBody"]
        day = dt.date.fromisoformat(recs[0]["date"])
        parsed = parse_article(Article(doc_id=pid, source="phrases", text=body))
        mentions = resolver.resolve_article(parsed, day)
        for r in recs:
            sent_at = body.find(r["sentence"])
            at = sent_at + r["sentence"].find(r["phrase"]) if sent_at >= 0 else -1
            end = at + len(r["phrase"])
            best, overlap = None, 0
            for m in mentions:
                if m.field != "body" or at < 0:
                    continue
                o = min(end, m.end) - max(at, m.start)
                if o > overlap:
                    best, overlap = m, o
            if best is None:
                best = resolver.resolve_phrase(r["phrase"], day)
            gold_c, gold_s = r.get("country") or "", r.get("sector") or ""
            pred_c, pred_s = best.country or "", best.sector or ""
            c_ok = gold_ok(resolver.kb, gold_c, pred_c, best.kind) if gold_c else not pred_c
            s_ok = pred_s == gold_s or (gold_s == "IGO" and resolver.kb.is_igo(pred_c)) or (
                gold_s == "NGO" and pred_c == "NGO")
            st = stats[r["split"]]
            st["n"] += 1
            st["country_ok"] += c_ok
            st["sector_ok"] += s_ok
            st["both_ok"] += c_ok and s_ok
            st["wrong_country_given"] += bool(pred_c) and not c_ok
            if not (c_ok and s_ok):
                errors[r["split"]].append(f"{r['phrase']!r} gold {gold_c or '-'}/{gold_s or '-'} "
                                          f"got {pred_c or '-'}/{pred_s or '-'} ({best.kind})")
    out = {}
    for sp, st in stats.items():
        n = max(1, st["n"])
        out[sp] = {"phrases": st["n"], "country_accuracy": round(st["country_ok"] / n, 3),
                   "sector_accuracy": round(st["sector_ok"] / n, 3),
                   "both": round(st["both_ok"] / n, 3),
                   "wrong_country_given": round(st["wrong_country_given"] / n, 3),
                   "errors": errors[sp][:n_errors] if sp == "dev" else []}
    return out


def read_bio(path: Path):
    toks, tags = [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if toks:
                yield toks, tags
            toks, tags = [], []
            continue
        parts = line.rsplit(" ", 1)
        if len(parts) == 2:
            toks.append(parts[0])
            tags.append(parts[1])


def spans(toks: list[str], tags: list[str]):
    cur: list[str] = []
    for tok, tag in zip(toks + [""], tags + ["O"]):
        if tag.startswith("B-") or tag == "O":
            if cur:
                yield " ".join(cur)
            cur = [tok] if tag.startswith("B-") else []
        elif tag.startswith("I-"):
            cur.append(tok)


def pycountry_judge():
    import pycountry

    names = {}
    for c in pycountry.countries:
        for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if n and "," not in n:
                names[n.lower()] = c.alpha_3
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len,
                                                                          reverse=True)) + r")\b")
    return names, pattern


def eval_conflibert(resolver, path: Path, n_errors: int) -> dict:
    names, pattern = pycountry_judge()
    day = dt.date(2000, 1, 1)  # the sentences are undated; most describe 1990s-2010s events
    stats = Counter()
    wrong = []
    for toks, tags in read_bio(path):
        for span in spans(toks, tags):
            stats["spans"] += 1
            m = resolver.resolve_phrase(span, day)
            stats["given_country"] += bool(m.country)
            found = {names[x] for x in pattern.findall(span.lower())}
            if len(found) != 1:
                continue
            gold = found.pop()
            stats["judged"] += 1
            if m.country == gold:
                stats["ok"] += 1
            else:
                wrong.append(f"{span!r} judge {gold} got {m.country or '-'}")
    return {"spans": stats["spans"], "judged": stats["judged"],
            "judged_share": round(stats["judged"] / max(1, stats["spans"]), 3),
            "accuracy_on_judged": round(stats["ok"] / max(1, stats["judged"]), 3),
            "share_given_a_country": round(stats["given_country"] / max(1, stats["spans"]), 3),
            "errors": wrong[:n_errors]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT / ".." / "shared")
    ap.add_argument("--errors", type=int, default=15)
    args = ap.parse_args(argv)
    data = args.shared / "data" / "events"
    if not data.is_dir():
        print(f"no evaluation data at {data}", file=sys.stderr)
        return 2
    t = time.time()
    resolver = default_resolver()
    out = {"plover_gsr": eval_plover(resolver, data / "plover-gsr" / "PLOVER_GSR_CAMEO.txt",
                                     args.errors),
           "actor_phrases": eval_phrases(
               resolver, ROOT / "bench" / "data" / "actor_phrases.jsonl",
               args.shared / "data" / "extraction" / "scrapinghub-dev" / "ground-truth.json",
               args.errors),
           "conflibert_spans": eval_conflibert(
               resolver, data / "conflibert-cameo-train" / "train.txt", args.errors),
           "seconds": round(time.time() - t, 1)}
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
