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
from ..telemetry import log_event
from .pool import AuthPool

if TYPE_CHECKING:
    from .._oauth.tokens import TokenSet

__all__ = ["BackgroundRefresher"]

Refreshable = RefreshingTokenSource | LexofficeAuth[RefreshingTokenSource]


class _State:
    """What the refresher remembers about one source between rounds."""

    __slots__ = ("failures", "retry_at", "seen", "spread")

    def __init__(self) -> None:
        self.seen: TokenSet | None = None  # the token set the fields below are about
        self.spread = 0.0  # this token's random share of the jitter
        self.failures = 0
        self.retry_at = -math.inf  # after a failure: not before this time (source clock)


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
    * **No lock across sleeps**: the refresher holds nothing while it waits; only a
      refresh itself takes the source's and the store's locks.
    * **Cancellation**: cancelling the task group stops it at once; a refresh request
      already sent is seen through and saved first (as every refresh is).

    Only sources that have loaded their tokens (served a request, or were saved to) are
    refreshed; sources are read again every ``max_wait`` seconds and on ``add``, so a
    pool's newly cached accounts are picked up. The sources' clocks must follow real time.
    """

    def __init__(
        self,
        sources: AuthPool | Iterable[Refreshable] = (),
        *,
        lead: float = 60.0,
        lead_fraction: float = 0.25,
        jitter: float = 0.1,
        max_wait: float = 30.0,
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
        """When this refresher will refresh ``source`` (its clock; ``inf``: not planned)."""
        current = source.current
        deadline = source.refresh_due_at
        if current is None or not math.isfinite(deadline):
            return math.inf
        state = self._state_of(source)
        lead = self._lead_rule.lead_of(current, source.clock())
        return max(deadline - lead * (1.0 + self._jitter * state.spread), state.retry_at)

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
        return state

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
                return
            self.refreshes += 1
            state = self._state_of(source)
            state.failures, state.retry_at = 0, -math.inf
