"""Every command's --help reads as a person writes it: every option has help, no Python types
(``<bool>``, ``<list[str]>``) are shown."""

from __future__ import annotations

from click.testing import CliRunner

from dyadwatch.cli import app as _app  # noqa: F401  (registers the commands)
from dyadwatch.cli.app import cli_command


def _commands(cmd, path=()):
    subs = getattr(cmd, "commands", {})
    if not subs:
        yield path, cmd
    for name, sub in subs.items():
        yield from _commands(sub, path + (name,))


def test_every_option_has_help_and_a_readable_metavar():
    root = cli_command()
    missing, ugly = [], []
    runner = CliRunner()
    for path, cmd in _commands(root):
        for p in cmd.params:
            if p.param_type_name == "option" and not (p.help or "").strip():
                missing.append(f"{' '.join(path)} {p.opts[0]}")
        out = runner.invoke(root, list(path) + ["--help"], terminal_width=100).output
        if "<bool>" in out or "<list" in out or "<str>" in out:
            ugly.append(" ".join(path))
    assert not missing, f"options without help: {missing}"
    assert not ugly, f"help showing Python types: {ugly}"
