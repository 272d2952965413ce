"""Round 2, item 6: ``logout`` can revoke a confidential client's tokens, and says so
with its exit status when it could not.

0.2.0 had no way to take the client secret at logout: the revocation failed, a warning
was printed, the exit status was 0, the tokens were deleted here and stayed valid at the
provider. Now the secret comes from the environment, a secret file, stdin or a prompt
(and a warning when it is given on the command line); a failed revocation keeps the
tokens and exits 1 unless ``--local-only``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from click.testing import CliRunner

from lexoffice_auth import FileTokenStore, OAuthClient
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.cli._profile import mark
from lexoffice_auth.testing import FakeLexoffice

from ..cli.helpers import cli_env

CLIENT = "confidential-cli"
SECRET = "a-confidential-client-secret-0123456789"
REDIRECT = "http://127.0.0.1/callback"


@pytest.fixture
def served() -> Iterator[tuple[FakeLexoffice, str]]:
    fake = FakeLexoffice(rate_limit=None)
    fake.register_client(CLIENT, [REDIRECT], SECRET)
    with fake.serve() as base:
        yield fake, base


def logged_in(fake: FakeLexoffice, base: str, tmp_path: Path) -> str:
    """A confidential client's login in the CLI's store; returns the access token."""

    async def main() -> str:
        async with (
            httpx.AsyncClient() as http,
            OAuthClient(
                CLIENT, REDIRECT, issuer=base, client_secret=SECRET, http_client=http
            ) as oauth,
        ):
            pending = await oauth.start_login()
            async with httpx.AsyncClient() as browser:
                answer = await browser.get(pending.authorization_url)
            tokens = await oauth.complete_login(answer.headers["location"], pending)
            marker = {
                "kind": "oauth",
                "provider": "oidc",
                "issuer": base,
                "client_id": CLIENT,
                "redirect_uri": REDIRECT,
                "scopes": ["openid"],
                "api_base": base,
                "confidential": True,
            }
            await FileTokenStore(tmp_path / "tokens.json").save("default", mark(tokens, marker))
            return tokens.access_token.get_secret_value()

    return anyio.run(main)


def ping(base: str, token: str) -> int:
    return httpx.get(f"{base}/v1/ping", headers={"Authorization": f"Bearer {token}"}).status_code


def test_without_the_secret_logout_fails_and_keeps_the_tokens(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    access = logged_in(fake, base, tmp_path)
    result = CliRunner().invoke(cli, ["logout"], env=cli_env(tmp_path))
    assert result.exit_code == 2, result.output  # the secret is missing: a usage error
    assert "confidential client" in result.output
    assert ping(base, access) == 200  # still valid: not revoked …
    assert access in (tmp_path / "tokens.json").read_text()  # … and kept, to retry


@pytest.mark.parametrize("how", ["env", "file", "stdin"])
def test_the_secret_from_the_environment_a_file_or_stdin_revokes(
    served: tuple[FakeLexoffice, str], tmp_path: Path, how: str
) -> None:
    fake, base = served
    access = logged_in(fake, base, tmp_path)
    env = cli_env(tmp_path)
    args: list[str] = []
    stdin = None
    if how == "env":
        env["LEXOFFICE_CLIENT_SECRET"] = SECRET
    elif how == "file":
        secret_file = tmp_path / "client-secret"
        secret_file.write_text(SECRET + "\n")
        env["LEXOFFICE_CLIENT_SECRET_FILE"] = str(secret_file)
    else:
        args, stdin = ["--client-secret-stdin"], SECRET + "\n"
    result = CliRunner().invoke(cli, ["logout", *args], env=env, input=stdin)
    assert result.exit_code == 0, result.output
    assert "Tokens revoked at the provider." in result.output
    assert SECRET not in result.output
    assert ping(base, access) == 401
    assert access not in (tmp_path / "tokens.json").read_text()


def test_a_secret_on_the_command_line_works_but_is_warned_about(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    access = logged_in(fake, base, tmp_path)
    result = CliRunner().invoke(cli, ["logout", "--client-secret", SECRET], env=cli_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "visible to other local users" in result.output
    assert ping(base, access) == 401


def test_a_wrong_secret_fails_and_keeps_the_tokens(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    access = logged_in(fake, base, tmp_path)
    env = cli_env(tmp_path, LEXOFFICE_CLIENT_SECRET="not-the-secret-at-all")
    result = CliRunner().invoke(cli, ["logout"], env=env)
    assert result.exit_code == 1, result.output
    assert "not revoked at the provider" in result.output and "--local-only" in result.output
    assert ping(base, access) == 200
    assert access in (tmp_path / "tokens.json").read_text()


def test_local_only_deletes_without_revoking(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    access = logged_in(fake, base, tmp_path)
    result = CliRunner().invoke(cli, ["logout", "--local-only"], env=cli_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "stay valid" in result.output
    assert access not in (tmp_path / "tokens.json").read_text()
