"""The provider's JSON Web Key Set (RFC 7517): fetched asynchronously, parsed, cached.

Only asymmetric signing keys are kept (RSA >= 2048 bits, EC P-256/384/521, Ed25519/Ed448);
encryption keys, symmetric keys and published private keys are dropped. The cache honours
``Cache-Control: max-age`` within bounds, and a refetch because a token names an unknown
``kid`` happens at most once per ``min_refetch_interval``, so forged ``kid`` values cannot
make us hammer the provider. Likewise an outage: concurrent verifications share one fetch
and its failure, and a failure is remembered for ``failure_ttl`` seconds, so that a JWKS
outage is not multiplied by the number of logins waiting for it.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from .._core.checks import check_seconds
from .._core.clock import Clock
from .._core.http import AsyncClient, is_transient_status, read_limited
from ..errors import ConfigurationError, ProviderError

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "JWK",
    "JWKSCache",
    "JWKSet",
    "parse_cache_control",
    "parse_jwks",
]

_log = logging.getLogger("lexoffice_auth.jwks")

# The JWS algorithms an id_token may be signed with, by the key type (``kty``) each needs.
ASYMMETRIC_ALGORITHMS: Mapping[str, str] = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
"""Allowed asymmetric JWS algorithms mapped to the JWK ``kty`` they need."""

_EC_CURVE = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_OKP_CURVES = frozenset({"Ed25519", "Ed448"})
# The algorithm PyJWT needs to build a key object of each family (the key object does not
# depend on it; verification later names the token's own algorithm).
_BUILD_ALG = {"RSA": "RS256", "P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_MIN_RSA_BITS = 2048
MAX_BODY_BYTES = 512 * 1024


@dataclass(frozen=True)
class JWK:
    """One usable public signing key from a JWKS.

    Attributes:
        kid: the key id, if the provider gave one.
        kty: ``RSA``, ``EC`` or ``OKP``.
        crv: the curve for EC/OKP keys.
        alg: the one algorithm the provider restricts this key to, if it named one.
        key: the public key object (from ``cryptography``), ready for ``jwt.decode``.
    """

    kid: str | None
    kty: str
    crv: str | None
    alg: str | None
    key: Any = field(repr=False)

    def fits(self, alg: str) -> bool:
        """True when this key may verify a signature made with ``alg``."""
        if ASYMMETRIC_ALGORITHMS.get(alg) != self.kty:
            return False
        if self.alg is not None and self.alg != alg:
            return False
        if self.kty == "EC":
            return _EC_CURVE[alg] == self.crv
        return True


@dataclass(frozen=True)
class JWKSet:
    """An immutable snapshot of a provider's usable signing keys.

    Attributes:
        keys: the usable keys, in the provider's order.
        fetched_at: when the set was fetched (clock seconds).
        expires_at: when the cache should fetch it again.
    """

    keys: tuple[JWK, ...]
    fetched_at: float
    expires_at: float

    def candidates(self, alg: str, kid: str | None) -> list[JWK]:
        """Keys that fit ``alg`` and, when ``kid`` is given, carry that ``kid``."""
        return [k for k in self.keys if k.fits(alg) and (kid is None or k.kid == kid)]


def _parse_key(raw: object) -> JWK | None:
    """A usable public signing key from one JWK member, or None (the member is skipped)."""
    # PyJWT and cryptography load with the first JWKS, not with the SDK (import cost).
    import jwt
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    if not isinstance(raw, dict):
        return None
    kty = raw.get("kty")
    use = raw.get("use")
    key_ops = raw.get("key_ops")
    kid = raw.get("kid")
    alg = raw.get("alg")
    crv = raw.get("crv")
    if kty not in ("RSA", "EC", "OKP"):
        return None  # "oct" keys would let a JWKS turn HMAC on; never accept them
    if use is not None and use != "sig":
        return None
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return None
    if (kid is not None and not isinstance(kid, str)) or (
        crv is not None and not isinstance(crv, str)
    ):
        return None
    if alg is not None and (not isinstance(alg, str) or ASYMMETRIC_ALGORITHMS.get(alg) != kty):
        return None  # an encryption key (RSA-OAEP, ECDH-ES) or an algorithm we refuse
    if "d" in raw:
        # A provider that publishes private key material is broken; do not use that key.
        _log.warning("JWKS member %r contains private key material; ignored", kid)
        return None
    if kty == "OKP":
        if crv not in _OKP_CURVES:
            return None
        build_alg = "EdDSA"
    else:
        build = _BUILD_ALG.get("RSA" if kty == "RSA" else str(crv))
        if build is None:
            return None
        build_alg = build
    try:
        key = jwt.PyJWK(raw, algorithm=build_alg).key
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None
    if isinstance(key, RSAPublicKey) and key.key_size < _MIN_RSA_BITS:
        return None
    return JWK(
        kid=kid,
        kty=kty,
        crv=crv if isinstance(crv, str) else None,
        alg=alg,
        key=key,
    )


def parse_jwks(body: bytes, *, now: float, ttl: float, source: str = "JWKS") -> JWKSet:
    """Parse a JWKS document into a ``JWKSet``; raise ``ProviderError`` if it is unusable.

    Example:
        >>> parse_jwks(b'{"keys": []}', now=0, ttl=60)
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.ProviderError: JWKS has no usable signing keys (0 keys, 0 usable)
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProviderError(f"{source} is not valid JSON", endpoint="jwks") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ProviderError(f"{source} is not a JWK Set (no 'keys' array)", endpoint="jwks")
    members = data["keys"]
    keys = tuple(k for k in map(_parse_key, members) if k is not None)
    if not keys:
        raise ProviderError(
            f"{source} has no usable signing keys ({len(members)} keys, 0 usable)", endpoint="jwks"
        )
    return JWKSet(keys=keys, fetched_at=now, expires_at=now + ttl)


