"""The sandbox's OpenID provider: one module per endpoint, one routing table.

Strict where real providers are strict (PKCE S256 only, single-use expiring codes, exact
redirect URIs, client authentication as registered, refresh-token reuse detection).
``ENDPOINTS`` declares every path, method and handler; ``Provider`` holds the records they
share and dispatches over it.
"""

from __future__ import annotations

from lexoffice_auth.testing.provider._endpoints import ENDPOINTS
from lexoffice_auth.testing.provider._provider import Handler, Provider, ProviderEndpoint
from lexoffice_auth.testing.provider._redirects import redirect_uri_matches

PROVIDER_PATHS = {e.path: e.name for e in ENDPOINTS}
"""Path under the issuer -> endpoint name."""

__all__ = [
    "ENDPOINTS",
    "PROVIDER_PATHS",
    "Handler",
    "Provider",
    "ProviderEndpoint",
    "redirect_uri_matches",
]
