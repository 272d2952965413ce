"""Reference §3c's consistent world: the request bodies of its scenarios, verbatim."""

from __future__ import annotations

import copy
from typing import Any

from lexoffice_auth.testing import FakeLexoffice

HUBER_NAME = "Bäckerei Huber GmbH & Co. KG"
THERME = "bb9b16c2-8677-4b34-b3e3-1a63c88214f8"
MONTAGE = "2f21c1de-c781-4bb0-9e4d-1c3e64ddbc55"

CREDIT_NOTE: dict[str, Any] = {
    "voucherDate": "2025-09-24T00:00:00.000+02:00",
    "address": {
        "name": "Anna Schmidt",
        "street": "Hauptstraße 5",
        "zip": "10115",
        "city": "Berlin",
        "countryCode": "DE",
    },
    "lineItems": [
        {
            "type": "custom",
            "name": "Thermostatkopf (Rücknahme)",
            "quantity": 2,
            "unitName": "Stück",
            "unitPrice": {"currency": "EUR", "netAmount": 24.90, "taxRatePercentage": 19},
        },
        {
            "type": "custom",
            "name": "Fachbuch Heizungstechnik",
            "quantity": 1,
            "unitName": "Stück",
            "unitPrice": {"currency": "EUR", "netAmount": 39.00, "taxRatePercentage": 7},
        },
    ],
    "totalPrice": {"currency": "EUR"},
    "taxConditions": {"taxType": "net"},
    "title": "Gutschrift",
    "introduction": "Gutschrift zu Ihrer Rücksendung vom 19.09.2025",
}

_LINES = [
    {
        "id": THERME,
        "type": "material",
        "name": "Gas-Brennwerttherme 25 kW",
        "quantity": 1,
        "unitName": "Stück",
        "unitPrice": {"currency": "EUR", "netAmount": 3450.00, "taxRatePercentage": 19},
        "discountPercentage": 0,
    },
    {
        "id": MONTAGE,
        "type": "service",
        "name": "Installation Heiztechnik",
        "quantity": 8,
        "unitName": "Stunde",
        "unitPrice": {"currency": "EUR", "netAmount": 68.00, "taxRatePercentage": 19},
        "discountPercentage": 0,
    },
]
_SHIPPING = {"shippingDate": "2025-10-06T00:00:00.000+02:00", "shippingType": "delivery"}


def order_confirmation(contact_id: str) -> dict[str, Any]:
    """§3c's order confirmation AB1007 for HUBER."""
    return {
        "voucherDate": "2025-09-22T00:00:00.000+02:00",
        "address": {"contactId": contact_id},
        "lineItems": copy.deepcopy(_LINES),
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
        "paymentConditions": {
            "paymentTermLabel": "Zahlbar in 14 Tagen, rein netto",
            "paymentTermDuration": 14,
        },
        "shippingConditions": dict(_SHIPPING),
        "title": "Auftragsbestätigung",
        "deliveryTerms": "Lieferung frei Baustelle",
    }


def delivery_note(contact_id: str) -> dict[str, Any]:
    """§3c's delivery note LS1005 (no prices)."""
    return {
        "voucherDate": "2025-10-06T00:00:00.000+02:00",
        "address": {"contactId": contact_id},
        "lineItems": [
            {
                "id": THERME,
                "type": "material",
                "name": "Gas-Brennwerttherme 25 kW",
                "quantity": 1,
                "unitName": "Stück",
            }
        ],
        "taxConditions": {"taxType": "net"},
        "title": "Lieferschein",
        "deliveryTerms": "Lieferung frei Baustelle",
    }


def invoice(contact_id: str) -> dict[str, Any]:
    """§3c's invoice RE1042: the order confirmation's lines, address and conditions."""
    body = order_confirmation(contact_id)
    body.pop("deliveryTerms")
    body["voucherDate"] = "2025-10-06T00:00:00.000+02:00"
    body["title"] = "Rechnung"
    return body


def dunning(contact_id: str) -> dict[str, Any]:
    """§3c's first dunning for RE1042."""
    lines = copy.deepcopy(_LINES)
    for line in lines:
        line.pop("discountPercentage")
    return {
        "voucherDate": "2025-10-27T00:00:00.000+01:00",
        "address": {"contactId": contact_id},
        "lineItems": lines,
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
        "shippingConditions": dict(_SHIPPING),
        "title": "1. Mahnung",
    }


def quotation(contact_id: str, *, optional_line: bool = True) -> dict[str, Any]:
    """§3c's quotation AG1011 (gross prices, one optional line)."""
    lines: list[dict[str, Any]] = [
        {
            "type": "custom",
            "name": "Wartungsvertrag Heizungsanlage (12 Monate)",
            "quantity": 1,
            "unitName": "Pauschale",
            "unitPrice": {"currency": "EUR", "grossAmount": 297.50, "taxRatePercentage": 19},
        }
    ]
    if optional_line:
        lines.append(
            {
                "type": "custom",
                "name": "Abgasmessung",
                "quantity": 1,
                "unitName": "Pauschale",
                "unitPrice": {"currency": "EUR", "grossAmount": 59.50, "taxRatePercentage": 19},
                "optional": True,
            }
        )
    return {
        "voucherDate": "2025-09-15T00:00:00.000+02:00",
        "expirationDate": "2025-10-15T00:00:00.000+02:00",
        "address": {"contactId": contact_id},
        "lineItems": lines,
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "gross"},
        "title": "Angebot",
    }


VOUCHER: dict[str, Any] = {
    "type": "salesinvoice",
    "voucherNumber": "KA-2025-0915",
    "voucherDate": "2025-09-15",
    "dueDate": "2025-09-15",
    "totalGrossAmount": 172.50,
    "totalTaxAmount": 22.50,
    "taxType": "gross",
    "useCollectiveContact": True,
    "contactName": "Barverkauf Ladengeschäft",
    "remark": "Tagesumsatz Ersatzteile 15.09.2025",
    "voucherItems": [
        {
            "amount": 119.00,
            "taxAmount": 19.00,
            "taxRatePercent": 19,
            "categoryId": "8f8664a8-fd86-11e1-a21f-0800200c9a66",
        },
        {
            "amount": 53.50,
            "taxAmount": 3.50,
            "taxRatePercent": 7,
            "categoryId": "8f8664a8-fd86-11e1-a21f-0800200c9a66",
        },
    ],
}


def add_huber(fake: FakeLexoffice, **extra: Any) -> str:
    """HUBER: a customer with a billing address in München."""
    return fake.add_contact(
        {
            "version": 0,
            "roles": {"customer": {}},
            "company": {"name": HUBER_NAME},
            "addresses": {
                "billing": [
                    {
                        "street": "Lindenstraße 12",
                        "zip": "80331",
                        "city": "München",
                        "countryCode": "DE",
                    }
                ]
            },
            **extra,
        }
    )
