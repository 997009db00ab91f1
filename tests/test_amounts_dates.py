"""Amounts and dates: raw -> expected tables, and properties (format then parse gives the value back)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spend.parse.amounts import (
    _PLAIN,
    AmountError,
    _parse_general,
    amount_from_number,
    parse_amount_pence,
)
from spend.core.money import format_pence, pence_to_decimal
from spend.parse.dates import DAY_FIRST, MONTH_FIRST, AmbiguityError, DateError, DateReader, decide_order

AMOUNTS = [
    ("£83,379.00", 8337900), ('67,132.60', 6713260), ("49,521.52 ", 4952152), ("(2,509,460.00)", -250946000),
    ("-85,260.00", -8526000), ("77,041", 7704100), ("35261.9", 3526190), ("1,874,708.40", 187470840),
    (" 30,930.12 ", 3093012), ("£(1,234.50)", -123450), ("120.00-", -12000), ("500.00CR", -50000),
    ("-.5", -50), ("0", 0), ("1234.565", 123457),
]


@pytest.mark.parametrize("raw,pence", AMOUNTS)
def test_amount_table(raw, pence):
    assert parse_amount_pence(raw)[0] == pence


@pytest.mark.parametrize("raw", ["", "   ", "n/a", "12.3.4", "£", "1,2a", "()"])
def test_not_amounts(raw):
    with pytest.raises(AmountError):
        parse_amount_pence(raw)


# The plain form takes a shortcut past the general rules; these pin it (pence, rounded).
PLAIN = [
    ("2998.48", (299848, False)), ("-85,260.00", (-8526000, False)), ("77,041", (7704100, False)),
    ("0", (0, False)), ("-0.00", (0, False)), ("007.50", (750, False)), ("1,,2.00", (1200, False)),
    ("5,", (500, False)), ("-0,5", (-500, False)), (" 1,874,708.40 ", (187470840, False)),
    ("123456789012345.67", (12345678901234567, False)), ("675.5", (67550, False)), ("-0.5", (-50, False)),
    ("1,234.5", (123450, False)),
]


@pytest.mark.parametrize("raw,expected", PLAIN)
def test_plain_amount_table(raw, expected):
    assert parse_amount_pence(raw) == expected
    assert _parse_general(raw.strip()) == expected  # the general rules agree


@given(st.from_regex(_PLAIN, fullmatch=True))
def test_the_plain_shortcut_agrees_with_the_general_rules(text):
    assert parse_amount_pence(text) == _parse_general(text)


def test_extra_decimals_are_rounded_and_flagged():
    assert parse_amount_pence("1234.565") == (123457, True)
    assert parse_amount_pence("1234.5600") == (123456, False)
    assert amount_from_number(0.1 + 0.2) == (30, False)  # float noise is not a published digit
    assert amount_from_number(1697956.3) == (169795630, False)


pence_values = st.integers(min_value=-10**13, max_value=10**13)


def _published(pence: int, style: int) -> str:
    """Write an amount the ways publishers do."""
    text = format_pence(abs(pence))
    whole, frac = text.split(".")
    grouped = f"{int(whole):,}.{frac}"
    forms = [text, grouped, f"£{grouped}", f'{grouped} ', f"({grouped})" if pence < 0 else grouped]
    out = forms[style]
    if pence < 0 and not out.startswith("("):
        out = "-" + out
    return out


@given(pence_values, st.integers(min_value=0, max_value=4))
def test_amount_format_then_parse_round_trips(pence, style):
    assert parse_amount_pence(_published(pence, style)) == (pence, False)


@given(pence_values)
def test_amount_parsing_is_idempotent(pence):
    once = parse_amount_pence(_published(pence, 1))[0]
    assert parse_amount_pence(format_pence(once))[0] == once
    assert pence_to_decimal(once) == Decimal(format_pence(once))


DATES = [
    ("30-Apr-20", None, dt.date(2020, 4, 30)), ("31/10/2020", DAY_FIRST, dt.date(2020, 10, 31)),
    ("03-NOV-2010", None, dt.date(2010, 11, 3)), ("44187", None, dt.date(2020, 12, 22)),
    ("41247.0", None, dt.date(2012, 12, 4)), ("4/30/2020", MONTH_FIRST, dt.date(2020, 4, 30)),
    ("2020-12-02", None, dt.date(2020, 12, 2)), ("2020-12-02 00:00:00", None, dt.date(2020, 12, 2)),
    ("06-Dec-10", None, dt.date(2010, 12, 6)), ("28/02/21", DAY_FIRST, dt.date(2021, 2, 28)),
    ("5/5/2020", None, dt.date(2020, 5, 5)),
]


@pytest.mark.parametrize("raw,order,expected", DATES)
def test_date_table(raw, order, expected):
    assert DateReader(default=order)(raw) == expected


@pytest.mark.parametrize("raw", ["", "31/02/2020", "Apr 2020", "12345", "00:00:00", "32-Jan-20", "30-Foo-20"])
def test_not_dates(raw):
    with pytest.raises(DateError):
        DateReader(default=DAY_FIRST)(raw)


def test_order_is_decided_per_shape_from_the_whole_column():
    assert decide_order({"01/04/2020", "13/04/2020"}) == {"/4": DAY_FIRST}
    assert decide_order({"4/1/2020", "4/30/2020"}) == {"/4": MONTH_FIRST}
    assert decide_order({"28/02/21", "2/28/2021"}) == {"/2": DAY_FIRST, "/4": MONTH_FIRST}
    assert decide_order({"05/05/2020", "30-Apr-20"}) == {"/4": None}
    with pytest.raises(AmbiguityError):
        decide_order({"01/04/2020", "03/04/2020"})
    with pytest.raises(DateError, match="both orders"):
        decide_order({"13/01/2020", "01/13/2020"})


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2069, 12, 31))


@given(dates)
def test_date_format_then_parse_round_trips(d):
    assert DateReader(default=DAY_FIRST)(d.strftime("%d/%m/%Y")) == d
    assert DateReader(default=MONTH_FIRST)(f"{d.month}/{d.day}/{d.year}") == d
    assert DateReader()(d.strftime("%d-%b-%y")) == d
    assert DateReader()(d.strftime("%d-%b-%Y").upper()) == d
    assert DateReader()(d.isoformat()) == d
    serial = (d - dt.date(1899, 12, 30)).days
    if 30000 <= serial <= 60000:
        assert DateReader()(str(serial)) == d


@given(dates)
def test_the_column_order_decision_never_contradicts_a_day_over_twelve(d):
    if d.day > 12:
        assert decide_order({d.strftime("%d/%m/%Y")}) == {"/4": DAY_FIRST}
        assert decide_order({f"{d.month}/{d.day}/{d.year}"}) == {"/4": MONTH_FIRST}


_AMOUNT_TEXT = st.one_of(
    st.from_regex(r" {0,2}-?[0-9][0-9,]{0,12}(\.[0-9]{0,3})? {0,2}", fullmatch=True),
    st.from_regex(r"\(?£?-?[0-9,]{1,9}(\.[0-9]{1,4})?\)?(CR|-)?", fullmatch=True),
    st.text(alphabet=" \t\u00a0-.,0123456789£()abcCR", max_size=12),
)


@given(st.lists(_AMOUNT_TEXT, max_size=40))
def test_reading_a_column_of_amounts_at_once_agrees_with_one_at_a_time(texts):
    import pyarrow as pa

    from spend.parse import columns as parse

    # Force the column-wise path (short columns are read one by one, which is parse_amount_pence itself).
    saved, parse._FEW_AMOUNTS = parse._FEW_AMOUNTS, 0
    try:
        together = parse.read_amounts(pa.array(texts, pa.string()))
    finally:
        parse._FEW_AMOUNTS = saved
    for text, got in zip(texts, together):
        try:
            pence, rounded = parse_amount_pence(text)
        except AmountError as e:
            assert isinstance(got, AmountError) and str(got) == str(e), text
        else:
            assert got == (pence, rounded, pence_to_decimal(pence)), text
