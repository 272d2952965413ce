"""``LexofficeClient``: one paced, retrying, typed door to the lexoffice API."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from .. import telemetry
from .._core.http import is_http_error
from .._session.refreshing import RefreshingTokenSource
from .._session.revocation import record_connection_id
from ..errors import ApiError, ConfigurationError, NetworkError
from ..rules import API_BASE_URL, origin_of, require_secure_url
from ._contacts import ContactsApi
from ._errors import error_from_response
from ._events import EventSubscriptionsApi
from ._invoices import InvoicesApi
from ._models import Profile
from ._pacing import RateLimiter, TokenBucket
from ._retry import Retryable, RetryPolicy, call_with_retries

__all__ = ["DEFAULT_BASE_URL", "LexofficeClient"]

DEFAULT_BASE_URL = API_BASE_URL
"""lexoffice's (Lexware Office's) API gateway since May 2025."""

M = TypeVar("M", bound=BaseModel)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOT_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout")


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _check_base_url(base_url: str) -> httpx.URL:
    if not isinstance(base_url, str):
        raise ConfigurationError(f"base_url must be a str, not {type(base_url).__name__}")
    require_secure_url(base_url, "base_url")  # https, or http to a loopback host
    try:
        url = httpx.URL(base_url.rstrip("/"))
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(f"base_url is not a valid URL: {base_url!r}") from exc
    if url.query or url.fragment:
        raise ConfigurationError(f"base_url must have no query or fragment, got {base_url!r}")
    return url


def _origin(url: str) -> str:
    # Through httpx first, so that an internationalised host compares in one spelling.
    return origin_of(str(httpx.URL(url)))


def _check_auth(auth: object, base: httpx.URL) -> None:
    if not callable(getattr(auth, "async_auth_flow", None)):
        raise ConfigurationError(
            "auth must be an httpx.Auth such as ApiKeyAuth or LexofficeAuth, "
            f"not {type(auth).__name__}"
        )
    origins = getattr(auth, "api_origins", None)
    if origins is None:
        return
    if isinstance(origins, str):
        origins = (origins,)
    normalized = set()
    for origin in origins:
        try:
            normalized.add(_origin(str(origin)))
        except (httpx.InvalidURL, ValueError):  # ConfigurationError is a ValueError too
            continue
    here = _origin(str(base))
    if here not in normalized:
        raise ConfigurationError(
            f"the auth may send its credential only to {sorted(normalized)}, but base_url is "
            f"{here}: pass api_origins=[{here!r}] to the auth, or use one of its origins as "
            "base_url"
        )


class LexofficeClient:
    """An async client for lexoffice's contacts and invoices (and any other endpoint).

    * ``auth``: any ``httpx.Auth``: ``ApiKeyAuth(key)`` or an OAuth ``LexofficeAuth``.
      If it has ``api_origins``, ``base_url`` must be one of them.
    * ``http_client``: your own ``httpx.AsyncClient`` (or ``httpx2.AsyncClient``); it is
      used as is and never closed by this client. Without one, the client makes (and
      closes) its own.
    * ``rate_limit``: requests per second for this client's own token bucket (lexoffice
      allows 2); ``None`` switches pacing off. ``limiter`` overrides it with a shared
      :class:`TokenBucket` or a :class:`RedisRateLimiter`.
    * ``retry``: a :class:`RetryPolicy` (429 with backoff, GET on 5xx/transport errors).

    Example (the sandbox stands in for lexoffice at its real API address):
        >>> import anyio
        >>> from lexoffice_auth import ApiKeyAuth
        >>> from lexoffice_auth.testing import LEXWARE_API_BASE, FakeLexoffice
        >>> fake = FakeLexoffice(api_base=LEXWARE_API_BASE)
        >>> key = fake.add_api_key()
        >>> contact_id = fake.add_contact(name="Acme AG")
        >>> _ = fake.add_invoice(contact_id=contact_id, net_amount=100)
        >>> async def main() -> None:
        ...     async with LexofficeClient(ApiKeyAuth(key), http_client=fake.client()) as lx:
        ...         contact = await lx.contacts.get(contact_id)
        ...         print(contact.company.name)
        ...         async for row in lx.invoices.iter(voucher_status="open"):
        ...             print(row.contact_name, row.open_amount)
        >>> anyio.run(main)
        Acme AG
        Acme AG 119
    """

    def __init__(
        self,
        auth: httpx.Auth,
        *,
        base_url: str = DEFAULT_BASE_URL,
        http_client: Any = None,
        rate_limit: float | None = 2.0,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 40.0,
    ) -> None:
        self._base = _check_base_url(base_url)
        _check_auth(auth, self._base)
        self._auth = auth
        if limiter is not None:
            if not callable(getattr(limiter, "acquire", None)):
                raise ConfigurationError("limiter must have an async acquire() method")
            self._limiter: RateLimiter | None = limiter
        elif rate_limit is None:
            self._limiter = None
        else:
            self._limiter = TokenBucket(rate_limit)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy")
        self._retry = retry or RetryPolicy()
        if http_client is None:
            self._http: Any = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=10.0))
            self._owns_http = True
        else:
            if not callable(getattr(http_client, "request", None)):
                raise ConfigurationError("http_client must be an httpx.AsyncClient")
            self._http = http_client
            self._owns_http = False
        self.contacts = ContactsApi(self)
        """Contacts: list, iter, get, create, update, modify."""
        self.invoices = InvoicesApi(self)
        """Invoices: create, get, pursue, download, list and iter (voucherlist)."""
        self.event_subscriptions = EventSubscriptionsApi(self)
        """Event subscriptions (webhooks): list, get, create, delete."""

    def __repr__(self) -> str:
        return f"LexofficeClient(base_url={str(self._base)!r}, limiter={self._limiter!r})"

    @property
    def base_url(self) -> str:
        """The API base URL, without a trailing slash."""
        return str(self._base).rstrip("/")

    @property
    def limiter(self) -> RateLimiter | None:
        """The limiter pacing this client's requests (None when pacing is off)."""
        return self._limiter

    async def __aenter__(self) -> LexofficeClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it (never a client you passed)."""
        if self._owns_http:
            await self._http.aclose()

    # --- the profile and the connection ---------------------------------------------------

    async def profile(self) -> Profile:
        """``GET /v1/profile``: the organisation, and (for OAuth) the ``connection_id``."""
        return await self.get_model("/v1/profile", Profile)

    async def record_connection(self) -> str:
        """Store this account's lexoffice connection id with its tokens; returns it.

        Call it once after a login (the auth must be a ``LexofficeAuth`` over a
        ``RefreshingTokenSource``). The id from ``GET /v1/profile`` is kept in the stored
        token set's ``extra["connection_id"]`` (refreshes keep it) and indexed in the same
        store, so that ``lexoffice_auth.webhooks.revoke_connection`` finds the account of a
        ``token.revoked`` event without a mapping of your own.

        Example:
            >>> await source.save(await oauth.complete_login(url, pending))  # doctest: +SKIP
            >>> await LexofficeClient(auth).record_connection()              # doctest: +SKIP
            'b1d4...'
        """
        source = getattr(self._auth, "source", None)
        if not isinstance(source, RefreshingTokenSource):
            raise ConfigurationError(
                "record_connection needs an OAuth auth (LexofficeAuth over a "
                "RefreshingTokenSource); an API key has no connection to record"
            )
        profile = await self.profile()
        if not profile.connection_id:
            raise ApiError(
                "GET /v1/profile: lexoffice's answer names no connectionId", status_code=200
            )
        await record_connection_id(source.store, source.account_key, profile.connection_id)
        return profile.connection_id

    # --- the one way out ------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool] | None = None,
        json_body: Any = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        """Send one API call, paced and retried; raise the matching ``ApiError`` on >= 400.

        ``path`` is below the base URL, e.g. ``"/v1/profile"``. Use it for endpoints this
        client has no method for.
        """
        method = method.upper()
        url = self.base_url + path
        if params:
            # Percent-encoding throughout (a space is %20, not +), as lexoffice's docs show.
            url += "?" + "&".join(
                f"{quote(str(k), safe='')}={quote(_param(v), safe='')}" for k, v in params.items()
            )
        headers = {"Accept": accept}

        async def attempt() -> httpx.Response:
            if self._limiter is not None:
                started = time.perf_counter()
                await self._limiter.acquire()
                waited = time.perf_counter() - started
                if waited > 0.001:
                    telemetry.rate_limit_waited(waited)
            try:
                response: httpx.Response = await self._http.request(
                    method,
                    url,
                    json=json_body,
                    headers=headers,
                    auth=self._auth,
                )
            except Exception as exc:
                if not is_http_error(exc):
                    raise
                raise self._transport_failure(method, path, exc) from exc
            status = response.status_code
            if status < 400:
                return response
            if status == 429:
                error = self._error(method, path, response)
                telemetry.rate_limited(method, path, getattr(error, "retry_after", None))
                raise Retryable(error, kind="rate")
            if status >= 500 and method in _SAFE_METHODS:
                raise Retryable(self._error(method, path, response), kind="read")
            note = None
            if status == 504:
                note = (
                    "lexoffice's gateway timed out; the request may have been carried out, "
                    "so it was not retried: check before sending it again"
                )
            elif status >= 500:
                note = f"a {method} is not retried after a server error"
            raise self._error(method, path, response, note=note)

        with telemetry.api_request(method, path) as span:
            response = await call_with_retries(attempt, self._retry)
            if span is not None:
                span.set_attribute("http.response.status_code", response.status_code)
            return response

    def _transport_failure(self, method: str, path: str, exc: Exception) -> Exception:
        kind = type(exc).__name__
        not_sent = bool(_class_names(exc) & set(_NOT_SENT))
        if not_sent or method in _SAFE_METHODS:
            return Retryable(
                NetworkError(f"{method} {path}: lexoffice could not be reached ({kind})"),
                kind="read",
            )
        return NetworkError(
            f"{method} {path}: the connection failed ({kind}) after the request was sent; "
            "lexoffice may have carried it out, so it was not retried: check before "
            "sending it again"
        )

    @staticmethod
    def _error(
        method: str, path: str, response: httpx.Response, *, note: str | None = None
    ) -> ApiError:
        return error_from_response(
            method, path, response.status_code, response.headers, response.content, note=note
        )

    async def get_model(
        self, path: str, model: type[M], *, params: Mapping[str, str | int | bool] | None = None
    ) -> M:
        """GET ``path`` and parse the JSON body as ``model``."""
        response = await self.request("GET", path, params=params)
        return parse_model("GET", path, response, model)

    async def send_model(
        self,
        method: str,
        path: str,
        body: Any,
        model: type[M],
        *,
        params: Mapping[str, str | int | bool] | None = None,
    ) -> M:
        """Send ``body`` as JSON and parse the answer as ``model``."""
        response = await self.request(method, path, params=params, json_body=body)
        return parse_model(method, path, response, model)


def _param(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_model(method: str, path: str, response: httpx.Response, model: type[M]) -> M:
    """``model`` from a response's JSON; anything unusable is an :class:`ApiError`."""
    status = response.status_code
    try:
        return model.model_validate_json(response.content)
    except (ValidationError, RecursionError, ValueError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        if not errors or errors[0]["type"] == "json_invalid":
            raise ApiError(
                f"{method} {path}: lexoffice's answer (HTTP {status}) is not JSON",
                status_code=status,
            ) from None
        where = ".".join(str(p) for p in errors[0]["loc"]) or "(top level)"
        raise ApiError(
            f"{method} {path}: lexoffice's answer (HTTP {status}) is not a valid "
            f"{model.__name__} (first problem at {where})",
            status_code=status,
        ) from None
