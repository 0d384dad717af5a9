"""Text leaked from a chatbot, found by family rather than by phrasing.

A list of refusals misses the next refusal worded differently. The grammar in
``data/generated_grammar.json`` describes the families a chatbot's own voice comes in: refusals,
self-descriptions as an AI, knowledge limits, comments on the output it was asked for, apologies
to the requester, unfilled template slots, leaked instructions and chat-tool markers. Each cue is a
pattern built from shared slots ("I {cant} {do} ... {obj}"); a sentence is an artefact when it
has a strong cue, or weak cues of two families that together say it (an apology and a refusal;
"as an AI" and first person). Quoted speech is blanked out first: a report that quotes a chatbot,
or an official saying "I can't help you with that", is reporting.

``find`` gives the artefact sentences of a text with their spans and families; the body removal
(``clean.boilerplate.is_generated_text``) and the quality flag (``generated_text_artifact``) both
use it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from dyadwatch.clean.boilerplate import _load_json
from dyadwatch.errors import KBError

_SLOT_RE = re.compile(r"\{([a-z_]+)\}")
_TOKEN_RE = re.compile(r"\w+")
_TURN_RE = re.compile(r"turn\d", re.I)
_QUOTED_RE = re.compile(r"“[^”\n]{1,600}”|\"[^\"\n]{1,600}\"|«[^»\n]{1,600}»|„[^“”\n]{1,600}[“”]")
# sentence ends: after . ! ? … (and closing quotes/brackets) and a space, whatever follows (chat
# text is often lower case; a cut after an abbreviation only shortens a sentence), and newlines
_SENT_END_RE = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+|\n+")
def _apostrophes(text: str) -> str:
    """Curly apostrophes as straight ones (same length), so cues need one spelling."""
    return text.replace("’", "'").replace("‘", "'").replace("ʼ", "'")


@dataclass(frozen=True, slots=True)
class Cue:
    family: str
    strong: bool
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Grammar:
    cues: tuple[Cue, ...]
    pairs: frozenset[frozenset[str]]
    gate: re.Pattern[str]  # any cue of a family outside pair_only: without one, no artefact
    gate_any: frozenset[str]
    gate_first: frozenset[str]
    gate_chars: frozenset[str]

    def passes(self, sentence: str) -> bool:
        """The cheap test before the cues: a gate word, a gate first word, a gate character or
        a chat-tool marker ("turn0search3")."""
        if self.gate_chars.intersection(sentence):
            return True
        words = _TOKEN_RE.findall(sentence.lower())
        if not words:
            return False
        if words[0] in self.gate_first or not self.gate_any.isdisjoint(words):
            return True
        return "turn" in sentence.lower() and bool(_TURN_RE.search(sentence))


@dataclass(frozen=True, slots=True)
class Artefact:
    start: int
    end: int
    text: str
    families: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def grammar() -> Grammar:
    data: dict[str, Any] = _load_json("generated_grammar.json", "generated_grammar.schema.json")
    slots = data["slots"]

    def expand(pattern: str, where: str) -> str:
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in slots:
                raise KBError(f"unknown slot {{{m.group(1)}}}", file="generated_grammar.json",
                              field=where)
            return slots[m.group(1)]
        return _SLOT_RE.sub(sub, pattern)

    cues = []
    for i, cue in enumerate(data["cues"]):
        where = f"cues/{i}"
        try:
            regex = re.compile(expand(cue["pattern"], where), re.I | re.M)
        except re.error as exc:
            raise KBError(f"bad pattern: {exc}", file="generated_grammar.json", field=where) from exc
        cues.append(Cue(cue["family"], cue["strength"] == "strong", regex))
    families = {c.family for c in cues}
    pair_only = set(data["pair_only"])
    for pair in data["weak_pairs"]:
        for fam in pair:
            if fam not in families:
                raise KBError(f"weak pair names an unknown family {fam!r}",
                              file="generated_grammar.json", field="weak_pairs")
        if set(pair) <= pair_only:
            raise KBError(f"weak pair {pair} has no family outside pair_only",
                          file="generated_grammar.json", field="weak_pairs")
    if any(c.strong and c.family in pair_only for c in cues):
        raise KBError("a pair_only family has a strong cue", file="generated_grammar.json",
                      field="pair_only")
    gate = re.compile("|".join(f"(?:{c.regex.pattern})" for c in cues
                               if c.family not in pair_only), re.I | re.M)
    g = data["gate"]
    return Grammar(tuple(cues), frozenset(frozenset(p) for p in data["weak_pairs"]), gate,
                   frozenset(g["any"]), frozenset(g["first"]), frozenset(g["chars"]))


_SPEECH_RE = re.compile(
    r"\b(?:said|says|say|saying|told|tells|tell|replied|replies|answered|answers|responded|"
    r"responds|wrote|writes|added|adds|asked|asks|stated|states|according to|quoted|quoting|"
    r"declared|insisted|explained|warned|noted|claimed|claims|posted|tweeted|read|reads|reading|"
    r"message|messages|statement|argued|admitted|acknowledged|conceded|announced|shouted|"
    r"recalled|put it)\b", re.I)
# a quotation of a machine, or mentioned rather than used ("the phrase ...", "typing ..."): its
# words are the subject of the report, whoever the family
_NOT_HUMAN_RE = re.compile(
    r"\b(?:chatbots?|bots?|AI|A\.I\.|ChatGPT|GPT-?\d*|Gemini|Bard|Copilot|Claude|Grok|Llama|"
    r"LLMs?|language models?|models?|assistants?|Alexa|Siri|software|system|program|tool|"
    r"machine|algorithm|response|responses|reply|replies|answer|output|produced|returned|"
    r"generated|typed|typing|phrase|phrases|term|words|wording|expression|slogan|dubbed|"
    r"so-called|known as|string|command|prompt|prompts|line|lines|caption|headline|message|"
    r"robots?|avatars?|voice|module|apps?|devices?|kiosk|speaker|screen|website|form|page|"
    r"template|text|filler|placeholders?|dummy|sentence|contained|displayed|showed|shows|left in|"
    r"found|printed|offers)\b",
    re.I)
# Families a person quoted in the news does not speak in: found even inside a person's quotation
# (a leak pasted into a quoted paragraph); refusals and apologies are things people say.
NOT_SPOKEN = frozenset({"marker", "ai_self", "knowledge", "placeholder", "instruction"})
# (bracketed words such as "[the company]" are an editor's insertion in a quotation: the
# family "placeholder_text" counts outside quotations only)


def _masks(text: str) -> tuple[str, str]:
    """``text`` with quotations blanked out, length for length, twice: (1) every attributed or
    mentioned quotation ("..., he said", "the chatbot replied: ...", "the phrase ..."), within 80
    characters either side; (2) only quotations of a machine or mentioned ones. A quotation with
    neither is read as text."""
    def blanker(pattern_sets):
        def blank(m: re.Match[str]) -> str:
            around = text[max(0, m.start() - 80):m.start()] + " " + text[m.end():m.end() + 80]
            hit = any(p.search(around) for p in pattern_sets)
            return " " * len(m.group(0)) if hit else m.group(0)
        return blank
    return (_QUOTED_RE.sub(blanker((_SPEECH_RE, _NOT_HUMAN_RE)), text),
            _QUOTED_RE.sub(blanker((_NOT_HUMAN_RE,)), text))


def mask_quotes(text: str) -> str:
    """``text`` with attributed and mentioned quotations blanked out (``_masks``)."""
    return _masks(text)[0]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENT_END_RE.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def families(sentence: str) -> tuple[str, ...]:
    """The families that make ``sentence`` (quotes already blanked) an artefact, or ()."""
    g = grammar()
    if not g.passes(sentence) or not g.gate.search(sentence):
        return ()
    strong, weak = set(), set()
    for cue in g.cues:
        if cue.regex.search(sentence):
            (strong if cue.strong else weak).add(cue.family)
    if strong:
        return tuple(sorted(strong | weak))
    hit = {f for pair in g.pairs if pair <= weak for f in pair}
    return tuple(sorted(hit))


def _strong_families(sentence: str) -> set[str]:
    g = grammar()
    if not g.passes(sentence) or not g.gate.search(sentence):
        return set()
    return {c.family for c in g.cues if c.strong and c.regex.search(sentence)}


def prompt_lines(lines: list[str], generated: set[int]) -> set[int]:
    """Lines that are the prompt of a leaked answer: within two lines before an artefact line,
    a line quoting that artefact's words ("What does the 'I'm sorry, but I can't help with that'
    response mean?" above the refusal itself)."""
    out = set()
    words = re.compile(r"\w+")
    for g in generated:
        answer = set(words.findall(_apostrophes(lines[g].lower())))
        for i in range(max(0, g - 2), g):
            if i in generated:
                continue
            for m in _QUOTED_RE.finditer(_apostrophes(lines[i])):
                quoted = set(words.findall(m.group(0).lower()))
                if len(quoted) >= 3 and len(quoted & answer) >= 0.8 * len(quoted):
                    out.add(i)
    return out


def find(text: str) -> list[Artefact]:
    """The sentences of ``text`` that a chatbot wrote, with their spans."""
    if not text:
        return []
    clean, spoken = _masks(_apostrophes(text))
    out = []
    for start, end in sentence_spans(clean):
        piece = clean[start:end]
        if not piece.strip():
            continue
        fams = families(piece)
        if not fams and spoken[start:end] != piece:
            # inside a person's quotation: only what no person says
            fams = tuple(f for f in _strong_families(spoken[start:end]) if f in NOT_SPOKEN)
        if fams:
            lead = len(piece) - len(piece.lstrip())
            a, b = start + lead, start + len(piece.rstrip())
            if out and not text[out[-1].end:a].strip():  # one passage of chatbot text is one
                prev = out.pop()
                a, fams = prev.start, tuple(sorted(set(prev.families) | set(fams)))
            out.append(Artefact(a, b, text[a:b], fams))
    return out
