"""Pushed authorization requests (RFC 9126), the pure half.

With PAR the client POSTs every authorization parameter (PKCE included) to the provider's
``pushed_authorization_request_endpoint``, authenticated as at the token endpoint, and gets
back a single-use ``request_uri``; the browser URL then carries only ``client_id`` and that
``request_uri`` (§4). Nothing here sends anything: the caller posts ``par_form(...)``, hands
the reply to ``parse_par_response`` and opens ``par_authorization_url(...)``.

Status codes: RFC 9126 §2.2 says a successful push is answered with 201. A 200 with the
same body is accepted too: its meaning is unambiguous, and refusing it would fail logins
against lenient providers for no gain in safety. Every other status is an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from .._core.checks import is_transient_status, json_object
from ..errors import (
    AuthorizationDenied,
    ConfigurationError,
    LoginError,
    PushedAuthorizationError,
)
from ..rules import escape_controls
from .metadata_fields import metadata_flag, metadata_url

__all__ = [
    "PAR_ENDPOINT_FIELD",
    "PushedRequest",
    "is_request_uri_error",
    "par_authorization_url",
    "par_endpoint",
    "par_form",
    "parse_par_response",
    "request_uri_error",
]

PAR_ENDPOINT_FIELD = "pushed_authorization_request_endpoint"
"""The metadata field naming the PAR endpoint (RFC 9126 §5)."""

_REQUIRED_FIELD = "require_pushed_authorization_requests"
_TRANSIENT_ERRORS = frozenset({"temporarily_unavailable", "server_error"})
_MAX_REQUEST_URI = 2048
_START_AGAIN = "start the login again (a pushed request can be used once, for a short time)"


@dataclass(frozen=True)
class PushedRequest:
    """The provider's answer to a pushed authorization request.

    Attributes:
        request_uri: the single-use reference the browser URL carries.
        expires_at: when the provider forgets it (seconds since the epoch).
    """

    request_uri: str
    expires_at: float

    def is_expired(self, now: float, leeway: float = 0.0) -> bool:
        """True when the ``request_uri`` has expired, or will within ``leeway`` seconds."""
        return now >= self.expires_at - leeway

    def check_fresh(self, now: float, leeway: float = 0.0) -> str:
        """The ``request_uri``, or ``LoginError(reason="expired")`` once it has expired
        (sending the browser to it would only show the user the provider's error)."""
        if self.is_expired(now, leeway):
            late = max(0.0, now - self.expires_at)
            raise LoginError(
                f"the pushed authorization request expired {late:.0f} s ago; {_START_AGAIN}",
                reason="expired",
            )
        return self.request_uri


def par_endpoint(metadata: object, par: bool | None) -> str | None:
    """The PAR endpoint to push to, or None to send the parameters in the browser URL.

    ``par=None`` follows the metadata (``require_pushed_authorization_requests``);
    ``True`` forces PAR, ``False`` refuses it. A forced PAR without an endpoint, and a
    refused PAR the provider requires, are ``ConfigurationError``s: neither login could work.
    """
    if par is not None and not isinstance(par, bool):
        raise ConfigurationError(f"par must be True, False or None, not {type(par).__name__}")
    required = metadata_flag(metadata, _REQUIRED_FIELD)
    endpoint = metadata_url(metadata, PAR_ENDPOINT_FIELD)
    if par is False:
        if required:
            raise ConfigurationError(
                "the provider requires pushed authorization requests "
                f"({_REQUIRED_FIELD}), so par=False cannot log in; use par=None or True"
            )
        return None
    if par is None and not required:
        return None
    if endpoint is None:
        reason = "par=True" if par else f"the provider's {_REQUIRED_FIELD}"
        raise ConfigurationError(
            f"{reason} asks for a pushed authorization request, but the provider's metadata "
            f"has no {PAR_ENDPOINT_FIELD}"
        )
    return endpoint


def par_form(
    params: Mapping[str, str], client_auth: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The form body of a PAR request: the authorization parameters and client
    authentication fields (RFC 9126 §2.1).

    The parameters must name ``client_id`` and carry PKCE S256; ``request_uri`` is not
    allowed in a push. The authentication fields (``client_auth``: those of
    ``client_secret_post``, ``private_key_jwt`` ...) may repeat ``client_id``, not change it.
    """
    form = dict(params)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in form.items()):
        raise ConfigurationError("authorization parameters must be strings")
    if "request_uri" in form:
        raise ConfigurationError("a pushed authorization request must not carry request_uri")
    if not form.get("client_id"):
        raise ConfigurationError("a pushed authorization request needs client_id")
    if not form.get("code_challenge") or form.get("code_challenge_method") != "S256":
        raise ConfigurationError("a pushed authorization request must carry PKCE with S256")
    for name, value in (client_auth or {}).items():
        if name in form and form[name] != value:
            raise ConfigurationError(
                f"client authentication and authorization parameters disagree on {name!r}"
            )
        form[name] = value
    return form


def _failure(status_code: int, body: bytes) -> PushedAuthorizationError:
    try:
        data = json_object(body, "PAR error response", PushedAuthorizationError)
    except PushedAuthorizationError:
        data = {}
    error = data.get("error")
    if not isinstance(error, str) or not error:
        return PushedAuthorizationError(
            f"pushed authorization request failed with HTTP {status_code}",
            status_code=status_code,
            transient=is_transient_status(status_code),
        )
    found = data.get("error_description")
    description = found if isinstance(found, str) and found else None
    detail = f" ({escape_controls(description)})" if description else ""
    return PushedAuthorizationError(
        f"pushed authorization request failed: {escape_controls(error)}{detail} "
        f"[HTTP {status_code}]",
        error=error,
        error_description=description,
        status_code=status_code,
        transient=error in _TRANSIENT_ERRORS or is_transient_status(status_code),
    )


def parse_par_response(status_code: int, body: bytes, *, now: float) -> PushedRequest:
    """Read the PAR endpoint's answer (RFC 9126 §2.2, §2.3) into a ``PushedRequest``.

    201 (or 200, see the module notes) with ``request_uri`` and a positive ``expires_in``;
    anything else is a ``PushedAuthorizationError`` (``endpoint="par"``) naming what is
    wrong, with the provider's OAuth error code (``error``) when it sent one.

    Example:
        >>> body = b'{"request_uri": "urn:ietf:params:oauth:request_uri:6esc", "expires_in": 60}'
        >>> parse_par_response(201, body, now=1000.0).expires_at
        1060.0
    """
    if status_code not in (200, 201):
        raise _failure(status_code, body)

    def invalid(message: str) -> PushedAuthorizationError:
        return PushedAuthorizationError(f"invalid PAR response: {message}", status_code=status_code)

    data = json_object(body, "PAR response", invalid)
    missing = [name for name in ("request_uri", "expires_in") if name not in data]
    if missing:
        raise invalid(f"it lacks {' and '.join(missing)}")
    request_uri = data["request_uri"]
    if not isinstance(request_uri, str) or not 0 < len(request_uri) <= _MAX_REQUEST_URI:
        raise invalid(f"request_uri must be a string of 1 to {_MAX_REQUEST_URI} characters")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in request_uri):
        raise invalid("request_uri must be printable ASCII without spaces")
    expires_in = data["expires_in"]
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, (int, float))
        or not math.isfinite(expires_in)
        or not 0 < expires_in < 10**9
    ):
        raise invalid("expires_in must be a positive number of seconds")
    return PushedRequest(request_uri=request_uri, expires_at=now + float(expires_in))


def par_authorization_url(authorization_endpoint: str, *, client_id: str, request_uri: str) -> str:
    """The browser URL of a pushed request: only ``client_id`` and ``request_uri`` (§4).

    A query the provider put in its endpoint is kept (RFC 6749 §3.1).

    Example:
        >>> par_authorization_url("https://id.example/authorize", client_id="app",
        ...                       request_uri="urn:example:abc")
        'https://id.example/authorize?client_id=app&request_uri=urn%3Aexample%3Aabc'
    """
    if not isinstance(client_id, str) or not client_id:
        raise ConfigurationError("client_id must be a non-empty string")
    if not isinstance(request_uri, str) or not request_uri:
        raise ConfigurationError("request_uri must be a non-empty string")
    endpoint = urlsplit(authorization_endpoint)
    query = urlencode({"client_id": client_id, "request_uri": request_uri})
    if endpoint.query:
        query = f"{endpoint.query}&{query}"
    return urlunsplit((endpoint.scheme, endpoint.netloc, endpoint.path, query, ""))


def is_request_uri_error(error: object) -> bool:
    """True for the authorization response error that means the ``request_uri`` is expired,
    used or unknown: ``invalid_request_uri`` (OpenID Connect Core §3.1.2.6, RFC 9101 §7)."""
    return error == "invalid_request_uri"


def request_uri_error(error_description: str | None = None) -> AuthorizationDenied:
    """The error for a callback with ``error=invalid_request_uri``: the pushed request
    expired or was used already, so only a new login helps (``reason="expired"``)."""
    return AuthorizationDenied(
        "the provider refused the pushed authorization request (invalid_request_uri): it "
        f"expired or was used already; {_START_AGAIN}",
        error="invalid_request_uri",
        error_description=error_description,
        reason="expired",
    )
