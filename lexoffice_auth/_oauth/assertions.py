"""Client authentication by signed assertion (RFC 7523 §2.2, OpenID Connect Core §9).

``private_key_jwt`` signs with the client's private key (``ClientKey``), ``client_secret_jwt``
with an HMAC of the client secret. Either gives the form fields to add to a token, PAR,
revocation or introspection request; a fresh assertion per request (own ``jti``, ``exp``
a minute away). The audience is the provider's issuer identifier, as FAPI 2.0 requires
and RFC 7523's update recommends: the one value every endpoint of the provider accepts.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping
from typing import Any, Literal

from ..errors import ConfigurationError
from .keys import SigningKey

__all__ = [
    "ASSERTION_LIFETIME",
    "CLIENT_ASSERTION_TYPE",
    "AssertionMethod",
    "ClientKey",
    "assertion_claims",
    "client_secret_jwt",
    "private_key_jwt",
]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
"""The ``client_assertion_type`` of a JWT client assertion (RFC 7523 §2.2)."""

ASSERTION_LIFETIME = 60.0
"""Seconds between an assertion's ``iat`` and its ``exp``: short, as it is used at once."""

AssertionMethod = Literal["private_key_jwt", "client_secret_jwt"]
"""The ``token_endpoint_auth_method`` names of the two assertion methods."""

# RFC 7518 §3.2: an HMAC key at least as long as the hash output.
_HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
_MAX_LIFETIME = 3600.0


class ClientKey(SigningKey):
    """The private key a client signs ``private_key_jwt`` assertions with.

    Load it with ``ClientKey.load`` from a JWK (a dict or its JSON text) or PEM; the
    provider knows the public half from the client's registration (``jwks`` or
    ``jwks_uri``), found by ``kid`` when several are registered. ``repr`` shows algorithm,
    ``kid`` and thumbprint, never the key; pickling is refused.

    Example:
        >>> key = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid="k1")
        >>> key.alg, key.kid
        ('ES256', 'k1')
    """

    __slots__ = ()

    _what = "client_key"

    @classmethod
    def load(
        cls,
        value: ClientKey | Mapping[str, Any] | str | bytes,
        *,
        kid: str | None = None,
        alg: str | None = None,
        password: bytes | None = None,
    ) -> ClientKey:
        """A ``ClientKey`` from a JWK dict, JWK JSON text, or PEM text/bytes.

        ``alg`` defaults to the JWK's ``alg``, else ES256/ES384/ES512 by curve, EdDSA for
        Ed25519, RS256 for RSA (pass ``alg="PS256"`` for FAPI 2.0). ``kid`` defaults to
        the JWK's. A ``ClientKey`` is returned as is.
        """
        if isinstance(value, ClientKey):
            if (kid is not None and kid != value.kid) or (alg is not None and alg != value.alg):
                raise ConfigurationError("client_key is a ClientKey: set its kid and alg there")
            return value
        if isinstance(value, Mapping):
            return cls.from_jwk(value, kid=kid, alg=alg)
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                data = json.loads(value)
            except (ValueError, RecursionError):
                # Not chained: the parser's message quotes the text, the key.
                raise ConfigurationError("client_key looks like JSON but is not valid") from None
            if not isinstance(data, dict):
                raise ConfigurationError("client_key JSON must be a JWK object")
            return cls.from_jwk(data, kid=kid, alg=alg)
        if isinstance(value, (str, bytes)):
            return cls.from_pem(value, kid=kid, alg=alg, password=password)
        raise ConfigurationError(
            f"client_key must be a JWK (dict or JSON) or PEM, not {type(value).__name__}"
        )

    def sign_assertion(self, claims: Mapping[str, Any]) -> str:
        """A signed assertion of ``claims``, with ``kid`` in the header when known."""
        headers: dict[str, str] = {"typ": "JWT"}
        if self.kid is not None:
            headers["kid"] = self.kid
        return self.sign(claims, headers)


