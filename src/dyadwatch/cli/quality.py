"""Command: check (quality and consistency report of a document)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dyadwatch.cli.app import app, emit, fail
from dyadwatch.config import Options


@app.command()
def check(
    paths: list[str] = typer.Argument(..., help="Files, directories or URLs."),
    format: str = typer.Option("auto", "--format", "-f", help="auto, html, text, jsonl, feed or warc."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date YYYY-MM-DD."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per document."),
    config: Optional[Path] = typer.Option(None, "--config", help="Options file (TOML)."),
) -> None:
    """Quality and consistency report: generated-text artefacts, template padding, claims that
    contradict the knowledge base, date errors, formatting, vague attribution; and a 0..1 score."""
    import datetime as dt

    from dyadwatch.clean.quality import report_text
    from dyadwatch.model import Rejected
    from dyadwatch.pipeline import Pipeline

    opts = Options.load(config) if config else Options()
    pub = None
    if published:
        try:
            pub = dt.date.fromisoformat(published)
        except ValueError:
            fail(f"--published must be YYYY-MM-DD, got {published!r}", code=2)

    def fill(doc):
        if pub:
            doc.published = pub

    failed = 0
    for i, item in enumerate(Pipeline(opts).run(paths, format=format, on_document=fill)):
        if isinstance(item, Rejected):
            failed += 1
            typer.secho(f"rejected: {item.message} [{item.reason}]", fg=typer.colors.RED, err=True)
            continue
        if json_out:
            emit({"path": item.article.source, "id": item.article.doc_id, "quality": item.quality,
                  "page_kind": item.article.page_kind, "genre": item.article.genre,
                  "genre_evidence": item.article.genre_evidence, "topic": item.article.topic,
                  "topic_evidence": item.article.topic_evidence,
                  "flags": [f.to_dict() for f in item.article.flags]})
        else:
            if i:
                typer.echo()
            typer.echo(report_text(item.article, item.quality, opts.quality.min_quality))
    if failed:
        raise typer.Exit(3)
