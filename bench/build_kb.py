"""Convert the public dictionaries in ../shared/data/kb/ into the shipped KB data files.

    /work/main/.venv/bin/python bench/build_kb.py [--shared ../shared] [--out src/dyadwatch/actors/data]

Writes (deterministically, sorted, so a rerun reproduces the committed files byte for byte):
  agents.csv            agent words -> sectors, from Phoenix.agents.txt (macros expanded)
  organisations.csv     international organisations (Phoenix.International.actors.txt), non-state
                        armed groups (Phoenix.MilNonState.actors.txt) and national institutions
                        (the undated entries of Phoenix.Countries.actors.txt)
  places_subdivisions.csv  states and provinces of nine federal countries (pycountry, ISO 3166-2)
  roles_historical.csv  dated office holders: Phoenix.Countries.actors.txt persons (date-ranged
                        codes), everypolitician foreign ministers (2022 snapshot) and UN-system
                        posts, world-leaders-current heads of state/government (2026 snapshot)

Hand-written files (countries.csv, places.csv, titles.csv, codes.json, *_curated.csv) are not
touched. Every output row passes the loader's schema (checked at the end by loading the KB).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT / ".." / "shared"
DEFAULT_OUT = ROOT / "src" / "dyadwatch" / "actors" / "data"

# Phoenix 3-letter organisation components -> our IGO codes (codes.json "igos").
PHOENIX_IGO = {"UNO": "UNO", "NAT": "NATO", "EEC": "EU", "AFU": "AU", "OAS": "OAS", "ASN": "ASEAN",
               "ARL": "ARL", "CIS": "CIS", "WBK": "WB", "IMF": "IMF", "WTO": "WTO", "OPC": "OPEC",
               "GCC": "GCC", "WAS": "ECOWAS", "SAD": "SADC", "OIC": "OIC", "CWN": "CWN",
               "IAD": "IGAD", "ITP": "INTERPOL", "ICC": "ICC", "OSC": "OSCE", "GOE": "G8"}
SECTOR_PARTS = ("MIL", "COP", "REB", "JUD", "LEG", "SPY", "MED", "EDU", "HLH", "HRI", "REF", "DEV",
                "BUS", "AGR", "LAB", "ENV", "REL", "CVL", "OPP", "PTY", "CRM", "UAF", "ELI", "GOV")
ORG_WORDS = re.compile(
    r"\b(ORGANI[SZ]ATION|UNION|COUNCIL|COMMISSION|COMMITTEE|FUND|BANK|AGENCY|ASSOCIATION|PROGRAMM?E|"
    r"COURT|TRIBUNAL|ASSEMBLY|PARLIAMENT|FEDERATION|INSTITUTE|OFFICE|MISSION|FORCE|FORCES|ARMY|"
    r"FRONT|MOVEMENT|PARTY|LEAGUE|BRIGADES?|GROUP|ALLIANCE|COMMUNITY|SECRETARIAT|AUTHORITY|CENT(?:ER|RE)|"
    r"FOUNDATION|SOCIETY|CONFERENCE|CORPORATION|COMPANY|MINISTRY|DEPARTMENT|SERVICE|POLICE|GUARD|"
    r"NETWORK|WATCH|INTERNATIONAL|CROSS|CRESCENT|BOARD|PANEL|CORPS|COALITION|ORGANIZATION|"
    r"JIHAD|HEZBOLLAH|HAMAS|TALIBAN|QAEDA|CARTEL|REBELS|MILITIA|NATIONS|BUREAU|DIRECTORATE)\b")
ACRONYM = re.compile(r"^[A-Z][A-Z0-9.&/-]{1,9}$")


# ---------------------------------------------------------------- helpers
def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def phoenix_words(raw: str) -> str:
    """A Phoenix key (``BARACK_OBAMA_``) as words (``Barack Obama``); case kept as written."""
    raw = raw.strip().rstrip("_").replace("_", " ")
    return re.sub(r"\s+", " ", raw).strip()


SMALL_WORDS = {"of", "the", "and", "for", "de", "del", "la", "le", "on", "in", "to", "al", "el",
               "du", "des", "da", "do", "dos", "y", "et", "van", "von", "der", "bin", "ibn"}
TITLE_WORDS = re.compile(r"^(PRESIDENT|PRESIDENT-ELECT|MR\.?|MRS\.?|MS\.?|DR\.?|SENATOR|SEN\.|GOV\.|"
                         r"GOVERNOR|GENERAL|GEN\.|PRIME|KING|QUEEN|PRINCE|SHEIK|SHEIKH|AMERICAN|US|U\.S\.|"
                         r"UNITED|FORMER|SECRETARY|SECRETARY-GENERAL|MINISTER|CHAIRMAN|PREMIER|VICE|"
                         r"CHANCELLOR|AMBASSADOR|JUDGE|COLONEL|COL\.|LT\.|CAPT\.|ADMIRAL|MAJOR|THE)\b")


def title_case(words: str, *, org: bool = False) -> str:
    """Phoenix keys are upper case. Names get title case; an organisation's single short word
    (NATO, FARC, UNHCR) is kept as an acronym; initials keep their dots."""
    toks = words.split(" ")
    if org and len(toks) == 1 and len(toks[0]) <= 6 and toks[0].isupper():
        return toks[0]
    out = []
    for i, w in enumerate(toks):
        low = w.lower()
        if i and low in SMALL_WORDS:
            out.append(low)
        elif "." in w and len(w) <= 5:
            out.append(w.upper())
        else:
            out.append("-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")))
    return " ".join(out)


def phoenix_date(text: str) -> str:
    """Phoenix dates: YYMMDD (two-digit years pivot at 30: 29 -> 2029, 30 -> 1930) or YYYYMMDD."""
    text = text.strip()
    if len(text) == 8:
        y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
    elif len(text) == 6:
        yy, m, d = int(text[:2]), int(text[2:4]), int(text[4:])
        y = 2000 + yy if yy < 30 else 1900 + yy
    else:
        raise ValueError(text)
    return dt.date(y, max(m, 1), max(d, 1)).isoformat()


def parse_code(token: str) -> tuple[str, str, str] | None:
    """``COLGOV 660807-700807`` -> (code, start, end); ``>090120`` from; ``<061231`` until."""
    parts = token.split()
    if not parts:
        return None
    code, start, end = parts[0].strip(), "", ""
    if len(parts) > 1:
        rng = parts[1]
        try:
            if rng.startswith(">"):
                start = phoenix_date(rng[1:])
            elif rng.startswith("<"):
                end = phoenix_date(rng[1:])
            elif "-" in rng:
                a, b = rng.split("-", 1)
                start, end = phoenix_date(a), phoenix_date(b)
        except ValueError:
            return None
    return code, start, end


def read_blocks(path: Path):
    """Entries of a TABARI actor file: (line, name, [aliases], [(code, start, end)], comment)."""
    entry = None
    for n, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        comment = line.split("#", 1)[1] if "#" in line else ""
        body = line.split("#", 1)[0]
        codes = [parse_code(c) for c in re.findall(r"\[([^\]]*)\]", body)]
        codes = [c for c in codes if c]
        text = re.sub(r"\[[^\]]*\]", "", body).strip()
        if line[0] in " \t":
            if entry is not None:
                entry[3].extend(codes)
            continue
        if text.startswith("+"):
            if entry is not None:
                entry[2].append(text[1:].strip())
                entry[3].extend(codes)
            continue
        if entry is not None:
            yield entry
        entry = (n, text, [], list(codes), comment)
    if entry is not None:
        yield entry


# ---------------------------------------------------------------- agents
def build_agents(path: Path) -> list[dict]:
    macros: dict[str, list[str]] = {}
    rows: dict[str, dict] = {}
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^(!\w+!)\s*=\s*(.+)$", line)
        if m:
            macros[m.group(1)] = [w.strip() for w in m.group(2).split(",")]
            continue
        m = re.match(r"^(.*?)\s*(\{[^}]*\})?\s*\[([^\]]*)\]", line)
        if not m or "~" not in m.group(3):
            continue
        code = m.group(3).strip()
        if not code.startswith("~"):
            continue  # [IGO~] prefixes: peacekeeping words that make the actor an IGO, not a sector
        sector, secondary = code[1:4], code[4:7]
        plural = (m.group(2) or "").strip("{}").strip()
        for term in expand_stems(expand_macros(m.group(1).strip(), macros)):
            words = phoenix_words(term).lower()
            if len(words) < 3 or not re.match(r"^[a-z][a-z .'-]*$", words):
                continue
            rows.setdefault(words, {"term": words, "sector": sector, "secondary": secondary,
                                    "plural": phoenix_words(plural).lower() if plural else
                                    ("-" if m.group(2) else ""),
                                    "source": "phoenix:Phoenix.agents.txt"})
    return sorted(rows.values(), key=lambda r: r["term"])


STEMS = {"minist": ("minister", "ministry"), "ministr": ("minister", "ministry")}


def expand_stems(terms: list[str]) -> list[str]:
    """A few Phoenix keys end in a stem (``DEFENCE_MINIST``): spell out the words it stands for."""
    out = []
    for t in terms:
        last = phoenix_words(t).lower().split(" ")[-1]
        if last in STEMS:
            base = phoenix_words(t).rsplit(" ", 1)[0] if " " in phoenix_words(t) else ""
            out.extend(f"{base} {w}".strip().replace(" ", "_") for w in STEMS[last])
        else:
            out.append(t)
    return out


def expand_macros(term: str, macros: dict[str, list[str]]) -> list[str]:
    m = re.search(r"!\w+!", term)
    if not m or m.group(0) not in macros:
        return [term.replace("!", "")]
    out = []
    for word in macros[m.group(0)]:
        joiner = "_" if term[m.end():m.end() + 1] == " " else ""
        out.extend(expand_macros(term[:m.start()] + word + joiner + term[m.end():].lstrip(), macros))
    return out


# ---------------------------------------------------------------- organisations
def org_country_sector(code: str, iso3: set[str]) -> tuple[str, str] | None:
    """A Phoenix code (``IGOUNOKID``, ``COLREB``, ``NGOHRIAMN``) -> (country or IGO code, sector)."""
    head, rest = code[:3], code[3:]
    parts = [rest[i:i + 3] for i in range(0, len(rest), 3)]
    sector = next((p for p in parts if p in SECTOR_PARTS), "")
    if head == "IGO":
        igo = next((PHOENIX_IGO[p] for p in parts if p in PHOENIX_IGO), "IGO")
        return igo, sector or "GOV"
    if head in ("NGO", "MNC", "IMG", "INT"):
        return head, sector or {"NGO": "NGO", "MNC": "BUS", "IMG": "REB", "INT": ""}[head]
    if head in iso3:
        return head, sector or "GOV"
    return None


def org_row(name: str, aliases: list[str], codes, source: str, iso3: set[str]) -> dict | None:
    undated = [c for c in codes if not c[1] and not c[2]]
    if not undated:
        return None
    if not re.match(r"^[A-Z]{3,18}$", undated[0][0]):
        return None
    got = org_country_sector(undated[0][0], iso3)
    if got is None:
        return None
    country, sector = got
    if len(undated[0][0]) == 3 and undated[0][0][:3] in iso3:
        return None  # a bare country code: a country synonym, not an organisation
    pretty = re.sub(r"^The ", "", title_case(name, org=True))
    alias_names = [title_case(phoenix_words(a), org=True) for a in aliases if phoenix_words(a)]
    paren = re.match(r"^(.+?)\s*\(([^()]+)\)$", pretty)
    if paren:  # "Basque Fatherland and Freedom (ETA)": the name, and its acronym as an alias
        pretty = paren.group(1)
        inner = paren.group(2).replace(" ", "")
        if ACRONYM.match(inner.upper()) and len(inner) <= 6:
            alias_names.append(paren.group(2).upper())
    return {"org_id": slug(pretty), "name": pretty,
            "aliases": "|".join(a for a in dict.fromkeys(alias_names) if a != pretty),
            "country": country, "sector": sector, "code": undated[0][0], "kind": "",
            "source": source}


def looks_like_org(words: str) -> bool:
    return bool(ORG_WORDS.search(words.upper())) or bool(ACRONYM.match(words.replace(" ", "")) and
                                                         " " not in words and len(words) <= 8)


# In the international and non-state files every undated entry is an organisation unless it
# reads as a person's name: a known given name first, initials, or a "bin"/"ibn" patronymic.
INITIALS = re.compile(r"^(?:[A-Z]\.?\s+)+[A-Z]|^(?:[A-Z]\.)+")
MONTHS = {"JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
          "OCTOBER", "NOVEMBER", "DECEMBER"}


def nameless(words: str) -> bool:
    """No word to match on (numbers, dates) or a comment run into the name ("$991,000,000")."""
    toks = re.findall(r"[A-Za-z]{2,}", words)
    return "$" in words or not [t for t in toks if t.upper() not in MONTHS]
PATRONYMIC = re.compile(r"\b(BIN|IBN|BINT|OULD)\b")


def given_names(kb: Path) -> set[str]:
    """First words of the Phoenix CountryInfo person names borne by at least three people."""
    counts: dict[str, int] = defaultdict(int)
    for _n, name, _a, _c, comment in read_blocks(kb / "phoenix-dictionaries" /
                                                 "Phoenix.Countries.actors.txt"):
        toks = phoenix_words(name).upper().split()
        if "CountryInfo" in comment and len(toks) >= 2:
            counts[toks[0]] += 1
    return {w for w, n in counts.items() if n >= 3}


def looks_like_person(words: str, given: set[str]) -> bool:
    toks = words.upper().split()
    if not 2 <= len(toks) <= 4 or ORG_WORDS.search(words.upper()):
        return False
    return toks[0] in given or bool(INITIALS.match(words)) or bool(PATRONYMIC.search(words.upper()))


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English words of the pinned spaCy model's lemmatizer index (WordNet nouns, verbs,
    adjectives, adverbs)."""
    sys.path.insert(0, str(ROOT / "src"))
    from dyadwatch.nlp.parse import get_nlp

    index = get_nlp().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    return frozenset(w for words in index.values() for w in words)


