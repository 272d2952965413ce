"""DPoP-bound tokens through RefreshingTokenSource and LexofficeAuth: a fresh proof per
request, nonce challenges, refresh through the single-flight path, stores across restarts.

The resource server is the shipped sandbox's API (``FakeLexoffice``): it verifies each
proof (signature, htm, htu, a jti never seen before, ath, the nonce) and that its key is
the one the token is bound to (``cnf.jkt``); tests/support/fapi_sandbox.py records its
answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import LexofficeAuth, MemoryTokenStore, OAuthClient, TokenSet
from lexoffice_auth.stores import EncryptedTokenStore, FileTokenStore, RedisTokenStore, TokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..support.fapi_sandbox import Wire, log_in, sandbox
from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401
from ..support.virtual_time import loop_clock, virtual_backend


def _profile(fake: FakeLexoffice) -> str:
    return f"{fake.api_base}/v1/profile"


async def _logged_in(
    wire: Wire, store: TokenStore | None = None, **options: Any
) -> tuple[OAuthClient, LexofficeAuth[Any], TokenSet]:
    fake = wire.fake
    oauth = wire.oauth(par=True, **options)
    tokens = await log_in(fake, oauth)
    auth = LexofficeAuth.from_oauth(
        oauth, "acme", store or MemoryTokenStore(), api_origins=[fake.api_base, fake.issuer]
    )
    await auth.source.save(tokens)
    return oauth, auth, tokens


async def test_each_request_carries_the_token_as_dpop_and_a_fresh_proof() -> None:
    wire = Wire(sandbox(require_dpop=True))
    _oauth, auth, tokens = await _logged_in(wire)
    profile = _profile(wire.fake)
    async with wire.http() as http:
        for page in range(3):
            response = await http.get(profile, params={"page": page}, auth=auth)
            assert response.status_code == 200
    sent = [e.request for e in wire.at("/v1/profile")]
    token = tokens.access_token.get_secret_value()
    assert {r.headers["Authorization"] for r in sent} == {f"DPoP {token}"}
    proofs = [claims for _, claims in wire.proofs("/v1/profile")]
    assert len({claims["jti"] for claims in proofs}) == 3
    assert {claims["htu"] for claims in proofs} == {profile}  # no query
    assert {claims["htm"] for claims in proofs} == {"GET"}
    assert all("ath" in claims for claims in proofs)  # the sandbox checked it against the token


async def test_a_bearer_token_goes_without_a_proof() -> None:
    wire = Wire(sandbox())
    _oauth, auth, tokens = await _logged_in(wire, dpop=False)
    assert tokens.token_type == "Bearer" and tokens.dpop_key is None
    async with wire.http() as http:
        assert (await http.get(_profile(wire.fake), auth=auth)).status_code == 200
    (sent,) = [e.request for e in wire.at("/v1/profile")]
    assert sent.headers["Authorization"].startswith("Bearer ") and "DPoP" not in sent.headers


async def test_a_nonce_challenge_at_the_resource_is_answered_once_without_a_refresh() -> None:
    fake = sandbox(dpop_nonces=True)
    wire = Wire(fake)
    _oauth, auth, _ = await _logged_in(wire)
    calls = fake.calls["token"]
    async with wire.http() as http:
        assert (await http.get(_profile(fake), auth=auth)).status_code == 200
        assert (await http.get(_profile(fake), auth=auth)).status_code == 200  # nonce known now
        fake.rotate_dpop_nonces()
        assert (await http.get(_profile(fake), auth=auth)).status_code == 200
    assert fake.calls["token"] == calls
    refused = [e.error for e in wire.at("/v1/profile") if e.error]
    assert refused == ["use_dpop_nonce", "use_dpop_nonce"]  # the first call, and the rotation
    nonces = [claims.get("nonce") for _, claims in wire.proofs("/v1/profile")]
    assert [nonce is not None for nonce in nonces] == [False, True, True, True, True]
    assert nonces[-1] == fake.dpop_nonce("api")


async def test_a_nonce_is_only_offered_back_to_the_origin_that_sent_it() -> None:
    fake = sandbox(dpop_nonces=True)
    wire = Wire(fake)
    _oauth, auth, _ = await _logged_in(wire, scopes=("openid", "profile.read"))
    async with wire.http() as http:
        assert (await http.get(_profile(fake), auth=auth)).status_code == 200
        assert (await http.get(f"{fake.issuer}/oauth2/userinfo", auth=auth)).status_code == 200
    (_, first), (_, retried) = wire.proofs("/userinfo")
    assert "nonce" not in first  # the API's nonce stays with the API
    assert [e.error for e in wire.at("/userinfo")] == ["use_dpop_nonce", None]
    assert retried["nonce"] == fake.dpop_nonce("provider") != fake.dpop_nonce("api")


async def test_an_expired_dpop_token_is_refreshed_once_with_the_same_key() -> None:
    fake = sandbox()
    wire = Wire(fake)
    _oauth, auth, tokens = await _logged_in(wire)
    fake.revoke_access_tokens([tokens.access_token.get_secret_value()])  # dead before its time
    calls = fake.calls["token"]
    async with wire.http() as http:
        assert (await http.get(_profile(fake), auth=auth)).status_code == 200
    assert fake.calls["token"] == calls + 1
    current = auth.source.current
    assert current is not None and current.dpop_key == tokens.dpop_key
    assert current.access_token != tokens.access_token
    assert tokens.dpop_key is not None
    assert fake.token_jkt(current.access_token.get_secret_value()) == tokens.dpop_key.jkt


@pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
async def test_1000_concurrent_dpop_requests_refresh_once_with_unique_proofs() -> None:
    fake = sandbox(loop_clock())
    wire = Wire(fake)
    _oauth, auth, _tokens = await _logged_in(wire)
    await anyio.sleep(3600)  # the access token expires, in virtual time
    calls = fake.token_calls["refresh_token"]
    statuses: list[int] = []

    async def call(http: httpx.AsyncClient) -> None:
        statuses.append((await http.get(_profile(fake), auth=auth)).status_code)

    async with wire.http() as http, anyio.create_task_group() as tg:
        for _ in range(1000):
            tg.start_soon(call, http)
    assert statuses == [200] * 1000
    assert fake.token_calls["refresh_token"] == calls + 1
    # Each 200 is a proof the sandbox verified (it refuses a replayed jti); the jtis are
    # read here once more, without verifying the signatures a second time.
    jtis = [claims["jti"] for _, claims in wire.proofs("/v1/profile", verify=False)]
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
    # A public client: its refresh token is bound to the DPoP key (RFC 9449 §5), so the
    # sandbox refuses a refresh by any other key.
    fake = sandbox()
    wire = Wire(fake)
    options: dict[str, Any] = {"client_id": "sandbox-client", "client_key": None}
    _, _, tokens = await _logged_in(wire, _stores(kind, tmp_path, redis_url), **options)
    assert tokens.dpop_key is not None and tokens.refresh_token is not None
    assert fake.token_jkt(tokens.refresh_token.get_secret_value()) == tokens.dpop_key.jkt
    if kind == "encrypted":
        raw = (tmp_path / "sealed.json").read_text()
        assert tokens.dpop_key.to_jwk()["d"] not in raw  # encrypted where the store encrypts

    fake.advance(7200)  # the process was down; the access token expired meanwhile
    restarted = _stores(kind, tmp_path, redis_url)
    oauth = wire.oauth(par=True, **options)  # a new client: nothing of the old one in memory
    auth = LexofficeAuth.from_oauth(oauth, "acme", restarted, api_origins=[fake.api_base])
    async with wire.http() as http:
        assert (await http.get(_profile(fake), auth=auth)).status_code == 200
    assert fake.token_calls["refresh_token"] == 1
    assert wire.refusals == []  # the sandbox took the refresh: the proof's key is the bound one
    current = auth.source.current
    assert current is not None and current.dpop_key == tokens.dpop_key
    stored = await restarted.load("acme")
    assert stored is not None and stored.dpop_key == tokens.dpop_key
    if isinstance(restarted, RedisTokenStore):
        await restarted.aclose()
