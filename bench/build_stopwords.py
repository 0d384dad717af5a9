"""Write src/dyadwatch/stories/data/stopwords.json: stop words per language, copied from
spaCy's ``spacy.lang.<xx>.stop_words`` (MIT licence) for the languages named in
``similarity.stopword_languages`` of stories.json. Shipped as data so that story similarity does
not import spaCy (seconds of start-up) and so that a spaCy upgrade cannot change scores silently.

    .venv/bin/python bench/build_stopwords.py
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import spacy

DATA = Path(__file__).resolve().parents[1] / "src" / "dyadwatch" / "stories" / "data"


def main() -> None:
    langs = json.loads((DATA / "stories.json").read_text(encoding="utf-8"))["similarity"][
        "stopword_languages"]
    out = {"source": f"spaCy {spacy.__version__} spacy.lang.<xx>.stop_words (MIT licence)",
           "languages": {}}
    for lang in langs:
        words = importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS
        out["languages"][lang] = sorted({w.lower() for w in words})
    (DATA / "stopwords.json").write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n",
                                         encoding="utf-8")
    print(f"wrote {DATA / 'stopwords.json'}: {len(langs)} languages, "
          f"{sum(len(v) for v in out['languages'].values())} words")


if __name__ == "__main__":
    main()
