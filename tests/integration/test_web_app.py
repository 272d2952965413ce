"""examples/web_app.py end to end: the sandbox and the app both served on 127.0.0.1.

The test plays the browser with a plain ``httpx.Client`` and its cookie jar: it follows
``/connect`` to the sandbox's authorization endpoint, from there back to ``/callback``, and
then calls the app's API. Nothing is mocked between the app and the sandbox: the app's SDK
talks HTTP to the served sandbox, as it would to lexoffice.
"""

from __future__ import annotations

import base64
import copy
import socket
import threading
from collections.abc import Iterator
from http.cookiejar import Cookie
from pathlib import Path

import anyio
import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from examples.web_app import PENDING_COOKIE, Settings, create_app
from lexoffice_auth import TokenSet
from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.stores import EncryptedTokenStore, FileConnectionIndex, FileTokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..support.webhooks import event_body, new_key, sign

CLIENT_ID = "web-app"
CLIENT_SECRET = "web-app-secret"
COOKIE_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
TOKEN_KEY = EncryptedTokenStore.generate_key()


# --- servers ---------------------------------------------------------------------------


class AppServer:
    """``app`` served by uvicorn on an already bound loopback socket, in a thread."""

    def __init__(self, app: FastAPI, sock: socket.socket) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        )
        self._sock = sock
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]})

    def __enter__(self) -> AppServer:
        self._thread.start()
        for _ in range(1000):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert self._server.started, "the app server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


@pytest.fixture(scope="module")
def webhook_key() -> rsa.RSAPrivateKey:
    """Stands in for Lexware's signing key; the app is configured with its public half."""
    return new_key()


@pytest.fixture
def fake() -> Iterator[FakeLexoffice]:
    fake = FakeLexoffice()
    fake.add_contact(name="Muster GmbH", email="info@muster.example")
    with fake.serve():
        yield fake


def _loopback_socket() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def _settings(fake: FakeLexoffice, redirect_uri: str, tmp_path: Path, pem: str) -> Settings:
    """The app's configuration, through the environment variables a deployment would set."""
    return Settings.from_env(
        {
            "LEXOFFICE_ISSUER": fake.issuer,
            "LEXOFFICE_CLIENT_ID": CLIENT_ID,
            "LEXOFFICE_CLIENT_SECRET": CLIENT_SECRET,
            "LEXOFFICE_REDIRECT_URI": redirect_uri,
            "LEXOFFICE_API_BASE": fake.api_base,
            "LEXOFFICE_TOKEN_STORE": str(tmp_path / "tokens.json"),
            "LEXOFFICE_TOKEN_KEYS": TOKEN_KEY,
            "LEXOFFICE_COOKIE_KEY": COOKIE_KEY,
            "LEXOFFICE_WEBHOOK_PUBLIC_KEY": pem,
        }
    )


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def settings(fake: FakeLexoffice, tmp_path: Path, webhook_key: rsa.RSAPrivateKey) -> Settings:
    return _settings(fake, "http://127.0.0.1/unused", tmp_path, _public_pem(webhook_key))


@pytest.fixture
def browser(
    fake: FakeLexoffice, tmp_path: Path, webhook_key: rsa.RSAPrivateKey
) -> Iterator[httpx.Client]:
    """A client playing the browser, pointed at the app served on 127.0.0.1."""
    sock, port = _loopback_socket()
    base = f"http://127.0.0.1:{port}"
    fake.register_client(CLIENT_ID, [f"{base}/callback"], CLIENT_SECRET)
    app = create_app(_settings(fake, f"{base}/callback", tmp_path, _public_pem(webhook_key)))
    with AppServer(app, sock), httpx.Client(base_url=base, timeout=30) as client:
        yield client


# --- the browser's steps ---------------------------------------------------------------


def start(browser: httpx.Client, fake: FakeLexoffice, account: str) -> str:
    """``/connect``: returns the sandbox's redirect back to the app (the callback URL)."""
    response = browser.get("/connect", params={"account": account})
    assert response.status_code == 302, response.text
    authorization_url = response.headers["location"]
    assert authorization_url.startswith(fake.issuer + "/")
    at_provider = browser.get(authorization_url)  # the sandbox logs the user in and consents
    assert at_provider.status_code == 302, at_provider.text
    callback: str = at_provider.headers["location"]
    assert callback.startswith(str(browser.base_url).rstrip("/") + "/callback?")
    return callback


def connect(browser: httpx.Client, fake: FakeLexoffice, account: str) -> None:
    done = browser.get(start(browser, fake, account))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/accounts/{account}/contacts"
    assert PENDING_COOKIE not in browser.cookies  # deleted: single use


