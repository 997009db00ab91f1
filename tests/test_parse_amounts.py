"""Amounts as published -> exact pence: raw -> expected tables, and properties (format then parse gives the
value back; the column-wise reader agrees with the one-at-a-time parser)."""

from __future__ import annotations

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
import spend.parse.file  # noqa: F401  loaded here, so its import time is not counted in a hypothesis deadline

AMOUNTS = [
    ("£83,379.00", 8337900), ('67,132.60', 6713260), ("49,521.52 ", 4952152), ("(2,509,460.00)", -250946000),
    ("-85,260.00", -8526000), ("77,041", 7704100), ("35261.9", 3526190), ("1,874,708.40", 187470840),
    (" 30,930.12 ", 3093012), ("£(1,234.50)", -123450), ("120.00-", -12000), ("500.00CR", -50000),
    ("-.5", -50), ("0", 0), ("12.500", 1250), ("500.00DR", 50000),
    # Excel's accounting format prints the minus apart from the number; some exports write U+2010 for it.
    ("-   25,275.79", -2527579), ("\u201025,275.79", -2527579), ("\u2212 25,275.79", -2527579),
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
    ("0", (0, False)), ("-0.00", (0, False)), ("007.50", (750, False)), (" 1,874,708.40 ", (187470840, False)),
    ("123456789012345.67", (12345678901234567, False)), ("675.5", (67550, False)), ("-0.5", (-50, False)),
    ("1,234.5", (123450, False)),
]


@pytest.mark.parametrize("raw,expected", PLAIN)
def test_plain_amount_table(raw, expected):
    assert parse_amount_pence(raw) == expected
    assert _parse_general(raw.strip()) == expected  # the general rules agree


def _outcome(read, text):
    try:
        return read(text)
    except AmountError as e:
        return str(e)


@given(st.from_regex(_PLAIN, fullmatch=True))
def test_the_plain_shortcut_agrees_with_the_general_rules(text):
    # The same amount, or the same refusal (past the store's range).
    assert _outcome(parse_amount_pence, text) == _outcome(_parse_general, text)


def test_digits_past_the_penny_are_refused_unless_zeros_or_float_noise():
    with pytest.raises(AmountError, match="digits past the penny: '1234.565'"):
        parse_amount_pence("1234.565")
    assert parse_amount_pence("1234.5600") == (123456, False)  # exact
    assert parse_amount_pence("1234.5600000000001") == (123456, True)  # a program's float noise: rounded, flagged
    assert parse_amount_pence("0.30000000000000004") == (30, True)
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


# --- Excel numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (67132.6, (6713260, False)),  # the shortest repr: 67132.6 is 67,132.60
    (-3457.18, (-345718, False)), (298800, (29880000, False)), (0, (0, False)),
    (1234.565, (123457, True)),  # a real third decimal: rounded half up, and flagged
    (-0.005, (-1, True)),
])
def test_excel_number_table(value, expected):
    assert amount_from_number(value) == expected


@pytest.mark.parametrize("value", [True, False, float("nan"), float("inf"), float("-inf")])
def test_excel_values_that_are_not_amounts(value):
    with pytest.raises(AmountError, match="amount not a number"):
        amount_from_number(value)


@given(pence_values)
def test_an_excel_number_of_whole_pence_reads_back_exactly(pence):
    assert amount_from_number(float(format_pence(pence))) == (pence, False)


# --- signs and currency marks -----------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=10**13))
def test_every_way_of_writing_a_credit_gives_the_same_negative(pence):
    grouped = _published(pence, 1)
    expected = (-pence, False)
    forms = [f"-{grouped}", f"({grouped})", f"{grouped}-", f"{grouped}CR", f"{grouped} cr", f"£({grouped})",
             f"-£{grouped}", f" ({grouped}) "]
    assert {form: parse_amount_pence(form) for form in forms} == dict.fromkeys(forms, expected)


@pytest.mark.parametrize("raw, pence", [
    ("£ 1,234.00", 123400), ("1,234.00 GBP", 123400), ("GBP 1,234.00", 123400),
    ("\u00a01,234.00\u00a0", 123400),  # non-breaking spaces from a spreadsheet export
    ("+5.00", 500),
])
def test_currency_marks_and_separators_are_dropped(raw, pence):
    assert parse_amount_pence(raw) == (pence, False)


@pytest.mark.parametrize("raw", ["1e3", "0x10", "1,234.56.", "١٢٣", "１２３", "five pounds", "£-"])
def test_other_numbers_are_not_amounts(raw):
    with pytest.raises(AmountError, match="amount not a number"):
        parse_amount_pence(raw)


def _refused(text: str) -> bool:
    try:
        parse_amount_pence(text)
    except AmountError:
        return True
    return False


@pytest.mark.parametrize("raw, why", [
    ("57,337.73 945910603", "two numbers in one amount cell"),  # DESIGN.md: an amount beside a VAT number in a PDF
    ("1 234,56", "two numbers in one amount cell"),  # digit groups split by a space
    ("1.234,56", "decimal comma"), ("12.345,67", "decimal comma"), ("25,00", "decimal comma"), ("-0,5", "decimal comma"),
    ("1,,2.00", "commas out of place"), ("5,", "commas out of place"), ("5'000.00", "not a number"),
    ("1234.565", "digits past the penny"), ("57,337.73945910603", "digits past the penny"),
    ("$12.00", "not in pounds"), ("€5", "not in pounds"), ("12.00 EUR", "not in pounds"),
    ("--5", "more than one sign"), ("(-5.00)", "more than one sign"),
])
def test_text_that_is_not_one_amount_is_refused_not_guessed(raw, why):
    assert _refused(raw)
    with pytest.raises(AmountError, match=why):
        parse_amount_pence(raw)
