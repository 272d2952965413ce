"""Pushed authorization requests (RFC 9126): when, the form, the answer, the browser URL."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from lexoffice_auth._oauth.metadata import ProviderMetadata
from lexoffice_auth._oauth.metadata_fields import metadata_names, metadata_url, metadata_value
from lexoffice_auth._oauth.par import (
    PushedRequest,
    is_request_uri_error,
    par_authorization_url,
    par_endpoint,
    par_form,
    parse_par_response,
    request_uri_error,
)
from lexoffice_auth._oauth.pkce import code_challenge, new_code_verifier
from lexoffice_auth.errors import (
    AuthorizationDenied,
    ConfigurationError,
    DiscoveryError,
    LoginError,
    ProviderError,
    PushedAuthorizationError,
)

PAR = "https://id.example/par"
REQUEST_URI = "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c"
NOW = 1_700_000_000.0


def _metadata(**fields: Any) -> ProviderMetadata:
    return ProviderMetadata(
        issuer="https://id.example",
        authorization_endpoint="https://id.example/authorize?tenant=7",
        token_endpoint="https://id.example/token",
        **fields,
    )


def _params() -> dict[str, str]:
    verifier = new_code_verifier()
    return {
        "response_type": "code",
        "client_id": "app",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "scope": "openid profile",
        "state": "st-1",
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }


# --- when ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["model", "mapping"])
def test_par_follows_the_metadata_unless_forced(shape: str) -> None:
    def meta(**fields: Any) -> object:
        model = _metadata(**fields)
        return model if shape == "model" else model.model_dump(exclude_none=True)

    offered = meta(pushed_authorization_request_endpoint=PAR)
    required = meta(
        pushed_authorization_request_endpoint=PAR, require_pushed_authorization_requests=True
    )
    assert par_endpoint(offered, None) is None  # offered, not required: the plain redirect
    assert par_endpoint(offered, True) == PAR
    assert par_endpoint(offered, False) is None
    assert par_endpoint(required, None) == PAR
    assert par_endpoint(required, True) == PAR
    assert par_endpoint(meta(), None) is None


def test_par_that_cannot_work_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"par=True .* no pushed_authorization_request"):
        par_endpoint(_metadata(), True)
    with pytest.raises(ConfigurationError, match="requires pushed authorization requests"):
        par_endpoint(
            _metadata(
                pushed_authorization_request_endpoint=PAR,
                require_pushed_authorization_requests=True,
            ),
            False,
        )
    with pytest.raises(ConfigurationError, match="require_pushed_authorization_requests asks"):
        par_endpoint(_metadata(require_pushed_authorization_requests=True), None)
    with pytest.raises(ConfigurationError, match="True, False or None"):
        par_endpoint(_metadata(), "yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ("http://id.example/par", "must use https"),
        (42, "not a URL string"),
        ("https://user:pw@id.example/par", "credentials"),
    ],
)
def test_an_unusable_par_endpoint_is_a_discovery_error(endpoint: object, problem: str) -> None:
    # Unknown metadata fields pass ProviderMetadata unchecked: they are checked here.
    with pytest.raises(DiscoveryError, match=problem) as caught:
        par_endpoint(_metadata(pushed_authorization_request_endpoint=endpoint), True)
    assert "pw" not in str(caught.value)


def test_metadata_readers_take_models_mappings_and_plain_objects() -> None:
    class Plain:
        def __init__(self) -> None:
            self.issuer = "https://id.example"
            self.extra = {"dpop_signing_alg_values_supported": ["ES256"]}

    assert metadata_value(Plain(), "issuer") == "https://id.example"
    assert metadata_names(Plain(), "dpop_signing_alg_values_supported") == ("ES256",)
    assert metadata_value(Plain(), "absent") is None
    assert metadata_names({"x": ["a", 1]}, "x") is None
    assert metadata_names({"x": "a"}, "x") is None
    assert metadata_url({"u": "http://127.0.0.1:9/par"}, "u") == "http://127.0.0.1:9/par"


# --- the push ----------------------------------------------------------------------------------


def test_par_form_carries_every_parameter_and_the_client_authentication() -> None:
    params = _params()
    auth = {"client_id": "app", "client_assertion_type": "t", "client_assertion": "a.b.c"}
    form = par_form(params, auth)
    assert form == {**params, **auth}
    assert par_form(params) == params


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"request_uri": REQUEST_URI}, "must not carry request_uri"),
        ({"client_id": ""}, "needs client_id"),
        ({"code_challenge_method": "plain"}, "PKCE with S256"),
        ({"code_challenge": ""}, "PKCE with S256"),
        ({"state": 5}, "strings"),
    ],
)
def test_par_form_refuses_what_cannot_be_pushed(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        par_form({**_params(), **change})


def test_par_form_refuses_authentication_for_another_client() -> None:
    with pytest.raises(ConfigurationError, match="disagree on 'client_id'"):
        par_form(_params(), {"client_id": "other", "client_secret": "s"})


# --- the answer --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [201, 200])
def test_par_response(status: int) -> None:
    body = json.dumps({"request_uri": REQUEST_URI, "expires_in": 90}).encode()
    pushed = parse_par_response(status, body, now=NOW)
    assert pushed == PushedRequest(request_uri=REQUEST_URI, expires_at=NOW + 90)
    assert not pushed.is_expired(NOW + 89) and pushed.is_expired(NOW + 90)
    assert pushed.is_expired(NOW + 85, leeway=5)
    assert pushed.check_fresh(NOW) == REQUEST_URI


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"expires_in": 60}, "lacks request_uri"),
        ({"request_uri": REQUEST_URI}, "lacks expires_in"),
        ({}, "lacks request_uri and expires_in"),
        ({"request_uri": "", "expires_in": 60}, "request_uri must be"),
        ({"request_uri": 7, "expires_in": 60}, "request_uri must be"),
        ({"request_uri": "urn:a b", "expires_in": 60}, "printable ASCII"),
        ({"request_uri": "u" * 3000, "expires_in": 60}, "request_uri must be"),
        ({"request_uri": REQUEST_URI, "expires_in": 0}, "expires_in"),
        ({"request_uri": REQUEST_URI, "expires_in": -5}, "expires_in"),
        ({"request_uri": REQUEST_URI, "expires_in": "60"}, "expires_in"),
        ({"request_uri": REQUEST_URI, "expires_in": True}, "expires_in"),
        ({"request_uri": REQUEST_URI, "expires_in": 1e300}, "expires_in"),
        ([1], "not a JSON object"),
    ],
)
def test_a_par_response_without_what_it_needs(body: object, problem: str) -> None:
    with pytest.raises(ProviderError, match=problem) as caught:
        parse_par_response(201, json.dumps(body).encode(), now=NOW)
    assert caught.value.endpoint == "par" and caught.value.status_code == 201
    assert not caught.value.transient


def test_a_par_response_that_is_not_json() -> None:
    with pytest.raises(ProviderError, match="PAR response is not valid JSON"):
        parse_par_response(201, b"<html>", now=NOW)


@pytest.mark.parametrize(
    ("status", "body", "message", "transient"),
    [
        (
            400,
            {"error": "invalid_request", "error_description": "bad scope"},
            "invalid_request (bad scope) [HTTP 400]",
            False,
        ),
        (401, {"error": "invalid_client"}, "invalid_client [HTTP 401]", False),
        (400, {"error": "use_dpop_nonce"}, "use_dpop_nonce", False),
        (503, {"error": "temporarily_unavailable"}, "temporarily_unavailable", True),
        (429, {}, "failed with HTTP 429", True),
        (502, "<html>", "failed with HTTP 502", True),
        (202, {"request_uri": REQUEST_URI, "expires_in": 60}, "failed with HTTP 202", False),
        (405, None, "failed with HTTP 405", False),
    ],
)
def test_par_errors_are_provider_errors(
    status: int, body: object, message: str, transient: bool
) -> None:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    with pytest.raises(PushedAuthorizationError, match=re.escape(message)) as caught:
        parse_par_response(status, raw, now=NOW)
    assert isinstance(caught.value, ProviderError)
    assert caught.value.endpoint == "par" and caught.value.status_code == status
    assert caught.value.transient is transient
    expected = body.get("error") if isinstance(body, dict) and status != 202 else None
    assert caught.value.error == expected


def test_a_par_error_keeps_the_provider_description_without_its_control_characters() -> None:
    body = {"error": "invalid_request", "error_description": "bad\r\nscope"}
    with pytest.raises(PushedAuthorizationError) as caught:
        parse_par_response(400, json.dumps(body).encode(), now=NOW)
    assert caught.value.error_description == "bad\r\nscope"
    assert "\r" not in str(caught.value) and "\n" not in str(caught.value)


# --- the browser -------------------------------------------------------------------------------


def test_the_browser_url_carries_only_client_id_and_request_uri() -> None:
    metadata = _metadata()
    url = par_authorization_url(
        metadata.authorization_endpoint, client_id="app", request_uri=REQUEST_URI
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "id.example", "/authorize")
    assert parse_qs(parts.query) == {
        "tenant": ["7"],  # the provider's own query is kept
        "client_id": ["app"],
        "request_uri": [REQUEST_URI],
    }
    for bad in ({"client_id": ""}, {"request_uri": ""}):
        with pytest.raises(ConfigurationError):
            par_authorization_url(
                metadata.authorization_endpoint, **{"client_id": "app", "request_uri": "u", **bad}
            )


def test_an_expired_request_uri_is_told_apart() -> None:
    pushed = PushedRequest(request_uri=REQUEST_URI, expires_at=NOW)
    with pytest.raises(LoginError, match="expired 30 s ago; start the login again") as caught:
        pushed.check_fresh(NOW + 30)
    assert caught.value.reason == "expired"
    assert is_request_uri_error("invalid_request_uri")
    assert not is_request_uri_error("invalid_request") and not is_request_uri_error(None)
    denied = request_uri_error("request_uri expired")
    assert isinstance(denied, AuthorizationDenied) and isinstance(denied, LoginError)
    assert (denied.error, denied.reason) == ("invalid_request_uri", "expired")
    assert denied.error_description == "request_uri expired"
    assert "start the login again" in str(denied)
