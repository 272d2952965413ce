"""``token`` with a DPoP-bound login: the stored type in --json, a hint on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lexoffice_auth.cli._commands import cli
from lexoffice_auth.cli._commands.token import DPOP_HINT
from lexoffice_auth.keys import DPoPKey

from .fapi_helpers import save_dpop_profile
from .helpers import cli_env

KEY = DPoPKey.generate()
PRIVATE_D = KEY.to_jwk()["d"]


def test_token_json_reports_the_stored_dpop_type(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    save_dpop_profile(env["LEXOFFICE_TOKEN_STORE"], KEY)
    result = CliRunner().invoke(cli, ["token", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "access_token": "dpop-at-0123456789",
        "token_type": "DPoP",
        "source": "oauth",
    }
    assert result.stderr == ""  # --json says the type itself
    assert PRIVATE_D not in result.output


def test_plain_token_prints_the_token_and_one_hint_on_stderr(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    save_dpop_profile(env["LEXOFFICE_TOKEN_STORE"], KEY)
    result = CliRunner().invoke(cli, ["token"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == "dpop-at-0123456789\n"
    assert result.stderr == DPOP_HINT + "\n"
    assert "dpop-proof METHOD URL" in result.stderr
    assert PRIVATE_D not in result.output


def test_a_bearer_login_gets_no_hint(tmp_path: Path) -> None:
    import anyio

    from lexoffice_auth import FileTokenStore, TokenSet
    from lexoffice_auth.cli._profile import mark

    env = cli_env(tmp_path)
    tokens = mark(TokenSet(access_token="bearer-at-0123"), {"kind": "api_key"})
    anyio.run(FileTokenStore(env["LEXOFFICE_TOKEN_STORE"]).save, "default", tokens)
    result = CliRunner().invoke(cli, ["token", "--json"], env=env)
    assert json.loads(result.stdout)["token_type"] == "Bearer"
    plain = CliRunner().invoke(cli, ["token"], env=env)
    assert plain.stdout == "bearer-at-0123\n" and plain.stderr == ""
