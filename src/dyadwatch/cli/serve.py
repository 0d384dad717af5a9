"""Commands: serve (REST API and dashboard), alerts, watch add/list/remove, token create/list/revoke."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dyadwatch.cli.app import app, emit, fail, setup_logging
from dyadwatch.store import DEFAULT_DB

DB_HELP = "Database file (DuckDB)."

watch_app = typer.Typer(help="Watchlists: name dyads, actors, types or words to be alerted on.",
                        no_args_is_help=True)
token_app = typer.Typer(help="API tokens for writes (ingest, watchlists) on a --writable server.",
                        no_args_is_help=True)
app.add_typer(watch_app, name="watch")
app.add_typer(token_app, name="token")


def _store(db: Path):
    from dyadwatch.store import Store

    return Store(db)


@app.command()
def serve(
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    writable: bool = typer.Option(False, "--writable", help="Allow writes (each needs a token from "
                                  "`dyadwatch token create`); read-only otherwise."),
    cors: list[str] = typer.Option([], "--cors", help="An origin allowed to call the API from a "
                                   "browser (repeatable); none by default."),
    max_body: int = typer.Option(2 * 1024 * 1024, "--max-body", help="Largest request body in bytes."),
    allow_private_webhooks: bool = typer.Option(False, "--allow-private-webhooks",
                                                help="Let webhooks reach private or loopback addresses."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes, each "
                                "answering on a core of its own (read-only servers only)."),
    monitor: Optional[Path] = typer.Option(None, "--monitor", help="Also run `dyadwatch monitor` "
                                           "on this sources.toml in this process (GET /api/monitor)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    """Serve the REST API (/api, OpenAPI schema at /openapi.json) and the dashboard (/)."""
    import uvicorn

    from dyadwatch.api import create_app

    setup_logging(verbose)
    if workers > 1:
        if writable or monitor is not None:
            fail("--workers needs a read-only server without --monitor: only one process may "
                 "write the database", code=2)
        _serve_workers(db, host, port, workers, tuple(cors), max_body, allow_private_webhooks,
                       verbose)
        return
    application = create_app(db, read_only=not writable, cors_origins=tuple(cors), max_body_bytes=max_body,
                             allow_private_webhooks=allow_private_webhooks, monitor_config=monitor)
    typer.secho(f"dyadwatch on http://{host}:{port}/ ({'writable' if writable else 'read-only'})", err=True)
    uvicorn.run(application, host=host, port=port, log_level="info" if verbose else "warning")


def _serve_workers(db: Path, host: str, port: int, workers: int, cors: tuple[str, ...],
                   max_body: int, allow_private_webhooks: bool, verbose: bool) -> None:
    """Several uvicorn processes over one read-only database (DuckDB lets any number of
    processes read a file); each builds the app from the settings passed in the environment."""
    import json
    import os

    import uvicorn

    from dyadwatch.api.app import SERVE_ENV, open_store

    open_store(db, True).close()  # migrate once here, not in every worker at the same time
    os.environ[SERVE_ENV] = json.dumps({"db": str(db), "cors": list(cors), "max_body": max_body,
                                        "allow_private_webhooks": allow_private_webhooks})
    typer.secho(f"dyadwatch on http://{host}:{port}/ (read-only, {workers} workers)", err=True)
    uvicorn.run("dyadwatch.api.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="info" if verbose else "warning")


@app.command("alerts")
def alerts_cmd(
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
    watchlist: Optional[str] = typer.Option(None, "--watchlist", "-w", help="Only this watchlist's alerts."),
    limit: int = typer.Option(50, "--limit", help="How many alerts to show (newest first)."),
    scan: bool = typer.Option(True, "--scan/--no-scan", help="First match events ingested since the last scan."),
    deliver: bool = typer.Option(False, "--deliver", help="POST pending alerts to their webhooks."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Let webhooks reach private addresses."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per alert."),
) -> None:
    """Raise alerts for newly ingested events that match a watchlist, and show the latest alerts."""
    from dyadwatch import alerts as al

    with _store(db) as store:
        new = al.scan(store.conn) if scan else []
        if deliver:
            report = al.deliver(store.conn, allow_private=allow_private)
            typer.secho(f"webhooks: {report.delivered} delivered, {report.failed} failed", err=True)
            for err in report.errors:
                typer.secho(f"  {err}", fg=typer.colors.YELLOW, err=True)
        rows, total = al.alerts(store.conn, watchlist_id=watchlist, limit=limit)
    if not json_out:
        typer.secho(f"{len(new)} new alerts; {total} in all", err=True)
    for a in rows:
        ev = a.get("event") or {}
        if json_out:
            emit({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in a.items()})
            continue
        actor, rec = ev.get("actor") or {}, ev.get("recipient") or {}
        typer.echo(f"{a['created_at']:%Y-%m-%d %H:%M} [{a['watchlist']}] {a['reason']}: {ev.get('type')} "
                   f"{actor.get('code') or actor.get('text') or '?'} -> "
                   f"{rec.get('code') or rec.get('text') or '-'} {ev.get('date') or ''} "
                   f"{(ev.get('evidence') or {}).get('text', '')[:100]!r} ({a.get('title') or a['doc_id']})")


@watch_app.command("add")
def watch_add(
    name: str = typer.Argument(..., help="A name for the watchlist."),
    rules: list[str] = typer.Argument(..., help='Rules such as "USA-COL: SANCTION, THREATEN, visits, '
                                      'visa policy" (scope: items); items are PLOVER types, dyads '
                                      "or words; actor=, type=, word=, status=, quality= force the kind."),
    webhook: Optional[str] = typer.Option(None, "--webhook", help="POST each alert to this URL."),
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="Machine output: one JSON object per line."),
) -> None:
    """Create a watchlist; it alerts on events ingested from now on."""
    from dyadwatch import alerts as al

    with _store(db) as store:
        w = al.add_watchlist(store.conn, name, rules, webhook=webhook)
    if json_out:
        emit(w.to_dict())
    else:
        typer.echo(f"{w.id} {w.name}: {len(w.rules)} rules")


@watch_app.command("list")
def watch_list(db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
               json_out: bool = typer.Option(False, "--json", help="Machine output: one JSON object per line.")) -> None:
    """Show the watchlists and their rules."""
    from dyadwatch import alerts as al

    with _store(db) as store:
        lists = al.watchlists(store.conn)
    for w in lists:
        if json_out:
            emit(w.to_dict())
            continue
        typer.echo(f"{w.id} {w.name}{' -> ' + w.webhook if w.webhook else ''}")
        for r in w.rules:
            typer.echo(f"    {r.to_dict()}")


@watch_app.command("remove")
def watch_remove(watchlist_id: str = typer.Argument(..., help="The id shown by `watch list`."),
                 db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP)) -> None:
    """Delete a watchlist and its alerts."""
    from dyadwatch import alerts as al

    with _store(db) as store:
        if not al.remove_watchlist(store.conn, watchlist_id):
            fail(f"no watchlist {watchlist_id!r}; see `dyadwatch watch list`")
    typer.echo(f"removed {watchlist_id}")


@token_app.command("create")
def token_create(name: str = typer.Option("", "--name", help="Who or what the token is for."),
                 db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
                 json_out: bool = typer.Option(False, "--json", help="Machine output: one JSON object per line.")) -> None:
    """Make an API token. It is printed once; only its hash is stored."""
    from dyadwatch.api.auth import create_token

    with _store(db) as store:
        tok = create_token(store.conn, name)
    if json_out:
        emit({"id": tok.id, "name": tok.name, "token": tok.token})
    else:
        typer.echo(tok.token)
        typer.secho(f"token {tok.id} created; keep it now, it cannot be shown again", err=True)


@token_app.command("list")
def token_list(db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
               json_out: bool = typer.Option(False, "--json", help="Machine output: one JSON object per line.")) -> None:
    """Show the tokens (ids, names, dates; never the secrets)."""
    from dyadwatch.api.auth import list_tokens

    with _store(db) as store:
        rows = list_tokens(store.conn)
    for r in rows:
        clean = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
        if json_out:
            emit(clean)
        else:
            state = f"revoked {clean['revoked_at']}" if r["revoked_at"] else "active"
            typer.echo(f"{r['id']} {r['name'] or '-'} created {clean['created_at']} {state}")


@token_app.command("revoke")
def token_revoke(token_id: str = typer.Argument(..., help="The id shown by `token list`."),
                 db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP)) -> None:
    """Revoke a token: it stops working at once."""
    from dyadwatch.api.auth import revoke_token

    with _store(db) as store:
        if not revoke_token(store.conn, token_id):
            fail(f"no token {token_id!r}; see `dyadwatch token list`")
    typer.echo(f"revoked {token_id}")
