"""DPoP at resource servers, the API and userinfo (RFC 9449 §7): one check, two servers."""

from __future__ import annotations

import httpx
import pytest

from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import Key, code_for, exchange, token_url


def _login(http: httpx.Client, fake: FakeLexoffice, key: Key) -> str:
    body = exchange(http, fake, code_for(http, fake), proof=key.proof("POST", token_url(fake)))
    token: str = body.json()["access_token"]
    return token


def _ping(fake: FakeLexoffice) -> str:
    return f"{fake.api_base}/v1/ping"


def _call(
    http: httpx.Client, url: str, token: str, proof: str | None, scheme: str = "DPoP"
) -> httpx.Response:
    headers = {"Authorization": f"{scheme} {token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return http.get(url, headers=headers)


def _challenge(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    return response.headers["www-authenticate"]


@pytest.fixture(params=["api", "userinfo"])
def resource(request: pytest.FixtureRequest, fake: FakeLexoffice) -> str:
    if request.param == "api":
        return _ping(fake)
    return f"{fake.issuer}/oauth2/userinfo"


def test_a_bound_token_with_its_proof_is_accepted(
    http: httpx.Client, fake: FakeLexoffice, resource: str
) -> None:
    key = Key()
    token = _login(http, fake, key)
    answer = _call(http, resource, token, key.proof("GET", resource, access_token=token))
    assert answer.status_code == 200, answer.text


def test_a_bound_token_as_bearer_is_refused(
    http: httpx.Client, fake: FakeLexoffice, resource: str
) -> None:
    token = _login(http, fake, Key())
    challenge = _challenge(_call(http, resource, token, None, scheme="Bearer"))
    assert challenge.startswith("DPoP ")
    assert 'error="invalid_token"' in challenge


def test_a_token_bound_to_another_key_is_refused(
    http: httpx.Client, fake: FakeLexoffice, resource: str
) -> None:
    token = _login(http, fake, Key())
    thief = Key()
    challenge = _challenge(
        _call(http, resource, token, thief.proof("GET", resource, access_token=token))
    )
    assert 'error="invalid_token"' in challenge
    assert "not bound to the proof's key" in challenge


@pytest.mark.parametrize(
    ("what", "why"),
    [
        ("ath", "ath does not match the access token"),
        ("htu", "htu does not match the request's URL"),
        ("htm", "htm does not match the request's method"),
        ("none", "the DPoP scheme needs a DPoP proof"),
    ],
)
def test_a_proof_that_does_not_fit_the_request_is_refused(
    http: httpx.Client, fake: FakeLexoffice, resource: str, what: str, why: str
) -> None:
    key = Key()
    token = _login(http, fake, key)
    proof: str | None = {
        "ath": key.proof("GET", resource, access_token="another-token"),
        "htu": key.proof("GET", resource + "/other", access_token=token),
        "htm": key.proof("POST", resource, access_token=token),
        "none": None,
    }[what]
    challenge = _challenge(_call(http, resource, token, proof))
    assert 'error="invalid_dpop_proof"' in challenge
    assert why in challenge


def test_a_replayed_proof_is_refused(
    http: httpx.Client, fake: FakeLexoffice, resource: str
) -> None:
    key = Key()
    token = _login(http, fake, key)
    proof = key.proof("GET", resource, access_token=token)
    assert _call(http, resource, token, proof).status_code == 200
    assert "jti replayed" in _challenge(_call(http, resource, token, proof))


def test_an_unknown_dpop_token_is_refused(
    http: httpx.Client, fake: FakeLexoffice, resource: str
) -> None:
    key = Key()
    challenge = _challenge(
        _call(http, resource, "nope", key.proof("GET", resource, access_token="nope"))
    )
    assert 'error="invalid_token"' in challenge


def test_bearer_tokens_still_work_without_require_dpop(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    token = fake.mint_tokens()["access_token"]
    assert _call(http, _ping(fake), token, None, scheme="Bearer").status_code == 200


def test_require_dpop_refuses_bearer_oauth_tokens_but_not_api_keys(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock, rate_limit=None, require_dpop=True)
    with httpx.Client(transport=fake.transport()) as http:
        bearer = fake.mint_tokens()["access_token"]
        challenge = _challenge(_call(http, _ping(fake), bearer, None, scheme="Bearer"))
        assert challenge.startswith("DPoP ") and "not accepted" in challenge
        bare = _challenge(http.get(_ping(fake)))
        assert bare.startswith("DPoP ") and "error=" not in bare
        key = fake.add_api_key()
        assert _call(http, _ping(fake), key, None, scheme="Bearer").status_code == 200
