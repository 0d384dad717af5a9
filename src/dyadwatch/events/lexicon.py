"""The coder's patterns, loaded from ``events/patterns/`` and checked when loaded.

``triggers.json``: verb and noun lemmas -> CAMEO codes with constraints (see its ``_comment``).
``cues.json``: words that set an event's status or compose two events into one ("threatened to
impose sanctions" -> one THREATEN event).

Every trigger code must be a code of the ontology; every ``@set`` reference must name a set. A
malformed file raises ``KBError`` naming the file and the field.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from dyadwatch.errors import KBError
from dyadwatch.events.ontology import Ontology, default_ontology

log = logging.getLogger(__name__)

PATTERN_DIR = Path(__file__).resolve().parent / "patterns"
TRIGGERS_FILE = PATTERN_DIR / "triggers.json"
CUES_FILE = PATTERN_DIR / "cues.json"

CUE_CLASSES = ("intend", "threat", "request", "reject", "allege", "negate", "report")


@dataclass(frozen=True, slots=True)
class Entry:
    """One reading of a trigger word; see triggers.json for the meaning of each constraint."""

    code: str
    weight: float = 1.0
    prep: frozenset[str] = frozenset()
    obj: frozenset[str] = frozenset()
    obj_actor: bool | None = None
    mod: frozenset[str] = frozenset()
    partner: bool = False
    patient_subject: bool = False
    descriptor: str = ""
    support: bool = False
    theme: bool = False  # the object is what is moved or imposed ("mobilized troops"), not a recipient
    needs_obj: bool = False
    bare: bool = False


@dataclass(slots=True)
class Cues:
    verbs: dict[str, str]  # lemma -> class (first class listing it wins)
    particle_verbs: dict[str, str]
    nouns: dict[str, str]
    adjectives: dict[str, str]
    object_control: frozenset[str]
    aux: dict[str, str]  # word -> intend | hypothetical | request
    adverbs: dict[str, str]  # word -> alleged | hypothetical
    adjective_modifiers: dict[str, str]  # word -> alleged | hypothetical | intend | negated
    condition_marks: frozenset[str]
    negations: frozenset[str]
    codes: dict[str, dict[str, str]]
    reciprocal_words: tuple[str, ...]
    non_agents: frozenset[str]
    violence_nouns: frozenset[str]
    instruments: frozenset[str]
    support_verbs: frozenset[str]
    group_nouns: frozenset[str]
    quantity_nouns: frozenset[str] = frozenset()
    report_verbs: frozenset[str] = frozenset()


@dataclass(slots=True)
class Lexicon:
    verbs: dict[str, tuple[Entry, ...]]
    nouns: dict[str, tuple[Entry, ...]]
    negative: frozenset[str]
    positive: frozenset[str]
    cues: Cues
    ontology: Ontology
    verb_forms: dict[str, str] = field(default_factory=dict)  # inflected form -> lemma

    def composed_code(self, cue_class: str, code: str) -> str:
        """The CAMEO code of "<cue> <event with code>": the longest matching code prefix, else the
        PLOVER type of ``code``, else the class default."""
        table = self.cues.codes.get(cue_class, {})
        for n in range(len(code), 2, -1):
            if code[:n] in table:
                return table[code[:n]]
        return table.get(self.ontology.type_of(code), table.get("", ""))


def _read(path: Path, schema_path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read: {exc}", file=str(path)) from exc
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        raise KBError(exc.message, file=str(path), field="/".join(str(p) for p in exc.absolute_path)) from exc
    return data


def _entry(raw: dict, sets: dict[str, list[str]], ontology: Ontology, where: str,
           theme_sets: frozenset[str] = frozenset()) -> Entry:
    code = raw["code"]
    if ontology.lookup(code) is None or ontology.lookup(code).code[:2] not in ontology.quad_by_root:
        raise KBError(f"code {code} is not a CAMEO code of the ontology", file=str(TRIGGERS_FILE), field=where)
    obj = raw.get("obj", [])
    theme = False
    if isinstance(obj, str):
        if obj[1:] not in sets:
            raise KBError(f"unknown set {obj}", file=str(TRIGGERS_FILE), field=where)
        theme = obj[1:] in theme_sets
        obj = sets[obj[1:]]
    return Entry(code=code, weight=float(raw.get("w", 1.0)), prep=frozenset(raw.get("prep", [])),
                 obj=frozenset(obj), obj_actor=raw.get("obj_actor"), mod=frozenset(raw.get("mod", [])),
                 partner=bool(raw.get("partner", False)), patient_subject=bool(raw.get("patient_subject", False)),
                 descriptor=raw.get("descriptor", ""), support=bool(raw.get("support", False)), theme=theme,
                 needs_obj=bool(raw.get("needs_obj", False)), bare=bool(raw.get("bare", False)))


def _lexicon(section: dict, sets: dict, ontology: Ontology, name: str,
             theme_sets: frozenset[str] = frozenset()) -> dict[str, tuple[Entry, ...]]:
    return {lemma: tuple(_entry(e, sets, ontology, f"{name}/{lemma}/{i}", theme_sets) for i, e in enumerate(entries))
            for lemma, entries in section.items()}


def _by_word(classes: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for cls in CUE_CLASSES:
        for word in classes.get(cls, []):
            out.setdefault(word, cls)
    return out


def _invert(groups: dict[str, list[str]]) -> dict[str, str]:
    return {w: key for key, words in groups.items() for w in words}


def _cues(data: dict, ontology: Ontology) -> Cues:
    for cls, table in data["codes"].items():
        for key, code in table.items():
            if not ontology.is_event_code(code):
                raise KBError(f"code {code} is not an event code", file=str(CUES_FILE), field=f"codes/{cls}/{key}")
    return Cues(verbs=_by_word(data["verbs"]), particle_verbs=dict(data["particle_verbs"]),
                nouns=_by_word(data["nouns"]), adjectives=_by_word(data["adjectives"]),
                object_control=frozenset(data["object_control"]), aux=_invert(data["aux"]),
                adverbs=_invert(data["adverbs"]), adjective_modifiers=_invert(data["adjective_modifiers"]),
                condition_marks=frozenset(data["condition_marks"]), negations=frozenset(data["negations"]),
                codes=data["codes"], reciprocal_words=tuple(data["reciprocal_words"]),
                non_agents=frozenset(data["non_agents"]), violence_nouns=frozenset(data["violence_nouns"]),
                instruments=frozenset(data["instruments"]), support_verbs=frozenset(data["support_verbs"]),
                group_nouns=frozenset(data["group_nouns"]), quantity_nouns=frozenset(data["quantity_nouns"]),
                report_verbs=frozenset(data["verbs"]["report"]))


def inflections(lemma: str) -> set[str]:
    """Regular English verb forms of ``lemma`` (enough to find a verb the tagger read as a noun in
    a title-case headline: "US Threatens Military Action")."""
    forms = {lemma}
    if lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    elif lemma.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
    return forms


def load_lexicon(triggers_file: Path = TRIGGERS_FILE, cues_file: Path = CUES_FILE,
                 ontology: Ontology | None = None) -> Lexicon:
    ontology = ontology or default_ontology()
    trig = _read(triggers_file, PATTERN_DIR / "triggers.schema.json")
    cues = _read(cues_file, PATTERN_DIR / "cues.schema.json")
    sets = trig["sets"]
    themes = frozenset(trig.get("theme_sets", []))
    for name in themes:
        if name not in sets:
            raise KBError(f"unknown set {name}", file=str(triggers_file), field="theme_sets")
    verbs = _lexicon(trig["verbs"], sets, ontology, "verbs", themes)
    forms = {form: lemma for lemma in verbs for form in inflections(lemma)}
    lex = Lexicon(verbs=verbs, nouns=_lexicon(trig["nouns"], sets, ontology, "nouns"),
                  negative=frozenset(trig["descriptors"]["negative"]),
                  positive=frozenset(trig["descriptors"]["positive"]),
                  cues=_cues(cues, ontology), ontology=ontology, verb_forms=forms)
    log.debug("lexicon: %d verbs, %d nouns", len(lex.verbs), len(lex.nouns))
    return lex


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
