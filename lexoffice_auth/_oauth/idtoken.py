"""OpenID Connect: id_token verification (Core §3.1.3.7), userinfo and RP-initiated logout.

Signatures are checked by PyJWT with keys from the provider's JWKS; the claim checks are
pure functions of the claims and ``now`` so that an injected clock decides every time check.
Each failure raises ``IdTokenError`` whose ``check`` names the rule that failed:

=============  ==========================================================================
``format``     not a compact JWS, undecodable header or payload
``alg``        algorithm outside the allowlist (``none`` always, HS* unless enabled)
``kid``        no key in the JWKS fits the token's ``kid`` and algorithm
``signature``  the signature does not verify with the selected key
``iss``        ``iss`` missing or not the metadata's issuer (raw string compare)
``aud``        ``aud`` missing or without the client_id
``azp``        several audiences without ``azp``, or ``azp`` not the client_id
``exp``        expired (beyond the leeway)
``iat``        missing, or issued in the future (beyond the leeway)
``nbf``        not valid yet (beyond the leeway)
``nonce``      missing or not the pending login's nonce
``at_hash``    does not match the access token
``sub``        missing, or after a refresh not the original subject
``auth_time``  present but not a number
``claims``     another claim has an impossible type (e.g. ``email`` not a string)
=============  ==========================================================================

Messages never contain the token, the nonce, the access token or the subject.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from .._core.checks import check_seconds, describe_validation_error, json_object
from .._core.clock import Clock
from .._core.http import AsyncClient, read_limited
from ..errors import ConfigurationError, IdTokenError, ProviderError
from .jwks import ASYMMETRIC_ALGORITHMS, JWK, MAX_BODY_BYTES, JWKSCache

if TYPE_CHECKING:
    # pydantic and the models load with the first id_token, like PyJWT: importing stays cheap.
    from .claims import IdTokenClaims
    from .dpop import DPoPKey, DPoPNonces
    from .metadata import ProviderMetadata

__all__ = [
    "HMAC_ALGORITHMS",
    "IdTokenVerifier",
    "UserinfoDPoP",
    "allowed_algorithms",
    "at_hash",
    "check_claims",
    "end_session_url",
    "fetch_userinfo",
]

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})

DEFAULT_LEEWAY = 60.0
"""Clock skew allowed for ``exp``/``iat``/``nbf`` (seconds): small, since it is also how far
in the future a token may be issued and how long after ``exp`` it is still accepted."""
"""Symmetric algorithms, keyed with the client secret; refused unless explicitly enabled."""

_MAX_ECHO = 80


def _rejected(check: str, message: str) -> IdTokenError:
    return IdTokenError(f"id_token rejected ({check}): {message}", check=check)


def _jwks_error(message: str) -> ProviderError:
    return ProviderError(message, endpoint="jwks")


def _userinfo_error(message: str) -> ProviderError:
    return ProviderError(message, endpoint="userinfo")


def _show(value: object) -> str:
    """A bounded repr of a non-secret, attacker-controlled value for an error message."""
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 3] + "..."


def allowed_algorithms(metadata: ProviderMetadata, *, allow_hmac: bool = False) -> frozenset[str]:
    """The JWS algorithms an id_token from this provider may use.

    The provider's ``id_token_signing_alg_values_supported`` (when given) intersected with
    the asymmetric algorithms, plus HS256/384/512 when ``allow_hmac``. ``none`` never.

    Example:
        >>> from lexoffice_auth import ProviderMetadata
        >>> m = ProviderMetadata(issuer="https://id.example",
        ...     authorization_endpoint="https://id.example/a", token_endpoint="https://id.example/t",
        ...     id_token_signing_alg_values_supported=("RS256", "none", "HS256"))
        >>> sorted(allowed_algorithms(m))
        ['RS256']
    """
    ours = set(ASYMMETRIC_ALGORITHMS)
    if allow_hmac:
        ours |= HMAC_ALGORITHMS
    advertised = metadata.id_token_signing_alg_values_supported
    if advertised is not None:
        ours &= set(advertised)
    return frozenset(ours)


def at_hash(access_token: str, alg: str, crv: str | None = None) -> str:
    """The ``at_hash`` of ``access_token`` for an id_token signed with ``alg`` (Core §3.1.3.6).

    The left half of the hash that ``alg`` uses, base64url without padding. For EdDSA the hash
    follows the curve: SHA-512 for Ed25519, SHAKE256 (114 bytes) for Ed448.

    Example:
        >>> at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256")
        '77QmUPtjPfzWtF2AnpK9RQ'
    """
    import jwt

    data = access_token.encode("utf-8", "surrogatepass")
    if alg == "EdDSA":
        if crv == "Ed448":
            digest = hashlib.shake_256(data).digest(114)
        else:
            digest = hashlib.sha512(data).digest()
    else:
        try:
            digest = jwt.get_algorithm_by_name(alg).compute_hash_digest(data)
        except NotImplementedError as exc:
            raise _rejected("alg", f"no at_hash is defined for algorithm {alg!r}") from exc
    half = digest[: len(digest) // 2]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode("ascii")


def _numeric_date(payload: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise _rejected(name, f"the {name} claim is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _rejected(name, f"the {name} claim is not a number")
    try:
        seconds = float(value)
    except OverflowError:  # an integer beyond any float (JSON allows 1e400 written out)
        seconds = math.inf
    if not math.isfinite(seconds):
        raise _rejected(name, f"the {name} claim is not a finite number")
    return seconds


def _same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8"))


def check_claims(
    payload: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    now: float,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = None,
    nonce: str | None = None,
    alg: str | None = None,
    crv: str | None = None,
    access_token: str | None = None,
    expected_sub: str | None = None,
) -> IdTokenClaims:
    """Check the claims of an id_token whose signature is already verified; return them typed.

    Pure: no I/O, no clock. ``leeway`` is the clock-skew allowance for ``exp``, ``iat``
    and ``nbf``; ``max_age`` (``None``: no limit) how many seconds ago ``iat`` may be.
    ``nonce=None`` skips the nonce check (after a refresh);
    ``expected_sub`` demands that subject (after a refresh); ``at_hash`` is checked when the
    token has one and ``access_token`` and ``alg`` are given.

    Example:
        >>> c = check_claims({"iss": "https://id.example", "sub": "42", "aud": "app",
        ...                   "exp": 200, "iat": 100}, issuer="https://id.example",
        ...                  client_id="app", now=150)
        >>> c.sub
        '42'
    """
    iss = payload.get("iss")
    if iss is None:
        raise _rejected("iss", "the iss claim is missing")
    if iss != issuer:
        raise _rejected("iss", f"issuer {_show(iss)} is not the provider's {issuer!r}")

    aud = payload.get("aud")
    if isinstance(aud, str):
        audiences: list[str] = [aud]
    elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        audiences = aud
    elif aud is None:
        raise _rejected("aud", "the aud claim is missing")
    else:
        raise _rejected("aud", "the aud claim is not a string or a list of strings")
    if client_id not in audiences:
        raise _rejected("aud", f"the audience does not include this client ({client_id!r})")

    azp = payload.get("azp")
    if azp is None and len(audiences) > 1:
        raise _rejected("azp", "a token for several audiences must name azp")
    if azp is not None and azp != client_id:
        raise _rejected("azp", f"authorized party {_show(azp)} is not this client")

    exp = _numeric_date(payload, "exp", required=True)
    if exp is not None and now >= exp + leeway:
        raise _rejected("exp", f"the token expired {now - exp:.0f} s ago")
    iat = _numeric_date(payload, "iat", required=True)
    if iat is not None and iat > now + leeway:
        raise _rejected("iat", f"the token is issued {iat - now:.0f} s in the future")
    if iat is not None and max_age is not None and now - iat > max_age + leeway:
        age = f"the token was issued {now - iat:.0f} s ago (max age {max_age:.0f} s)"
        raise _rejected("iat", age)
    nbf = _numeric_date(payload, "nbf", required=False)
    if nbf is not None and nbf > now + leeway:
        raise _rejected("nbf", f"the token is not valid for another {nbf - now:.0f} s")
    auth_time = _numeric_date(payload, "auth_time", required=False)

    if nonce is not None:
        got = payload.get("nonce")
        if not isinstance(got, str):
            raise _rejected("nonce", "the nonce claim is missing")
        if not _same(got, nonce):
            raise _rejected("nonce", "the nonce is not the one this login sent")

    token_hash = payload.get("at_hash")
    if token_hash is not None and access_token is not None and alg is not None:
        expected_hash = at_hash(access_token, alg, crv)
        if not isinstance(token_hash, str) or not _same(token_hash, expected_hash):
            raise _rejected("at_hash", "at_hash does not match the access token")

    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub:
        raise _rejected("sub", "the sub claim is missing or not a string")
    if expected_sub is not None and not _same(sub, expected_sub):
        raise _rejected("sub", "the subject differs from the one of the original login")

    from pydantic import ValidationError

    from .claims import IdTokenClaims

    data = dict(payload)
    # NumericDate may carry a fraction (RFC 7519 §2); the typed model keeps whole seconds.
    for name, value in (("exp", exp), ("iat", iat), ("auth_time", auth_time)):
        if value is not None:
            data[name] = math.floor(value)
    try:
        return IdTokenClaims.model_validate(data)
    except ValidationError as exc:
        reason = describe_validation_error(exc)
        raise _rejected("claims", f"claims of the wrong type: {reason}") from exc


def _header(id_token: str) -> tuple[str, str | None]:
    """The ``alg`` and ``kid`` of the token's JOSE header (not yet trusted)."""
    import jwt

    try:
        header = jwt.get_unverified_header(id_token)
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
        raise _rejected("format", "the id_token is not a well-formed JWS") from exc
    alg = header.get("alg")
    kid = header.get("kid")
    if not isinstance(alg, str):
        raise _rejected("alg", "the JOSE header names no algorithm")
    if kid is not None and not isinstance(kid, str):
        raise _rejected("format", "the JOSE header's kid is not a string")
    return alg, kid


