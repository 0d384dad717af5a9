"""Language detection: the English fast path of ``detect_language`` against langdetect alone.

Texts: both sides of every pair of ../shared/data/stories/semeval2022-task8-train (news in
several languages, each with its labelled language), and the article bodies of
../shared/data/extraction/scrapinghub-dev (English news pages). For each text, the first 600
characters (what ``detect_language`` reads) go to langdetect alone and to ``detect_language``;
printed per labelled language: texts, answers that differ, texts the fast path answered, how
often each agrees with the label, and the time per text of each.

    .venv/bin/python bench/eval_language.py
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SHARED = ROOT / ".." / "shared" / "data"
PAIRS = SHARED / "stories" / "semeval2022-task8-train" / "training_set.csv"
PAGES = SHARED / "extraction" / "scrapinghub-dev" / "ground-truth.json"


def texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    csv.field_size_limit(1 << 30)
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for side in ("1", "2"):
                if row[f"text{side}"].strip():
                    out.append((row[f"lang{side}"], row[f"text{side}"]))
    for item in json.loads(PAGES.read_text(encoding="utf-8")).values():
        if (item.get("articleBody") or "").strip():
            out.append(("en", item["articleBody"]))
    return out


def main() -> int:
    if not PAIRS.exists() or not PAGES.exists():
        print(f"{PAIRS} or {PAGES} is absent", file=sys.stderr)
        return 2
    from langdetect import DetectorFactory, LangDetectException, detect

    from dyadwatch.ingest import text as textmod

    def plain(sample: str) -> str:
        DetectorFactory.seed = 0
        try:
            return detect(sample)
        except LangDetectException:
            return ""

    data = texts()
    textmod.detect_language("warm up the language profiles")
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    t_plain = t_fast = 0.0
    for lang, text in data:
        sample = text[:textmod._LANG_SAMPLE]
        t = time.perf_counter()
        a = plain(sample) if len(textmod._WORD_RE.findall(sample)) >= 3 else ""
        t_plain += time.perf_counter() - t
        t = time.perf_counter()
        b = textmod.detect_language(text)
        t_fast += time.perf_counter() - t
        fast = textmod.plainly_english(textmod._WORD_RE.findall(sample))
        r = rows[lang]
        r["texts"] += 1
        r["differ"] += a != b
        r["fast"] += fast
        r["langdetect_right"] += a == lang
        r["ours_right"] += b == lang
    print("| label | texts | answers differ | fast path | langdetect = label | ours = label |")
    print("|---|---|---|---|---|---|")
    for lang, r in sorted(rows.items(), key=lambda kv: -kv[1]["texts"]):
        n = r["texts"]
        print(f"| {lang} | {n:.0f} | {r['differ']:.0f} | {r['fast']:.0f} | "
              f"{r['langdetect_right'] / n:.3f} | {r['ours_right'] / n:.3f} |")
    n = len(data)
    print(f"time per text: langdetect {t_plain / n * 1000:.2f} ms, detect_language "
          f"{t_fast / n * 1000:.2f} ms ({n} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
