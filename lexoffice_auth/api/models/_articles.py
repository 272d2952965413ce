"""Articles (``/v1/articles``, §3b.2)."""

from __future__ import annotations

from typing import Any, ClassVar

from ._base import LexDateTime, LexofficeModel, Money

__all__ = ["Article", "ArticlePrice"]


class ArticlePrice(LexofficeModel):
    """An article's price: ``leading_price`` ``NET`` (send ``net_price``) or ``GROSS``
    (send ``gross_price``); lexoffice computes the other one, which is read-only: an
    article's ``to_api()`` leaves it out."""

    net_price: Money | None = None
    gross_price: Money | None = None
    leading_price: str | None = None
    tax_rate: Money | None = None

    required: ClassVar[tuple[str, ...]] = ("leading_price", "tax_rate")

    def extra_problems(self, prefix: str, *, complete: bool) -> list[dict[str, str]]:
        """The leading price must be given (§3b.2)."""
        lead = {"NET": "net_price", "GROSS": "gross_price"}.get(str(self.leading_price))
        if not complete or lead is None or getattr(self, lead) is not None:
            return []
        field = prefix + ("netPrice" if lead == "net_price" else "grossPrice")
        return [{"field": field, "violation": "NOTNULL", "message": "required"}]


class Article(LexofficeModel):
    """An article (``type`` ``PRODUCT`` or ``SERVICE``).

    Required on create and update: ``title``, ``type``, ``unit_name`` and ``price``. The
    ``version`` read with ``get`` must be sent back on update (409 if stale).

    Example:
        >>> Article(title="Therme", type="PRODUCT", unit_name="Stück",
        ...         price=ArticlePrice(net_price="3450.00", leading_price="NET", tax_rate=19)
        ...         ).to_api()["price"]
        {'netPrice': Decimal('3450.00'), 'leadingPrice': 'NET', 'taxRate': Decimal('19')}
    """

    read_only = frozenset({"id", "organization_id", "created_date", "updated_date", "archived"})
    id: str | None = None
    organization_id: str | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    archived: bool | None = None
    title: str | None = None
    description: str | None = None
    type: str | None = None
    article_number: str | None = None
    gtin: str | None = None
    note: str | None = None
    unit_name: str | None = None
    price: ArticlePrice | None = None
    version: int | None = None

    required: ClassVar[tuple[str, ...]] = ("title", "type", "unit_name", "price")

    def to_api(self) -> dict[str, Any]:
        """The body lexoffice expects; the price lexoffice computes (not the leading one)
        is left out like every read-only field."""
        body = super().to_api()
        price = body.get("price")
        if isinstance(price, dict):
            computed = _COMPUTED_PRICE.get(str(price.get("leadingPrice", "")).upper())
            if computed is not None:
                price.pop(computed, None)
        return body


_COMPUTED_PRICE = {"NET": "grossPrice", "GROSS": "netPrice"}
