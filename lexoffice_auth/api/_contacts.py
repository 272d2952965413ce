"""``client.contacts``: list, get, create, update, modify (lexoffice's ``/v1/contacts``)."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from typing import Any

from ..errors import ConfigurationError
from ._common import MAX_PAGE_SIZE, deprecated
from ._pager import Pager
from ._resource import Change, Create, Get, Update
from .models import ActionResult, Contact

__all__ = ["ContactsApi", "escape_search"]


def escape_search(value: str, *, wildcards: bool = False) -> str:
    """A search string as lexoffice wants it (before URL encoding, which httpx does).

    ``_`` and ``%`` are wildcards to lexoffice; unless ``wildcards=True`` they are escaped
    with ``\\`` so they match themselves. Then ``&``, ``<`` and ``>`` are HTML-escaped.

    Example:
        >>> escape_search("johnson & partner")
        'johnson &amp; partner'
        >>> escape_search("100%_sure")
        '100\\\\%\\\\_sure'
    """
    if not wildcards:
        value = value.replace("_", "\\_").replace("%", "\\%")
    return html.escape(value, quote=False)


class ContactsApi(Get[Contact], Create[Contact], Update[Contact]):
    """lexoffice's contacts: ``list``, ``get``, ``create``, ``update``, ``modify``.

    Errors come in the legacy ``IssueList`` shape. There is no delete (``archived`` is
    read-only).
    """

    path = "/v1/contacts"
    model = Contact
    id_label = "a contact id"
    errors = "legacy"
    max_page_size = 250
    create_version = 0

    def list(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        number: int | None = None,
        customer: bool | None = None,
        vendor: bool | None = None,
        wildcards: bool = False,
        page: int = 0,
        size: int = 25,
    ) -> Pager[Contact]:
        """Contacts matching all given filters (sorted by name): await it for one page,
        or ``async for`` over all of them.

        ``email`` and ``name`` match case-insensitive substrings of at least 3 characters;
        ``_`` and ``%`` in them match literally unless ``wildcards=True``.
        """
        params = _filters(email, name, number, customer, vendor, wildcards)
        return self._pager(params, page, size)

    def iter(self, *, page_size: int = MAX_PAGE_SIZE, **filters: Any) -> AsyncIterator[Contact]:
        """Deprecated (removed in 0.4): ``async for c in contacts.list(..., size=250)``.

        Takes ``list``'s filters (not ``page``/``size``) and ``page_size``.
        """
        deprecated("contacts.iter(...)", "contacts.list(...)")
        return self.list(**filters, size=page_size).__aiter__()

    async def create(self, item: Contact) -> ActionResult:
        """Create a contact (sent with ``version`` 0, as lexoffice requires)."""
        return await super().create(item)

    async def update(self, item_id: str, item: Contact) -> ActionResult:
        """Replace a contact; ``contact.version`` must be the current one, else ``Conflict``."""
        return await super().update(item_id, item)

    async def modify(
        self, item_id: str, change: Change[Contact], *, attempts: int = 5
    ) -> ActionResult:
        """Read the contact, let ``change`` edit it, write it back; on 409 start over.

        ``change`` gets a fresh ``Contact`` and edits it in place or returns a new
        one (it may be async). It may run more than once, so it should only edit the
        contact. After ``attempts`` conflicts the last ``Conflict`` is raised.

        Example (against the sandbox):
            >>> import anyio
            >>> from lexoffice_auth import ApiKeyAuth
            >>> from lexoffice_auth.api import LexofficeClient
            >>> from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice
            >>> fake = FakeLexoffice(api_base=API_BASE_URL)
            >>> key, contact_id = fake.add_api_key(), fake.add_contact(name="Acme AG")
            >>> def add_note(contact: Contact) -> None:
            ...     contact.note = "VIP"
            >>> async def main() -> int:
            ...     async with LexofficeClient(ApiKeyAuth(key), http_client=fake.client()) as lx:
            ...         result = await lx.contacts.modify(contact_id, add_note)
            ...     return result.version
            >>> anyio.run(main)
            1
        """
        return await super().modify(item_id, change, attempts=attempts)


def _filters(
    email: str | None,
    name: str | None,
    number: int | None,
    customer: bool | None,
    vendor: bool | None,
    wildcards: bool,
) -> dict[str, str | int | bool]:
    params: dict[str, str | int | bool] = {}
    for key, value in (("email", email), ("name", name)):
        if value is None:
            continue
        if not isinstance(value, str) or len(value.strip()) < 3:
            raise ConfigurationError(f"the {key} filter needs at least 3 characters")
        params[key] = escape_search(value, wildcards=wildcards)
    if number is not None:
        if isinstance(number, bool) or not isinstance(number, int):
            raise ConfigurationError("number must be an int (a customer or vendor number)")
        params["number"] = number
    for key, flag in (("customer", customer), ("vendor", vendor)):
        if flag is not None:
            if not isinstance(flag, bool):
                raise ConfigurationError(f"{key} must be True, False or None")
            params[key] = flag
    return params
