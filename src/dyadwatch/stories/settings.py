"""Settings of the stories package (similarity weights and thresholds, MinHash parameters,
clustering weights), read from ``data/stories.json`` and validated against its schema on load.
Values that were fitted carry their provenance in the file ("fitted_by")."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

from dyadwatch.errors import KBError

DATA_DIR = Path(__file__).resolve().parent / "data"
SETTINGS_FILE = DATA_DIR / "stories.json"
SCHEMA_FILE = DATA_DIR / "stories.schema.json"


STOPWORDS_FILE = DATA_DIR / "stopwords.json"
STOPWORDS_SCHEMA = DATA_DIR / "stopwords.schema.json"


def load_settings(path: Path = SETTINGS_FILE, schema: Path = SCHEMA_FILE) -> dict[str, Any]:
    """The JSON data in ``path``, validated against ``schema``; raises KBError naming the file
    and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(data, json.loads(schema.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
            raise KBError(f"cannot read the data file: {exc}", file=str(path)) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(f"invalid data file: {exc.message}", file=str(path),
                      field="/".join(str(p) for p in exc.absolute_path)) from exc
    return data


@functools.lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    """The shipped settings (loaded once)."""
    return load_settings()


@functools.lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    """Stop words of each language named in ``similarity.stopword_languages``."""
    data = load_settings(STOPWORDS_FILE, STOPWORDS_SCHEMA)["languages"]
    wanted = settings()["similarity"]["stopword_languages"]
    missing = [lang for lang in wanted if lang not in data]
    if missing:
        raise KBError(f"no stop words for {missing}; run bench/build_stopwords.py",
                      file=str(STOPWORDS_FILE), field="languages")
    return {lang: frozenset(data[lang]) for lang in wanted}
