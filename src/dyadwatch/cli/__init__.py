"""Command line: a thin adapter over the library. Each module registers its commands on ``app``."""

from dyadwatch.cli.app import app, main
from dyadwatch.cli import core  # noqa: F401  (registers commands)
from dyadwatch.cli import kb  # noqa: F401
from dyadwatch.cli import events  # noqa: F401
from dyadwatch.cli import serve  # noqa: F401
from dyadwatch.cli import stories  # noqa: F401
from dyadwatch.cli import quality  # noqa: F401
from dyadwatch.cli import batch  # noqa: F401
from dyadwatch.cli import monitor  # noqa: F401

__all__ = ["app", "main"]
