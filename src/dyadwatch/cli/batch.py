"""Commands: ``batch`` (parallel or distributed processing to Parquet) and ``load`` (Parquet into
DuckDB or PostgreSQL)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

import typer

from dyadwatch.cli.app import app, emit, fail, setup_logging
from dyadwatch.store import DEFAULT_DB

FORMAT_HELP = "Input format: auto (sniffed from content), html, text, jsonl, feed or warc."


def _shard_line(result) -> str:
    d = result.to_dict()
    if result.status == "failed":
        return f"shard {d['shard']} failed: {d['error']}"
    what = (f"{d.get('documents', 0)} documents, {d.get('rejected', 0)} rejected, "
            f"{d.get('events', 0)} events")
    if result.status == "skipped":
        return f"shard {d['shard']} already done: {what}"
    return f"shard {d['shard']} done: {what} in {d.get('seconds', 0):.1f} s (pid {d.get('pid')})"


@app.command()
def batch(
    inputs: list[str] = typer.Argument(..., help="Files and directories; JSONL and WARC files "
                                       "are cut into record ranges."),
    out: Path = typer.Option(..., "--out", help="Output directory: Parquet per table and shard."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running "
                                            "Dask scheduler (tcp://host:8786); default: a local "
                                            "cluster."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes "
                                          "(default: one per CPU)."),
    shard_size: Optional[int] = typer.Option(None, "--shard-size", min=1, help="Files, JSONL "
                                             "lines or WARC records per shard (default 100)."),
    max_shards: Optional[int] = typer.Option(None, "--max-shards", min=1, help="Process at most "
                                             "this many shards now; a rerun continues."),
    format: str = typer.Option("auto", "--format", "-f", help=FORMAT_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="Options file (TOML)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per shard, then the "
                                  "totals."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """Process inputs in parallel shards to Parquet; resumable (a rerun skips finished shards)."""
    from dyadwatch.config import Options
    from dyadwatch.scale import ENGINES, run_batch
    from dyadwatch.scale.shards import settings

    setup_logging(verbose)
    if engine not in ENGINES:
        fail(f"--engine must be local or dask, not {engine!r}", code=2)
    if scheduler and engine != "dask":
        fail("--scheduler needs --engine dask", code=2)
    opts = Options.load(config) if config else Options()
    shards = settings()
    if shard_size:
        shards = dataclasses.replace(shards, files_per_shard=shard_size,
                                     records_per_shard=shard_size)

    def progress(result) -> None:
        if json_out:
            emit(result.to_dict())
        else:
            typer.secho(_shard_line(result), err=True,
                        fg=typer.colors.RED if result.status == "failed" else None)

    report = run_batch(inputs, out, engine=engine, workers=workers, scheduler=scheduler,
                       format=format, options=opts, config=shards, max_shards=max_shards,
                       progress=progress)
    totals = report.to_dict()
    if json_out:
        emit({"totals": totals})
    else:
        typer.echo(f"{report.shards} shards ({report.done} done, {report.skipped} already done, "
                   f"{report.failed} failed): {report.documents} documents, {report.rejected} "
                   f"rejected, {report.events} events in {report.seconds:.1f} s -> {out}")
    if report.failed:
        typer.secho(f"{report.failed} shards failed; rerun the same command to retry them",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(3)


@app.command()
def load(
    directory: Path = typer.Argument(..., help="A `dyadwatch batch` output directory."),
    db: str = typer.Option(DEFAULT_DB, "--db", help="DuckDB file or postgresql:// URL."),
    stories: bool = typer.Option(True, "--stories/--no-stories", help="Then put the new "
                                 "documents into stories, merge them and raise alerts, as "
                                 "`ingest` does (default); --no-stories only loads the rows."),
    json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """Load batch output into a database; idempotent (documents already stored count as
    duplicates)."""
    from dyadwatch.store import open_store
    from dyadwatch.store.parquet import is_batch_dir, load_dir

    setup_logging(verbose)
    if not is_batch_dir(directory):
        fail(f"{directory}: not a batch output directory; write one with "
             f"`dyadwatch batch INPUT --out {directory}`")
    if Path(db).is_dir():
        fail(f"--db {db}: a directory; pass a DuckDB file or a postgresql:// URL", code=2)
    with open_store(db) as store:
        where = store.path  # a URL without its password
        report = load_dir(store, directory)
        counts = report.to_dict()
        if stories:  # what `ingest` does after storing: stories assigned and merged, alerts
            from dyadwatch.alerts import scan
            from dyadwatch.stories.online import assign_stored

            counts["stories"] = assign_stored(store)
            counts["alerts"] = len(scan(store.conn))
    if json_out:
        emit(counts)
    else:
        typer.echo(f"{report.shards} shards: stored {report.stored}, duplicate {report.duplicate}, "
                   f"rejected {report.rejected}, {report.events} events -> {where}")
