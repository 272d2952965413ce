"""Arbitrary input to the pure parsers: only documented errors come out."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from lexoffice_auth import ProviderMetadata, TokenSet
from lexoffice_auth._oauth.login import build_login, parse_callback
from lexoffice_auth._oauth.metadata import parse_discovery_document
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import DiscoveryError, LoginError, TokenEndpointError, TokenStoreError

from ..support.oauth_helpers import ISSUER, REDIRECT, discovery_doc

META = ProviderMetadata.model_validate(discovery_doc())
PENDING = build_login(META, client_id="c", redirect_uri=REDIRECT, scopes=("openid",), now=0.0)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
param_names = st.sampled_from(
    ["code", "state", "iss", "error", "error_description", "x", ""]
) | st.text(max_size=8)


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_callback_arbitrary_text(url: str) -> None:
    with contextlib.suppress(LoginError):
        parse_callback(url, PENDING, META, now=1.0)


@settings(max_examples=300)
@given(
    st.lists(st.tuples(param_names, st.text(max_size=40)), max_size=6),
    st.booleans(),
    st.booleans(),
)
def test_callback_arbitrary_params(
    params: list[tuple[str, str]], real_state: bool, real_iss: bool
) -> None:
    if real_state:
        params.append(("state", PENDING.state.get_secret_value()))
    if real_iss:
        params.append(("iss", ISSUER))
    url = REDIRECT + "?" + urlencode(params)
    try:
        code = parse_callback(url, PENDING, META, now=1.0)
    except LoginError:
        return
    assert isinstance(code, str)
    assert code


@settings(max_examples=300)
@given(json_values)
def test_discovery_arbitrary_json(doc: Any) -> None:
    with contextlib.suppress(DiscoveryError):
        parse_discovery_document(json.dumps(doc).encode(), ISSUER)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(sorted(discovery_doc())), json_values, max_size=6))
def test_discovery_mutated_fields(overrides: dict[str, Any]) -> None:
    doc = {**discovery_doc(), **overrides}
    try:
        meta = parse_discovery_document(json.dumps(doc).encode(), ISSUER)
    except DiscoveryError:
        return
    assert meta.issuer == ISSUER


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_discovery_arbitrary_bytes(body: bytes) -> None:
    with contextlib.suppress(DiscoveryError):
        parse_discovery_document(body, ISSUER)


token_fields = st.fixed_dictionaries(
    {},
    optional={
        "access_token": json_values | st.text(min_size=1, max_size=20),
        "token_type": json_values | st.sampled_from(["Bearer", "bearer", "MAC"]),
        "expires_in": json_values | st.integers(-10, 10**10),
        "refresh_token": json_values,
        "scope": json_values,
        "id_token": json_values,
        "error": json_values,
    },
)


@settings(max_examples=400)
@given(st.integers(100, 599), token_fields)
def test_token_response_arbitrary(status: int, body: dict[str, Any]) -> None:
    try:
        tokens = parse_token_response(status, json.dumps(body).encode(), now=0.0)
    except TokenEndpointError:
        return
    assert 200 <= status < 300
    assert tokens.access_token.get_secret_value() == body["access_token"]
    assert TokenSet.from_json(tokens.to_json()) == tokens


@settings(max_examples=200)
@given(st.integers(100, 599), st.binary(max_size=200))
def test_token_response_arbitrary_bytes(status: int, body: bytes) -> None:
    with contextlib.suppress(TokenEndpointError):
        parse_token_response(status, body, now=0.0)


@settings(max_examples=200)
@given(json_values)
def test_stored_token_set_arbitrary(doc: Any) -> None:
    with contextlib.suppress(TokenStoreError):
        TokenSet.from_json(json.dumps(doc))
