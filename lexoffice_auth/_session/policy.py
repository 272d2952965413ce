"""When to refresh, what a failure means, how long to wait: the refresh policy as pure code.

``RefreshingTokenSource`` asks this module every question that has an answer without I/O,
so the rules are unit-tested apart from the locking and the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

from .._core.checks import check_count, check_seconds
from ..errors import (
    ConfigurationError,
    IdTokenError,
    LexofficeAuthError,
    ReauthenticationRequired,
    TokenEndpointError,
)

__all__ = ["Expiring", "Outcome", "RefreshPolicy"]

Outcome = Literal["terminal", "transient", "fatal"]
"""What a failed refresh means: log in again / try again later / give up on this refresh."""


class Expiring(Protocol):
    """What the policy reads of a token set: a ``TokenSet``, or a stored one not yet built."""

    @property
    def expires_at(self) -> float | None:
        """When the access token expires (seconds since the epoch), if known."""
        ...

    @property
    def lifetime(self) -> float | None:
        """Seconds between issue and expiry, if both are known."""
        ...


# RFC 6749 §5.2 errors after which the same refresh token can never succeed.
_TERMINAL_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})


@dataclass(frozen=True)
class RefreshPolicy:
    """How a ``RefreshingTokenSource`` refreshes, retries and backs off.

    * ``leeway`` / ``leeway_fraction``: refresh ``min(leeway, leeway_fraction * lifetime)``
      seconds before expiry, so a provider issuing 30-second tokens does not cause a refresh
      per call (a one-hour token is refreshed 60 s early, a 30-second one 7.5 s early).
    * ``retries`` / ``backoff`` / ``max_backoff``: a transient failure (network, 5xx, 429,
      ``temporarily_unavailable``) is retried with exponential backoff and jitter.
    * ``max_retry_after``: a token endpoint that answers 503/429 with ``Retry-After`` is
      never asked again sooner than it said: a retry waits at least that long (when it is
      at most ``max_backoff``, else the refresh gives up at once), and after a failed
      refresh no new refresh request is sent for ``min(Retry-After, max_retry_after)``.
    * ``rejection_backoff`` / ``max_rejection_backoff``: after a 401 the current token is
      refreshed at once; if the token obtained that way is rejected before the API ever
      accepted it, the next such refresh waits 1, 2, 4 … up to 60 s after the previous
      one, so an API that rejects every new token cannot cause a refresh per request. A
      token the API accepted once is refreshed at once when rejected (a new revocation),
      however soon after the previous refresh: every revocation is recovered by one refresh.

    Example:
        >>> policy = RefreshPolicy(leeway=30)
        >>> policy.refresh_deadline(expires_at=1000.0, lifetime=3600.0)
        970.0
        >>> [policy.rejection_delay(n) for n in range(4)]
        [0.0, 1.0, 2.0, 4.0]
    """

    leeway: float = 60.0
    leeway_fraction: float = 0.25
    retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    rejection_backoff: float = 1.0
    max_rejection_backoff: float = 60.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        for name in ("leeway", "backoff", "max_backoff", "max_retry_after"):
            check_seconds(name, getattr(self, name))
        for name in ("rejection_backoff", "max_rejection_backoff"):
            check_seconds(name, getattr(self, name))
        check_count("retries", self.retries)
        fraction = self.leeway_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
            raise ConfigurationError("leeway_fraction must be a number within [0, 1]")
        if not 0 <= fraction <= 1:  # also refuses nan
            raise ConfigurationError("leeway_fraction must be a number within [0, 1]")

    def refresh_deadline(self, *, expires_at: float | None, lifetime: float | None) -> float:
        """The time from which a token expiring at ``expires_at`` is refreshed first.

        ``inf`` for a token without an expiry (a 401 still refreshes it).
        """
        if expires_at is None:
            return math.inf
        return expires_at - self._lead(lifetime)

    def deadline_of(self, token_set: Expiring, now: float) -> float:
        """``refresh_deadline`` of a token set; an unknown lifetime counts from ``now``."""
        if token_set.expires_at is None:
            return math.inf
        return token_set.expires_at - self.lead_of(token_set, now)

    def lead_of(self, token_set: Expiring, now: float) -> float:
        """How many seconds before its expiry ``token_set`` is refreshed.

        Example:
            >>> from lexoffice_auth import TokenSet
            >>> t = TokenSet(access_token="at", expires_at=3600.0, issued_at=0.0)
            >>> RefreshPolicy(leeway=60).lead_of(t, 0.0), RefreshPolicy(leeway=3600).lead_of(t, 0.0)
            (60.0, 900.0)
        """
        lifetime = token_set.lifetime
        if lifetime is None and token_set.expires_at is not None:
            lifetime = token_set.expires_at - now
        return self._lead(lifetime)

    def _lead(self, lifetime: float | None) -> float:
        span = max(lifetime, 0.0) if lifetime is not None else 0.0
        return float(min(self.leeway, self.leeway_fraction * span))

    @staticmethod
    def classify(error: BaseException) -> Outcome:
        """What a failed refresh means.

        ``terminal``: the grant is gone (``invalid_grant``, ``invalid_client``,
        ``unauthorized_client``, no refresh token, an id_token naming another identity);
        ``transient``: our error with ``transient`` set; ``fatal``: anything else.

        Example:
            >>> from lexoffice_auth.errors import NetworkError
            >>> RefreshPolicy.classify(NetworkError("timed out"))
            'transient'
        """
        if isinstance(error, (ReauthenticationRequired, IdTokenError)):
            return "terminal"
        if isinstance(error, TokenEndpointError) and error.error in _TERMINAL_ERRORS:
            return "terminal"
        if isinstance(error, LexofficeAuthError) and error.transient:
            return "transient"
        return "fatal"

    def retry_delay(
        self, attempt: int, jitter: float, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or ``None`` not to retry now.

        ``jitter`` in [0, 1) spreads the retries of many processes: the wait is between half
        and all of the exponential step. ``retry_after`` (the server's ``Retry-After``) is a
        lower bound; one longer than ``max_backoff`` is not waited out within a call.

        Example:
            >>> policy = RefreshPolicy(backoff=0.5, max_backoff=8)
            >>> policy.retry_delay(0, 0.0), policy.retry_delay(0, 0.0, retry_after=3)
            (0.25, 3)
            >>> policy.retry_delay(0, 0.0, retry_after=120) is None
            True
        """
        if attempt >= self.retries:
            return None
        step = self.backoff_step(attempt, jitter)
        if retry_after is None:
            return step
        if retry_after > self.max_backoff:
            return None
        return max(step, retry_after)

    def backoff_step(self, attempt: int, jitter: float) -> float:
        """The exponential step after ``attempt`` failures, between half and all of it.

        Example:
            >>> RefreshPolicy(backoff=0.5, max_backoff=8).backoff_step(10, jitter=1.0)
            8.0
        """
        return min(self.max_backoff, self.backoff * 2.0**attempt) * (0.5 + jitter / 2)

    def quiet_period(self, error: BaseException) -> float:
        """Seconds after a failed refresh during which no new refresh request is sent.

        The server's ``Retry-After`` (``TokenEndpointError.retry_after``), at most
        ``max_retry_after``; 0 when it named none.

        Example:
            >>> from lexoffice_auth.errors import TokenEndpointError
            >>> RefreshPolicy().quiet_period(TokenEndpointError("busy", retry_after=600.0))
            60.0
        """
        retry_after = getattr(error, "retry_after", None)
        if not isinstance(retry_after, (int, float)) or not retry_after > 0:
            return 0.0
        return min(float(retry_after), self.max_retry_after)

    def rejection_delay(self, streak: int) -> float:
        """Seconds since the previous 401-driven refresh before the next one may run.

        ``streak`` counts how many tokens in a row were rejected after a 401-driven refresh
        produced them and before the API accepted any of them: 0 → at once, then 1, 2,
        4 … ``max_rejection_backoff``.
        """
        if streak <= 0:
            return 0.0
        return min(self.max_rejection_backoff, self.rejection_backoff * 2.0 ** (streak - 1))
