"""The pure half of a login: the authorization URL out, the callback back in."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Secret,
    SecretStr,
    SerializationInfo,
    ValidationError,
    field_serializer,
    field_validator,
)

from .._core.checks import describe_validation_error, json_object
from ..errors import AuthorizationDenied, ConfigurationError, LoginError
from ..rules import escape_controls, is_loopback_host
from .metadata import ProviderMetadata
from .par import is_request_uri_error, request_uri_error
from .pkce import code_challenge, is_code_verifier, new_code_verifier
from .token_rules import check_dpop_jwk

if TYPE_CHECKING:
    from .dpop import DPoPKey
    from .seal import SealKeys

__all__ = [
    "LoginRequest",
    "PendingLogin",
    "build_login",
    "front_channel_url",
    "login_request",
    "parse_callback",
    "pending_login",
]

# Parameters the SDK owns; callers may not override them through ``extra_params``.
_RESERVED = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "dpop_jkt",
    }
)

# state and nonce travel in URLs and are compared as bytes: URL-safe ASCII only (RFC 3986
# unreserved characters; ``secrets.token_urlsafe`` makes them from a subset).
_URL_SAFE = re.compile(r"[A-Za-z0-9\-._~]{16,512}")


def _pending_error(message: str) -> LoginError:
    return LoginError(message, reason="pending")


def _check_text(value: str, what: str) -> str:
    """Printable text that encodes as UTF-8 (no lone surrogates, controls or whitespace)."""
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValueError(f"{what} must not contain whitespace or control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid Unicode text") from None
    return value


def _check_url(value: str, what: str) -> str:
    _check_text(value, what)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError:
        raise ValueError(f"{what} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an absolute http(s) URL")
    return value


# Parameters of the authorization URL that a dump masks: they are what state, nonce and the
# PKCE verifier protect (the challenge only ties a code to the verifier, but it is no one's
# business in a log).
_MASKED_PARAMS = frozenset({"state", "nonce", "code_challenge"})
_REVEAL = object()  # serialisation context key: to_json() and nothing else reveals the URL


def _masked_url(url: str) -> str:
    parts = urlsplit(url)
    pairs = [
        (name, "***" if name in _MASKED_PARAMS else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    query = urlencode(pairs, safe="*")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class PendingLogin(BaseModel):
    """A login between the redirect and the callback.

    Keep it server-side (session, cookie encrypted by your framework, database) and hand it
    back to ``complete_login``. It holds the PKCE verifier, ``state`` and ``nonce``, none of
    which shows in ``repr``, ``model_dump()`` or ``model_dump_json()`` (there the
    ``authorization_url`` has them masked as ``***``; ``to_json`` keeps them for
    server-side storage, ``seal`` encrypts them for a cookie). It is bound to the client
    that started it (``issuer``, ``client_id``, ``redirect_uri``): another ``OAuthClient``
    refuses it.

    A DPoP login (``OAuthClient(dpop=True)``) holds the private key made for it
    (``dpop_jwk``, a secret) until the code is exchanged: such a login is kept with
    ``seal`` only, and ``to_json`` refuses it, so the key is never stored in clear.
    ``dpop_jkt`` is the thumbprint of the key the login is bound to. With a pushed
    request (PAR), ``authorization_url`` carries only ``client_id`` and ``request_uri``
    and must be opened before ``authorization_url_expires_at``.

    Example (``OAuthClient.start_login`` makes one; here from the sandbox):
        >>> import anyio
        >>> from lexoffice_auth import OAuthClient
        >>> from lexoffice_auth.testing import FakeLexoffice
        >>> fake = FakeLexoffice()
        >>> oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
        ...                     issuer=fake.issuer, http_client=fake.client(), clock=fake.clock)
        >>> pending = anyio.run(oauth.start_login)
        >>> "state=***" in pending.model_dump_json()  # dumps mask the secrets
        True
        >>> saved = pending.to_json()  # keeps them: for server-side storage only
        >>> PendingLogin.from_json(saved) == pending
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    authorization_url: str = Field(repr=False)
    state: SecretStr = Field(min_length=16)
    code_verifier: SecretStr = Field(min_length=43, max_length=128)
    nonce: SecretStr | None = Field(default=None, min_length=16)
    issuer: str
    client_id: str = Field(min_length=1)
    redirect_uri: str
    scopes: tuple[str, ...] = ()
    created_at: float
    expires_at: float
    dpop_jwk: Secret[dict[str, str]] | None = Field(default=None, repr=False)
    dpop_jkt: str | None = None
    authorization_url_expires_at: float | None = None

    @field_validator("dpop_jwk")
    @classmethod
    def _loadable_key(cls, value: Secret[dict[str, str]] | None) -> Secret[dict[str, str]] | None:
        if value is not None:
            check_dpop_jwk(value.get_secret_value())
        return value

    @field_validator("dpop_jkt")
    @classmethod
    def _thumbprint(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{43}", value):
            raise ValueError("dpop_jkt must be a SHA-256 JWK thumbprint (43 base64url characters)")
        return value

    @property
    def dpop_key(self) -> DPoPKey | None:
        """The DPoP key made for this login (``None`` for a client-wide key, or no DPoP)."""
        if self.dpop_jwk is None:
            return None
        from .dpop import DPoPKey

        return DPoPKey.from_jwk(self.dpop_jwk.get_secret_value())

    @field_validator("state", "nonce")
    @classmethod
    def _url_safe(cls, value: SecretStr | None, info: Any) -> SecretStr | None:
        if value is not None and not _URL_SAFE.fullmatch(value.get_secret_value()):
            raise ValueError(f"{info.field_name} must be 16-512 URL-safe ASCII characters")
        return value

    @field_validator("code_verifier")
    @classmethod
    def _rfc7636_verifier(cls, value: SecretStr) -> SecretStr:
        if not is_code_verifier(value.get_secret_value()):
            raise ValueError("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]")
        return value

    @field_validator("authorization_url", "issuer", "redirect_uri")
    @classmethod
    def _usable_url(cls, value: str, info: Any) -> str:
        return _check_url(value, str(info.field_name))

    @field_validator("client_id")
    @classmethod
    def _usable_client_id(cls, value: str) -> str:
        return _check_text(value, "client_id")

    @field_validator("scopes")
    @classmethod
    def _usable_scopes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for scope in value:
            if not scope:
                raise ValueError("a scope must not be empty")
            _check_text(scope, "a scope")
        return value

    @field_serializer("authorization_url")
    def _dump_url(self, value: str, info: SerializationInfo) -> str:
        # model_dump()/model_dump_json() mask state, nonce and code_challenge; to_json() keeps
        # the URL as it is, for storage.
        context = info.context
        if isinstance(context, dict) and context.get(_REVEAL) is True:
            return value
        return _masked_url(value)

    def is_expired(self, now: float) -> bool:
        """True once ``now`` has passed ``expires_at``."""
        return now >= self.expires_at

    def to_json(self) -> str:
        """Serialise with the secrets, for server-side storage only.

        A DPoP login holding its private key is refused (``ConfigurationError``): keep it
        with ``seal``, which encrypts it.
        """
        if self.dpop_jwk is not None:
            raise ConfigurationError(
                "this pending login holds the DPoP private key made for it, which must not "
                "be stored in clear: keep pending.seal(key) instead of to_json() (the sealed "
                "value is encrypted; PendingLogin.unseal reads it back)"
            )
        return self._json()

    def _json(self) -> str:
        data = self.model_dump(mode="json", context={_REVEAL: True}, exclude={"dpop_jwk"})
        data["state"] = self.state.get_secret_value()
        data["code_verifier"] = self.code_verifier.get_secret_value()
        data["nonce"] = self.nonce.get_secret_value() if self.nonce else None
        if self.dpop_jwk is not None:
            data["dpop_jwk"] = self.dpop_jwk.get_secret_value()
        return json.dumps(data, separators=(",", ":"))

    def seal(self, key: SealKeys) -> str:
        """This login encrypted and authenticated with ``key``, for a cookie or hidden field.

        ``key`` is at least 32 random bytes, or their base64 text (``secrets.token_urlsafe(32)``
        makes one; a passphrase is refused), or a list of keys: the first seals, any opens
        (key rotation). The result is base64url (about 1 KiB), safe in cookies and URLs;
        nobody without the key can read the verifier or change any field.

        Example (``pending`` from ``OAuthClient.start_login``; here from the sandbox):
            >>> import anyio
            >>> from lexoffice_auth import OAuthClient
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
            ...                     issuer=fake.issuer, http_client=fake.client(),
            ...                     clock=fake.clock)
            >>> pending = anyio.run(oauth.start_login)
            >>> key = secrets.token_urlsafe(32)
            >>> cookie = pending.seal(key)
            >>> PendingLogin.unseal(cookie, key, max_age=600, now=fake.clock()) == pending
            True
            >>> PendingLogin.unseal(cookie[:-4] + "AAAA", key)
            Traceback (most recent call last):
            ...
            lexoffice_auth.errors.LoginError: ...
        """
        from .seal import seal

        return seal(self._json().encode("utf-8"), key, purpose=_SEAL_PURPOSE)

    @classmethod
    def unseal(
        cls,
        token: str,
        key: SealKeys,
        *,
        max_age: float | None = None,
        now: float | None = None,
    ) -> PendingLogin:
        """Open what ``seal`` made, with ``key`` (or any key of a list).

        A value that was edited, truncated, sealed with another key, or (with ``max_age``
        seconds) created longer ago than that by ``now`` (default: the system clock) raises
        ``LoginError(reason="pending")``; a malformed key raises ``ConfigurationError``.
        ``complete_login`` checks the login's own ``expires_at`` in any case.
        """
        from .._core.clock import system_clock
        from .seal import unseal

        plain = unseal(token, key, purpose=_SEAL_PURPOSE, what="pending login")
        pending = cls.from_json(plain)
        if max_age is not None:
            moment = system_clock() if now is None else now
            if moment - pending.created_at > max_age:
                raise LoginError(
                    f"the sealed pending login is older than max_age ({max_age:g} s); "
                    "start a new login",
                    reason="pending",
                )
        return pending

    @classmethod
    def from_json(cls, data: str | bytes) -> PendingLogin:
        """Read back ``to_json``'s output; bad input is ``LoginError(reason="pending")``."""
        if not isinstance(data, (str, bytes, bytearray)):
            raise LoginError("a pending login is str or bytes", reason="pending")
        raw = json_object(data, "pending login", _pending_error)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            detail = describe_validation_error(exc)
            raise LoginError(f"pending login is invalid: {detail}", reason="pending") from exc


_SEAL_PURPOSE = b"lexoffice-auth PendingLogin v1"


@dataclass(frozen=True)
class LoginRequest:
    """The authorization request of one login, before it goes anywhere.

    Attributes:
        params: every authorization parameter (PKCE included), for the browser URL or a
            pushed request.
        verifier: the PKCE code verifier (secret).
        state: the ``state`` value (secret).
        nonce: the OpenID ``nonce`` (secret), when ``openid`` is asked for.
    """

    params: dict[str, str]
    verifier: str
    state: str
    nonce: str | None

    def __repr__(self) -> str:
        return "LoginRequest(...)"


def login_request(
    metadata: ProviderMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    scope_param: str = "scope",
    scope_separator: str = " ",
    extra_params: Mapping[str, str] | None = None,
    dpop_jkt: str | None = None,
) -> LoginRequest:
    """A fresh authorization request (PKCE S256, state, nonce; ``prompt=consent`` when
    OpenID scopes ask for ``offline_access``; ``dpop_jkt`` when given, RFC 9449 §10)."""
    if not metadata.supports_pkce_s256:
        raise ConfigurationError("the provider does not support PKCE with S256")
    extra = dict(extra_params or {})
    clash = _RESERVED.intersection(extra) | ({scope_param} & extra.keys())
    if clash:
        raise ConfigurationError(f"these parameters are set by the SDK: {', '.join(sorted(clash))}")
    verifier = new_code_verifier()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32) if "openid" in scopes else None
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if scopes:
        params[scope_param] = scope_separator.join(scopes)
    if nonce is not None:
        params["nonce"] = nonce
        if "offline_access" in scopes:
            # OpenID Connect Core §11: a request for offline access MUST carry prompt=consent
            # (providers that follow it drop offline_access otherwise, and with it the
            # refresh token). A prompt the caller chose wins.
            params["prompt"] = "consent"
    if dpop_jkt is not None:
        params["dpop_jkt"] = dpop_jkt
    params.update(extra)
    return LoginRequest(params=params, verifier=verifier, state=state, nonce=nonce)


