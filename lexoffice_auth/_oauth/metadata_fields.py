"""Reading provider metadata fields the metadata type may not declare (PAR, DPoP, mTLS).

``ProviderMetadata`` keeps unknown discovery fields as extras; a plain mapping (a parsed
discovery document) works as well. These readers take either, and say what a field holds
without trusting its type: a provider's document is input.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import ConfigurationError, DiscoveryError
from ..rules import require_secure_url

__all__ = ["metadata_flag", "metadata_names", "metadata_url", "metadata_value"]


def metadata_value(metadata: object, name: str) -> object:
    """The field ``name`` of ``metadata`` (a mapping, or an object with the field as an
    attribute or among its ``model_extra``/``extra``), or None when absent.

    Example:
        >>> metadata_value({"issuer": "https://id.example"}, "issuer")
        'https://id.example'
    """
    if isinstance(metadata, Mapping):
        return metadata.get(name)
    value = getattr(metadata, name, None)
    if value is not None:
        return value
    for attribute in ("model_extra", "extra"):
        extra = getattr(metadata, attribute, None)
        if isinstance(extra, Mapping) and name in extra:
            return extra[name]
    return None


def metadata_flag(metadata: object, name: str) -> bool:
    """True only when the field is JSON ``true`` (absent or anything else: False)."""
    return metadata_value(metadata, name) is True


def metadata_names(metadata: object, name: str) -> tuple[str, ...] | None:
    """A list-of-strings field as a tuple; None when absent or not a list of strings.

    Example:
        >>> metadata_names({"code_challenge_methods_supported": ["S256"]},
        ...                "code_challenge_methods_supported")
        ('S256',)
    """
    value = metadata_value(metadata, name)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def metadata_url(metadata: object, name: str) -> str | None:
    """An endpoint field: None when absent; ``DiscoveryError`` when it is no URL the SDK
    may call (not a string, not HTTPS to a host that is not loopback)."""
    value = metadata_value(metadata, name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DiscoveryError(f"the provider's {name} is not a URL string")
    try:
        return require_secure_url(value, f"the provider's {name}")
    except ConfigurationError as exc:
        raise DiscoveryError(str(exc)) from None
