"""The sandbox's OpenID provider: one module per endpoint, one routing table.

Strict where real providers are strict (PKCE S256 only, single-use expiring codes, exact
redirect URIs, client authentication as registered, refresh-token reuse detection), and
able to require what FAPI 2.0 requires: pushed authorization requests, DPoP-bound tokens
(with nonces) and ``private_key_jwt``.
``ENDPOINTS`` declares every path, method and handler; ``Provider`` holds the records they
share and dispatches over it.
"""

from __future__ import annotations

from lexoffice_auth.testing.provider._assertions import HMAC_ALGORITHMS, check_jwks
from lexoffice_auth.testing.provider._dpop import Realm, current_nonce, rotate_nonces
from lexoffice_auth.testing.provider._endpoints import ENDPOINTS
from lexoffice_auth.testing.provider._provider import Handler, Provider, ProviderEndpoint
from lexoffice_auth.testing.provider._redirects import redirect_uri_matches
from lexoffice_auth.testing.provider._resource import ResourceRefusal, presented_credential

PROVIDER_PATHS = {e.path: e.name for e in ENDPOINTS}
"""Path under the issuer -> endpoint name."""

__all__ = [
    "ENDPOINTS",
    "HMAC_ALGORITHMS",
    "PROVIDER_PATHS",
    "Handler",
    "Provider",
    "ProviderEndpoint",
    "Realm",
    "ResourceRefusal",
    "check_jwks",
    "current_nonce",
    "presented_credential",
    "redirect_uri_matches",
    "rotate_nonces",
]