def front_channel_url(metadata: ProviderMetadata, params: Mapping[str, str]) -> str:
    """The authorization endpoint with ``params`` in its query (no PAR)."""
    endpoint = urlsplit(metadata.authorization_endpoint)
    # Keep any query the provider put in its endpoint (RFC 6749 §3.1).
    query = f"{endpoint.query}&{urlencode(params)}" if endpoint.query else urlencode(params)
    return urlunsplit((endpoint.scheme, endpoint.netloc, endpoint.path, query, ""))


def pending_login(
    request: LoginRequest,
    authorization_url: str,
    metadata: ProviderMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    now: float,
    lifetime: float = 600.0,
    dpop_key: DPoPKey | None = None,
    keep_dpop_key: bool = False,
    authorization_url_expires_at: float | None = None,
) -> PendingLogin:
    """The ``PendingLogin`` of ``request`` sent as ``authorization_url``.

    ``dpop_key`` is the key the login is bound to; ``keep_dpop_key`` keeps its private
    half in the pending login (a key made for this login only).
    """
    return PendingLogin(
        authorization_url=authorization_url,
        state=SecretStr(request.state),
        code_verifier=SecretStr(request.verifier),
        nonce=SecretStr(request.nonce) if request.nonce else None,
        issuer=metadata.issuer,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        created_at=now,
        expires_at=now + lifetime,
        dpop_jwk=Secret(dpop_key.to_jwk()) if dpop_key is not None and keep_dpop_key else None,
        dpop_jkt=dpop_key.jkt if dpop_key is not None else None,
        authorization_url_expires_at=authorization_url_expires_at,
    )


