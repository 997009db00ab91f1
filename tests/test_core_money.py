"""Money: exact sums, one way of writing pounds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spend.core.money import format_gbp, format_pence, money_sum, pence_to_decimal

D = Decimal


@pytest.mark.parametrize("amount, pence, text", [
    (D("1234567.89"), True, "£1,234,567.89"), (D("-2509460.00"), True, "-£2,509,460.00"),
    (D("0.5"), True, "£0.50"), (D("1234.5"), False, "£1,234"), (None, True, ""),
])
def test_format_gbp(amount, pence, text):
    assert format_gbp(amount, pence=pence) == text


def test_money_sum_is_exact():
    # 0.1 + 0.2 is not 0.3 in floats; in pence it is.
    assert money_sum([D("0.10"), D("0.20"), None, float("nan")]) == D("0.30")
    assert isinstance(money_sum([]), Decimal) and money_sum([]) == D("0.00")


@pytest.mark.parametrize("pence, text, pounds", [
    (0, "0.00", D("0.00")), (5, "0.05", D("0.05")), (-250946000, "-2509460.00", D("-2509460.00")),
    (123456789, "1234567.89", D("1234567.89")),
])
def test_pence_as_text_and_pounds(pence, text, pounds):
    assert format_pence(pence) == text
    assert pence_to_decimal(pence) == pounds and str(pence_to_decimal(pence)) == text
