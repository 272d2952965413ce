"""RS256 signing keys for the sandbox's id_tokens, with rotation."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["SigningKey", "at_hash"]


@dataclass(frozen=True)
class SigningKey:
    """One RSA key pair and its key id."""

    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh 2048-bit key with a random ``kid``."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid=secrets.token_hex(8), private_key=key)

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK (RFC 7517) with ``kid``, ``use`` and ``alg``."""
        raw = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key())
        data: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else dict(raw)
        data.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return data

    def sign(self, claims: dict[str, Any]) -> str:
        """``claims`` as a compact RS256 JWS with this key's ``kid`` in the header."""
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6 ``at_hash`` for RS256: base64url of the left half of SHA-256."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")
