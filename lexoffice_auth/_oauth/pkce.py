"""PKCE (RFC 7636), S256 only."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from ..errors import ConfigurationError

__all__ = ["code_challenge", "is_code_verifier", "new_code_verifier"]

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def new_code_verifier(length: int = 64) -> str:
    """A fresh verifier of ``length`` characters (43–128) from the unreserved alphabet.

    ``token_urlsafe`` yields base64url characters (a subset of the RFC 7636 alphabet);
    48 random octets give 64 characters and 384 bits, above the 256 bits asked for.

    Example:
        >>> len(new_code_verifier())
        64
    """
    if not 43 <= length <= 128:
        raise ConfigurationError("a PKCE verifier must be 43 to 128 characters long")
    # Each character carries 6 bits; ask for enough bytes, then trim.
    verifier = secrets.token_urlsafe(length)[:length]
    return verifier


def is_code_verifier(value: object) -> bool:
    """True for 43-128 characters of RFC 7636's ``[A-Za-z0-9-._~]`` (§4.1).

    Example:
        >>> is_code_verifier("a" * 43), is_code_verifier("a b" * 20)
        (True, False)
    """
    return isinstance(value, str) and _VERIFIER.fullmatch(value) is not None


def code_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding (RFC 7636 §4.2).

    Example (RFC 7636 Appendix B):
        >>> code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    if not is_code_verifier(verifier):
        raise ConfigurationError("a PKCE verifier must be 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
