"""Presenting a DPoP-bound token (RFC 9449 §7): a fresh proof per request, the servers'
nonces, and what a 401 that refused the proof (not the token) asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.http import Request, Response

if TYPE_CHECKING:
    from .._oauth.dpop import DPoPKey, DPoPNonces

__all__ = ["DPoPProofs"]


class DPoPProofs:
    """The DPoP part of a token source (``RefreshingTokenSource``'s base).

    ``LexofficeAuth`` calls ``learn_nonce`` after every response and ``challenged`` after a
    401; the source calls ``_prove`` for each request its DPoP token goes on.
    """

    # The latest DPoP-Nonce of each resource origin; made with the first proof.
    _nonces: DPoPNonces | None = None

    def _prove(self, request: Request, key: DPoPKey, token: str, now: float) -> None:
        """Put a fresh ``DPoP`` proof for ``request`` and ``token`` on it (with ``ath`` and
        the latest nonce of the request's origin)."""
        if self._nonces is None:
            from .._oauth.dpop import DPoPNonces

            self._nonces = DPoPNonces()
        url = str(request.url)
        request.headers["DPoP"] = key.proof(
            request.method, url, now=now, nonce=self._nonces.get(url), access_token=token
        )

    def learn_nonce(self, request: Request, response: Response) -> None:
        """Keep the ``DPoP-Nonce`` a server sent in answer to a DPoP request (any status)."""
        if self._nonces is not None and "DPoP" in request.headers:
            self._nonces.learn(str(request.url), response.headers)

    def challenged(self, request: Request, response: Response) -> bool:
        """True when a 401 refused the proof, not the token: it asks for the server's nonce
        (``use_dpop_nonce``, RFC 9449 §9, and one was learnt) or says ``invalid_dpop_proof``.
        The request goes once more with a new proof, without a refresh."""
        if "DPoP" not in request.headers:
            return False
        from .._oauth.dpop import refuses_the_proof, should_retry_with_nonce

        return should_retry_with_nonce(
            response.status_code, response.headers, None, retried=False
        ) or refuses_the_proof(response.status_code, response.headers)
