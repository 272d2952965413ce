"""``GET /v1/profile`` and ``GET /v1/ping``."""

from __future__ import annotations

from httpx import Response

from lexoffice_auth.testing._responses import format_datetime, json_response
from lexoffice_auth.testing.api._call import Call

__all__ = ["ping", "profile"]


def profile(call: Call) -> Response:
    """The organisation, the calling user and connection, the business features."""
    state, who = call.state, call.who
    return json_response(
        200,
        {
            "organizationId": state.organization_id,
            "companyName": state.company_name,
            "created": {
                "userId": who.user.sub,
                "userName": who.user.name,
                "userEmail": who.user.email,
                "date": format_datetime(state.created_at),
            },
            "connectionId": who.connection_id,
            "features": ["cashbox"],
            "businessFeatures": ["INVOICING", "BOOKKEEPING"],
            "subscriptionStatus": "active",
            "taxType": "net",
            "smallBusiness": False,
        },
    )


def ping(call: Call) -> Response:
    """``{"userEmail": ...}`` of the caller."""
    return json_response(200, {"userEmail": call.who.user.email})
