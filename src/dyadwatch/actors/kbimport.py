"""Add or update KB entities from a user's CSV or JSON file (an export of Wikidata office holders,
OpenSanctions politically exposed persons reshaped to our columns, a hand-made list ...).

Accepted input: a CSV whose header has the columns of ``roles_*.csv``
(person_id,name,aliases,country,role,title,sector,start,end,source) or of
``organisations*.csv`` (org_id,name,aliases,country,sector,code,kind,source); or a JSON list of
objects with those keys (``person_id`` may be left out: it is made from the name). Every row is
validated like the shipped files; valid rows are merged into ``roles_user.csv`` /
``organisations_user.csv`` in the overlay directory, which :func:`dyadwatch.actors.kb.default_kb`
loads over the shipped data (``$DYADWATCH_KB_DIR``).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from dyadwatch.actors.kb import KB, default_kb, load_kb, row_schema, DATA_DIR
from dyadwatch.errors import KBError

log = logging.getLogger(__name__)

ROLE_FIELDS = ["person_id", "name", "aliases", "country", "role", "title", "sector", "start", "end",
               "source"]
ORG_FIELDS = ["org_id", "name", "aliases", "country", "sector", "code", "kind", "source"]


@dataclass(slots=True)
class ImportReport:
    kind: str  # roles | organisations
    file: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def to_dict(self) -> dict:
        return {"kind": self.kind, "file": self.file, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged}


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _read(path: Path) -> list[dict]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KBError(f"cannot read ({exc})", file=str(path)) from exc
    if path.suffix.lower() == ".json" or raw.lstrip().startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise KBError(f"not valid JSON ({exc.msg})", file=str(path), line=exc.lineno) from exc
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise KBError("expected a JSON list of objects", file=str(path), line=1)
        return [{k: "" if v is None else ("|".join(v) if isinstance(v, list) else str(v))
                 for k, v in x.items()} for x in data]
    return list(csv.DictReader(io.StringIO(raw)))


def _kind(rows: list[dict], path: Path) -> tuple[str, list[str]]:
    keys = set(rows[0]) if rows else set()
    if "role" in keys:
        return "roles", ROLE_FIELDS
    if "org_id" in keys or {"code", "kind"} <= keys:
        return "organisations", ORG_FIELDS
    raise KBError("rows are neither office holders (role, ...) nor organisations "
                  f"(org_id, code, kind, ...); expected columns {ROLE_FIELDS} or {ORG_FIELDS}",
                  file=str(path), line=1, field="header")


def _key(kind: str, r: dict) -> str:
    if kind == "roles":
        return f"{r['person_id']}|{r['country']}|{r['role']}|{r['start']}"
    return r["org_id"]


def _normalise(kind: str, rows: list[dict], fields: list[str]) -> list[dict]:
    out = []
    for r in rows:
        r = {f: (r.get(f) or "").strip() for f in fields}
        if kind == "roles" and not r["person_id"] and r["name"]:
            r["person_id"] = slug(r["name"])
        if kind == "organisations" and not r["org_id"] and r["name"]:
            r["org_id"] = slug(r["name"])
        out.append(r)
    return out


def _existing(path: Path, fields: list[str]) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [{f: r.get(f, "") for f in fields} for r in csv.DictReader(fh)]


def import_file(path: Path | str, dest: Path | str, kb: KB | None = None) -> ImportReport:
    """Validate ``path`` and merge it into the overlay directory ``dest``; report what changed.
    Raises KBError(file, line, field) on the first invalid row; nothing is written then."""
    path, dest = Path(path), Path(dest)
    rows = _read(path)
    if not rows:
        raise KBError("no rows", file=str(path))
    kind, fields = _kind(rows, path)
    rows = _normalise(kind, rows, fields)
    staged = _stage(path, kind, fields, rows)
    _validate(staged, kb, path)
    target = dest / ("roles_user.csv" if kind == "roles" else "organisations_user.csv")
    report = ImportReport(kind, str(target))
    merged = {_key(kind, r): r for r in _existing(target, fields)}
    for r in rows:
        k, old = _key(kind, r), merged.get(_key(kind, r))
        if old is None:
            report.added.append(k)
        elif old != r:
            report.updated.append(k)
        else:
            report.unchanged += 1
        merged[k] = r
    dest.mkdir(parents=True, exist_ok=True)
    _write(target, fields, list(merged.values()))
    log.info("imported %s: %d added, %d updated", path, len(report.added), len(report.updated))
    return report


def _stage(path: Path, kind: str, fields: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _validate(staged: str, kb: KB | None, path: Path) -> None:
    """Load the rows over the current KB in a scratch directory so that every check of the
    loader (schema, codes, sectors, dates) applies; errors name the user's file and line."""
    import tempfile

    kind = "roles" if staged.startswith("person_id") else "organisations"
    with tempfile.TemporaryDirectory() as tmp:
        name = "roles_user.csv" if kind == "roles" else "organisations_user.csv"
        f = Path(tmp) / name
        f.write_text(staged, encoding="utf-8")
        try:
            load_kb(DATA_DIR / "codes.json", DATA_DIR / "countries.csv", f)
        except KBError as exc:
            line = exc.line  # staged rows are in the order read: line n = input row n
            raise KBError(exc.message, file=str(path), line=line if path.suffix != ".json"
                          else max(0, line - 1), field=exc.field) from exc
    row_schema(kind)  # schema present (raises on a broken install)


def _write(target: Path, fields: list[str], rows: list[dict]) -> None:
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(target)


def describe(name: str, kb: KB | None = None) -> list[dict]:
    """What the KB knows under ``name``: matching countries, places, organisations and persons
    (with every role and its dates)."""
    kb = kb or default_kb()
    out = []
    for ent in kb.find(name):
        kind = type(ent).__name__.lower()
        if kind == "person":
            out.append({"kind": "person", "id": ent.id, "name": ent.name,
                        "aliases": list(ent.aliases),
                        "roles": [r.to_dict() for r in sorted(
                            ent.roles, key=lambda r: (r.start or __import__("datetime").date.min))]})
        elif kind == "country":
            out.append({"kind": "country", "id": ent.iso3, "name": ent.name,
                        "aliases": list(ent.aliases), "demonyms": list(ent.demonyms),
                        "capital": ent.capital})
        elif kind == "place":
            out.append({"kind": ent.kind, "id": ent.id, "name": ent.name,
                        "country": ent.country, "lat": ent.lat, "lon": ent.lon,
                        "sector": ent.sector})
        else:
            out.append({"kind": "organisation", "id": ent.id, "name": ent.name,
                        "country": ent.country, "sector": ent.sector, "code": ent.code,
                        "type": ent.kind, "aliases": list(ent.aliases), "source": ent.source})
    return out
