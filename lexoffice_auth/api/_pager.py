"""``Pager``: what every ``list(...)`` returns: await it for one page, or iterate every item."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

from ..errors import PagingError
from .models import LexofficeModel, Page

__all__ = ["Pager"]

T = TypeVar("T", bound=LexofficeModel)

Fetch = Callable[[int, int], Awaitable[Page[T]]]


class Pager(Generic[T]):
    """One listing of a resource, read lazily.

    * ``await pager`` reads the one page that ``page=`` and ``size=`` name.
    * ``async for item in pager`` reads every item of every page from ``page=`` on, one
      request per page, stopping at the page lexoffice marks ``last``.
    * ``pager.pages()`` does the same page by page.

    A server that answers the same page twice, or whose total changes during the walk,
    would make a naive loop spin or skip rows: both end the iteration with a
    ``PagingError`` (start again, or narrow the filters).

    Example (against the sandbox):
        >>> import anyio
        >>> from lexoffice_auth import ApiKeyAuth
        >>> from lexoffice_auth.api import LexofficeClient
        >>> from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice
        >>> fake = FakeLexoffice(api_base=API_BASE_URL)
        >>> key = fake.add_api_key()
        >>> for name in ("Acme AG", "Beta GmbH", "Gamma KG"):
        ...     _ = fake.add_contact(name=name)
        >>> async def main() -> None:
        ...     async with LexofficeClient(ApiKeyAuth(key), http_client=fake.client()) as lx:
        ...         first = await lx.contacts.list(size=2)
        ...         print(first.total_elements, [c.company.name for c in first.content])
        ...         print([c.company.name async for c in lx.contacts.list(size=2)])
        >>> anyio.run(main)
        3 ['Acme AG', 'Beta GmbH']
        ['Acme AG', 'Beta GmbH', 'Gamma KG']
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        page: int = 0,
        size: int = 25,
        what: str = "list",
        walk: Callable[[], AsyncIterator[T]] | None = None,
    ) -> None:
        self._fetch = fetch
        self._page = page
        self._size = size
        self._what = what
        self._walk = walk

    def __repr__(self) -> str:
        return f"Pager({self._what}, page={self._page}, size={self._size})"

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._page, self._size).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        if self._walk is not None:
            return self._walk()
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.content:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page from ``page=`` on, checked for repeats and a changing total."""
        number = self._page
        previous: Page[T] | None = None
        while True:
            page = await self._fetch(number, self._size)
            if previous is not None:
                if page.total_elements != previous.total_elements:
                    raise PagingError(
                        f"{self._what}: the total changed from {previous.total_elements} to "
                        f"{page.total_elements} while paging (page {number}); items were added "
                        "or removed meanwhile, so start again or narrow the filters"
                    )
                if page.content and page.content == previous.content:
                    raise PagingError(
                        f"{self._what}: page {number} repeats page {number - 1}; the server "
                        "ignored the page number, so the listing stopped instead of looping"
                    )
            yield page
            if page.last or not page.content or number + 1 >= page.total_pages:
                return
            previous = page
            number += 1