def distinctive(words: str, country_words: dict[str, str]) -> bool:
    """The name has a word that is neither English nor a country's ("Boko Haram", "Action
    Directe"), so text that merely uses the words ("Black Friday", "we will win", "Falcon")
    does not read as the group."""
    vocab = english_words()
    for tok in re.findall(r"[a-z][a-z'-]+", words.lower()):
        tok = tok.strip("'-")
        stems = {tok, tok[:-1] if tok.endswith("s") else tok, tok[:-2] if tok.endswith("es") else tok}
        if len(tok) > 2 and not stems & vocab and tok not in country_words:
            return True
    return False


def usable_alias(alias: str, relaxed: bool, country_words: dict[str, str]) -> bool:
    """An alias that is a country's name reads as the country; a group admitted by the relaxed
    test keeps only aliases of several words that pass it too."""
    if not alias or alias.lower() in country_words:
        return False
    return not relaxed or (" " in alias and distinctive(alias, country_words))


def foreign_country_word(words: str, country: str, demonyms: dict[str, str]) -> bool:
    """The name holds another country's name or demonym ("Palestinian Resistance" coded FRA:
    a cell named after a cause abroad) -- matched as text it would give the wrong country."""
    low = f" {words.lower()} "
    return any(f" {w} " in low and iso != country for w, iso in demonyms.items())


