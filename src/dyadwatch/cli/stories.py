"""Commands: ``stories`` (list, show, assign) and ``similar`` (story similarity of text pairs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

import typer

from dyadwatch.cli.app import app, emit, fail, read_jsonl
from dyadwatch.store import DEFAULT_DB

stories_app = typer.Typer(help="Stories: the articles about one happening, their merged events "
                          "and key facts.", no_args_is_help=True)
app.add_typer(stories_app, name="stories")

DB_HELP = "Database file (DuckDB)."


def _day(value: Optional[str], name: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date as YYYY-MM-DD, got {value!r}", code=2)
    return None


def _open(db: Path, read_only: bool):
    from dyadwatch.store import Store

    if read_only and not db.exists():
        fail(f"{db}: no such database; create it with: dyadwatch ingest PATH --db {db}")
    store = Store(db, read_only=read_only)
    if read_only and store.schema_version() < 2:
        store.close()
        fail(f"{db}: the database has no story tables yet; run: dyadwatch stories assign --db {db}")
    return store


@stories_app.command("list")
def list_(
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
    since: Optional[str] = typer.Option(None, "--since", help="Stories seen since YYYY-MM-DD."),
    until: Optional[str] = typer.Option(None, "--until", help="Stories begun by YYYY-MM-DD."),
    min_docs: int = typer.Option(1, "--min-docs", help="Only stories with this many documents."),
    limit: int = typer.Option(50, "--limit", help="At most this many stories."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per story."),
) -> None:
    """Stories, most recent first: documents, outlets and merged events of each."""
    from dyadwatch.store.stories import list_stories

    with _open(db, read_only=True) as store:
        rows = list_stories(store, since=_day(since, "--since"), until=_day(until, "--until"),
                            min_documents=min_docs, limit=limit)
    if not json_out:
        typer.echo(f"{'story':<{len(rows[0]['id']) if rows else 5}}  {'first..last seen':<22} "
                   f"{'docs':>4}  {'outlets':>7}  {'events':>6}  title")
    for r in rows:
        if json_out:
            emit(r)
        else:
            span = r["first_seen"] or "?"
            if r["last_seen"] and r["last_seen"] != r["first_seen"]:
                span += f"..{r['last_seen']}"
            typer.echo(f"{r['id']}  {span:<22} {r['n_documents']:>4}  {r['n_sources']:>7}  "
                       f"{r['n_events']:>6}  {r['title'] or ''}")


@stories_app.command()
def show(
    story_id: str = typer.Argument(..., help="A story id from `dyadwatch stories list`."),
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
    json_out: bool = typer.Option(False, "--json", help="The story as one JSON object."),
) -> None:
    """One story: documents, merged events (mention, article and outlet counts, the outlets'
    disagreements) and key facts card."""
    from dyadwatch.store.stories import get_story

    with _open(db, read_only=True) as store:
        story = get_story(store, story_id)
    if story is None:
        fail(f"no story {story_id!r} in {db}; list them with: dyadwatch stories list --db {db}")
    if json_out:
        emit(story)
        return
    _print_story(story)


def _print_story(s: dict[str, Any]) -> None:
    typer.secho(f"{s['id']}  {s['title'] or ''}", bold=True)
    typer.echo(f"seen {s['first_seen']} .. {s['last_seen']}; {s['n_documents']} documents, "
               f"{s['n_sources']} outlets: {', '.join(s['sources'])}")
    typer.echo("\ndocuments:")
    for d in s["documents"]:
        dup = f"  copy of {d['duplicate_of']}" if d.get("duplicate_of") else ""
        typer.echo(f"  {d['id']}  {d.get('published') or '?':<10}  {d.get('source') or ''}: "
                   f"{d.get('title') or ''}  (score {d['score']:.2f}){dup}")
    typer.echo("\nevents (mentions / articles / outlets):")
    for e in s["events"]:
        who = lambda r: r.get("name") or r.get("text") or r.get("country") or "?"  # noqa: E731
        line = (f"  {e['type']:<9} {who(e['actor'])} -> {who(e['recipient'])}  {e['date'] or '?'}"
                f"  {e['status']}  {e['num_mentions']}/{e['num_articles']}/{e['num_sources']}")
        typer.echo(line)
        for d in e.get("disagreements") or []:
            vals = "; ".join(f"{v['value']} ({', '.join(v['sources'])})" for v in d["values"])
            typer.echo(f"      reports differ on {d['field']}: {vals}")
    card = s.get("card") or {}
    if card:
        typer.echo("\nkey facts:")
        for name in ("date", "location"):
            item = card.get(name)
            if item:
                typer.echo(f"  {name}: {item['text']}  [{', '.join(item['sources'])}]")
        for name in ("participants", "issues", "background", "rhetoric", "next_steps"):
            for item in card.get(name) or []:
                typer.echo(f"  {name}: {item['text']}  [{', '.join(item['sources'])}]")


@stories_app.command()
def assign(
    db: Path = typer.Option(Path(DEFAULT_DB), "--db", help=DB_HELP),
    no_merge: bool = typer.Option(False, "--no-merge", help="Cluster only; do not merge events."),
    json_out: bool = typer.Option(False, "--json", help="Machine output: one JSON object per line."),
) -> None:
    """Put stored documents without a story into stories (oldest first); merge the events and
    rebuild the key facts cards of the stories that changed."""
    from dyadwatch.stories.online import assign_stored

    if not db.exists():
        fail(f"{db}: no such database; create it with: dyadwatch ingest PATH --db {db}")
    with _open(db, read_only=False) as store:
        counts = assign_stored(store, merge=not no_merge)
    if json_out:
        emit(counts)
    else:
        typer.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))


@app.command()
def similar(
    jsonl: str = typer.Option(..., "--jsonl", help="Input JSONL ('-' for stdin): one "
                              '{"id","text1","text2"} per line.'),
    lexical_only: bool = typer.Option(False, "--lexical-only", help="Words only, no sentence "
                                      "embeddings (faster, a little less accurate)."),
    batch: int = typer.Option(256, "--batch", min=1, help="Pairs scored together (the IDF "
                              "learns from every text read so far)."),
) -> None:
    """Story similarity of text pairs: {"id","score","same_story"} per line; score in 0..1,
    higher = more likely the same story."""
    from dyadwatch.stories.similarity import Scorer

    scorer = Scorer(use_embeddings=not lexical_only)
    pending: list[tuple[Any, str, str]] = []
    bad = 0

    def flush() -> None:
        scores = scorer.score_pairs([(a, b) for _, a, b in pending])
        for (pid, _, _), s in zip(pending, scores):
            emit({"id": pid, "score": round(s, 4), "same_story": scorer.same_story(s)})
        pending.clear()

    for n, obj, err in read_jsonl(jsonl):
        texts = (obj or {}).get("text1"), (obj or {}).get("text2")
        if obj is None or not all(isinstance(t, str) for t in texts):
            typer.secho(f"error: {err or f'line {n}: text1 and text2 must be strings'}",
                        fg=typer.colors.RED, err=True)
            bad += 1
            continue
        pending.append((obj.get("id", n), obj["text1"], obj["text2"]))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    if bad:
        raise typer.Exit(3)
