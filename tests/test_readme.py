"""The README's "Using it" commands run verbatim, in order, as a new user types them after the
Quickstart: each exits 0 (``serve`` must answer on its address), in a fresh folder that has the
clone's ``sample/`` and nothing else."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def using_it_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = []
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def test_readme_block_is_found_and_names_the_main_commands():
    names = [shlex.split(c)[1] for c in using_it_commands() if c.startswith("dyadwatch ")]
    for needed in ("analyze", "extract", "check", "facts", "ingest", "events", "stories", "serve"):
        assert needed in names


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_every_readme_command_runs_verbatim(tmp_path):
    (tmp_path / "sample").symlink_to(ROOT / "sample")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    for command in using_it_commands():
        if command.startswith(". ") or command.startswith("source "):
            continue  # activating the venv: PATH above does the same
        argv = shlex.split(command)
        if argv[:2] == ["dyadwatch", "serve"]:
            if not _port_free(8000):
                pytest.skip("port 8000 is taken on this machine; `serve` was not tried")
            proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            try:
                deadline, body = time.time() + 60, None
                while time.time() < deadline and proc.poll() is None:
                    try:
                        with urllib.request.urlopen("http://127.0.0.1:8000/api/health", timeout=5) as r:
                            body = r.read()
                            break
                    except OSError:
                        time.sleep(0.3)
                assert body is not None, f"{command!r} did not answer: {proc.stdout.read1(4000)!r}"
            finally:
                proc.terminate()
                proc.wait(10)
            continue
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, f"{command!r} exited {done.returncode}: {done.stderr[-2000:]}"
        assert done.stdout.strip(), f"{command!r} printed nothing"


def test_closed_pipe_and_bad_dyad(tmp_path):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    db = tmp_path / "t.duckdb"
    stored = subprocess.run(["dyadwatch", "ingest", str(ROOT / "sample/corpus/jsonl"), "--db",
                             str(db)], env=env, capture_output=True, text=True)
    # the sample JSONL has two bad lines on purpose: exit 3, each named on stderr, the rest stored
    assert stored.returncode == 3 and stored.stderr.count("bad_record") == 2
    assert "stored 5" in stored.stdout
    piped = subprocess.run(f"dyadwatch events --db {shlex.quote(str(db))} --format csv | head -1",
                           shell=True, env=env, capture_output=True, text=True,
                           executable="/bin/bash")
    assert piped.stdout.startswith("id,")
    status = subprocess.run(["bash", "-c", f"dyadwatch events --db {shlex.quote(str(db))} "
                             "--format json --limit 100000 | head -c 10 >/dev/null; "
                             "echo ${PIPESTATUS[0]}"], env=env, capture_output=True, text=True)
    assert status.stdout.strip() == "0", status.stderr
    bad = subprocess.run(["dyadwatch", "events", "--db", str(db), "--dyad", "USACOL"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "USA-COL" in bad.stderr and not bad.stdout
    missing = subprocess.run(["dyadwatch", "ingest", str(tmp_path / "nope.html"), "--db", str(db)],
                             env=env, capture_output=True, text=True)
    assert missing.returncode == 3 and "not_found" in missing.stderr
