"""The token-source idea: whatever puts a credential on a request and reacts when it is refused.

In the spirit of golang.org/x/oauth2's ``TokenSource``: ``LexofficeAuth`` is one
``httpx.Auth`` over any source. A static API key and a refreshing OAuth grant (Bearer, or
sender-constrained with DPoP, RFC 9449) differ only here: the request is passed in so that
a source can sign its method and URL, and ``rejected`` may ask for one retry after a
refresh (a DPoP source's optional ``challenged`` asks for one after learning a nonce).
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

from .._core.http import Request, Response
from ..errors import ApiKeyRejected, ConfigurationError

__all__ = ["StaticTokenSource", "TokenSource", "header_safe_token"]


@runtime_checkable
class TokenSource(Protocol):
    """Puts the current credential on a request; decides what a 401 means.

    Example:
        >>> class EnvToken:                     # any object with these two methods fits
        ...     async def authorize(self, request):
        ...         request.headers["Authorization"] = "Bearer " + os.environ["TOKEN"]
        ...     async def rejected(self, request, response):
        ...         return False                # nothing to renew: give the 401 back
        >>> isinstance(EnvToken(), TokenSource)
        True
    """

    async def authorize(self, request: Request) -> None:
        """Set the credential headers of ``request`` (``Authorization``, and for a
        sender-constrained source its proof header)."""
        ...

    async def rejected(self, request: Request, response: Response) -> bool:
        """The server answered ``response`` (a 401) to ``request`` as authorised.

        Return True to have the request authorised again and sent once more (the
        credential was renewed, or a challenge was learnt); False to hand the 401 to
        the caller. May raise, e.g. ``ReauthenticationRequired``.
        """
        ...


def header_safe_token(token: object, what: str) -> str:
    """``token`` stripped, if it can travel in an ``Authorization`` header.

    Example:
        >>> header_safe_token("  abc ", "API key")
        'abc'
    """
    if not isinstance(token, str):
        # Only the type is named: the value may be the secret itself.
        raise ConfigurationError(f"the {what} must be a str, not {type(token).__name__}")
    token = token.strip()
    if not token:
        raise ConfigurationError(f"the {what} is empty")
    if token[:7].lower() == "bearer ":
        raise ConfigurationError(
            f"the {what} starts with 'Bearer ': pass the key alone, the SDK adds the prefix"
        )
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
        raise ConfigurationError(f"the {what} contains characters not allowed in a header")
    return token


class StaticTokenSource:
    """A fixed Bearer token, such as a lexoffice API key: nothing to refresh.

    A 401 raises ``ApiKeyRejected`` (a ``ReauthenticationRequired``): only a new key
    helps. It also serves synchronous clients, through ``authorize_sync``.

    Example:
        >>> StaticTokenSource("my-key")
        StaticTokenSource(token='**********')
    """

    def __init__(self, token: str, *, what: str = "API key") -> None:
        self._header = "Bearer " + header_safe_token(token, what)
        self._what = what

    @classmethod
    def from_env(cls, variable: str = "LEXOFFICE_API_KEY") -> StaticTokenSource:
        """The token in environment variable ``variable``.

        Example:
            >>> os.environ["MY_KEY"] = "k-123"
            >>> StaticTokenSource.from_env("MY_KEY")
            StaticTokenSource(token='**********')
        """
        value = os.environ.get(variable)
        if not value or not value.strip():
            raise ConfigurationError(
                f"no lexoffice API key: pass api_key= or set {variable} in the environment"
            )
        return cls(value)

    def __repr__(self) -> str:
        return "StaticTokenSource(token='**********')"

    def authorize_sync(self, request: Request) -> None:
        """Set ``Authorization`` (no I/O, so synchronous clients can use it too)."""
        request.headers["Authorization"] = self._header

    async def authorize(self, request: Request) -> None:
        """Set ``Authorization``."""
        request.headers["Authorization"] = self._header

    def rejected_sync(self, request: Request, response: Response) -> bool:
        """Raise ``ApiKeyRejected``: a static key cannot be renewed."""
        raise ApiKeyRejected(
            f"the lexoffice API rejected the {self._what} (HTTP 401): it is invalid, "
            "expired or revoked; create a new key in lexoffice and configure it",
            status_code=401,
        )

    async def rejected(self, request: Request, response: Response) -> bool:
        """Raise ``ApiKeyRejected``: a static key cannot be renewed."""
        return self.rejected_sync(request, response)
