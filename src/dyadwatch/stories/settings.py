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


def load_settings(path: Path = SETTINGS_FILE) -> dict[str, Any]:
    """The settings in ``path``, validated; raises KBError naming the file and field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read the stories settings: {exc}", file=str(path)) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(f"invalid stories settings: {exc.message}", file=str(path),
                      field="/".join(str(p) for p in exc.absolute_path)) from exc
    return data


@functools.lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    """The shipped settings (loaded once)."""
    return load_settings()
