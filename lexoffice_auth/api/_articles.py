"""``client.articles``: lexoffice's ``/v1/articles`` (§3b.2)."""

from __future__ import annotations

from ._pager import Pager
from ._resource import Create, Delete, Get, Update
from .models import Article

__all__ = ["ArticlesApi"]


class ArticlesApi(Get[Article], Create[Article], Update[Article], Delete):
    """Articles: ``get``, ``create``, ``update``/``modify`` (with the version), ``delete``,
    and a paged ``list`` filtered by article number, GTIN or type."""

    path = "/v1/articles"
    model = Article
    id_label = "an article id"
    max_page_size = 250

    def list(
        self,
        *,
        article_number: str | None = None,
        gtin: str | None = None,
        type: str | None = None,
        page: int = 0,
        size: int = 25,
    ) -> Pager[Article]:
        """Articles matching every given filter (``article_number`` finds at most one)."""
        return self._pager(
            {"articleNumber": article_number, "gtin": gtin, "type": type}, page, size
        )
