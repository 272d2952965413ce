"""The keys a client signs with: ``DPoPKey`` (RFC 9449) and ``ClientKey`` (``private_key_jwt``).

``OAuthClient(dpop=True)`` makes a ``DPoPKey`` per login by itself and keeps it with the
token set; pass your own (``dpop=DPoPKey.generate()``, or one loaded with ``from_jwk``) to
bind every login to one key. ``OAuthClient(client_key=...)`` loads a ``ClientKey`` from a
JWK or PEM; build one yourself to set its ``kid`` or algorithm. Neither shows private
material in ``repr`` or error messages, and neither can be pickled.

Example:
    >>> from lexoffice_auth.keys import ClientKey, DPoPKey
    >>> DPoPKey.generate().alg
    'ES256'
    >>> ClientKey.load(ClientKey.generate("PS256").to_jwk(), kid="2025-1").kid
    '2025-1'
"""

from __future__ import annotations

from ._oauth.assertions import ClientKey
from ._oauth.dpop import DPOP_ALGORITHMS, DPoPKey
from ._oauth.keys import jwk_thumbprint

__all__ = ["DPOP_ALGORITHMS", "ClientKey", "DPoPKey", "jwk_thumbprint"]
