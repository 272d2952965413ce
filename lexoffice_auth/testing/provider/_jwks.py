"""``GET /oauth2/jwks``: the keys the provider signs id_tokens with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from httpx import Request, Response

from lexoffice_auth.testing._responses import json_response

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._provider import Provider

__all__ = ["jwks"]


def jwks(provider: Provider, request: Request) -> Response:
    """The published JSON Web Key Set."""
    return json_response(200, provider.jwks())
