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
from lexoffice_auth.testing.provider._http import oauth_error

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["authenticate_client", "invalid_client"]


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
    """Exactly one method, and the one the client registered."""
    clients = provider.oauth.clients
    header = request.headers.get("authorization", "")
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
            return oauth_error("invalid_request", "client_id differs from Basic credentials")
        return _check_secret(provider, basic_id, basic_secret, "client_secret_basic")
    if form_secret is not None:
        return _check_secret(provider, form_id or "", form_secret, "client_secret_post")
    client = clients.get(form_id or "")
    if client is None:
        return invalid_client("unknown client")
    if not client.is_public:
        return invalid_client("this client must authenticate")
    return client


def _check_secret(
    provider: Provider, client_id: str, secret: str, method: str
) -> FakeClient | Response:
    client = provider.oauth.clients.get(client_id)
    if client is None or client.client_secret is None:
        return invalid_client("unknown or public client")
    if not secrets.compare_digest(client.client_secret.encode(), secret.encode()):
        return invalid_client("wrong client secret")
    if client.token_endpoint_auth_method != method:
        return invalid_client(f"this client is registered for {client.token_endpoint_auth_method}")
    return client
