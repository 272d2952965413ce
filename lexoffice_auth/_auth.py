"""The httpx plug-ins: ``LexofficeAuth`` (OAuth, via a ``TokenSource``) and ``ApiKeyAuth``."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Generator, Iterable

from typing_extensions import Unpack

from ._errors import (
    ApiKeyRejected,
    ConfigurationError,
    SyncClientNotSupported,
    UnsafeRequestError,
)
from ._http import URL, AuthBase, Request, Response, httpx
from ._session import Refresher, SourceOptions, TokenSource
from ._urls import is_loopback_host, require_secure_url
from .stores import TokenStore

__all__ = ["DEFAULT_API_ORIGINS", "ApiKeyAuth", "LexofficeAuth", "make_auth"]

DEFAULT_API_ORIGINS: tuple[str, ...] = ("https://api.lexware.io",)
"""Where credentials are sent unless configured otherwise: the lexoffice public API."""


class _OriginGuard:
    """Refuses requests that would carry the credential outside the configured origins."""

    def __init__(self, origins: Iterable[str]) -> None:
        if isinstance(origins, str):
            origins = (origins,)
        try:
            origins = tuple(origins)
        except TypeError:
            raise ConfigurationError(
                "api_origins must be an iterable of origin strings such as "
                f"'https://api.lexware.io', got {type(origins).__name__}"
            ) from None
        keys = set()
        for origin in origins:
            url = _parse_origin(origin)
            keys.add((url.scheme, url.host, url.port))
        if not keys:
            raise ConfigurationError("at least one API origin is needed")
        self.keys = frozenset(keys)
        self.origins = tuple(sorted(_format(*key) for key in keys))

    def check(self, request: Request) -> None:
        url = request.url
        if (url.scheme, url.host, url.port) in self.keys:
            return
        origin = _format(url.scheme, url.host, url.port)
        if url.scheme != "https" and not is_loopback_host(url.host):
            raise UnsafeRequestError(
                f"refusing to send the token over plain HTTP to {origin}; use https"
            )
        raise UnsafeRequestError(
            f"refusing to send the token to {origin}: it is not one of the configured "
            f"API origins {list(self.origins)} (pass api_origins= to allow it)"
        )


def _parse_origin(origin: str) -> URL:
    require_secure_url(origin, "API origin")
    try:
        url = URL(origin)
        port = url.port
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(f"API origin is not a valid URL: {origin!r}") from exc
    if port is not None and not 0 < port < 65536:
        raise ConfigurationError(f"API origin has an invalid port: {origin!r}")
    if url.path not in ("", "/") or url.query or url.userinfo:
        raise ConfigurationError(f"an API origin is scheme://host[:port] only, got {origin!r}")
    return url


def _format(scheme: str, host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"


def _body_in_memory(request: Request) -> bool:
    """True when the body can be sent again (bytes, form, JSON); false for a stream."""
    try:
        request.content  # noqa: B018
    except Exception:  # httpx.RequestNotRead, or httpx2's class of the same name
        return False
    return True


class LexofficeAuth(AuthBase):
    """``Authorization: Bearer …`` from a ``TokenSource``, for ``httpx.AsyncClient``.

    * The token is fetched per request from the source (no lock, no I/O while it is valid).
    * On a 401 it asks the source for a new token (which refreshes only if the rejected
      token is still the current one and was not refreshed within the source's
      ``reject_refresh_interval``, default 10 s) and retries once. A body held in memory
      is sent again; a streamed body cannot be replayed, so then the 401 is returned as
      is and the next request carries the new token.
    * Requests to an origin outside ``api_origins`` or over plain HTTP to a non-loopback
      host raise ``UnsafeRequestError`` before anything is sent.
    * It also works with ``httpx2.AsyncClient``; a synchronous client raises
      ``SyncClientNotSupported``.

    Example:
        >>> auth = LexofficeAuth(TokenSource(oauth, "acme", store))         # doctest: +SKIP
        >>> async with httpx.AsyncClient(auth=auth) as http:                 # doctest: +SKIP
        ...     r = await http.get("https://api.lexware.io/v1/profile")
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self, source: TokenSource, *, api_origins: Iterable[str] = DEFAULT_API_ORIGINS
    ) -> None:
        if not isinstance(source, TokenSource):
            raise ConfigurationError("LexofficeAuth needs a TokenSource")
        self._source = source
        self._guard = _OriginGuard(api_origins)

    def __repr__(self) -> str:
        return f"LexofficeAuth({self._source!r}, api_origins={self._guard.origins!r})"

    @property
    def source(self) -> TokenSource:
        """The token source this auth reads from."""
        return self._source

    @property
    def api_origins(self) -> tuple[str, ...]:
        """The origins the token may be sent to."""
        return self._guard.origins

    def sync_auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """Not supported: refreshing is asynchronous."""
        raise SyncClientNotSupported(
            "LexofficeAuth refreshes tokens asynchronously: use httpx.AsyncClient "
            "(or httpx2.AsyncClient), not a synchronous Client"
        )

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        """Authorise ``request``; on 401 refresh if still current, retry once."""
        self._guard.check(request)
        replayable = _body_in_memory(request)
        header = await self._source.authorization_header()
        request.headers["Authorization"] = header
        response = yield request
        if response.status_code != 401:
            return
        # No lock is held here: the source takes and releases its own around the refresh.
        header = await self._source.handle_rejected(header)
        if replayable:
            request.headers["Authorization"] = header
            yield request