def build_login(
    metadata: ProviderMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    now: float,
    lifetime: float = 600.0,
    scope_param: str = "scope",
    scope_separator: str = " ",
    extra_params: Mapping[str, str] | None = None,
) -> PendingLogin:
    """A fresh ``PendingLogin`` with its authorization URL (PKCE S256, state, nonce; and
    ``prompt=consent`` when OpenID scopes ask for ``offline_access``)."""
    request = login_request(
        metadata,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        scope_param=scope_param,
        scope_separator=scope_separator,
        extra_params=extra_params,
    )
    return pending_login(
        request,
        front_channel_url(metadata, request.params),
        metadata,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        now=now,
        lifetime=lifetime,
    )


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise LoginError(f"callback has more than one {name!r} parameter", reason="callback")
    return values[0]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _check_arrival(
    scheme: str, host: str | None, port: int | None, path: str, redirect_uri: str
) -> None:
    """The callback came to ``redirect_uri``: same scheme, host, port and path.

    Per-client redirect URIs are the mix-up defence of RFC 9700 §4.4.2.2 for providers that
    send no ``iss`` (lexoffice's partner OAuth). Scheme and host compare case-insensitively,
    a default port equals no port, the path compares exactly. A loopback ``http`` redirect
    URI without a port accepts any port (RFC 8252 §7.3: a native app picks it at run time).
    """
    expected = urlsplit(redirect_uri)
    want_scheme = expected.scheme.lower()
    want_host = (expected.hostname or "").lower()
    got_scheme = scheme.lower()
    differs: list[str] = []
    if got_scheme != want_scheme:
        differs.append("scheme")
    if (host or "").lower() != want_host:
        differs.append("host")
    any_port = want_scheme == "http" and expected.port is None and is_loopback_host(want_host)
    if not any_port and not differs:
        got_port = port if port is not None else _DEFAULT_PORTS.get(got_scheme)
        want_port = expected.port if expected.port is not None else _DEFAULT_PORTS.get(want_scheme)
        if got_port != want_port:
            differs.append("port")
    if (path or "/") != (expected.path or "/"):
        differs.append("path")
    if differs:
        raise LoginError(
            f"the callback arrived at another {' and '.join(differs)} than this login's "
            f"redirect_uri {redirect_uri!r}; pass the full URL the provider redirected to "
            "(behind a reverse proxy: the public URL, not the internal one)",
            reason="redirect_uri",
        )


