"""``GET /.well-known/openid-configuration``: what the provider supports, as it is set up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from httpx import Request, Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing.provider._assertions import HMAC_ALGORITHMS
from lexoffice_auth.testing.provider._dpop import dpop_algorithms

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["discovery", "discovery_document"]


_AUTH_METHODS = (
    *("client_secret_basic", "client_secret_post", "client_secret_jwt"),
    *("private_key_jwt", "none"),
)


def discovery_document(provider: Provider) -> dict[str, Any]:
    """The OpenID Connect discovery document for the current issuer and requirements."""
    oauth = provider.oauth
    methods = ["private_key_jwt"] if oauth.fapi2 else list(_AUTH_METHODS)
    assertion_algs = list(dpop_algorithms(oauth))
    if not oauth.fapi2:
        assertion_algs += list(HMAC_ALGORITHMS)
    return {
        "issuer": provider.state.issuer,
        "authorization_endpoint": provider.url_of("authorize"),
        "pushed_authorization_request_endpoint": provider.url_of("par"),
        "require_pushed_authorization_requests": oauth.par_required,
        "token_endpoint": provider.url_of("token"),
        "revocation_endpoint": provider.url_of("revocation"),
        "userinfo_endpoint": provider.url_of("userinfo"),
        "jwks_uri": provider.url_of("jwks"),
        "end_session_endpoint": provider.url_of("end_session"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "revocation_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "dpop_signing_alg_values_supported": list(dpop_algorithms(oauth)),
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": list(oauth.scopes_supported),
        "claims_supported": [
            *("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"),
            *("at_hash", "azp", "email", "email_verified", "name"),
        ],
        "authorization_response_iss_parameter_supported": True,
    }


def discovery(provider: Provider, request: Request) -> Response:
    """The discovery document as JSON."""
    return json_response(200, discovery_document(provider))
