"""Recurring invoice templates (``/v1/recurring-templates``, read-only, §3b.17)."""

from __future__ import annotations

from ._base import LexDate, LexofficeModel
from ._sales import SalesVoucher

__all__ = ["RecurringTemplate", "RecurringTemplateSettings"]


class RecurringTemplateSettings(LexofficeModel):
    """When and how invoices are generated.

    ``start_date`` ``None`` means paused. With ``finalize`` true the generated invoices are
    finalized **and e-mailed** to the customer. ``execution_status``: ACTIVE, PAUSED or ENDED.
    """

    id: str | None = None
    start_date: LexDate | None = None
    end_date: LexDate | None = None
    finalize: bool | None = None
    shipping_type: str | None = None
    retroactive_invoice: bool | None = None
    execution_interval: str | None = None
    next_execution_date: LexDate | None = None
    last_execution_failed: bool | None = None
    last_execution_error_message: str | None = None
    execution_status: str | None = None


class RecurringTemplate(SalesVoucher):
    """A recurring invoice template: invoice fields (no voucher date, number, status or
    shipping conditions) plus ``recurring_template_settings``. Read-only in the API."""

    recurring_template_settings: RecurringTemplateSettings | None = None
