"""OpenID Connect: verified id_token claims, the verifier, and RP-initiated logout.

``OAuthClient`` verifies id_tokens by itself (OpenID Connect Core §3.1.3.7); these names
are for code that checks an id_token it got some other way, or reads the claims.

Example:
    >>> from lexoffice_auth.oidc import IdTokenClaims
    >>> IdTokenClaims(iss="https://id.example", sub="42", aud="app", exp=2, iat=1).audiences
    ('app',)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._core.lazy import lazy_exports
from ._oauth.idtoken import (
    IdTokenVerifier,
    allowed_algorithms,
    at_hash,
    check_claims,
    end_session_url,
)

if TYPE_CHECKING:
    from ._oauth.claims import IdTokenClaims

__all__ = [
    "IdTokenClaims",
    "IdTokenVerifier",
    "allowed_algorithms",
    "at_hash",
    "check_claims",
    "end_session_url",
]


# IdTokenClaims is a pydantic model: it (and pydantic) load when first asked for.
__getattr__, __dir__ = lazy_exports(__name__, {"IdTokenClaims": "._oauth.claims"}, __all__)
