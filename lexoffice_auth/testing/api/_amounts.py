"""Sales-voucher arithmetic: line amounts, totals and tax per rate, rounded half up.

lexoffice rounds per tax rate: the net (or gross) sum of each rate is rounded to cents,
its tax computed from that and rounded, and the totals are sums of the rounded values
(reference §3c: 2 x 24.90 at 19 % plus 39.00 at 7 % make 88.80 net, 12.19 tax, 100.99).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["money", "number", "plain", "priced_lines", "totals"]

_CENT = Decimal("0.01")
_FOUR = Decimal("0.0001")


def number(value: object) -> Decimal | None:
    """A JSON number (or numeric string, as lexoffice's samples mix both) as Decimal."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    return None


def plain(value: Decimal) -> float | int:
    """A Decimal as a JSON number: whole numbers as int (``19``), others as float."""
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal) -> float:
    """Rounded half up to cents, as a JSON number."""
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _four(value: Decimal) -> float:
    return float(value.quantize(_FOUR, rounding=ROUND_HALF_UP).normalize())


def priced_lines(
    items: Iterable[Mapping[str, Any]], *, gross_mode: bool, discounts: bool = True
) -> tuple[list[dict[str, Any]], dict[Decimal, Decimal]]:
    """The line items with both unit prices and ``lineItemAmount``, and the sum per rate.

    Optional quotation lines and alternative sub-items get their amounts but stay out of
    the sums, as in lexoffice's quotation sample.
    """
    lines: list[dict[str, Any]] = []
    by_rate: dict[Decimal, Decimal] = {}
    for raw in items:
        item = dict(raw)
        item.pop("lineItemAmount", None)
        price = item.get("unitPrice")
        if item.get("type") != "text" and isinstance(price, Mapping):
            rate = number(price.get("taxRatePercentage")) or Decimal(0)
            factor = 1 + rate / 100
            key = "grossAmount" if gross_mode else "netAmount"
            unit = number(price.get(key)) or Decimal(0)
            net_unit, gross_unit = (unit / factor, unit) if gross_mode else (unit, unit * factor)
            item["unitPrice"] = {
                **price,
                "netAmount": _four(net_unit),
                "grossAmount": _four(gross_unit),
            }
            quantity = number(item.get("quantity")) or Decimal(0)
            off = number(item.get("discountPercentage")) if discounts else None
            amount = unit * quantity * (1 - (off or Decimal(0)) / 100)
            item["lineItemAmount"] = money(amount)
            if not item.get("optional"):
                by_rate[rate] = by_rate.get(rate, Decimal(0)) + amount
        subs = item.get("subItems")
        if isinstance(subs, list):
            item["subItems"] = priced_lines(subs, gross_mode=gross_mode, discounts=discounts)[0]
        lines.append(item)
    return lines, by_rate


def totals(
    by_rate: Mapping[Decimal, Decimal],
    *,
    gross_mode: bool,
    discount_percentage: Decimal | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``totalPrice`` (without currency) and ``taxAmounts`` from the sums per rate."""
    keep = 1 - (discount_percentage or Decimal(0)) / 100
    net_sum = tax_sum = gross_sum = Decimal(0)
    taxes: list[dict[str, Any]] = []
    for rate in sorted(by_rate):
        factor = 1 + rate / 100
        base = (by_rate[rate] * keep).quantize(_CENT, rounding=ROUND_HALF_UP)
        if gross_mode:
            gross = base
            net = (gross / factor).quantize(_CENT, rounding=ROUND_HALF_UP)
            tax = gross - net
        else:
            net = base
            tax = (net * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
            gross = net + tax
        net_sum, tax_sum, gross_sum = net_sum + net, tax_sum + tax, gross_sum + gross
        taxes.append(
            {"taxRatePercentage": plain(rate), "taxAmount": money(tax), "netAmount": money(net)}
        )
    total = {
        "totalNetAmount": money(net_sum),
        "totalGrossAmount": money(gross_sum),
        "totalTaxAmount": money(tax_sum),
    }
    return total, taxes
