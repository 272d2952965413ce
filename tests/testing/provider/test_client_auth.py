"""Client assertions (RFC 7523 §2.2): ``private_key_jwt`` and ``client_secret_jwt``."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import (
    ASSERTION_TYPE,
    BANK,
    NOW,
    REDIRECT,
    Key,
    assertion_form,
    authorization_params,
    code_for,
    exchange,
    register_bank,
    token_url,
)

SECRET = "a-client-secret-of-at-least-32-bytes!"


def _bank_exchange(http: httpx.Client, fake: FakeLexoffice, form: dict[str, str]) -> httpx.Response:
    code = code_for(http, fake, client_id=BANK)
    return exchange(http, fake, code, client_id=BANK, **form)


def _refused(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "invalid_client"
    description: str = body["error_description"]
    return description


@pytest.fixture
def key(fake: FakeLexoffice) -> Key:
    key = Key()
    register_bank(fake, key)
    return key


def test_a_signed_assertion_authenticates(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    answer = _bank_exchange(http, fake, assertion_form(key, fake))
    assert answer.status_code == 200, answer.text


def test_the_token_endpoint_url_is_an_audience_too(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    form = {"client_assertion_type": ASSERTION_TYPE}
    form["client_assertion"] = key.assertion(BANK, token_url(fake))
    assert _bank_exchange(http, fake, form).status_code == 200


def test_a_replayed_assertion_is_refused(http: httpx.Client, fake: FakeLexoffice, key: Key) -> None:
    form = assertion_form(key, fake)
    assert _bank_exchange(http, fake, form).status_code == 200
    assert "jti replayed" in _refused(_bank_exchange(http, fake, form))


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "https://elsewhere.example"}, "aud must be the issuer"),
        ({"exp": int(NOW)}, "expired"),
        ({"sub": "someone-else"}, "sub must be the client_id"),
        ({"nbf": int(NOW) + 600}, "not valid yet"),
    ],
)
def test_an_assertion_with_wrong_claims_is_refused(
    http: httpx.Client, fake: FakeLexoffice, key: Key, claims: dict[str, Any], why: str
) -> None:
    audience = claims.pop("aud", fake.issuer)
    form = {"client_assertion_type": ASSERTION_TYPE}
    form["client_assertion"] = key.assertion(BANK, audience, **claims)
    assert why in _refused(_bank_exchange(http, fake, form))


def test_an_assertion_by_another_key_is_refused(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    form = assertion_form(Key(kid=key.kid), fake)
    assert "signature does not verify" in _refused(_bank_exchange(http, fake, form))


def test_an_assertion_without_exp_or_jti_is_refused(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    claims = {"iss": BANK, "sub": BANK, "aud": fake.issuer, "jti": "j-1"}
    form = {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": jwt.encode(claims, key.private, algorithm="ES256"),
    }
    assert "'exp'" in _refused(_bank_exchange(http, fake, form))


def test_a_symmetric_assertion_for_a_key_client_is_refused(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    claims = {"iss": BANK, "sub": BANK, "aud": fake.issuer, "jti": "j", "exp": int(NOW) + 60}
    form = {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": jwt.encode(claims, "k" * 32, algorithm="HS256"),
    }
    assert "alg must be one of" in _refused(_bank_exchange(http, fake, form))


def test_the_wrong_assertion_type_is_refused(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    form = assertion_form(key, fake) | {"client_assertion_type": "urn:other"}
    assert "client_assertion_type" in _refused(_bank_exchange(http, fake, form))


def test_a_key_client_cannot_use_a_secret_nor_a_secret_client_an_assertion(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    basic = _bank_exchange(http, fake, {"client_secret": "guess"})
    assert "registered for private_key_jwt" in _refused(basic)
    fake.register_client("shop", [REDIRECT], "s3cret")
    code = code_for(http, fake, client_id="shop")
    form = {"client_assertion_type": ASSERTION_TYPE}
    form["client_assertion"] = key.assertion("shop", fake.issuer)
    answer = exchange(http, fake, code, client_id="shop", **form)
    assert "registered for client_secret_basic" in _refused(answer)


def test_an_assertion_and_a_secret_together_are_refused(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    answer = _bank_exchange(http, fake, assertion_form(key, fake) | {"client_secret": "x"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_client_secret_jwt(http: httpx.Client, fake: FakeLexoffice) -> None:
    fake.register_client(
        "hmac-app", [REDIRECT], SECRET, token_endpoint_auth_method="client_secret_jwt"
    )

    def form(secret: str) -> dict[str, str]:
        claims = {
            "iss": "hmac-app",
            "sub": "hmac-app",
            "aud": fake.issuer,
            "jti": jwt.utils.base64url_encode(secret.encode()[:9]).decode() + "-j",
            "exp": int(NOW) + 60,
        }
        assertion = jwt.encode(claims, secret, algorithm="HS256")
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}

    code = code_for(http, fake, client_id="hmac-app")
    assert exchange(http, fake, code, client_id="hmac-app", **form(SECRET)).status_code == 200
    code = code_for(http, fake, client_id="hmac-app")
    wrong = exchange(http, fake, code, client_id="hmac-app", **form("w" * 40))
    assert "signature does not verify" in _refused(wrong)


def test_assertions_work_at_par_and_revocation(
    http: httpx.Client, fake: FakeLexoffice, key: Key
) -> None:
    par_url = f"{fake.issuer}/oauth2/par"
    push = authorization_params(client_id=BANK)
    # RFC 9126 §2: the PAR endpoint's own URL is an audience there.
    push |= {"client_assertion_type": ASSERTION_TYPE}
    push["client_assertion"] = key.assertion(BANK, par_url)
    assert http.post(par_url, data=push).status_code == 201
    tokens = _bank_exchange(http, fake, assertion_form(key, fake)).json()
    revoke = {"token": tokens["refresh_token"], **assertion_form(key, fake)}
    assert http.post(f"{fake.issuer}/oauth2/revoke", data=revoke).status_code == 200
    assert not fake.token_is_live(tokens["refresh_token"])
    replayed = http.post(f"{fake.issuer}/oauth2/revoke", data=revoke)
    assert "jti replayed" in _refused(replayed)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"token_endpoint_auth_method": "private_key_jwt"}, "needs jwks="),
        ({"jwks": {"keys": []}}, "JWK Set"),
        ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "public keys only"),
        ({"jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA"}]}}, "cannot read"),
        ({"client_secret": "short", "token_endpoint_auth_method": "client_secret_jwt"}, "32 bytes"),
    ],
)
def test_registrations_are_checked(clock: FakeClock, kwargs: dict[str, Any], message: str) -> None:
    fake = FakeLexoffice(clock=clock)
    with pytest.raises(ConfigurationError, match=message):
        fake.register_client("x", [REDIRECT], **kwargs)


def test_a_private_jwk_is_not_a_registration(clock: FakeClock) -> None:
    private = jwt.algorithms.ECAlgorithm.to_jwk(Key().private, as_dict=True)
    with pytest.raises(ConfigurationError, match="public keys only"):
        FakeLexoffice(clock=clock).register_client("x", [REDIRECT], jwks={"keys": [private]})
