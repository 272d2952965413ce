"""Round 2, item 7: the CLI refuses a config file someone else could have written, and
never sends credentials to a foreign origin on a config file's word.

0.2.0 read any ``config.toml``: a world-writable, other-user-owned or symlinked file could
set ``api_base`` to an attacker's server, and the API key went there. Now such files are
refused (as ssh refuses its config), and a config file may name only lexoffice's API or a
loopback sandbox; another origin must be given as ``--api-base``/``LEXOFFICE_API_BASE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lexoffice_auth.cli._settings import Settings
from lexoffice_auth.errors import ConfigurationError

from ..cli.helpers import cli_env, run_cli

EVIL = 'api_base = "https://evil.example"\n'

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def config(tmp_path: Path, text: str = 'profile = "work"\n', mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


@posix_only
@pytest.mark.parametrize("mode", [0o666, 0o646, 0o620, 0o602])
def test_a_config_file_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = config(tmp_path, mode=mode)
    with pytest.raises(ConfigurationError, match="writable by others"):
        _ = Settings(environ={}, config_path=path).profile


@posix_only
def test_a_symlinked_config_file_is_refused(tmp_path: Path) -> None:
    target = config(tmp_path)
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    with pytest.raises(ConfigurationError, match="symbolic link"):
        _ = Settings(environ={}, config_path=link).profile


@posix_only
def test_a_config_file_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = config(tmp_path)
    if os.getuid() == 0:
        os.chown(path, 65534, -1)  # nobody
        os.chown(tmp_path, 0, -1)
    else:  # the file is ours: play another user reading it
        monkeypatch.setattr(os, "getuid", lambda: os.stat(path).st_uid + 1)
    with pytest.raises(ConfigurationError, match="another user"):
        _ = Settings(environ={}, config_path=path).profile


@posix_only
def test_a_config_file_in_a_world_writable_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = config(folder)
    folder.chmod(0o777)
    with pytest.raises(ConfigurationError, match="directory"):
        _ = Settings(environ={}, config_path=path).profile
    folder.chmod(0o1777)  # /tmp-like, sticky: others cannot replace our file
    assert Settings(environ={}, config_path=path).profile == "work"


def test_a_private_config_file_is_read(tmp_path: Path) -> None:
    assert Settings(environ={}, config_path=config(tmp_path)).profile == "work"


@pytest.mark.parametrize(
    "base", ["https://evil.example", "http://evil.example", "https://api.lexware.io.evil.example"]
)
def test_a_config_file_cannot_send_credentials_to_a_foreign_origin(
    tmp_path: Path, base: str
) -> None:
    path = config(tmp_path, f'api_base = "{base}"\n')
    with pytest.raises(ConfigurationError, match="neither lexoffice's API"):
        _ = Settings(environ={}, config_path=path).api_base
    # Explicitly, per run, it is the user's choice.
    flagged = Settings(environ={}, config_path=path, flags={"api_base": base})
    assert flagged.api_base == base
    env = Settings(environ={"LEXOFFICE_API_BASE": base}, config_path=path)
    assert env.api_base == base


@pytest.mark.parametrize(
    "base", ["https://api.lexware.io", "http://127.0.0.1:8080", "http://localhost:1"]
)
def test_a_config_file_may_name_lexoffice_or_a_loopback_sandbox(tmp_path: Path, base: str) -> None:
    path = config(tmp_path, f'api_base = "{base}"\n')
    assert Settings(environ={}, config_path=path).api_base == base


def test_the_cli_refuses_before_sending_the_key(tmp_path: Path) -> None:
    env = cli_env(tmp_path, LEXOFFICE_API_KEY="secret-key-from-the-environment")
    Path(env["LEXOFFICE_CONFIG"]).write_text(EVIL)
    result = run_cli(["contacts", "list"], env)
    assert result.returncode != 0
    assert "neither lexoffice's API" in result.stderr
    assert "secret-key-from-the-environment" not in result.stderr + result.stdout
