"""One exception hierarchy: every failure a caller can meet is a ``LexofficeAuthError``.

Messages never contain tokens, codes, verifiers or client secrets.
"""

from __future__ import annotations

__all__ = [
    "ApiKeyRejected",
    "AuthorizationDenied",
    "CallbackError",
    "ConfigurationError",
    "DiscoveryError",
    "IdTokenError",
    "InsecureTransportError",
    "InvalidGrantError",
    "InvalidTokenResponse",
    "IssuerMismatchError",
    "JWKSError",
    "LexofficeAuthError",
    "LoginError",
    "LoginExpiredError",
    "NetworkError",
    "ReauthenticationRequired",
    "RevocationError",
    "SerializationError",
    "StateMismatchError",
    "SyncClientNotSupported",
    "TokenEndpointError",
    "TokenRequestError",
    "TokenStoreError",
    "UnsafeRequestError",
    "UserInfoError",
]


class LexofficeAuthError(Exception):
    """Base class of every error raised by lexoffice-auth.

    Example:
        >>> try:
        ...     ...
        ... except LexofficeAuthError as exc:
        ...     print(f"login failed: {exc}")
    """


class ConfigurationError(LexofficeAuthError, ValueError):
    """The SDK was configured with values that cannot work (bad URL, unknown option)."""


class InsecureTransportError(ConfigurationError):
    """An endpoint is plain ``http://`` on a host that is not a loopback address."""


class SerializationError(LexofficeAuthError, ValueError):
    """A stored value (token set, pending login) could not be read back."""


class NetworkError(LexofficeAuthError):
    """The provider could not be reached (connection failure or timeout).

    Always transient: retrying later may succeed.
    """

    transient = True


class DiscoveryError(LexofficeAuthError):
    """The provider's discovery document could not be fetched or is not acceptable."""


# --- the authorization response (callback) -------------------------------------------


class LoginError(LexofficeAuthError):
    """The authorization response (the callback) was rejected."""


class CallbackError(LoginError):
    """The callback URL is malformed or lacks the authorization code."""


class AuthorizationDenied(LoginError):
    """The provider answered the authorization request with ``error=``.

    Attributes:
        error: the RFC 6749 error code, e.g. ``access_denied``.
        description: the provider's ``error_description``, if any.
    """

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = error
        self.description = description
        text = f"authorization denied by the provider: {error}"
        if description:
            text += f" ({description})"
        super().__init__(text)


class StateMismatchError(LoginError):
    """The callback's ``state`` is missing or is not the one this login sent."""


class IssuerMismatchError(LoginError):
    """The callback's ``iss`` (RFC 9207) is missing where required, or names another issuer."""


class LoginExpiredError(LoginError):
    """The pending login is older than its lifetime; start a new login."""


# --- the token endpoint -----------------------------------------------------------------


class TokenEndpointError(LexofficeAuthError):
    """The token endpoint did not hand out a token.

    Attributes:
        status_code: the HTTP status of the response.
        transient: True when retrying later may succeed (5xx, ``temporarily_unavailable``).
    """

    def __init__(self, message: str, *, status_code: int | None, transient: bool) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.transient = transient


class TokenRequestError(TokenEndpointError):
    """The token endpoint answered with an RFC 6749 §5.2 error.

    Attributes:
        error: the error code, e.g. ``invalid_grant``.
        error_description: the provider's human-readable description, if any.
        error_uri: the provider's link to more information, if any.
    """

    _TRANSIENT = frozenset({"temporarily_unavailable", "server_error"})

    def __init__(
        self,
        error: str,
        *,
        error_description: str | None = None,
        error_uri: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri
        text = f"token request failed: {error}"
        if error_description:
            text += f" ({error_description})"
        if status_code is not None:
            text += f" [HTTP {status_code}]"
        # 429 too: the provider asks us to slow down (e.g. "slow_down"), not to give up.
        transient = error in self._TRANSIENT or (
            status_code is not None and (status_code >= 500 or status_code == 429)
        )
        super().__init__(text, status_code=status_code, transient=transient)


class InvalidGrantError(TokenRequestError):
    """``invalid_grant``: the code or refresh token is invalid, expired or revoked."""


class InvalidTokenResponse(TokenEndpointError):
    """The token endpoint's response is not JSON or not a valid token response."""


class RevocationError(LexofficeAuthError):
    """The revocation endpoint refused the request, or there is no revocation endpoint."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


# --- tokens in use --------------------------------------------------------------------------


class ReauthenticationRequired(LexofficeAuthError):
    """The grant is gone (revoked, expired, or never had a refresh token): log in again."""


class TokenStoreError(LexofficeAuthError):
    """A token store cannot be read or written (corrupt file, foreign content, I/O error)."""


class UnsafeRequestError(LexofficeAuthError):
    """A request would have sent a credential to a foreign origin or over plain HTTP.

    The request was not sent.
    """


class SyncClientNotSupported(LexofficeAuthError, RuntimeError):
    """An async-only auth was used with a synchronous ``httpx.Client``."""


class ApiKeyRejected(LexofficeAuthError):
    """The API answered 401 to the static API key: it is invalid, expired or revoked."""


# --- OpenID Connect ------------------------------------------------------------------------


class IdTokenError(LexofficeAuthError):
    """An id_token failed a check of OpenID Connect Core §3.1.3.7.

    Attributes:
        check: which check failed, e.g. ``"signature"``, ``"aud"``, ``"nonce"``.
    """

    def __init__(self, check: str, message: str) -> None:
        self.check = check
        super().__init__(f"id_token rejected ({check}): {message}")


class JWKSError(LexofficeAuthError):
    """The provider's JWKS could not be fetched or parsed."""


class UserInfoError(LexofficeAuthError):
    """The userinfo endpoint failed or returned another subject."""
