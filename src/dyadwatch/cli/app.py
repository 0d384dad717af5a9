"""The Typer application and the one place where domain errors become messages and exit codes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import typer

from dyadwatch.errors import DyadwatchError

app = typer.Typer(
    name="dyadwatch",
    help="Read the news; get evidence-linked political event data about country pairs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USAGE = 2
EXIT_INPUT = 3


def fail(message: str, code: int = EXIT_INPUT) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def emit(obj: Any) -> None:
    """One JSON object per line on standard output."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def read_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Lines of a JSONL file (``-`` for stdin) as (line number, object or None, error)."""
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    try:
        for n, line in enumerate(stream, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, None, f"line {n}: not JSON ({exc.msg})"
                continue
            if not isinstance(obj, dict):
                yield n, None, f"line {n}: expected a JSON object"
                continue
            yield n, obj, ""
    finally:
        if stream is not sys.stdin:
            stream.close()


def warn_missing_models() -> None:
    """Say on stderr, every run, which models are missing and how to install them."""
    from dyadwatch.pipeline import missing_models

    for line in missing_models():
        typer.secho(f"warning: {line}", fg=typer.colors.YELLOW, err=True)


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: Iterable[str] | None = None) -> None:
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except DyadwatchError as exc:
        fail(str(exc))
    except BrokenPipeError:
        _closed_pipe()
    except SystemExit as exc:
        # Click answers a closed pipe (EPIPE) with exit 1 after wrapping stdout in its
        # PacifyFlushWrapper; the reader going away (`dyadwatch events | head`) is no error.
        if exc.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _closed_pipe()
        raise


def _closed_pipe() -> None:
    """Exit 0 quietly: point stdout at /dev/null so the interpreter's last flush cannot raise."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stdout__.fileno())
    sys.exit(0)
