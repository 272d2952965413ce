"""``status`` for a DPoP-bound login: the token type and the key's thumbprint, not the key."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lexoffice_auth.cli._commands import cli
from lexoffice_auth.keys import DPoPKey

from .fapi_helpers import save_dpop_profile
from .helpers import cli_env


def test_status_shows_the_type_and_the_thumbprint_never_the_key(tmp_path: Path) -> None:
    key = DPoPKey.generate()
    env = cli_env(tmp_path)
    save_dpop_profile(env["LEXOFFICE_TOKEN_STORE"], key)
    shown = CliRunner().invoke(cli, ["status"], env=env)
    assert shown.exit_code == 0, shown.output
    assert f"Token type:     DPoP (bound to key thumbprint {key.jkt})" in shown.stdout
    assert "Login options:  --dpop" in shown.stdout
    as_json = json.loads(CliRunner().invoke(cli, ["status", "--json"], env=env).stdout)
    assert (as_json["token_type"], as_json["dpop_jkt"]) == ("DPoP", key.jkt)
    assert as_json["fapi"] == {"dpop": True}
    for text in (shown.output, json.dumps(as_json)):
        assert key.to_jwk()["d"] not in text
        assert "dpop-at-0123456789" not in text and "dpop-rt-0123456789" not in text


def test_status_of_a_bearer_login_says_bearer(tmp_path: Path) -> None:
    import anyio

    from lexoffice_auth import FileTokenStore, TokenSet
    from lexoffice_auth.cli._profile import mark

    env = cli_env(tmp_path)
    tokens = mark(TokenSet(access_token="at-0123", expires_at=2e9), {"kind": "oauth"})
    anyio.run(FileTokenStore(env["LEXOFFICE_TOKEN_STORE"]).save, "default", tokens)
    shown = CliRunner().invoke(cli, ["status"], env=env)
    assert "Token type:     Bearer" in shown.stdout and "thumbprint" not in shown.stdout
    assert "Login options" not in shown.stdout
