"""Every command's --help, usage errors, configuration precedence, error lines, imports."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lexoffice_auth.cli._commands import cli
from lexoffice_auth.cli._errors import Redactor, describe
from lexoffice_auth.cli._settings import Settings
from lexoffice_auth.errors import ConfigurationError, NetworkError, ReauthenticationRequired

from .helpers import cli_env


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [prefix]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


ALL = _commands(cli)


def test_the_issue_commands_exist() -> None:
    names = {" ".join(c) for c in ALL}
    for wanted in (
        "login",
        "token",
        "status",
        "logout",
        "contacts list",
        "contacts get",
        "invoices list",
        "invoices get",
        "invoices download",
        "sandbox",
        "demo",
    ):
        assert wanted in names


@pytest.mark.parametrize("command", ALL, ids=lambda c: " ".join(c) or "(group)")
def test_every_help_works(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


@pytest.mark.parametrize("command", ALL, ids=lambda c: " ".join(c) or "(group)")
def test_a_bad_flag_is_a_usage_error(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--no-such-flag"])
    assert result.exit_code == 2
    assert "No such option" in result.output and "--no-such-flag" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["login", "--api-key", "--issuer", "https://id.example"],
        ["login", "--lexoffice-partner", "--issuer", "https://id.example"],
        ["login", "--redirect-port", "70000"],
        ["login", "--timeout", "abc"],
        ["contacts", "list", "--size", "1000"],
        ["invoices", "download"],
    ],
)
def test_bad_values_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, args, env=cli_env(tmp_path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_login_without_a_provider_says_what_to_pass(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["login", "--no-browser"], env=cli_env(tmp_path))
    assert result.exit_code == 2  # a usage error, as docs/cli.md says
    assert "error: no client id: pass --client-id" in result.stderr
    assert "hint:" in result.stderr


def test_partner_preset_needs_secret_and_scopes(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    result = CliRunner().invoke(cli, ["login", "--lexoffice-partner", "--client-id", "x"], env=env)
    assert result.exit_code == 2 and "needs the client secret" in result.stderr
    result = CliRunner().invoke(
        cli,
        ["login", "--lexoffice-partner", "--client-id", "x", "--client-secret", "s3cr3t-value"],
        env=env,
    )
    assert result.exit_code == 2 and "needs --scope" in result.stderr
    assert "s3cr3t-value" not in result.output


def test_not_logged_in_is_one_line_and_a_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["token"], env=cli_env(tmp_path))
    assert result.exit_code == 3  # not logged in
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("lexoffice-auth: error: not logged in (profile 'default'")
    assert lines[1] == (
        "lexoffice-auth: hint: run `lexoffice-auth login` (add --profile NAME for another account)"
    )
    assert result.stdout == ""


def test_settings_precedence_flag_env_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'issuer = "https://file.example"\nclient_id = "file-id"\nprofile = "work"\n'
        'scopes = ["a", "b"]\n[profiles.work]\nclient_id = "work-id"\n'
        "[profiles.other]\nclient_id = 'other-id'\n"
    )
    file_only = Settings(environ={}, config_path=config)
    assert file_only.profile == "work"
    assert file_only.get("client_id") == "work-id"
    assert file_only.get("issuer") == "https://file.example"
    assert file_only.scopes == ("a", "b")
    env = Settings(
        environ={"LEXOFFICE_CLIENT_ID": "env-id", "LEXOFFICE_PROFILE": "other"},
        config_path=config,
    )
    assert env.profile == "other" and env.get("client_id") == "env-id"
    flag = Settings(
        flags={"client_id": "flag-id", "profile": "work"},
        environ={"LEXOFFICE_CLIENT_ID": "env-id"},
        config_path=config,
    )
    assert flag.get("client_id") == "flag-id"
    assert (
        Settings(environ={}, config_path=config, flags={"profile": "other"}).get("client_id")
        == "other-id"
    )


def test_config_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("issuer = ")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        Settings(environ={}, config_path=bad).get("issuer")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('isuer = "x"\n')
    with pytest.raises(ConfigurationError, match="unknown setting 'isuer'"):
        Settings(environ={}, config_path=unknown).get("issuer")
    with pytest.raises(ConfigurationError, match="does not exist"):
        Settings(environ={}, config_path=tmp_path / "missing.toml").get("issuer")
    port = tmp_path / "port.toml"
    port.write_text("redirect_port = 0\n")
    with pytest.raises(ConfigurationError, match="from 1 to 65535"):
        _ = Settings(environ={}, config_path=port).redirect_port


def test_default_paths_use_platformdirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "data"))
    settings = Settings(environ={})
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda *a, **k: str(tmp_path / "cfg"))
    assert settings.store_path == tmp_path / "data" / "tokens.json"
    assert settings.config_file == tmp_path / "cfg" / "config.toml"  # may be missing


def test_debug_details_are_redacted() -> None:
    redact = Redactor()
    redact.add("sekrit-access-token")
    try:
        try:
            raise OSError("connect failed for Bearer abc.def and code=xyz")
        except OSError as inner:
            raise NetworkError("token endpoint unreachable") from inner
    except NetworkError as exc:
        lines = describe(exc, redact, debug=True)
    text = "\n".join(lines)
    assert lines[0] == "error: token endpoint unreachable"
    assert lines[1].startswith("hint: check your network")
    assert "Bearer ***" in text and "code=***" in text
    assert "abc.def" not in text and "xyz" not in text
    plain = describe(ReauthenticationRequired("sekrit-access-token gone"), redact, debug=False)
    assert plain[0] == "error: *** gone"


def test_the_cli_uses_only_the_public_api() -> None:
    package = Path(__file__).resolve().parents[2] / "lexoffice_auth" / "cli"
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                parts = node.module.split(".")
                assert not any(p.startswith("_") for p in parts[1:]), (module.name, node.module)
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                raise AssertionError(f"{module.name} reaches outside the cli package")


def test_api_key_comes_from_the_environment_then_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('api_key = "file-key"\n[profiles.shop]\napi_key = "shop-key"\n')
    assert Settings(environ={}, config_path=config).api_key == "file-key"
    assert Settings(environ={}, config_path=config, flags={"profile": "shop"}).api_key == (
        "shop-key"
    )
    env = {"LEXOFFICE_API_KEY": " env-key "}
    assert Settings(environ=env, config_path=config).api_key == "env-key"
    assert Settings(environ={}, config_path=tmp_path / "c.toml").api_key == "file-key"
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert Settings(environ={}, config_path=empty).api_key is None
    assert Settings(environ={"LEXOFFICE_API_KEY": "  "}, config_path=empty).api_key is None
    bad = tmp_path / "bad.toml"
    bad.write_text("api_key = ['not', 'text']\n")
    with pytest.raises(ConfigurationError, match=r"api_key from .* must be text"):
        _ = Settings(environ={}, config_path=bad).api_key


def test_the_callback_timeout_hint_goes_by_type_not_by_name() -> None:
    from lexoffice_auth.cli._errors import hint_for
    from lexoffice_auth.cli._loopback import CallbackTimeout
    from lexoffice_auth.errors import LoginError

    class SlowBrowser(CallbackTimeout):
        pass

    class CallbackTimeoutLookalike(LoginError):
        pass

    CallbackTimeoutLookalike.__name__ = "CallbackTimeout"
    for timeout in (CallbackTimeout("no callback"), SlowBrowser("no callback")):
        assert "--timeout SECONDS waits longer" in (hint_for(timeout) or "")
    assert hint_for(CallbackTimeoutLookalike("other")) == "run `lexoffice-auth login` again"


def test_a_configuration_error_names_the_command_and_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["login", "--no-browser"], env=cli_env(tmp_path))
    assert result.exit_code == 2
    assert "hint: see `lexoffice-auth login --help`" in result.stderr
    assert "COMMAND" not in result.stderr


def test_the_relogin_hint_keeps_the_profile(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--profile", "work", "token"], env=cli_env(tmp_path))
    assert result.exit_code == 3  # must log in again (docs/cli.md exit codes)
    assert "hint: run `lexoffice-auth --profile work login`" in result.stderr
    env = cli_env(tmp_path, LEXOFFICE_PROFILE="it's mine")
    quoted = CliRunner().invoke(cli, ["token"], env=env)
    assert """run `lexoffice-auth --profile 'it'"'"'s mine' login`""" in quoted.stderr


def test_every_option_has_help() -> None:
    for command in ALL:
        found = cli
        for name in command:
            found = found.get_command(click.Context(found), name)  # type: ignore[attr-defined]
        for param in found.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"{' '.join(command)} {param.opts}"


def test_the_lazy_table_matches_the_commands() -> None:
    # --help lists commands from COMMANDS without importing them: the table must not drift.
    from lexoffice_auth.cli._commands import COMMANDS

    for name, entry in COMMANDS.items():
        command = entry.load(name)
        assert command.name == name
        assert (command.help or "").split("\n\n")[0].split() == entry.short_help.split(), name


def test_help_and_token_import_no_command_modules_pydantic_or_the_api() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from lexoffice_auth.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit: pass\n"
        "heavy = {'pydantic', 'lexoffice_auth.api', 'lexoffice_auth.cli._commands.login',"
        " 'lexoffice_auth.testing', 'cryptography', 'jwt'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, check=True
    )
    assert out.stderr.strip() == "[]"


def _seed_profiles(tmp_path: Path) -> dict[str, str]:
    """A store with an API-key profile and an OAuth profile whose token is valid for a day."""
    import time

    import anyio

    from lexoffice_auth import FileTokenStore, TokenSet
    from lexoffice_auth.cli._profile import mark
    from lexoffice_auth.oidc import IdTokenClaims

    env = cli_env(tmp_path)
    now = time.time()
    claims = IdTokenClaims(iss="https://id.example", sub="42", aud="cli", exp=2, iat=1)
    entries = {
        "key": mark(TokenSet(access_token="lx-key-0123"), {"kind": "api_key"}),
        "oauth": mark(
            TokenSet(
                access_token="at-valid",
                refresh_token="rt-1",
                expires_at=now + 86400,
                issued_at=now,
                id_token="a.b.c",
                id_claims=claims,
            ),
            {"kind": "oauth", "provider": "oidc", "issuer": "https://id.example"},
        ),
    }
    store = FileTokenStore(env["LEXOFFICE_TOKEN_STORE"])
    for name, tokens in entries.items():
        anyio.run(store.save, name, tokens)
    return env


@pytest.mark.parametrize(("profile", "printed"), [("key", "lx-key-0123"), ("oauth", "at-valid")])
def test_token_with_a_stored_login_imports_no_pydantic_nor_httpx(
    tmp_path: Path, profile: str, printed: str
) -> None:
    # `$(lexoffice-auth token)` in a script: the stored token set is read without its model.
    import subprocess
    import sys

    from .helpers import process_env

    code = (
        "import sys; from lexoffice_auth.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit: pass\n"
        "heavy = {'pydantic', 'httpx', 'cryptography', 'jwt', 'filelock', 'lexoffice_auth.api',"
        " 'lexoffice_auth._oauth.tokens', 'lexoffice_auth.cli._commands.login'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
    )
    env = process_env(_seed_profiles(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", code, "--profile", profile, "token"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    assert out.stdout == printed + "\n"
    assert out.stderr.strip() == "[]"


def test_token_json_names_the_token_and_its_source(tmp_path: Path) -> None:
    env = {**cli_env(tmp_path), "LEXOFFICE_API_KEY": "lx-key-0123456789"}
    result = CliRunner().invoke(cli, ["token", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "access_token": "lx-key-0123456789",
        "token_type": "Bearer",
        "source": "api_key",
    }
    plain = CliRunner().invoke(cli, ["token"], env=env)
    assert plain.output == "lx-key-0123456789\n"


@pytest.mark.slow
def test_sandbox_json_prints_one_line_a_script_can_use(tmp_path: Path) -> None:
    """The served sandbox's first line is JSON whose key and URLs work right away."""
    import subprocess
    import sys

    import httpx

    code = "from lexoffice_auth.cli import main; main(['sandbox', '--json', '--no-rate-limit'])"
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        about = json.loads(server.stdout.readline())
        assert set(about) == {"issuer", "api_base", "client_id", "redirect_uri", "api_key"}
        ping = httpx.get(
            f"{about['api_base']}/v1/ping",
            headers={"Authorization": f"Bearer {about['api_key']}"},
            timeout=10,
        )
        assert ping.status_code == 200 and ping.json()["userEmail"]
    finally:
        server.terminate()
        server.wait(timeout=10)
