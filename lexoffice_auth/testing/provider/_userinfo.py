"""``/oauth2/userinfo``: OIDC Core §5.3, claims by scope (``email``, ``profile``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from httpx import Request, Response

from lexoffice_auth.testing._responses import json_response

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["userinfo"]


def userinfo(provider: Provider, request: Request) -> Response:
    """The claims of the access token's user, as its scopes allow."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    grant = provider.grant_for_access_token(token) if token else None
    if grant is None:
        challenge = 'Bearer realm="lexoffice-sandbox"'
        if token:
            challenge += ', error="invalid_token"'
        return Response(401, headers={"WWW-Authenticate": challenge})
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
