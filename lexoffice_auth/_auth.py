"""``LexofficeAuth``: one ``httpx.Auth`` over any token source (Bearer or DPoP); ``ApiKeyAuth``."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator, Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

from ._core.checks import conforms
from ._core.clock import Clock
from ._core.http import URL, Auth, Httpx2Compatible, Request, Response, httpx
from ._session.source import StaticTokenSource, TokenSource
from .errors import ConfigurationError, UnsafeRequestError
from .rules import API_BASE_URL, is_loopback_host, require_secure_url
from .telemetry import unauthorized_recovered

if TYPE_CHECKING:
    from ._session.policy import RefreshPolicy
    from ._session.refreshing import Refresher, RefreshingTokenSource, TokenHook
    from .stores import TokenStore

__all__ = ["DEFAULT_API_ORIGINS", "ApiKeyAuth", "LexofficeAuth"]

S = TypeVar("S", bound=TokenSource)

DEFAULT_API_ORIGINS: tuple[str, ...] = (API_BASE_URL,)
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
        keys = {_origin_key(origin) for origin in origins}
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


def _origin_key(origin: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of an origin; checked once per distinct string."""
    if isinstance(origin, str):
        return _checked_origin_key(origin)
    url = _parse_origin(origin)  # refuses it with the same message
    return url.scheme, url.host, url.port


@functools.lru_cache(maxsize=64)
def _checked_origin_key(origin: str) -> tuple[str, str, int | None]:
    url = _parse_origin(origin)
    return url.scheme, url.host, url.port


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


