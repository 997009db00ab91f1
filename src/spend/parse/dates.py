"""Dates as published -> `datetime.date`, deciding day-first or month-first per column.

Forms seen in the corpus: `30-Apr-20`, `31/10/2020`, `03-NOV-2010`, `4/30/2020` (US order), Excel serials
(`44187`, `41247.0`), ISO dates from spreadsheet cells, and several of these in one column. A numeric
`a/b/yyyy` date is order-sensitive when a != b and both are <= 12; the order for the whole column is
decided by the values that are not (a first part over 12 means day-first, a second part over 12 means
month-first). A column with order-sensitive values and no such evidence is an error, not a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTHS.update({"sept": 9, "june": 6, "july": 7})
_FULL_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "august": 8, "september": 9,
                "october": 10, "november": 11, "december": 12}

_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NAMED = re.compile(r"^(\d{1,2})[-/ ]([A-Za-z]{3,9})[-/ ,]+(\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system, with its 1900 leap-year bug absorbed
# Serials between 1982 and 2064: anything outside is more likely an id than a date.
_SERIAL_MIN, _SERIAL_MAX = 30000, 60000

DAY_FIRST, MONTH_FIRST = "day-first", "month-first"


class DateError(ValueError):
    """The text is not a date we can read; the message becomes the reject reason."""


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:  # spend files start in 2010: a two-digit year is this century
        return 2000 + n
    return n


def _make(y: int, m: int, d: int, text: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise DateError(f"not a calendar date: {text!r}") from None


def numeric_shape(text: str) -> tuple[int, int, str] | None:
    """(first part, second part, shape) of an `a/b/yyyy` date; the shape is the separator and the
    year's length ('/4', '/2', '-4'), None for other forms.

    Order is decided per shape: Redbridge's February 2021 file mixes `28/02/21` (day-first) with
    `2/28/2021` (month-first), two exports with two conventions in one column.
    """
    m = _NUMERIC.match(text.strip())
    if not m:
        return None
    sep = text.strip()[len(m.group(1))]
    return int(m.group(1)), int(m.group(2)), f"{sep}{len(m.group(3))}"


def decide_order(values) -> dict[str, str | None]:
    """Decide day-first or month-first for each shape of numeric date in a column.

    Maps shape -> order (None when no value of that shape depends on the order). Raises `DateError`
    when one shape's evidence contradicts itself, and `AmbiguityError` when order-sensitive values
    of a shape have no evidence.
    """
    evidence = order_evidence(values)
    orders: dict[str, str | None] = {}
    for shape, seen in evidence.items():
        if DAY_FIRST in seen and MONTH_FIRST in seen:
            raise DateError(f"dates in both orders: {seen[DAY_FIRST]!r} is day-first, "
                            f"{seen[MONTH_FIRST]!r} is month-first")
        if DAY_FIRST in seen or MONTH_FIRST in seen:
            orders[shape] = DAY_FIRST if DAY_FIRST in seen else MONTH_FIRST
        elif "sensitive" in seen:
            raise AmbiguityError(seen["sensitive"])
        else:
            orders[shape] = None
    return orders


def order_evidence(values) -> dict[str, dict[str, str]]:
    """For each shape of numeric date, the first value that shows each order (a first part over 12 is
    day-first, a second part over 12 month-first) and the first that reads both ways ('sensitive')."""
    evidence: dict[str, dict[str, str]] = {}
    for v in values:
        parts = numeric_shape(v)
        if not parts:
            continue
        a, b, shape = parts
        seen = evidence.setdefault(shape, {})
        if a > 12 and b <= 12:
            seen.setdefault(DAY_FIRST, v)
        elif b > 12 and a <= 12:
            seen.setdefault(MONTH_FIRST, v)
        elif a != b and a <= 12 and b <= 12:
            seen.setdefault("sensitive", v)
    return evidence


def explain_orders(values, given: str | None = None) -> str:
    """Why the dates were read in the order they were, in words, for `spend parse --explain`."""
    if given:
        return f"{given}, as given (--date-order or the publisher registry)"
    parts = []
    for shape, seen in sorted(order_evidence(values).items()):
        form = f"a{shape[0]}b{shape[0]}{'y' * int(shape[1:])}"
        for order, why in ((DAY_FIRST, "its first part is over 12"), (MONTH_FIRST, "its second part is over 12")):
            if order in seen:
                parts.append(f"{order} for {form} dates: {seen[order]!r} ({why})")
        if DAY_FIRST not in seen and MONTH_FIRST not in seen:
            parts.append(f"{form} dates read the same either way")
    return "; ".join(parts) or "no dates that depend on the order (named months, ISO dates or serial numbers)"


def describe_orders(orders: dict[str, str | None]) -> str | None:
    """'day-first', 'month-first', or 'day-first (a/b/yy), month-first (a/b/yyyy)' for a report."""
    decided = {shape: o for shape, o in orders.items() if o}
    if not decided:
        return None
    if len(set(decided.values())) == 1:
        return next(iter(decided.values()))
    return ", ".join(f"{o} (a{sh[0]}b{sh[0]}{'y' * int(sh[1:])})" for sh, o in sorted(decided.items()))


class AmbiguityError(DateError):
    def __init__(self, example: str):
        self.example = example
        super().__init__(f"cannot tell day-first from month-first: every numeric date reads both ways (e.g. {example!r})")


@dataclass(frozen=True)
class DateReader:
    """Parse one column's values once the order of each numeric shape is decided.

    `orders` maps shape -> order (see `decide_order`); `default` is used for shapes not in it
    (a user's --date-order, or None to refuse order-sensitive values).
    """

    orders: dict = field(default_factory=dict)
    default: str | None = None

    def __call__(self, text: str) -> dt.date:
        s = str(text).strip()
        if not s:
            raise DateError("date blank")
        m = _NUMERIC.match(s)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
            order = self.orders.get(f"{s[len(m.group(1))]}{len(m.group(3))}") or self.default
            if order == MONTH_FIRST:
                return _make(y, a, b, s)
            if order is None and a != b and a <= 12 and b <= 12:
                raise AmbiguityError(s)
            return _make(y, b, a, s)
        m = _ISO.match(s)
        if m:
            return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
        m = _NAMED.match(s)
        if m:
            name = m.group(2).lower()
            month = _MONTHS.get(name) or _FULL_MONTHS.get(name)
            if month is None:
                raise DateError(f"unknown month in date: {s!r}")
            return _make(_year(m.group(3)), month, int(m.group(1)), s)
        m = _SERIAL.match(s)
        if m:
            n = int(m.group(1))
            if _SERIAL_MIN <= n <= _SERIAL_MAX:
                return _EXCEL_EPOCH + dt.timedelta(days=n)
        raise DateError(f"not a date: {s!r}")


def serial_to_date(n: float) -> dt.date:
    """An Excel (1900 system) serial number -> date."""
    return _EXCEL_EPOCH + dt.timedelta(days=int(n))


def looks_like_date(text: str) -> bool:
    """Whether a cell has the shape of a date (in either order; a serial number counts only in range)."""
    s = str(text).strip()
    if _NUMERIC.match(s) or _ISO.match(s) or _NAMED.match(s):
        return True
    m = _SERIAL.match(s)
    return bool(m) and _SERIAL_MIN <= int(m.group(1)) <= _SERIAL_MAX
