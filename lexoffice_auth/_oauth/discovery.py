"""Provider metadata from ``{issuer}/.well-known/openid-configuration``: fetched, checked, cached.

Concurrent first callers share one fetch and, if it fails, its failure; a failure is
remembered for ``failure_ttl`` seconds so that a provider outage is not multiplied by the
number of waiting logins.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

import anyio

from .._core.http import AsyncClient, is_transient_status
from .._core.wire import body_of, send
from ..errors import DiscoveryError, LexofficeAuthError
from ..rules import origin_of

if TYPE_CHECKING:
    # The pydantic models load with the first document, so importing OAuthClient stays cheap.
    from .metadata import ProviderMetadata

__all__ = ["Discovery"]

_MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Discovery:
    """The discovered metadata of one issuer, cached for ``ttl`` seconds.

    Redirects are followed only within the issuer's origin. Every failure is a
    ``DiscoveryError`` (or ``NetworkError``) that names the URL tried. ``OAuthClient``
    keeps one; see ``OAuthClient.metadata()``.
    """

    def __init__(
        self,
        issuer: str,
        http: AsyncClient,
        *,
        ttl: float = 3600.0,
        timeout: float = 10.0,
        failure_ttl: float = 5.0,
    ) -> None:
        self._issuer = issuer
        self._http = http
        self._ttl = ttl
        self._timeout = timeout
        self._failure_ttl = failure_ttl
        self._lock = anyio.Lock()
        self._cached: ProviderMetadata | None = None
        self._cached_at = 0.0
        self._attempts = 0
        self._failure: LexofficeAuthError | None = None
        self._failed_at = -float("inf")

    @property
    def url(self) -> str:
        """The discovery document's URL."""
        from .metadata import discovery_url

        return discovery_url(self._issuer)

    async def metadata(self) -> ProviderMetadata:
        """The metadata: cached, or fetched once for all concurrent callers."""
        cached = self._fresh()
        if cached is not None:
            return cached
        seen = self._attempts
        async with self._lock:
            # Another task may have fetched, or failed, while we waited for the lock.
            cached = self._fresh()
            if cached is not None:
                return cached
            failure = self._failure
            recent = time.monotonic() - self._failed_at < self._failure_ttl
            if failure is not None and (self._attempts != seen or recent):
                raise copy.copy(failure) from failure
            self._attempts += 1
            try:
                fresh = await self._fetch()
            except LexofficeAuthError as exc:
                self._failure, self._failed_at = exc, time.monotonic()
                raise
            self._failure = None
            self._cached, self._cached_at = fresh, time.monotonic()
            return fresh

    def _fresh(self) -> ProviderMetadata | None:
        cached = self._cached
        if cached is not None and time.monotonic() - self._cached_at < self._ttl:
            return cached
        return None

    async def _fetch(self) -> ProviderMetadata:
        url = self.url
        origin = origin_of(url)
        for _ in range(_MAX_REDIRECTS + 1):
            reply = await send(
                self._http, "GET", url, DiscoveryError, "discovery", time_limit=self._timeout
            )
            if reply.status_code in _REDIRECTS:
                location = reply.headers.get("location")
                if not location:
                    raise DiscoveryError("discovery redirect has no Location header")
                try:
                    target = str(reply.url.join(location))
                    target_origin = origin_of(target)
                except ValueError as exc:  # ConfigurationError included
                    raise DiscoveryError("discovery redirect has an invalid Location") from exc
                if target_origin != origin:
                    raise DiscoveryError(
                        f"discovery redirected to another origin ({target_origin}); refused"
                    )
                url = target
                continue
            if reply.status_code != 200:
                hint = ""
                if reply.status_code == 404:
                    hint = (
                        "; this issuer publishes no discovery document: for lexoffice's "
                        "partner OAuth use OAuthClient.lexoffice_partner(...), for another "
                        "provider pass metadata=ProviderMetadata(...)"
                    )
                raise DiscoveryError(
                    f"discovery document request to {url} failed with HTTP "
                    f"{reply.status_code}{hint}",
                    status_code=reply.status_code,
                    transient=is_transient_status(reply.status_code),
                )
            from .metadata import parse_discovery_document

            return parse_discovery_document(body_of(reply, DiscoveryError), self._issuer)
        raise DiscoveryError("discovery followed too many redirects")
