"""The issue's must-holds, end to end on loopback: login, token in a new process, status,
logout; an API key login; a pasted login. The sandbox is served in the test process."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from lexoffice_auth.cli._commands import cli
from lexoffice_auth.testing import DEFAULT_CLIENT_ID, FakeLexoffice

from .helpers import cli_env, read_until, run_cli, start_cli


@pytest.fixture
def served() -> Iterator[tuple[FakeLexoffice, str]]:
    fake = FakeLexoffice(rate_limit=None)
    with fake.serve() as base:
        yield fake, base


def _ping(base: str, token: str) -> int:
    answer = httpx.get(f"{base}/v1/ping", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


def test_browser_login_token_status_logout(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    env = cli_env(tmp_path, LEXOFFICE_ISSUER=base, LEXOFFICE_CLIENT_ID=DEFAULT_CLIENT_ID)
    store = tmp_path / "tokens.json"

    # login --no-browser in its own process; the test plays the browser.
    proc = start_cli(["login", "--no-browser", "--api-base", base, "--timeout", "60"], env)
    try:
        assert proc.stderr is not None
        lines = read_until(proc.stderr, lambda line: line.startswith("Waiting up to"))
        urls = [line.strip() for line in lines if line.strip().startswith("http")]
        assert len(urls) == 1, lines
        assert urls[0].startswith(f"{base}/")
        assert "Waiting up to 1 min for the browser" in lines[-1]
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            page = browser.get(urls[0])
        assert page.status_code == 200
        assert page.url.host == "127.0.0.1" and page.url.path == "/callback"
        assert "Logged in" in page.text
        assert page.headers["cache-control"] == "no-store"
        code = httpx.URL(str(page.url)).params["code"]
        assert code not in page.text
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert "Logged in to" in err.decode() and fake.current_user.email in err.decode()

    # Stored in a private file.
    assert store.exists()
    assert stat.S_IMODE(store.stat().st_mode) == 0o600

    # token: a NEW process prints one token and nothing else; the sandbox accepts it.
    printed = run_cli(["token"], env)
    assert printed.returncode == 0, printed.stderr
    access = printed.stdout.strip()
    assert printed.stdout == access + "\n"
    assert _ping(base, access) == 200

    # status: who and where, no secret.
    runner = CliRunner()
    shown = runner.invoke(cli, ["status"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "Logged in:      yes (OAuth login)" in shown.output
    assert fake.current_user.email in shown.output
    assert str(store) in shown.output
    assert "openid" in shown.output
    as_json = json.loads(runner.invoke(cli, ["status", "--json"], env=env).stdout)
    assert as_json["issuer"] == base and as_json["refresh_token"] is True
    stored_text = store.read_text()
    refresh = json.loads(stored_text)["accounts"]["default"]["refresh_token"]
    for secret in (access, refresh):
        assert secret not in shown.output
        assert secret not in json.dumps(as_json)

    # logout: revoked at the sandbox, deleted from the store.
    out = runner.invoke(cli, ["logout"], env=env)
    assert out.exit_code == 0, out.output
    assert "revoked at the provider" in out.output
    assert _ping(base, access) == 401
    assert access not in store.read_text() and refresh not in store.read_text()
    after = runner.invoke(cli, ["status"], env=env)
    assert "Logged in:      no" in after.output
    again = run_cli(["token"], env)
    assert again.returncode == 3
    assert "run `lexoffice-auth login`" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.slow  # the CLI runs in its own process on the real clock
def test_token_refreshes_an_expired_login(tmp_path: Path) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=1)
    with fake.serve() as base:
        _login_then_refresh(fake, base, tmp_path)


def _login_then_refresh(fake: FakeLexoffice, base: str, tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    runner = CliRunner()
    proc = start_cli(
        ["login", "--no-browser", "--issuer", base, "--client-id", DEFAULT_CLIENT_ID], env
    )
    try:
        assert proc.stderr is not None
        lines = read_until(proc.stderr, lambda line: line.startswith("Waiting up to"))
        url = next(line.strip() for line in lines if line.strip().startswith("http"))
        httpx.get(url, follow_redirects=True, timeout=30)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    first = runner.invoke(cli, ["token"], env=env).stdout.strip()
    refreshes = fake.token_calls["refresh_token"]
    # The stored token expires: the next `token` refreshes it (the issuer comes from the store).
    data = json.loads((tmp_path / "tokens.json").read_text())
    assert data["accounts"]["default"]["extra"]["lexoffice_auth_cli"]["issuer"] == base
    # The CLI reads the real clock: age the stored token instead of waiting for it.
    data["accounts"]["default"]["expires_at"] = time.time() - 1
    (tmp_path / "tokens.json").write_text(json.dumps(data))
    second = runner.invoke(cli, ["--profile", "default", "token"], env=env)
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() != first
    assert fake.token_calls["refresh_token"] == refreshes + 1
    assert _ping(base, second.stdout.strip()) == 200
    # The refreshed token set keeps the profile's record.
    data = json.loads((tmp_path / "tokens.json").read_text())
    assert data["accounts"]["default"]["extra"]["lexoffice_auth_cli"]["kind"] == "oauth"


def test_api_key_login_then_contacts_and_invoices(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    key = fake.add_api_key()
    contact = fake.add_contact(name="Musterkunde AG", email="einkauf@musterkunde.example")
    invoice = fake.add_invoice(contact_id=contact)
    env = cli_env(tmp_path)
    runner = CliRunner()
    stored = runner.invoke(
        cli,
        ["login", "--api-key", "--api-base", base, "--profile", "key"],
        input=key + "\n",
        env=env,
    )
    assert stored.exit_code == 0, stored.output
    assert key not in stored.output
    assert fake.current_user.email in stored.output
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600

    listed = runner.invoke(cli, ["contacts", "list", "--json", "--profile", "key"], env=env)
    assert listed.exit_code == 0, listed.output
    page = json.loads(listed.stdout)
    assert [c["id"] for c in page["content"]] == [contact]
    assert page["content"][0]["company"]["name"] == "Musterkunde AG"

    table = runner.invoke(cli, ["contacts", "list", "--profile", "key"], env=env)
    assert "Musterkunde AG" in table.stdout and "einkauf@musterkunde.example" in table.stdout
    one = runner.invoke(cli, ["contacts", "get", contact, "--json", "--profile", "key"], env=env)
    assert json.loads(one.stdout)["id"] == contact

    rows = runner.invoke(cli, ["invoices", "list", "--profile", "key"], env=env)
    assert invoice in rows.stdout and "Musterkunde AG" in rows.stdout
    shown = runner.invoke(cli, ["invoices", "get", invoice, "--profile", "key"], env=env)
    assert "Status:" in shown.stdout and "open" in shown.stdout
    target = tmp_path / "out"
    target.mkdir()
    got = runner.invoke(
        cli, ["invoices", "download", invoice, "-o", str(target), "--profile", "key"], env=env
    )
    assert got.exit_code == 0, got.output
    written = Path(got.stdout.strip())
    assert written.parent == target and written.read_bytes().startswith(b"%PDF")
    twice = runner.invoke(
        cli, ["invoices", "download", invoice, "-o", str(target), "--profile", "key"], env=env
    )
    assert twice.exit_code == 2 and "--force" in twice.output  # a usage error

    printed = runner.invoke(cli, ["token", "--profile", "key"], env=env)
    assert printed.stdout == key + "\n"
    status = runner.invoke(cli, ["status", "--profile", "key"], env=env)
    assert "API key" in status.output and key not in status.output
    out = runner.invoke(cli, ["logout", "--profile", "key"], env=env)
    assert out.exit_code == 0 and "cannot be revoked from here" in out.output
    assert key not in (tmp_path / "tokens.json").read_text()


def test_a_rejected_api_key_is_one_line_with_a_hint(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    _, base = served
    result = CliRunner().invoke(
        cli, ["login", "--api-key", "--api-base", base], input="not-a-key\n", env=cli_env(tmp_path)
    )
    assert result.exit_code == 3
    assert "hint: the API key was rejected" in result.stderr
    assert "Traceback" not in result.output and "not-a-key" not in result.output
    assert not (tmp_path / "tokens.json").exists()


def test_environment_api_key_serves_token_and_api(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    key = fake.add_api_key()
    env = cli_env(tmp_path, LEXOFFICE_API_KEY=key, LEXOFFICE_API_BASE=base)
    runner = CliRunner()
    assert runner.invoke(cli, ["token"], env=env).stdout == key + "\n"
    listed = runner.invoke(cli, ["invoices", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["content"] == []
    status = runner.invoke(cli, ["status"], env=env)
    assert (
        "Note:           LEXOFFICE_API_KEY is set and is used instead of the store\n"
        in status.stdout
    )
    assert key not in status.output


def test_paste_login_with_the_whole_redirect_url(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    env = cli_env(tmp_path, LEXOFFICE_ISSUER=base, LEXOFFICE_CLIENT_ID=DEFAULT_CLIENT_ID)
    proc = start_cli(["login", "--paste", "--no-browser"], env)
    try:
        assert proc.stderr is not None and proc.stdin is not None
        lines = read_until(proc.stderr, lambda line: line.startswith("Paste the code"))
        url = next(line.strip() for line in lines if line.strip().startswith("http"))
        callback = fake.approve(url)  # the browser lands on http://127.0.0.1/callback?...
        assert callback.startswith("http://127.0.0.1/callback?")
        _, err = proc.communicate((callback + "\n").encode(), timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    token = run_cli(["token"], env).stdout.strip()
    assert _ping(base, token) == 200


def test_paste_login_refuses_a_url_with_another_state(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    env = cli_env(tmp_path, LEXOFFICE_ISSUER=base, LEXOFFICE_CLIENT_ID=DEFAULT_CLIENT_ID)
    proc = start_cli(["login", "--paste", "--no-browser"], env)
    try:
        assert proc.stderr is not None
        lines = read_until(proc.stderr, lambda line: line.startswith("Paste the code"))
        url = next(line.strip() for line in lines if line.strip().startswith("http"))
        callback = httpx.URL(fake.approve(url))
        forged = callback.copy_set_param("state", "x" * 43)
        _, err = proc.communicate((str(forged) + "\n").encode(), timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    assert "state does not match" in err.decode()
    assert not (tmp_path / "tokens.json").exists()


def test_config_file_api_key_serves_token_status_and_api(
    served: tuple[FakeLexoffice, str], tmp_path: Path
) -> None:
    fake, base = served
    key = fake.add_api_key()
    contact = fake.add_contact(name="Musterkunde AG")
    config = tmp_path / "config.toml"
    config.write_text(f'api_base = "{base}"\napi_key = "{key}"\n')
    env = cli_env(tmp_path)
    runner = CliRunner()

    listed = runner.invoke(cli, ["contacts", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [c["id"] for c in json.loads(listed.stdout)["content"]] == [contact]
    assert key not in listed.output

    status = runner.invoke(cli, ["status"], env=env)
    assert status.exit_code == 0, status.output
    assert f"Note:           api_key in {config} is set and is used instead of the store" in (
        status.stdout
    )
    as_json = runner.invoke(cli, ["status", "--json"], env=env)
    assert "is used instead of the store" in json.loads(as_json.stdout)["env_api_key"]
    for shown in (status, as_json):
        assert key not in shown.output

    # `token` prints the key, as it prints LEXOFFICE_API_KEY: that is its job.
    printed = runner.invoke(cli, ["token"], env=env)
    assert printed.stdout == key + "\n" and printed.stderr == ""

    # The environment wins over the file.
    other = fake.add_api_key()
    assert runner.invoke(cli, ["token"], env={**env, "LEXOFFICE_API_KEY": other}).stdout == (
        other + "\n"
    )

    # A rejected key from the file is one line and a hint; --debug shows no trace of it.
    fake.remove_api_key(key)
    rejected = runner.invoke(cli, ["--debug", "invoices", "list"], env=env)
    assert rejected.exit_code == 3
    assert "hint: the API key was rejected" in rejected.stderr
    assert "debug:" in rejected.stderr
    assert key not in rejected.output
    assert not (tmp_path / "tokens.json").exists()
