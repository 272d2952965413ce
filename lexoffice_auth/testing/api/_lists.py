"""The plain-array resources: countries, payment-conditions, posting-categories, print-layouts.

Seeded with the values of reference §3c; tests may edit ``state.lists[...]``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing._state import SandboxState
from lexoffice_auth.testing.api._call import Call

__all__ = ["DEFAULT_LISTS", "plain_array", "seed_lists"]

DEFAULT_LISTS: dict[str, list[dict[str, Any]]] = {
    "countries": [
        {
            "countryCode": "DE",
            "countryNameDE": "Deutschland",
            "countryNameEN": "Germany",
            "taxClassification": "de",
        },
        {
            "countryCode": "AT",
            "countryNameDE": "Österreich",
            "countryNameEN": "Austria",
            "taxClassification": "intraCommunity",
        },
        {
            "countryCode": "CH",
            "countryNameDE": "Schweiz",
            "countryNameEN": "Switzerland",
            "taxClassification": "thirdPartyCountry",
        },
    ],
    "payment-conditions": [
        {
            "id": "a00d9fed-76a9-41ef-952b-ffa974e81b77",
            "paymentTermLabelTemplate": "Zahlbar in {paymentRange} Tagen, rein netto",
            "paymentTermDuration": 14,
            "organizationDefault": True,
        },
        {
            "id": "7fc49078-eefa-474e-af28-71b0c1b0e5ac",
            "paymentTermLabelTemplate": (
                "{discountRange} Tage -{discount}, {paymentRange} Tage netto"
            ),
            "paymentTermDuration": 30,
            "paymentDiscountConditions": {"discountPercentage": 2.00, "discountRange": 10},
            "organizationDefault": False,
        },
    ],
    "posting-categories": [
        {
            "id": "8f8664a8-fd86-11e1-a21f-0800200c9a66",
            "name": "Warenverkäufe",
            "type": "income",
            "contactRequired": False,
            "splitAllowed": True,
            "groupName": "Einnahmen",
        },
        {
            "id": "8f8664a0-fd86-11e1-a21f-0800200c9a66",
            "name": "Dienstleistung",
            "type": "income",
            "contactRequired": False,
            "splitAllowed": True,
            "groupName": "Einnahmen",
        },
        {
            "id": "3620798f-ae06-4492-b775-1c87eb99247c",
            "name": "Fahrtkosten MA",
            "type": "outgo",
            "contactRequired": False,
            "splitAllowed": True,
            "groupName": "Reisen",
        },
    ],
    "print-layouts": [
        {"id": "4d2e24ad-5668-4c88-ac25-acbfe9c9db99", "name": "Standard", "default": True},
        {
            "id": "0ebbaedc-9218-464f-b098-9708931fb284",
            "name": "Briefpapier mit Logo",
            "default": False,
        },
    ],
}
"""The seeded arrays (reference §3c's fixture values)."""


def seed_lists(state: SandboxState) -> None:
    """Give ``state`` its own copy of the default arrays."""
    for name, rows in DEFAULT_LISTS.items():
        state.lists[name] = copy.deepcopy(rows)


def plain_array(name: str) -> Callable[[Call], Response]:
    """The ``GET /v1/{name}`` handler: the array itself, no paging envelope."""

    def handler(call: Call) -> Response:
        return json_response(200, call.state.lists.get(name, []))

    return handler
