"""The event ontology as data: PLOVER draft 0.8 types, modes and contexts; CAMEO codes with their
PLOVER type, mode and context, root and QuadClass; an intensity per type and mode.

Two files under ``events/data/``: ``ontology.json`` (types, modes, intensities, contexts, QuadClass
by CAMEO root; validated against ``schema/ontology.schema.json``) and ``cameo_plover.tsv`` (one CAMEO
code a line: code, PLOVER type, mode, context, CAMEO name). Both are checked when loaded: a code whose
type is not one of the 16 types, a context outside the list or a malformed code raises ``KBError``
naming the file, line and field.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from dyadwatch.errors import KBError

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
ONTOLOGY_FILE = DATA_DIR / "ontology.json"
CAMEO_FILE = DATA_DIR / "cameo_plover.tsv"
SCHEMA_FILE = DATA_DIR / "schema" / "ontology.schema.json"

_CODE = re.compile(r"^[0-9]{3,4}$")
# Modes written in the PLOVER table that are not a type's own mode list entries (e.g. "investigate"
# under ACCUSE) are accepted: the table is the authority on modes, ontology.json only on intensity.


@dataclass(frozen=True, slots=True)
class CameoCode:
    code: str
    type: str  # PLOVER type; "" for CAMEO 01 (public statements), which PLOVER does not code
    mode: str
    context: tuple[str, ...]
    name: str

    @property
    def root(self) -> str:
        return self.code[:2]


@dataclass(frozen=True, slots=True)
class TypeInfo:
    name: str
    description: str
    default_code: str
    intensity: float
    modes: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Ontology:
    version: str
    types: dict[str, TypeInfo]
    contexts: tuple[str, ...]
    codes: dict[str, CameoCode]
    quad_by_root: dict[str, int]

    def lookup(self, code: str) -> CameoCode | None:
        """The entry of ``code``, else of its nearest listed parent ("0315" -> "031" -> "030")."""
        code = (code or "").strip()
        while len(code) >= 3:
            if code in self.codes:
                return self.codes[code]
            code = code[:-1] if len(code) > 3 else code[:2] + "0" if code[2] != "0" else ""
        return None

    def type_of(self, code: str) -> str:
        entry = self.lookup(code)
        return entry.type if entry else ""

    def quad_class(self, code: str) -> int:
        """1 verbal cooperation .. 4 material conflict, from the CAMEO root; 0 when unknown."""
        return self.quad_by_root.get((code or "")[:2], 0)

    def intensity(self, type_name: str, mode: str = "") -> float:
        info = self.types.get(type_name)
        if info is None:
            return 0.0
        return info.modes.get(mode, info.intensity)

    def default_code(self, type_name: str) -> str:
        info = self.types.get(type_name)
        return info.default_code if info else ""

    def is_event_code(self, code: str) -> bool:
        """True when ``code`` maps to a PLOVER type (CAMEO 01 statements do not)."""
        return bool(self.type_of(code))


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read the ontology: {exc}", file=str(path)) from exc
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise KBError(f"does not match its schema: {exc.message}", file=str(path), field=where) from exc
    return data


def _types(data: dict) -> dict[str, TypeInfo]:
    return {name: TypeInfo(name=name, description=t["description"], default_code=t["default_code"],
                           intensity=float(t["intensity"]), modes=dict(t["modes"]))
            for name, t in data["types"].items()}


def _read_codes(path: Path, types: dict[str, TypeInfo], contexts: set[str]) -> dict[str, CameoCode]:
    codes: dict[str, CameoCode] = {}
    header_seen = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            header_seen = True
            if cells[:5] != ["code", "type", "mode", "context", "name"]:
                raise KBError("expected the header code, type, mode, context, name", file=str(path), line=n)
            continue
        codes[cells[0]] = _code_row(cells, path, n, types, contexts, codes)
    return codes


def _code_row(cells: list[str], path: Path, n: int, types: dict[str, TypeInfo], contexts: set[str],
              seen: dict[str, CameoCode]) -> CameoCode:
    if len(cells) != 5:
        raise KBError(f"expected 5 tab-separated fields, found {len(cells)}", file=str(path), line=n)
    code, typ, mode, ctx, name = (c.strip() for c in cells)
    if not _CODE.match(code):
        raise KBError(f"not a CAMEO code: {code!r}", file=str(path), line=n, field="code")
    if code in seen:
        raise KBError(f"code {code} listed twice", file=str(path), line=n, field="code")
    if typ and typ not in types:
        raise KBError(f"unknown PLOVER type {typ!r}", file=str(path), line=n, field="type")
    context = tuple(c for c in ctx.split(";") if c)
    for c in context:
        if c not in contexts:
            raise KBError(f"unknown context {c!r}", file=str(path), line=n, field="context")
    return CameoCode(code=code, type=typ, mode=mode, context=context, name=name)


def load_ontology(ontology_file: Path = ONTOLOGY_FILE, cameo_file: Path = CAMEO_FILE) -> Ontology:
    """Read and check both files; raises ``KBError`` on any malformed entry."""
    data = _load_json(ontology_file)
    types = _types(data)
    contexts = tuple(data["contexts"])
    codes = _read_codes(cameo_file, types, set(contexts))
    for name, info in types.items():
        if info.default_code not in codes or codes[info.default_code].type != name:
            raise KBError(f"default code {info.default_code} of {name} is not a {name} code",
                          file=str(ontology_file), field=f"types/{name}/default_code")
    quad = {k: int(v) for k, v in data["quad_by_root"].items()}
    log.debug("ontology: %d types, %d CAMEO codes", len(types), len(codes))
    return Ontology(version=data["version"], types=types, contexts=contexts, codes=codes, quad_by_root=quad)


@functools.lru_cache(maxsize=1)
def default_ontology() -> Ontology:
    return load_ontology()


def parse_table_line(line: str) -> tuple[str, str] | None:
    """(code, PLOVER type) of a line of the PLOVER project's CAMEO2PLOVER table, else None.
    Used by the tests to check that every code of that table maps here."""
    m = re.match(r"^(\d{3,4}):\s*([A-Z]+)", line)
    return (m.group(1), m.group(2)) if m else None
