"""``POST /oauth2/revoke``: RFC 7009."""

from __future__ import annotations

from typing import TYPE_CHECKING

from httpx import Request, Response

from lexoffice_auth.testing.provider._client_auth import authenticate_client
from lexoffice_auth.testing.provider._http import NO_STORE, form_params, oauth_error

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["revoke"]


def revoke(provider: Provider, request: Request) -> Response:
    """200 for unknown tokens; a refresh token takes its whole grant along."""
    form, bad = form_params(request)
    if bad is not None:
        return bad
    client = authenticate_client(provider, request, form)
    if isinstance(client, Response):
        return client
    token = form.get("token")
    if not token:
        return oauth_error("invalid_request", "token is missing")
    access = provider.access_tokens.get(token)
    refresh = provider.refresh_tokens.get(token)
    record = access or refresh
    if record is not None:
        grant = provider.grants.get(record.grant_id)
        if grant is not None and grant.client_id != client.client_id:
            return oauth_error("invalid_request", "the token was issued to another client")
        if refresh is not None:
            provider.revoke_grant(refresh.grant_id)
        elif access is not None:
            access.revoked = True
    return Response(200, headers=NO_STORE)
