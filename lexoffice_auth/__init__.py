"""lexoffice-auth: async OAuth 2.0 / OpenID Connect and API-key auth for lexoffice."""

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
from ._tokens import ClientAuthMethod, TokenSet

__version__ = "0.1.0"

__all__ = [
    "LEXOFFICE_PARTNER_METADATA",
    "ApiKeyRejected",
    "AuthorizationDenied",
    "CallbackError",
    "ClientAuthMethod",
    "ConfigurationError",
    "DiscoveryError",
    "IdTokenClaims",
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
    "OAuthClient",
    "PendingLogin",
    "ProviderMetadata",
    "ReauthenticationRequired",
    "RevocationError",
    "SerializationError",
    "StateMismatchError",
    "SyncClientNotSupported",
    "TokenEndpointError",
    "TokenRequestError",
    "TokenSet",
    "TokenStoreError",
    "UnsafeRequestError",
    "UserInfoError",
    "__version__",
    "lexoffice_partner_metadata",
]
