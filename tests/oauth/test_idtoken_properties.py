"""Property tests: whatever comes in as an id_token or a JWKS, only our typed errors come out."""

from __future__ import annotations

import base64
import json
from typing import Any

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexoffice_auth._oauth.idtoken import IdTokenVerifier, check_claims
from lexoffice_auth._oauth.jwks import JWKSet, parse_jwks
from lexoffice_auth.errors import IdTokenError, ProviderError
from lexoffice_auth.oidc import IdTokenClaims
from lexoffice_auth.testing import FakeClock

from ..support.jwt_helpers import (
    CLIENT_ID,
    ISSUER,
    JWKS_URI,
    NONCE,
    NOW,
    claims,
    jwks,
    metadata,
    rsa_key,
)

KEY = rsa_key("prop-key")
GOOD_JWKS = json.dumps(jwks(KEY)).encode()
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _outcome(token: str, jwks_body: bytes = GOOD_JWKS) -> IdTokenClaims | Exception:
    """Verify ``token`` against a JWKS endpoint serving ``jwks_body``; return claims or error."""

    def serve(request: httpx.Request) -> httpx.Response:
        if str(request.url) == JWKS_URI:
            return httpx.Response(200, content=jwks_body)
        return httpx.Response(404)

    async def run() -> IdTokenClaims:
        # A mock transport, not respx over a default client: building the default
        # transport's TLS context for each of hundreds of examples was most of their time.
        async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
            verifier = IdTokenVerifier(
                client_id=CLIENT_ID, http_client=http, clock=FakeClock(start=NOW, ticking=False)
            )
            return await verifier.verify(token, metadata(), nonce=NONCE, access_token="AT")

    try:
        return anyio.run(run)
    except (IdTokenError, ProviderError) as exc:
        return exc


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_strings_as_id_tokens(token: str) -> None:
    assert isinstance(_outcome(token), IdTokenError)


@SETTINGS
@given(
    header=st.fixed_dictionaries(
        {},
        optional={
            "alg": st.sampled_from(["RS256", "ES256", "none", "HS256", "PS512", "EdDSA"])
            | json_values,
            "kid": st.just("prop-key") | json_values,
            "crit": json_values,
            "b64": json_values,
        },
    ),
    payload=json_values,
    signature=st.binary(max_size=300),
)
def test_arbitrary_jws_shaped_tokens(
    header: dict[str, Any], payload: Any, signature: bytes
) -> None:
    token = ".".join(
        [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(signature)]
    )
    assert isinstance(_outcome(token), IdTokenError)


@SETTINGS
@given(st.dictionaries(st.sampled_from([*claims(), "nbf", "azp", "x", "self"]), json_values))
def test_arbitrary_claims_with_a_valid_signature(overrides: dict[str, Any]) -> None:
    result = _outcome(KEY.sign_bytes(json.dumps(claims(**overrides)).encode()))
    assert isinstance(result, (IdTokenClaims, IdTokenError))


@SETTINGS
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_jwks_bodies(body: bytes) -> None:
    result = _outcome(KEY.sign(claims()), body)
    assert isinstance(result, (IdTokenError, ProviderError))


jwk_members = st.fixed_dictionaries(
    {"kty": st.sampled_from(["RSA", "EC", "OKP", "oct"]) | json_values},
    optional={
        "kid": st.just("prop-key") | json_values,
        "use": st.sampled_from(["sig", "enc"]) | json_values,
        "alg": st.sampled_from(["RS256", "ES256", "EdDSA", "RSA-OAEP"]) | json_values,
        "crv": st.sampled_from(["P-256", "P-384", "Ed25519", "X25519"]) | json_values,
        "n": st.text(max_size=40) | json_values,
        "e": st.sampled_from(["AQAB"]) | json_values,
        "x": st.text(max_size=60) | json_values,
        "y": st.text(max_size=60) | json_values,
        "key_ops": json_values,
    },
)


@SETTINGS
@given(st.lists(jwk_members | json_values, max_size=5))
def test_jwks_with_arbitrary_members(members: list[Any]) -> None:
    body = json.dumps({"keys": members}).encode()
    try:
        parsed = parse_jwks(body, now=NOW, ttl=60)
    except ProviderError:
        parsed = None
    assert parsed is None or isinstance(parsed, JWKSet)
    result = _outcome(KEY.sign(claims()), body)
    assert isinstance(result, (IdTokenError, ProviderError))


@SETTINGS
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=8))
def test_check_claims_on_arbitrary_payloads(payload: dict[str, Any]) -> None:
    try:
        result: object = check_claims(
            payload, issuer=ISSUER, client_id=CLIENT_ID, now=NOW, nonce=NONCE
        )
    except IdTokenError as exc:
        result = exc
    assert isinstance(result, (IdTokenClaims, IdTokenError))
