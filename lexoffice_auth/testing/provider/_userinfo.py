"""``/oauth2/userinfo``: OIDC Core §5.3, claims by scope (``email``, ``profile``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from httpx import Request, Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing.provider._resource import ResourceRefusal, presented_credential

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["userinfo"]


def userinfo(provider: Provider, request: Request) -> Response:
    """The claims of the access token's user, as its scopes allow."""
    who = presented_credential(
        provider.state, request, realm="provider", lookup=provider.credential_for
    )
    if isinstance(who, ResourceRefusal):
        return Response(401, headers=who.all_headers())
    grant = provider.grants[who.grant_id or ""]
    if "openid" not in grant.scopes:
        return Response(
            403,
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="openid"'},
        )
    claims: dict[str, Any] = {"sub": grant.user.sub}
    if "email" in grant.scopes:
        claims.update(email=grant.user.email, email_verified=grant.user.email_verified)
    if "profile" in grant.scopes:
        claims["name"] = grant.user.name
    return json_response(200, claims)