class ApiKeyAuth(AuthBase):
    """A static lexoffice API key as ``Authorization: Bearer …``.

    ``api_key`` defaults to the ``LEXOFFICE_API_KEY`` environment variable. The same
    origin rules as ``LexofficeAuth`` apply. A 401 raises ``ApiKeyRejected``. Works with
    synchronous and asynchronous clients (nothing to refresh).

    Example:
        >>> auth = ApiKeyAuth("my-key")
        >>> auth
        ApiKeyAuth(api_key='**********', api_origins=('https://api.lexware.io',))
    """

    def __init__(
        self, api_key: str | None = None, *, api_origins: Iterable[str] = DEFAULT_API_ORIGINS
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("LEXOFFICE_API_KEY")
        elif not isinstance(api_key, str):
            # Only the type is named: the value may be the key itself.
            raise ConfigurationError(f"api_key must be a str, not {type(api_key).__name__}")
        if not api_key or not api_key.strip():
            raise ConfigurationError("no lexoffice API key: pass api_key= or set LEXOFFICE_API_KEY")
        api_key = api_key.strip()
        if any(ord(c) < 0x21 or ord(c) > 0x7E for c in api_key):
            raise ConfigurationError("the API key contains characters not allowed in a header")
        self._header = f"Bearer {api_key}"
        self._guard = _OriginGuard(api_origins)

    def __repr__(self) -> str:
        return f"ApiKeyAuth(api_key='**********', api_origins={self._guard.origins!r})"

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """Add the key; raise ``ApiKeyRejected`` on 401."""
        self._guard.check(request)
        request.headers["Authorization"] = self._header
        response = yield request
        if response.status_code == 401:
            raise ApiKeyRejected(
                "the lexoffice API rejected the API key (HTTP 401): it is invalid, "
                "expired or revoked; create a new key in lexoffice and configure it"
            )


def make_auth(
    refresher: Refresher,
    account_key: str,
    store: TokenStore | None = None,
    *,
    api_origins: Iterable[str] = DEFAULT_API_ORIGINS,
    **options: Unpack[SourceOptions],
) -> LexofficeAuth:
    """A ``LexofficeAuth`` over a new ``TokenSource`` (what ``OAuthClient.auth_for`` does).

    ``options`` are ``TokenSource``'s keyword arguments (``leeway``, ``clock``, ``on_token``, ...).

    Example:
        >>> auth = make_auth(oauth, "acme", FileTokenStore("tokens.json"))  # doctest: +SKIP
    """
    return LexofficeAuth(
        TokenSource(refresher, account_key, store, **options), api_origins=api_origins
    )
