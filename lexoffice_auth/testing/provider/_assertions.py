"""Client assertions (RFC 7523 §2.2, §3): ``private_key_jwt`` and ``client_secret_jwt``.

PyJWT verifies the signature, the issuer and the audience; the sandbox's clock decides
``exp`` and ``nbf``, and each ``jti`` is accepted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt

from lexoffice_auth.testing._model import FakeClient
from lexoffice_auth.testing.provider._dpop import PROOF_MAX_SKEW, dpop_algorithms, remember_jti

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = [
    "ASSERTION_METHODS",
    "CLIENT_ASSERTION_TYPE",
    "HMAC_ALGORITHMS",
    "assertion_issuer",
    "check_assertion",
    "check_jwks",
]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
"""The ``client_assertion_type`` of a JWT client assertion."""
ASSERTION_METHODS = ("private_key_jwt", "client_secret_jwt")
"""The ``token_endpoint_auth_method`` names that authenticate by assertion."""
HMAC_ALGORITHMS = {"HS256": 32, "HS384": 48, "HS512": 64}
"""``client_secret_jwt`` algorithms and the secret length (bytes) each needs (RFC 7518 §3.2)."""

_REQUIRED = ["iss", "sub", "aud", "exp", "jti"]


def check_jwks(jwks: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` unless ``jwks`` is a JWK Set of public signing keys."""
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise ValueError("jwks must be a JWK Set: {'keys': [public JWK, ...]}")
    for key in keys:
        if not isinstance(key, Mapping) or "d" in key or key.get("kty") == "oct":
            raise ValueError("jwks must hold public keys only")
    try:
        jwt.PyJWKSet.from_dict(dict(jwks))
    except jwt.PyJWTError:
        raise ValueError("jwks holds a key PyJWT cannot read") from None


def assertion_issuer(assertion: str) -> str | None:
    """The unverified ``iss`` of an assertion: which client claims to send it."""
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


def _keys(client: FakeClient, header: Mapping[str, Any], alg: str) -> list[Any]:
    if client.token_endpoint_auth_method == "client_secret_jwt":
        secret = (client.client_secret or "").encode()
        return [secret] if len(secret) >= HMAC_ALGORITHMS[alg] else []
    found = []
    kid = header.get("kid")
    for jwk in (client.jwks or {}).get("keys", []):
        if kid is not None and jwk.get("kid") not in (None, kid):
            continue
        try:
            found.append(jwt.PyJWK(dict(jwk), algorithm=alg))
        except jwt.PyJWTError:
            continue  # a key of another type: not this one
    return found


def check_assertion(
    provider: Provider, client: FakeClient, assertion: str, endpoint_url: str
) -> str | None:
    """None if ``assertion`` authenticates ``client`` at ``endpoint_url``, else why not."""
    method = client.token_endpoint_auth_method
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        return "client_assertion is not a JWS"
    allowed = (
        tuple(HMAC_ALGORITHMS) if method == "client_secret_jwt" else dpop_algorithms(provider.oauth)
    )
    alg = header.get("alg")
    if alg not in allowed:
        return f"the assertion's alg must be one of {', '.join(allowed)}"
    # FAPI 2.0 and RFC 7523's update want the issuer; the token endpoint URL is the older
    # RFC 7523 custom, and the endpoint called is what RFC 9126 §2 allows at PAR.
    audiences = [provider.state.issuer, provider.url_of("token"), endpoint_url]
    claims: dict[str, Any] | None = None
    for key in _keys(client, header, alg):
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=[alg],
                audience=audiences,
                issuer=client.client_id,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": _REQUIRED,
                },
            )
            break
        except jwt.InvalidAudienceError:
            return "the assertion's aud must be the issuer (or the token endpoint URL)"
        except jwt.InvalidIssuerError:
            return "the assertion's iss must be the client_id"
        except jwt.MissingRequiredClaimError as exc:
            return f"the assertion lacks the claim {exc.claim!r}"
        except jwt.PyJWTError:
            continue
    if claims is None:
        return "the assertion's signature does not verify with the client's registered key"
    return _check_claims(provider, client, claims)


def _check_claims(provider: Provider, client: FakeClient, claims: Mapping[str, Any]) -> str | None:
    now = provider.state.now()
    if claims["sub"] != client.client_id:
        return "the assertion's sub must be the client_id"
    exp, nbf, jti = claims["exp"], claims.get("nbf"), claims["jti"]
    if isinstance(exp, bool) or not isinstance(exp, (int, float)) or now >= exp:
        return "the assertion has expired"
    if isinstance(nbf, (int, float)) and nbf > now + PROOF_MAX_SKEW:
        return "the assertion is not valid yet (nbf)"
    if not isinstance(jti, str) or not jti:
        return "the assertion's jti must be a non-empty string"
    if not remember_jti(provider.oauth, f"assertion:{client.client_id}:{jti}", exp, now):
        return "the assertion was used before (jti replayed)"
    return None
