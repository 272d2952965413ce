"""Recurring invoice templates (``/v1/recurring-templates``, read-only, §3b.17)."""

from __future__ import annotations

from ._base import LexDate, LexofficeModel
from ._sales import Priced, WithPaymentTerms

__all__ = ["RecurringTemplate", "RecurringTemplateSettings"]


class RecurringTemplateSettings(LexofficeModel):
    """When and how invoices are generated (read-only as a whole).

    The dates are days (``yyyy-MM-dd``). ``start_date`` ``None`` means paused. With
    ``finalize`` true the generated invoices are finalized **and e-mailed** to the
    customer. ``execution_interval``: WEEKLY, BIWEEKLY, MONTHLY, QUARTERLY, BIANNUALLY or
    ANNUALLY; ``execution_status``: ACTIVE, PAUSED or ENDED (there is no error state:
    see ``last_execution_failed``).
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


class RecurringTemplate(Priced, WithPaymentTerms):
    """A recurring invoice template (read-only in the API): invoice fields without voucher
    date, due date, number, status, shipping conditions or files, plus
    ``recurring_template_settings``. Its address is always a contact.

    List rows are trimmed by lexoffice (id, title, dates, address, totals, payment
    conditions, settings); ``client.recurring_templates.get(id)`` has everything.
    """

    read_only = frozenset({"recurring_template_settings"})
    recurring_template_settings: RecurringTemplateSettings | None = None
