"""DPoP (RFC 9449), the pure half: keys, proofs, server nonces, challenges, token types.

Nothing here sends a request or reads a clock: the caller passes ``now`` and the response's
status, headers and body. A request to the token or PAR endpoint carries
``DPoP: key.proof("POST", url, nonce=nonces.get(url), now=now)``; a request to a resource
server carries ``resource_headers(...)``, which adds ``ath``. After every response,
``nonces.learn(url, headers)``; when ``should_retry_with_nonce`` says so, build a new proof
and send the request once more (a ``use_dpop_nonce`` error consumed no code, refresh token
or ``request_uri``).
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Literal

from ..errors import ConfigurationError, TokenEndpointError
from ..rules import access_token_hash, normalize_htu, origin_of
from ..rules import checked_access_token as _checked_token
from ..rules import without_query as _without_query
from .keys import SigningKey

__all__ = [
    "DPOP_ALGORITHMS",
    "DPoPKey",
    "DPoPNonces",
    "TokenScheme",
    "access_token_hash",
    "choose_dpop_algorithm",
    "is_use_dpop_nonce",
    "refuses_the_proof",
    "nonce_from_headers",
    "normalize_htu",
    "parse_www_authenticate",
    "resource_headers",
    "should_retry_with_nonce",
    "token_scheme",
]

DPOP_ALGORITHMS = ("ES256", "EdDSA", "ES384", "PS256", "RS256")
"""The algorithms a ``DPoPKey`` may use, in the order the SDK prefers them."""

TokenScheme = Literal["Bearer", "DPoP"]
"""The ``Authorization`` scheme an access token is presented with."""

# RFC 9110 §5.6.2 token: what an HTTP method may consist of.
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9449 §8.1: nonce = 1*NQCHAR (printable ASCII except '"' and '\').
_NONCE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


@functools.lru_cache(maxsize=256)
def _origin(url: str) -> str:
    return origin_of(url)


class DPoPKey(SigningKey):
    """The key a client proves possession of with DPoP (RFC 9449).

    One key per login, kept with the token set as long as its refresh token lives: export
    it with ``to_jwk()`` into the store (as secret as the tokens) and read it back with
    ``DPoPKey.from_jwk``. ``repr`` shows the algorithm and the thumbprint (``jkt``, the
    value the provider binds tokens to), never the private key; pickling is refused.

    Example:
        >>> key = DPoPKey.generate()
        >>> key.alg, key.public_jwk["crv"], "d" in key.public_jwk
        ('ES256', 'P-256', False)
        >>> DPoPKey.from_jwk(key.to_jwk()) == key
        True
    """

    __slots__ = ("_proof_header",)

    _what = "the DPoP key"
    _algorithms = DPOP_ALGORITHMS
    _rsa_default = "PS256"

    @property
    def jkt(self) -> str:
        """The RFC 7638 thumbprint of the public key (the ``dpop_jkt`` parameter, §10)."""
        return self.thumbprint

    def proof(
        self,
        htm: str,
        htu: str,
        *,
        now: float,
        nonce: str | None = None,
        access_token: str | None = None,
    ) -> str:
        """A fresh DPoP proof JWT for one request (RFC 9449 §4.2).

        Args:
            htm: the request's method, as sent (``"POST"``).
            htu: the request's URL; query and fragment are dropped (``normalize_htu``).
            now: the current time in seconds since the epoch, for ``iat``.
            nonce: the server's latest ``DPoP-Nonce`` for this origin, if it sent one.
            access_token: the access token the request presents, at a resource server
                only; its hash goes into ``ath``.

        Each proof has its own ``jti`` (128 random bits), so one proof serves one request:
        a retry needs a new proof.
        """
        if not isinstance(htm, str) or _METHOD.fullmatch(htm) is None:
            raise ConfigurationError("a DPoP htm must be an HTTP method name")
        if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
            raise ConfigurationError("now must be finite seconds since the epoch")
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": htm,
            "htu": normalize_htu(htu),
            "iat": int(now),
        }
        if nonce is not None:
            if not isinstance(nonce, str) or _NONCE.fullmatch(nonce) is None:
                raise ConfigurationError("a DPoP nonce must be printable ASCII without quotes")
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        header = getattr(self, "_proof_header", None)
        if header is None:
            # The header is the same for every proof of this key: encoded once.
            text = json.dumps(
                {"alg": self.alg, "typ": "dpop+jwt", "jwk": self._public_jwk},
                separators=(",", ":"),
                sort_keys=True,
            )
            header = self._proof_header = base64.urlsafe_b64encode(text.encode()).rstrip(b"=")
        return self.compact(header, claims)


def choose_dpop_algorithm(supported: object, preferred: str = "ES256") -> str:
    """The algorithm to make a DPoP key for, given ``dpop_signing_alg_values_supported``.

    ``preferred`` when the provider lists it or lists nothing, else the first of
    ``DPOP_ALGORITHMS`` it lists; ``ConfigurationError`` when none fits.

    Example:
        >>> choose_dpop_algorithm(None), choose_dpop_algorithm(["RS256", "EdDSA"])
        ('ES256', 'EdDSA')
    """
    if preferred not in DPOP_ALGORITHMS:
        raise ConfigurationError(
            f"DPoP cannot use algorithm {preferred!r}; choose one of {', '.join(DPOP_ALGORITHMS)}"
        )
    if supported is None:
        return preferred
    if not isinstance(supported, (list, tuple)):
        raise ConfigurationError("dpop_signing_alg_values_supported must be a list of names")
    if preferred in supported:
        return preferred
    for alg in DPOP_ALGORITHMS:
        if alg in supported:
            return alg
    listed = ", ".join(str(a) for a in supported[:10]) or "none"
    raise ConfigurationError(
        f"the provider accepts no DPoP algorithm the SDK signs with (it lists: {listed}; "
        f"the SDK has {', '.join(DPOP_ALGORITHMS)})"
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value; case-insensitive for plain dicts too (httpx's headers already are)."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, item in headers.items():
        if key.lower() == wanted:
            return item
    return None


def nonce_from_headers(headers: Mapping[str, str]) -> str | None:
    """The ``DPoP-Nonce`` a response carries, if it is a well-formed one (RFC 9449 §8.1).

    A malformed value (or several joined by commas) is ignored, as if absent.

    Example:
        >>> nonce_from_headers({"dpop-nonce": "eyJ7S_zG.eyJH0-Z.HX4w-7v"})
        'eyJ7S_zG.eyJH0-Z.HX4w-7v'
    """
    value = _header(headers, "DPoP-Nonce")
    if value is None:
        return None
    value = value.strip(" \t")
    return value if _NONCE.fullmatch(value) else None


class DPoPNonces:
    """The latest ``DPoP-Nonce`` per origin (scheme, host, port), for every server alike.

    The authorization server and each resource server keep their own nonces (RFC 9449 §8,
    §9), so a nonce is only ever offered back to the origin that sent it. The oldest origins
    are forgotten beyond ``max_origins``.

    Example:
        >>> nonces = DPoPNonces()
        >>> nonces.learn("https://as.example/token", {"DPoP-Nonce": "n-1"})
        'n-1'
        >>> nonces.get("https://AS.example:443/par"), nonces.get("https://rs.example/")
        ('n-1', None)
    """

    def __init__(self, max_origins: int = 256) -> None:
        if isinstance(max_origins, bool) or not isinstance(max_origins, int) or max_origins < 1:
            raise ConfigurationError("max_origins must be an int >= 1")
        self._max = max_origins
        self._nonces: OrderedDict[str, str] = OrderedDict()

    def get(self, url: str) -> str | None:
        """The latest nonce the origin of ``url`` sent, if any."""
        return self._nonces.get(_origin(_without_query(url)))

    def remember(self, url: str, nonce: str) -> None:
        """Record ``nonce`` as the latest of the origin of ``url``."""
        if not isinstance(nonce, str) or _NONCE.fullmatch(nonce) is None:
            raise ConfigurationError("a DPoP nonce must be printable ASCII without quotes")
        origin = _origin(_without_query(url))
        self._nonces[origin] = nonce
        self._nonces.move_to_end(origin)
        while len(self._nonces) > self._max:
            self._nonces.popitem(last=False)

    def learn(self, url: str, headers: Mapping[str, str]) -> str | None:
        """Record the ``DPoP-Nonce`` of a response from ``url`` (any status); return it."""
        nonce = nonce_from_headers(headers)
        if nonce is not None:
            self.remember(url, nonce)
        return nonce

    def __len__(self) -> int:
        return len(self._nonces)

    def __repr__(self) -> str:
        return f"DPoPNonces(origins={len(self._nonces)})"


# RFC 9110 §11.6.1: challenges are "scheme [token68 | auth-param, ...]", comma-separated.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = re.compile(rf"[ \t]*({_TOKEN})[ \t]*=[ \t]*({_TOKEN}|{_QUOTED})[ \t]*(?:,|$)")
_SCHEME = re.compile(rf"[ \t,]*({_TOKEN})(?:[ \t]+|[ \t]*(?:,|$))")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*[ \t]*(?:,|$)")


def parse_www_authenticate(value: str) -> list[tuple[str, dict[str, str]]]:
    """The challenges of a ``WWW-Authenticate`` value: ``[(scheme, params), ...]``.

    Schemes are lower-cased, parameter names too; quoted values are unquoted. Parsing stops
    quietly at the first thing that is no challenge (a server's malformed header cannot
    make it fail).

    Example:
        >>> parse_www_authenticate('Bearer realm="api", DPoP algs="ES256 PS256", error=x')
        [('bearer', {'realm': 'api'}), ('dpop', {'algs': 'ES256 PS256', 'error': 'x'})]
    """
    challenges: list[tuple[str, dict[str, str]]] = []
    position, end = 0, len(value)
    while position < end:
        scheme = _SCHEME.match(value, position)
        if scheme is None:
            break
        params: dict[str, str] = {}
        challenges.append((scheme.group(1).lower(), params))
        position = scheme.end()
        if scheme.group(0).rstrip(" \t").endswith(","):
            continue  # a scheme without parameters
        token68 = _TOKEN68.match(value, position)
        if token68 is not None and _PARAM.match(value, position) is None:
            position = token68.end()
            continue
        while (param := _PARAM.match(value, position)) is not None:
            raw = param.group(2)
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            params[param.group(1).lower()] = raw
            position = param.end()
    return challenges


def _body_error(body: bytes | None) -> str | None:
    if not body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else None


def is_use_dpop_nonce(status_code: int, headers: Mapping[str, str], body: bytes | None) -> bool:
    """True when a response says "send a proof with my nonce" (RFC 9449 §8, §9).

    An authorization server (token, PAR) answers 400 with the JSON error ``use_dpop_nonce``;
    a resource server answers 401 with ``WWW-Authenticate: DPoP error="use_dpop_nonce"``.

    Example:
        >>> is_use_dpop_nonce(401, {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"'}, b"")
        True
    """
    if status_code in (400, 401) and _body_error(body) == "use_dpop_nonce":
        return True
    if status_code != 401:
        return False
    challenge = _header(headers, "WWW-Authenticate")
    if not challenge:
        return False
    return any(
        scheme == "dpop" and params.get("error") == "use_dpop_nonce"
        for scheme, params in parse_www_authenticate(challenge)
    )


def should_retry_with_nonce(
    status_code: int, headers: Mapping[str, str], body: bytes | None, *, retried: bool
) -> bool:
    """Whether to send the request again with a new proof: once, on a ``use_dpop_nonce``
    challenge that carries a new ``DPoP-Nonce`` (without one, a retry would fail alike).

    Record the nonce first (``DPoPNonces.learn``); the retry's proof then carries it.
    """
    return (
        not retried
        and is_use_dpop_nonce(status_code, headers, body)
        and nonce_from_headers(headers) is not None
    )


def refuses_the_proof(status_code: int, headers: Mapping[str, str]) -> bool:
    """Whether a resource server's 401 refused the DPoP proof, not the token
    (``WWW-Authenticate: DPoP error="invalid_dpop_proof"``, RFC 9449 §7.1).

    A refresh cannot mend a proof; a fresh proof can (a replayed ``jti``, an ``iat`` out of
    the server's window), so the request goes once more with a new one, and no token is
    renewed.

    Example:
        >>> refuses_the_proof(401, {"WWW-Authenticate": 'DPoP error="invalid_dpop_proof"'})
        True
        >>> refuses_the_proof(401, {"WWW-Authenticate": 'DPoP error="invalid_token"'})
        False
    """
    if status_code != 401:
        return False
    return any(
        scheme == "dpop" and params.get("error") == "invalid_dpop_proof"
        for scheme, params in parse_www_authenticate(_header(headers, "www-authenticate") or "")
    )


def token_scheme(token_type: object, *, dpop: bool, require_dpop: bool = False) -> TokenScheme:
    """How to present an access token, from the token response's ``token_type``.

    ``token_type`` is compared case-insensitively (RFC 6749 §5.1). ``DPoP`` needs a proof
    with every request, so it is refused when the client made no proof (``dpop=False``).
    A provider may answer a DPoP request with a ``Bearer`` token (RFC 9449 §5): that is
    used as Bearer, unless ``require_dpop`` (as FAPI 2.0 does). A missing ``token_type`` is
    read as Bearer, as the rest of the SDK does.

    Example:
        >>> token_scheme("dpop", dpop=True), token_scheme("BEARER", dpop=True)
        ('DPoP', 'Bearer')
    """
    kind = "bearer" if token_type is None else token_type
    if not isinstance(kind, str) or kind.lower() not in ("bearer", "dpop"):
        shown = repr(kind[:40]) if isinstance(kind, str) else type(kind).__name__
        raise TokenEndpointError(
            f"invalid token response: token_type {shown} is neither Bearer nor DPoP"
        )
    if kind.lower() == "dpop":
        if not dpop:
            raise TokenEndpointError(
                "invalid token response: token_type is DPoP, but this client sent no DPoP "
                "proof; configure dpop= to use DPoP-bound tokens"
            )
        return "DPoP"
    if require_dpop:
        raise TokenEndpointError(
            "the provider issued a Bearer token, not one bound to the DPoP key; this "
            "client's profile requires sender-constrained (DPoP) tokens"
        )
    return "Bearer"


def resource_headers(
    scheme: TokenScheme,
    access_token: str,
    *,
    method: str,
    url: str,
    now: float,
    key: DPoPKey | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that present ``access_token`` at a resource server (RFC 9449 §7.1).

    ``Bearer``: ``Authorization: Bearer <token>`` alone. ``DPoP``: ``Authorization: DPoP
    <token>`` and a ``DPoP`` proof with ``ath``. The two are never mixed: a Bearer token
    goes without a proof, a DPoP token never as Bearer.
    """
    if scheme == "Bearer":
        return {"Authorization": f"Bearer {_checked_token(access_token)}"}
    if scheme != "DPoP":
        raise ConfigurationError("the token scheme must be 'Bearer' or 'DPoP'")
    if key is None:
        raise ConfigurationError("a DPoP-bound token needs its DPoP key to make proofs")
    proof = key.proof(method, url, now=now, nonce=nonce, access_token=access_token)
    return {"Authorization": f"DPoP {access_token}", "DPoP": proof}
