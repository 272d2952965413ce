"""Shared fixtures-in-code for the login-core tests: a discovery document and a token body."""

from __future__ import annotations

import json
from typing import Any

ISSUER = "https://id.example.com"
CLIENT_ID = "client-123"
REDIRECT = "https://app.example.com/callback"


def discovery_doc(issuer: str = ISSUER, **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "revocation_endpoint": f"{issuer}/revoke",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/logout",
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "email"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        "authorization_response_iss_parameter_supported": True,
        "x_vendor_extension": {"kept": True},
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def token_body(**overrides: Any) -> bytes:
    body: dict[str, Any] = {
        "access_token": "AT-1",
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": "RT-1",
        "scope": "openid email",
    }
    body.update(overrides)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()
