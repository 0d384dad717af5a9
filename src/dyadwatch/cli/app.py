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


def setup_logging(verbose: bool, *, json_lines: bool = False) -> None:
    """Log to stderr: ``LEVEL logger: message`` lines, or one JSON object a line (for a service
    whose logs a collector reads: time, level, logger, message and a record's ``fields``)."""
    if not json_lines:
        logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        import datetime as dt

        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name}
        name = getattr(record, "event", None)
        if name:
            out["event"] = name
        out["message"] = record.getMessage()
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


_DATE_WORDS = ("since", "until", "published", "date", "day")


def readable_metavars(command) -> None:
    """Help that reads as a person writes it: no type shown for a flag, ``FILE``, ``N``,
    ``YYYY-MM-DD`` and the like for values, ``PATH...`` for repeated arguments (Typer shows
    Python types such as ``<list[str]>`` and ``<bool>``)."""
    for param in getattr(command, "params", []):
        if param.metavar is not None:
            continue
        if getattr(param, "is_flag", False):
            param.metavar = ""
            continue
        kind = param.bare_type() if hasattr(param, "bare_type") else ""
        name = (param.name or "value").lower()
        if kind.startswith("list[") and name.endswith("s"):
            name = name[:-1]  # paths -> PATH...
        if "Path" in kind:
            meta = "FILE"
        elif kind in ("int", "list[int]"):
            meta = "N"
        elif kind == "float":
            meta = "X"
        elif any(w in name for w in _DATE_WORDS):
            meta = "YYYY-MM-DD"
        else:
            meta = name.upper()
        if param.param_type_name == "argument" and param.nargs != 1:
            meta += "..."
        param.metavar = meta
    for sub in getattr(command, "commands", {}).values():
        readable_metavars(sub)


def _patch_typer_types() -> None:
    """Typer prints a flag's type (``<bool>``, also on --help) and an argument's Python type
    beside its name; show nothing for flags and the metavar for arguments instead."""
    from typer import core

    if getattr(core, "_dyadwatch_patched", False):
        return
    option_type = core.TyperOption.display_type_rich

    def option_display(self, ctx):
        return "" if getattr(self, "is_flag", False) else option_type(self, ctx)

    def argument_display(self, ctx):
        return ""

    core.TyperOption.display_type_rich = option_display
    core.TyperArgument.display_type_rich = argument_display
    core._dyadwatch_patched = True


def cli_command():
    """The Click command behind the Typer app, with readable help."""
    _patch_typer_types()
    command = typer.main.get_command(app)
    readable_metavars(command)
    return command


def main(argv: Iterable[str] | None = None) -> None:
    try:
        cli_command().main(args=list(argv) if argv is not None else None, prog_name="dyadwatch",
                           standalone_mode=True)
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
