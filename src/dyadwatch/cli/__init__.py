"""Command line: a thin adapter over the library. Each module registers its commands on ``app``."""

from dyadwatch.cli.app import app, main
from dyadwatch.cli import core  # noqa: F401  (registers commands)

__all__ = ["app", "main"]
