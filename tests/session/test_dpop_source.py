"""DPoP-bound tokens through RefreshingTokenSource and LexofficeAuth: a fresh proof per
request, nonce challenges, refresh through the single-flight path, stores across restarts.

The resource server is tests/support/fapi_provider.py: it verifies each proof (signature,
htm, htu, jti never seen before, ath) and that its key is the one the token is bound to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import LexofficeAuth, MemoryTokenStore, OAuthClient, TokenSet
from lexoffice_auth._oauth.dpop import DPoPKey
from lexoffice_auth.errors import TokenEndpointError
from lexoffice_auth.stores import EncryptedTokenStore, FileTokenStore, RedisTokenStore, TokenStore

from ..support.fapi_provider import API, ISSUER, FapiProvider
from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401
from ..support.refresh_sandbox import frozen_clock
from ..support.virtual_time import loop_clock, virtual_backend

PROFILE = f"{API}/v1/profile"


async def _logged_in(
    provider: FapiProvider, store: TokenStore | None = None, **options: Any
) -> tuple[OAuthClient, LexofficeAuth[Any], TokenSet]:
    oauth = provider.oauth(par=True, **options)
    pending = await oauth.start_login()
    tokens = await oauth.complete_login(provider.approve(pending.authorization_url), pending)
    auth = LexofficeAuth.from_oauth(
        oauth, "acme", store or MemoryTokenStore(), api_origins=[API, ISSUER]
    )
    await auth.source.save(tokens)
    return oauth, auth, tokens


def _resource_proofs(provider: FapiProvider) -> list[dict[str, Any]]:
    return [claims for path, claims in provider.proofs if path in ("/v1/profile", "/userinfo")]


async def test_each_request_carries_the_token_as_dpop_and_a_fresh_proof() -> None:
    provider = FapiProvider(frozen_clock())
    _oauth, auth, tokens = await _logged_in(provider)
    async with provider.http() as http:
        for page in range(3):
            response = await http.get(PROFILE, params={"page": page}, auth=auth)
            assert response.status_code == 200
    sent = [r for r in provider.requests if r.url.path == "/v1/profile"]
    token = tokens.access_token.get_secret_value()
    assert {r.headers["Authorization"] for r in sent} == {f"DPoP {token}"}
    proofs = _resource_proofs(provider)
    assert len({claims["jti"] for claims in proofs}) == 3
    assert {claims["htu"] for claims in proofs} == {PROFILE}  # no query
    assert {claims["htm"] for claims in proofs} == {"GET"}
    assert all("ath" in claims for claims in proofs)  # checked against the token


async def test_a_bearer_token_goes_without_a_proof() -> None:
    provider = FapiProvider(frozen_clock(), require_dpop=False)
    _oauth, auth, tokens = await _logged_in(provider, dpop=False)
    assert tokens.token_type == "Bearer" and tokens.dpop_key is None
    async with provider.http() as http:
        assert (await http.get(PROFILE, auth=auth)).status_code == 200
    (sent,) = [r for r in provider.requests if r.url.path == "/v1/profile"]
    assert sent.headers["Authorization"].startswith("Bearer ") and "DPoP" not in sent.headers


async def test_a_nonce_challenge_at_the_resource_is_answered_once_without_a_refresh() -> None:
    provider = FapiProvider(frozen_clock(), require_rs_nonce=True)
    _oauth, auth, _ = await _logged_in(provider)
    calls = provider.token_calls
    async with provider.http() as http:
        assert (await http.get(PROFILE, auth=auth)).status_code == 200
        assert (await http.get(PROFILE, auth=auth)).status_code == 200  # nonce known now
        provider.rotate_nonce()
        assert (await http.get(PROFILE, auth=auth)).status_code == 200
    assert provider.token_calls == calls
    refused = [error for path, error in provider.refusals if path == "/v1/profile"]
    assert refused == ["use_dpop_nonce", "use_dpop_nonce"]  # the first call, and the rotation
    assert [claims.get("nonce") is not None for claims in _resource_proofs(provider)] == [
        False,
        True,
        True,
        True,
        True,
    ]


async def test_a_nonce_is_only_offered_back_to_the_origin_that_sent_it() -> None:
    provider = FapiProvider(frozen_clock(), require_rs_nonce=True)
    _oauth, auth, _ = await _logged_in(provider)
    async with provider.http() as http:
        assert (await http.get(PROFILE, auth=auth)).status_code == 200
        assert (await http.get(f"{ISSUER}/userinfo", auth=auth)).status_code == 200
    first_at_issuer = next(c for p, c in provider.proofs if p == "/userinfo")
    assert "nonce" not in first_at_issuer  # the API's nonce stays with the API


async def test_an_expired_dpop_token_is_refreshed_once_with_the_same_key() -> None:
    provider = FapiProvider(frozen_clock())
    _oauth, auth, tokens = await _logged_in(provider)
    provider.access[tokens.access_token.get_secret_value()].expires_at = 0  # revoked early
    calls = provider.token_calls
    async with provider.http() as http:
        assert (await http.get(PROFILE, auth=auth)).status_code == 200
    assert provider.token_calls == calls + 1
    current = auth.source.current
    assert current is not None and current.dpop_key == tokens.dpop_key
    assert current.access_token != tokens.access_token


async def test_a_token_bound_to_another_key_is_reported_clearly() -> None:
    provider = FapiProvider(frozen_clock())
    oauth, _auth, tokens = await _logged_in(provider)
    stolen = tokens.model_validate({**tokens.to_dict(), "dpop_jwk": DPoPKey.generate().to_jwk()})
    store = MemoryTokenStore()
    await store.save("acme", stolen)
    thief = LexofficeAuth.from_oauth(oauth, "acme", store, api_origins=[API])
    async with provider.http() as http:
        with pytest.raises(TokenEndpointError) as info:
            await http.get(PROFILE, auth=thief)
    assert info.value.error == "invalid_dpop_proof"
    assert ("/v1/profile", "invalid_token") in provider.refusals  # the API refused it first


@pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
async def test_1000_concurrent_dpop_requests_refresh_once_with_unique_proofs() -> None:
    provider = FapiProvider(loop_clock())
    _oauth, auth, _tokens = await _logged_in(provider)
    await anyio.sleep(3600)  # the access token expires, in virtual time
    calls = provider.token_calls
    statuses: list[int] = []

    async def call(http: httpx.AsyncClient) -> None:
        statuses.append((await http.get(PROFILE, auth=auth)).status_code)

    async with provider.http() as http, anyio.create_task_group() as tg:
        for _ in range(1000):
            tg.start_soon(call, http)
    assert statuses == [200] * 1000
    assert provider.token_calls == calls + 1
    jtis = [claims["jti"] for claims in _resource_proofs(provider)]
    assert len(jtis) == 1000 and len(set(jtis)) == 1000


# --- the key across a restart, in every store ---------------------------------------------------


def _stores(kind: str, tmp_path: Path, redis_url: str | None) -> TokenStore:
    """A new handle on the same storage, as a restarted process builds it."""
    if kind == "file":
        return FileTokenStore(tmp_path / "tokens.json")
    if kind == "redis":
        assert redis_url is not None
        return RedisTokenStore(url=redis_url, prefix=f"dpop-{tmp_path.name}")
    return EncryptedTokenStore(FileTokenStore(tmp_path / "sealed.json"), [b"k" * 32])


@pytest.mark.parametrize("kind", ["file", "redis", "encrypted"])
async def test_the_dpop_key_survives_a_restart_and_the_refresh_after_it_uses_it(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("redis_server").url if kind == "redis" else None
    clock = frozen_clock()
    provider = FapiProvider(clock)
    _, _, tokens = await _logged_in(provider, _stores(kind, tmp_path, redis_url))
    assert tokens.dpop_key is not None
    if kind == "encrypted":
        raw = (tmp_path / "sealed.json").read_text()
        assert tokens.dpop_key.to_jwk()["d"] not in raw  # encrypted where the store encrypts

    clock.advance(7200)  # the process was down; the access token expired meanwhile
    restarted = _stores(kind, tmp_path, redis_url)
    oauth = provider.oauth(par=True)  # a new client: nothing of the old one in memory
    auth = LexofficeAuth.from_oauth(oauth, "acme", restarted, api_origins=[API])
    async with provider.http() as http:
        assert (await http.get(PROFILE, auth=auth)).status_code == 200
    # The refresh token is bound to the key: the provider checked the proof's jkt.
    assert [path for path, _ in provider.proofs].count("/token") == 2  # login, refresh
    assert provider.refusals == []
    current = auth.source.current
    assert current is not None and current.dpop_key == tokens.dpop_key
    stored = await restarted.load("acme")
    assert stored is not None and stored.dpop_key == tokens.dpop_key
    if isinstance(restarted, RedisTokenStore):
        await restarted.aclose()