def parse_callback(
    callback_url: str,
    pending: PendingLogin,
    metadata: ProviderMetadata,
    *,
    now: float,
    require_iss: bool = False,
) -> str:
    """Check an authorization response and return its code.

    Checks, in order: the pending login has not expired; the callback arrived at the
    login's ``redirect_uri`` (scheme, host, port and path); ``state`` matches (constant
    time); ``iss`` per RFC 9207 (required whatever the metadata says with
    ``require_iss``, as FAPI 2.0 does); an ``error=`` response (``invalid_request_uri``:
    the pushed request expired or was used); then the code itself.
    """
    if not isinstance(callback_url, str):
        raise LoginError("callback URL must be a string", reason="callback")
    if pending.is_expired(now):
        raise LoginError(
            "the login took too long and has expired; start a new one", reason="expired"
        )
    try:
        parts = urlsplit(callback_url)
        # Some servers post the response as a fragment; we only ever ask for a query.
        params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
        port = parts.port
    except ValueError as exc:
        raise LoginError("callback URL cannot be parsed", reason="callback") from exc
    _check_arrival(parts.scheme, parts.hostname, port, parts.path, pending.redirect_uri)

    state = _single(params, "state")
    expected_state = pending.state.get_secret_value()
    if state is None:
        raise LoginError("callback has no state parameter", reason="state")
    if not secrets.compare_digest(state.encode("utf-8", "surrogatepass"), expected_state.encode()):
        raise LoginError("callback state does not match this login", reason="state")

    iss = _single(params, "iss")
    if iss is None:
        if require_iss:
            raise LoginError(
                "callback lacks the iss parameter, which this client's profile requires (RFC 9207)",
                reason="iss",
            )
        if metadata.authorization_response_iss_parameter_supported:
            raise LoginError(
                "callback lacks the iss parameter that this provider promises (RFC 9207)",
                reason="iss",
            )
    elif iss != pending.issuer:
        raise LoginError(
            f"callback comes from issuer {iss!r}, expected {pending.issuer!r} (RFC 9207)",
            reason="iss",
        )

    error = _single(params, "error")
    if error is not None:
        code_name = error or "unknown_error"
        description = _single(params, "error_description")
        if is_request_uri_error(code_name):
            raise request_uri_error(escape_controls(description) if description else None)
        # Provider text goes into a message that terminals and logs show: no controls.
        text = f"authorization denied by the provider: {escape_controls(code_name)}"
        if description:
            text += f" ({escape_controls(description)})"
        raise AuthorizationDenied(text, error=code_name, error_description=description)

    code = _single(params, "code")
    if not code:
        raise LoginError("callback has no authorization code", reason="callback")
    return code