class IdTokenVerifier:
    """Verifies id_tokens of one client as OpenID Connect Core §3.1.3.7 demands.

    Keeps a JWKS cache (see ``JWKSCache``): keys are fetched on
    first use, refreshed after their cache lifetime, and refetched once when a token names an
    unknown ``kid`` (at most once per ``jwks_min_refetch_interval``).

    Args:
        client_id: the expected audience.
        http_client: used to fetch the JWKS.
        clock: decides ``exp``/``iat``/``nbf`` and the JWKS cache lifetime.
        leeway: allowed clock skew in seconds for ``exp``, ``iat`` and ``nbf``; 60 s by
            default. Keep it small: it is also how long past ``exp`` and how far in the
            future a token is still accepted.
        max_age: how many seconds ago ``iat`` may be (``None``, the default: no limit),
            separate from the skew allowance.
        client_secret, allow_hs256: HS256/384/512 tokens, keyed with the client secret, are
            accepted only when both are set (a confidential client that asked for them).
        timeout: the total time limit of one JWKS fetch (``OAuthClient`` passes its own
            ``timeout``), so a provider trickling bytes cannot hold a login or a refresh.

    Example (``OAuthClient`` verifies login id_tokens itself; this checks one by hand):
        >>> import anyio
        >>> from lexoffice_auth import OAuthClient
        >>> from lexoffice_auth.testing import FakeLexoffice
        >>> fake = FakeLexoffice()
        >>> async def verify_a_sandbox_login() -> str:
        ...     http = fake.client()
        ...     oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
        ...                         issuer=fake.issuer, http_client=http, clock=fake.clock)
        ...     pending = await oauth.start_login()
        ...     callback = fake.approve(pending.authorization_url)
        ...     tokens = await oauth.complete_login(callback, pending)
        ...     verifier = IdTokenVerifier(client_id="sandbox-client", http_client=http,
        ...                                clock=fake.clock)
        ...     claims = await verifier.verify(
        ...         tokens.id_token.get_secret_value(), await oauth.metadata(),
        ...         nonce=pending.nonce.get_secret_value())
        ...     return claims.sub
        >>> anyio.run(verify_a_sandbox_login)
        'sandbox-user-1'
    """

    def __init__(
        self,
        *,
        client_id: str,
        http_client: AsyncClient,
        clock: Clock,
        leeway: float = DEFAULT_LEEWAY,
        max_age: float | None = None,
        client_secret: str | None = None,
        allow_hs256: bool = False,
        jwks_min_refetch_interval: float = 60.0,
        jwks_default_ttl: float = 3600.0,
        timeout: float = 10.0,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise ConfigurationError("client_id must be a non-empty string")
        check_seconds("leeway", leeway)
        if max_age is not None:
            check_seconds("max_age", max_age)
        if allow_hs256 and not client_secret:
            raise ConfigurationError("allow_hs256 needs the client_secret (the HMAC key)")
        self._jwks = JWKSCache(
            http_client,
            clock,
            min_refetch_interval=jwks_min_refetch_interval,
            default_ttl=jwks_default_ttl,
            timeout=timeout,
        )
        self.client_id = client_id
        self.leeway = leeway
        self.max_age = max_age
        self._clock = clock
        self._secret = client_secret
        self._allow_hmac = allow_hs256

    def __repr__(self) -> str:
        hmac = ", allow_hs256=True" if self._allow_hmac else ""
        return f"IdTokenVerifier(client_id={self.client_id!r}, leeway={self.leeway}{hmac})"

    async def verify(
        self,
        id_token: str,
        metadata: ProviderMetadata,
        *,
        nonce: str | None,
        access_token: str | None = None,
        expected_sub: str | None = None,
    ) -> IdTokenClaims:
        """Verify ``id_token`` and return its claims, or raise ``IdTokenError``.

        ``ProviderError`` (endpoint ``jwks``) when the JWKS cannot be had.

        Args:
            nonce: the pending login's nonce; None skips the check (only after a refresh).
            access_token: the access token issued with it, for ``at_hash``.
            expected_sub: after a refresh, the ``sub`` of the original id_token.
        """
        if not isinstance(id_token, str) or not id_token:
            raise _rejected("format", "the id_token is empty or not a string")
        alg, kid = _header(id_token)
        allowed = allowed_algorithms(metadata, allow_hmac=self._allow_hmac)
        if alg not in allowed:
            listed = ", ".join(sorted(allowed)) or "none acceptable"
            raise _rejected("alg", f"algorithm {_show(alg)} is not allowed ({listed})")
        crv: str | None = None
        if alg in HMAC_ALGORITHMS:
            # Core §10.1: the key is the UTF-8 octets of the client secret.
            key: Any = (self._secret or "").encode("utf-8")
        else:
            jwk = await self._key(metadata, alg, kid)
            key, crv = jwk.key, jwk.crv
        payload = self._decode(id_token, key, alg)
        return check_claims(
            payload,
            issuer=metadata.issuer,
            client_id=self.client_id,
            now=self._clock(),
            leeway=self.leeway,
            max_age=self.max_age,
            nonce=nonce,
            alg=alg,
            crv=crv,
            access_token=access_token,
            expected_sub=expected_sub,
        )

    async def _key(self, metadata: ProviderMetadata, alg: str, kid: str | None) -> JWK:
        uri = metadata.jwks_uri
        if uri is None:
            raise _jwks_error("the provider metadata has no jwks_uri to verify id_tokens with")
        keys = await self._jwks.get(uri)
        found = keys.candidates(alg, kid)
        if not found:
            # The provider may have rotated its keys since we cached them.
            keys = await self._jwks.refetch(uri, keys)
            found = keys.candidates(alg, kid)
        if not found:
            named = f"kid {_show(kid)}" if kid is not None else "no kid"
            raise _rejected("kid", f"no key in the provider's JWKS fits {alg} with {named}")
        if kid is None and len(found) > 1:
            # Core §10.1: with several keys in the set the token must say which one it used.
            raise _rejected("kid", f"the token names no kid and the JWKS has several {alg} keys")
        return found[0]

    @staticmethod
    def _decode(id_token: str, key: Any, alg: str) -> dict[str, Any]:
        # Time claims are checked by check_claims against the injected clock, and
        # iss/aud there too, so that each failure gets its own name.
        import jwt

        options: Any = {
            "verify_signature": True,
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
            "verify_aud": False,
            "verify_iss": False,
            "require": [],
        }
        try:
            payload = jwt.decode(id_token, key, algorithms=[alg], options=options)
        except jwt.InvalidSignatureError as exc:
            raise _rejected("signature", "the signature does not verify") from exc
        except jwt.InvalidAlgorithmError as exc:
            raise _rejected("alg", "the algorithm does not fit the key") from exc
        except jwt.InvalidKeyError as exc:
            raise _rejected("signature", "the key cannot verify this token") from exc
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
            raise _rejected("format", "the id_token payload cannot be decoded") from exc
        if not isinstance(payload, dict):
            raise _rejected("format", "the id_token payload is not a JSON object")
        return payload


async def fetch_userinfo(
    http_client: AsyncClient,
    metadata: ProviderMetadata,
    access_token: str,
    expected_sub: str,
    *,
    timeout: float = 10.0,
    dpop: UserinfoDPoP | None = None,
) -> dict[str, Any]:
    """Call the userinfo endpoint (Core §5.3) and return its claims.

    The response's ``sub`` must equal ``expected_sub`` (the id_token's), else the response
    may belong to another user (§5.3.4). Signed or encrypted (``application/jwt``) responses
    are not supported. Raises ``ProviderError`` (endpoint ``userinfo``). ``timeout`` bounds
    the whole exchange, however slowly the endpoint sends its body. The public way in is
    ``OAuthClient.userinfo(token_set)``. A DPoP-bound token (``dpop``) goes with a fresh
    proof, and once more after a ``use_dpop_nonce`` challenge.
    """
    endpoint = metadata.userinfo_endpoint
    if endpoint is None:
        raise _userinfo_error("the provider has no userinfo_endpoint")
    if not access_token:
        raise _userinfo_error("no access token to call the userinfo endpoint with")
    retried = False
    while True:
        if dpop is None:
            headers = {"Authorization": f"Bearer {access_token}"}
        else:
            from .dpop import resource_headers

            headers = resource_headers(
                "DPoP",
                access_token,
                method="GET",
                url=endpoint,
                now=dpop.clock(),
                key=dpop.key,
                nonce=dpop.nonces.get(endpoint),
            )
        reply = await read_limited(
            http_client,
            "GET",
            endpoint,
            headers={**headers, "Accept": "application/json"},
            limit=MAX_BODY_BYTES,
            time_limit=timeout,
            failure=lambda exc: _userinfo_error(
                f"userinfo endpoint could not be reached ({type(exc).__name__})"
            ),
        )
        if dpop is None:
            break
        from .dpop import should_retry_with_nonce

        dpop.nonces.learn(endpoint, reply.headers)
        if not should_retry_with_nonce(reply.status_code, reply.headers, b"", retried=retried):
            break
        retried = True
    if reply.status_code != 200:
        # RFC 6750 §3: the reason, if any, is in WWW-Authenticate; it holds no secret.
        challenge = reply.headers.get("www-authenticate", "")
        reason = f" ({challenge[:200]})" if "error=" in challenge else ""
        raise _userinfo_error(f"userinfo endpoint answered HTTP {reply.status_code}{reason}")
    content_type = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/jwt":
        raise _userinfo_error(
            "the userinfo endpoint answered with a signed or encrypted JWT, which is not "
            "supported; configure the client for plain JSON userinfo responses"
        )
    if reply.body is None:
        raise _userinfo_error("userinfo response is too large")
    data = json_object(reply.body, "userinfo response", _userinfo_error)
    sub = data.get("sub")
    if not isinstance(sub, str) or not sub:
        raise _userinfo_error("userinfo response has no sub")
    if not _same(sub, expected_sub):
        raise _userinfo_error("userinfo sub differs from the id_token's; response discarded")
    return data


@dataclass(frozen=True)
class UserinfoDPoP:
    """What a userinfo call with a DPoP-bound token needs: the key, the nonces, a clock."""

    key: DPoPKey
    nonces: DPoPNonces
    clock: Clock


def end_session_url(
    metadata: ProviderMetadata,
    *,
    id_token_hint: str | None = None,
    post_logout_redirect_uri: str | None = None,
    state: str | None = None,
    client_id: str | None = None,
) -> str:
    """The URL that logs the user out at the provider (OpenID Connect RP-Initiated Logout).

    Raises ``ConfigurationError`` when the provider has no ``end_session_endpoint``. Any
    query already in the endpoint is kept.

    Example:
        >>> from lexoffice_auth import ProviderMetadata
        >>> m = ProviderMetadata(issuer="https://id.example",
        ...     authorization_endpoint="https://id.example/a", token_endpoint="https://id.example/t",
        ...     end_session_endpoint="https://id.example/logout")
        >>> end_session_url(m, client_id="app", post_logout_redirect_uri="https://app.example/")
        'https://id.example/logout?post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F&client_id=app'
    """
    endpoint = metadata.end_session_endpoint
    if endpoint is None:
        raise ConfigurationError("the provider has no end_session_endpoint (no RP logout)")
    params = {
        "id_token_hint": id_token_hint,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
        "client_id": client_id,
    }
    query = urlencode({k: v for k, v in params.items() if v is not None})
    parts = urlsplit(endpoint)
    if parts.query and query:
        query = f"{parts.query}&{query}"
    elif parts.query:
        query = parts.query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
