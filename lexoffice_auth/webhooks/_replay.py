"""Replays: an opt-in freshness window and an idempotency helper for webhook events.

lexoffice's events carry no id and no nonce, and a signed body stays valid forever: anyone
who saw one can deliver it again. Two defences, both opt-in because lexoffice itself may
deliver an event late or more than once:

* a freshness window: an event whose ``eventDate`` is further than ``max_age`` seconds
  from now (either way) is refused (``check_fresh``);
* idempotency: an event already handled is acknowledged without running the handler
  again (``SeenEvents``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Protocol, runtime_checkable

import anyio

from .._core.checks import check_count
from .._core.clock import Clock
from ..errors import ConfigurationError, WebhookError
from ._events import WebhookEvent

__all__ = ["EventLedger", "SeenEvents", "check_fresh", "event_key"]


def event_key(event: WebhookEvent) -> str:
    """What identifies one event (lexoffice sends no id): its four fields, joined.

    Example:
        >>> from lexoffice_auth.webhooks import parse_event
        >>> event_key(parse_event(b'{"organizationId":"o-1","eventType":"invoice.created",'
        ...     b'"resourceId":"i-1","eventDate":"2025-05-01T10:00:00.000+02:00"}'))
        'o-1|invoice.created|i-1|2025-05-01T10:00:00+02:00'
    """
    date = event.event_date.isoformat()
    return f"{event.organization_id}|{event.event_type}|{event.resource_id}|{date}"


def check_fresh(event: WebhookEvent, *, max_age: float, now: float) -> None:
    """Refuse ``event`` (``WebhookError``, reason ``"stale"``) if its date is too far from now.

    ``max_age`` seconds either way: an old event may be a replay, one from the future a
    forged date or a badly wrong clock.

    Example:
        >>> from lexoffice_auth.webhooks import parse_event
        >>> event = parse_event(b'{"organizationId":"o-1","eventType":"invoice.created",'
        ...     b'"resourceId":"i-1","eventDate":"2025-05-01T10:00:00.000+00:00"}')
        >>> check_fresh(event, max_age=300, now=event.event_date.timestamp() + 60)
        >>> check_fresh(event, max_age=300, now=event.event_date.timestamp() + 3600)
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.WebhookError: the event is stale: dated 3600 s from now (max 300 s)
    """
    if event.event_date.tzinfo is None:
        raise WebhookError("the event date has no time zone", reason="stale")
    offset = now - event.event_date.timestamp()
    if not abs(offset) <= max_age:
        raise WebhookError(
            f"the event is stale: dated {abs(offset):.0f} s from now (max {max_age:.0f} s)",
            reason="stale",
        )


@runtime_checkable
class EventLedger(Protocol):
    """Remembers handled events; ``SeenEvents`` in memory, or your own shared one.

    For several workers, implement the two methods on a shared store (for example Redis
    ``SET key 1 NX EX <seconds>`` for ``claim`` and ``DEL`` for ``release``).
    """

    async def claim(self, event: WebhookEvent) -> bool:
        """True the first time ``event`` is seen (and remember it), False after that."""
        ...

    async def release(self, event: WebhookEvent) -> None:
        """Forget ``event`` (its handler failed: a redelivery must run it again)."""
        ...


class SeenEvents:
    """An in-memory ``EventLedger``: the last ``max_events`` events of this process.

    Pass it to ``webhook_endpoint`` as ``seen_events=``: an
    event delivered again is answered 200 without running the handler; an event whose
    handler raised is forgotten, so that lexoffice's redelivery runs it again. Bounded:
    the oldest events are forgotten first, so pair it with ``max_age`` to make a replay
    older than the window useless too. Per process: several workers need a shared ledger.

    Example:
        >>> import anyio
        >>> from lexoffice_auth.webhooks import parse_event
        >>> event = parse_event(b'{"organizationId":"o-1","eventType":"invoice.created",'
        ...     b'"resourceId":"i-1","eventDate":"2025-05-01T10:00:00.000+02:00"}')
        >>> seen = SeenEvents()
        >>> anyio.run(seen.claim, event), anyio.run(seen.claim, event)
        (True, False)
    """

    def __init__(self, max_events: int = 100_000) -> None:
        if check_count("max_events", max_events) < 1:
            raise ConfigurationError("max_events must be at least 1")
        self._max = max_events
        self._seen: OrderedDict[str, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"SeenEvents({len(self._seen)} of max {self._max})"

    def __len__(self) -> int:
        return len(self._seen)

    async def claim(self, event: WebhookEvent) -> bool:
        """True the first time ``event`` is seen (and remember it), False after that."""
        await anyio.lowlevel.checkpoint()
        key = event_key(event)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    async def release(self, event: WebhookEvent) -> None:
        """Forget ``event`` (its handler failed: a redelivery must run it again)."""
        self._seen.pop(event_key(event), None)


def check_window(max_age: float | None, clock: Clock) -> float | None:
    """``max_age`` checked as positive finite seconds (``None``: no window)."""
    if max_age is None:
        return None
    if isinstance(max_age, bool) or not isinstance(max_age, (int, float)):
        raise ConfigurationError("max_age must be a number of seconds or None")
    if not math.isfinite(max_age) or max_age <= 0:
        raise ConfigurationError("max_age must be positive finite seconds")
    if not callable(clock):
        raise ConfigurationError("clock must be a callable returning epoch seconds")
    return float(max_age)
