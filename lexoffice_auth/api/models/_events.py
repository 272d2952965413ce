"""Event subscriptions (``/v1/event-subscriptions``, §3b.8)."""

from __future__ import annotations

from pydantic import Field

from ._base import LexDateTime, LexofficeModel

__all__ = ["EventSubscription", "EventSubscriptionList"]


class EventSubscription(LexofficeModel):
    """One subscription: which events go to which URL (note: its id is ``subscription_id``)."""

    subscription_id: str
    event_type: str
    callback_url: str
    organization_id: str | None = None
    created_date: LexDateTime | None = None


class EventSubscriptionList(LexofficeModel):
    """The answer of ``GET /v1/event-subscriptions``: ``{"content": [...]}``, not paged."""

    content: list[EventSubscription] = Field(default_factory=list)
