"""Bad input at every public entry point of the login core: a typed error, never a crash."""

from __future__ import annotations

import base64
import gzip
import json
import math

import httpx
import pytest
import respx

from lexoffice_auth import OAuthClient, PendingLogin, ProviderMetadata, TokenSet
from lexoffice_auth._oauth.login import build_login
from lexoffice_auth._oauth.metadata import parse_discovery_document
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import ConfigurationError, DiscoveryError, NetworkError, TokenStoreError
from tests.support.expect import ANY, raises_login, raises_token

from ..support.oauth_helpers import CLIENT_ID, ISSUER, REDIRECT, discovery_doc, token_body

DEEP = "[" * 100_000 + "]" * 100_000
WELL_KNOWN = f"{ISSUER}/.well-known/openid-configuration"
META = ProviderMetadata.model_validate(discovery_doc())


def test_deeply_nested_json_is_a_typed_error() -> None:
    with pytest.raises(TokenStoreError):
        TokenSet.from_json(DEEP)
    with raises_login("pending"):
        PendingLogin.from_json(DEEP)
    with raises_token(None):
        parse_token_response(200, DEEP.encode(), now=0)
    with raises_token(None):
        parse_token_response(400, DEEP.encode(), now=0)
    with pytest.raises(DiscoveryError):
        parse_discovery_document(DEEP.encode(), ISSUER)


@pytest.mark.parametrize("value", [None, 5, {"access_token": "x"}])
def test_from_json_wrong_type(value: object) -> None:
    with pytest.raises(TokenStoreError):
        TokenSet.from_json(value)  # type: ignore[arg-type]
    with raises_login("pending"):
        PendingLogin.from_json(value)  # type: ignore[arg-type]


def test_non_finite_and_empty_secrets_in_stored_values() -> None:
    pending = build_login(META, client_id="c", redirect_uri=REDIRECT, scopes=("openid",), now=0)
    data = json.loads(pending.to_json())
    for field, value in [("expires_at", math.nan), ("expires_at", math.inf), ("state", "")]:
        broken = json.dumps({**data, field: value})
        with raises_login("pending", match=field):
            PendingLogin.from_json(broken)
    with pytest.raises(TokenStoreError, match="expires_at"):
        TokenSet.from_json('{"access_token": "a", "expires_at": NaN}')


@pytest.mark.parametrize(
    "kwargs",
    [
        {"login_lifetime": "x"},
        {"login_lifetime": math.nan},
        {"timeout": None},
        {"timeout": 0},
        {"metadata_ttl": -1},
        {"id_token_leeway": None},
        {"scopes": None},
        {"scopes": "openid email"},
        {"scopes": ["openid", ""]},
        {"scopes": ["open id"]},
        {"scopes": [1]},
        {"client_secret": 42},
        {"clock": "now"},
        {"redirect_uri": "http://[::1"},
        {"redirect_uri": None},
        {"basic_auth_encoding": "latin1"},
    ],
)
def test_bad_client_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "issuer": ISSUER}
    args.update(kwargs)
    with pytest.raises(ConfigurationError):
        OAuthClient(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "issuer",
    [
        "https://user:pw@id.example.com",
        "https://id.example.com ",
        " https://id.example.com",
        "https://id.exa mple.com",
        "https://id.example.com:99999",
        "https://id.example.com/\n",
    ],
)
def test_suspicious_issuers_refused_without_echoing_credentials(issuer: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        OAuthClient(CLIENT_ID, REDIRECT, issuer=issuer)
    assert "pw" not in str(info.value)


def test_metadata_as_mapping() -> None:
    oauth = OAuthClient(CLIENT_ID, REDIRECT, metadata=discovery_doc())  # type: ignore[arg-type]
    assert oauth.issuer == ISSUER
    with pytest.raises(ConfigurationError, match="token_endpoint"):
        OAuthClient(CLIENT_ID, REDIRECT, metadata={"issuer": ISSUER})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        OAuthClient(CLIENT_ID, REDIRECT, metadata="https://id.example.com")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        OAuthClient.lexoffice_partner("i", "s", REDIRECT, scopes=["a"], app_base_url=None)  # type: ignore[arg-type]


async def test_start_login_scopes_checked() -> None:
    async with OAuthClient(CLIENT_ID, REDIRECT, metadata=META) as oauth:
        with pytest.raises(ConfigurationError):
            await oauth.start_login(scopes="openid")


def _gzip_garbage() -> httpx.Response:
    body = httpx.ByteStream(b"not gzip at all")
    return httpx.Response(200, headers={"content-encoding": "gzip"}, stream=body)


async def test_undecodable_responses_are_typed_errors() -> None:
    with respx.mock() as router:
        router.get(WELL_KNOWN).mock(return_value=_gzip_garbage())
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            with pytest.raises(DiscoveryError, match="DecodingError"):
                await oauth.metadata()
    with respx.mock() as router:
        router.post(f"{ISSUER}/token").mock(return_value=_gzip_garbage())
        async with OAuthClient(CLIENT_ID, REDIRECT, metadata=META) as oauth:
            with pytest.raises(NetworkError):
                await oauth.refresh(TokenSet(access_token="a", refresh_token="r"))


async def test_oversized_responses_are_refused() -> None:
    huge = b" " * (2 << 20)
    with respx.mock() as router:
        router.get(WELL_KNOWN).respond(200, content=huge)
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            with pytest.raises(DiscoveryError, match="larger than"):
                await oauth.metadata()
    with respx.mock() as router:
        router.post(f"{ISSUER}/token").respond(200, content=huge)
        async with OAuthClient(CLIENT_ID, REDIRECT, metadata=META) as oauth:
            with raises_token(None, match="larger than"):
                await oauth.refresh(TokenSet(access_token="a", refresh_token="r"))


async def test_gzip_encoded_response_still_works() -> None:
    # The size limit applies to decoded bytes; a normal compressed response must pass.
    with respx.mock() as router:
        router.post(f"{ISSUER}/token").respond(
            200, headers={"content-encoding": "gzip"}, content=gzip.compress(token_body())
        )
        async with OAuthClient(CLIENT_ID, REDIRECT, metadata=META) as oauth:
            tokens = await oauth.refresh(TokenSet(access_token="a", refresh_token="r"))
    assert tokens.access_token.get_secret_value() == "AT-1"


async def test_discovery_redirect_with_invalid_port() -> None:
    with respx.mock() as router:
        router.get(WELL_KNOWN).respond(302, headers={"location": "https://id.example.com:99999/x"})
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            with pytest.raises(DiscoveryError, match="Location"):
                await oauth.metadata()


def test_slow_down_429_is_transient() -> None:
    with raises_token(ANY) as info:
        parse_token_response(429, b'{"error": "slow_down"}', now=0)
    assert info.value.transient is True


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("form", "id%3A1:s%2Bc%2Fr%3De"), ("raw", "id:1:s+c/r=e")],
)
async def test_basic_auth_encoding(encoding: str, expected: str) -> None:
    with respx.mock() as router:
        route = router.post(f"{ISSUER}/token").respond(200, content=token_body())
        oauth = OAuthClient(
            "id:1",
            REDIRECT,
            metadata=META,
            client_secret="s+c/r=e",
            basic_auth_encoding=encoding,  # type: ignore[arg-type]
        )
        async with oauth:
            await oauth.refresh(TokenSet(access_token="a", refresh_token="r"))
    sent = route.calls[0].request.headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(sent).decode() == expected


