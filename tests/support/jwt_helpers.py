"""Test keys and id_tokens: real keys from ``cryptography``, tokens signed by PyJWT.

Keys are generated once per test session (RSA generation is slow) and cached by name.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from lexoffice_auth._oauth.idtoken import at_hash
from lexoffice_auth._oauth.metadata import ProviderMetadata

ISSUER = "https://id.example.com"
CLIENT_ID = "client-123"
JWKS_URI = f"{ISSUER}/jwks"
USERINFO_URI = f"{ISSUER}/userinfo"
NOW = 1_700_000_000.0
NONCE = "n-0S6_WzA2Mj-the-login-nonce"
SUB = "user-248289761001"
ACCESS_TOKEN = "AT-jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"


@dataclass(frozen=True)
class SigningKey:
    """A provider signing key: the private half signs, ``jwk()`` publishes the public half."""

    private: Any
    alg: str
    kid: str | None

    def jwk(self, **extra: Any) -> dict[str, Any]:
        public = self.private.public_key()
        algo = jwt.get_algorithm_by_name(self.alg)
        data: dict[str, Any] = algo.to_jwk(public, as_dict=True)
        data.update({"use": "sig", "alg": self.alg})
        if self.kid is not None:
            data["kid"] = self.kid
        data.update(extra)
        return {k: v for k, v in data.items() if v is not None}

    def sign(
        self,
        claims: dict[str, Any],
        *,
        alg: str | None = None,
        kid: str | bool | None = True,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """Sign ``claims``; ``kid=True`` uses the key's own kid, ``None`` omits it."""
        hdr = dict(headers or {})
        use_kid = self.kid if kid is True else kid
        if use_kid is not None and use_kid is not False:
            hdr["kid"] = use_kid
        return jwt.encode(claims, self.private, algorithm=alg or self.alg, headers=hdr)

    def sign_bytes(self, payload: bytes) -> str:
        """Sign an arbitrary payload (PyJWT's JWT layer refuses e.g. a non-string ``iss``)."""
        return jwt.PyJWS().encode(
            payload, self.private, algorithm=self.alg, headers={"kid": self.kid}
        )

    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


@functools.cache
def _rsa(name: str, bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def _ec(name: str, curve: str) -> ec.EllipticCurvePrivateKey:
    curves = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}
    return ec.generate_private_key(curves[curve])


@functools.cache
def _ed(name: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def rsa_key(kid: str | None = "rsa-1", alg: str = "RS256", *, bits: int = 2048) -> SigningKey:
    return SigningKey(_rsa(kid or "no-kid", bits), alg, kid)


def ec_key(kid: str | None = "ec-1", alg: str = "ES256") -> SigningKey:
    curve = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[alg]
    return SigningKey(_ec(kid or "no-kid", curve), alg, kid)


def ed_key(kid: str | None = "ed-1") -> SigningKey:
    return SigningKey(_ed(kid or "no-kid"), "EdDSA", kid)


def jwks(*keys: SigningKey | dict[str, Any]) -> dict[str, Any]:
    return {"keys": [k.jwk() if isinstance(k, SigningKey) else k for k in keys]}


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid id_token claims at ``NOW``; ``None`` in overrides removes a claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": SUB,
        "aud": CLIENT_ID,
        "exp": int(NOW) + 600,
        "iat": int(NOW),
        "auth_time": int(NOW) - 5,
        "nonce": NONCE,
        "at_hash": at_hash(ACCESS_TOKEN, "RS256"),
        "email": "ada@example.com",
        "name": "Ada Lovelace",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def metadata(**overrides: Any) -> ProviderMetadata:
    data: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": JWKS_URI,
        "userinfo_endpoint": USERINFO_URI,
        "end_session_endpoint": f"{ISSUER}/logout",
    }
    data.update(overrides)
    return ProviderMetadata.model_validate({k: v for k, v in data.items() if v is not None})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hmac_token(claims: dict[str, Any], secret: bytes, *, kid: str | None = None) -> str:
    """An HS256 token signed with an arbitrary byte string.

    Built by hand because PyJWT (rightly) refuses a PEM public key as an HMAC secret, and
    that is exactly the key-confusion attack this token stands for.
    """
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    sig = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(sig)}"


def with_payload(token: str, claims: dict[str, Any]) -> str:
    """``token`` with its payload replaced and its original signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
