"""Commands: extract, analyze, ingest, events, summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Optional

import typer

from dyadwatch.cli.app import app, emit, fail, setup_logging, warn_missing_models
from dyadwatch.config import Options
from dyadwatch.store import DEFAULT_DB

STATUSES = ("actual", "threatened", "intended", "alleged", "hypothetical", "negated")
FORMAT_HELP = "Input format: auto (sniffed from content), html, text, jsonl, feed or warc."


PRIVATE_HELP = "Allow fetching from private or loopback addresses."
MODEL_HELP = ("Let the learned event model judge the rules' events (off by default: see "
              "bench/RESULTS.md for how it compares).")
MINCONF_HELP = "Drop events under this confidence (0..1)."


def _options(config: Optional[Path], allow_private: bool = False, event_model: bool = False,
             min_confidence: Optional[float] = None) -> Options:
    opts = Options.load(config) if config else Options()
    if allow_private:
        opts.fetch.allow_private = True
    if event_model:
        opts.events.model = True
    if min_confidence is not None:
        if not 0.0 <= min_confidence <= 1.0:
            fail(f"--min-confidence must be between 0 and 1, got {min_confidence}", code=2)
        opts.events.min_confidence = min_confidence
    return opts


def _date(value: Optional[str], name: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date as YYYY-MM-DD, got {value!r}", code=2)
    return None


@app.command()
def extract(
    paths: list[str] = typer.Argument(..., help="Files, directories or URLs."),
    format: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per document."),
    allow_private: bool = typer.Option(False, "--allow-private", help=PRIVATE_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="Options file (TOML)."),
) -> None:
    """Extraction and cleaning only: clean text, metadata, removed furniture, repairs."""
    from dyadwatch.ingest import extract as extract_article
    from dyadwatch.ingest import iter_documents
    from dyadwatch.model import Rejected

    opts = _options(config, allow_private)
    failed = 0
    for item in iter_documents(paths, format=format, options=opts):
        if isinstance(item, Rejected):
            failed += 1
            typer.secho(f"rejected: {item.message} [{item.reason}]", fg=typer.colors.RED, err=True)
            continue
        try:
            a = extract_article(item, opts)
        except Exception as exc:  # noqa: BLE001 - report and continue with the next input
            failed += 1
            reason = getattr(exc, "reason", "internal")
            typer.secho(f"rejected: {exc} [{reason}]", fg=typer.colors.RED, err=True)
            continue
        obj = {"path": item.source, "id": a.doc_id, "url": a.url, "text": a.text, "title": a.title,
               "subtitle": a.subtitle, "author": a.author, "author_role": a.author_role,
               "published": a.published.isoformat() if a.published else None,
               "section": a.section, "dateline": a.dateline, "language": a.language,
               "credits": [c.to_dict() for c in a.credits], "captions": a.captions,
               "tables": [t.to_dict() for t in a.tables],
               "removed": [r.to_dict() for r in a.removed],
               "repairs": [r.to_dict() for r in a.repairs],
               "flags": [f.to_dict() for f in a.flags]}
        if json_out:
            emit(obj)
        else:
            typer.secho(a.title or item.source, bold=True)
            typer.echo(a.text)
            typer.echo()
    if failed:
        raise typer.Exit(3)


@app.command()
def analyze(
    paths: list[str] = typer.Argument(..., help="Files, directories or URLs."),
    format: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    url: str = typer.Option("", "--url", help="The URL the document came from."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per document."),
    allow_private: bool = typer.Option(False, "--allow-private", help=PRIVATE_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="Options file (TOML)."),
    event_model: bool = typer.Option(False, "--event-model", help=MODEL_HELP),
    min_confidence: Optional[float] = typer.Option(None, "--min-confidence", metavar="P",
                                                   help=MINCONF_HELP),
) -> None:
    """Full analysis of each document (nothing stored): text, flags, actors, events, key facts."""
    from dyadwatch.model import Rejected
    from dyadwatch.pipeline import Pipeline

    pub = _date(published, "--published")
    pipe = Pipeline(_options(config, allow_private, event_model, min_confidence))
    warn_missing_models()

    def fill(doc):
        if url:
            doc.url = url
        if pub:
            doc.published = pub

    failed = 0
    for item in pipe.run(paths, format=format, on_document=fill):
        if isinstance(item, Rejected):
            failed += 1
            typer.secho(f"rejected: {item.message} [{item.reason}]", fg=typer.colors.RED, err=True)
            continue
        d = item.to_dict()
        d["document"]["path"] = item.article.source
        if json_out:
            emit(d)
        else:
            _print_analysis(item)
    if failed:
        raise typer.Exit(3)


def _print_analysis(analysis) -> None:
    from dyadwatch.facts import card_markdown

    a = analysis.article
    typer.secho(a.title or a.source, bold=True)
    meta = [f"{k}: {v}" for k, v in (("author", a.author), ("section", a.section),
                                      ("published", a.published), ("dateline", a.dateline),
                                      ("reference date", analysis.ref_date)) if v]
    typer.echo("  " + " | ".join(str(m) for m in meta))
    typer.echo(f"  quality {analysis.quality:.2f}; {len(a.flags)} flags; "
               f"{len(analysis.mentions)} mentions; {len(analysis.events)} events")
    for f in a.flags:
        typer.echo(f"  flag [{f.severity}] {f.kind}: {f.text[:80]!r} — {f.detail}")
    for e in analysis.events:
        typer.echo(f"  event {e.type:<9} {e.actor.code or e.actor.text or '?':>10} -> "
                   f"{e.recipient.code or e.recipient.text or '-':<10} {e.status:<11} {e.date:<10} "
                   f"{e.evidence.text[:70]!r}")
    typer.echo(card_markdown(analysis.facts))


@app.command()
def ingest(
    paths: list[str] = typer.Argument(..., help="Files, directories or URLs."),
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help="Database file (DuckDB)."),
    format: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    allow_private: bool = typer.Option(False, "--allow-private", help=PRIVATE_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="Options file (TOML)."),
    json_out: bool = typer.Option(False, "--json", help="Print the closing counts as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
    event_model: bool = typer.Option(False, "--event-model", help=MODEL_HELP),
    min_confidence: Optional[float] = typer.Option(None, "--min-confidence", metavar="P",
                                                   help=MINCONF_HELP),
) -> None:
    """Analyse and store documents; idempotent. Prints stored / duplicate / rejected counts."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dyadwatch.model import Rejected
    from dyadwatch.pipeline import Pipeline, count_inputs, ingest as run_ingest
    from dyadwatch.store import Store

    setup_logging(verbose)
    opts = _options(config, allow_private, event_model, min_confidence)
    pipe = Pipeline(opts)
    warn_missing_models()
    rejects = []
    with Store(db) as store, Progress(TextColumn("{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      transient=True, console=_err_console()) as bar:
        task = bar.add_task("ingesting", total=count_inputs(paths))

        def step(item) -> None:
            if isinstance(item, Rejected):
                rejects.append(item)
            src = item.source if isinstance(item, Rejected) else item.article.source
            if "#" not in src:  # members of archives, feeds and JSONL files are not files
                bar.advance(task)

        report = run_ingest(paths, store, format=format, options=opts, progress=step)
        report_d = report.to_dict()
    if json_out:
        emit(report_d)
    else:
        for r in rejects:
            typer.secho(f"rejected {r.source}: {r.reason} — {r.message}", fg=typer.colors.YELLOW,
                        err=True)
        typer.echo(f"stored {report.stored}, duplicate {report.duplicate}, rejected "
                   f"{report.rejected}; {report.stories} stories touched, {report.alerts} new "
                   f"alerts -> {db}")
    if report.rejected:
        raise typer.Exit(3)  # as analyze and extract: some input was rejected (the rest is stored)


def _err_console():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def events(
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB file, `dyadwatch batch` output "
                           "directory (Parquet) or postgresql:// URL."),
    dyad: Optional[str] = typer.Option(None, "--dyad", help="Country pair, e.g. USA-COL (either direction)."),
    directed: bool = typer.Option(False, "--directed", help="Only events from the first country to the second."),
    since: Optional[str] = typer.Option(None, "--since", help="First day YYYY-MM-DD."),
    until: Optional[str] = typer.Option(None, "--until", help="Last day YYYY-MM-DD."),
    type: list[str] = typer.Option([], "--type", help="PLOVER event type (repeatable)."),
    actor: Optional[str] = typer.Option(None, "--actor", help="Actor or recipient name or code."),
    status: Optional[str] = typer.Option(None, "--status", help="Only this status: actual, "
                                         "threatened, intended, alleged, hypothetical, negated."),
    min_quality: Optional[float] = typer.Option(None, "--min-quality", help="Only events of "
                                                "documents with at least this quality (0..1)."),
    limit: int = typer.Option(1000, "--limit", help="At most this many events, newest first."),
    format: str = typer.Option("json", "--format", "-f", help="json, csv, gdelt or plover."),
    exclude_genre: list[str] = typer.Option([], "--exclude-genre", help="Leave out documents of "
                                            "this genre (repeatable): opinion, analysis, "
                                            "interview, fact-check, press-release, live-blog, "
                                            "listing, report."),
) -> None:
    """Query stored events; export as JSON lines, CSV, GDELT-style rows or PLOVER JSON."""
    from dyadwatch.store import open_store
    from dyadwatch.store.postgres import is_postgres_url

    from dyadwatch.dyads import parse_dyad
    from dyadwatch.errors import InputError
    from dyadwatch.events.ontology import default_ontology

    if format not in ("json", "csv", "gdelt", "plover"):
        fail(f"--format must be json, csv, gdelt or plover, not {format!r}", code=2)
    if dyad:
        try:
            d = parse_dyad(dyad)
        except InputError as exc:
            fail(exc.args[0] if exc.args else str(exc), code=2)
        directed = directed or d.directed
        dyad = f"{d.a}-{d.b}"
    known = set(default_ontology().types)
    for t in type:
        if t.upper() not in known:
            fail(f"--type {t!r} is not a PLOVER type; one of {', '.join(sorted(known))}", code=2)
    if status and status not in STATUSES:
        fail(f"--status {status!r} is not one of {', '.join(STATUSES)}", code=2)
    from dyadwatch.clean.genre import rules as genre_rules

    for g in exclude_genre:
        if g not in genre_rules().genres:
            fail(f"--exclude-genre {g!r} is not one of {', '.join(genre_rules().genres)}", code=2)
    if not is_postgres_url(db) and not Path(db).exists():
        fail(f"{db}: no such database; create it with `dyadwatch ingest PATH --db {db}`")
    with open_store(db, read_only=True) as store:
        rows = store.events(dyad=dyad, directed=directed, since=_date(since, "--since"),
                            until=_date(until, "--until"), types=type, actor=actor, status=status,
                            min_quality=min_quality, limit=limit, exclude_genres=exclude_genre)
    write_events(rows, format, sys.stdout)


def write_events(rows, format: str, out) -> None:
    from dyadwatch.events import export
    from dyadwatch.store.export import FLAT_COLUMNS, to_flat

    if format == "json":
        for ev in rows:
            out.write(json.dumps(ev, ensure_ascii=False) + "\n")
    elif format == "plover":
        for ev in rows:
            out.write(json.dumps(export.to_plover(ev, ev.get("document") or {}), ensure_ascii=False) + "\n")
    else:
        if format == "gdelt":
            columns = list(export.GDELT_COLUMNS)
            records = [export.to_gdelt_row(ev, ev.get("document") or {}) for ev in rows]
            writer = csv.DictWriter(out, fieldnames=columns, delimiter="\t", extrasaction="ignore")
        else:
            records = [to_flat(ev) for ev in rows]
            columns = list(FLAT_COLUMNS)
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for rec in records:
            writer.writerow(rec)


@app.command()
def summary(
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help="Database file (DuckDB)."),
    json_out: bool = typer.Option(False, "--json", help="Machine output: one JSON object per line."),
) -> None:
    """What the database holds: documents, rejects, events per dyad and type, flags."""
    from dyadwatch.store import Store
    from dyadwatch.store.summary import summarize

    if not db.exists():
        fail(f"{db}: no such database; create it with `dyadwatch ingest PATH --db {db}`")
    with Store(db, read_only=True) as store:
        s = summarize(store)
    if json_out:
        emit(s)
        return
    buf = io.StringIO()
    c = s["counts"]
    buf.write(f"{c['documents']} documents ({c['document_sources']} sources), {c['rejects']} rejected, "
              f"{c['events']} events, {c['mentions']} actor mentions, {c['flags']} flags\n")
    st = s["stories"]
    buf.write(f"{st['stories']} stories, {st['multi']} of them reported by more than one document\n")
    if s["rejects"]:
        buf.write("\nRejected:\n")
        for r in s["rejects"]:
            buf.write(f"  {r['reason']:<18} {r['source']}\n")
    buf.write("\nEvents by dyad (undirected):\n")
    for d in s["dyads"]:
        buf.write(f"  {d['dyad']:<9} {d['events']:>4} events  {d['types']}\n")
    buf.write("\nEvents by type:\n")
    for t in s["types"]:
        buf.write(f"  {t['type']:<10} {t['events']:>4}\n")
    if s["flags"]:
        buf.write("\nQuality flags:\n")
        for f in s["flags"]:
            buf.write(f"  {f['kind']:<26} {f['severity']:<6} {f['n']:>3}\n")
    if s["low_quality"]:
        buf.write("\nLow-quality documents (left out of dyad statistics by default):\n")
        for d in s["low_quality"]:
            buf.write(f"  {d['quality']:.2f}  {d['title'] or d['source']}\n")
    typer.echo(buf.getvalue().rstrip())
