"""Money: exact pounds and pence, summed and written one way everywhere.

Amounts are integer pence or `Decimal` pounds with two places; never floats (a chart converts to float
only to place a bar). How a published amount is *read* is `spend.parse.amounts`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Stored amounts are DECIMAL(18, 2) (Parquet and DuckDB): eighteen digits, two of them pence, so an amount is
# under £10^16 either way. The parser refuses a published amount beyond that as its row, not the store.
AMOUNT_DIGITS = 18
AMOUNT_LIMIT_PENCE = 10 ** AMOUNT_DIGITS  # exclusive: |pence| must be below it


def pence_to_decimal(pence: int) -> Decimal:
    """Integer pence -> Decimal pounds with exactly two places."""
    return Decimal(pence).scaleb(-2).quantize(CENT)


def format_pence(pence: int) -> str:
    """Integer pence -> '-2509460.00' (the canonical CSV form)."""
    sign = "-" if pence < 0 else ""
    p = abs(pence)
    return f"{sign}{p // 100}.{p % 100:02d}"


def is_blank(value) -> bool:
    """None or NaN: a missing amount."""
    return value is None or (isinstance(value, float) and value != value)


def money_sum(values: Iterable) -> Decimal:
    """The exact sum of Decimal amounts (None and NaN skipped), to the penny."""
    total = ZERO
    for v in values:
        if is_blank(v):
            continue
        total += v if isinstance(v, Decimal) else Decimal(str(v))
    return total.quantize(CENT)


def format_gbp(amount: Decimal | int | float | None, *, pence: bool = True) -> str:
    """'£1,234,567.89' (or '£1,234,568' with pence=False); negatives as '-£1,234.00'; '' for a blank."""
    if is_blank(amount):
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.2f}" if pence else f"{abs(value):,.0f}"
    return f"{sign}£{text}"
