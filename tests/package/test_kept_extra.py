"""A refresh keeps what the SDK recorded with the tokens (the lexoffice connection id)."""

from __future__ import annotations

import json

from lexoffice_auth import TokenSet
from lexoffice_auth._oauth.tokens import parse_token_response


def _body(**fields: object) -> bytes:
    return json.dumps({"access_token": "new", "expires_in": 60, **fields}).encode()


def test_a_refresh_keeps_the_connection_id_but_not_other_old_fields() -> None:
    previous = TokenSet(
        access_token="old",
        refresh_token="r1",
        extra={"connection_id": "c-1", "provider_field": "old"},
    )
    new = parse_token_response(200, _body(), now=1000.0, previous=previous)
    assert new.extra == {"connection_id": "c-1"}
    assert new.refresh_token is not None and new.refresh_token.get_secret_value() == "r1"


def test_a_response_naming_a_connection_id_wins() -> None:
    previous = TokenSet(access_token="old", extra={"connection_id": "c-1"})
    new = parse_token_response(200, _body(connection_id="c-2"), now=0.0, previous=previous)
    assert new.extra["connection_id"] == "c-2"


def test_a_login_has_no_previous_extra() -> None:
    assert parse_token_response(200, _body(), now=0.0).extra == {}
