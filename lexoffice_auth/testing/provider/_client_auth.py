"""Client authentication at the token, PAR and revocation endpoints (RFC 6749 §2.3)."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from httpx import Request, Response

from lexoffice_auth.testing._model import FakeClient
from lexoffice_auth.testing.provider._assertions import (
    ASSERTION_METHODS,
    CLIENT_ASSERTION_TYPE,
    assertion_issuer,
    check_assertion,
)
from lexoffice_auth.testing.provider._http import oauth_error

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["authenticate_client", "invalid_client", "invalid_request_client_id"]


def invalid_client(description: str) -> Response:
    """401 ``invalid_client`` with a Basic challenge (RFC 6749 §5.2)."""
    return oauth_error(
        "invalid_client",
        description,
        401,
        {"WWW-Authenticate": 'Basic realm="lexoffice-sandbox"'},
    )


def authenticate_client(
    provider: Provider, request: Request, form: Mapping[str, str]
) -> FakeClient | Response:
    """Exactly one method, and the one the client registered.

    Under the FAPI 2.0 profile only ``private_key_jwt`` is accepted.
    """
    client = _authenticated(provider, request, form)
    if (
        isinstance(client, FakeClient)
        and provider.oauth.fapi2
        and client.token_endpoint_auth_method != "private_key_jwt"
    ):
        return invalid_client("the FAPI 2.0 profile requires private_key_jwt")
    return client


def _authenticated(
    provider: Provider, request: Request, form: Mapping[str, str]
) -> FakeClient | Response:
    clients = provider.oauth.clients
    header = request.headers.get("authorization", "")
    if "client_assertion" in form or "client_assertion_type" in form:
        if header[:6].lower() == "basic " or "client_secret" in form:
            return oauth_error("invalid_request", "use only one client authentication method")
        return _by_assertion(provider, request, form)
    basic_id: str | None = None
    basic_secret = ""
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
            user, _, password = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return invalid_client("malformed Basic credentials")
        basic_id, basic_secret = unquote_plus(user), unquote_plus(password)
        # RFC 6749 form-encodes both parts, but many clients (lexoffice's partner
        # integrations among them) send them raw: accept the raw pair when it matches.
        raw_client = clients.get(user)
        if (
            raw_client is not None
            and raw_client.client_secret is not None
            and secrets.compare_digest(raw_client.client_secret.encode(), password.encode())
        ):
            basic_id, basic_secret = user, password
    form_id = form.get("client_id")
    form_secret = form.get("client_secret")
    if basic_id is not None and form_secret is not None:
        return oauth_error("invalid_request", "use only one client authentication method")
    if basic_id is not None:
        if form_id is not None and form_id != basic_id:
            return invalid_request_client_id()
        return _check_secret(provider, basic_id, basic_secret, "client_secret_basic")
    if form_secret is not None:
        return _check_secret(provider, form_id or "", form_secret, "client_secret_post")
    client = clients.get(form_id or "")
    if client is None:
        return invalid_client("unknown client")
    if not client.is_public:
        return invalid_client(
            f"this client must authenticate ({client.token_endpoint_auth_method})"
        )
    return client


def _by_assertion(
    provider: Provider, request: Request, form: Mapping[str, str]
) -> FakeClient | Response:
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
        return invalid_client(f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}")
    assertion = form.get("client_assertion", "")
    client_id = assertion_issuer(assertion)
    if client_id is None:
        return invalid_client("client_assertion is not a JWT with an iss")
    if form.get("client_id", client_id) != client_id:
        return invalid_request_client_id()
    client = provider.oauth.clients.get(client_id)
    if client is None:
        return invalid_client("unknown client")
    if client.token_endpoint_auth_method not in ASSERTION_METHODS:
        return invalid_client(f"this client is registered for {client.token_endpoint_auth_method}")
    problem = check_assertion(provider, client, assertion, str(request.url.copy_with(query=None)))
    return client if problem is None else invalid_client(problem)


def invalid_request_client_id() -> Response:
    """The ``client_id`` sent differs from the one the credentials name."""
    return oauth_error("invalid_request", "client_id differs from the client's credentials")


def _check_secret(
    provider: Provider, client_id: str, secret: str, method: str
) -> FakeClient | Response:
    client = provider.oauth.clients.get(client_id)
    if client is None:
        return invalid_client("unknown client")
    if client.client_secret is None:
        return invalid_client(f"this client is registered for {client.token_endpoint_auth_method}")
    if not secrets.compare_digest(client.client_secret.encode(), secret.encode()):
        return invalid_client("wrong client secret")
    if client.token_endpoint_auth_method != method:
        return invalid_client(f"this client is registered for {client.token_endpoint_auth_method}")
    return client
