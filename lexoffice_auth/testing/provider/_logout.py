"""``/oauth2/logout``: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from httpx import Request, Response

from lexoffice_auth.testing.provider._http import browser_params, page, with_query
from lexoffice_auth.testing.provider._redirects import redirect_uri_matches

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["end_session"]


def end_session(provider: Provider, request: Request) -> Response:
    """Back to a registered URI with ``state``, else a page."""
    oauth = provider.oauth
    params = browser_params(request)
    if isinstance(params, Response):
        return params
    oauth.logouts += 1
    target = params.get("post_logout_redirect_uri")
    if not target:
        return page(200, "Signed out", "You have been signed out of the sandbox.")
    client_ids = [params["client_id"]] if "client_id" in params else list(oauth.clients)
    allowed = any(
        redirect_uri_matches(uri, target)
        for cid in client_ids
        if (c := oauth.clients.get(cid)) is not None
        for uri in c.redirect_uris
    )
    if not allowed:
        return page(400, "Invalid post_logout_redirect_uri", "it is not registered")
    extra = {"state": params["state"]} if "state" in params else {}
    location = with_query(target, extra) if extra else target
    return Response(302, headers={"Location": location})