class LexofficeAuth(Httpx2Compatible, Auth, Generic[S]):
    """``Authorization: Bearer …`` (or ``DPoP …`` with a proof) from any ``TokenSource``,
    for httpx clients.

    * Each request asks the source for its credential; a refreshing source answers from
      memory (no lock, no I/O) while its token is valid. A DPoP-bound token (RFC 9449)
      goes with a fresh proof per request, retries included.
    * A 401 that asks for a proof with the server's nonce (``use_dpop_nonce``) is sent
      once more with a new proof, without a refresh; ``DPoP-Nonce`` headers of every
      response are kept per origin.
    * On a 401 the source decides (``rejected``): a refreshing source refreshes only if
      the rejected token is still its current one, and the request is sent once more.
      A body held in memory is sent again; a streamed body cannot be replayed, so then
      the 401 is returned as is and the next request carries the new token.
    * Requests to an origin outside ``api_origins``, or over plain HTTP to a host that is
      not loopback, raise ``UnsafeRequestError`` before anything is sent.
    * It works with ``httpx.AsyncClient`` and ``httpx2.AsyncClient``; a synchronous client
      works only with a static source (an API key).

    Example:
        >>> auth = LexofficeAuth(StaticTokenSource("my-key"))
        >>> auth.api_origins
        ('https://api.lexware.io',)
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(self, source: S, *, api_origins: Iterable[str] = DEFAULT_API_ORIGINS) -> None:
        if not conforms(source, TokenSource):
            raise ConfigurationError(
                "LexofficeAuth needs a token source (async authorize(request) and "
                f"rejected(request, response)), got {type(source).__name__}"
            )
        self._source = source
        self._guard = _OriginGuard(api_origins)
        # Optional: a source that wants to know which tokens the API accepted (the 401 rule).
        self._accepted: Callable[[Request], None] | None = getattr(source, "accepted", None)
        # Optional, for sender-constrained (DPoP) sources: keep a server's nonce, and say
        # whether a 401 only asked for a proof with it.
        self._learn_nonce: Callable[[Request, Response], None] | None = getattr(
            source, "learn_nonce", None
        )
        self._challenged: Callable[[Request, Response], bool] | None = getattr(
            source, "challenged", None
        )

    @staticmethod
    def from_oauth(
        oauth: Refresher,
        account_key: str,
        store: TokenStore | None = None,
        *,
        api_origins: Iterable[str] = DEFAULT_API_ORIGINS,
        policy: RefreshPolicy | None = None,
        clock: Clock | None = None,
        on_token: TokenHook | None = None,
    ) -> LexofficeAuth[RefreshingTokenSource]:
        """An auth that keeps ``account_key``'s OAuth tokens in ``store`` fresh.

        ``oauth`` is an ``OAuthClient`` (anything with ``async refresh(token_set)``); the
        clock defaults to the client's. Save the login's tokens once with
        ``await auth.source.save(tokens)``.

        Example (the sandbox's API stands in for lexoffice's):
            >>> import anyio
            >>> from lexoffice_auth import MemoryTokenStore, OAuthClient
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> async def main() -> int:
            ...     http = fake.client()
            ...     oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
            ...                         issuer=fake.issuer, http_client=http, clock=fake.clock)
            ...     pending = await oauth.start_login()
            ...     tokens = await oauth.complete_login(
            ...         fake.approve(pending.authorization_url), pending)
            ...     auth = LexofficeAuth.from_oauth(oauth, "acme", MemoryTokenStore(),
            ...                                     api_origins=[fake.api_base])
            ...     await auth.source.save(tokens)
            ...     response = await http.get(f"{fake.api_base}/v1/profile", auth=auth)
            ...     return response.status_code
            >>> anyio.run(main)
            200
        """
        from ._session.refreshing import RefreshingTokenSource

        source = RefreshingTokenSource(
            oauth, account_key, store, policy=policy, clock=clock, on_token=on_token
        )
        return LexofficeAuth(source, api_origins=api_origins)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._source!r}, api_origins={self._guard.origins!r})"

    @property
    def source(self) -> S:
        """The token source this auth reads from."""
        return self._source

    @property
    def api_origins(self) -> tuple[str, ...]:
        """The origins the credential may be sent to."""
        return self._guard.origins

    def sync_auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        """For synchronous clients: only a static source can serve them."""
        source = self._source
        if not isinstance(source, StaticTokenSource):
            raise ConfigurationError(
                f"{type(source).__name__} renews tokens asynchronously: use httpx.AsyncClient "
                "(or httpx2.AsyncClient), not a synchronous Client"
            )
        self._guard.check(request)
        return _static_flow(source, request)

    async def async_auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        """Authorise ``request``; on 401 let the source decide, retry at most once (and once
        more for a DPoP nonce challenge)."""
        self._guard.check(request)
        replayable = _body_in_memory(request)
        await self._source.authorize(request)
        response = yield request
        nonce_retry = refresh_retry = True
        while True:
            if self._learn_nonce is not None and "dpop-nonce" in response.headers:
                self._learn_nonce(request, response)
            if response.status_code != 401:
                if self._accepted is not None:
                    self._accepted(request)
                if not refresh_retry:
                    unauthorized_recovered(getattr(self._source, "account_key", None))
                return
            if nonce_retry and self._challenged is not None and self._challenged(request, response):
                # The token was not refused: only the proof lacked the server's nonce.
                nonce_retry = False
                if not replayable:
                    return
            # No lock is held here: a source takes and releases its own around a refresh.
            elif not (
                refresh_retry and await self._source.rejected(request, response) and replayable
            ):
                return
            else:
                refresh_retry = False
            await self._source.authorize(request)
            response = yield request


def _static_flow(source: StaticTokenSource, request: Request) -> Generator[Request, Response, None]:
    source.authorize_sync(request)
    response = yield request
    if response.status_code == 401 and source.rejected_sync(request, response):
        source.authorize_sync(request)
        yield request


class ApiKeyAuth(LexofficeAuth[StaticTokenSource]):
    """A lexoffice API key as ``Authorization: Bearer …`` (sync and async clients).

    ``api_key`` defaults to the ``LEXOFFICE_API_KEY`` environment variable. The origin
    rules of ``LexofficeAuth`` apply; a 401 raises ``ApiKeyRejected``.

    Example:
        >>> ApiKeyAuth("my-key")
        ApiKeyAuth(StaticTokenSource(token='**********'), api_origins=('https://api.lexware.io',))
    """

    def __init__(
        self, api_key: str | None = None, *, api_origins: Iterable[str] = DEFAULT_API_ORIGINS
    ) -> None:
        source = StaticTokenSource.from_env() if api_key is None else StaticTokenSource(api_key)
        super().__init__(source, api_origins=api_origins)
