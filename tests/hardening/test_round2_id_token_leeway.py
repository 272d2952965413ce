"""Round 2, item 18: the id_token clock-skew allowance is small, and max age is separate.

0.2.0 accepted an id_token issued five minutes in the future (a 300 s leeway). The
default skew allowance is now 60 s; how old a token may be (``iat``) is its own setting.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from lexoffice_auth import OAuthClient
from lexoffice_auth._oauth.idtoken import IdTokenVerifier
from lexoffice_auth.errors import ConfigurationError, IdTokenError
from lexoffice_auth.testing import FakeClock

from ..support.jwt_helpers import (
    ACCESS_TOKEN,
    CLIENT_ID,
    JWKS_URI,
    NONCE,
    NOW,
    claims,
    jwks,
    metadata,
    rsa_key,
)

RSA = rsa_key("rsa-1")

pytest_plugins = ["tests.support.jwt_fixtures"]


@pytest.fixture
def jwks_route(router: respx.MockRouter) -> respx.Route:
    return router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(RSA)))


async def verify(v: IdTokenVerifier, token: str) -> Any:
    return await v.verify(token, metadata(), nonce=NONCE, access_token=ACCESS_TOKEN)


async def check_of(v: IdTokenVerifier, token: str) -> str:
    with pytest.raises(IdTokenError) as info:
        await verify(v, token)
    return info.value.check


async def test_a_token_issued_minutes_in_the_future_is_refused_by_default(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    assert verifier.leeway <= 120
    for ahead in (150, 250, 299):
        assert await check_of(verifier, RSA.sign(claims(iat=int(NOW) + ahead))) == "iat"
    # Within the skew allowance: a provider clock a little ahead still works.
    await verify(verifier, RSA.sign(claims(iat=int(NOW) + 30)))


async def test_an_expired_token_gets_only_the_skew_allowance(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    token = RSA.sign(claims(iat=int(NOW) - 600, exp=int(NOW) - 150))
    assert await check_of(verifier, token) == "exp"


def test_the_oauth_client_defaults_are_small() -> None:
    oauth = OAuthClient(CLIENT_ID, "http://127.0.0.1/callback", metadata=metadata())
    assert oauth.config.id_token_leeway <= 120
    assert oauth.config.id_token_max_age is None


async def test_max_age_bounds_how_old_a_token_may_be(
    http: httpx.AsyncClient, clock: FakeClock, jwks_route: respx.Route
) -> None:
    v = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock, max_age=600)
    await verify(v, RSA.sign(claims(iat=int(NOW) - 500)))
    old = RSA.sign(claims(iat=int(NOW) - 700, exp=int(NOW) + 3600))
    assert await check_of(v, old) == "iat"


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "60", True])
async def test_bad_leeway_or_max_age_is_a_configuration_error(
    bad: Any, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ConfigurationError):
        IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=FakeClock(), max_age=bad)
    with pytest.raises(ConfigurationError):
        OAuthClient(
            CLIENT_ID, "http://127.0.0.1/callback", metadata=metadata(), id_token_leeway=bad
        )