def build_organisations(kb: Path, iso3: set[str], demonyms: dict[str, str] | None = None
                        ) -> list[dict]:
    rows: dict[str, dict] = {}
    given = given_names(kb)
    sources = [("Phoenix.International.actors.txt", "igo"), ("Phoenix.MilNonState.actors.txt", "group"),
               ("Phoenix.Countries.actors.txt", "national")]
    for fname, kind in sources:
        for _n, name, aliases, codes, comment in read_blocks(kb / "phoenix-dictionaries" / fname):
            words = phoenix_words(name)
            if not words or "CountryInfo" in comment or any(c[1] or c[2] for c in codes):
                continue  # persons carry dates or come from CountryInfo
            if re.search(r"\[[A-Z]{3}\]\s*$", name) or nameless(words):
                continue
            if not looks_like_org(words) and (kind == "national" or looks_like_person(words, given)):
                continue  # the national file mixes institutions with people and phrases
            relaxed = not looks_like_org(words)
            if relaxed and demonyms is not None and (
                    not distinctive(words, demonyms)
                    or (codes and foreign_country_word(words, codes[0][0][:3], demonyms))):
                continue
            if demonyms is not None:  # an alias that is a country's name reads as the country
                aliases = [a for a in aliases if usable_alias(phoenix_words(a), relaxed, demonyms)]
            row = org_row(words, aliases, codes, f"phoenix:{fname}", iso3)
            if row is None or len(row["org_id"]) < 2:
                continue
            row["kind"] = kind_of(kind, row["code"])
            rows.setdefault(row["org_id"], row)
    return sorted(rows.values(), key=lambda r: r["org_id"])


