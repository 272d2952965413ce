"""DPoP proofs as a server checks them (RFC 9449 §4.3), and the servers' nonces (§8, §9).

The signature is PyJWT's to verify, with the public key the proof carries; the rules the
client signed by (``htu`` normalisation, ``ath``, the key's thumbprint) are the SDK's own,
from ``lexoffice_auth.rules``. Time is the sandbox's clock. Each server keeps its own
nonces: the provider's (``"provider"``) and the API's (``"api"``), so a nonce from one is
refused by the other even while both are served from one origin.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from httpx import Request, Response

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.rules import access_token_hash, jwk_thumbprint, normalize_htu
from lexoffice_auth.testing._state import OAuthState, SandboxState
from lexoffice_auth.testing.provider._http import oauth_error

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "FAPI2_ALGORITHMS",
    "PROOF_MAX_AGE",
    "PROOF_MAX_SKEW",
    "Proof",
    "ProofRefusal",
    "Realm",
    "check_proof",
    "current_nonce",
    "dpop_algorithms",
    "remember_jti",
    "rotate_nonces",
    "token_endpoint_refusal",
    "with_nonce",
]

Realm = Literal["provider", "api"]
"""Which server checks a proof: each has its own nonces."""

ASYMMETRIC_ALGORITHMS = (
    *("ES256", "ES384", "ES512", "EdDSA"),
    *("PS256", "PS384", "PS512", "RS256", "RS384", "RS512"),
)
"""The JWS algorithms the sandbox verifies DPoP proofs and ``private_key_jwt`` with."""
FAPI2_ALGORITHMS = ("PS256", "ES256", "EdDSA")
"""The algorithms the FAPI 2.0 profile allows (FAPI 2.0 Security Profile §5.4)."""
PROOF_MAX_AGE = 60.0
"""Seconds a proof's ``iat`` may lie in the past."""
PROOF_MAX_SKEW = 10.0
"""Seconds a proof's ``iat`` may lie in the future (a client clock running ahead)."""

# A public key has none of these; a proof that carries one has leaked its private key.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MAX_JTI = 256
_REMEMBERED = 4096  # jti entries kept before the expired ones are swept


@dataclass(frozen=True)
class Proof:
    """A proof that passed every check: its key's thumbprint and its claims."""

    jkt: str
    claims: Mapping[str, Any]


@dataclass(frozen=True)
class ProofRefusal:
    """Why a proof was refused: ``invalid_dpop_proof`` or ``use_dpop_nonce``."""

    error: str
    description: str


def dpop_algorithms(oauth: OAuthState) -> tuple[str, ...]:
    """The algorithms a proof (and a ``private_key_jwt`` assertion) may use."""
    return FAPI2_ALGORITHMS if oauth.fapi2 else ASYMMETRIC_ALGORITHMS


def current_nonce(oauth: OAuthState, realm: Realm, now: float) -> str:
    """The nonce ``realm`` hands out now; a new one after ``dpop_nonce_lifetime``."""
    issued = oauth.nonces.setdefault(realm, [])
    if not issued or now - issued[-1][1] >= oauth.dpop_nonce_lifetime:
        issued.append((secrets.token_urlsafe(16), now))
        del issued[:-2]  # the previous nonce stays good until the next rotation
    return issued[-1][0]


def rotate_nonces(oauth: OAuthState, now: float) -> None:
    """Give every server a fresh nonce and forget the old ones: they become stale."""
    for realm in ("provider", "api"):
        oauth.nonces[realm] = [(secrets.token_urlsafe(16), now)]


def remember_jti(oauth: OAuthState, key: str, until: float, now: float) -> bool:
    """Record a one-time ``jti`` (under ``key``) until ``until``; False if it was seen."""
    seen = oauth.seen_jtis
    if seen.get(key, -1.0) > now:
        return False
    if len(seen) >= _REMEMBERED:
        for old in [k for k, expiry in seen.items() if expiry <= now]:
            del seen[old]
    seen[key] = until
    return True


def _nonce_refusal(oauth: OAuthState, realm: Realm, nonce: object, now: float) -> str | None:
    if not oauth.dpop_nonces:
        return None
    if nonce is None:
        return "the proof must carry the server's DPoP-Nonce"
    current_nonce(oauth, realm, now)  # rotate first, if it is time
    if any(nonce == n for n, _ in oauth.nonces.get(realm, [])):
        return None
    others = [n for other, issued in oauth.nonces.items() if other != realm for n, _ in issued]
    if nonce in others:
        return "the nonce was issued by another server; use this one's DPoP-Nonce"
    return "the nonce is stale or unknown; use the DPoP-Nonce of this answer"


