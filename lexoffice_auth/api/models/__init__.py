"""The models of every lexoffice resource, one module per resource group.

Everything here is re-exported by ``lexoffice_auth.api``.
"""

from __future__ import annotations

from ._articles import (
    Article,
    ArticlePrice,
)
from ._base import (
    ActionResult,
    DownloadedFile,
    LexDate,
    LexDateTime,
    LexofficeModel,
    Money,
    Page,
    format_lexoffice_datetime,
)
from ._contacts import (
    Address,
    Addresses,
    Company,
    Contact,
    ContactPerson,
    ContactRole,
    ContactRoles,
    EmailAddresses,
    Person,
    PhoneNumbers,
    XRechnung,
)
from ._documents import (
    CreditNote,
    DeliveryNote,
    DownPaymentInvoice,
    Dunning,
    OrderConfirmation,
    Quotation,
    QuotationLineItem,
    QuotationSubItem,
)
from ._events import (
    EventSubscription,
    EventSubscriptionList,
)
from ._invoices import (
    DownPaymentDeduction,
    Invoice,
    InvoiceAddress,
)
from ._payments import (
    Payment,
    PaymentItem,
)
from ._profile import (
    Ping,
    Profile,
    ProfileCreator,
)
from ._recurring_templates import (
    RecurringTemplate,
    RecurringTemplateSettings,
)
from ._references import (
    Country,
    PaymentCondition,
    PaymentConditionDiscount,
    PostingCategory,
    PrintLayout,
)
from ._sales import (
    LineItem,
    PaymentConditions,
    PaymentDiscountConditions,
    RelatedVoucher,
    SalesVoucher,
    ShippingConditions,
    TaxAmount,
    TaxConditions,
    TotalPrice,
    UnitPrice,
    VoucherAddress,
)
from ._voucherlist import (
    VoucherListItem,
)
from ._vouchers import (
    FileUpload,
    Voucher,
    VoucherItem,
)

__all__ = [
    "ActionResult",
    "Address",
    "Addresses",
    "Article",
    "ArticlePrice",
    "Company",
    "Contact",
    "ContactPerson",
    "ContactRole",
    "ContactRoles",
    "Country",
    "CreditNote",
    "DeliveryNote",
    "DownPaymentDeduction",
    "DownPaymentInvoice",
    "DownloadedFile",
    "Dunning",
    "EmailAddresses",
    "EventSubscription",
    "EventSubscriptionList",
    "FileUpload",
    "Invoice",
    "InvoiceAddress",
    "LexDate",
    "LexDateTime",
    "LexofficeModel",
    "LineItem",
    "Money",
    "OrderConfirmation",
    "Page",
    "Payment",
    "PaymentCondition",
    "PaymentConditionDiscount",
    "PaymentConditions",
    "PaymentDiscountConditions",
    "PaymentItem",
    "Person",
    "PhoneNumbers",
    "Ping",
    "PostingCategory",
    "PrintLayout",
    "Profile",
    "ProfileCreator",
    "Quotation",
    "QuotationLineItem",
    "QuotationSubItem",
    "RecurringTemplate",
    "RecurringTemplateSettings",
    "RelatedVoucher",
    "SalesVoucher",
    "ShippingConditions",
    "TaxAmount",
    "TaxConditions",
    "TotalPrice",
    "UnitPrice",
    "Voucher",
    "VoucherAddress",
    "VoucherItem",
    "VoucherListItem",
    "XRechnung",
    "format_lexoffice_datetime",
]
