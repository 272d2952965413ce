"""The typed async lexoffice API client: every resource, one shape, typed models, errors.

``LexofficeClient`` has one attribute per lexoffice resource (``articles``, ``contacts``,
``invoices``, ``quotations``, ``vouchers``, ...); each offers only the operations the API
has for it (``get``, ``create``, ``update``/``modify``, ``delete``, ``list``, ``pursue``,
``download``, ...). Every ``list(...)`` returns a ``Pager``: ``await`` it for one
``Page``, or ``async for`` over every item.

Example:
    >>> from lexoffice_auth.api import LexofficeClient, Contact, Invoice, Quotation
"""

from __future__ import annotations

from typing import Any

from ..rules import deprecated_alias
from . import models as _models
from ._articles import ArticlesApi
from ._client import (
    API_BASE_URL,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_JSON_BYTES,
    LexofficeClient,
)
from ._contacts import ContactsApi, escape_search
from ._countries import CountriesApi
from ._credit_notes import CreditNotesApi
from ._delivery_notes import DeliveryNotesApi
from ._down_payment_invoices import DownPaymentInvoicesApi
from ._dunnings import DunningsApi
from ._events import EventSubscriptionsApi
from ._files import FilesApi
from ._invoices import InvoicesApi
from ._order_confirmations import OrderConfirmationsApi
from ._pacing import RateLimiter, RedisRateLimiter, TokenBucket
from ._pager import Pager
from ._payment_conditions import PaymentConditionsApi
from ._payments import PaymentsApi
from ._posting_categories import PostingCategoriesApi
from ._print_layouts import PrintLayoutsApi
from ._quotations import QuotationsApi
from ._recurring_templates import RecurringTemplatesApi
from ._resource import Resource
from ._retry import RetryPolicy
from ._uploads import MAX_UPLOAD_BYTES, UPLOAD_CONTENT_TYPES
from ._voucherlist import SEARCH_WINDOW, VOUCHER_STATUSES, VOUCHER_TYPES, VoucherlistApi
from ._vouchers import VouchersApi
from .models import *  # noqa: F403  (the models; their names come from models.__all__)

__all__ = [
    "API_BASE_URL",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_MAX_JSON_BYTES",
    "MAX_UPLOAD_BYTES",
    "SEARCH_WINDOW",
    "UPLOAD_CONTENT_TYPES",
    "VOUCHER_STATUSES",
    "VOUCHER_TYPES",
    "ArticlesApi",
    "ContactsApi",
    "CountriesApi",
    "CreditNotesApi",
    "DeliveryNotesApi",
    "DownPaymentInvoicesApi",
    "DunningsApi",
    "EventSubscriptionsApi",
    "FilesApi",
    "InvoicesApi",
    "LexofficeClient",
    "OrderConfirmationsApi",
    "Pager",
    "PaymentConditionsApi",
    "PaymentsApi",
    "PostingCategoriesApi",
    "PrintLayoutsApi",
    "QuotationsApi",
    "RateLimiter",
    "RecurringTemplatesApi",
    "RedisRateLimiter",
    "Resource",
    "RetryPolicy",
    "TokenBucket",
    "VoucherlistApi",
    "VouchersApi",
    "escape_search",
    *_models.__all__,
]

InvoiceFile = _models.DownloadedFile
"""The 0.2 name of ``DownloadedFile`` (what ``invoices.download`` returns)."""
__all__ += ["InvoiceFile"]


# Names kept one release after a rename (removed in 0.4): the old name still works and warns.
_RENAMED = {"DEFAULT_BASE_URL": "API_BASE_URL"}


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        return deprecated_alias(__name__, name, _RENAMED[name], globals())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