def assertion_claims(
    client_id: str, audience: str, *, now: float, lifetime: float = ASSERTION_LIFETIME
) -> dict[str, Any]:
    """The claims of a client assertion: ``iss`` = ``sub`` = client_id, ``aud``, a unique
    ``jti``, ``iat`` and ``exp`` (RFC 7523 §3).

    Example:
        >>> claims = assertion_claims("app", "https://id.example", now=1000.5)
        >>> claims["iss"], claims["sub"], claims["aud"], claims["iat"], claims["exp"]
        ('app', 'app', 'https://id.example', 1000, 1060)
    """
    if not isinstance(client_id, str) or not client_id:
        raise ConfigurationError("client_id must be a non-empty string")
    if not isinstance(audience, str) or not audience:
        raise ConfigurationError("the assertion audience (the issuer) must be a non-empty string")
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
        raise ConfigurationError("now must be finite seconds since the epoch")
    if (
        isinstance(lifetime, bool)
        or not isinstance(lifetime, (int, float))
        or not 0 < lifetime <= _MAX_LIFETIME
    ):
        raise ConfigurationError(
            f"an assertion lifetime must be more than 0 and at most {_MAX_LIFETIME:.0f} seconds"
        )
    issued = int(now)
    return {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": secrets.token_urlsafe(16),
        "iat": issued,
        "exp": issued + math.ceil(lifetime),
    }


def _form(client_id: str, assertion: str) -> dict[str, str]:
    # client_id too: optional in RFC 7521 §4.2, but it lets the provider find the client
    # before it reads the assertion, and some providers require it.
    return {
        "client_id": client_id,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion,
    }


def private_key_jwt(
    client_id: str,
    key: ClientKey,
    *,
    audience: str,
    now: float,
    lifetime: float = ASSERTION_LIFETIME,
) -> dict[str, str]:
    """The form fields that authenticate ``client_id`` by ``private_key_jwt``.

    Example:
        >>> key = ClientKey.generate("ES256")
        >>> fields = private_key_jwt("app", key, audience="https://id.example", now=1e9)
        >>> sorted(fields)
        ['client_assertion', 'client_assertion_type', 'client_id']
    """
    if not isinstance(key, ClientKey):
        raise ConfigurationError(
            f"private_key_jwt needs a ClientKey (ClientKey.load), not {type(key).__name__}"
        )
    claims = assertion_claims(client_id, audience, now=now, lifetime=lifetime)
    return _form(client_id, key.sign_assertion(claims))


def client_secret_jwt(
    client_id: str,
    client_secret: str,
    *,
    audience: str,
    now: float,
    lifetime: float = ASSERTION_LIFETIME,
    alg: str = "HS256",
) -> dict[str, str]:
    """The form fields that authenticate ``client_id`` by ``client_secret_jwt``: an HMAC
    keyed with the UTF-8 octets of the client secret (OpenID Connect Core §9).

    The secret must be at least as long as the hash (32 bytes for HS256, RFC 7518 §3.2).
    """
    import jwt

    minimum = _HMAC_MIN_BYTES.get(alg)
    if minimum is None:
        raise ConfigurationError(f"client_secret_jwt signs with HS256, HS384 or HS512, not {alg!r}")
    if not isinstance(client_secret, str) or not client_secret:
        raise ConfigurationError("client_secret_jwt needs the client secret (a str)")
    secret = client_secret.encode("utf-8")
    if len(secret) < minimum:
        # Only the length is named, never the secret.
        raise ConfigurationError(
            f"the client secret has {len(secret)} bytes; {alg} needs at least {minimum} "
            "(RFC 7518 §3.2): use a longer secret or private_key_jwt"
        )
    claims = assertion_claims(client_id, audience, now=now, lifetime=lifetime)
    assertion = jwt.encode(claims, secret, algorithm=alg, headers={"typ": "JWT"})
    return _form(client_id, assertion)
