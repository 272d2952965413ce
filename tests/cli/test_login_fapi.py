"""``login``'s FAPI options: parsing, usage errors, the client key file, and what a
profile remembers so that later commands rebuild the same ``OAuthClient``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner

from lexoffice_auth import FileTokenStore, TokenSet
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.cli._fapi import FapiOptions, read_client_key
from lexoffice_auth.cli._profile import Profile, build_oauth, mark
from lexoffice_auth.cli._settings import Settings
from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.keys import ClientKey

from .fapi_helpers import DPOP_MARKER, write_key_file, write_pem_key
from .helpers import cli_env

KEY = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid="cli-1")
PRIVATE_D = KEY.to_jwk()["d"]


def _settings(tmp_path: Path, environ: dict[str, str] | None = None, **flags: object) -> Settings:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text("")
    return Settings(
        flags={"store": str(tmp_path / "tokens.json"), **flags},
        environ=environ or {},
        config_path=config,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fapi2"], "--fapi2 authenticates by private_key_jwt: pass --client-key PATH"),
        (["--fapi2", "--no-par", "--client-key", "k.json"], "--fapi2 requires PAR"),
        (["--fapi2", "--no-dpop", "--client-key", "k.json"], "--fapi2 requires DPoP"),
        (
            ["--fapi2", "--client-key", "k.json", "--auth-method", "client_secret_jwt"],
            "--fapi2 requires private_key_jwt",
        ),
        (["--client-key-id", "k1"], "--client-key-id needs --client-key PATH"),
        (["--auth-method", "private_key_jwt"], "private_key_jwt needs --client-key PATH"),
        (
            ["--client-key", "k.json", "--auth-method", "client_secret_post"],
            "--client-key is for private_key_jwt",
        ),
        (["--auth-method", "magic"], "Invalid value for '--auth-method'"),
        (["--api-key", "--dpop"], "--api-key takes no --par, --dpop"),
    ],
)
def test_bad_option_combinations_are_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    env = cli_env(tmp_path, LEXOFFICE_ISSUER="https://bank.example", LEXOFFICE_CLIENT_ID="c")
    result = CliRunner().invoke(cli, ["login", "--no-browser", *args], env=env)
    assert result.exit_code == 2, result.output  # a usage error, as docs/cli.md says
    assert message in result.output
    assert "Traceback" not in result.output


def test_fapi2_from_the_environment_without_a_key_is_a_usage_error(tmp_path: Path) -> None:
    env = cli_env(
        tmp_path,
        LEXOFFICE_ISSUER="https://bank.example",
        LEXOFFICE_CLIENT_ID="c",
        LEXOFFICE_FAPI2="yes",
    )
    result = CliRunner().invoke(cli, ["login", "--no-browser"], env=env)
    assert result.exit_code == 2 and "pass --client-key PATH" in result.output


def test_the_partner_preset_takes_no_fapi_options(tmp_path: Path) -> None:
    args = ["login", "--lexoffice-partner", "--client-id", "x", "--client-secret", "s3cr3t"]
    result = CliRunner().invoke(
        cli, [*args, "--scope", "contacts.read", "--dpop"], env=cli_env(tmp_path)
    )
    assert result.exit_code == 2 and "partner OAuth takes no --par, --dpop" in result.output


def test_every_fapi_option_comes_from_flags_then_environment_then_file(tmp_path: Path) -> None:
    key_file = str(write_key_file(tmp_path / "key.json", KEY))
    (tmp_path / "config.toml").write_text(
        f'[profiles.default]\npar = false\ndpop = true\nclient_key_file = "{key_file}"\n'
        'client_key_id = "from-file"\n'
    )
    from_file = FapiOptions.from_settings(_settings(tmp_path))
    assert from_file == FapiOptions(
        par=False, dpop=True, client_key_file=key_file, client_key_id="from-file"
    )
    env = {"LEXOFFICE_PAR": "1", "LEXOFFICE_CLIENT_KEY_ID": "from-env"}
    from_env = FapiOptions.from_settings(_settings(tmp_path, env))
    assert (from_env.par, from_env.client_key_id) == (True, "from-env")
    flagged = FapiOptions.from_settings(_settings(tmp_path, env, par=False, dpop=False))
    assert (flagged.par, flagged.dpop) == (False, False)
    with pytest.raises(ConfigurationError, match=r"par from \$LEXOFFICE_PAR must be true or"):
        FapiOptions.from_settings(_settings(tmp_path, {"LEXOFFICE_PAR": "maybe"}))


def test_a_relative_key_path_is_remembered_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_key_file(tmp_path / "key.json", KEY)
    options = FapiOptions.from_settings(_settings(tmp_path, client_key_file="key.json", fapi2=True))
    assert options.marker() == {"fapi2": True, "client_key_file": str(tmp_path / "key.json")}


def test_the_profile_rebuilds_the_login_s_client_whatever_the_environment_says(
    tmp_path: Path,
) -> None:
    key_file = str(write_key_file(tmp_path / "key.json", KEY, kid=False))
    login = _settings(tmp_path, client_key_file=key_file, client_key_id="kid-7", fapi2=True)
    options = FapiOptions.from_settings(login)
    marker = {**DPOP_MARKER, "fapi": options.marker()}
    stored = json.dumps(marker)
    assert PRIVATE_D not in stored and "kid-7" in stored  # the key by its path only
    tokens = mark(TokenSet(access_token="at-0123", refresh_token="rt-0123"), marker)
    anyio.run(FileTokenStore(login.store_path).save, "default", tokens)

    # Later, with other options in the environment: the recorded ones win.
    later = _settings(tmp_path, {"LEXOFFICE_PAR": "false", "LEXOFFICE_DPOP": "0"})
    profile = anyio.run(Profile.load, later)
    config = profile.oauth(later).config
    assert config.profile == "fapi2" and config.par is True and config.dpop is True
    assert config.token_endpoint_auth_method == "private_key_jwt"
    assert config.client_key is not None and config.client_key.kid == "kid-7"
    assert config.client_key.thumbprint == KEY.thumbprint


def test_a_profile_from_before_these_options_takes_them_from_the_settings(
    tmp_path: Path,
) -> None:
    marker = {k: v for k, v in DPOP_MARKER.items() if k != "fapi"}
    tokens = mark(TokenSet(access_token="at-0123"), marker)
    settings = _settings(tmp_path, {"LEXOFFICE_PAR": "on"})
    anyio.run(FileTokenStore(settings.store_path).save, "default", tokens)
    profile = anyio.run(Profile.load, settings)
    assert profile.oauth(settings).config.par is True
    plain = {**marker, "fapi": {}}  # a plain login after this change: pinned to nothing
    anyio.run(FileTokenStore(settings.store_path).save, "default", mark(tokens, plain))
    profile = anyio.run(Profile.load, settings)
    assert profile.oauth(settings).config.par is None


def test_client_secret_jwt_goes_to_the_client(tmp_path: Path) -> None:
    secret = "s" * 32
    settings = _settings(
        tmp_path,
        client_id="c",
        issuer="https://bank.example",
        client_secret=secret,
        auth_method="client_secret_jwt",
    )
    oauth = build_oauth(settings, provider="oidc", redirect_uri="http://127.0.0.1/callback")
    assert oauth.config.token_endpoint_auth_method == "client_secret_jwt"


@pytest.mark.parametrize(
    ("mode", "message"),
    [(0o644, "group or others may access it (mode 644): chmod 600"), (0o640, "mode 640")],
)
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int, message: str) -> None:
    path = write_key_file(tmp_path / "key.json", KEY, mode=mode)
    with pytest.raises(ConfigurationError, match=re.escape(message)) as info:
        read_client_key(path)
    assert PRIVATE_D not in str(info.value)


def test_bad_key_files_are_named_never_quoted(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(ConfigurationError, match="cannot read it"):
        read_client_key(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"kty": "EC", "d": "' + PRIVATE_D + '"')
    broken.chmod(0o600)
    with pytest.raises(ConfigurationError) as info:
        read_client_key(broken)
    assert str(broken) in str(info.value) and PRIVATE_D not in str(info.value)
    other_kid = write_key_file(tmp_path / "kid.json", KEY)
    with pytest.raises(ConfigurationError, match="another kid"):
        read_client_key(other_kid, kid="not-cli-1")


def test_a_pem_key_file_gets_its_kid_from_the_option(tmp_path: Path) -> None:
    made = write_pem_key(tmp_path / "key.pem", kid="ignored")
    loaded = read_client_key(tmp_path / "key.pem", kid="pem-1")
    assert (loaded.kid, loaded.alg, loaded.thumbprint) == ("pem-1", "ES256", made.thumbprint)


def test_login_with_a_bad_key_file_says_so_before_any_request(tmp_path: Path) -> None:
    path = write_key_file(tmp_path / "key.json", KEY, mode=0o644)
    env = cli_env(tmp_path, LEXOFFICE_ISSUER="https://bank.example", LEXOFFICE_CLIENT_ID="c")
    result = CliRunner().invoke(
        cli, ["login", "--no-browser", "--client-key", str(path), "--fapi2"], env=env
    )
    assert result.exit_code == 2, result.output
    assert "chmod 600" in result.stderr
    assert PRIVATE_D not in result.output
