"""Helpers for the command-line tests: an isolated environment and real CLI processes."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = "from lexoffice_auth.cli import main; main()"


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """LEXOFFICE_* variables for a test: its own store and an empty config file."""
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text("")
    env = {
        "LEXOFFICE_TOKEN_STORE": str(tmp_path / "tokens.json"),
        "LEXOFFICE_CONFIG": str(config),
    }
    env.update(extra)
    return env


def process_env(env: dict[str, str]) -> dict[str, str]:
    """The current environment without any LEXOFFICE_* variable, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEXOFFICE_")}
    base.update(env)
    base["BROWSER"] = "false"  # never a real browser, even if a test forgets --no-browser
    return base


def start_cli(args: list[str], env: dict[str, str], *, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """``lexoffice-auth ARGS`` in a new process (stdin, stdout and stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env(env),
        cwd=cwd,
    )


def run_cli(
    args: list[str],
    env: dict[str, str],
    *,
    within: float = 60.0,
    cwd: Path = ROOT,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``lexoffice-auth ARGS`` to the end in a new process."""
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        env=process_env(env),
        cwd=cwd,
        input=stdin,
        timeout=within,
        check=False,
    )


_PENDING: dict[int, bytes] = {}


def read_until(stream: object, predicate: object, *, within: float = 30.0) -> list[str]:
    """Lines of a pipe up to and including the first for which ``predicate`` is true.

    Reads the raw file descriptor (a buffered reader would hide lines from ``select``);
    bytes after the matching line are kept for the next call on the same pipe.
    """
    assert hasattr(stream, "fileno") and callable(predicate)
    fd = stream.fileno()
    deadline = time.monotonic() + within
    lines: list[str] = []
    buffer = _PENDING.pop(fd, b"")
    while True:
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            line = raw.decode(errors="replace")
            lines.append(line)
            if predicate(line.strip()):
                _PENDING[fd] = buffer
                return lines
        left = deadline - time.monotonic()
        assert left > 0, f"no expected line in time; got {lines!r}"
        ready, _, _ = select.select([fd], [], [], left)
        assert ready, f"no expected line in time; got {lines!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"the process ended first; got {lines!r} {buffer!r}"
        buffer += chunk
