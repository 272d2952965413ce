"""Fuzzing discovery documents and JWKS (issue 11, Also): only documented errors escape.

``parse_discovery_document`` may only return metadata whose issuer is exactly the expected
one, or raise ``DiscoveryError``; ``parse_jwks`` may only return usable keys, or raise
``ProviderError`` (endpoint ``jwks``). The profile in ``tests/conftest.py`` sets the number
of examples (``HYPOTHESIS_PROFILE=nightly`` for a long run).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lexoffice_auth._oauth.jwks import parse_jwks
from lexoffice_auth._oauth.metadata import parse_discovery_document
from lexoffice_auth.errors import DiscoveryError, ProviderError
from tests.hardening.fuzz_strategies import (
    as_json_bytes,
    assert_documented,
    deeply_nested,
    hostile_text,
    json_values,
)
from tests.support.jwt_helpers import ec_key, ed_key, rsa_key
from tests.support.oauth_helpers import ISSUER, discovery_doc

# --- discovery documents -------------------------------------------------------------

URL_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "revocation_endpoint",
    "end_session_endpoint",
)
LIST_FIELDS = (
    "response_types_supported",
    "code_challenge_methods_supported",
    "id_token_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
    "scopes_supported",
)
urlish = hostile_text | st.sampled_from(
    [
        ISSUER,
        ISSUER + "/",
        "http://id.example.com/token",
        "https://evil.example/token",
        "https://id.example.com:99999/x",
        "https://user:pw@id.example.com/x",
        "javascript:alert(1)",
        "https://id.example.com/\r\nX: y",
        "//id.example.com/token",
    ]
)
field_values = urlish | json_values | st.lists(hostile_text, max_size=4)


@st.composite
def discovery_documents(draw: st.DrawFn) -> bytes:
    """Mostly a valid document with fields replaced, removed or added; sometimes garbage."""
    kind = draw(st.sampled_from(["edited", "edited", "edited", "json", "bytes", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return as_json_bytes(draw(json_values))
    if kind == "deep":
        return deeply_nested(draw(st.integers(min_value=900, max_value=100_000)))
    doc: dict[str, Any] = discovery_doc()
    for name in draw(st.lists(st.sampled_from(URL_FIELDS + LIST_FIELDS), max_size=4)):
        if draw(st.booleans()):
            doc.pop(name, None)
        else:
            doc[name] = draw(field_values)
    doc.update(draw(st.dictionaries(hostile_text, json_values, max_size=3)))
    return as_json_bytes(doc)


@given(body=discovery_documents())
def test_a_discovery_document_parses_or_raises_discovery_error(body: bytes) -> None:
    try:
        metadata = parse_discovery_document(body, ISSUER)
    except DiscoveryError as exc:
        assert_documented(exc, DiscoveryError)
        return
    assert metadata.issuer == ISSUER
    for name in ("authorization_endpoint", "token_endpoint"):
        assert getattr(metadata, name).startswith("https://"), getattr(metadata, name)


def test_a_valid_discovery_document_parses() -> None:
    # The strategy above is not vacuous: the unedited document is accepted.
    assert parse_discovery_document(as_json_bytes(discovery_doc()), ISSUER).issuer == ISSUER


# --- JWKS ------------------------------------------------------------------------------

GOOD_JWKS = [rsa_key().jwk(), ec_key().jwk(), ed_key().jwk()]
JWK_FIELDS = ("kty", "use", "key_ops", "kid", "alg", "crv", "n", "e", "x", "y", "d")
jwk_values = (
    hostile_text
    | json_values
    | st.sampled_from(["RSA", "EC", "OKP", "oct", "sig", "enc", "P-256", "Ed25519", "AQAB"])
    | st.sampled_from(["ES256", "RS256", "EdDSA", "HS256", "none", "RSA-OAEP"])
)


@st.composite
def jwk_members(draw: st.DrawFn) -> Any:
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return draw(json_values)
    member = dict(draw(st.sampled_from(GOOD_JWKS)))
    for name in draw(st.lists(st.sampled_from(JWK_FIELDS), max_size=3)):
        if draw(st.booleans()):
            member.pop(name, None)
        else:
            member[name] = draw(jwk_values)
    return member


@st.composite
def jwks_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["keys", "keys", "keys", "json", "bytes", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return as_json_bytes(draw(json_values))
    if kind == "deep":
        return b'{"keys": ' + deeply_nested(draw(st.integers(900, 100_000))) + b"}"
    return as_json_bytes({"keys": draw(st.lists(jwk_members(), max_size=4))})


@given(body=jwks_bodies())
def test_a_jwks_parses_into_usable_keys_or_raises_provider_error(body: bytes) -> None:
    try:
        keys = parse_jwks(body, now=0.0, ttl=60.0)
    except ProviderError as exc:
        assert_documented(exc, ProviderError, endpoint="jwks")
        return
    assert keys.keys
    for key in keys.keys:
        assert key.kty in ("RSA", "EC", "OKP")
        assert not hasattr(key.key, "private_bytes"), "a private key was accepted"
