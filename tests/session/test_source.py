"""Token sources compose: a static key, the refreshing source, and a source of one's own."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from lexoffice_auth import (
    ApiKeyAuth,
    LexofficeAuth,
    OAuthClient,
    RefreshingTokenSource,
    StaticTokenSource,
    TokenSet,
    TokenSource,
)
from lexoffice_auth.errors import ApiKeyRejected, ConfigurationError, ReauthenticationRequired
from lexoffice_auth.presets import lexoffice_partner_metadata
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeClock

API = "https://api.lexware.io"


class NonceBoundSource:
    """A stand-in for a sender-constrained (DPoP, RFC 9449) source.

    It signs each request's method and URL into a proof header and answers the server's
    nonce challenge by learning the nonce and asking for one retry. It needs nothing but
    the TokenSource protocol: the point of this test.
    """

    def __init__(self) -> None:
        self.nonce = ""

    async def authorize(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = "DPoP bound-token"
        material = f"{request.method} {request.url} {self.nonce}".encode()
        request.headers["DPoP"] = hashlib.sha256(material).hexdigest()

    async def rejected(self, request: httpx.Request, response: httpx.Response) -> bool:
        nonce = response.headers.get("DPoP-Nonce")
        if nonce is None or nonce == self.nonce:
            return False
        self.nonce = nonce
        return True


async def test_a_source_of_ones_own_gets_method_url_and_one_retry_on_a_challenge() -> None:
    source = NonceBoundSource()
    assert isinstance(source, TokenSource)
    seen: list[tuple[str, str]] = []

    def api(request: httpx.Request) -> httpx.Response:
        proof = request.headers["DPoP"]
        seen.append((request.headers["Authorization"], proof))
        expected = hashlib.sha256(f"POST {request.url} server-nonce-1".encode()).hexdigest()
        if proof != expected:
            return httpx.Response(401, headers={"DPoP-Nonce": "server-nonce-1"})
        return httpx.Response(201)

    auth = LexofficeAuth(source)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api), auth=auth) as http:
        response = await http.post(f"{API}/v1/contacts", json={"name": "x"})
    assert response.status_code == 201
    assert len(seen) == 2  # the challenge, then the retry with a proof over the nonce
    assert seen[0][1] != seen[1][1]


async def test_a_source_that_declines_gives_the_401_back_without_a_retry() -> None:
    source = NonceBoundSource()
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(401)  # no nonce: nothing the source can do

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(api), auth=LexofficeAuth(source)
    ) as http:
        assert (await http.get(f"{API}/v1/profile")).status_code == 401
    assert calls == 1


def test_static_source_refuses_a_key_with_its_bearer_prefix() -> None:
    with pytest.raises(ConfigurationError, match="Bearer") as info:
        StaticTokenSource("Bearer abc123")
    assert "abc123" not in str(info.value)
    with pytest.raises(ConfigurationError, match="Bearer"):
        ApiKeyAuth("bearer abc123")


def test_static_source_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEXOFFICE_API_KEY", "  key-from-env ")
    auth = ApiKeyAuth()
    request = httpx.Request("GET", f"{API}/v1/ping")
    next(auth.sync_auth_flow(request))
    assert request.headers["Authorization"] == "Bearer key-from-env"
    monkeypatch.delenv("LEXOFFICE_API_KEY")
    with pytest.raises(ConfigurationError, match="LEXOFFICE_API_KEY"):
        ApiKeyAuth()


async def test_api_key_rejection_means_reauthentication() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(401)), auth=ApiKeyAuth("k")
    ) as http:
        with pytest.raises(ReauthenticationRequired) as info:
            await http.get(f"{API}/v1/ping")
    assert isinstance(info.value, ApiKeyRejected)


async def test_from_oauth_builds_a_refreshing_source_on_the_clients_clock() -> None:
    clock = FakeClock()
    oauth = OAuthClient.lexoffice_partner(
        "id", "secret", "https://shop.example/cb", scopes=["contacts.read"], clock=clock
    )
    store = MemoryTokenStore()
    auth = LexofficeAuth.from_oauth(oauth, "acme", store, api_origins=[API])
    source = auth.source
    assert isinstance(source, RefreshingTokenSource)
    assert (source.account_key, source.store) == ("acme", store)
    await source.save(TokenSet(access_token="at-1", expires_at=clock() + 3600))
    clock.advance(3600)  # past expiry on the client's clock, not the wall clock
    with pytest.raises(ReauthenticationRequired):  # no refresh token: log in again
        await source.access_token()
    assert oauth.issuer == lexoffice_partner_metadata().issuer
