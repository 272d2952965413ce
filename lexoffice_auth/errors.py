"""The exceptions of lexoffice-auth: one hierarchy, caught by operation or by cause.

Every failure a caller can meet is a ``LexofficeAuthError``. Catch by operation
(``LoginError`` for a callback, ``TokenEndpointError`` for a token request,
``ApiError`` for a lexoffice API call) or by cause (``NetworkError`` when the
other side could not be reached, ``transient`` when trying again later may succeed,
``ReauthenticationRequired`` when only a new login helps).

All classes share one constructor, ``Error(message, **attributes)``, where the attributes
are the ones the class documents; all of them pickle (multiprocessing, Celery) with their
message and attributes. Messages never contain tokens, codes, verifiers or client secrets.

Example:
    >>> from lexoffice_auth.errors import TokenEndpointError
    >>> import pickle
    >>> err = TokenEndpointError("token request failed: invalid_grant",
    ...                          error="invalid_grant", status_code=400)
    >>> copy = pickle.loads(pickle.dumps(err))
    >>> copy.error, copy.status_code, str(copy)
    ('invalid_grant', 400, 'token request failed: invalid_grant')
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = [
    "ApiError",
    "ApiKeyRejected",
    "AuthorizationDenied",
    "ConfigurationError",
    "Conflict",
    "DiscoveryError",
    "Forbidden",
    "IdTokenError",
    "InvalidBody",
    "LexofficeAuthError",
    "LoginError",
    "LoginFailure",
    "NetworkError",
    "NotFound",
    "PagingError",
    "ProviderError",
    "PushedAuthorizationError",
    "RateLimited",
    "ReauthenticationRequired",
    "ResponseTooLarge",
    "RevocationError",
    "ServerError",
    "TokenEndpointError",
    "TokenSetSuperseded",
    "TokenStoreError",
    "Unauthorized",
    "UnsafeRequestError",
    "ValidationFailed",
    "WebhookError",
    "WebhookFailure",
]


def _restore(cls: type[LexofficeAuthError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle without calling ``__init__`` (whose keyword attributes ``args`` lacks)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class LexofficeAuthError(Exception):
    """Base class of every error raised by lexoffice-auth.

    ``LexofficeAuthError(message, **attributes)``: the keyword attributes are those the
    class declares (a misspelt one is a ``TypeError``, a bug in the caller).

    Attributes:
        transient: True when the same call may succeed later (network, 5xx, 429).

    Example:
        >>> try:
        ...     raise NetworkError("token request to id.example timed out")
        ... except LexofficeAuthError as exc:
        ...     print(type(exc).__name__, exc.transient)
        NetworkError True
    """

    transient: bool = False

    def __init__(self, message: str = "", /, **attributes: Any) -> None:
        super().__init__(message)
        cls = type(self)
        for name, value in attributes.items():
            if name.startswith("_") or not hasattr(cls, name):
                raise TypeError(f"{cls.__name__} has no attribute {name!r}")
            setattr(self, name, value)

    @property
    def message(self) -> str:
        """The message, as ``str(error)``."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(LexofficeAuthError, ValueError):
    """The SDK was given values that cannot work: a bad argument, an insecure URL
    (plain ``http://`` to a host that is not loopback), a synchronous client where only an
    async one can work, a missing optional dependency."""


class NetworkError(LexofficeAuthError):
    """The other side could not be reached: connection failure, reset or timeout.

    Always transient: retrying later may succeed.
    """

    transient = True


# --- the provider (authorization server) -------------------------------------------------


class ProviderError(LexofficeAuthError):
    """The provider answered, but not with something we can use.

    Attributes:
        endpoint: which endpoint: ``"discovery"``, ``"token"``, ``"par"``, ``"revocation"``,
            ``"jwks"`` or ``"userinfo"``.
        status_code: the HTTP status, when there was a response.
    """

    endpoint: str | None = None
    status_code: int | None = None


class DiscoveryError(ProviderError):
    """The discovery document could not be fetched or is not acceptable (e.g. its
    ``issuer`` is not exactly the configured one)."""

    endpoint = "discovery"


class TokenEndpointError(ProviderError):
    """The token endpoint did not hand out a token.

    Attributes:
        error: the RFC 6749 §5.2 code (``invalid_grant``, ``invalid_client``, ...), or
            ``None`` when the response was no OAuth error (not JSON, a 502 page, ...).
        error_description: the provider's description, if any.
        error_uri: the provider's link to more information, if any.
        retry_after: seconds the provider asked to wait (``Retry-After`` on a 503 or 429).
    """

    endpoint = "token"
    error: str | None = None
    error_description: str | None = None
    error_uri: str | None = None
    retry_after: float | None = None


class PushedAuthorizationError(ProviderError):
    """The pushed authorization request endpoint (RFC 9126) did not accept the login's
    parameters, or answered with something that is no ``request_uri``.

    Attributes:
        error: the OAuth error code (``invalid_request``, ``invalid_client``, ...), or
            ``None`` when the response was no OAuth error.
        error_description: the provider's description, if any.
        retry_after: seconds the provider asked to wait (``Retry-After`` on a 503 or 429).
    """

    endpoint = "par"
    error: str | None = None
    error_description: str | None = None
    retry_after: float | None = None


class RevocationError(ProviderError):
    """The revocation endpoint refused the request, or the provider has none."""

    endpoint = "revocation"


# --- login -----------------------------------------------------------------------------------

