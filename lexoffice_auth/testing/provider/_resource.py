"""Who presents an access token at a resource (the API, userinfo): Bearer or DPoP.

The one place the sandbox reads ``Authorization`` at a resource server. A Bearer token
goes alone (RFC 6750); a DPoP-bound token goes as ``Authorization: DPoP <token>`` with a
proof by its key that names it in ``ath`` (RFC 9449 §7). A bound token presented as
Bearer is refused, and so is any Bearer token from the provider under ``require_dpop``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from httpx import Request

from lexoffice_auth.testing._state import Credential, SandboxState
from lexoffice_auth.testing.provider._dpop import (
    ProofRefusal,
    Realm,
    check_proof,
    current_nonce,
    dpop_algorithms,
)

__all__ = ["ResourceRefusal", "presented_credential"]

_REALM = 'realm="lexoffice-sandbox"'


@dataclass(frozen=True)
class ResourceRefusal:
    """A 401 (RFC 6750 §3, RFC 9449 §7.1): its ``WWW-Authenticate`` and other headers."""

    challenge: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def all_headers(self) -> dict[str, str]:
        """Every header of the 401, the challenge included."""
        return {"WWW-Authenticate": self.challenge, **self.headers}


def _bearer(error: str | None = None) -> ResourceRefusal:
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    return ResourceRefusal(f"Bearer {_REALM}" + (f', error="{error}"' if error else ""))


def _dpop(
    state: SandboxState, realm: Realm, error: str | None, description: str
) -> ResourceRefusal:
    algs = " ".join(dpop_algorithms(state.oauth))
    challenge = f"DPoP {_REALM}"
    if error is not None:
        challenge += f', error="{error}", error_description="{description}"'
    challenge += f', algs="{algs}"'
    headers = {}
    if state.oauth.dpop_nonces:
        headers["DPoP-Nonce"] = current_nonce(state.oauth, realm, state.now())
    return ResourceRefusal(challenge, headers)


def presented_credential(
    state: SandboxState,
    request: Request,
    *,
    realm: Realm,
    lookup: Callable[[str], Credential | None],
) -> Credential | ResourceRefusal:
    """The credential behind the request's ``Authorization``, or the 401 to answer.

    ``lookup`` finds the credential of a token (None: unknown, expired or revoked).
    """
    scheme, _, rest = request.headers.get("authorization", "").partition(" ")
    token = rest.strip()
    kind = scheme.lower()
    if kind == "dpop" and token:
        return _dpop_credential(state, request, token, realm=realm, lookup=lookup)
    if kind != "bearer" or not token:
        # RFC 6750 §3.1, RFC 9449 §7.1: no error code when no credentials came at all.
        if state.oauth.dpop_required:
            return _dpop(state, realm, None, "")
        return _bearer()
    found = lookup(token)
    if found is None:
        return _bearer("invalid_token")
    if found.jkt is not None:
        return _dpop(state, realm, "invalid_token", "the token is DPoP-bound: present it with DPoP")
    if found.grant_id is not None and state.oauth.dpop_required:
        return _dpop(state, realm, "invalid_token", "Bearer tokens are not accepted here")
    return found


def _dpop_credential(
    state: SandboxState,
    request: Request,
    token: str,
    *,
    realm: Realm,
    lookup: Callable[[str], Credential | None],
) -> Credential | ResourceRefusal:
    proof = check_proof(state, request, realm=realm, access_token=token)
    if proof is None:
        return _dpop(state, realm, "invalid_dpop_proof", "the DPoP scheme needs a DPoP proof")
    if isinstance(proof, ProofRefusal):
        return _dpop(state, realm, proof.error, proof.description)
    found = lookup(token)
    if found is None:
        return _dpop(state, realm, "invalid_token", "the access token is not valid")
    if found.jkt != proof.jkt:
        return _dpop(state, realm, "invalid_token", "the token is not bound to the proof's key")
    return found
