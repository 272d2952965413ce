"""Fuzzing id_tokens (issue 11, Also): only ``IdTokenError`` (or a JWKS ``ProviderError``).

``IdTokenVerifier.verify`` gets arbitrary strings, JWT-shaped strings with arbitrary
segments, and tokens properly signed by the provider's keys over arbitrary claims and
headers; ``check_claims`` gets arbitrary claim sets. Whatever is accepted is a token of
this issuer, for this client, with a string subject. The profile in ``tests/conftest.py``
sets the number of examples.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

import anyio
import httpx
import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexoffice_auth.errors import IdTokenError, ProviderError
from lexoffice_auth.oidc import IdTokenClaims, IdTokenVerifier, check_claims
from tests.hardening.fuzz_strategies import (
    as_json_bytes,
    assert_documented,
    hostile_text,
    json_values,
)
from tests.support.jwt_helpers import (
    ACCESS_TOKEN,
    CLIENT_ID,
    ISSUER,
    JWKS_URI,
    NONCE,
    NOW,
    claims,
    ec_key,
    ed_key,
    jwks,
    metadata,
    rsa_key,
)

KEYS = [rsa_key(), ec_key(), ed_key()]
JWKS_BODY = jwks(*KEYS)
META = metadata(id_token_signing_alg_values_supported=["RS256", "ES256", "EdDSA"])
CLAIM_NAMES = ("iss", "sub", "aud", "azp", "exp", "iat", "nbf", "auth_time", "nonce", "at_hash")
numbers = (
    st.integers()
    | st.floats()
    | st.sampled_from([NOW, NOW + 10**6, 10**400, -(10**400), 2**1024, True])  # beyond floats
)
claim_values = (
    json_values
    | st.sampled_from([ISSUER, CLIENT_ID, NONCE, [CLIENT_ID, "other"], "\ud800"])
    | numbers
)


@st.composite
def claim_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Valid claims with some replaced or removed, plus unknown ones."""
    payload = claims()
    for name in draw(st.lists(st.sampled_from(CLAIM_NAMES), max_size=4)):
        if draw(st.booleans()):
            payload.pop(name, None)
        else:
            payload[name] = draw(claim_values)
    payload.update(draw(st.dictionaries(hostile_text, json_values, max_size=3)))
    return payload


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


segment = st.binary(max_size=60).map(_b64) | json_values.map(as_json_bytes).map(_b64)
header_values = st.sampled_from(["RS256", "ES256", "EdDSA", "HS256", "none", "rsa-1"]) | json_values


@st.composite
def id_tokens(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "jwtish", "signed", "signed", "signed"]))
    if kind == "text":
        return draw(hostile_text)
    if kind == "jwtish":
        parts = draw(st.lists(segment, min_size=2, max_size=4))
        if draw(st.booleans()):  # a header that parses and names a known algorithm
            header = {"alg": draw(header_values), "kid": draw(header_values)}
            parts[0] = _b64(as_json_bytes(header))
        return ".".join(parts)
    key = draw(st.sampled_from(KEYS))
    payload = draw(claim_sets())
    header = {"alg": key.alg, "kid": key.kid}
    header.update(
        draw(st.dictionaries(st.sampled_from(["kid", "typ", "crit", "x"]), header_values))
    )
    return _signed(as_json_bytes(header), as_json_bytes(payload), key.private, key.alg)


def _signed(header: bytes, payload: bytes, private: Any, alg: str) -> str:
    """A JWS signed by hand (PyJWT refuses to encode some hostile headers)."""
    signing_input = f"{_b64(header)}.{_b64(payload)}".encode("ascii")
    signature = jwt.get_algorithm_by_name(alg).sign(signing_input, private)
    return f"{signing_input.decode('ascii')}.{_b64(signature)}"


async def _verify(token: str) -> IdTokenClaims:
    def serve(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URI
        return httpx.Response(200, json=JWKS_BODY)

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
        verifier = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=lambda: NOW)
        return await verifier.verify(token, META, nonce=NONCE, access_token=ACCESS_TOKEN)


def _accepted(result: IdTokenClaims) -> None:
    assert result.iss == ISSUER
    assert isinstance(result.sub, str) and result.sub


@given(token=id_tokens())
def test_verify_accepts_only_good_tokens_and_raises_only_documented_errors(token: str) -> None:
    try:
        result = anyio.run(_verify, token)
    except (IdTokenError, ProviderError) as exc:
        assert_documented(exc, IdTokenError, ProviderError)
        return
    _accepted(result)


@given(payload=claim_sets(), at=st.sampled_from(["RS256", "ES256", "EdDSA", None]))
def test_check_claims_accepts_only_good_claims_and_raises_only_id_token_error(
    payload: dict[str, Any], at: str | None
) -> None:
    check = functools.partial(
        check_claims, issuer=ISSUER, client_id=CLIENT_ID, now=NOW, nonce=NONCE, alg=at
    )
    try:
        result = check(payload, access_token=ACCESS_TOKEN if at else None)
    except IdTokenError as exc:
        assert_documented(exc, IdTokenError)
        return
    _accepted(result)
    assert CLIENT_ID in ([result.aud] if isinstance(result.aud, str) else result.aud)


def test_the_unedited_claims_verify() -> None:
    # The strategies are not vacuous: an untouched token of each key is accepted.
    for key in KEYS:
        token = key.sign(claims(at_hash=None))
        assert anyio.run(_verify, token).sub == claims()["sub"]


# Found by the fuzzing above: a time claim written as an integer beyond any float (JSON
# allows ``1`` followed by 400 zeros) raised a bare OverflowError from check_claims, and
# so from IdTokenVerifier.verify and OAuthClient.complete_login.
@pytest.mark.parametrize("name", ["exp", "iat", "nbf", "auth_time"])
@pytest.mark.parametrize("value", [10**400, -(10**400)])
def test_a_time_claim_beyond_any_float_is_an_id_token_error(name: str, value: int) -> None:
    with pytest.raises(IdTokenError) as caught:
        check_claims(claims(**{name: value}), issuer=ISSUER, client_id=CLIENT_ID, now=NOW)
    assert caught.value.check == name


def test_a_signed_token_with_a_huge_exp_is_refused_by_verify() -> None:
    token = _signed(
        as_json_bytes({"alg": "RS256", "kid": KEYS[0].kid}),
        as_json_bytes(claims(exp=10**400)),
        KEYS[0].private,
        "RS256",
    )
    with pytest.raises(IdTokenError) as caught:
        anyio.run(_verify, token)
    assert caught.value.check == "exp"
