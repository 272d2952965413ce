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

import logging
from typing import TYPE_CHECKING

from ._core.lazy import lazy_exports

# A library leaves handlers to the application (the logging HOWTO, "Configuring Logging for
# a Library"): without this, Python's last-resort handler prints our WARNINGs on stderr.
logging.getLogger("lexoffice_auth").addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from ._accounts.background import BackgroundRefresher
    from ._accounts.pool import AuthPool
    from ._auth import DEFAULT_API_ORIGINS, ApiKeyAuth, LexofficeAuth
    from ._oauth.client import OAuthClient
    from ._oauth.config import ClientConfig, ProviderPreset
    from ._oauth.login import PendingLogin
    from ._oauth.metadata import ProviderMetadata
    from ._oauth.tokens import TokenSet
    from ._session.policy import RefreshPolicy
    from ._session.refreshing import RefreshingTokenSource
    from ._session.source import StaticTokenSource, TokenSource
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
    "ClientConfig": "._oauth.config",
    "ProviderPreset": "._oauth.config",
    "PendingLogin": "._oauth.login",
    "ProviderMetadata": "._oauth.metadata",
    "OAuthClient": "._oauth.client",
    "RefreshPolicy": "._session.policy",
    "AuthPool": "._accounts.pool",
    "BackgroundRefresher": "._accounts.background",
    "RefreshingTokenSource": "._session.refreshing",
    "StaticTokenSource": "._session.source",
    "TokenSource": "._session.source",
    "TokenSet": "._oauth.tokens",
    "LexofficeClient": ".api",
    "ConfigurationError": ".errors",
    "LexofficeAuthError": ".errors",
    "ReauthenticationRequired": ".errors",
    "FileTokenStore": ".stores",
    "MemoryTokenStore": ".stores",
    "TokenStore": ".stores",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
