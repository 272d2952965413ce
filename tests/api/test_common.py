"""``api/_common.py``: ids in URL paths, checked by one strict rule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.errors import ConfigurationError

from .helpers import a_person, an_invoice, recording_client

SMUGGLING_IDS = [
    "abc?archived=true#x",  # a query smuggled into the URL
    "abc#fragment",
    "a/b",
    "..",  # httpx resolves /v1/contacts/.. to /v1
    ".",
    "%2F..",
    "a\\b",
    "a b",
    "a\nb",
    "",
    "   ",
]


def _calls(client: LexofficeClient, bad: str) -> list[Callable[[], Awaitable[Any]]]:
    return [
        lambda: client.contacts.get(bad),
        lambda: client.contacts.update(bad, a_person()),
        lambda: client.invoices.get(bad),
        lambda: client.invoices.download(bad),
        lambda: client.event_subscriptions.get(bad),
        lambda: client.event_subscriptions.delete(bad),
        lambda: client.invoices.pursue(bad, an_invoice()),
        lambda: client.invoices.list(contact_id=bad),
    ]


@pytest.mark.parametrize("bad", SMUGGLING_IDS)
async def test_every_id_is_checked_by_the_same_strict_rule(bad: str) -> None:
    client, seen = recording_client()
    for call in _calls(client, bad):
        with pytest.raises(ConfigurationError, match=r"^not (a|an|the) [\w ]*id"):
            await call()
    assert seen == []  # nothing went out


async def test_plain_ids_pass_and_are_stripped() -> None:
    client, seen = recording_client()
    await client.contacts.get(" 0b1c2d3e-aaaa-bbbb-cccc-1234567890ab ")
    await client.event_subscriptions.delete("sub_1.x~y")
    assert [r.url.path for r in seen] == [
        "/v1/contacts/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
        "/v1/event-subscriptions/sub_1.x~y",
    ]
