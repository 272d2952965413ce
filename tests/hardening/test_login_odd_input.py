"""Finding #10: odd input to the login core raises a documented error, never a bare one."""

from __future__ import annotations

import json

import pytest

from lexoffice_auth import PendingLogin, ProviderMetadata
from lexoffice_auth._oauth.login import build_login
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import TokenEndpointError
from tests.support.expect import raises_login
from tests.support.oauth_helpers import CLIENT_ID, REDIRECT, discovery_doc, token_body

META = ProviderMetadata.model_validate(discovery_doc())


def pending_dict() -> dict[str, object]:
    pending = build_login(
        META, client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=("openid",), now=0.0
    )
    data: dict[str, object] = json.loads(pending.to_json())
    return data


@pytest.mark.parametrize(
    "expires_in",
    [
        "²",  # str.isdigit() is True for superscripts; int() refuses them
        "٣٦٠٠",  # Arabic-Indic digits: int() takes them, but no provider means them
        "9" * 5000,  # longer than int()'s digit limit
        "3600.5",
        "",
        " ",
        "-1",
        "+3600",
        "0x10",
    ],
)
def test_odd_expires_in_strings_are_a_token_endpoint_error(expires_in: str) -> None:
    with pytest.raises(TokenEndpointError, match="expires_in"):
        parse_token_response(200, token_body(expires_in=expires_in), now=0.0)


@pytest.mark.parametrize(("text", "seconds"), [("3600", 3600.0), (" 60 ", 60.0), ("0", 0.0)])
def test_ascii_digit_strings_are_still_accepted(text: str, seconds: float) -> None:
    tokens = parse_token_response(200, token_body(expires_in=text), now=10.0)
    assert tokens.expires_at == 10.0 + seconds


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("state", "\ud800" + "a" * 40),  # a lone surrogate: UnicodeEncodeError later
        ("state", "a" * 20 + " " + "b" * 20),
        ("state", "a" * 20 + "&iss=x" + "b" * 10),
        ("nonce", "\udfff" + "n" * 40),
        ("nonce", "n" * 20 + "\n" + "n" * 20),
        ("code_verifier", "v" * 20 + " " + "v" * 30),  # RFC 7636: [A-Za-z0-9-._~] only
        ("code_verifier", "v" * 42 + "é"),
        ("code_verifier", "v" * 42 + "+"),
        ("redirect_uri", "https://app.example.com/cb\ud800"),
        ("redirect_uri", "not a url"),
        ("issuer", "https://id.example.com\ud800"),
        ("client_id", ""),
    ],
)
def test_pending_login_with_unusable_values_is_refused(field: str, value: str) -> None:
    data = pending_dict()
    data[field] = value
    raw = json.dumps(data)
    with raises_login("pending"):
        PendingLogin.from_json(raw)


def test_a_valid_pending_login_round_trips() -> None:
    data = pending_dict()
    again = PendingLogin.from_json(json.dumps(data))
    assert json.loads(again.to_json()) == data


def test_a_broken_pending_login_does_not_chain_the_parser_error() -> None:
    # json.JSONDecodeError keeps the whole input (.doc): a pending login's verifier.
    from lexoffice_auth import PendingLogin
    from lexoffice_auth.errors import LoginError

    with pytest.raises(LoginError) as caught:
        PendingLogin.from_json('{"code_verifier": "s3cret-verifier", ')
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
