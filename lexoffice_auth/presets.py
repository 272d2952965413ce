"""Provider presets: how a provider differs from the RFCs, as data.

lexoffice's partner OAuth publishes no discovery document; its static endpoints and
quirks (raw HTTP Basic credentials, ``scopes=a,b``, no RFC 7009 revocation) are here.
``OAuthClient.lexoffice_partner(...)`` applies them for you.

Example:
    >>> from lexoffice_auth.presets import lexoffice_partner_metadata
    >>> lexoffice_partner_metadata().authorization_endpoint
    'https://app.lexoffice.de/api/oauth2/authorize'
"""

from __future__ import annotations

from ._oauth.config import ProviderPreset, lexoffice_partner_preset
from ._oauth.metadata import LEXOFFICE_PARTNER_METADATA, lexoffice_partner_metadata

__all__ = [
    "LEXOFFICE_PARTNER_METADATA",
    "ProviderPreset",
    "lexoffice_partner_metadata",
    "lexoffice_partner_preset",
]
