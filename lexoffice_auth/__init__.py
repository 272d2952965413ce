"""lexoffice-auth: log in to lexoffice (Lexware Office), keep tokens fresh, call its API.

The names below are the public API; they load on first use (PEP 562), so that
``from lexoffice_auth import ApiKeyAuth`` stays as cheap as httpx itself and never
imports PyJWT, cryptography or pydantic. More lives in sub-namespaces:
``lexoffice_auth.errors`` (every exception), ``lexoffice_auth.stores`` (token stores,
Redis included), ``lexoffice_auth.oidc`` (id_token verification), ``lexoffice_auth.api``
(the typed API client), ``lexoffice_auth.webhooks``, ``lexoffice_auth.telemetry`` (log
events, OpenTelemetry) and ``lexoffice_auth.testing`` (the sandbox and pytest fixtures).

Example:
    >>> from lexoffice_auth import ApiKeyAuth
    >>> ApiKeyAuth("my-key").api_origins
    ('https://api.lexware.io',)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from ._auth import DEFAULT_API_ORIGINS, ApiKeyAuth, LexofficeAuth
    from ._background import BackgroundRefresher
    from ._config import ClientConfig, ProviderPreset
    from ._login import PendingLogin
    from ._metadata import ProviderMetadata
    from ._oauth import OAuthClient
    from ._policy import RefreshPolicy
    from ._pool import AuthPool
    from ._session import RefreshingTokenSource
    from ._source import StaticTokenSource, TokenSource
    from ._tokens import TokenSet
    from .api import LexofficeClient
    from .errors import ConfigurationError, LexofficeAuthError, ReauthenticationRequired
    from .stores import FileTokenStore, MemoryTokenStore, TokenStore

__version__ = "0.2.0"
"""This package's version: the one place it is set (``pyproject.toml`` reads it from here)."""

__all__ = [
    "DEFAULT_API_ORIGINS",
    "ApiKeyAuth",
    "AuthPool",
    "BackgroundRefresher",
    "ClientConfig",
    "ConfigurationError",
    "FileTokenStore",
    "LexofficeAuth",
    "LexofficeAuthError",
    "LexofficeClient",
    "MemoryTokenStore",
    "OAuthClient",
    "PendingLogin",
    "ProviderMetadata",
    "ProviderPreset",
    "ReauthenticationRequired",
    "RefreshPolicy",
    "RefreshingTokenSource",
    "StaticTokenSource",
    "TokenSet",
    "TokenSource",
    "TokenStore",
    "__version__",
]

_WHERE = {
    "DEFAULT_API_ORIGINS": "._auth",
    "ApiKeyAuth": "._auth",
    "LexofficeAuth": "._auth",
    "ClientConfig": "._config",
    "ProviderPreset": "._config",
    "PendingLogin": "._login",
    "ProviderMetadata": "._metadata",
    "OAuthClient": "._oauth",
    "RefreshPolicy": "._policy",
    "AuthPool": "._pool",
    "BackgroundRefresher": "._background",
    "RefreshingTokenSource": "._session",
    "StaticTokenSource": "._source",
    "TokenSource": "._source",
    "TokenSet": "._tokens",
    "LexofficeClient": ".api",
    "ConfigurationError": ".errors",
    "LexofficeAuthError": ".errors",
    "ReauthenticationRequired": ".errors",
    "FileTokenStore": ".stores",
    "MemoryTokenStore": ".stores",
    "TokenStore": ".stores",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