def kind_of(default: str, code: str) -> str:
    if code.startswith("IGO"):
        return "igo"
    if code.startswith("NGO"):
        return "ngo"
    if code.startswith("MNC"):
        return "company"
    if "REB" in code[3:] or code.startswith("IMG") or default == "group":
        return "group"
    return "national"


# ---------------------------------------------------------------- roles
def iso_day(text: str) -> str:
    """Wikidata dates of year or month precision ("1994", "1994-05") as the first day."""
    text = (text or "")[:10]
    if re.match(r"^\d{4}$", text):
        return f"{text}-01-01"
    if re.match(r"^\d{4}-\d{2}$", text):
        return f"{text}-01"
    return text if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else ""


def role_row(pid, name, aliases, country, role, title, sector, start, end, source) -> dict:
    start, end = iso_day(start), iso_day(end)
    return {"person_id": pid, "name": name, "aliases": "|".join(aliases), "country": country,
            "role": role, "title": title, "sector": sector, "start": start, "end": end,
            "source": source}


def phoenix_persons(kb: Path, iso3: set[str], country_names: set[str]) -> list[dict]:
    rows: list[dict] = []
    for fname in ("Phoenix.Countries.actors.txt", "Phoenix.International.actors.txt"):
        for _n, name, aliases, codes, comment in read_blocks(kb / "phoenix-dictionaries" / fname):
            words = phoenix_words(name)
            dated = [c for c in codes if c[1] or c[2]]
            if not words or not ("CountryInfo" in comment or "IGOrulers" in comment or dated):
                continue
            if re.search(r"\[[A-Z]{3}\]\s*$", name) or looks_like_org(words):
                continue
            pretty = title_case(words)
            if pretty.lower() in country_names:
                continue  # a country block with dated codes (South Sudan), not a person
            alias_names = [title_case(phoenix_words(a)) for a in aliases]
            alias_names = [title_case(phoenix_words(a)) for a in aliases
                           if not TITLE_WORDS.match(phoenix_words(a).upper())]
            alias_names = [a for a in dict.fromkeys(alias_names) if a and a != pretty
                           and "Administration" not in a]
            for code, start, end in codes:
                got = org_country_sector(code, iso3)
                if got is None or code[3:6] == "ELI" or code == "---":
                    continue
                country, sector = got
                if country in ("NGO", "MNC", "IMG", "INT"):
                    continue
                rows.append(role_row(slug(pretty), pretty, alias_names, country,
                                     "igo_head" if False else "other", "", sector, start, end,
                                     f"phoenix:{fname}"))
    return rows