def contact_names(browser: httpx.Client, account: str) -> list[str]:
    response = browser.get(f"/accounts/{account}/contacts")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account"] == account
    return [contact["name"] for contact in body["contacts"]]


def signed_revocation(key: rsa.RSAPrivateKey, connection_id: str) -> tuple[bytes, str]:
    """A ``token.revoked`` body for ``connection_id`` and its ``X-Lxo-Signature`` by ``key``."""
    body = event_body("token.revoked", connection_id)
    return body, sign(key, body)


def connection_of(tmp_path: Path, account: str) -> str:
    """The connection id the app recorded for ``account`` (from GET /v1/profile)."""
    store = EncryptedTokenStore(FileTokenStore(tmp_path / "tokens.json"), [TOKEN_KEY])

    async def recorded() -> tuple[TokenSet | None, str | None]:
        tokens = await store.load(account)
        connection = tokens.extra.get("connection_id") if tokens is not None else None
        indexed = None
        if isinstance(connection, str):
            indexed = await FileConnectionIndex(tmp_path / "tokens.json").account_for(connection)
        return tokens, indexed

    tokens, indexed = anyio.run(recorded)
    assert tokens is not None  # kept with the tokens
    assert indexed == account  # and in the token file's connection index
    found: str = tokens.extra["connection_id"]
    return found


def pending_cookie(browser: httpx.Client) -> Cookie:
    """The pending-login cookie in the browser's jar (edit its value to tamper with it)."""
    found = [cookie for cookie in browser.cookies.jar if cookie.name == PENDING_COOKIE]
    assert len(found) == 1
    return found[0]


# --- the flow --------------------------------------------------------------------------


def test_connect_then_list_the_accounts_contacts(browser: httpx.Client, fake: FakeLexoffice):
    connect(browser, fake, "acme")

    assert contact_names(browser, "acme") == ["Muster GmbH"]
    assert fake.token_calls["authorization_code"] == 1


def test_the_pending_login_cookie_is_sealed_httponly_lax_and_scoped_to_the_callback(
    browser: httpx.Client, fake: FakeLexoffice
):
    response = browser.get("/connect", params={"account": "acme"})

    header = response.headers["set-cookie"]
    name, _, rest = header.partition("=")
    value = rest.split(";")[0]
    flags = {flag.strip().lower() for flag in header.split(";")[1:]}
    assert name == PENDING_COOKIE
    assert value.startswith("acme.")
    assert {"httponly", "samesite=lax", "path=/callback", "max-age=600"} <= flags
    assert "secure" not in flags  # loopback http: a Secure cookie would never come back
    # Sealed: nothing of the login is readable in the cookie.
    state = httpx.URL(response.headers["location"]).params["state"]
    assert state not in value
    assert "code_verifier" not in value


def test_the_cookie_is_secure_for_an_https_redirect_uri(settings: Settings):
    https = Settings(**{**settings.__dict__, "redirect_uri": "https://shop.example/lexoffice/cb"})
    with TestClient(create_app(https), follow_redirects=False) as client:
        response = client.get("/connect", params={"account": "acme"})

    flags = {flag.strip().lower() for flag in response.headers["set-cookie"].split(";")}
    assert {"secure", "httponly", "samesite=lax", "path=/lexoffice/cb"} <= flags


def test_a_tampered_cookie_is_refused(browser: httpx.Client, fake: FakeLexoffice):
    callback = start(browser, fake, "acme")
    cookie = pending_cookie(browser)
    assert cookie.value is not None
    account, _, sealed = cookie.value.partition(".")
    cookie.value = f"{account}.{sealed[:-2]}{'A' if sealed[-2] != 'A' else 'B'}{sealed[-1]}"

    response = browser.get(callback)

    assert response.status_code == 400
    assert response.json()["error"] == "login_failed"
    assert "altered" in response.json()["message"]
    assert fake.token_calls["authorization_code"] == 0  # no code left the app
    assert browser.get("/accounts/acme/contacts").status_code == 401


def test_a_cookie_moved_to_another_account_is_refused(browser: httpx.Client, fake: FakeLexoffice):
    callback = start(browser, fake, "acme")
    cookie = pending_cookie(browser)
    assert cookie.value is not None
    cookie.value = "globex." + cookie.value.partition(".")[2]

    response = browser.get(callback)

    assert response.status_code == 400
    assert fake.token_calls["authorization_code"] == 0
    assert browser.get("/accounts/globex/contacts").status_code == 401


