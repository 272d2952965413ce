"""``client.event_subscriptions``: lexoffice's webhooks subscriptions (``/v1/event-subscriptions``).

lexoffice delivers an event (``organizationId``, ``eventType``, ``resourceId``,
``eventDate``, signed in ``X-Lxo-Signature``) to the subscription's callback URL; verify
and parse it with :mod:`lexoffice_auth.webhooks`. Errors come in the regular shape; a
second subscription for the same event type is a :class:`~lexoffice_auth.errors.Conflict`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..errors import ConfigurationError
from ..rules import require_secure_url
from ._common import check_id
from ._models import ActionResult, LexDateTime, LexofficeModel

if TYPE_CHECKING:
    from ._client import LexofficeClient

__all__ = ["EventSubscription", "EventSubscriptionList", "EventSubscriptionsApi"]

PATH = "/v1/event-subscriptions"


class EventSubscription(LexofficeModel):
    """One subscription: which events go to which URL."""

    subscription_id: str
    event_type: str
    callback_url: str
    organization_id: str | None = None
    created_date: LexDateTime | None = None


class EventSubscriptionList(LexofficeModel):
    """The answer of ``GET /v1/event-subscriptions``: ``{"content": [...]}``, not paged."""

    content: list[EventSubscription] = Field(default_factory=list)


def _check_event_type(event_type: str) -> str:
    if not isinstance(event_type, str) or not event_type.strip() or " " in event_type.strip():
        raise ConfigurationError(f"not an event type: {event_type!r} (e.g. 'contact.changed')")
    return event_type.strip()


def _check_callback_url(url: str) -> str:
    """An https URL (plain http only for loopback hosts, e.g. the sandbox's tests)."""
    if not isinstance(url, str):
        raise ConfigurationError(f"callback_url must be a str, not {type(url).__name__}")
    return require_secure_url(url, "callback_url")


class EventSubscriptionsApi:
    """List, create, get and delete event subscriptions (regular error shape)."""

    def __init__(self, client: LexofficeClient) -> None:
        self._client = client

    async def list(self) -> list[EventSubscription]:
        """Every subscription of this API client (lexoffice does not page them)."""
        result = await self._client.get_model(PATH, EventSubscriptionList)
        return result.content

    async def get(self, subscription_id: str) -> EventSubscription:
        """One subscription (``NotFound`` if there is none)."""
        sid = check_id(subscription_id, "a subscription id")
        return await self._client.get_model(f"{PATH}/{sid}", EventSubscription)

    async def create(self, event_type: str, callback_url: str) -> ActionResult:
        """Subscribe ``callback_url`` to ``event_type``; its id is ``result.id``.

        A subscription for that event type already exists: ``Conflict`` (HTTP 409).

        Example:
            >>> await lx.event_subscriptions.create(                      # doctest: +SKIP
            ...     "token.revoked", "https://app.example/lexoffice/events")
        """
        body = {
            "eventType": _check_event_type(event_type),
            "callbackUrl": _check_callback_url(callback_url),
        }
        return await self._client.send_model("POST", PATH, body, ActionResult)

    async def delete(self, subscription_id: str) -> None:
        """End a subscription (``NotFound`` if there is none)."""
        sid = check_id(subscription_id, "a subscription id")
        await self._client.request("DELETE", f"{PATH}/{sid}")
