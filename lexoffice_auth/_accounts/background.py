"""``BackgroundRefresher``: refresh tokens before they are due, in a task group you own."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from .._auth import LexofficeAuth
from .._core.checks import check_count, check_seconds
from .._session.policy import RefreshPolicy
from .._session.refreshing import RefreshingTokenSource
from ..errors import ConfigurationError, ReauthenticationRequired
from ..telemetry import log_event, triggered_by
from .pool import AuthPool

if TYPE_CHECKING:
    from .._oauth.tokens import TokenSet

__all__ = ["BackgroundRefresher"]

Refreshable = RefreshingTokenSource | LexofficeAuth[RefreshingTokenSource]


class _State:
    """What the refresher remembers about one source between rounds."""

    __slots__ = ("failures", "retry_at", "seen", "seen_at", "spread", "warned")

    def __init__(self) -> None:
        self.seen: TokenSet | None = None  # the token set the fields below are about
        self.seen_at = -math.inf  # when this refresher first saw it (source clock)
        self.spread = 0.0  # this token's random share of the jitter
        self.failures = 0
        self.retry_at = -math.inf  # after a failure: not before this time (source clock)
        self.warned = False  # the short-lifetime warning was given for this account


class BackgroundRefresher:
    """Refreshes tokens shortly *before* requests would, so that no request waits.

    A request refreshes a token once its source's deadline has passed (see
    ``RefreshPolicy``); this refresher does it ``min(lead, lead_fraction * lifetime)``
    seconds earlier, so requests keep finding a valid token. Give it the sources, auths or
    ``AuthPool`` to look after and run it in a task group you own::

        refresher = BackgroundRefresher(pool)
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)
            ...                      # serve requests; cancel the group to stop

    * **One refresh across a fleet**: every refresh goes through the source's single
      flight (its lock, the store's lock, a re-read of the store), so of many workers
      whose refreshers wake together one refreshes and the others adopt its token set.
      Each token's wake-up is spread by up to ``jitter`` of the lead to thin the crowd.
    * **Failures back off**: after a failed refresh (the source has already retried as
      its policy says) the account is tried again after ``backoff * 2**n`` seconds
      (jittered, at most ``max_backoff``, never sooner than the server's ``Retry-After``;
      both from the source's ``RefreshPolicy``). An account that must log in again
      is left alone until its source holds another token set.
    * **Short lifetimes**: a token set is refreshed no sooner than ``min_interval``
      seconds after this refresher first saw it, so a provider issuing tokens that live
      0 or 1 s cannot cause a refresh loop (requests then refresh when their deadline
      passes); tokens shorter than ``lead`` are reported once per account
      (``background.short_lifetime``, a warning).
    * **No lock across sleeps**: the refresher holds nothing while it waits; only a
      refresh itself takes the source's and the store's locks.
    * **Cancellation**: cancelling the task group stops it at once; a refresh request
      already sent is seen through and saved first (as every refresh is).

    Sources that have not loaded their tokens yet (the refresher was started before the
    first request, e.g. in a lifespan hook) are loaded by the refresher; one whose store
    holds nothing yet is looked at again every ``max_wait`` seconds. Sources are read
    again every ``max_wait`` seconds and on ``add``, so a pool's newly cached accounts
    are picked up. The sources' clocks must follow real time.
    """

    def __init__(
        self,
        sources: AuthPool | Iterable[Refreshable] = (),
        *,
        lead: float = 60.0,
        lead_fraction: float = 0.25,
        jitter: float = 0.1,
        max_wait: float = 30.0,
        min_interval: float = 1.0,
        concurrency: int = 8,
        random_source: Callable[[], float] = random.random,
    ) -> None:
        self._lead = check_seconds("lead", lead)
        for name, value in (("lead_fraction", lead_fraction), ("jitter", jitter)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigurationError(f"{name} must be a number within [0, 1]")
            if not 0 <= value <= 1:
                raise ConfigurationError(f"{name} must be a number within [0, 1]")
        self._fraction = float(lead_fraction)
        # The same rule as a source's own deadline, with this refresher's lead.
        self._lead_rule = RefreshPolicy(leeway=self._lead, leeway_fraction=self._fraction)
        self._jitter = float(jitter)
        self._max_wait = check_seconds("max_wait", max_wait, positive=True)
        self._min_interval = check_seconds("min_interval", min_interval)
        if check_count("concurrency", concurrency) < 1:
            raise ConfigurationError("concurrency must be at least 1")
        self._concurrency = concurrency
        self._random = random_source
        self._pool: AuthPool | None = None
        self._sources: list[RefreshingTokenSource] = []
        # Made in run(): an anyio.Event belongs to the event loop that runs it.
        self._wake: anyio.Event | None = None
        if isinstance(sources, AuthPool):
            self._pool = sources
        else:
            for item in sources:
                self.add(item)
        self._states: dict[int, _State] = {}
        self.refreshes = 0
        """Refreshes this refresher ran that succeeded (a token set another worker
        saved meanwhile and that was adopted instead counts too)."""
        self.failures = 0
        """Refreshes this refresher ran that failed."""

    def __repr__(self) -> str:
        what = repr(self._pool) if self._pool is not None else f"{len(self._sources)} sources"
        return f"BackgroundRefresher({what}, lead={self._lead}, lead_fraction={self._fraction})"

    def add(self, source: Refreshable) -> None:
        """Look after ``source`` (a ``RefreshingTokenSource`` or a ``LexofficeAuth`` over one)."""
        found: Any = source.source if isinstance(source, LexofficeAuth) else source
        if not isinstance(found, RefreshingTokenSource):
            raise ConfigurationError(
                "BackgroundRefresher needs RefreshingTokenSources (or auths over them), "
                f"not {type(found).__name__}"
            )
        if found not in self._sources:
            self._sources.append(found)
        if self._wake is not None:
            self._wake.set()

    def discard(self, source: Refreshable) -> None:
        """Stop looking after ``source``."""
        found: Any = source.source if isinstance(source, LexofficeAuth) else source
        if found in self._sources:
            self._sources.remove(found)

    def _current(self) -> list[RefreshingTokenSource]:
        if self._pool is not None:
            return [*self._sources, *self._pool.sources()]
        return list(self._sources)

    def due_at(self, source: RefreshingTokenSource) -> float:
        """When this refresher will refresh (or first load) ``source``.

        On the source's clock; ``inf``: not planned (it must log in again).
        """
        state = self._state_of(source)
        current = source.current
        if current is None:
            return state.retry_at  # load it: at once, or again after nothing was stored
        deadline = source.refresh_due_at
        if not math.isfinite(deadline):
            return math.inf
        lead = self._lead_rule.lead_of(current, source.clock())
        early = deadline - lead * (1.0 + self._jitter * state.spread)
        return max(early, state.retry_at, state.seen_at + self._min_interval)

    def _state_of(self, source: RefreshingTokenSource) -> _State:
        state = self._states.get(id(source))
        if state is None:
            state = self._states[id(source)] = _State()
        current = source.current
        if state.seen is not current:
            # A new token set (a login, another worker's refresh): a new random spread, and
            # whatever failed before is over.
            state.retry_at, state.failures = -math.inf, 0
            state.seen, state.spread = current, self._random()
            state.seen_at = source.clock() if current is not None else -math.inf
            if current is not None and not state.warned:
                state.warned = self._warn_if_short(source, current)
        return state

    def _warn_if_short(self, source: RefreshingTokenSource, current: TokenSet) -> bool:
        """Warn (once per account) that the provider's tokens are shorter than the lead."""
        lifetime = current.lifetime
        if lifetime is None and current.expires_at is not None:
            lifetime = current.expires_at - source.clock()
        if lifetime is None or lifetime >= self._lead:
            return False
        log_event(
            "background.short_lifetime",
            f"account {source.account_key!r}: the provider issues tokens that live "
            f"{max(lifetime, 0.0):.1f} s, less than the refresh lead of {self._lead:.0f} s; "
            f"refreshing at most every {self._min_interval:.1f} s",
            level=logging.WARNING,
            account_key=source.account_key,
            lifetime_s=round(max(lifetime, 0.0), 3),
        )
        return True

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Refresh the sources as they come due, until cancelled (``tg.start(refresher.run)``)."""
        limiter = anyio.CapacityLimiter(self._concurrency)
        self._wake = wake = anyio.Event()
        task_status.started()
        while True:
            sources = self._current()
            live = {id(s) for s in sources}
            for key in [k for k in self._states if k not in live]:
                del self._states[key]
            due: list[RefreshingTokenSource] = []
            wait = self._max_wait
            for source in sources:
                left = self.due_at(source) - source.clock()
                if left <= 0:
                    due.append(source)
                else:
                    wait = min(wait, left)
            if due:
                async with anyio.create_task_group() as tg:
                    for source in due:
                        tg.start_soon(self._refresh, source, limiter)
                continue
            with anyio.move_on_after(wait):
                await wake.wait()
            self._wake = wake = anyio.Event()

    async def _refresh(self, source: RefreshingTokenSource, limiter: anyio.CapacityLimiter) -> None:
        async with limiter:
            if self.due_at(source) > source.clock():  # adopted or refreshed meanwhile
                return
            if source.current is None:
                await self._load(source)
                return
            try:
                await source.refresh_ahead()
            except ReauthenticationRequired as exc:
                self.failures += 1
                state = self._state_of(source)
                state.retry_at, state.seen = math.inf, source.current
                log_event(
                    "background.failed",
                    f"background refresh stopped for account {source.account_key!r}: "
                    "it must log in again",
                    level=logging.WARNING,
                    account_key=source.account_key,
                    error_type=type(exc).__name__,
                    retry_in_s=None,
                )
                return
            except Exception as exc:
                self.failures += 1
                self._back_off(source, exc)
                return
            self.refreshes += 1
            state = self._state_of(source)
            state.failures, state.retry_at = 0, -math.inf

    def _back_off(self, source: RefreshingTokenSource, exc: Exception) -> None:
        """After a failure: try ``source`` again after the policy's next backoff step."""
        state = self._state_of(source)
        policy = source.policy
        step = policy.backoff_step(state.failures, self._random())
        delay = max(step, policy.quiet_period(exc))
        state.failures += 1
        state.retry_at = source.clock() + delay
        log_event(
            "background.failed",
            f"background refresh failed for account {source.account_key!r} "
            f"({type(exc).__name__}); next try in {delay:.1f} s",
            level=logging.WARNING,
            account_key=source.account_key,
            error_type=type(exc).__name__,
            retry_in_s=round(delay, 3),
        )

    async def _load(self, source: RefreshingTokenSource) -> None:
        """Load a source no request has used yet (refreshing it if it is due)."""
        try:
            with triggered_by("background"):
                await source.token_set()
        except ReauthenticationRequired:
            # Nothing stored yet (not logged in), or a grant that is gone: look again later.
            self._state_of(source).retry_at = source.clock() + self._max_wait
            return
        except Exception as exc:
            self.failures += 1
            self._back_off(source, exc)