def _unverified_header(proof: str) -> dict[str, Any] | None:
    """The JOSE header of a compact JWS, or None if it is none.

    Read by hand, not with ``jwt.get_unverified_header``: ``jwt.decode`` below parses the
    whole proof strictly anyway, and PyJWT's parse is most of a proof's cost (a client under
    test sends thousands of them).
    """
    if proof.count(".") != 2:
        return None
    segment = proof.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):  # UnicodeDecodeError and JSONDecodeError included
        return None
    return header if isinstance(header, dict) else None


def _claims(proof: str, algorithms: tuple[str, ...]) -> tuple[str, dict[str, Any]] | str:
    """The key's thumbprint and the verified claims, or why the proof is no valid JWT."""
    header = _unverified_header(proof)
    if header is None:
        return "the DPoP header is not a JWS"
    if header.get("typ") != "dpop+jwt":
        return "typ must be dpop+jwt"
    alg = header.get("alg")
    if alg not in algorithms:
        return f"alg must be one of {', '.join(algorithms)}"
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        return "the header must carry the public key as jwk"
    if _PRIVATE_MEMBERS & set(jwk):
        return "the jwk must be a public key; it carries private members"
    try:
        key = jwt.PyJWK(jwk, algorithm=alg)
        claims = jwt.decode(
            proof,
            key,
            algorithms=[alg],
            options={
                # Time is the sandbox's clock, checked below, not the machine's.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "require": ["jti", "htm", "htu", "iat"],
            },
        )
        jkt = jwk_thumbprint(jwk)
    except (jwt.PyJWTError, ConfigurationError, ValueError, TypeError, KeyError):
        return "the proof does not verify with the key it carries"
    return jkt, claims


def _ath(access_token: str) -> str | None:
    try:
        return access_token_hash(access_token)
    except ConfigurationError:  # no token a proof could name
        return None


def check_proof(
    state: SandboxState, request: Request, *, realm: Realm, access_token: str | None = None
) -> Proof | ProofRefusal | None:
    """The request's DPoP proof checked (RFC 9449 §4.3); None if it carries none.

    ``access_token``: the token presented with it at a resource, whose hash (``ath``)
    the proof must name. An accepted proof's ``jti`` is spent: the same proof again is
    refused as a replay.
    """
    oauth = state.oauth
    values = request.headers.get_list("dpop")
    if not values:
        return None
    if len(values) > 1:
        return ProofRefusal("invalid_dpop_proof", "send exactly one DPoP header")
    checked = _claims(values[0], dpop_algorithms(oauth))
    if isinstance(checked, str):
        return ProofRefusal("invalid_dpop_proof", checked)
    jkt, claims = checked
    now = state.now()
    if claims["htm"] != request.method:
        return ProofRefusal("invalid_dpop_proof", "htm does not match the request's method")
    try:
        same_url = normalize_htu(str(claims["htu"])) == normalize_htu(str(request.url))
    except ConfigurationError:
        same_url = False
    if not same_url:
        return ProofRefusal("invalid_dpop_proof", "htu does not match the request's URL")
    iat, jti = claims["iat"], claims["jti"]
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        return ProofRefusal("invalid_dpop_proof", "iat must be a number")
    if not now - PROOF_MAX_AGE <= iat <= now + PROOF_MAX_SKEW:
        return ProofRefusal("invalid_dpop_proof", "iat is too far from the server's time")
    if not isinstance(jti, str) or not 0 < len(jti) <= _MAX_JTI:
        return ProofRefusal("invalid_dpop_proof", "jti must be a string of 1 to 256 characters")
    if access_token is not None and claims.get("ath") != _ath(access_token):
        return ProofRefusal("invalid_dpop_proof", "ath does not match the access token")
    nonce_problem = _nonce_refusal(oauth, realm, claims.get("nonce"), now)
    if nonce_problem is not None:
        return ProofRefusal("use_dpop_nonce", nonce_problem)
    if not remember_jti(oauth, f"dpop:{jti}", iat + PROOF_MAX_AGE + PROOF_MAX_SKEW, now):
        return ProofRefusal("invalid_dpop_proof", "the proof was used before (jti replayed)")
    return Proof(jkt, claims)


def with_nonce(state: SandboxState, response: Response, realm: Realm) -> Response:
    """``response`` with the server's current ``DPoP-Nonce``, when nonces are required."""
    if state.oauth.dpop_nonces:
        response.headers["DPoP-Nonce"] = current_nonce(state.oauth, realm, state.now())
    return response


def token_endpoint_refusal(state: SandboxState, refusal: ProofRefusal) -> Response:
    """A refused proof at the token or PAR endpoint: 400 with the error (RFC 9449 §5, §8)."""
    return with_nonce(state, oauth_error(refusal.error, refusal.description), "provider")
