"""``client.countries``: lexoffice's ``/v1/countries`` (reference §3b)."""

from __future__ import annotations

from ._resource import ListAll
from .models import Country

__all__ = ["CountriesApi"]


class CountriesApi(ListAll[Country]):
    """Countries and their tax classification: ``list()`` (one plain array)."""

    path = "/v1/countries"
    model = Country