def parse_cache_control(value: str | None) -> float | None:
    """``max-age`` of a ``Cache-Control`` header in seconds; ``0`` for ``no-store``/``no-cache``.

    None when the header is absent or says nothing usable.

    Example:
        >>> parse_cache_control("public, max-age=600, must-revalidate")
        600.0
    """
    if not value:
        return None
    max_age: float | None = None
    for directive in value.split(","):
        name, _, arg = directive.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            return 0.0
        if name == "max-age":
            arg = arg.strip().strip('"')
            if arg.isdigit():
                max_age = float(arg)
    return max_age


@dataclass
class _Slot:
    current: JWKSet | None = None
    last_forced: float | None = None
    attempts: int = 0
    last_error: ProviderError | None = None
    failed_at: float = 0.0


class JWKSCache:
    """Fetches and caches JWKS documents per ``jwks_uri``; every fetch is single-flight.

    Args:
        http_client: the client used for the GET (its timeouts apply).
        clock: the time source for expiry and the refetch limit.
        min_refetch_interval: the shortest time between two refetches caused by unknown
            ``kid`` values.
        default_ttl: cache lifetime when the response has no usable ``Cache-Control``.
        min_ttl, max_ttl: bounds for a ``max-age`` the provider sends.
        failure_ttl: how long a failed fetch is remembered: callers within that time get
            its error without a request of their own (0: only callers that waited for it).
        timeout: the total time limit of one fetch, slow trickles included.

    ``IdTokenVerifier`` keeps one; its example shows a verification against the sandbox.
    """

    def __init__(
        self,
        http_client: AsyncClient,
        clock: Clock,
        *,
        min_refetch_interval: float = 60.0,
        default_ttl: float = 3600.0,
        min_ttl: float = 300.0,
        max_ttl: float = 86400.0,
        failure_ttl: float = 5.0,
        timeout: float = 10.0,
    ) -> None:
        values = (min_refetch_interval, default_ttl, min_ttl, max_ttl)
        if not all(math.isfinite(v) for v in values) or (
            min_refetch_interval < 0 or default_ttl <= 0 or not 0 < min_ttl <= max_ttl
        ):
            raise ConfigurationError(
                "JWKS cache intervals must be finite and positive, and min_ttl <= max_ttl"
            )
        check_seconds("failure_ttl", failure_ttl)
        check_seconds("timeout", timeout, positive=True)
        self._http = http_client
        self._clock = clock
        self._failure_ttl = failure_ttl
        self._timeout = timeout
        self._min_refetch = min_refetch_interval
        self._default_ttl = default_ttl
        self._min_ttl = min_ttl
        self._max_ttl = max_ttl
        self._slots: dict[str, _Slot] = {}
        self._lock = anyio.Lock()

    async def get(self, jwks_uri: str) -> JWKSet:
        """The cached key set for ``jwks_uri``, fetched first if absent or expired."""
        slot = self._slots.setdefault(jwks_uri, _Slot())
        current = slot.current
        if current is not None and self._clock() < current.expires_at:
            return current
        attempts = slot.attempts
        async with self._lock:
            # Another task may have fetched while we waited for the lock.
            current = slot.current
            if current is not None and self._clock() < current.expires_at:
                return current
            failure = slot.last_error
            if failure is not None and (slot.attempts != attempts or self._recent(slot)):
                # A fetch failed while we waited, or a moment ago: share its outcome instead
                # of one more request (and one more timeout) per waiting login. Each caller
                # gets its own copy (class, message, transient, status_code).
                raise copy.copy(failure) from failure
            slot.current = await self._fetch(slot, jwks_uri)
            return slot.current

    async def refetch(self, jwks_uri: str, seen: JWKSet) -> JWKSet:
        """Fetch again because ``seen`` lacks a key a token names; rate-limited.

        Returns ``seen`` unchanged when the last such refetch is younger than
        ``min_refetch_interval``, and the newer set when another task already replaced it.
        """
        slot = self._slots.setdefault(jwks_uri, _Slot())
        async with self._lock:
            if slot.current is not None and slot.current is not seen:
                return slot.current
            now = self._clock()
            if slot.last_forced is not None and now - slot.last_forced < self._min_refetch:
                _log.debug("unknown kid: JWKS refetch skipped (rate limit)")
                return seen
            # Counted before the request, so a failing endpoint is rate-limited as well.
            slot.last_forced = now
            slot.current = await self._fetch(slot, jwks_uri)
            return slot.current

    def _recent(self, slot: _Slot) -> bool:
        # A clock that went backwards does not make a failure permanent.
        return 0.0 <= self._clock() - slot.failed_at < self._failure_ttl

    def _ttl(self, cache_control: str | None) -> float:
        max_age = parse_cache_control(cache_control)
        if max_age is None:
            return self._default_ttl
        return min(max(max_age, self._min_ttl), self._max_ttl)

    async def _fetch(self, slot: _Slot, jwks_uri: str) -> JWKSet:
        slot.attempts += 1
        try:
            fetched = await self._fetch_once(jwks_uri)
        except ProviderError as exc:
            slot.last_error, slot.failed_at = exc, self._clock()
            raise
        slot.last_error = None
        return fetched

    async def _fetch_once(self, jwks_uri: str) -> JWKSet:
        _log.debug("fetching JWKS from %s", jwks_uri)
        headers = {"Accept": "application/jwk-set+json, application/json"}
        reply = await read_limited(
            self._http,
            "GET",
            jwks_uri,
            headers=headers,
            limit=MAX_BODY_BYTES,
            time_limit=self._timeout,
            failure=lambda exc: ProviderError(
                f"JWKS endpoint {jwks_uri} could not be reached ({type(exc).__name__})",
                endpoint="jwks",
                transient=True,
            ),
        )
        if reply.status_code != 200:
            raise ProviderError(
                f"JWKS endpoint {jwks_uri} answered HTTP {reply.status_code}",
                endpoint="jwks",
                status_code=reply.status_code,
                transient=is_transient_status(reply.status_code),
            )
        if reply.body is None:
            raise ProviderError(
                f"JWKS from {jwks_uri} is larger than {MAX_BODY_BYTES} bytes", endpoint="jwks"
            )
        ttl = self._ttl(reply.headers.get("cache-control"))
        return parse_jwks(reply.body, now=self._clock(), ttl=ttl, source=f"JWKS from {jwks_uri}")
