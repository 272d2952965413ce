"""``LexofficeClient``: one paced, retrying, typed door to the lexoffice API."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from os import PathLike
from types import TracebackType
from typing import IO, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from .. import telemetry
from .._core.http import is_http_error
from .._core.wire import host_label
from .._session.refreshing import RefreshingTokenSource
from .._session.revocation import record_connection_id
from ..errors import ApiError, ConfigurationError, NetworkError, RateLimited
from ..rules import API_BASE_URL
from ._articles import ArticlesApi
from ._contacts import ContactsApi
from ._countries import CountriesApi
from ._credit_notes import CreditNotesApi
from ._deadline import Watchdog
from ._delivery_notes import DeliveryNotesApi
from ._down_payment_invoices import DownPaymentInvoicesApi
from ._dunnings import DunningsApi
from ._errors import error_from_response
from ._events import EventSubscriptionsApi
from ._files import FilesApi
from ._invoices import InvoicesApi
from ._json import encode, parse_array, parse_model
from ._order_confirmations import OrderConfirmationsApi
from ._pacing import RateLimiter, TokenBucket
from ._payment_conditions import PaymentConditionsApi
from ._payments import PaymentsApi
from ._posting_categories import PostingCategoriesApi
from ._print_layouts import PrintLayoutsApi
from ._quotations import QuotationsApi
from ._recurring_templates import RecurringTemplatesApi
from ._retry import Retryable, RetryPolicy, call_with_retries
from ._setup import check_auth, check_base_url, check_deadline, check_limit
from ._streams import ACCEPT_ENCODING, read_capped, save_stream
from ._voucherlist import VoucherlistApi
from ._vouchers import VouchersApi
from .models import DownloadedFile, Ping, Profile

__all__ = [
    "API_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_MAX_JSON_BYTES",
    "LexofficeClient",
]


DEFAULT_MAX_JSON_BYTES = 8 * 2**20
"""The largest JSON answer read (8 MiB, after decompression); a 250-row page is ~150 KiB."""
DEFAULT_MAX_DOWNLOAD_BYTES = 256 * 2**20
"""The largest document or file downloaded (256 MiB, after decompression)."""
_ERROR_BODY_LIMIT = 64 * 2**10  # an error body is read this far, the rest is dropped

M = TypeVar("M", bound=BaseModel)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOT_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout")


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


class LexofficeClient:
    """An async client for lexoffice's contacts and invoices (and any other endpoint).

    * ``auth``: any ``httpx.Auth``: ``ApiKeyAuth(key)`` or an OAuth ``LexofficeAuth``.
      If it has ``api_origins``, ``base_url`` must be one of them.
    * ``http_client``: your own ``httpx.AsyncClient`` (or ``httpx2.AsyncClient``); it is
      used as is and never closed by this client. Without one, the client makes (and
      closes) its own.
    * ``rate_limit``: requests per second for this client's own token bucket (lexoffice
      allows 2); ``None`` switches pacing off. ``limiter`` overrides it with a shared
      ``TokenBucket`` or a ``RedisRateLimiter``.
    * ``retry``: a ``RetryPolicy`` (429 with backoff, GET on 5xx/transport errors).
    * ``max_json_bytes`` / ``max_download_bytes``: the largest JSON answer and the largest
      download accepted, counted after decompression (a gzip bomb stops at the cap).
    * ``deadline``: the longest one attempt of a JSON call may take, sending and reading
      the whole answer (default ``3 * timeout``); httpx's ``timeout`` bounds each read,
      so a server trickling a byte at a time is stopped only by this. Downloads have
      ``download_deadline`` (default none: a large file on a slow line takes long).

    Every resource of the API is an attribute (``lx.articles``, ``lx.quotations``,
    ``lx.vouchers``, ...); each offers only the operations lexoffice has for it.

    Example (the sandbox stands in for lexoffice at its real API address):
        >>> import anyio
        >>> from lexoffice_auth import ApiKeyAuth
        >>> from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice
        >>> fake = FakeLexoffice(api_base=API_BASE_URL)
        >>> key = fake.add_api_key()
        >>> contact_id = fake.add_contact(name="Acme AG")
        >>> _ = fake.add_invoice(contact_id=contact_id, net_amount=100)
        >>> async def main() -> None:
        ...     async with LexofficeClient(ApiKeyAuth(key), http_client=fake.client()) as lx:
        ...         contact = await lx.contacts.get(contact_id)
        ...         print(contact.company.name)
        ...         async for row in lx.invoices.list(voucher_status="open"):
        ...             print(row.contact_name, row.open_amount)
        >>> anyio.run(main)
        Acme AG
        Acme AG 119
    """

    def __init__(
        self,
        auth: httpx.Auth,
        *,
        base_url: str = API_BASE_URL,
        http_client: Any = None,
        rate_limit: float | None = 2.0,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 40.0,
        max_json_bytes: int = DEFAULT_MAX_JSON_BYTES,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        deadline: float | None = None,
        download_deadline: float | None = None,
    ) -> None:
        self._base = check_base_url(base_url)
        self._base_text = str(self._base).rstrip("/")
        self._deadline = check_deadline(3 * timeout if deadline is None else deadline, "deadline")
        self._watchdog = Watchdog()
        self._download_deadline = (
            None
            if download_deadline is None
            else check_deadline(download_deadline, "download_deadline")
        )
        self._max_json_bytes = check_limit(max_json_bytes)
        self._max_download_bytes = check_limit(max_download_bytes)
        check_auth(auth, self._base)
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
            self._http: Any = httpx.AsyncClient(
                timeout=httpx.Timeout(timeout, connect=10.0),
                headers={"Accept-Encoding": ACCEPT_ENCODING},
            )
            self._owns_http = True
        else:
            if not callable(getattr(http_client, "send", None)) or not callable(
                getattr(http_client, "build_request", None)
            ):
                raise ConfigurationError("http_client must be an httpx.AsyncClient")
            self._http = http_client
            self._owns_http = False
        # Only gzip and deflate may come back (the encodings read_capped inflates): said
        # per request unless the httpx client says exactly that already.
        own_headers = getattr(self._http, "headers", None)
        self._headers: dict[str, str] = (
            {}
            if isinstance(own_headers, httpx.Headers)
            and own_headers.get("accept-encoding") == ACCEPT_ENCODING
            else {"Accept-Encoding": ACCEPT_ENCODING}
        )
        self.articles = ArticlesApi(self)
        """Articles: list, get, create, update, modify, delete."""
        self.contacts = ContactsApi(self)
        """Contacts: list, get, create, update, modify."""
        self.countries = CountriesApi(self)
        """Countries and their tax classification: list."""
        self.credit_notes = CreditNotesApi(self)
        """Credit notes: create, pursue (from an invoice), get, download."""
        self.delivery_notes = DeliveryNotesApi(self)
        """Delivery notes: create, pursue, get, download."""
        self.down_payment_invoices = DownPaymentInvoicesApi(self)
        """Down-payment invoices (read-only): get, download."""
        self.dunnings = DunningsApi(self)
        """Dunnings: pursue (from an invoice), get, download."""
        self.event_subscriptions = EventSubscriptionsApi(self)
        """Event subscriptions (webhooks): list, get, create, delete."""
        self.files = FilesApi(self)
        """Files: upload (a receipt becomes a bookkeeping voucher), download."""
        self.invoices = InvoicesApi(self)
        """Invoices: create, pursue, get, download, list (voucherlist)."""
        self.order_confirmations = OrderConfirmationsApi(self)
        """Order confirmations: create, pursue (from a quotation), get, download."""
        self.payment_conditions = PaymentConditionsApi(self)
        """Payment conditions: list."""
        self.payments = PaymentsApi(self)
        """Payment state of a voucher: get."""
        self.posting_categories = PostingCategoriesApi(self)
        """Posting categories for bookkeeping vouchers: list."""
        self.print_layouts = PrintLayoutsApi(self)
        """Print layouts: list."""
        self.quotations = QuotationsApi(self)
        """Quotations: create, get, download."""
        self.recurring_templates = RecurringTemplatesApi(self)
        """Recurring invoice templates (read-only): list, get."""
        self.voucherlist = VoucherlistApi(self)
        """Every voucher, filtered: list (with date-window splitting past 10,000 rows)."""
        self.vouchers = VouchersApi(self)
        """Bookkeeping vouchers: create, get, update, modify, upload_file."""

    def __repr__(self) -> str:
        return f"LexofficeClient(base_url={str(self._base)!r}, limiter={self._limiter!r})"

    @property
    def base_url(self) -> str:
        """The API base URL, without a trailing slash."""
        return self._base_text

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

    async def ping(self) -> Ping:
        """``GET /v1/ping``: checks the credential; names the user's e-mail address.

        A credential lexoffice's gateway rejects (401 ``{"message":"Unauthorized"}``) is an
        ``Unauthorized``, or with ``ApiKeyAuth`` its
        ``ApiKeyRejected``. Counts against the rate limit.
        """
        return await self.get_model("/v1/ping", Ping)

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
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """Send one API call, paced and retried; raise the matching ``ApiError`` on >= 400.

        ``path`` is below the base URL, e.g. ``"/v1/profile"``. Use it for endpoints this
        client has no method for. ``json_body`` is sent with every ``Decimal`` exact;
        ``files``/``data`` make a multipart upload. The body read is capped at
        ``max_bytes`` (default: the client's ``max_json_bytes``), counted after
        decompression: a larger one raises ``ResponseTooLarge``.
        """
        limit = self._max_json_bytes if max_bytes is None else check_limit(max_bytes)
        response, content = await self._send(
            method,
            path,
            params=params,
            json_body=json_body,
            accept=accept,
            files=files,
            data=data,
            read=limit,
            deadline=self._deadline,
        )
        return _settled(response, content)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool] | None = None,
        json_body: Any = None,
        accept: str = "application/json",
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        read: int | Callable[[httpx.Response], Awaitable[Any]] | None = None,
        deadline: float | None = None,
    ) -> tuple[httpx.Response, Any]:
        """Pace, send, check the status, read the body; retry as the policy says.

        ``read`` is the most bytes to read (a JSON call: the body is returned whole;
        default ``max_json_bytes``), or a function that consumes the (streamed) body (a
        download). Either runs inside the
        retried attempt, so a body cut off mid-way counts as a transport failure; the
        result is returned with the response, which is closed afterwards.

        ``deadline`` bounds one attempt (sending and reading the whole answer), pacing
        excluded; ``None``: no bound beyond httpx's own timeouts.
        """
        if read is None:
            read = self._max_json_bytes
        method = method.upper()
        url = self.base_url + path
        if params:
            # Percent-encoding throughout (a space is %20, not +), as lexoffice's docs show.
            url += "?" + "&".join(
                f"{quote(str(k), safe='')}={quote(_param(v), safe='')}" for k, v in params.items()
            )
        headers = {"Accept": accept, **self._headers}
        content: bytes | None = None
        if json_body is not None:
            try:
                content = encode(json_body)
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(f"{method} {path}: the body is not JSON: {exc}") from None
            headers["Content-Type"] = "application/json"

        bound = self._watchdog.bound
        what = f"{method} {path}"

        async def attempt() -> tuple[httpx.Response, Any]:
            if self._limiter is not None:
                started = time.perf_counter()
                await self._limiter.acquire()
                waited = time.perf_counter() - started
                if waited > 0.001:
                    telemetry.rate_limit_waited(waited)
            try:
                # httpx's timeouts bound each read; a server trickling one byte at a time
                # stays under them forever. The deadline bounds the whole exchange.
                with _UNBOUNDED if deadline is None else bound(deadline):
                    try:
                        request = self._http.build_request(
                            method, url, content=content, headers=headers, files=files, data=data
                        )
                        response: httpx.Response = await self._http.send(
                            request, auth=self._auth, stream=True
                        )
                    except Exception as exc:
                        if not is_http_error(exc):
                            raise
                        raise self._transport_failure(method, path, exc) from exc
                    try:
                        if response.status_code >= 400:
                            body = await read_capped(response, _ERROR_BODY_LIMIT, "", truncate=True)
                            failure = self._status_failure(method, path, response, body)
                            self._feedback(
                                isinstance(failure, Retryable) and failure.kind == "rate"
                            )
                            raise failure
                        if self._limiter is not None:
                            self._feedback(False)
                        if isinstance(read, int):
                            return response, await read_capped(response, read, what)
                        return response, await read(response)
                    except Exception as exc:
                        if not is_http_error(exc):
                            raise
                        raise self._transport_failure(method, path, exc) from exc
                    finally:
                        await response.aclose()
            except TimeoutError:
                raise self._transport_failure(
                    method, path, TimeoutError(), f"no complete answer within {deadline:g} s"
                ) from None

        with telemetry.api_request(method, path) as span:
            result: tuple[httpx.Response, Any] = await call_with_retries(attempt, self._retry)
            if span is not None:
                span.set_attribute("http.response.status_code", result[0].status_code)
        return result

    def _status_failure(
        self, method: str, path: str, response: httpx.Response, body: bytes
    ) -> Exception:
        status = response.status_code
        secrets = _sent_credentials(response)
        error = error_from_response(method, path, status, response.headers, body, secrets=secrets)
        if isinstance(error, RateLimited):  # a 429, or a 500 that says it is one
            telemetry.rate_limited(method, path, error.retry_after)
            return Retryable(error, kind="rate")
        if status >= 500 and method in _SAFE_METHODS:
            return Retryable(error, kind="read")
        if status == 504:
            note = (
                "lexoffice's gateway timed out; the request may have been carried out, "
                "so it was not retried: check before sending it again"
            )
        elif status >= 500:
            note = f"a {method} is not retried after a server error"
        else:
            return error
        return error_from_response(
            method, path, status, response.headers, body, note=note, secrets=secrets
        )

    def _feedback(self, throttled: bool) -> None:
        """Tell an adaptive limiter (``TokenBucket``) how the paced request fared."""
        if self._limiter is not None:
            report = getattr(self._limiter, "feedback", None)
            if report is not None:
                report(throttled)

    def _transport_failure(
        self, method: str, path: str, exc: Exception, what: str | None = None
    ) -> Exception:
        kind = what or type(exc).__name__
        where = host_label(str(self._base))
        not_sent = bool(_class_names(exc) & set(_NOT_SENT))
        if not_sent or method in _SAFE_METHODS:
            return Retryable(
                NetworkError(f"{method} {path}: {where} could not be reached ({kind})"),
                kind="read",
            )
        return NetworkError(
            f"{method} {path}: the connection to {where} failed ({kind}) after the request "
            "was sent; "
            "lexoffice may have carried it out, so it was not retried: check before "
            "sending it again"
        )

    async def get_model(
        self, path: str, model: type[M], *, params: Mapping[str, str | int | bool] | None = None
    ) -> M:
        """GET ``path`` and parse the JSON body as ``model``."""
        response, content = await self._send("GET", path, params=params, deadline=self._deadline)
        return parse_model("GET", path, response.status_code, content, model)

    async def get_array(self, path: str, model: type[M]) -> list[M]:
        """GET ``path``, a plain JSON array, and parse each item as ``model``."""
        response, content = await self._send("GET", path, deadline=self._deadline)
        return parse_array("GET", path, response.status_code, content, model)

    async def get_json(self, path: str) -> Any:
        """GET ``path`` and return the decoded JSON (an ``ApiError`` if it is not JSON)."""
        response, content = await self._send("GET", path, deadline=self._deadline)
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            raise ApiError(
                f"GET {path}: lexoffice's answer (HTTP {response.status_code}) is not JSON",
                status_code=response.status_code,
            ) from None

    async def send_model(
        self,
        method: str,
        path: str,
        body: Any,
        model: type[M],
        *,
        params: Mapping[str, str | int | bool] | None = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> M:
        """Send ``body`` as JSON (or ``files``/``data`` as multipart); parse the answer."""
        response, content = await self._send(
            method,
            path,
            params=params,
            json_body=body,
            files=files,
            data=data,
            deadline=self._deadline,
        )
        return parse_model(method.upper(), path, response.status_code, content, model)

    async def download(
        self,
        path: str,
        *,
        accept: str = "*/*",
        to: str | PathLike[str] | IO[bytes] | None = None,
        progress: Callable[[int, int | None], object] | None = None,
        max_bytes: int | None = None,
    ) -> DownloadedFile:
        """GET a binary ``path`` and stream it into memory or to ``to`` (see ``download``
        on the sales-voucher resources); larger than ``max_bytes`` (default
        ``max_download_bytes``) raises ``ResponseTooLarge``
        and leaves nothing at ``to``."""
        limit = self._max_download_bytes if max_bytes is None else check_limit(max_bytes)
        what = f"GET {path}"

        async def read(response: httpx.Response) -> DownloadedFile:
            return await save_stream(response, to, limit, what, progress)

        _, result = await self._send(
            "GET", path, accept=accept, read=read, deadline=self._download_deadline
        )
        downloaded: DownloadedFile = result
        return downloaded


_UNBOUNDED: contextlib.nullcontext[None] = contextlib.nullcontext()


def _param(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sent_credentials(response: httpx.Response) -> tuple[str, ...]:
    """The credential the request carried (an echo of it in an error gets redacted)."""
    try:
        header = response.request.headers.get("authorization", "")
    except RuntimeError:  # a response built without its request
        return ()
    _, _, credential = header.partition(" ")
    return (credential.strip(),) if credential.strip() else ()


def _settled(response: httpx.Response, content: bytes) -> httpx.Response:
    """A response whose body is ``content`` (already decoded), like a non-streamed one."""
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    settled = type(response)(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions=response.extensions,
    )
    return settled
