"""Pushed authorization requests (RFC 9126): push, then authorize by reference."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import (
    PUBLIC_CLIENT,
    REDIRECT,
    Key,
    authorization_params,
    callback,
    exchange,
    token_url,
)


def _push(
    http: httpx.Client, fake: FakeLexoffice, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    form = authorization_params(**params)
    return http.post(f"{fake.issuer}/oauth2/par", data=form, headers=headers or {})


def _request_uri(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["expires_in"] == 60
    assert response.headers["cache-control"] == "no-store"
    uri: str = body["request_uri"]
    return uri


def _by_reference(
    http: httpx.Client, fake: FakeLexoffice, request_uri: str, **extra: str
) -> httpx.Response:
    params = {"client_id": PUBLIC_CLIENT, "request_uri": request_uri, **extra}
    return http.get(f"{fake.issuer}/oauth2/authorize", params=params)


def test_a_pushed_request_logs_in(http: httpx.Client, fake: FakeLexoffice) -> None:
    uri = _request_uri(_push(http, fake))
    assert uri.startswith("urn:ietf:params:oauth:request_uri:")
    back = callback(_by_reference(http, fake, uri))
    assert back["state"] == "st-1" and back["iss"] == fake.issuer
    assert exchange(http, fake, back["code"]).status_code == 200
    assert fake.calls["par"] == 1


def test_a_request_uri_works_once(http: httpx.Client, fake: FakeLexoffice) -> None:
    uri = _request_uri(_push(http, fake))
    callback(_by_reference(http, fake, uri))
    again = callback(_by_reference(http, fake, uri))
    assert again["error"] == "invalid_request_uri"
    assert "used before" in again["error_description"]


def test_a_request_uri_expires_by_the_sandbox_clock(
    http: httpx.Client, fake: FakeLexoffice, clock: FakeClock
) -> None:
    uri = _request_uri(_push(http, fake))
    clock.advance(59)
    assert "code" in callback(_by_reference(http, fake, uri))
    uri = _request_uri(_push(http, fake))
    clock.advance(60)
    assert callback(_by_reference(http, fake, uri))["error"] == "invalid_request_uri"


def test_another_clients_request_uri_is_refused(http: httpx.Client, fake: FakeLexoffice) -> None:
    fake.register_client("other", [REDIRECT])
    uri = _request_uri(_push(http, fake, client_id="other"))
    answer = _by_reference(http, fake, uri)
    assert answer.status_code == 400
    assert "invalid_request_uri" in answer.text
    unknown = _by_reference(http, fake, "urn:ietf:params:oauth:request_uri:nope")
    assert unknown.status_code == 400


def test_parameters_beside_the_request_uri_are_refused(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    uri = _request_uri(_push(http, fake))
    refused = callback(_by_reference(http, fake, uri, scope="openid email"))
    assert refused["error"] == "invalid_request"
    # The refusal did not spend the request_uri.
    assert "code" in callback(_by_reference(http, fake, uri))


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"request_uri": "urn:x"}, "invalid_request"),
    ],
)
def test_a_push_is_validated_as_an_authorization_request(
    http: httpx.Client, fake: FakeLexoffice, params: dict[str, str], error: str
) -> None:
    answer = _push(http, fake, **params)
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert fake.provider.pushed == {}


def test_a_push_authenticates_the_client(http: httpx.Client, fake: FakeLexoffice) -> None:
    fake.register_client(
        "shop", [REDIRECT], "s3cret", token_endpoint_auth_method="client_secret_post"
    )
    wrong = _push(http, fake, client_id="shop", client_secret="wrong")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert _push(http, fake, client_id="shop", client_secret="s3cret").status_code == 201


def test_a_push_only_answers_post(http: httpx.Client, fake: FakeLexoffice) -> None:
    answer = http.get(f"{fake.issuer}/oauth2/par")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"


@pytest.mark.parametrize("where", ["provider", "client"])
def test_par_can_be_required(clock: FakeClock, where: str) -> None:
    fake = FakeLexoffice(clock=clock, require_par=where == "provider")
    if where == "client":
        fake.register_client(PUBLIC_CLIENT, [REDIRECT], require_pushed_authorization_requests=True)
    with httpx.Client(transport=fake.transport()) as http:
        plain = http.get(f"{fake.issuer}/oauth2/authorize", params=authorization_params())
        refused = callback(plain)
        assert refused["error"] == "invalid_request"
        assert "PAR" in refused["error_description"]
        assert "code" in callback(_by_reference(http, fake, _request_uri(_push(http, fake))))
        metadata = http.get(fake.discovery_url).json()
    assert metadata["require_pushed_authorization_requests"] is (where == "provider")
    assert metadata["pushed_authorization_request_endpoint"] == f"{fake.issuer}/oauth2/par"


def test_a_proof_on_the_push_binds_the_code(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key()
    par_url = f"{fake.issuer}/oauth2/par"
    uri = _request_uri(_push(http, fake, headers={"DPoP": key.proof("POST", par_url)}))
    code = callback(_by_reference(http, fake, uri))["code"]
    stolen = exchange(http, fake, code, proof=Key().proof("POST", token_url(fake)))
    assert stolen.json()["error"] == "invalid_dpop_proof"
    uri = _request_uri(_push(http, fake, headers={"DPoP": key.proof("POST", par_url)}))
    code = callback(_by_reference(http, fake, uri))["code"]
    assert exchange(http, fake, code, proof=key.proof("POST", token_url(fake))).status_code == 200


def test_a_push_refuses_a_bad_proof_and_a_dpop_jkt_of_another_key(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    key = Key()
    par_url = f"{fake.issuer}/oauth2/par"
    wrong_url = _push(http, fake, headers={"DPoP": key.proof("POST", token_url(fake))})
    assert wrong_url.json()["error"] == "invalid_dpop_proof"
    other_jkt = _push(http, fake, headers={"DPoP": key.proof("POST", par_url)}, dpop_jkt=Key().jkt)
    assert other_jkt.json()["error"] == "invalid_dpop_proof"
    assert fake.provider.pushed == {}
