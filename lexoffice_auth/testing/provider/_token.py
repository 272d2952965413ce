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
from lexoffice_auth.testing.provider._dpop import (
    Proof,
    ProofRefusal,
    check_proof,
    token_endpoint_refusal,
    with_nonce,
)
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
    # The proof first: a nonce challenge must not consume the code or refresh token.
    proof = check_proof(provider.state, request, realm="provider")
    if isinstance(proof, ProofRefusal):
        return token_endpoint_refusal(provider.state, proof)
    response = _granted(provider, request, form, grant_type, proof)
    return response if proof is None else with_nonce(provider.state, response, "provider")


def _granted(
    provider: Provider,
    request: Request,
    form: Mapping[str, str],
    grant_type: str,
    proof: Proof | None,
) -> Response:
    client = authenticate_client(provider, request, form)
    if isinstance(client, Response):
        return client
    if proof is None and (provider.oauth.dpop_required or client.dpop_bound_access_tokens):
        return oauth_error("invalid_dpop_proof", "a DPoP proof is required (RFC 9449)")
    if grant_type == "authorization_code":
        return _code_grant(provider, client, form, proof)
    if grant_type == "refresh_token":
        return _refresh_grant(provider, client, form, proof)
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


def _code_grant(
    provider: Provider, client: FakeClient, form: Mapping[str, str], proof: Proof | None
) -> Response:
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
    jkt = None if proof is None else proof.jkt
    if code.dpop_jkt is not None and code.dpop_jkt != jkt:
        return oauth_error(
            "invalid_dpop_proof", "the authorization request bound the code to another key"
        )
    grant = provider.new_grant(client.client_id, code.user, code.scopes, code.auth_time)
    code.grant_id = grant.grant_id
    body = provider.issue(
        grant,
        nonce=code.nonce,
        with_refresh=True,
        jkt=jkt,
        refresh_jkt=jkt if client.is_public else None,
    )
    return json_response(200, body, headers=NO_STORE)


def _refresh_grant(
    provider: Provider, client: FakeClient, form: Mapping[str, str], proof: Proof | None
) -> Response:
    oauth = provider.oauth
    presented = form.get("refresh_token", "")
    record = provider.refresh_tokens.get(presented)
    grant = provider.grants.get(record.grant_id) if record else None
    if record is None or grant is None or grant.client_id != client.client_id:
        return oauth_error("invalid_grant", "unknown refresh token")
    jkt = None if proof is None else proof.jkt
    if record.jkt is not None and record.jkt != jkt:
        # RFC 9449 §5: a public client's refresh token works only with its key.
        if proof is None:
            return oauth_error(
                "invalid_dpop_proof", "the refresh token is DPoP-bound: send a proof"
            )
        return oauth_error("invalid_grant", "the refresh token is bound to another DPoP key")
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
    body = provider.issue(
        grant,
        nonce=None,
        with_refresh=rotate,
        scopes=scopes,
        jkt=jkt,
        refresh_jkt=record.jkt or (jkt if client.is_public else None),
    )
    if not oauth.id_token_on_refresh:
        body.pop("id_token", None)
    return json_response(200, body, headers=NO_STORE)