async def test_lexoffice_preset_sends_raw_basic_credentials() -> None:
    with respx.mock() as router:
        route = router.post("https://app.lexoffice.de/api/oauth2/token").respond(
            200, content=token_body()
        )
        oauth = OAuthClient.lexoffice_partner("pid", "a+b/c=", REDIRECT, scopes=["contacts.read"])
        async with oauth:
            await oauth.refresh(TokenSet(access_token="a", refresh_token="r"))
    sent = route.calls[0].request.headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(sent).decode() == "pid:a+b/c="


async def test_a_trickling_token_endpoint_cannot_hold_a_refresh() -> None:
    import time

    import anyio
    from anyio.abc import SocketStream

    async def trickle(stream: SocketStream) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        await stream.send(head)
        with anyio.move_on_after(10):
            while True:
                await stream.send(b" ")
                await anyio.sleep(0.2)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    base = f"http://127.0.0.1:{port}"
    meta = ProviderMetadata(
        issuer=base, authorization_endpoint=f"{base}/a", token_endpoint=f"{base}/token"
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, trickle)
        async with OAuthClient(CLIENT_ID, REDIRECT, metadata=meta, timeout=1.0) as oauth:
            started = time.monotonic()
            with pytest.raises(NetworkError, match="timed out"):
                await oauth.refresh(TokenSet(access_token="a", refresh_token="r"))
            assert time.monotonic() - started < 3.0
        tg.cancel_scope.cancel()


@pytest.mark.parametrize(
    "stored",
    [
        '{"access_token": "a", "refresh_token": ""}',
        '{"access_token": "a", "id_token": ""}',
        '{"access_token": "a\\r\\nX-Evil: 1"}',
        '{"access_token": "a b"}',
    ],
)
def test_stored_tokens_must_be_header_safe(stored: str) -> None:
    with pytest.raises(TokenStoreError):
        TokenSet.from_json(stored)


def test_token_response_with_header_injection_refused() -> None:
    body = json.dumps({"access_token": "a\r\nX-Evil: 1", "token_type": "Bearer"}).encode()
    with raises_token(None) as info:
        parse_token_response(200, body, now=0)
    assert "X-Evil" not in str(info.value)


def test_more_bad_urls() -> None:
    with pytest.raises(ConfigurationError, match="query"):
        OAuthClient(CLIENT_ID, REDIRECT, issuer="https://id.example.com?tenant=1")
    with pytest.raises(ConfigurationError, match="control"):
        OAuthClient(CLIENT_ID, "com.example.app:/cb\r\nx", issuer=ISSUER)
    with pytest.raises(ConfigurationError, match="scope_param"):
        OAuthClient.lexoffice_partner("i", "s", REDIRECT, scopes=["a"], scope_param="scope")


def test_verifier_with_trailing_newline_refused() -> None:
    from lexoffice_auth._oauth.pkce import code_challenge

    with pytest.raises(ConfigurationError):
        code_challenge("a" * 43 + "\n")
