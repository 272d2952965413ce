"""``client.contacts``: list, iter, get, create, update, modify (lexoffice's ``/v1/contacts``)."""

from __future__ import annotations

import html
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING

from ..errors import ConfigurationError, Conflict
from ._common import MAX_PAGE_SIZE, check_id, check_page, iter_pages
from ._models import ActionResult, Contact, Page

if TYPE_CHECKING:
    from ._client import LexofficeClient

__all__ = ["ContactsApi", "escape_search"]

ContactChange = Callable[[Contact], "Contact | Awaitable[Contact | None] | None"]


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


class ContactsApi:
    """lexoffice's contacts (errors come in the legacy ``IssueList`` shape)."""

    def __init__(self, client: LexofficeClient) -> None:
        self._client = client

    def _filters(
        self,
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

    async def list(
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
    ) -> Page[Contact]:
        """One page of contacts matching all given filters (sorted by name).

        ``email`` and ``name`` match case-insensitive substrings of at least 3 characters;
        ``_`` and ``%`` in them match literally unless ``wildcards=True``.
        """
        check_page(page, size)
        params = self._filters(email, name, number, customer, vendor, wildcards)
        params.update(page=page, size=size)
        return await self._client.get_model("/v1/contacts", Page[Contact], params=params)

    async def iter(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        number: int | None = None,
        customer: bool | None = None,
        vendor: bool | None = None,
        wildcards: bool = False,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[Contact]:
        """Every matching contact, page by page (``page_size`` up to 250)."""
        check_page(0, page_size)
        params = self._filters(email, name, number, customer, vendor, wildcards)

        def fetch(page: int) -> Awaitable[Page[Contact]]:
            query = {**params, "page": page, "size": page_size}
            return self._client.get_model("/v1/contacts", Page[Contact], params=query)

        async with aclosing(iter_pages(fetch)) as pages:
            async for result in pages:
                for contact in result.content:
                    yield contact

    async def get(self, contact_id: str) -> Contact:
        """The contact with this id (``NotFound`` if there is none)."""
        cid = check_id(contact_id, "a contact id")
        return await self._client.get_model(f"/v1/contacts/{cid}", Contact)

    async def create(self, contact: Contact) -> ActionResult:
        """Create a contact (sent with ``version`` 0, as lexoffice requires)."""
        if not isinstance(contact, Contact):
            raise ConfigurationError("create() needs a Contact")
        body = contact.to_api()
        body["version"] = 0
        return await self._client.send_model("POST", "/v1/contacts", body, ActionResult)

    async def update(self, contact_id: str, contact: Contact) -> ActionResult:
        """Replace a contact; ``contact.version`` must be the current one, else ``Conflict``."""
        cid = check_id(contact_id, "a contact id")
        if not isinstance(contact, Contact):
            raise ConfigurationError("update() needs a Contact")
        body = contact.to_api()
        return await self._client.send_model("PUT", f"/v1/contacts/{cid}", body, ActionResult)

    async def modify(
        self, contact_id: str, change: ContactChange, *, attempts: int = 5
    ) -> ActionResult:
        """Read the contact, let ``change`` edit it, write it back; on 409 start over.

        ``change`` gets a fresh :class:`Contact` and edits it in place or returns a new
        one (it may be async). It may run more than once, so it should only edit the
        contact. After ``attempts`` conflicts the last :class:`Conflict` is raised.

        Example (against the sandbox):
            >>> import anyio
            >>> from lexoffice_auth import ApiKeyAuth
            >>> from lexoffice_auth.api import LexofficeClient
            >>> from lexoffice_auth.testing import LEXWARE_API_BASE, FakeLexoffice
            >>> fake = FakeLexoffice(api_base=LEXWARE_API_BASE)
            >>> key, contact_id = fake.add_api_key(), fake.add_contact(name="Acme AG")
            >>> def add_note(contact: Contact) -> None:
            ...     contact.note = "VIP"
            >>> async def main() -> int:
            ...     async with LexofficeClient(ApiKeyAuth(key), http_client=fake.client()) as lx:
            ...         result = await lx.contacts.modify(contact_id, add_note)
            ...     return result.version
            >>> anyio.run(main)
            1
            >>> fake.api.contacts[contact_id].data["note"]
            'VIP'
        """
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ConfigurationError("attempts must be an int >= 1")
        for attempt in range(attempts):
            current = await self.get(contact_id)
            version = current.version
            result = change(current)
            if inspect.isawaitable(result):
                result = await result
            updated = current if result is None else result
            if not isinstance(updated, Contact):
                raise ConfigurationError("change() must return a Contact or None")
            updated.version = version
            try:
                return await self.update(contact_id, updated)
            except Conflict as exc:
                if attempt + 1 >= attempts:
                    exc.retried = attempt
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
