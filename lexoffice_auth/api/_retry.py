"""What is retried, how often and how long to wait, on top of ``tenacity``.

``tenacity`` brings exponential backoff with jitter, bounded attempts and a total time
limit; it sleeps with ``anyio.sleep`` (asyncio or trio) and takes the wait from a function,
which is how ``Retry-After`` is honoured. Everything is per call: no global hooks, and each
scheduled retry is logged by ``lexoffice_auth`` at DEBUG. This module only decides
*whether* a failure may be retried:

* 429: always (lexoffice says the call "will not be performed").
* 5xx and transport errors: only for GET (reading twice is harmless).
* A connection that was never made (connect error): for every method.
* POST/PUT after a 5xx or a timeout: never; a 504 or timeout says it may have been done.

A ``Retry-After`` that would end after the policy's ``timeout`` is not slept: the
``RateLimited`` error is raised at once, with its ``retry_after``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

from .. import telemetry
from .._core.checks import check_count, check_seconds
from ..errors import ApiError, ConfigurationError, LexofficeAuthError, RateLimited

__all__ = ["RetryPolicy", "Retryable", "call_with_retries"]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How the client retries.

    Attributes:
        attempts: most tries for a rate-limited (429) call, the first one included.
        read_attempts: most tries for a GET that met a 5xx or a transport error.
        wait_initial: the first backoff, in seconds; it doubles per retry.
        wait_max: the longest single backoff (a larger ``Retry-After`` is still honoured).
        wait_jitter: up to this many seconds of random jitter added to each backoff.
        timeout: no retry is started after this many seconds since the first try, and
            a ``Retry-After`` that would end later raises ``RateLimited`` at once.

    Example:
        >>> RetryPolicy(attempts=3).read_attempts
        3
    """

    attempts: int = 6
    read_attempts: int = 3
    wait_initial: float = 0.5
    wait_max: float = 30.0
    wait_jitter: float = 1.0
    timeout: float = 120.0

    def __post_init__(self) -> None:
        for name in ("attempts", "read_attempts"):
            value = getattr(self, name)
            try:
                count = check_count(f"RetryPolicy.{name}", value)
            except ConfigurationError:
                count = 0
            if count < 1:  # the message names the real bound, which check_count cannot
                raise ConfigurationError(f"RetryPolicy.{name} must be an int >= 1, got {value!r}")
        for name in ("wait_initial", "wait_max", "wait_jitter", "timeout"):
            check_seconds(f"RetryPolicy.{name}", getattr(self, name), positive=name == "timeout")

    @classmethod
    def never(cls) -> RetryPolicy:
        """No retries at all."""
        return cls(attempts=1, read_attempts=1)


class Retryable(Exception):
    """Raised inside an attempt to ask for another one; carries the error to give up with."""

    def __init__(self, error: LexofficeAuthError, *, kind: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.kind = kind  # "rate" (429) or "read" (5xx/transport on a safe call)


async def call_with_retries(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``attempt`` until it returns, raises a final error, or retries run out.

    ``attempt`` raises ``Retryable`` for a failure that may be tried again. When the
    retries are used up (or the policy's time is over) the carried error is raised, with
    ``retried`` set to the number of retries made.
    """
    started = time.monotonic()
    # The common case, one try that works, sets up nothing else (not even the counters).
    try:
        return await attempt()
    except Retryable as exc:
        first = exc
    return await _retry(attempt, policy, first, started)


async def _retry(
    attempt: Callable[[], Awaitable[T]], policy: RetryPolicy, first: Retryable, started: float
) -> T:
    """Retry after the first attempt failed with ``first``; see ``call_with_retries``."""
    counts = {"rate": 0, "read": 0}
    limits = {"rate": policy.attempts, "read": policy.read_attempts}

    def backoff(exc: Exception) -> bool | float:
        if not isinstance(exc, Retryable):
            return False
        counts[exc.kind] += 1
        if counts[exc.kind] >= limits[exc.kind]:
            return False
        error = exc.error
        if isinstance(error, RateLimited) and error.retry_after is not None:
            # tenacity checks its timeout only before a wait, so it would sleep a long
            # Retry-After (up to an hour) in full: give up now instead.
            if error.retry_after > policy.timeout - (time.monotonic() - started):
                return False
            return float(error.retry_after)
        return True

    import tenacity  # only now: a client whose calls all succeed never loads it

    exponential = tenacity.wait_exponential(
        multiplier=policy.wait_initial, max=policy.wait_max
    ) + tenacity.wait_random(0, policy.wait_jitter)
    waits: list[float] = []

    def may_retry(exc: BaseException) -> bool:
        decision = backoff(exc) if isinstance(exc, Exception) else False
        if decision is False:
            return False
        waits.append(-1.0 if decision is True else decision)
        return True

    def wait(state: tenacity.RetryCallState) -> float:
        chosen = waits.pop()
        return exponential(state) if chosen < 0 else chosen

    def report(state: tenacity.RetryCallState) -> None:
        # Instrumentation goes to our own logger at DEBUG: a retry is routine, and a library
        # must not talk unless the application turns the level up.
        if state.next_action is not None and state.outcome is not None:
            failure = state.outcome.exception()
            error = failure.error if isinstance(failure, Retryable) else failure
            telemetry.retry_scheduled(
                state.attempt_number, state.next_action.sleep, type(error).__name__
            )

    tries = 1
    pending: Retryable | None = first
    try:
        async for try_ in tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception(may_retry),
            wait=wait,
            stop=tenacity.stop_after_attempt(policy.attempts + policy.read_attempts)
            | tenacity.stop_after_delay(policy.timeout),
            sleep=anyio.sleep,  # asyncio or trio, whichever loop runs
            before_sleep=report,
            reraise=True,
        ):
            with try_:
                if pending is not None:  # hand the first failure to tenacity as its attempt 1
                    failure, pending = pending, None
                    raise failure
                tries += 1
                return await attempt()
    except Retryable as exc:
        error = exc.error
        if isinstance(error, ApiError):
            error.retried = tries - 1
        raise error from (error.__cause__ or exc.__cause__)
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
