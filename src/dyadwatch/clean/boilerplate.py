"""Plain-text furniture removal: a line model.

A scraped news page, as plain text, is a column of lines: navigation, breadcrumbs, bylines, the
story, share prompts, comment forms, related links, legal notices. Each non-blank line gets a
feature vector (its own shape, its place in the page, and the shape of its neighbours) and a
small classifier trained on real pages (bench/train_boilerplate.py, scrapinghub-dev rendered to
whole-page text) decides keep or remove. The classifier runs in two stages: the second sees the
first stage's probabilities of the neighbouring lines, so a short line inside the story is kept
and a sentence inside a block of links is not.

Only after the model has decided to remove a line does ``label_reason`` say why, from shape rules
and the patterns of ``data/furniture_reasons.json``; the reason never decides the removal.

One exception is deliberate: text leaked from a chatbot ("As an AI language model ...") is not
site furniture but a defect of the content, and no news page in the training data has it. The
grammar of ``clean.generated`` finds it by family, and such lines are removed with reason
``chatbot_text``.

Inference needs only numpy; the weights ship in ``data/boilerplate_model.json``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from dyadwatch.errors import KBError
from dyadwatch.model import Removal

log = logging.getLogger(__name__)

REASONS: dict[str, str] = {
    "navigation": "site navigation, menus and section links",
    "breadcrumb": "breadcrumb trail (kept as the article's section)",
    "byline": "author line (kept as the article's author)",
    "dateline_meta": "publication or update time stamp",
    "dateline": "the place the story was filed from (kept as the article's dateline)",
    "share_prompt": "share, follow or discuss prompts",
    "comment_form": "comment form and comment-system notices",
    "adblock": "ad-blocker notices and advertising labels",
    "related_links": "lists of related or recommended articles",
    "chatbot_text": "text leaked from a chatbot, not reporting",
    "newsletter": "newsletter and subscription prompts",
    "copyright": "copyright and legal notices",
    "caption": "photo caption (kept in the article's captions)",
    "credit": "photo or agency credit (kept in the article's credits)",
    "table": "table (kept in the article's tables)",
    "reader_questions": "questions put to the reader, not reporting",
    "title_repeat": "the headline repeated (kept as the article's title)",
    "subtitle": "the sub-headline (kept as the article's subtitle)",
    "cookie_notice": "cookie and privacy consent notices",
    "boilerplate": "other page furniture",
}

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_ALPHA_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
# Chinese, Japanese and Korean scripts: no spaces between words, so a sentence is one \w+ token.
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Characters per word in those scripts (Chinese words average under two characters, Japanese
# mixes kana and kanji at two to three): 2 keeps a CJK paragraph about as "long" as the same
# paragraph in English.
CJK_CHARS_PER_WORD = 2.0


def word_count(line: str) -> float:
    """Words in ``line``, counting runs of CJK characters as one word per two characters."""
    cjk = len(_CJK_RE.findall(line))
    if not cjk:
        return float(len(_WORD_RE.findall(line)))
    other = len(_WORD_RE.findall(_CJK_RE.sub(" ", line)))
    return other + cjk / CJK_CHARS_PER_WORD
_TERMINAL_RE = re.compile(r"[.!?…。！？][\"'”’)\]」』]*$")
_SENTENCE_BREAK_RE = re.compile(r"[.!?][\"'”’)]*\s+[\"'“‘(]*[A-Z]|[。！？][」』]?(?=.)")
_SEPARATOR_RE = re.compile(r"[|»›•·►▸→]|\s/\s|\s>\s")
_LINK_RE = re.compile(r"https?://|www\.|\.(?:com|org|net|html?)\b|@\w|#\w", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b")
_BULLET_RE = re.compile(r"^[^\w\"'“‘(]")

# Names of the per-line shape features, in order (see ``_shape``).
SHAPE_FEATURES = (
    "log_chars", "log_words", "stop_ratio", "terminal_punct", "title_ratio", "upper_ratio",
    "digit_ratio", "punct_ratio", "separator", "link_like", "log_commas", "mean_word_len",
    "starts_symbol", "log_sentences", "duplicate", "has_year_or_time", "ends_colon",
    "ends_question", "copyright_sign", "quote_marks",
)
# Shape features repeated for the previous and next line.
NEIGHBOUR_SHAPE = ("log_words", "stop_ratio", "terminal_punct", "title_ratio", "separator")
# Windows (lines either side) over which context is averaged. Chosen by cross-validation in
# bench/train_boilerplate.py: 1 and 3 catch paragraph-level context, 10 a page region.
WINDOWS = (1, 3, 10)
# A "long" line has at least this many words: shorter than nearly every story paragraph and
# longer than nearly every menu item or link title in the training pages.
LONG_LINE_WORDS = 15


@dataclass(slots=True)
class CleanResult:
    """Lines kept and removed. ``kept`` and ``removed`` index the input lines."""

    lines: list[str]
    kept: list[int]
    removals: list[Removal]
    probabilities: list[float] = field(default_factory=list)
    threshold: float = 0.5

    @property
    def text(self) -> str:
        return "\n\n".join(self.lines[i] for i in self.kept)


# --------------------------------------------------------------------------------------------
# data files


def _data_text(name: str) -> str:
    return resources.files("dyadwatch.clean").joinpath("data", name).read_text(encoding="utf-8")


def _load_json(name: str, schema_name: str) -> Any:
    import jsonschema

    try:
        data = json.loads(_data_text(name))
        jsonschema.validate(data, json.loads(_data_text(schema_name)))
    except (OSError, json.JSONDecodeError) as exc:
        raise KBError(f"cannot read data file: {exc}", file=name) from exc
    except jsonschema.ValidationError as exc:
        raise KBError(f"invalid data file: {exc.message}", file=name,
                      field="/".join(str(p) for p in exc.absolute_path)) from exc
    return data


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    words = [w.strip() for w in _data_text("stopwords.txt").splitlines()]
    words = [w for w in words if w and not w.startswith("#")]
    bad = [w for w in words if w != w.lower() or " " in w]
    if bad:
        raise KBError(f"stop words must be single lower-case words: {bad[:3]}",
                      file="stopwords.txt")
    return frozenset(words)


# --------------------------------------------------------------------------------------------
# features


def _shape(line: str, counts: Counter[str], stops: frozenset[str]) -> list[float]:
    words = _WORD_RE.findall(line)
    n_words = word_count(line)
    cjk = len(_CJK_RE.findall(line)) * 2 > len(line)  # mostly Chinese, Japanese or Korean
    n_chars = len(line)
    alpha = _ALPHA_WORD_RE.findall(line)
    letters = sum(len(w) for w in alpha) or 1
    lower_words = [w.lower() for w in words]
    n = max(len(words), 1)
    return [
        np.log1p(n_chars),
        np.log1p(n_words),
        # stop words, capitals and word lengths say nothing about CJK text: missing there,
        # imputed by line_features
        np.nan if cjk else sum(w in stops for w in lower_words) / n,
        float(bool(_TERMINAL_RE.search(line))),
        np.nan if cjk else sum(w[0].isupper() for w in alpha) / max(len(alpha), 1),
        sum(map(str.isupper, line)) / letters,
        sum(map(str.isdigit, line)) / max(n_chars, 1),
        # punctuation and symbols: neither alphanumeric nor space (the two never overlap)
        (n_chars - sum(map(str.isalnum, line)) - sum(map(str.isspace, line))) / max(n_chars, 1),
        float(bool(_SEPARATOR_RE.search(line))),
        float(bool(_LINK_RE.search(line))),
        np.log1p(line.count(",")),
        np.nan if cjk else sum(len(w) for w in words) / n,
        float(bool(_BULLET_RE.match(line))),
        np.log1p(len(_SENTENCE_BREAK_RE.findall(line))),
        float(counts[line] > 1),
        float(bool(_YEAR_RE.search(line))),
        float(line.endswith(":")),
        float(line.rstrip("\"'”’)").endswith("?")),
        float("©" in line),
        float(any(q in line for q in "\"“”")),
    ]


def _window_mean(values: np.ndarray, w: int) -> np.ndarray:
    """Mean of ``values`` over lines i-w .. i+w (clipped at the page edges)."""
    csum = np.concatenate([[0.0], np.cumsum(values)])
    n = len(values)
    idx = np.arange(n)
    lo = np.clip(idx - w, 0, n)
    hi = np.clip(idx + w + 1, 0, n)
    return (csum[hi] - csum[lo]) / (hi - lo)


def _shift(values: np.ndarray, k: int, fill: float = 0.0) -> np.ndarray:
    """values[i - k] (previous line for k=1, next line for k=-1), ``fill`` past the edges."""
    out = np.full_like(values, fill)
    if k > 0:
        out[k:] = values[:-k]
    elif k < 0:
        out[:k] = values[-k:]
    else:
        out[:] = values
    return out


def _position(words: np.ndarray) -> list[np.ndarray]:
    n = len(words)
    total = max(words.sum(), 1.0)
    before = (np.cumsum(words) - words) / total
    after = 1.0 - before - words / total
    long_idx = np.flatnonzero(words >= LONG_LINE_WORDS)
    idx = np.arange(n)
    if len(long_idx):
        first, last = long_idx[0], long_idx[-1]
        inside = ((idx >= first) & (idx <= last)).astype(float)
        # distance (in lines) to the nearest long line
        pos = np.searchsorted(long_idx, idx)
        left = long_idx[np.clip(pos - 1, 0, len(long_idx) - 1)]
        right = long_idx[np.clip(pos, 0, len(long_idx) - 1)]
        dist = np.minimum(np.abs(idx - left), np.abs(right - idx)).astype(float)
    else:
        inside = np.zeros(n)
        dist = np.full(n, float(n))
    rel = idx / max(n - 1, 1)
    return [rel, before, after, inside, np.log1p(dist), words / max(words.max(), 1.0)]


POSITION_FEATURES = ("rel_line", "words_before", "words_after", "inside_long_span",
                     "log_dist_long", "words_vs_max")


def feature_names() -> list[str]:
    names = list(SHAPE_FEATURES)
    names += [f"prev_{f}" for f in NEIGHBOUR_SHAPE] + [f"next_{f}" for f in NEIGHBOUR_SHAPE]
    for w in WINDOWS:
        names += [f"win{w}_log_words", f"win{w}_stop_ratio", f"win{w}_terminal", f"win{w}_long"]
    names += list(POSITION_FEATURES)
    return names


STAGE2_FEATURES = ("p_self", "p_prev", "p_next", "p_prev2", "p_next2", "p_win3", "p_win10",
                   "p_before_mean", "p_after_mean")


# Features that cannot be measured on lines in Chinese, Japanese or Korean script, and the values
# they get there when the model does not say (a trained model stores the means over the article
# lines of its training pages).
IMPUTED = {"stop_ratio": 0.34, "title_ratio": 0.26, "mean_word_len": 4.8}


def line_features(lines: Sequence[str], impute: dict[str, float] | None = None) -> np.ndarray:
    """Stage-1 feature matrix, one row per line (all lines non-blank). Features that cannot be
    measured (see ``IMPUTED``) take the values of ``impute``."""
    stops = stop_words()
    counts = Counter(lines)
    shape = np.array([_shape(line, counts, stops) for line in lines], dtype=float)
    if not len(lines):
        return np.zeros((0, len(feature_names())))
    for name, default in IMPUTED.items():
        k = SHAPE_FEATURES.index(name)
        shape[np.isnan(shape[:, k]), k] = (impute or {}).get(name, default)
    col = {name: shape[:, i] for i, name in enumerate(SHAPE_FEATURES)}
    cols: list[np.ndarray] = [shape[:, i] for i in range(shape.shape[1])]
    cols += [_shift(col[f], 1) for f in NEIGHBOUR_SHAPE]
    cols += [_shift(col[f], -1) for f in NEIGHBOUR_SHAPE]
    words = np.expm1(col["log_words"])
    is_long = (words >= LONG_LINE_WORDS).astype(float)
    for w in WINDOWS:
        cols += [_window_mean(col["log_words"], w), _window_mean(col["stop_ratio"], w),
                 _window_mean(col["terminal_punct"], w), _window_mean(is_long, w)]
    cols += _position(words)
    return np.column_stack(cols)


def stage2_features(p: np.ndarray) -> np.ndarray:
    """Context of first-stage probabilities: neighbours, windows, and what lies before/after."""
    n = len(p)
    if n == 0:
        return np.zeros((0, len(STAGE2_FEATURES)))
    csum = np.cumsum(p)
    idx = np.arange(n)
    before = np.where(idx > 0, (csum - p) / np.maximum(idx, 1), 0.0)
    after = np.where(idx < n - 1, (csum[-1] - csum) / np.maximum(n - 1 - idx, 1), 0.0)
    return np.column_stack([p, _shift(p, 1), _shift(p, -1), _shift(p, 2), _shift(p, -2),
                            _window_mean(p, 3), _window_mean(p, 10), before, after])


# --------------------------------------------------------------------------------------------
# the model


@dataclass(slots=True)
class _Net:
    """Standardise, then dense layers (ReLU between), then a logistic output."""

    mean: np.ndarray
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "_Net":
        layers = [(np.asarray(layer["W"], dtype=float), np.asarray(layer["b"], dtype=float))
                  for layer in d["layers"]]
        return cls(np.asarray(d["mean"], dtype=float), np.asarray(d["scale"], dtype=float), layers)

    def predict(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        z = np.clip(h[:, 0], -30, 30)
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(slots=True)
class LineModel:
    """The trained two-stage classifier; ``predict`` gives P(line is article text)."""

    stage1: _Net
    stage2: _Net | None
    threshold: float
    meta: dict[str, Any]
    impute: dict[str, float] = field(default_factory=lambda: dict(IMPUTED))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LineModel":
        if d["features"] != feature_names():
            raise KBError("the model's feature list does not match this code; retrain with "
                          "bench/train_boilerplate.py", file="boilerplate_model.json",
                          field="features")
        stage2 = _Net.from_dict(d["stage2"]) if d.get("stage2") else None
        return cls(_Net.from_dict(d["stage1"]), stage2, float(d["threshold"]),
                   d.get("training", {}), {**IMPUTED, **d.get("impute", {})})

    def predict(self, lines: Sequence[str]) -> np.ndarray:
        if not lines:
            return np.zeros(0)
        x = line_features(lines, self.impute)
        p = self.stage1.predict(x)
        if self.stage2 is not None:
            p = self.stage2.predict(np.column_stack([x, stage2_features(p)]))
        return p


@functools.lru_cache(maxsize=1)
def default_model() -> LineModel:
    data = _load_json("boilerplate_model.json", "boilerplate_model.schema.json")
    return LineModel.from_dict(data)


# --------------------------------------------------------------------------------------------
# reasons


@dataclass(slots=True)
class _ReasonRule:
    reason: str
    pattern: re.Pattern[str]
    max_words: int


@functools.lru_cache(maxsize=1)
def reason_rules() -> tuple[_ReasonRule, ...]:
    data = _load_json("furniture_reasons.json", "patterns.schema.json")
    return _compile_rules(data, "furniture_reasons.json")


def _compile_rules(data: dict[str, Any], file: str) -> tuple[_ReasonRule, ...]:
    rules = []
    for i, rule in enumerate(data["rules"]):
        if rule["reason"] not in REASONS:
            raise KBError(f"unknown reason {rule['reason']!r}", file=file, field=f"rules/{i}")
        for pat in rule["patterns"]:
            try:
                compiled = re.compile(pat, re.IGNORECASE)
            except re.error as exc:
                raise KBError(f"bad pattern {pat!r}: {exc}", file=file, field=f"rules/{i}") from exc
            rules.append(_ReasonRule(rule["reason"], compiled, rule.get("max_words", 10_000)))
    return tuple(rules)


def split_generated(line: str) -> tuple[str, str]:
    """(what stays, what a chatbot wrote) of one line: the artefact sentences ``clean.generated``
    finds, cut out; ``("line", "")`` when there are none."""
    from dyadwatch.clean.generated import find

    found = find(line)
    if not found:
        return line, ""
    kept, pos = [], 0
    for art in found:
        kept.append(line[pos:art.start])
        pos = art.end
    kept.append(line[pos:])
    return " ".join(" ".join(kept).split()), " ".join(a.text for a in found)


def is_generated_text(line: str) -> bool:
    """Most of the line (half its words or more) is text leaked from a chatbot."""
    _kept, generated = split_generated(line)
    return bool(generated) and 2 * len(_WORD_RE.findall(generated)) >= len(_WORD_RE.findall(line))


def label_reason(line: str) -> str:
    """Why a removed line is furniture: the first matching pattern, else its shape."""
    n = len(_WORD_RE.findall(line))
    for rule in reason_rules():
        if n <= rule.max_words and rule.pattern.search(line):
            return rule.reason
    if _SEPARATOR_RE.search(line) and n <= 20:
        return "navigation"
    if n <= 6 and not _TERMINAL_RE.search(line):
        return "navigation"
    return "boilerplate"


# --------------------------------------------------------------------------------------------
# the whole page


def split_lines(text: str) -> tuple[list[str], list[int]]:
    """Non-blank lines (stripped) and their 1-based line numbers in ``text``."""
    lines, numbers = [], []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line:
            lines.append(line)
            numbers.append(n)
    return lines, numbers


# The model learnt from whole pages (dozens to hundreds of lines); a text of fewer lines is a
# snippet, not a page, and its position and neighbour features mean nothing: there every
# sentence-shaped line (4+ words, ends a sentence) is kept.
MIN_PAGE_LINES = 4


def _sentence_shaped(line: str) -> bool:
    return word_count(line) >= 4 and bool(_TERMINAL_RE.search(line))


def clean_lines(lines: Sequence[str], numbers: Sequence[int] | None = None,
                model: LineModel | None = None) -> CleanResult:
    """Keep the lines the model calls article text; every other line becomes a ``Removal``."""
    model = model or default_model()
    numbers = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    p = model.predict(lines)
    kept: list[int] = []
    removals: list[Removal] = []
    tiny = len(lines) < MIN_PAGE_LINES
    from dyadwatch.clean.generated import prompt_lines

    generated = {i for i, line in enumerate(lines) if is_generated_text(line)}
    generated |= prompt_lines(list(lines), generated)
    for i, line in enumerate(lines):
        if i in generated:
            removals.append(Removal(text=line, reason="chatbot_text", line=numbers[i]))
        elif p[i] >= model.threshold or (tiny and _sentence_shaped(line)):
            kept.append(i)
        else:
            removals.append(Removal(text=line, reason=label_reason(line), line=numbers[i]))
    log.debug("line model kept %d of %d lines", len(kept), len(lines))
    return CleanResult(lines=list(lines), kept=kept, removals=removals,
                       probabilities=[float(x) for x in p], threshold=model.threshold)


def remove_furniture(text: str, model: LineModel | None = None) -> CleanResult:
    """Split ``text`` into lines and clean them (see ``clean_lines``)."""
    lines, numbers = split_lines(text)
    return clean_lines(lines, numbers, model)
