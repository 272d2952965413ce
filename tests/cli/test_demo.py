"""The README's run command: ``lexoffice-auth demo``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

import lexoffice_auth.testing as sandbox
from lexoffice_auth.cli._commands import cli as main


class _RecordingFake(sandbox.FakeLexoffice):
    """The sandbox, remembered so a test can read every credential it handed out."""

    last: _RecordingFake | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _RecordingFake.last = self


def _secrets_seen(fake: sandbox.FakeLexoffice) -> set[str]:
    found: set[str] = set()
    for request in fake.requests:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            found.add(auth.removeprefix("Bearer "))
        if request.method == "POST":
            form = parse_qs(request.content.decode(errors="replace"))
            for name in ("code", "code_verifier", "refresh_token", "token"):
                found.update(form.get(name, []))
        query = parse_qs(request.url.query.decode())
        for name in ("state", "nonce", "code_challenge"):
            found.update(query.get(name, []))
    return {s for s in found if len(s) >= 8}


@pytest.mark.parametrize("mode", [[], ["--in-process"]], ids=["served", "in-process"])
def test_demo_succeeds_with_one_refresh_and_prints_no_secret(
    mode: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "FakeLexoffice", _RecordingFake)
    result = CliRunner().invoke(main, ["demo", *mode])
    assert result.exit_code == 0, result.output
    out = result.output
    for step in ("Discovery", "Authorization", "Consent", "Code exchange", "id_token"):
        assert step in out
    # The two usual starts, each through LexofficeClient: an API key, then the OAuth login.
    assert out.index("API key") < out.index("Discovery") < out.index("OAuth client")
    assert "LexofficeClient(ApiKeyAuth(key)): contacts.list → 1 (Beispiel GmbH)" in out
    assert "LexofficeClient(LexofficeAuth): contacts.list → 1 contact(s)" in out
    assert "50 concurrent GET /v1/ping all answered 200" in out
    assert "refreshes at the token endpoint: 1\n" in out
    assert "ReauthenticationRequired" in out
    fake = _RecordingFake.last
    assert fake is not None
    # One refresh for the burst; after logout nothing is sent to the token endpoint.
    assert fake.token_calls["refresh_token"] == 1
    assert fake.calls["revocation"] == 2
    secrets = _secrets_seen(fake)
    assert len(secrets) >= 5  # access, refresh, code, verifier, state at least
    leaked = [s for s in secrets if s in out]
    assert leaked == []


def test_demo_failure_exits_non_zero_with_message(monkeypatch: pytest.MonkeyPatch) -> None:
    class Denying(sandbox.FakeLexoffice):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.deny_next_login()

    monkeypatch.setattr(sandbox, "FakeLexoffice", Denying)
    result = CliRunner().invoke(main, ["demo", "--in-process"])
    assert result.exit_code == 1
    assert "demo failed: authorization denied by the provider: access_denied" in result.output
    assert "Traceback" not in result.output


def test_cli_help_and_version() -> None:
    runner = CliRunner()
    help_text = runner.invoke(main, ["--help"])
    assert help_text.exit_code == 0
    assert "demo" in help_text.output
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0
    assert "lexoffice-auth, version" in version.output


def test_demo_unexpected_failure_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import lexoffice_auth.cli._demo as demo_module

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("socket exploded")

    monkeypatch.setattr(demo_module, "run_demo", broken)
    result = CliRunner().invoke(main, ["demo", "--in-process"])
    assert result.exit_code == 1
    assert "demo failed unexpectedly: RuntimeError: socket exploded" in result.output
    assert "Traceback" not in result.output