def test_a_callback_without_the_cookie_is_refused(browser: httpx.Client, fake: FakeLexoffice):
    callback = start(browser, fake, "acme")
    browser.cookies.clear()

    response = browser.get(callback)

    assert response.status_code == 400
    assert "no login in progress" in response.json()["message"]


def test_a_callback_is_single_use(browser: httpx.Client, fake: FakeLexoffice):
    callback = start(browser, fake, "acme")
    cookie = copy.copy(pending_cookie(browser))
    assert browser.get(callback).status_code == 303
    browser.cookies.jar.set_cookie(cookie)  # the deleted cookie, put back by hand

    again = browser.get(callback)

    assert again.status_code == 400  # the sandbox refuses the used code: invalid_grant
    assert again.json()["error"] == "login_failed"
    assert fake.token_calls["authorization_code"] == 2


def test_a_denied_login_is_403_and_saves_nothing(browser: httpx.Client, fake: FakeLexoffice):
    fake.deny_next_login()

    response = browser.get(start(browser, fake, "acme"))

    assert response.status_code == 403
    assert response.json()["error"] == "denied"
    assert browser.get("/accounts/acme/contacts").status_code == 401


def test_an_account_never_connected_is_told_to_connect(browser: httpx.Client):
    response = browser.get("/accounts/nobody/contacts")

    assert response.status_code == 401
    assert response.json() == {
        "error": "reauthentication_required",
        "message": "connect your lexoffice account again",
        "connect": "/connect?account=nobody",
    }


def test_an_unreachable_provider_is_a_clear_502(settings: Settings, fake: FakeLexoffice):
    dead = Settings(**{**settings.__dict__, "issuer": "http://127.0.0.1:9"})  # discard port
    with TestClient(create_app(dead), follow_redirects=False) as client:
        response = client.get("/connect", params={"account": "acme"})

    assert response.status_code == 502
    assert response.json()["error"] == "provider_error"
    assert "set-cookie" not in response.headers


def test_a_bad_account_key_is_400(browser: httpx.Client):
    assert browser.get("/connect", params={"account": "../etc"}).status_code == 400
    assert browser.get("/accounts/a.b/contacts").status_code == 400


def test_two_accounts_are_independent(
    browser: httpx.Client, fake: FakeLexoffice, tmp_path: Path, webhook_key: rsa.RSAPrivateKey
):
    connect(browser, fake, "acme")
    connect(browser, fake, "globex")
    assert connection_of(tmp_path, "acme") != connection_of(tmp_path, "globex")

    body, signature = signed_revocation(webhook_key, connection_of(tmp_path, "acme"))
    assert (
        browser.post(
            "/webhooks/lexoffice", content=body, headers={"X-Lxo-Signature": signature}
        ).status_code
        == 200
    )

    assert browser.get("/accounts/acme/contacts").status_code == 401
    assert contact_names(browser, "globex") == ["Muster GmbH"]


def test_token_revoked_makes_the_next_call_401_until_the_account_connects_again(
    browser: httpx.Client, fake: FakeLexoffice, tmp_path: Path, webhook_key: rsa.RSAPrivateKey
):
    connect(browser, fake, "acme")
    assert contact_names(browser, "acme") == ["Muster GmbH"]
    refreshes = fake.token_calls["refresh_token"]

    body, signature = signed_revocation(webhook_key, connection_of(tmp_path, "acme"))
    webhook = browser.post(
        "/webhooks/lexoffice", content=body, headers={"X-Lxo-Signature": signature}
    )

    assert webhook.status_code == 200
    after = browser.get("/accounts/acme/contacts")
    assert after.status_code == 401
    assert after.json()["connect"] == "/connect?account=acme"
    assert fake.token_calls["refresh_token"] == refreshes  # no token request was needed
    connect(browser, fake, "acme")
    assert contact_names(browser, "acme") == ["Muster GmbH"]


def test_a_grant_revoked_at_the_provider_without_a_webhook_is_401_too(
    browser: httpx.Client, fake: FakeLexoffice
):
    connect(browser, fake, "acme")
    fake.revoke_all()  # the API rejects the access token, the refresh is invalid_grant

    response = browser.get("/accounts/acme/contacts")

    assert response.status_code == 401
    assert fake.token_calls["refresh_token"] == 1


