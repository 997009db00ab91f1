"""Dates as published -> datetime.date: raw -> expected tables, the per-column order decision, and
properties (format then parse gives the date back)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spend.parse.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    AmbiguityError,
    DateError,
    DateReader,
    decide_order,
    describe_orders,
    numeric_shape,
    serial_to_date,
)

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


# --- real date columns ------------------------------------------------------------------------------------


def _date_column(realdata, relative):
    from spend.parse.headers import find_header
    from spend.parse.readers import read_csv_text

    rows = read_csv_text((realdata / relative).read_bytes(), relative).sheets[0].cells
    index, match = find_header(rows, relative, str)
    (column,) = [i for i, name in match.mapping.items() if name == "payment_date"]
    return [r[column] for r in rows[index + 1:] if len(r) > column and r[column].strip()]


@pytest.mark.parametrize("relative, orders, first, last", [
    # Redbridge February 2021: two exports in one column, 28/02/21 day-first and 2/28/2021 month-first.
    ("nhs-london-2020-21/NERD/NERD 11 - February.csv", {"/2": DAY_FIRST, "/4": MONTH_FIRST},
     dt.date(2021, 2, 28), dt.date(2021, 2, 28)),  # both exports say the same day
    ("nhs-london-2020-21/EPSH/EPSH 01 - April.csv", {"/4": MONTH_FIRST}, dt.date(2020, 4, 30), dt.date(2020, 4, 30)),
    # BBSRC: 01/11/2010 and 03-NOV-2010 in one column; the named dates need no order.
    ("central-government/1011-bbsrc-25k-spend-return.csv", {"/4": DAY_FIRST},
     dt.date(2010, 11, 1), dt.date(2010, 11, 30)),
    ("nhs-london-2020-21/CHWE/CHWE 01 - April.csv", {"/4": DAY_FIRST}, dt.date(2020, 4, 2), dt.date(2020, 4, 29)),
])
def test_real_date_columns_decide_their_order_and_read_within_the_month(realdata, relative, orders, first, last):
    values = _date_column(realdata, relative)
    assert decide_order(set(values)) == orders
    read = DateReader(orders=orders)
    dates = [read(v) for v in values]
    assert (min(dates), max(dates)) == (first, last)


# --- more forms, shapes and their descriptions ------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("30 April 2020", dt.date(2020, 4, 30)), ("1-Sept-20", dt.date(2020, 9, 1)), ("5 june, 2020", dt.date(2020, 6, 5)),
    ("31/10/2020 00:00", dt.date(2020, 10, 31)), ("2020-12-02T13:45:10.5", dt.date(2020, 12, 2)),
    ("31.10.2020", dt.date(2020, 10, 31)), ("43922", dt.date(2020, 4, 1)), ("30000", dt.date(1982, 2, 18)),
    (" 30-Apr-20 ", dt.date(2020, 4, 30)),
])
def test_more_date_forms(raw, expected):
    assert DateReader(default=DAY_FIRST)(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("29999", "not a date"), ("60001", "not a date"),  # serials outside 1982-2064 are more likely ids
    ("30-Sep-", "not a date"), ("30-Sepx-20", "unknown month"), ("29/02/2021", "not a calendar date"),
    ("2020-13-01", "not a calendar date"), ("   ", "date blank"),
])
def test_more_refusals(raw, message):
    with pytest.raises(DateError, match=message):
        DateReader(default=DAY_FIRST)(raw)


def test_an_order_sensitive_date_without_an_order_is_ambiguous():
    with pytest.raises(AmbiguityError) as e:
        DateReader()("01/04/2020")
    assert e.value.example == "01/04/2020"
    assert DateReader()("05/05/2020") == dt.date(2020, 5, 5)  # the same both ways: no order needed


def test_a_decided_order_per_shape_beats_the_default():
    read = DateReader(orders={"/4": MONTH_FIRST}, default=DAY_FIRST)
    assert read("4/30/2020") == dt.date(2020, 4, 30)
    assert read("01/04/20") == dt.date(2020, 4, 1)  # shape /2 is not decided: the default, day-first


@pytest.mark.parametrize("raw, shape", [
    ("28/02/21", (28, 2, "/2")), ("2/28/2021", (2, 28, "/4")), ("31-10-2020", (31, 10, "-4")),
    ("31.10.2020 00:00", (31, 10, ".4")), ("30-Apr-20", None), ("2020-12-02", None), ("44187", None),
])
def test_numeric_shape(raw, shape):
    assert numeric_shape(raw) == shape


@pytest.mark.parametrize("orders, described", [
    ({}, None), ({"/4": None}, None), ({"/4": DAY_FIRST}, DAY_FIRST), ({"/2": DAY_FIRST, "/4": DAY_FIRST}, DAY_FIRST),
    ({"/2": DAY_FIRST, "/4": MONTH_FIRST}, "day-first (a/b/yy), month-first (a/b/yyyy)"),
])
def test_describe_orders(orders, described):
    assert describe_orders(orders) == described


@pytest.mark.parametrize("serial, date", [(44187, dt.date(2020, 12, 22)), (41247.0, dt.date(2012, 12, 4)),
                                          (43922.75, dt.date(2020, 4, 1))])  # a time of day is dropped
def test_serial_to_date(serial, date):
    assert serial_to_date(serial) == date
