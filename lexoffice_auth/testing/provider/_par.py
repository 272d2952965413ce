"""``POST /oauth2/par``: pushed authorization requests (RFC 9126).

The client authenticates as at the token endpoint and pushes every authorization
parameter; the answer is a single-use ``request_uri`` that expires by the sandbox clock.
A DPoP proof on the push binds the code to its key (RFC 9449 §10.1).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from httpx import Request, Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing.provider._authorize import (
    AuthorizationRequest,
    checked_request,
    registered_redirect,
)
from lexoffice_auth.testing.provider._client_auth import (
    authenticate_client,
    invalid_request_client_id,
)
from lexoffice_auth.testing.provider._dpop import (
    ProofRefusal,
    check_proof,
    token_endpoint_refusal,
    with_nonce,
)
from lexoffice_auth.testing.provider._http import NO_STORE, form_params, oauth_error

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["REQUEST_URI_PREFIX", "PushedRequest", "par"]

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
"""What every ``request_uri`` the sandbox hands out starts with (RFC 9126 §2.2)."""


@dataclass
class PushedRequest:
    """A pushed, validated authorization request; ``used`` flips when the browser comes."""

    request: AuthorizationRequest
    expires_at: float
    used: bool = False


def par(provider: Provider, request: Request) -> Response:
    """Authenticate, validate as ``/authorize`` would, and answer 201 with a request_uri."""
    state = provider.state
    form, bad = form_params(request)
    if bad is not None:
        return bad
    proof = check_proof(state, request, realm="provider")
    if isinstance(proof, ProofRefusal):
        return token_endpoint_refusal(state, proof)
    response = _pushed(provider, request, form, None if proof is None else proof.jkt)
    return response if proof is None else with_nonce(state, response, "provider")


def _pushed(
    provider: Provider, request: Request, form: dict[str, str], jkt: str | None
) -> Response:
    client = authenticate_client(provider, request, form)
    if isinstance(client, Response):
        return client
    if form.get("client_id", client.client_id) != client.client_id:
        return invalid_request_client_id()
    if "request_uri" in form:
        return oauth_error("invalid_request", "a pushed request must not carry request_uri")
    redirect_uri = form.get("redirect_uri")
    if redirect_uri is None or not registered_redirect(client, redirect_uri):
        return oauth_error("invalid_request", "redirect_uri is not registered")
    checked = checked_request(provider, client, redirect_uri, form)
    if isinstance(checked, tuple):
        return oauth_error(*checked)
    if jkt is not None:
        if checked.dpop_jkt not in (None, jkt):
            return oauth_error("invalid_dpop_proof", "dpop_jkt differs from the proof's key")
        checked = replace(checked, dpop_jkt=jkt)
    lifetime = provider.oauth.request_uri_lifetime
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(24)
    provider.pushed[request_uri] = PushedRequest(checked, provider.state.now() + lifetime)
    body = {"request_uri": request_uri, "expires_in": max(1, int(lifetime))}
    return json_response(201, body, headers=NO_STORE)
