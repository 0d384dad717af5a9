"""Commands: monitor (the long-running poller, or one round with --once) and monitor status."""

from __future__ import annotations

import signal
from pathlib import Path

import typer

from dyadwatch.cli.app import app, emit, fail, setup_logging
from dyadwatch.errors import StoreError
from dyadwatch.store import DEFAULT_DB

DB_HELP = "DuckDB file or postgresql:// URL."
LOCKED_HINT = ("; a running `dyadwatch monitor` holds a DuckDB file for itself: read its status "
               "from `dyadwatch serve --monitor` (GET /api/monitor), or keep the store in "
               "PostgreSQL")

monitor_app = typer.Typer(help="Live monitoring: poll feeds, news sitemaps and pages on a "
                               "schedule; store what is new; raise and deliver alerts.",
                          invoke_without_command=True)
app.add_typer(monitor_app, name="monitor")


@monitor_app.callback()
def monitor(
    ctx: typer.Context,
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    config: Path = typer.Option(Path("sources.toml"), "--config", "-c",
                                help="Sources and settings (TOML); re-read when it changes."),
    once: bool = typer.Option(False, "--once", help="Poll the due sources once and exit (cron)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Fetch from and deliver to "
                                       "private and loopback addresses (local tests)."),
    log_json: bool = typer.Option(False, "--log-json", help="Log one JSON object per line."),
    verbose: bool = typer.Option(True, "--verbose/--quiet", help="Log every poll (default) or "
                                 "warnings only."),
) -> None:
    """Watch the sources of --config until SIGTERM or Ctrl-C (each finishes the item at hand,
    records it and exits 0); `monitor status` shows each source's health."""
    if ctx.invoked_subcommand is not None:
        return
    from dyadwatch.monitor import Monitor, load_config
    from dyadwatch.store import open_store

    setup_logging(verbose, json_lines=log_json)
    cfg = load_config(config)
    if allow_private:
        cfg.allow_private = cfg.options.fetch.allow_private = True
    try:
        store = open_store(db)
    except StoreError as exc:
        fail(f"{exc}{LOCKED_HINT if 'lock' in str(exc).lower() else ''}")
    watcher = Monitor(store, cfg)
    previous = {sig: signal.signal(sig, lambda *_: watcher.stop())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        report = watcher.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        watcher.close()
        store.close()
    if once:
        emit(report.to_dict())


@monitor_app.command("status")
def monitor_status(
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per source."),
    include_inactive: bool = typer.Option(False, "--all", help="Also sources removed from the "
                                          "configuration."),
) -> None:
    """Each source's health, last success, last new item, lag, failures, last error, next due."""
    from dyadwatch.monitor import status
    from dyadwatch.store import open_store

    if not db.startswith(("postgresql://", "postgres://")) and not Path(db).exists():
        fail(f"{db}: no such database; `dyadwatch monitor --db {db}` creates it")
    try:
        store = open_store(db, read_only=True)
    except StoreError as exc:
        fail(f"{exc}{LOCKED_HINT if 'lock' in str(exc).lower() else ''}")
    with store:
        rows = status(store.conn, include_inactive=include_inactive)
    if as_json:
        for row in rows:
            emit(row)
        return
    if not rows:
        typer.echo("no monitored sources yet (run `dyadwatch monitor --config sources.toml`)")
        return
    _table(rows)


def _table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("source", "health", "last success", "last new item", "lag s", "failures",
                "next due", "last error"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"] or r["url"], r["health"], r["last_success_at"] or "-",
                      r["last_new_at"] or "-",
                      f"{r['lag_seconds']:.0f}" if r["lag_seconds"] is not None else "-",
                      str(r["consecutive_failures"]), r["next_due"] or "-",
                      (r["last_error"] or "")[:80])
    Console(width=200).print(table)
