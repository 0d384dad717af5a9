"""Docs checked by tests: every command has help text and a row in the README's command table."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from dyadwatch.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def commands() -> dict:
    return typer.main.get_command(app).commands


def test_every_command_has_help():
    for name, cmd in commands().items():
        assert (cmd.help or "").strip(), f"command {name} has no help text"


def test_every_command_is_in_the_readme():
    table = README.read_text(encoding="utf-8").split("## Commands", 1)[1]
    documented = set(re.findall(r"`dyadwatch ([a-z]+)", table))
    missing = sorted(set(commands()) - documented)
    assert not missing, f"README's command table lacks: {missing}"


def test_quickstart_has_exactly_two_commands():
    quick = README.read_text(encoding="utf-8").split("## Quickstart", 1)[1].split("## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    lines = [ln for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert [ln.split("#")[0].strip() for ln in lines] == ["make demo", "make test"]
