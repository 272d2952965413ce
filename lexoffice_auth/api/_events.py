"""``client.event_subscriptions``: lexoffice's webhooks subscriptions (``/v1/event-subscriptions``).

lexoffice delivers an event (``organizationId``, ``eventType``, ``resourceId``,
``eventDate``, signed in ``X-Lxo-Signature``) to the subscription's callback URL; verify
and parse it with ``lexoffice_auth.webhooks``. Errors come in the regular shape; a
second subscription for the same event type and URL is a
``Conflict``.
"""

from __future__ import annotations

from ..errors import ConfigurationError
from ..rules import require_secure_url
from ._pager import Pager
from ._resource import Delete, Get
from .models import ActionResult, EventSubscription, EventSubscriptionList, Page

__all__ = ["EventSubscriptionsApi"]


def _check_event_type(event_type: str) -> str:
    if not isinstance(event_type, str) or not event_type.strip() or " " in event_type.strip():
        raise ConfigurationError(f"not an event type: {event_type!r} (e.g. 'contact.changed')")
    return event_type.strip()


def _check_callback_url(url: str) -> str:
    """An https URL (plain http only for loopback hosts, e.g. the sandbox's tests)."""
    if not isinstance(url, str):
        raise ConfigurationError(f"callback_url must be a str, not {type(url).__name__}")
    return require_secure_url(url, "callback_url")


class EventSubscriptionsApi(Get[EventSubscription], Delete):
    """List, create, get and delete event subscriptions (regular error shape).

    There is no update: delete and create again.
    """

    path = "/v1/event-subscriptions"
    model = EventSubscription
    id_label = "a subscription id"

    def list(self) -> Pager[EventSubscription]:
        """Every subscription of this API client, as one page (lexoffice does not page them)."""

        async def fetch(number: int, size: int) -> Page[EventSubscription]:
            found = await self._client.get_model(self.path, EventSubscriptionList)
            count = len(found.content)
            return Page[EventSubscription](
                content=found.content,
                total_elements=count,
                number_of_elements=count,
                total_pages=1,
                size=count,
            )

        return Pager(fetch, page=0, size=1, what=f"GET {self.path}")

    async def create(self, event_type: str, callback_url: str) -> ActionResult:
        """Subscribe ``callback_url`` to ``event_type``; its id is ``result.id``.

        The same event type and URL already subscribed: ``Conflict`` (HTTP 409).

        Example:
            >>> await lx.event_subscriptions.create(                      # doctest: +SKIP
            ...     "token.revoked", "https://app.example/lexoffice/events")
        """
        body = {
            "eventType": _check_event_type(event_type),
            "callbackUrl": _check_callback_url(callback_url),
        }
        return await self._client.send_model("POST", self.path, body, ActionResult)
