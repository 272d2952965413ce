"""Proofs, assertions and logins built by hand with PyJWT and cryptography.

Nothing of the SDK is used: a bug in the SDK cannot hide a lenient sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from lexoffice_auth.testing import FakeLexoffice

NOW = 1_700_000_000.0
REDIRECT = "http://127.0.0.1:8765/callback"
PUBLIC_CLIENT = "sandbox-client"
BANK = "bank-app"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
VERIFIER = "v" * 50


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str = VERIFIER) -> str:
    return b64(hashlib.sha256(verifier.encode()).digest())


@dataclass
class Key:
    """An EC P-256 key pair: signs proofs and assertions, publishes its public JWK."""

    kid: str = "k1"
    private: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.algorithms.ECAlgorithm.to_jwk(
            self.private.public_key(), as_dict=True
        )
        return jwk

    @property
    def jkt(self) -> str:
        # RFC 7638 §3.2 by hand (not the SDK's rule): members sorted, no whitespace.
        jwk = self.public_jwk
        members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
        canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
        return b64(hashlib.sha256(canonical.encode()).digest())

    def proof(
        self,
        htm: str,
        htu: str,
        *,
        iat: float = NOW,
        nonce: str | None = None,
        access_token: str | None = None,
        jti: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        claims: dict[str, Any] = {
            "jti": jti or secrets.token_urlsafe(12),
            "htm": htm,
            "htu": htu,
            "iat": int(iat),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
        head = {"typ": "dpop+jwt", "jwk": self.public_jwk, **(headers or {})}
        return jwt.encode(claims, self.private, algorithm="ES256", headers=head)

    def assertion(
        self,
        client_id: str,
        audience: str,
        *,
        now: float = NOW,
        jti: str | None = None,
        **extra: Any,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": jti or secrets.token_urlsafe(12),
            "iat": int(now),
            "exp": int(now) + 60,
            **extra,
        }
        return jwt.encode(claims, self.private, algorithm="ES256", headers={"kid": self.kid})


def register_bank(fake: FakeLexoffice, key: Key, **options: Any) -> None:
    """A confidential ``private_key_jwt`` client with ``key``'s public half."""
    fake.register_client(
        BANK, [REDIRECT], jwks={"keys": [key.public_jwk | {"kid": key.kid}]}, **options
    )


def assertion_form(key: Key, fake: FakeLexoffice, **claims: Any) -> dict[str, str]:
    return {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": key.assertion(BANK, fake.issuer, **claims),
    }


def authorization_params(client_id: str = PUBLIC_CLIENT, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": "st-1",
        "scope": "openid",
        "code_challenge": s256(),
        "code_challenge_method": "S256",
        **overrides,
    }
    return {k: v for k, v in params.items() if v != ""}


def callback(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


def code_for(http: httpx.Client, fake: FakeLexoffice, **params: str) -> str:
    answer = http.get(f"{fake.issuer}/oauth2/authorize", params=authorization_params(**params))
    return callback(answer)["code"]


def token_url(fake: FakeLexoffice) -> str:
    return f"{fake.issuer}/oauth2/token"


def exchange(
    http: httpx.Client,
    fake: FakeLexoffice,
    code: str,
    *,
    proof: str | None = None,
    client_id: str = PUBLIC_CLIENT,
    **form: str,
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "client_id": client_id,
        **form,
    }
    headers = {"DPoP": proof} if proof is not None else {}
    return http.post(token_url(fake), data=data, headers=headers)
