"""Commands: resolve (actor phrases to KB entities) and the ``kb`` group (import, build, show,
who)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Optional

import typer

from dyadwatch.cli.app import app, emit, fail, read_jsonl
from dyadwatch.cli.core import _date

kb_app = typer.Typer(help="The actor knowledge base: import or build entities, show what it "
                     "knows.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

DEFAULT_USER_DIR = Path.home() / ".local" / "share" / "dyadwatch" / "kb"


def _day(value: str, where: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        fail(f"{where}: date must be YYYY-MM-DD, got {value!r}")
    return None


@app.command()
def resolve(jsonl: str = typer.Option(..., "--jsonl", help="Input JSONL ('-' for stdin): one "
                                      '{"id","text","date"?} per line.')) -> None:
    """Resolve actor phrases ("American warplanes", "Rubio") to name, country, sector, CAMEO
    code and KB id; one JSON object per input line, empty strings when unknown."""
    from dyadwatch.actors.resolve import default_resolver

    resolver = default_resolver()
    bad = 0
    for n, obj, err in read_jsonl(jsonl):
        if obj is None:
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            bad += 1
            continue
        text = str(obj.get("text") or "")
        date = _day(obj.get("date") or "", f"line {n}")
        m = resolver.resolve_phrase(text, date) if text.strip() else None
        emit({"id": obj.get("id", n), "name": m.name if m else "", "country": m.country if m
              else "", "sector": m.sector if m else "", "code": m.code if m else "",
              "kb_id": m.kb_id if m else ""})
    if bad:
        raise typer.Exit(3)


@kb_app.command("import")
def kb_import(file: Path = typer.Argument(..., help="CSV or JSON of office holders or organisations."),
              kb_dir: Optional[Path] = typer.Option(None, "--kb-dir", help="Overlay directory "
                                                    "(default $DYADWATCH_KB_DIR or "
                                                    "~/.local/share/dyadwatch/kb).")) -> None:
    """Validate FILE and add or update its entities in the KB overlay; print what changed."""
    from dyadwatch.actors.kbimport import import_file

    dest = kb_dir or Path(os.environ.get("DYADWATCH_KB_DIR") or DEFAULT_USER_DIR)
    report = import_file(file, dest)
    emit(report.to_dict())
    typer.secho(f"{len(report.added)} added, {len(report.updated)} updated, "
                f"{report.unchanged} unchanged -> {report.file}"
                + ("" if os.environ.get("DYADWATCH_KB_DIR") == str(dest) else
                   f" (set DYADWATCH_KB_DIR={dest} to use it)"), err=True)


@kb_app.command("build")
def kb_build(wikidata: Path = typer.Option(..., "--wikidata", help="Wikidata JSON dump "
                                           "(latest-all.json.gz or .bz2, a filtered slice, plain "
                                           "JSON or JSON lines); read twice, streamed."),
             kb_dir: Optional[Path] = typer.Option(None, "--kb-dir", help="Overlay directory "
                                                   "(default $DYADWATCH_KB_DIR or "
                                                   "~/.local/share/dyadwatch/kb)."),
             since: Optional[str] = typer.Option(None, "--since", help="Leave out offices that "
                                                 "ended before this day."),
             replace: bool = typer.Option(False, "--replace", help="Drop the rows an earlier "
                                          "build wrote (source wikidata:…) first: a monthly "
                                          "rebuild from the full dump."),
             classes: Optional[Path] = typer.Option(None, "--classes", help="Class -> role and "
                                                    "sector mapping (default: the shipped "
                                                    "wikidata_classes.json).")) -> None:
    """Build office holders and organisations from a Wikidata dump into the KB overlay; print
    what was read, kept and rejected."""
    from dyadwatch.actors.wikidata import build, load_classes
    from dyadwatch.errors import DyadwatchError

    dest = kb_dir or Path(os.environ.get("DYADWATCH_KB_DIR") or DEFAULT_USER_DIR)
    day = _date(since, "--since")

    def progress(pass_no: int, lines: int, report) -> None:
        typer.secho(f"pass {pass_no}/2: {lines:,} lines, {report.counts['humans_with_positions']:,}"
                    f" office holders", err=True)

    try:
        report = build(wikidata, dest, load_classes(classes) if classes else None, since=day,
                       replace=replace, progress=progress)
    except DyadwatchError as exc:
        fail(str(exc))
    emit(report.to_dict())
    rejected = sum(v for k, v in report.counts.items() if k.startswith("rejected_"))
    c = report.counts
    typer.secho(f"{c['role_rows']:,} office rows ({c['persons']:,} persons), "
                f"{c['organisation_rows']:,} organisations, {rejected:,} rejected -> {dest}"
                + ("" if os.environ.get("DYADWATCH_KB_DIR") == str(dest) else
                   f" (set DYADWATCH_KB_DIR={dest} to use it)"), err=True)


@kb_app.command("show")
def kb_show(name: str = typer.Argument(..., help="A name, alias, ISO3 code or KB id.")) -> None:
    """Everything the KB knows under NAME: countries, places, organisations, persons and roles."""
    from dyadwatch.actors.kbimport import describe

    found = describe(name)
    if not found:
        fail(f"nothing in the KB is called {name!r}")
    for item in found:
        emit(item)


@kb_app.command("who")
def kb_who(role: str = typer.Argument(..., help="head_of_state, foreign_minister, ..."),
           country: str = typer.Argument(..., help="ISO3 or IGO code (COL, USA, UNO)."),
           date: str = typer.Argument(..., help="YYYY-MM-DD")) -> None:
    """Who held ROLE in COUNTRY on DATE."""
    from dyadwatch.actors.kb import default_kb

    kb = default_kb()
    if role not in kb.role_names:
        fail(f"unknown role {role!r}; one of {sorted(kb.role_names)}")
    day = _day(date, "DATE")
    rows = kb.holders(role, country.upper(), day)
    if role in ("head_of_state", "head_of_government"):
        rows += kb.holders("head_of_state_and_government", country.upper(), day)
    for r in rows:
        emit(r.to_dict())
