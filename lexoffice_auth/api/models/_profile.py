"""``GET /v1/profile`` and ``GET /v1/ping`` (§3b.15, §3b.21)."""

from __future__ import annotations

from ._base import LexDateTime, LexofficeModel

__all__ = ["Ping", "Profile", "ProfileCreator"]


class ProfileCreator(LexofficeModel):
    """Who created the organisation's account."""

    user_id: str | None = None
    user_name: str | None = None
    user_email: str | None = None
    date: LexDateTime | None = None


class Profile(LexofficeModel):
    """The organisation behind the credential (more fields are kept).

    ``distance_sales_principle`` (``ORIGIN`` or ``DESTINATION``) is ``None`` until the user
    sets it; ``business_features`` gates XRechnung, English documents and print layouts.
    """

    organization_id: str | None = None
    company_name: str | None = None
    created: ProfileCreator | None = None
    connection_id: str | None = None
    """The OAuth connection (``token.revoked`` events name it as their ``resourceId``)."""
    tax_type: str | None = None
    distance_sales_principle: str | None = None
    business_features: list[str] | None = None
    small_business: bool | None = None


class Ping(LexofficeModel):
    """``GET /v1/ping``: the e-mail address of the user behind the credential."""

    user_email: str | None = None
