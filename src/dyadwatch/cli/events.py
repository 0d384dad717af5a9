"""Commands of the event coder: ``code --jsonl IN`` and ``facts FILE``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from dyadwatch.cli.app import app, emit, fail, read_jsonl


def _line_date(value: object) -> tuple[dt.date | None, str]:
    if not value:
        return None, ""
    try:
        return dt.date.fromisoformat(str(value)[:10]), ""
    except ValueError:
        return None, f"date must be YYYY-MM-DD, got {value!r}"


@app.command()
def code(jsonl: str = typer.Option(..., "--jsonl", help="Input JSONL ('-' for stdin): one "
                                   '{"id","text","date"?} per line.')) -> None:
    """Code the events of sentences or paragraphs: one {"id","events":[...]} line per input line.

    Relative dates ("on Wednesday", "last year") are read against the line's date when given.
    A malformed line is reported on standard error and skipped (exit code 3 at the end)."""
    from dyadwatch.events.coder import default_coder

    coder = default_coder()
    bad = 0
    for n, obj, err in read_jsonl(jsonl):
        date, date_err = _line_date(obj.get("date")) if obj is not None else (None, "")
        if obj is None or date_err:
            typer.secho(f"error: {err or (f'line {n}: ' + date_err)}", fg=typer.colors.RED, err=True)
            bad += 1
            continue
        events = coder.code_text(str(obj.get("text") or ""), date)
        emit({"id": obj.get("id", n), "events": [e.to_dict() for e in events]})
    if bad:
        raise typer.Exit(3)


@app.command()
def facts(
    path: str = typer.Argument(..., help="A file (HTML or text) or URL."),
    format: str = typer.Option("auto", "--format", "-f", help="auto, html or text."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="The card as one JSON object."),
) -> None:
    """The key facts card of an article (date, place, participants, issues, background, rhetoric,
    next steps), as a Markdown table with the evidence of every line."""
    from dyadwatch.facts import card_markdown
    from dyadwatch.pipeline import analyze

    pub, err = _line_date(published)
    if err:
        fail(f"--published: {err}", code=2)
    if not path.startswith(("http://", "https://")) and not Path(path).exists():
        fail(f"{path}: no such file")
    analysis = analyze(path, format=format, published=pub)
    if json_out:
        emit({"path": path, "ref_date": analysis.ref_date.isoformat() if analysis.ref_date else None,
              "facts": analysis.facts.to_dict()})
    else:
        typer.echo(card_markdown(analysis.facts))
