import base64
import json

import pytest
from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth._oauth.tokens import client_auth, parse_token_response
from lexoffice_auth.errors import TokenEndpointError, TokenStoreError
from tests.support.expect import ANY, raises_token

from ..support.oauth_helpers import token_body

NOW = 1_000.0


def test_parses_standard_response() -> None:
    t = parse_token_response(200, token_body(token_type="bEaReR"), now=NOW)
    assert t.access_token.get_secret_value() == "AT-1"
    assert t.token_type == "Bearer"
    assert t.expires_at == NOW + 3600
    assert t.issued_at == NOW
    assert t.lifetime == 3600
    assert t.refresh_token is not None and t.refresh_token.get_secret_value() == "RT-1"
    assert t.scopes == ("openid", "email")


def test_expiry_uses_the_injected_clock() -> None:
    t = parse_token_response(200, token_body(expires_in=30), now=5.0)
    assert t.expires_at == 35.0
    assert not t.is_expired(4.0)
    assert t.is_expired(35.0)
    assert t.is_expired(20.0, leeway=15)


def test_refresh_keeps_old_refresh_token_when_none_returned() -> None:
    old = parse_token_response(200, token_body(), now=NOW)
    new = parse_token_response(
        200,
        token_body(access_token="AT-2", refresh_token=None, scope=None),
        now=NOW + 10,
        previous=old,
    )
    assert new.access_token.get_secret_value() == "AT-2"
    assert new.refresh_token == old.refresh_token
    assert new.scopes == old.scopes


def test_rotated_refresh_token_replaces_old() -> None:
    old = parse_token_response(200, token_body(), now=NOW)
    new = parse_token_response(200, token_body(refresh_token="RT-2"), now=NOW, previous=old)
    assert new.refresh_token is not None and new.refresh_token.get_secret_value() == "RT-2"


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"access_token": None}, "access_token"),
        ({"access_token": 5}, "access_token"),
        ({"token_type": "mac"}, "Bearer"),
        ({"expires_in": "soon"}, "expires_in"),
        ({"expires_in": -1}, "expires_in"),
        ({"expires_in": True}, "expires_in"),
        ({"refresh_token": ""}, "refresh_token"),
        ({"scope": ["a"]}, "scope"),
    ],
)
def test_malformed_success_response(override: dict[str, object], reason: str) -> None:
    with raises_token(None, match=reason):
        parse_token_response(200, token_body(**override), now=NOW)


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"", b"[]", b'"x"'])
def test_non_json_success_body(body: bytes) -> None:
    with raises_token(None) as info:
        parse_token_response(200, body, now=NOW)
    assert info.value.transient is False


def test_rfc6749_error_response() -> None:
    body = json.dumps({"error": "invalid_client", "error_description": "bad secret"}).encode()
    with raises_token(ANY) as info:
        parse_token_response(401, body, now=NOW)
    err = info.value
    assert (err.error, err.error_description, err.status_code) == (
        "invalid_client",
        "bad secret",
        401,
    )
    assert err.transient is False
    assert "bad secret" in str(err)


def test_invalid_grant_is_distinguishable() -> None:
    with raises_token("invalid_grant") as info:
        parse_token_response(400, b'{"error":"invalid_grant"}', now=NOW)
    assert info.value.error == "invalid_grant"


@pytest.mark.parametrize(
    ("status", "body", "transient"),
    [
        (503, b"<html>down</html>", True),
        (502, b"", True),
        (400, b'{"error":"temporarily_unavailable"}', True),
        (500, b'{"error":"server_error"}', True),
        (429, b"slow down", True),
        (400, b"nonsense", False),
    ],
)
def test_transient_classification(status: int, body: bytes, transient: bool) -> None:
    with pytest.raises(TokenEndpointError) as info:
        parse_token_response(status, body, now=NOW)
    assert info.value.transient is transient  # type: ignore[union-attr]
    assert info.value.status_code == status  # type: ignore[union-attr]


def test_error_field_in_200_body_is_an_error() -> None:
    with raises_token("invalid_grant"):
        parse_token_response(200, b'{"error":"invalid_grant"}', now=NOW)


def test_token_set_json_round_trip_and_masking() -> None:
    t = parse_token_response(200, token_body(id_token="a.b.c", custom="x"), now=NOW)
    assert t.extra == {"custom": "x"}
    back = TokenSet.from_json(t.to_json())
    assert back == t
    assert back.refresh_token is not None and back.refresh_token.get_secret_value() == "RT-1"
    shown = repr(t) + str(t) + t.model_dump_json()
    for secret in ("AT-1", "RT-1", "a.b.c"):
        assert secret not in shown


@pytest.mark.parametrize(
    "bad",
    ["not json", "[]", "{}", '{"access_token": ""}', '{"access_token":"a","token_type":"MAC"}'],
)
def test_token_set_from_bad_json(bad: str) -> None:
    with pytest.raises(TokenStoreError) as info:
        TokenSet.from_json(bad)
    assert "MAC" not in str(info.value) or "token_type" in str(info.value)


def test_token_set_error_does_not_echo_secret() -> None:
    with pytest.raises(TokenStoreError) as info:
        TokenSet.from_json('{"access_token":"TOPSECRET","expires_at":"never"}')
    assert "TOPSECRET" not in str(info.value)


def test_client_secret_basic_is_form_encoded_first() -> None:
    headers, form = client_auth("client_secret_basic", "id:with colon", "s%cret&")
    assert form == {}
    raw = base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode()
    assert raw == "id%3Awith%20colon:s%25cret%26"


def test_client_auth_post_and_none() -> None:
    assert client_auth("client_secret_post", "id", "sec") == (
        {},
        {"client_id": "id", "client_secret": "sec"},
    )
    assert client_auth("none", "id", None) == ({}, {"client_id": "id"})


def test_secretstr_type_kept() -> None:
    t = TokenSet(access_token=SecretStr("x"))
    assert isinstance(t.access_token, SecretStr)
    assert not t.is_expired(1e12)


def test_an_error_object_in_a_200_body_keeps_the_status_it_came_with() -> None:
    with raises_token("invalid_grant") as info:
        parse_token_response(200, b'{"error":"invalid_grant"}', now=NOW)
    assert info.value.status_code == 200  # type: ignore[union-attr]
    assert "[HTTP 200]" in str(info.value)