def everypolitician(kb: Path, names_to_iso: dict[str, str]) -> list[dict]:
    rows = []
    base = kb / "everypolitician-world"
    with open(base / "foreign_ministers_wikidata_2022.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iso = names_to_iso.get(r["countryLabel"].lower())
            if not r["name"] or not iso:
                continue
            rows.append(role_row(slug(r["name"]), r["name"], [], iso, "foreign_minister",
                                 r["positionLabel"], "GOV", r["start"][:10], "",
                                 f"everypolitician 2022 wikidata:{r['person']}"))
    posts = {"Secretary-General of the United Nations": ("UNO", "igo_head"),
             "Director-General of the World Trade Organization": ("WTO", "igo_head"),
             "President of the United Nations General Assembly": ("UNO", "other"),
             "Deputy Secretary-General of the United Nations": ("UNO", "other"),
             "Under-Secretary-General of the United Nations": ("UNO", "other"),
             "President of the International Court of Justice": ("ICJ", "igo_head"),
             "Vice President of the International Court of Justice": ("ICJ", "other"),
             "Judge of the International Court of Justice": ("ICJ", "other"),
             "OSCE High Commissioner on National Minorities": ("OSCE", "other")}
    with open(base / "intl_org_holders.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["position"] not in posts or not r["person"]:
                continue
            org, role = posts[r["position"]]
            sector = "JUD" if org == "ICJ" else "GOV"
            rows.append(role_row(slug(r["person"]), r["person"], [], org, role, r["position"],
                                 sector, r["start"][:10], r["end"][:10],
                                 f"wikidata:{r['personID']}"))
    return rows


def world_leaders(kb: Path, a2_to_iso: dict[str, str]) -> list[dict]:
    rows = []
    base = kb / "world-leaders-current" / "data"
    ends = {}
    changes = json.loads((base / "changes" / "2026.json").read_text(encoding="utf-8"))
    for c in changes.get("changes", []):
        ends[(c["country"], c["position"], c.get("old_holder_en"))] = c["change_date"]
    for cdir in sorted(p for p in (base / "countries").iterdir() if p.is_dir()):
        cur = json.loads((cdir / "current.json").read_text(encoding="utf-8"))
        a2 = cur["country"]["iso_code"]
        iso = {"EU": "EU", "AU_AF": "AU"}.get(a2) or a2_to_iso.get(a2)
        if not iso:
            continue
        pos = cur["positions"]
        hog = (pos["head_of_government"] or {}).get("current_holder") or {}
        hos = (pos["head_of_state"] or {}).get("current_holder") or {}
        same = bool((pos["head_of_government"] or {}).get("is_same_as_head_of_state") or (
            hog.get("name_en") and hog.get("name_en") == hos.get("name_en")))
        for key in ("head_of_state", "head_of_government"):
            p = pos[key] or {}
            holder = p.get("current_holder") or {}
            if not holder.get("name_en"):
                continue
            role = "head_of_state_and_government" if same else key
            if iso in ("EU", "AU"):
                role = "igo_head"
            elif same and key == "head_of_government":
                continue
            source = "world-leaders-current 2026-08-22" + (
                f" wikidata:{holder['wikidata_id']}" if holder.get("wikidata_id") else "")
            rows.append(role_row(slug(holder["name_en"]), holder["name_en"], [], iso, role,
                                 p["title_en"], "GOV", holder.get("since") or "", "", source))
    for c in changes.get("changes", []):
        iso = a2_to_iso.get({"uk": "GB", "usa": "US"}.get(c["country"], c["country"].upper()), "")
        if iso and c.get("old_holder_en"):
            rows.append(role_row(slug(c["old_holder_en"]), c["old_holder_en"], [], iso,
                                 c["position"], c["position_title"], "GOV", "",
                                 c["change_date"], "world-leaders-current:changes/2026.json"))
    return rows


def dedupe_ids(rows: list[dict]) -> list[dict]:
    """One person_id per person: the same slug in two countries names two people, so the second
    country's id gets the country as suffix (``john-smith-gbr``)."""
    first_country: dict[str, str] = {}
    for r in rows:
        pid = r["person_id"]
        first_country.setdefault(pid, r["country"])
        if first_country[pid] != r["country"] and len(r["country"]) == 3 and \
                len(first_country[pid]) == 3 and r["source"].startswith("phoenix"):
            r["person_id"] = f"{pid}-{r['country'].lower()}"
    seen, out = set(), []
    for r in rows:
        if r["start"] and r["end"] and r["end"] < r["start"]:
            continue  # a typo in the source (end before start): dropped rather than guessed
        key = (r["person_id"], r["country"], r["role"], r["sector"], r["start"], r["end"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return sorted(out, key=lambda r: (r["person_id"], r["start"], r["end"], r["country"], r["role"]))


# ---------------------------------------------------------------- main
def write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in fields})


def country_lookups(out: Path) -> tuple[set[str], dict[str, str], dict[str, str]]:
    import pycountry

    iso3, names = set(), {}
    with open(out / "countries.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iso3.add(r["iso3"])
            for n in [r["name"], *r["aliases"].split("|")]:
                if n:
                    names[n.lower()] = r["iso3"]
    a2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    return iso3, names, a2


# First-level subdivisions named in the news by their English names (pycountry's ISO 3166-2
# list): states and provinces of these countries, in the subdivision types listed.
SUBDIVISIONS = {"US": ("State", "District"), "CA": ("Province", "Territory"),
                "AU": ("State", "Territory"), "IN": ("State", "Union territory"),
                "NG": ("State", "Capital territory"), "PK": ("Province",),
                "MX": ("State",), "BR": ("State",), "ZA": ("Province",)}


COMMON_WORD_REGIONS = {"plateau", "delta", "rivers", "tabasco", "federal capital territory",
                       "northern territory", "north west", "free state", "central"}


def build_subdivisions(out: Path) -> list[dict]:
    """Regions from ISO 3166-2 (pycountry). A name is left out when it reads as something else:
    a country or demonym ("Georgia", "México"), a place the hand-written places.csv already has
    ("Washington", "Delhi"), the same name in two countries ("Punjab"), or a common English
    word (``COMMON_WORD_REGIONS``: WordNet lists Texas and Plateau alike, so that list is
    written by hand). Nigerian states also answer to "<name> State"; a Mexican
    state to its short name ("Veracruz" for Veracruz de Ignacio de la Llave). No coordinates: a
    region has no one point, and the schema lets a region leave them empty."""
    import pycountry

    taken = set(country_words(out))
    with open(out / "places.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            taken.update(n.lower() for n in [r["name"], *r["aliases"].split("|")] if n)
    a2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    rows, seen = [], defaultdict(set)
    for cc, types in SUBDIVISIONS.items():
        for sub in pycountry.subdivisions.get(country_code=cc):
            if sub.parent_code is not None or sub.type not in types:
                continue
            name = re.sub(r"\s*\[.*?\]|\s*\(.*?\)", "", sub.name).strip()
            aliases = []
            if cc == "MX" and " de " in name:
                aliases.append(name.split(" de ")[0])
            if cc == "NG":
                aliases.append(f"{name} State")
            key = name.lower()
            if key in taken or key in COMMON_WORD_REGIONS:
                continue
            seen[unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()].add(cc)
            rows.append({"name": name, "country": a2[cc], "kind": "region", "lat": "", "lon": "",
                         "aliases": "|".join(a for a in aliases if a.lower() not in taken),
                         "sector": ""})
    twice = {k for k, v in seen.items() if len(v) > 1}
    rows = [r for r in rows if unicodedata.normalize("NFKD", r["name"].lower()).encode(
        "ascii", "ignore").decode() not in twice]
    return sorted(rows, key=lambda r: (r["country"], r["name"]))


def country_words(out: Path) -> dict[str, str]:
    """Lower-cased country names, aliases and demonyms -> ISO3."""
    words = {}
    with open(out / "countries.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for n in [r["name"], *r["aliases"].split("|"), *r["demonyms"].split("|")]:
                if len(n) > 3:
                    words[n.lower()] = r["iso3"]
    return words


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    kb = args.shared / "data" / "kb"
    if not kb.is_dir():
        print(f"no KB sources at {kb}", file=sys.stderr)
        return 2
    iso3, names, a2 = country_lookups(args.out)
    agents = build_agents(kb / "phoenix-dictionaries" / "Phoenix.agents.txt")
    write_csv(args.out / "agents.csv", ["term", "sector", "secondary", "plural", "source"], agents)
    orgs = build_organisations(kb, iso3, country_words(args.out))
    write_csv(args.out / "organisations.csv",
              ["org_id", "name", "aliases", "country", "sector", "code", "kind", "source"], orgs)
    regions = build_subdivisions(args.out)
    write_csv(args.out / "places_subdivisions.csv",
              ["name", "country", "kind", "lat", "lon", "aliases", "sector"], regions)
    roles = dedupe_ids(phoenix_persons(kb, iso3, set(names)) + everypolitician(kb, names) +
                       world_leaders(kb, a2))
    write_csv(args.out / "roles_historical.csv",
              ["person_id", "name", "aliases", "country", "role", "title", "sector", "start",
               "end", "source"], roles)
    print(f"agents {len(agents)}, organisations {len(orgs)}, regions {len(regions)}, role rows {len(roles)} "
          f"({len({r['person_id'] for r in roles})} persons)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
