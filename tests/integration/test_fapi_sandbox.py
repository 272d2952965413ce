"""Issue 20's must-holds end to end: the SDK against the shipped sandbox's FAPI provider and
API (``FakeLexoffice`` with ``require_par``, ``require_dpop``, ``dpop_nonces``,
``profile="fapi2"``), on asyncio and trio, in virtual time.

The sandbox is the referee (it verifies every assertion and proof); tests/support/
fapi_sandbox.py records its answers. Elsewhere, against the same sandbox:
1,000 concurrent DPoP requests with one refresh and unique proofs, and the DPoP key across
a restart through the file, Redis and encrypted stores (tests/session/test_dpop_source.py);
each PAR, DPoP and assertion detail (tests/oauth/test_fapi_client.py). The same flows
against node oidc-provider: tests/interop/test_oidc_provider.py.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import LexofficeAuth, MemoryTokenStore, OAuthClient, TokenSet
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.errors import (
    AuthorizationDenied,
    ReauthenticationRequired,
    TokenEndpointError,
    Unauthorized,
)
from lexoffice_auth.keys import DPoPKey
from lexoffice_auth.testing import FakeLexoffice

from ..support.fapi_sandbox import REDIRECT, Wire, log_in, sandbox
from ..support.virtual_time import loop_clock, virtual_backend

GATEWAY = "https://gateway.example"


@pytest.fixture(
    params=[virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    return request.param


def _auth(oauth: OAuthClient, fake: FakeLexoffice, *origins: str) -> LexofficeAuth[Any]:
    return LexofficeAuth.from_oauth(
        oauth, "acme", MemoryTokenStore(), api_origins=origins or [fake.api_base]
    )


def _api(auth: LexofficeAuth[Any], http: httpx.AsyncClient, base: str) -> LexofficeClient:
    return LexofficeClient(auth, http_client=http, base_url=base, rate_limit=None)


async def _session(wire: Wire, **options: Any) -> tuple[OAuthClient, LexofficeAuth[Any], TokenSet]:
    oauth = wire.oauth(**options)
    tokens = await log_in(wire.fake, oauth)
    auth = _auth(oauth, wire.fake)
    await auth.source.save(tokens)
    return oauth, auth, tokens


# --- logins ----------------------------------------------------------------------------------


async def test_a_login_with_par() -> None:
    fake = sandbox(require_par=True)
    wire = Wire(fake)
    async with wire.oauth(issuer=fake.issuer, metadata=None) as oauth:  # par=None: discovery
        pending = await oauth.start_login()
        assert set(httpx.URL(pending.authorization_url).params) == {"client_id", "request_uri"}
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
    assert [e.response.status_code for e in wire.at("/par")] == [201]
    assert fake.token_is_live(tokens.access_token.get_secret_value())


async def test_a_par_only_client_fails_without_par() -> None:
    fake = sandbox()
    fake.register_client("par-only", [REDIRECT], require_pushed_authorization_requests=True)
    options: dict[str, Any] = {"client_id": "par-only", "client_key": None, "par": False}
    async with Wire(fake).oauth(**options) as oauth:
        pending = await oauth.start_login()
        callback = fake.approve(pending.authorization_url)
        with pytest.raises(AuthorizationDenied, match="invalid_request") as info:
            await oauth.complete_login(callback, pending)
    assert info.value.error == "invalid_request"
    assert "push the authorization request first" in (info.value.error_description or "")
    assert fake.calls["token"] == 0


async def test_dpop_login_api_call_and_refresh_with_the_same_key_through_nonce_challenges() -> None:
    fake = sandbox(require_dpop=True, dpop_nonces=True)
    wire = Wire(fake)
    _, auth, tokens = await _session(wire, par=True)
    assert tokens.dpop_key is not None and tokens.token_type == "DPoP"
    async with wire.http() as http:
        api = _api(auth, http, fake.api_base)
        assert (await api.profile()).company_name == fake.company_name
        refreshed = await auth.source.refresh()
        await api.profile()
    assert refreshed.dpop_key == tokens.dpop_key
    for token in (tokens, refreshed):
        assert fake.token_jkt(token.access_token.get_secret_value()) == tokens.dpop_key.jkt
    # Each server's nonce was learnt from one challenge, then every proof carried it.
    assert [(path, error) for path, error in wire.refusals] == [
        ("par", "use_dpop_nonce"),
        ("profile", "use_dpop_nonce"),
    ]
    assert fake.token_calls == {"authorization_code": 1, "refresh_token": 1}


async def test_an_expired_dpop_token_is_refreshed_once_through_the_single_flight_path() -> None:
    fake = sandbox(loop_clock(), require_dpop=True, dpop_nonces=True)
    wire = Wire(fake)
    _, auth, tokens = await _session(wire, par=True)
    await anyio.sleep(3600)  # expired, in virtual time
    statuses: list[int] = []

    async def call(http: httpx.AsyncClient) -> None:
        statuses.append((await http.get(f"{fake.api_base}/v1/profile", auth=auth)).status_code)

    async with wire.http() as http, anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(call, http)
    assert statuses == [200] * 50
    assert fake.token_calls["refresh_token"] == 1
    current = auth.source.current
    assert current is not None and current.dpop_key == tokens.dpop_key


async def test_private_key_jwt_login_and_refresh() -> None:
    fake = sandbox()
    wire = Wire(fake)
    async with wire.oauth(dpop=False) as oauth:
        tokens = await log_in(fake, oauth)
        refreshed = await oauth.refresh(tokens)
    assert refreshed.token_type == "Bearer" and refreshed.access_token != tokens.access_token
    assert wire.refusals == []
    assert len(wire.assertions(fake.issuer)) == 2  # verified: key, aud = issuer, iss = sub


async def test_the_fapi2_preset_end_to_end() -> None:
    fake = sandbox(profile="fapi2", dpop_nonces=True)
    wire = Wire(fake)
    oauth = wire.oauth(profile="fapi2", metadata=None, issuer=fake.issuer)
    assert (oauth.config.par, oauth.config.dpop) == (True, True)
    tokens = await log_in(fake, oauth)
    auth = _auth(oauth, fake)
    await auth.source.save(tokens)
    async with wire.http() as http:
        api = _api(auth, http, fake.api_base)
        await api.profile()
        refreshed = await auth.source.refresh()
        await api.profile()
        await oauth.revoke(refreshed)
    assert refreshed.dpop_key == tokens.dpop_key and refreshed.token_type == "DPoP"
    assert not fake.token_is_live(refreshed.access_token.get_secret_value())
    assert {e.response.status_code for e in wire.at("/profile")} == {200, 401}  # nonce once
    # PAR twice (the nonce), code, refresh, and a revocation each for both tokens
    assert len(wire.assertions(fake.issuer)) == 6


# --- refused by the sandbox, reported by the SDK ---------------------------------------------


async def test_a_replayed_proof_is_refused_and_reported() -> None:
    fake = sandbox(require_dpop=True)
    first: dict[str, str] = {}
    replaying = {"/oauth2/token"}

    def replay(request: httpx.Request) -> None:
        # A broken proxy that resends the first proof it saw at an endpoint.
        if "DPoP" in request.headers:
            proof = first.setdefault(request.url.path, request.headers["DPoP"])
            if request.url.path in replaying:
                request.headers["DPoP"] = proof

    wire = Wire(fake, before=replay)
    oauth, auth, tokens = await _session(wire, par=True)
    with pytest.raises(TokenEndpointError) as refused:
        await oauth.refresh(tokens)  # the login's proof again
    assert refused.value.error == "invalid_dpop_proof"
    assert str(refused.value) == (
        "token request failed: invalid_dpop_proof "
        "(the proof was used before (jti replayed)) [HTTP 400]"
    )
    replaying = {"/v1/profile"}
    refreshes = fake.token_calls["refresh_token"]
    async with wire.http() as http:
        api = _api(auth, http, fake.api_base)
        await api.profile()  # the first proof at the API is fresh
        with pytest.raises(Unauthorized) as unauthorized:
            await api.profile()  # refused, sent once more with a new proof, refused again
    # A refused proof is answered by a new proof, never by a refresh (it cannot mend one).
    assert [e.description for e in wire.at("/profile")] == [
        None,
        "the proof was used before (jti replayed)",
        "the proof was used before (jti replayed)",
    ]
    assert fake.token_calls["refresh_token"] == refreshes
    assert str(unauthorized.value) == (
        "GET /v1/profile: HTTP 401: Unauthorized "
        '(DPoP error="invalid_dpop_proof": the proof was used before (jti replayed))'
    )


async def test_a_proof_for_another_url_is_refused_and_reported() -> None:
    fake = sandbox(require_dpop=True)

    def gateway(request: httpx.Request) -> httpx.Request | None:
        # A gateway that forwards to the API: the proof names the gateway's URL.
        if request.url.host != httpx.URL(GATEWAY).host:
            return None
        url = fake.api_base + request.url.raw_path.decode()
        return httpx.Request(request.method, url, headers=request.headers)

    wire = Wire(fake, before=gateway)
    oauth = wire.oauth(par=True)
    auth = _auth(oauth, fake, GATEWAY)
    await auth.source.save(await log_in(fake, oauth))
    async with wire.http() as http:
        with pytest.raises(Unauthorized) as refused:
            await _api(auth, http, GATEWAY).profile()
    assert refused.value.status_code == 401
    assert str(refused.value) == (
        "GET /v1/profile: HTTP 401: Unauthorized "
        '(DPoP error="invalid_dpop_proof": htu does not match the request\'s URL)'
    )


async def test_a_nonce_from_another_origin_is_refused_and_answered_with_the_right_one() -> None:
    fake = sandbox(dpop_nonces=True)

    def leaky(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        # A gateway that hands the API's clients the provider's nonce.
        if request.url.host != httpx.URL(fake.api_base).host or response.status_code != 200:
            return None
        headers = {**response.headers, "DPoP-Nonce": fake.dpop_nonce("provider")}
        return httpx.Response(200, headers=headers, content=response.content)

    wire = Wire(fake, after=leaky)
    _, auth, _ = await _session(wire, par=True)
    async with wire.http() as http:
        api = _api(auth, http, fake.api_base)
        await api.profile()
        await api.profile()  # with the provider's nonce: refused, retried with the API's
    refused = [e for e in wire.at("/profile") if e.error]
    assert [e.description for e in refused][-1] == (
        "the nonce was issued by another server; use this one's DPoP-Nonce"
    )
    (_, foreign), (_, answered) = wire.proofs("/profile")[-2:]
    assert foreign["nonce"] == fake.dpop_nonce("provider")
    assert answered["nonce"] == fake.dpop_nonce("api")
    assert fake.token_calls["refresh_token"] == 0  # a nonce challenge is no reason to refresh


async def test_a_token_bound_to_another_key_is_refused_and_reported() -> None:
    fake = sandbox()
    wire = Wire(fake)
    # A public client: its refresh token is bound to the key too (RFC 9449 §5).
    oauth = wire.oauth(par=True, client_id="sandbox-client", client_key=None)
    tokens = await log_in(fake, oauth)
    stolen = tokens.model_validate({**tokens.to_dict(), "dpop_jwk": DPoPKey.generate().to_jwk()})
    thief = _auth(oauth, fake)
    await thief.source.save(stolen)
    async with wire.http() as http:
        with pytest.raises(ReauthenticationRequired) as refused:
            await _api(thief, http, fake.api_base).profile()
    assert str(refused.value) == (
        "the provider answered invalid_grant (the refresh token is bound to another DPoP key); "
        "log in again for account 'acme'"
    )
    assert isinstance(refused.value.__cause__, TokenEndpointError)
    assert [(e.error, e.description) for e in wire.exchanges[-2:]] == [
        ("invalid_token", "the token is not bound to the proof's key"),
        ("invalid_grant", "the refresh token is bound to another DPoP key"),
    ]
    assert fake.token_is_live(tokens.access_token.get_secret_value())  # the owner's still works
