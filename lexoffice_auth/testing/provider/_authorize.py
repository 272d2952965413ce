"""``/oauth2/authorize``: RFC 6749 §4.1.1 with PKCE (RFC 7636) and RFC 9207 ``iss``.

``checked_request`` validates an authorization request's parameters; the pushed
authorization endpoint (RFC 9126) validates with it too, before the browser comes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from httpx import Request, Response

from lexoffice_auth.testing._model import AuthCode, ConsentRequest, FakeClient
from lexoffice_auth.testing.provider._http import browser_params, page, with_query
from lexoffice_auth.testing.provider._redirects import redirect_uri_matches

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["AuthorizationRequest", "authorize", "checked_request", "requested_scopes"]

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")

OAuthRefusal = tuple[str, str]
"""An OAuth ``(error, error_description)``."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """A valid authorization request, ready for the user's consent."""

    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    scopes: tuple[str, ...]
    nonce: str | None
    login_hint: str | None
    dpop_jkt: str | None = None
    """The DPoP key the code will be bound to (RFC 9449 §10)."""


def requested_scopes(
    provider: Provider, params: Mapping[str, str]
) -> tuple[tuple[str, ...], OAuthRefusal | None]:
    """The scopes asked for, or an ``invalid_scope``/``invalid_request`` refusal."""
    # ``scopes`` (comma-separated) is what lexoffice's partner OAuth uses; accept it too
    # so the SDK's lexoffice preset can be driven against the sandbox.
    if "scope" in params and "scopes" in params:
        return (), ("invalid_request", "send either scope or scopes, not both")
    raw = params.get("scope", params.get("scopes", ""))
    scopes = tuple(dict.fromkeys(s for s in re.split(r"[ ,]+", raw) if s))
    unknown = [s for s in scopes if s not in provider.oauth.scopes_supported]
    if unknown:
        return (), ("invalid_scope", f"unknown scope: {unknown[0]}")
    return scopes, None


def checked_request(
    provider: Provider, client: FakeClient, redirect_uri: str, params: Mapping[str, str]
) -> AuthorizationRequest | OAuthRefusal:
    """The request ``params`` make for ``client`` (its redirect URI already checked)."""
    if params.get("response_type") != "code":
        return ("unsupported_response_type", "only response_type=code is supported")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if not challenge:
        return ("invalid_request", "PKCE is required: send code_challenge (S256)")
    if method != "S256":
        # A missing method means "plain" (RFC 7636 §4.3); the sandbox accepts only S256.
        return ("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.fullmatch(challenge):
        return ("invalid_request", "code_challenge is not a base64url SHA-256 value")
    scopes, scope_error = requested_scopes(provider, params)
    if scope_error is not None:
        return scope_error
    dpop_jkt = params.get("dpop_jkt")
    if dpop_jkt is not None and not _CHALLENGE.fullmatch(dpop_jkt):
        return ("invalid_request", "dpop_jkt is not a base64url SHA-256 thumbprint")
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        state=params.get("state"),
        code_challenge=challenge,
        scopes=scopes,
        nonce=params.get("nonce"),
        login_hint=params.get("login_hint"),
        dpop_jkt=dpop_jkt,
    )


def registered_redirect(client: FakeClient, redirect_uri: str | None) -> bool:
    """True if ``redirect_uri`` is one ``client`` registered."""
    return bool(redirect_uri) and any(
        redirect_uri_matches(r, redirect_uri or "") for r in client.redirect_uris
    )


def _back(provider: Provider, redirect_uri: str, state: str | None, **values: str) -> Response:
    out = dict(values)
    if state is not None:
        out["state"] = state
    out["iss"] = provider.state.issuer
    return Response(302, headers={"Location": with_query(redirect_uri, out)})


def authorize(provider: Provider, request: Request) -> Response:
    """Validate the request, ask for consent, and redirect back with a code or an error."""
    params = browser_params(request)
    if isinstance(params, Response):
        return params
    client = provider.oauth.clients.get(params.get("client_id", ""))
    if client is None:
        return page(400, "Unknown client", "client_id is missing or not registered")
    if "request_uri" in params:
        return _pushed(provider, client, params)
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None or not registered_redirect(client, redirect_uri):
        # Never redirect to an unregistered URI (RFC 6749 §4.1.2.1).
        return page(400, "Invalid redirect_uri", "redirect_uri is not registered")
    if provider.oauth.par_required or client.require_pushed_authorization_requests:
        return _back(
            provider,
            redirect_uri,
            params.get("state"),
            error="invalid_request",
            error_description="push the authorization request first (PAR, RFC 9126)",
        )
    checked = checked_request(provider, client, redirect_uri, params)
    if isinstance(checked, tuple):
        error, description = checked
        return _back(
            provider, redirect_uri, params.get("state"), error=error, error_description=description
        )
    return grant_code(provider, checked)


def _pushed(provider: Provider, client: FakeClient, params: Mapping[str, str]) -> Response:
    """An authorization request by reference to a pushed one (RFC 9126 §4)."""
    pushed = provider.pushed.get(params["request_uri"])
    if pushed is None or pushed.request.client_id != client.client_id:
        # Not this client's: its redirect URI is unknown, so the browser gets a page.
        return page(400, "invalid_request_uri", "the request_uri is unknown to this client")
    request = pushed.request

    def fail(error: str, description: str) -> Response:
        return _back(
            provider,
            request.redirect_uri,
            request.state,
            error=error,
            error_description=description,
        )

    if set(params) - {"client_id", "request_uri"}:
        return fail("invalid_request", "with request_uri, send only client_id and request_uri")
    if pushed.used:
        return fail("invalid_request_uri", "the request_uri was used before")
    if provider.state.now() >= pushed.expires_at:
        return fail("invalid_request_uri", "the request_uri has expired")
    pushed.used = True
    return grant_code(provider, request)


def grant_code(provider: Provider, request: AuthorizationRequest) -> Response:
    """Ask for consent (or a queued denial), then redirect back with a fresh code."""
    oauth = provider.oauth
    user = provider.user_for_hint(request.login_hint) or oauth.current_user
    denied = oauth.denials.pop(0) if oauth.denials else None
    if denied is None and oauth.consent is not None:
        consent = ConsentRequest(request.client_id, user, request.scopes, request.redirect_uri)
        if not oauth.consent(consent):
            denied = "access_denied"
    if denied is not None:
        return _back(
            provider,
            request.redirect_uri,
            request.state,
            error=denied,
            error_description="the user did not allow access",
        )
    now = provider.state.now()
    code = secrets.token_urlsafe(32)
    provider.codes[code] = AuthCode(
        client_id=request.client_id,
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        scopes=request.scopes,
        nonce=request.nonce,
        user=user,
        auth_time=int(now),
        expires_at=now + oauth.code_lifetime,
        dpop_jkt=request.dpop_jkt,
    )
    return _back(provider, request.redirect_uri, request.state, code=code)
