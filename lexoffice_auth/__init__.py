"""lexoffice-auth: async OAuth 2.0 / OpenID Connect and API-key auth for lexoffice."""

from ._auth import DEFAULT_API_ORIGINS, ApiKeyAuth, LexofficeAuth
from ._claims import IdTokenClaims
from ._errors import (
    ApiKeyRejected,
    AuthorizationDenied,
    CallbackError,
    ConfigurationError,
    DiscoveryError,
    IdTokenError,
    InsecureTransportError,
    InvalidGrantError,
    InvalidTokenResponse,
    IssuerMismatchError,
    JWKSError,
    LexofficeAuthError,
    LoginError,
    LoginExpiredError,
    NetworkError,
    ReauthenticationRequired,
    RevocationError,
    SerializationError,
    StateMismatchError,
    SyncClientNotSupported,
    TokenEndpointError,
    TokenRequestError,
    TokenStoreError,
    UnsafeRequestError,
    UserInfoError,
)
from ._login import PendingLogin
from ._metadata import LEXOFFICE_PARTNER_METADATA, ProviderMetadata, lexoffice_partner_metadata
from ._oauth import OAuthClient
from ._session import Refresher, SourceOptions, TokenHook, TokenSource
from ._tokens import ClientAuthMethod, TokenSet
from .api import LexofficeClient
from .stores import FileTokenStore, MemoryTokenStore, RedisTokenStore, TokenStore

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_API_ORIGINS",
    "LEXOFFICE_PARTNER_METADATA",
    "ApiKeyAuth",
    "ApiKeyRejected",
    "AuthorizationDenied",
    "CallbackError",
    "ClientAuthMethod",
    "ConfigurationError",
    "DiscoveryError",
    "FileTokenStore",
    "IdTokenClaims",
    "IdTokenError",
    "InsecureTransportError",
    "InvalidGrantError",
    "InvalidTokenResponse",
    "IssuerMismatchError",
    "JWKSError",
    "LexofficeAuth",
    "LexofficeAuthError",
    "LexofficeClient",
    "LoginError",
    "LoginExpiredError",
    "MemoryTokenStore",
    "NetworkError",
    "OAuthClient",
    "PendingLogin",
    "ProviderMetadata",
    "ReauthenticationRequired",
    "RedisTokenStore",
    "Refresher",
    "RevocationError",
    "SerializationError",
    "SourceOptions",
    "StateMismatchError",
    "SyncClientNotSupported",
    "TokenEndpointError",
    "TokenHook",
    "TokenRequestError",
    "TokenSet",
    "TokenSource",
    "TokenStore",
    "TokenStoreError",
    "UnsafeRequestError",
    "UserInfoError",
    "lexoffice_partner_metadata",
    "__version__",
]
