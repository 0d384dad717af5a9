"""What kind of writing a document is: report, opinion, analysis, interview, fact-check, press
release, live blog or listing, with the cues that decided it.

An editorial's claims are not reports of events, and a press release is one party's voice; users
of event data leave such documents out of counts, or weigh them apart. The genre is read from what
the page says about itself, each cue with a weight (``data/genre.json``):

- the address and the section ("/opinion/", "Commentary", "/fact-check/");
- the JSON-LD ``@type`` (schema.org's ``OpinionNewsArticle``, ``AnalysisNewsArticle``,
  ``LiveBlogPosting``, ``ClaimReview`` ...);
- a title prefix ("Opinion:", "Analysis |", "Q&A:") or a numbered-list title ("10 things ...");
- the byline's role ("columnist", "contributor", "editorial board");
- the body: first-person voice outside quotes, question/answer lines, timestamped entries, verdict
  lines, press-release furniture ("Media contact", "About <Company>", wire names).

The genre with the highest score wins when it reaches ``min_score``; otherwise the page is a
report. Every cue that counted is kept as evidence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from dyadwatch.clean.boilerplate import _load_json
from dyadwatch.errors import KBError

REPORT = "report"
_QUOTE_RE = re.compile(r"“[^”]{0,2000}”|\"[^\"\n]{0,2000}\"|«[^»]{0,2000}»")
_WORD_RE = re.compile(r"\w+")
_SEP_RE = re.compile(r"[-_+.\s]+")


@dataclass(frozen=True, slots=True)
class Cue:
    genre: str
    pattern: re.Pattern[str]
    weight: float
    min_lines: int = 1
    per_100_words: float = 0.0


@dataclass(frozen=True, slots=True)
class GenreRules:
    min_score: float
    genres: tuple[str, ...]
    path_words: dict[str, str]  # normalised phrase -> genre
    path_weight: float
    schema_types: dict[str, str]
    schema_weight: float
    title_prefixes: tuple[tuple[re.Pattern[str], str], ...]
    title_weight: float
    title_list: Cue
    author_roles: tuple[tuple[str, str], ...]
    author_weight: float
    first_person: Cue
    line_cues: tuple[Cue, ...]
    flags: dict[str, tuple[str, str]]  # genre -> (severity, detail) of its `not_a_report` flag


def _phrase(text: str) -> str:
    return " ".join(_SEP_RE.split(text.lower())).strip()


def _cue(spec: dict[str, Any], genres: Sequence[str], where: str) -> Cue:
    if spec["genre"] not in genres:
        raise KBError(f"unknown genre {spec['genre']!r}", file="genre.json", field=where)
    try:
        pattern = re.compile(spec["pattern"], re.I | re.M)
    except re.error as exc:
        raise KBError(f"bad pattern: {exc}", file="genre.json", field=where) from exc
    return Cue(spec["genre"], pattern, float(spec["weight"]), int(spec.get("min_lines", 1)),
               float(spec.get("per_100_words", 0.0)))


@functools.lru_cache(maxsize=1)
def rules() -> GenreRules:
    data: dict[str, Any] = _load_json("genre.json", "genre.schema.json")
    genres = tuple(data["genres"])

    def check(genre: str, where: str) -> str:
        if genre not in genres:
            raise KBError(f"unknown genre {genre!r}", file="genre.json", field=where)
        return genre

    path_words = {_phrase(w): check(g, f"path_words/{g}")
                  for g, words in data["path_words"].items() for w in words}
    prefixes = tuple(
        (re.compile(r"^\s*" + re.escape(p) + r"\s*[:|\-–—]", re.I), check(g, f"title_prefixes/{g}"))
        for g, items in data["title_prefixes"].items() for p in items)
    roles = tuple((r.lower(), check(g, f"author_roles/{g}"))
                  for g, items in data["author_roles"].items() for r in items)
    return GenreRules(
        min_score=float(data["min_score"]), genres=genres, path_words=path_words,
        path_weight=float(data["path_weight"]),
        schema_types={k: check(v, f"schema_types/{k}") for k, v in data["schema_types"].items()},
        schema_weight=float(data["schema_weight"]), title_prefixes=prefixes,
        title_weight=float(data["title_weight"]),
        title_list=_cue(data["title_number_list"], genres, "title_number_list"),
        author_roles=roles, author_weight=float(data["author_weight"]),
        first_person=_cue(data["body"]["first_person"], genres, "body/first_person"),
        line_cues=tuple(_cue(c, genres, f"body/line_cues/{i}")
                        for i, c in enumerate(data["body"]["line_cues"])),
        flags={check(g, f"flags/{g}"): (f["severity"], f["detail"])
               for g, f in data["flags"].items() if not g.startswith("_")})


@dataclass(slots=True)
class Genre:
    genre: str = REPORT
    evidence: list[str] | None = None


def _path_phrases(url: str) -> list[str]:
    path = unquote(urlsplit(url or "").path)
    segments = [s for s in path.split("/") if s]
    # the last segment is the story's slug ("live-updates-..." is a cue, "liver-cancer" is not):
    # only whole segments count, and the slug only when it starts with a cue phrase
    return [_phrase(s) for s in segments[:-1]] + ([_phrase(segments[-1])] if segments else [])


def classify(*, url: str = "", section: str = "", title: str = "", author_role: str = "",
             text: str = "", schema_types: Iterable[str] = ()) -> Genre:
    r = rules()
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}

    def add(genre: str, weight: float, why: str) -> None:
        if why in evidence.get(genre, []):
            return
        scores[genre] = scores.get(genre, 0.0) + weight
        evidence.setdefault(genre, []).append(why)

    phrases = _path_phrases(url)
    for i, phrase in enumerate(phrases):
        last = i == len(phrases) - 1
        for words, genre in r.path_words.items():
            if phrase == words and not last:
                add(genre, r.path_weight, f"address segment '/{phrase}/'")
            elif last and phrase.startswith(words + " ") and genre in ("live-blog", "fact-check"):
                add(genre, r.path_weight, f"address slug starts with '{words}'")
    if section and _phrase(section) in r.path_words:
        add(r.path_words[_phrase(section)], r.path_weight, f"section '{section}'")
    for typ in schema_types:
        if typ in r.schema_types:
            add(r.schema_types[typ], r.schema_weight, f"JSON-LD type {typ}")
    for pat, genre in r.title_prefixes:
        if title and pat.match(title):
            add(genre, r.title_weight, f"title starts with {pat.match(title).group(0).strip()!r}")
    if title and r.title_list.pattern.match(title):
        add(r.title_list.genre, r.title_list.weight, "the title is a numbered list")
    role = author_role.lower()
    for word, genre in r.author_roles:
        if role and word in role:
            add(genre, r.author_weight, f"byline role {author_role!r}")
    if text:
        unquoted = _QUOTE_RE.sub(" ", text)
        n_words = len(_WORD_RE.findall(unquoted)) or 1
        fp = r.first_person
        hits = len(fp.pattern.findall(unquoted))
        if hits * 100 / n_words >= fp.per_100_words and hits >= 3:
            add(fp.genre, fp.weight, f"first-person voice: {hits} words in {n_words} outside quotes")
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        for cue in r.line_cues:
            found = [x for x in lines if cue.pattern.search(x)]
            if len(found) >= cue.min_lines:
                add(cue.genre, cue.weight, f"{len(found)} line(s) like {found[0][:60]!r}")
    if not scores:
        return Genre(REPORT, [])
    best = max(scores, key=lambda g: (scores[g], -r.genres.index(g)))
    if scores[best] < r.min_score or best == REPORT:
        return Genre(REPORT, evidence.get(REPORT, []))
    return Genre(best, evidence[best])


def set_genre(article: Any, schema_types: Iterable[str] = ()) -> str:
    """Classify ``article`` and record its genre and evidence; a genre that is not a report of
    events (``flags`` in the data) also gets a ``not_a_report`` flag."""
    from dyadwatch.model import Flag

    found = classify(url=article.url, section=article.section, title=article.title,
                     author_role=article.author_role, text=article.text,
                     schema_types=schema_types)
    article.genre, article.genre_evidence = found.genre, list(found.evidence or [])
    article.flags = [f for f in article.flags if f.kind != "not_a_report"]
    if found.genre in rules().flags:
        severity, detail = rules().flags[found.genre]
        article.flags.append(Flag("not_a_report", severity, 0, 0, "",
                                  f"{detail} (cues: {'; '.join(article.genre_evidence)})",
                                  field="page"))
    return found.genre
