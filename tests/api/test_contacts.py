"""``client.contacts`` (``api/_contacts.py``): the list filters are checked once."""

from __future__ import annotations

from typing import Any

import pytest


async def test_contacts_list_checks_its_filters_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from lexoffice_auth.api import _contacts
    from lexoffice_auth.testing import FakeLexoffice

    from .helpers import sandbox_client

    built = 0
    original = _contacts._filters

    def counting(*args: Any) -> dict[str, str | int | bool]:
        nonlocal built
        built += 1
        return original(*args)

    monkeypatch.setattr(_contacts, "_filters", counting)
    fake = FakeLexoffice(rate_limit=None)
    ids = {fake.add_contact(name=f"Firma {i:02d}") for i in range(23)}
    async with sandbox_client(fake) as client:
        seen = [c.id async for c in client.contacts.list(name="Firma", size=5)]
    assert len(seen) == 23 and set(seen) == ids
    assert fake.calls["contacts:list"] == 5 and built == 1
