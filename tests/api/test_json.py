"""``decode_model``'s choice between pydantic's fast path and the exact one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lexoffice_auth.api import UnitPrice
from lexoffice_auth.api._json import _needs_care, decode_model


@pytest.mark.parametrize(
    ("body", "careful"),
    [
        (b'{"netAmount":3450.10,"id":"6925b6bc-7560-430a-ab9b-cd375e2af04d"}', False),
        (b'{"netAmount":123456789012345}', False),  # 15 digits: a double holds them
        (b'{"netAmount":1234567890.123456}', True),  # 16 digits and a dot
        (b'{"netAmount":.123456789012345.}', True),  # a run of dots and digits: careful
        (b'{"netAmount":NaN}', True),
        (b'{"netAmount":-Infinity}', True),
    ],
)
def test_long_digit_runs_and_non_numbers_take_the_careful_path(body: bytes, careful: bool) -> None:
    assert _needs_care(body) is careful


def test_a_number_longer_than_a_double_is_kept_exact() -> None:
    price = decode_model(UnitPrice, b'{"netAmount":1234567890.1234567891,"taxRatePercentage":19}')
    assert price.net_amount == Decimal("1234567890.1234567891")


def test_nan_is_refused_not_read() -> None:
    with pytest.raises(ValueError, match="NaN"):
        decode_model(UnitPrice, b'{"netAmount":NaN}')
