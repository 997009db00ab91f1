"""Dates as published -> datetime.date: raw -> expected tables, the per-column order decision, and
properties (format then parse gives the date back)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spend.parse.dates import DAY_FIRST, MONTH_FIRST, AmbiguityError, DateError, DateReader, decide_order

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
