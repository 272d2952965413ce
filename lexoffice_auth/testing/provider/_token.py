"""``POST /oauth2/token``: RFC 6749 §4.1.3 and §6, after any failure the test queued."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx
from httpx import Request, Response

from lexoffice_auth.testing._model import FakeClient
from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing._state import TokenRejection
from lexoffice_auth.testing.provider._client_auth import authenticate_client
from lexoffice_auth.testing.provider._http import NO_STORE, form_params, oauth_error

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["token"]

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token(provider: Provider, request: Request) -> Response:
    """Count the call, answer a queued failure, else authenticate and run the grant."""
    oauth = provider.oauth
    form, bad = form_params(request)
    grant_type = form.get("grant_type", "") if form else ""
    oauth.token_calls[grant_type or "(none)"] += 1
    injected = oauth.token_failures.pop(0) if oauth.token_failures else None
    if injected is not None:
        return _injected(injected, request)
    if bad is not None:
        return bad
    client = authenticate_client(provider, request, form)
    if isinstance(client, Response):
        return client
    if grant_type == "authorization_code":
        return _code_grant(provider, client, form)
    if grant_type == "refresh_token":
        return _refresh_grant(provider, client, form)
    if not grant_type:
        return oauth_error("invalid_request", "grant_type is missing")
    return oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")


def _injected(kind: str | TokenRejection, request: Request) -> Response:
    if isinstance(kind, TokenRejection):
        return oauth_error(kind.error, "the sandbox was told to answer so", kind.status)
    if kind == "timeout":
        raise httpx.ReadTimeout("sandbox: simulated token endpoint timeout", request=request)
    if kind == "unreachable":
        raise httpx.ConnectError("sandbox: simulated unreachable provider", request=request)
    if kind == "garbage":
        return Response(200, headers={"Content-Type": "text/html"}, text="<html>not a token</html>")
    if kind == "temporarily_unavailable":
        return oauth_error("temporarily_unavailable", "the sandbox was told to fail this call", 503)
    return Response(
        500, headers={"Content-Type": "text/html"}, text="<h1>500 Internal Server Error</h1>"
    )


def _code_grant(provider: Provider, client: FakeClient, form: Mapping[str, str]) -> Response:
    code = provider.codes.get(form.get("code", ""))
    if code is None or code.client_id != client.client_id:
        return oauth_error("invalid_grant", "unknown authorization code")
    if code.used:
        # RFC 6749 §4.1.2: a reused code revokes what was issued from it.
        if code.grant_id is not None:
            provider.revoke_grant(code.grant_id)
        return oauth_error("invalid_grant", "authorization code was already used")
    # Burn the code on the first attempt, so a wrong verifier cannot be retried.
    code.used = True
    if provider.state.now() >= code.expires_at:
        return oauth_error("invalid_grant", "authorization code has expired")
    redirect_uri = form.get("redirect_uri")
    if redirect_uri is None or redirect_uri != code.redirect_uri:
        return oauth_error("invalid_grant", "redirect_uri differs from the authorization")
    verifier = form.get("code_verifier")
    if verifier is None:
        return oauth_error("invalid_request", "code_verifier is missing")
    if not _VERIFIER.fullmatch(verifier) or not secrets.compare_digest(
        _s256(verifier), code.code_challenge
    ):
        return oauth_error("invalid_grant", "code_verifier does not match the challenge")
    grant = provider.new_grant(client.client_id, code.user, code.scopes, code.auth_time)
    code.grant_id = grant.grant_id
    body = provider.issue(grant, nonce=code.nonce, with_refresh=True)
    return json_response(200, body, headers=NO_STORE)


def _refresh_grant(provider: Provider, client: FakeClient, form: Mapping[str, str]) -> Response:
    oauth = provider.oauth
    presented = form.get("refresh_token", "")
    record = provider.refresh_tokens.get(presented)
    grant = provider.grants.get(record.grant_id) if record else None
    if record is None or grant is None or grant.client_id != client.client_id:
        return oauth_error("invalid_grant", "unknown refresh token")
    if not record.active:
        oauth.reused_refresh_tokens.append(presented)
        if oauth.refresh_token_reuse == "reject":
            return oauth_error("invalid_grant", "refresh token was already used")
        # Reuse of a rotated refresh token: assume theft and end the whole grant.
        provider.revoke_grant(grant.grant_id)
        return oauth_error("invalid_grant", "refresh token was already used; grant revoked")
    if grant.revoked:
        return oauth_error("invalid_grant", "the grant has been revoked")
    if record.expires_at is not None and provider.state.now() >= record.expires_at:
        return oauth_error("invalid_grant", "refresh token has expired")
    scopes = grant.scopes
    if "scope" in form:
        wanted = tuple(s for s in form["scope"].split() if s)
        if not set(wanted) <= set(grant.scopes):
            return oauth_error("invalid_scope", "cannot widen the scope on refresh")
        scopes = wanted
    rotate = oauth.rotate_refresh_tokens
    if rotate:
        record.active = False
    body = provider.issue(grant, nonce=None, with_refresh=rotate, scopes=scopes)
    if not oauth.id_token_on_refresh:
        body.pop("id_token", None)
    return json_response(200, body, headers=NO_STORE)
