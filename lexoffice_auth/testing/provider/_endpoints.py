"""The routing table: every provider path, its name, its methods, its handler."""

from __future__ import annotations

from lexoffice_auth.testing.provider._authorize import authorize
from lexoffice_auth.testing.provider._discovery import discovery
from lexoffice_auth.testing.provider._jwks import jwks
from lexoffice_auth.testing.provider._logout import end_session
from lexoffice_auth.testing.provider._par import par
from lexoffice_auth.testing.provider._provider import ProviderEndpoint
from lexoffice_auth.testing.provider._revoke import revoke
from lexoffice_auth.testing.provider._token import token
from lexoffice_auth.testing.provider._userinfo import userinfo

__all__ = ["ENDPOINTS"]

ENDPOINTS: tuple[ProviderEndpoint, ...] = (
    ProviderEndpoint("/.well-known/openid-configuration", "discovery", ("GET",), discovery),
    ProviderEndpoint("/oauth2/authorize", "authorize", ("GET", "POST"), authorize, browser=True),
    ProviderEndpoint("/oauth2/par", "par", ("POST",), par),
    ProviderEndpoint("/oauth2/token", "token", ("POST",), token),
    ProviderEndpoint("/oauth2/revoke", "revocation", ("POST",), revoke),
    ProviderEndpoint("/oauth2/userinfo", "userinfo", ("GET", "POST"), userinfo),
    ProviderEndpoint("/oauth2/jwks", "jwks", ("GET",), jwks),
    ProviderEndpoint("/oauth2/logout", "end_session", ("GET", "POST"), end_session, browser=True),
)