LoginFailure = Literal["callback", "state", "iss", "expired", "pending", "redirect_uri", "client"]
"""Why ``LoginError`` refused a login.

``callback``: the callback URL is malformed or has no code; ``state``: missing or not this
login's; ``iss``: RFC 9207 mismatch or missing where promised; ``expired``: the pending
login is too old; ``pending``: the stored pending login is unreadable or was tampered with;
``redirect_uri``: the callback arrived at another URL than the login's ``redirect_uri``;
``client``: the pending login was started by another client or provider.
"""


class LoginError(LexofficeAuthError):
    """A login was refused before any code was exchanged.

    Attributes:
        reason: a ``LoginFailure`` naming the check that failed.
    """

    reason: LoginFailure | None = None


class AuthorizationDenied(LoginError):
    """The provider answered the authorization request with ``error=`` (e.g. the user
    declined).

    Attributes:
        error: the RFC 6749 §4.1.2.1 code, e.g. ``access_denied``.
        error_description: the provider's description, if any.
    """

    reason: LoginFailure | None = "callback"
    error: str | None = None
    error_description: str | None = None


class IdTokenError(LexofficeAuthError):
    """An id_token failed a check of OpenID Connect Core §3.1.3.7.

    Attributes:
        check: which check failed, e.g. ``"signature"``, ``"aud"``, ``"nonce"``.
    """

    check: str | None = None


# --- tokens in use -----------------------------------------------------------------------------


class ReauthenticationRequired(LexofficeAuthError):
    """The credential is gone (revoked, expired, never had a refresh token): log in again."""


class TokenStoreError(LexofficeAuthError):
    """A token store cannot be read or written (corrupt or foreign content, I/O error,
    a lock that cannot be had). Stored tokens are never overwritten by this failure."""


class TokenSetSuperseded(TokenStoreError):
    """A save was refused because the store holds a token set as new or newer.

    Raised by stores that compare generations (``TokenSet.generation``): saving generation
    ``n`` over a stored generation ``>= n`` is refused, so a refresh-lock holder that hung
    past its lease cannot overwrite a newer token set. ``RefreshingTokenSource`` handles it
    by adopting the stored token set; you meet it only when you call ``store.save`` yourself.

    Attributes:
        stored_generation: the generation the store holds.
        generation: the generation of the refused token set.
    """

    stored_generation: int = 0
    generation: int = 0


class UnsafeRequestError(LexofficeAuthError):
    """A request would have sent a credential to a foreign origin or over plain HTTP.

    The request was not sent.
    """


# --- the lexoffice API ---------------------------------------------------------------------


class ApiError(LexofficeAuthError):
    """The lexoffice API answered with an error.

    Attributes:
        status_code: the HTTP status.
        trace_id: lexoffice's trace id (``traceId`` or ``X-Trace-Id``), for support.
        details: field-level problems (``[{"field": ..., "message": ...}]``) when given.
        retried: how many times the call was retried before giving up.
    """

    status_code: int | None = None
    trace_id: str | None = None
    details: tuple[dict[str, Any], ...] = ()
    retried: int = 0


class ValidationFailed(ApiError):
    """400/406/422: lexoffice refused the request's content; see ``details``."""


class InvalidBody(ValidationFailed, ConfigurationError):
    """The client refused to send a body that breaks one of lexoffice's documented rules
    (a text too long, a required field missing, totals that do not add up): nothing was
    sent. ``details`` names each field as lexoffice would (``lineItems[0].name``)."""


class Unauthorized(ApiError):
    """401: the token or API key was not accepted (after a refresh, where one was possible)."""


class ApiKeyRejected(ReauthenticationRequired, Unauthorized):
    """The API answered 401 to a static API key: it is invalid, expired or revoked.

    Both a ``ReauthenticationRequired`` (only a new key helps) and an
    ``Unauthorized`` API error, so ``except ApiError`` around an API call catches it.
    """


class Forbidden(ApiError):
    """403: authenticated, but without the scope or access right (or the object belongs
    to another account: lexoffice answers 403 where others answer 404)."""


class NotFound(ApiError):
    """404: no such object."""


class Conflict(ApiError):
    """409: a stale ``version`` on update, a duplicate, or a draft where a finished
    document is needed."""


class RateLimited(ApiError):
    """429: too many requests, still after the client's own pacing and retries.

    Attributes:
        retry_after: seconds the server asked to wait, if it said.
    """

    transient = True
    retry_after: float | None = None


class PagingError(ApiError):
    """A listing could not be walked consistently: the server answered the same page twice,
    or the total changed while paging. Start again, or narrow the filters."""


class ResponseTooLarge(ApiError):
    """A response (JSON or a file, after decompression) was larger than the client's cap.

    Attributes:
        limit: the cap in bytes that was exceeded.
    """

    limit: int | None = None


class ServerError(ApiError):
    """5xx: lexoffice failed. ``transient`` unless the request may already have been
    carried out (a POST after 504 is never retried)."""

    transient = True


# --- webhooks ----------------------------------------------------------------------------------

WebhookFailure = Literal["signature", "payload", "stale"]
"""Why ``WebhookError`` refused a webhook request (see its ``reason``)."""


class WebhookError(LexofficeAuthError):
    """A webhook request was refused.

    Attributes:
        reason: ``"signature"`` when ``X-Lxo-Signature`` is missing, garbled, or was not made
            over this body with the configured key; ``"payload"`` when a signed body is not
            a lexoffice event; ``"stale"`` when the event's date is outside the freshness
            window (``webhook_endpoint(max_age=...)``).
    """

    reason: WebhookFailure | None = None
