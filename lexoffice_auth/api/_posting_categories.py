"""``client.posting_categories``: lexoffice's ``/v1/posting-categories`` (reference §3b)."""

from __future__ import annotations

from ._resource import ListAll
from .models import PostingCategory

__all__ = ["PostingCategoriesApi"]


class PostingCategoriesApi(ListAll[PostingCategory]):
    """Posting categories for bookkeeping vouchers: ``list()`` (one plain array; an id goes
    into a voucher item's ``category_id``)."""

    path = "/v1/posting-categories"
    model = PostingCategory
