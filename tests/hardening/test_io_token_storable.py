"""Issue 11 #3, first half: whatever ``parse_token_response`` accepts can be stored.

An unknown field nested 256 deep used to be kept in ``TokenSet.extra``; ``to_json()`` then
raised a bare ``ValueError``. Unknown fields that JSON storage cannot hold are now dropped at
parse time, a ``TokenSet`` that could not be stored cannot be built, and ``to_json`` raises
only ``TokenStoreError``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import ConfigurationError, TokenStoreError


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [33, 256, 900])
def test_a_deeply_nested_unknown_field_is_dropped_and_the_rest_is_storable(depth: int) -> None:
    body = json.dumps(
        {"access_token": "at", "expires_in": 60, "deep": nested(depth), "kept": {"x": [1, "y"]}}
    ).encode()
    token_set = parse_token_response(200, body, now=1000.0)
    assert "deep" not in token_set.extra
    assert token_set.extra == {"kept": {"x": [1, "y"]}}
    assert TokenSet.from_json(token_set.to_json()) == token_set


def test_unknown_fields_within_the_depth_limit_are_kept() -> None:
    body = json.dumps({"access_token": "at", "org": nested(30)}).encode()
    token_set = parse_token_response(200, body, now=1000.0)
    assert token_set.extra == {"org": nested(30)}
    assert TokenSet.from_json(token_set.to_json()) == token_set


@pytest.mark.parametrize(
    "extra",
    [
        {"deep": nested(64)},
        {"x": object()},
        {"x": {1, 2}},
        {"x": float("nan")},
        {"x": {1: "a"}},
        {"x": [10**5000]},
    ],
    ids=["deep", "object", "set", "nan", "int-key", "huge-int"],
)
def test_a_token_set_that_could_not_be_stored_cannot_be_built(extra: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="extra"):
        TokenSet(access_token=SecretStr("at"), extra=extra)


def test_a_stored_entry_with_an_unstorable_extra_is_a_store_error() -> None:
    raw = {"access_token": "at", "extra": {"deep": nested(64)}}
    with pytest.raises(TokenStoreError):
        TokenSet.from_dict(raw)


def test_to_json_never_raises_a_bare_error() -> None:
    # Built without validation (as a subclass or model_construct could): still typed.
    broken = TokenSet.model_construct(access_token=SecretStr("at"), extra={"x": object()})
    with pytest.raises(TokenStoreError, match="cannot be serialised"):
        broken.to_json()
    with pytest.raises(TokenStoreError, match="cannot be serialised"):
        broken.to_dict()