def test_a_webhook_with_a_bad_signature_is_401_and_changes_nothing(
    browser: httpx.Client, fake: FakeLexoffice, tmp_path: Path
):
    connect(browser, fake, "acme")
    impostor = new_key()
    body, signature = signed_revocation(impostor, connection_of(tmp_path, "acme"))

    forged = browser.post(
        "/webhooks/lexoffice", content=body, headers={"X-Lxo-Signature": signature}
    )
    unsigned = browser.post("/webhooks/lexoffice", content=body)

    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert contact_names(browser, "acme") == ["Muster GmbH"]


def test_a_revocation_of_an_old_connection_leaves_the_new_login_alone(
    browser: httpx.Client, fake: FakeLexoffice, tmp_path: Path, webhook_key: rsa.RSAPrivateKey
):
    connect(browser, fake, "acme")
    old = connection_of(tmp_path, "acme")
    connect(browser, fake, "acme")  # reconnected: a new connection
    assert connection_of(tmp_path, "acme") != old

    body, signature = signed_revocation(webhook_key, old)
    webhook = browser.post(
        "/webhooks/lexoffice", content=body, headers={"X-Lxo-Signature": signature}
    )

    assert webhook.status_code == 200
    assert contact_names(browser, "acme") == ["Muster GmbH"]


def test_tokens_are_stored_per_account_and_encrypted(
    browser: httpx.Client, fake: FakeLexoffice, tmp_path: Path
):
    connect(browser, fake, "acme")

    raw = (tmp_path / "tokens.json").read_text()
    assert "acme" in raw
    stored = FileTokenStore(tmp_path / "tokens.json")
    issued = fake.provider.access_tokens  # what the sandbox handed out
    assert not any(token in raw for token in issued)
    assert stored.path.stat().st_mode & 0o077 == 0


# --- configuration ---------------------------------------------------------------------


def test_missing_settings_name_the_variable():
    with pytest.raises(ConfigurationError, match="LEXOFFICE_CLIENT_ID"):
        Settings.from_env({})
    with pytest.raises(ConfigurationError, match="LEXOFFICE_CLIENT_SECRET"):
        Settings.from_env(
            {
                "LEXOFFICE_CLIENT_ID": "id",
                "LEXOFFICE_REDIRECT_URI": "https://shop.example/cb",
                "LEXOFFICE_COOKIE_KEY": COOKIE_KEY,
            }
        )


def test_the_lexoffice_preset_is_the_default(tmp_path: Path):
    settings = Settings.from_env(
        {
            "LEXOFFICE_CLIENT_ID": "id",
            "LEXOFFICE_CLIENT_SECRET": "secret",
            "LEXOFFICE_REDIRECT_URI": "https://shop.example/cb",
            "LEXOFFICE_COOKIE_KEY": COOKIE_KEY,
            "LEXOFFICE_TOKEN_STORE": str(tmp_path / "t.json"),
        }
    )

    assert settings.issuer is None
    assert settings.scopes == ("profile.read", "contacts.read")
    assert settings.api_base == "https://api.lexware.io"
    create_app(settings)  # builds without any network


def test_a_passphrase_is_no_cookie_key(settings: Settings):
    weak = Settings(**{**settings.__dict__, "cookie_key": "correct horse battery staple"})
    with pytest.raises(ConfigurationError, match="LEXOFFICE_COOKIE_KEY"):
        create_app(weak)


def test_the_webhook_key_may_be_a_file(settings: Settings, tmp_path: Path):
    assert settings.webhook_public_key is not None
    pem_file = tmp_path / "lexware.pem"
    pem_file.write_text(settings.webhook_public_key)

    loaded = Settings.from_env(
        {
            "LEXOFFICE_CLIENT_ID": "id",
            "LEXOFFICE_CLIENT_SECRET": "secret",
            "LEXOFFICE_REDIRECT_URI": "https://shop.example/cb",
            "LEXOFFICE_COOKIE_KEY": COOKIE_KEY,
            "LEXOFFICE_WEBHOOK_PUBLIC_KEY": str(pem_file),
        }
    )

    assert loaded.webhook_public_key == settings.webhook_public_key


def test_the_token_store_defaults_to_the_user_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not the working directory (often a repository): tokens and lock files stay out of it.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings.from_env(
        {
            "LEXOFFICE_CLIENT_ID": "c",
            "LEXOFFICE_REDIRECT_URI": "http://127.0.0.1:8000/callback",
            "LEXOFFICE_COOKIE_KEY": base64.urlsafe_b64encode(bytes(range(32))).decode(),
            "LEXOFFICE_ISSUER": "https://id.example.com",
        }
    )
    assert settings.token_store.is_absolute()
    assert settings.token_store.parent == tmp_path / "data" / "lexoffice-auth-web-app"
