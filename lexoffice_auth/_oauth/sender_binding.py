"""What a client's configuration says about binding its logins: the FAPI 2.0 check of the
provider's metadata, and the DPoP key a login (or its pending state) is bound to.

Pure functions of ``ClientConfig``; ``OAuthClient`` calls them after discovery and around
a login. Nothing here loads cryptography until a key is actually needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import ClientConfig
    from .dpop import DPoPKey
    from .login import PendingLogin
    from .metadata import ProviderMetadata

__all__ = ["check_fapi2", "login_dpop_key", "pending_dpop_key"]


def check_fapi2(config: ClientConfig, metadata: ProviderMetadata) -> None:
    """Raise one ``ConfigurationError`` naming each FAPI 2.0 requirement that ``metadata``
    (for this client's choices) does not meet."""
    from .dpop import DPoPKey
    from .fapi2 import FAPI2Client, require_fapi2

    dpop = config.dpop
    require_fapi2(
        metadata,
        FAPI2Client(
            config.token_endpoint_auth_method,
            sender_constraint="dpop" if config.uses_dpop else None,
            par=config.par,
            client_key_alg=config.client_key.alg if config.client_key else None,
            dpop_alg=dpop.alg if isinstance(dpop, DPoPKey) else None,
        ),
    )


def login_dpop_key(config: ClientConfig, metadata: ProviderMetadata) -> tuple[DPoPKey | None, bool]:
    """The DPoP key a new login binds to, and whether it was made for this login (one of
    the provider's ``dpop_signing_alg_values_supported``) rather than the client's own."""
    from .dpop import DPoPKey, choose_dpop_algorithm
    from .metadata_fields import metadata_value

    dpop = config.dpop
    if isinstance(dpop, DPoPKey):
        return dpop, False
    if not dpop:
        return None, False
    supported = metadata_value(metadata, "dpop_signing_alg_values_supported")
    return DPoPKey.generate(choose_dpop_algorithm(supported)), True


def pending_dpop_key(config: ClientConfig, pending: PendingLogin) -> DPoPKey | None:
    """The DPoP key ``pending`` is bound to: its own (sealed with it), or the client's,
    named by thumbprint (checked against the client's key before the code exchange)."""
    if pending.dpop_jwk is not None:
        return pending.dpop_key
    if pending.dpop_jkt is not None:
        from .dpop import DPoPKey

        assert isinstance(config.dpop, DPoPKey)
        return config.dpop
    return None
