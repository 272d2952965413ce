"""The CLI leaves a user's working directory alone (issue 21: "after the CLI login,
``git status`` in a fresh clone shows nothing new").

Each test runs the CLI with the defaults a user has (no LEXOFFICE_TOKEN_STORE, no config
path), its working directory a fresh git repository and HOME/XDG directories elsewhere,
then asks git what appeared.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lexoffice_auth.testing import DEFAULT_CLIENT_ID, FakeLexoffice

from .helpers import read_until, run_cli, start_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "checkout"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        **extra,
    }


def new_files(repo: Path) -> str:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return status.stdout


def test_an_api_key_login_token_and_status_leave_the_checkout_clean(
    repo: Path, tmp_path: Path
) -> None:
    env = user_env(tmp_path)
    stored = run_cli(["login", "--api-key", "--no-verify"], env, cwd=repo, stdin="k" * 40 + "\n")
    assert stored.returncode == 0, stored.stderr
    assert run_cli(["token"], env, cwd=repo).stdout.strip() == "k" * 40
    assert run_cli(["status"], env, cwd=repo).returncode == 0
    assert new_files(repo) == ""
    assert any((tmp_path / "home").rglob("*.json"))  # the token went to the user's directories


@pytest.fixture
def served() -> Iterator[tuple[FakeLexoffice, str]]:
    fake = FakeLexoffice(rate_limit=None)
    with fake.serve() as base:
        yield fake, base


def test_a_browser_login_and_a_refresh_leave_the_checkout_clean(
    repo: Path, tmp_path: Path, served: tuple[FakeLexoffice, str]
) -> None:
    fake, base = served
    env = user_env(tmp_path, LEXOFFICE_ISSUER=base, LEXOFFICE_CLIENT_ID=DEFAULT_CLIENT_ID)
    proc = start_cli(
        ["login", "--no-browser", "--api-base", base, "--timeout", "60"], env, cwd=repo
    )
    try:
        assert proc.stderr is not None
        lines = read_until(proc.stderr, lambda line: line.startswith("Waiting up to"))
        url = next(line.strip() for line in lines if line.strip().startswith("http"))
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            assert browser.get(url).status_code == 200
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    # The stored access token has expired (the CLI reads the real clock): the next
    # `token` refreshes it and saves the new one, with its lock, where the first one went.
    (store,) = (tmp_path / "home").rglob("tokens.json")
    data = json.loads(store.read_text())
    data["accounts"]["default"]["expires_at"] = time.time() - 60
    store.write_text(json.dumps(data))
    printed = run_cli(["token"], env, cwd=repo)
    assert printed.returncode == 0, printed.stderr
    assert fake.token_calls.get("refresh_token") == 1
    assert new_files(repo) == ""
