"""``FakeLexoffice(profile="fapi2")``: PAR, PKCE S256, DPoP and private_key_jwt, nothing less."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import (
    BANK,
    PUBLIC_CLIENT,
    REDIRECT,
    Key,
    assertion_form,
    authorization_params,
    callback,
    exchange,
    register_bank,
    token_url,
)


@pytest.fixture
def fake(clock: FakeClock) -> FakeLexoffice:
    return FakeLexoffice(clock=clock, rate_limit=None, profile="fapi2", dpop_nonces=True)


@pytest.fixture
def http(fake: FakeLexoffice) -> Iterator[httpx.Client]:
    with httpx.Client(transport=fake.transport()) as client:
        yield client


def test_discovery_advertises_exactly_the_profile(http: httpx.Client, fake: FakeLexoffice) -> None:
    doc = http.get(fake.discovery_url).json()
    assert doc["require_pushed_authorization_requests"] is True
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert doc["revocation_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert doc["token_endpoint_auth_signing_alg_values_supported"] == ["PS256", "ES256", "EdDSA"]
    assert doc["dpop_signing_alg_values_supported"] == ["PS256", "ES256", "EdDSA"]
    assert doc["authorization_response_iss_parameter_supported"] is True


def test_discovery_without_a_profile_offers_everything(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock)
    doc = fake.provider.handle("discovery", httpx.Request("GET", fake.discovery_url)).json()
    assert doc["require_pushed_authorization_requests"] is False
    assert {"none", "client_secret_basic", "private_key_jwt", "client_secret_jwt"} <= set(
        doc["token_endpoint_auth_methods_supported"]
    )
    assert {"ES256", "RS256", "HS256"} <= set(
        doc["token_endpoint_auth_signing_alg_values_supported"]
    )
    assert "HS256" not in doc["dpop_signing_alg_values_supported"]


def test_a_fapi2_login_end_to_end(http: httpx.Client, fake: FakeLexoffice) -> None:
    client_key, dpop_key = Key(), Key()
    register_bank(fake, client_key)
    par_url = f"{fake.issuer}/oauth2/par"
    push = authorization_params(client_id=BANK) | assertion_form(client_key, fake)
    nonce = fake.dpop_nonce()
    pushed = http.post(
        par_url, data=push, headers={"DPoP": dpop_key.proof("POST", par_url, nonce=nonce)}
    )
    assert pushed.status_code == 201, pushed.text
    browser = {"client_id": BANK, "request_uri": pushed.json()["request_uri"]}
    back = callback(http.get(f"{fake.issuer}/oauth2/authorize", params=browser))
    assert back["iss"] == fake.issuer
    proof = dpop_key.proof("POST", token_url(fake), nonce=nonce)
    form = assertion_form(client_key, fake)
    tokens = exchange(http, fake, back["code"], proof=proof, client_id=BANK, **form).json()
    assert tokens["token_type"] == "DPoP"
    ping = f"{fake.api_base}/v1/ping"
    api_proof = dpop_key.proof(
        "GET", ping, access_token=tokens["access_token"], nonce=fake.dpop_nonce("api")
    )
    answer = http.get(
        ping, headers={"Authorization": f"DPoP {tokens['access_token']}", "DPoP": api_proof}
    )
    assert answer.status_code == 200, answer.headers
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        **assertion_form(client_key, fake),
    }
    proof = dpop_key.proof("POST", token_url(fake), nonce=nonce)
    refreshed = http.post(token_url(fake), data=refresh, headers={"DPoP": proof})
    assert refreshed.status_code == 200, refreshed.text


def test_the_profile_refuses_what_is_weaker(http: httpx.Client, fake: FakeLexoffice) -> None:
    client_key = Key()
    register_bank(fake, client_key)
    plain = callback(
        http.get(f"{fake.issuer}/oauth2/authorize", params=authorization_params(client_id=BANK))
    )
    assert plain["error"] == "invalid_request"
    # A public client, or one with a secret, cannot authenticate under FAPI 2.0.
    fake.register_client(
        "shop", [REDIRECT], "s3cret", token_endpoint_auth_method="client_secret_post"
    )
    for form in (
        authorization_params(client_id=PUBLIC_CLIENT),
        authorization_params(client_id="shop") | {"client_secret": "s3cret"},
    ):
        answer = http.post(f"{fake.issuer}/oauth2/par", data=form)
        assert answer.status_code == 401
        assert "requires private_key_jwt" in answer.json()["error_description"]
    # No proof at the token endpoint: refused before the code is looked at.
    bare = http.post(
        token_url(fake),
        data={"grant_type": "authorization_code", "code": "x", **assertion_form(client_key, fake)},
    )
    assert bare.json()["error"] == "invalid_dpop_proof"


def test_an_unknown_profile_is_refused(clock: FakeClock) -> None:
    from lexoffice_auth.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="profile"):
        FakeLexoffice(clock=clock, profile="fapi1")  # type: ignore[arg-type]
