"""The typed async lexoffice API client: contacts, invoices, event subscriptions, errors.

Example:
    >>> from lexoffice_auth.api import LexofficeClient, Contact, Invoice
"""

from __future__ import annotations

from ._client import DEFAULT_BASE_URL, LexofficeClient
from ._contacts import ContactsApi, escape_search
from ._events import EventSubscription, EventSubscriptionList, EventSubscriptionsApi
from ._invoices import SEARCH_WINDOW, InvoicesApi
from ._models import (
    ActionResult,
    Address,
    Addresses,
    Company,
    Contact,
    ContactPerson,
    ContactRole,
    ContactRoles,
    EmailAddresses,
    Invoice,
    InvoiceAddress,
    InvoiceFile,
    LexofficeModel,
    LineItem,
    Money,
    Page,
    PaymentConditions,
    PaymentDiscountConditions,
    Person,
    PhoneNumbers,
    Profile,
    ShippingConditions,
    TaxAmount,
    TaxConditions,
    TotalPrice,
    UnitPrice,
    VoucherListItem,
    XRechnung,
    format_lexoffice_datetime,
)
from ._pacing import RateLimiter, RedisRateLimiter, TokenBucket
from ._retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "SEARCH_WINDOW",
    "ActionResult",
    "Address",
    "Addresses",
    "Company",
    "Contact",
    "ContactPerson",
    "ContactRole",
    "ContactRoles",
    "ContactsApi",
    "EmailAddresses",
    "EventSubscription",
    "EventSubscriptionList",
    "EventSubscriptionsApi",
    "Invoice",
    "InvoiceAddress",
    "InvoiceFile",
    "InvoicesApi",
    "LexofficeClient",
    "LexofficeModel",
    "LineItem",
    "Money",
    "Page",
    "PaymentConditions",
    "PaymentDiscountConditions",
    "Person",
    "PhoneNumbers",
    "Profile",
    "RateLimiter",
    "RedisRateLimiter",
    "RetryPolicy",
    "ShippingConditions",
    "TaxAmount",
    "TaxConditions",
    "TokenBucket",
    "TotalPrice",
    "UnitPrice",
    "VoucherListItem",
    "XRechnung",
    "escape_search",
    "format_lexoffice_datetime",
]
