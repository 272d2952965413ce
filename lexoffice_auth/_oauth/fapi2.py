"""The FAPI 2.0 Security Profile's requirements on a client and its provider, checked
without I/O: given the provider's metadata and the client's choices, which are unmet.

FAPI 2.0 (final, February 2025) asks for pushed authorization requests, PKCE with S256,
sender-constrained tokens (DPoP or mTLS), client authentication by ``private_key_jwt`` (or
mTLS), the ``iss`` authorization response parameter (RFC 9207), and signatures with PS256,
ES256 or EdDSA only. ``fapi2_unmet`` lists every requirement that fails, each with a name
and a sentence; ``require_fapi2`` raises one ``ConfigurationError`` naming them all, so a
``profile="fapi2"`` client fails before any login, with nothing weaker used in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import ConfigurationError, DiscoveryError
from .dpop import DPOP_ALGORITHMS
from .metadata_fields import metadata_flag, metadata_names, metadata_url
from .par import PAR_ENDPOINT_FIELD

__all__ = [
    "FAPI2_CLIENT_AUTH_METHODS",
    "FAPI2_SIGNING_ALGORITHMS",
    "FAPI2Client",
    "Requirement",
    "SenderConstraint",
    "fapi2_unmet",
    "require_fapi2",
]

FAPI2_SIGNING_ALGORITHMS = ("PS256", "ES256", "EdDSA")
"""The JWS algorithms FAPI 2.0 allows (§5.4: PS256, ES256, EdDSA with Ed25519)."""

FAPI2_CLIENT_AUTH_METHODS = ("private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth")
"""The client authentication methods FAPI 2.0 allows."""

SenderConstraint = Literal["dpop", "mtls"]
"""How access tokens are bound to the client: DPoP (RFC 9449) or mTLS (RFC 8705)."""


@dataclass(frozen=True)
class Requirement:
    """One unmet requirement.

    Attributes:
        name: a stable name: ``par``, ``pkce_s256``, ``sender_constraint``,
            ``client_auth``, ``signing_alg`` or ``iss_parameter``.
        message: what is missing, and where (a metadata field or a client option).
    """

    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


def _par(metadata: object, par: bool | None) -> str | None:
    if par is False:
        return "par=False, but FAPI 2.0 requires pushed authorization requests"
    try:
        endpoint = metadata_url(metadata, PAR_ENDPOINT_FIELD)
    except DiscoveryError as exc:
        return str(exc)
    return None if endpoint else f"the provider's metadata has no {PAR_ENDPOINT_FIELD}"


def _pkce(metadata: object) -> str | None:
    methods = metadata_names(metadata, "code_challenge_methods_supported") or ()
    if "S256" in methods:
        return None
    return "the provider does not list S256 in code_challenge_methods_supported"


def _sender_constraint(
    metadata: object, sender_constraint: SenderConstraint | None, dpop_alg: str | None
) -> str | None:
    if sender_constraint == "mtls":
        if metadata_flag(metadata, "tls_client_certificate_bound_access_tokens"):
            return None
        return "the provider does not set tls_client_certificate_bound_access_tokens: true"
    if sender_constraint != "dpop":
        return "tokens must be sender-constrained: configure DPoP (or mTLS)"
    listed = metadata_names(metadata, "dpop_signing_alg_values_supported")
    if not listed:
        return "the provider's metadata lists no dpop_signing_alg_values_supported"
    if dpop_alg is not None:
        if dpop_alg not in FAPI2_SIGNING_ALGORITHMS:
            return f"the DPoP key signs with {dpop_alg}, which FAPI 2.0 does not allow"
        if dpop_alg not in listed:
            return f"the provider does not list {dpop_alg} in dpop_signing_alg_values_supported"
        return None
    if any(a in FAPI2_SIGNING_ALGORITHMS and a in DPOP_ALGORITHMS for a in listed):
        return None
    return (
        f"the provider's dpop_signing_alg_values_supported ({', '.join(listed)}) has none of "
        f"{', '.join(FAPI2_SIGNING_ALGORITHMS)}"
    )


def _client_auth(metadata: object, method: str | None) -> str | None:
    if method not in FAPI2_CLIENT_AUTH_METHODS:
        shown = "none configured" if method is None else repr(method)
        return f"token_endpoint_auth_method must be private_key_jwt (or mTLS), not {shown}"
    listed = metadata_names(metadata, "token_endpoint_auth_methods_supported")
    if listed is None:
        # RFC 8414 §2: an absent list means client_secret_basic only.
        return "the provider lists no token_endpoint_auth_methods_supported (so only the default)"
    if method not in listed:
        return f"the provider does not list {method} in token_endpoint_auth_methods_supported"
    return None


def _signing_alg(metadata: object, method: str | None, alg: str | None) -> str | None:
    if method != "private_key_jwt" or alg is None:
        return None
    if alg not in FAPI2_SIGNING_ALGORITHMS:
        return (
            f"the client key signs with {alg}; FAPI 2.0 allows "
            f"{', '.join(FAPI2_SIGNING_ALGORITHMS)} (for an RSA key pass alg='PS256')"
        )
    listed = metadata_names(metadata, "token_endpoint_auth_signing_alg_values_supported")
    if listed is not None and alg not in listed:
        return (
            f"the provider does not list {alg} in token_endpoint_auth_signing_alg_values_supported"
        )
    return None


def _iss_parameter(metadata: object) -> str | None:
    if metadata_flag(metadata, "authorization_response_iss_parameter_supported"):
        return None
    return "the provider does not set authorization_response_iss_parameter_supported: true"


@dataclass(frozen=True)
class FAPI2Client:
    """The client's choices the FAPI 2.0 check needs.

    Attributes:
        token_endpoint_auth_method: the client's authentication method.
        sender_constraint: ``"dpop"``, ``"mtls"`` or None (neither configured).
        par: the client's ``par`` option (``False`` fails; ``None`` and ``True`` need the
            provider's PAR endpoint).
        client_key_alg: the ``private_key_jwt`` key's algorithm, if known.
        dpop_alg: the DPoP key's algorithm, if one was chosen already.
    """

    token_endpoint_auth_method: str | None
    sender_constraint: SenderConstraint | None
    par: bool | None = None
    client_key_alg: str | None = None
    dpop_alg: str | None = None

    def __post_init__(self) -> None:
        if self.sender_constraint not in (None, "dpop", "mtls"):
            raise ConfigurationError("sender_constraint must be 'dpop', 'mtls' or None")


def fapi2_unmet(metadata: object, client: FAPI2Client) -> list[Requirement]:
    """Every FAPI 2.0 requirement the provider's ``metadata`` (a ``ProviderMetadata`` or a
    plain mapping) and the ``client``'s choices fail, in a fixed order.

    Example:
        >>> plain = FAPI2Client("client_secret_basic", sender_constraint=None)
        >>> [r.name for r in fapi2_unmet({}, plain)]
        ['par', 'pkce_s256', 'sender_constraint', 'client_auth', 'iss_parameter']
    """
    method = client.token_endpoint_auth_method
    checks = (
        ("par", _par(metadata, client.par)),
        ("pkce_s256", _pkce(metadata)),
        (
            "sender_constraint",
            _sender_constraint(metadata, client.sender_constraint, client.dpop_alg),
        ),
        ("client_auth", _client_auth(metadata, method)),
        ("signing_alg", _signing_alg(metadata, method, client.client_key_alg)),
        ("iss_parameter", _iss_parameter(metadata)),
    )
    return [Requirement(name, message) for name, message in checks if message is not None]


def require_fapi2(metadata: object, client: FAPI2Client) -> None:
    """Raise one ``ConfigurationError`` naming every unmet FAPI 2.0 requirement, if any."""
    unmet = fapi2_unmet(metadata, client)
    if unmet:
        raise ConfigurationError(
            f"the fapi2 profile cannot be met ({len(unmet)} requirement"
            f"{'s' if len(unmet) > 1 else ''}): " + "; ".join(str(r) for r in unmet)
        )
