"""Provider metadata: parsing and checking discovery documents, and static presets."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, ValidationError, field_validator

from .._core.checks import describe_validation_error, json_object
from .._core.model import CheckedModel
from ..errors import ConfigurationError, DiscoveryError
from ..rules import require_secure_url

__all__ = [
    "LEXOFFICE_PARTNER_METADATA",
    "ProviderMetadata",
    "discovery_url",
    "lexoffice_partner_metadata",
    "parse_discovery_document",
]

_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "revocation_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)

# OpenID Connect Discovery §3 marks these REQUIRED; a code-flow client needs the token endpoint too.
_REQUIRED_IN_DISCOVERY = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
)


class ProviderMetadata(CheckedModel):
    """What a client needs to know about an authorization server.

    Built from a discovery document (``parse_discovery_document``) or by hand for
    providers without one. Unknown fields are kept (``model_extra``). Every endpoint must be
    HTTPS unless its host is a loopback address.

    Example:
        >>> m = ProviderMetadata(
        ...     issuer="https://id.example",
        ...     authorization_endpoint="https://id.example/authorize",
        ...     token_endpoint="https://id.example/token",
        ... )
        >>> m.supports_pkce_s256
        True
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    end_session_endpoint: str | None = None
    scopes_supported: tuple[str, ...] | None = None
    response_types_supported: tuple[str, ...] = ("code",)
    grant_types_supported: tuple[str, ...] | None = None
    code_challenge_methods_supported: tuple[str, ...] | None = None
    token_endpoint_auth_methods_supported: tuple[str, ...] | None = None
    revocation_endpoint_auth_methods_supported: tuple[str, ...] | None = None
    id_token_signing_alg_values_supported: tuple[str, ...] | None = None
    authorization_response_iss_parameter_supported: bool = False

    @field_validator(*_ENDPOINTS)
    @classmethod
    def _secure(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        return require_secure_url(value, info.field_name)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        require_secure_url(value, "issuer")
        if "?" in value:
            raise ValueError("issuer must not contain a query")
        return value

    @property
    def supports_pkce_s256(self) -> bool:
        """False only when the provider lists PKCE methods and S256 is not among them."""
        methods = self.code_challenge_methods_supported
        return methods is None or "S256" in methods


def discovery_url(issuer: str) -> str:
    """``{issuer}/.well-known/openid-configuration`` (OIDC Discovery §4.1: append, not insert)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def parse_discovery_document(body: bytes, expected_issuer: str) -> ProviderMetadata:
    """Check and parse a discovery document fetched for ``expected_issuer``.

    The document's ``issuer`` must equal ``expected_issuer`` as raw strings (no URL
    normalisation: OIDC Discovery §4.3, RFC 8414 §3.3).
    """
    data = json_object(body, "discovery document", DiscoveryError)
    missing = [name for name in _REQUIRED_IN_DISCOVERY if name not in data]
    if missing:
        raise DiscoveryError(f"discovery document lacks required fields: {', '.join(missing)}")
    issuer = data.get("issuer")
    if not isinstance(issuer, str):
        raise DiscoveryError("discovery document's issuer is not a string")
    if issuer != expected_issuer:
        hint = ""
        if issuer.rstrip("/") == expected_issuer.rstrip("/"):
            # Exact comparison is the rule; say plainly that only the slash differs.
            hint = f": only the trailing slash differs, configure the issuer as {issuer!r}"
        raise DiscoveryError(
            f"discovery document names issuer {issuer!r}, expected exactly "
            f"{expected_issuer!r}{hint}"
        )
    response_types = data.get("response_types_supported")
    if isinstance(response_types, list) and "code" not in response_types:
        raise DiscoveryError("provider does not support response_type=code")
    try:
        return ProviderMetadata.model_validate(data)
    except ValidationError as exc:
        raise DiscoveryError(
            f"discovery document is invalid: {describe_validation_error(exc)}"
        ) from exc


def lexoffice_partner_metadata(app_base_url: str = "https://app.lexoffice.de") -> ProviderMetadata:
    """Static metadata for lexoffice's partner OAuth, which publishes no discovery document.

    The authorize and token paths are those used by real partner integrations on
    ``app.lexoffice.de``; whether ``https://app.lexware.de`` serves them after the
    2025 rebrand is unverified, so pass it explicitly if Lexware tells you to. lexoffice
    documents no RFC 7009 revocation endpoint, no ``iss`` in the callback and no id_token.
    Partner credentials come from Lexware's partner programme.

    Example:
        >>> lexoffice_partner_metadata().token_endpoint
        'https://app.lexoffice.de/api/oauth2/token'
    """
    if not isinstance(app_base_url, str):
        raise ConfigurationError("app_base_url must be a URL string")
    base = app_base_url.rstrip("/")
    return ProviderMetadata(
        issuer=base,
        authorization_endpoint=f"{base}/api/oauth2/authorize",
        token_endpoint=f"{base}/api/oauth2/token",
        response_types_supported=("code",),
        grant_types_supported=("authorization_code", "refresh_token"),
        token_endpoint_auth_methods_supported=("client_secret_basic", "client_secret_post"),
    )


LEXOFFICE_PARTNER_METADATA = lexoffice_partner_metadata()
"""lexoffice partner OAuth on ``app.lexoffice.de`` (see ``lexoffice_partner_metadata``)."""
