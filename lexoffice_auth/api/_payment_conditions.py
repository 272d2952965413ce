"""``client.payment_conditions``: lexoffice's ``/v1/payment-conditions`` (reference §3b)."""

from __future__ import annotations

from ._resource import ListAll
from .models import PaymentCondition

__all__ = ["PaymentConditionsApi"]


class PaymentConditionsApi(ListAll[PaymentCondition]):
    """The organisation's payment conditions: ``list()`` (one plain array; exactly one is
    the default)."""

    path = "/v1/payment-conditions"
    model = PaymentCondition
