"""Periods: one type for every span of time the project speaks of (the month a file covers, `--period`,
`--from`/`--to`, a figure's months, a contract's term), the month helpers, and the period a published
file covers, read from its name or the text of the link to it.

`infer_period(text, context=...)` returns a `Period` (a month, or a range of months) or None.
What it understands, in the order it decides:

1. A month range with a year: `apr-jun-2014`, `January to March 2021`, `Oct 2022 to Mar 2023`
   (Oxford City Council, Lambeth: quarterly files named by their months).
2. A numeric year and month: `2020-04`, `2020_04`, `202004`, `2020-04-30`, `04-2020`, `30/04/2020`.
3. A month name joined to a year: `April 2020`, `Apr-20`, `July_2014`, `2020 April`.
4. A month name without a year, given a year elsewhere in the text or in `context`: a calendar year
   (`Payments April ... 2020`) or a financial year (`NWHO 04 - July` under `nhs-london-2020-21`;
   April-December fall in the first calendar year of a financial year, January-March in the second).
5. An NHS financial month with a financial year: `M01 2020/21` is April 2020, `M12 2020/21` March 2021
   (NHS finance numbers months from April: month 1 = April).
6. A quarter: with a financial year (`Q1 2020/21`, `2020/21 Q1`) it is a *financial* quarter (Q1 =
   April-June, the NHS and local-government convention); with only a calendar year (`Q1 2014`) it is a
   *calendar* quarter (Q1 = January-March), because a bare calendar year says nothing of April starts.
7. A financial year alone: `2020/21`, `2020-21`, `2020/2021`, `FY20/21`, `1011` (BBSRC's 2010/11 file),
   `2020 to 2021` (GOV.UK's style guide writes financial years this way: "financial year 2020 to
   2021") gives April to March.
8. A calendar year alone: `2014` gives January to December.

Month names are matched whole-word, abbreviated (`Apr`, `Sept`) or misspelt the way publishers
misspell them (`Spetember` in Croydon Health Services' file name, `Febuary`, `Janurary`): a word of five
letters or more that starts like a month and is within one or two letters' edits of it.

Ambiguities settled here, on purpose: `2011-12` is December 2011 (a hyphen and a month number read as
a month; write `2011/12` for a financial year), while `2019-20` (no month 20) is the financial year
2019/20. A four-digit `YYZZ` with `ZZ = YY + 1` is a compact financial year only when it cannot be a
year (2000-2099): `1011` is 2010/11, `2021` is the year 2021.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Iterable

from spend.core.errors import SpendError

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")

# Abbreviations seen in file names and link text (`apr-jun-2014`, `Sept 2019`).
_ABBREVIATIONS = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}

# Misspellings seen in published file names, kept as data so the fuzzy rule below is not the only
# guard. `spetember`: Croydon Health Services, "CROY 06 - Spetember.csv" (shared corpus).
_TYPOS = {"spetember": 9, "septmber": 9, "setpember": 9, "febuary": 2, "feburary": 2, "janurary": 1,
          "janaury": 1, "decemeber": 12, "novemebr": 11, "ocotber": 10, "agust": 8, "augsut": 8}


class PeriodError(SpendError):
    """A period given by the user (`--period`, `--from`/`--to`, a registry entry) is not one."""


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included. Either end may be open (None): `--from 2020-04` alone.

    Most periods are whole months: a month (`2020-04`) or a range of months (`2020-04..2021-03`), which
    is how the raw store files them and how `label` writes them. `basis` says how a period was read
    (month, calendar-quarter, financial-quarter, financial-year, calendar-year, range); it does not
    take part in comparisons.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    basis: str = field(default="range", compare=False)

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise PeriodError(None, f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls.span(year, month, 1, "month")

    @classmethod
    def span(cls, year: int, month: int, months: int, basis: str) -> Period:
        """`months` whole months from `month` of `year`."""
        end_year, end_month = _add_months(year, month, months - 1)
        return cls(dt.date(year, month, 1), _last_day(end_year, end_month), basis)

    @classmethod
    def parse(cls, text: str) -> Period:
        """`YYYY-MM` or `YYYY-MM..YYYY-MM` (the form `--period` takes and `label` gives)."""
        text = text.strip()
        first, sep, last = text.partition("..")
        first, last = first.strip(), (last.strip() if sep else first.strip())
        if not (_MONTH.fullmatch(first) and _MONTH.fullmatch(last)):
            raise PeriodError(None, f"{text!r} is not a period: give YYYY-MM or YYYY-MM..YYYY-MM, e.g. 2020-04..2021-03")
        period = cls(_bound(first, last=False), _bound(last, last=True))
        return replace(period, basis="month" if first == last else "range")

    @classmethod
    def between(cls, first: str | None, last: str | None) -> Period:
        """From two bounds, each a month (`YYYY-MM`) or a day (`YYYY-MM-DD`) or blank (open): a month as
        `last` means its last day. The form of `--from` / `--to` and of the figures registry."""
        return cls(_bound(first, last=False), _bound(last, last=True))

    @property
    def is_month(self) -> bool:
        return self.start is not None and self.start == _first_of(self.start) and self.end == _last_of(self.start)

    @property
    def first_month(self) -> str | None:
        return _ym(self.start.year, self.start.month) if self.start else None

    @property
    def last_month(self) -> str | None:
        return _ym(self.end.year, self.end.month) if self.end else None

    @property
    def whole_months(self) -> bool:
        return (self.start is not None and self.end is not None and self.start == _first_of(self.start)
                and self.end == _last_of(self.end))

    @property
    def label(self) -> str:
        """`2020-04` for a month, `2020-04..2021-03` for whole months, else the days (`...` when open)."""
        if self.whole_months:
            return self.first_month if self.first_month == self.last_month else f"{self.first_month}..{self.last_month}"
        return f"{self.start or '...'}..{self.end or '...'}"

    @property
    def dirname(self) -> str:
        """The folder name in the raw store: `2020-04`, or `2014-01_2014-03` for a range."""
        return self.label.replace("..", "_")

    def overlaps(self, other: Period) -> bool:
        return ((self.start is None or other.end is None or self.start <= other.end)
                and (other.start is None or self.end is None or other.start <= self.end))

    def contains(self, value) -> bool:
        """Whether a date (or datetime, or Timestamp) falls in the period; a blank date never does."""
        d = as_date(value)
        if d is None:
            return False
        return (self.start is None or d >= self.start) and (self.end is None or d <= self.end)

    def months(self) -> list[str]:
        """Every month the period touches, `YYYY-MM`; needs both ends."""
        if self.start is None or self.end is None:
            raise PeriodError(None, "an open period has no list of months")
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(_ym(year, month))
            year, month = _add_months(year, month, 1)
        return out

    def describe(self) -> str:
        return f"{self.start or '...'} to {self.end or '...'}"

    def for_reader(self) -> str:
        """The period as a report writes it: '2020/21' for a UK financial year (April to March), '2018/19
        to 2020/21' for several, 'June 2020' for a month, 'April 2018 to January 2019' for other whole
        months, '3 June 2020 to 1 July 2020' for days; 'from April 2020' / 'to March 2021' when open."""
        if self.start is None and self.end is None:
            return "all dates"
        if self.start is None or self.end is None:
            known = self.start or self.end
            word = month_name(known) if (known == _first_of(known) if self.start else known == _last_of(known)) \
                else f"{known.day} {month_name(known)}"
            return f"from {word}" if self.start else f"to {word}"
        if self.whole_months and self.start.month == 4 and self.end.month == 3:
            first, last = financial_year(self.start), financial_year(self.end)
            return first if first == last else f"{first} to {last}"
        if self.whole_months:
            first, last = month_name(self.start), month_name(self.end)
            return first if first == last else f"{first} to {last}"
        return f"{self.start.day} {month_name(self.start)} to {self.end.day} {month_name(self.end)}"

    def __str__(self) -> str:
        return self.label


_MONTH = re.compile(r"\d{4}-\d{2}")
_BOUND = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _bound(text: str | None, *, last: bool) -> dt.date | None:
    if text is None or str(text).strip() == "":
        return None
    match = _BOUND.match(str(text).strip())
    if not match:
        raise PeriodError(None, f"{text!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)")
    year, month, day = int(match[1]), int(match[2]), match[3]
    try:
        if day is not None:
            return dt.date(year, month, int(day))
        return _last_day(year, month) if last else dt.date(year, month, 1)
    except ValueError:
        raise PeriodError(None, f"{text!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)") from None


def _ym(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _first_of(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _last_of(d: dt.date) -> dt.date:
    return _last_day(d.year, d.month)


# --- months of dates and labels ---------------------------------------------------------------------------


def as_date(value) -> dt.date | None:
    """A `datetime.date` from a date, datetime or pandas Timestamp; None for blanks (None, NaN, NaT)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):  # a pandas Timestamp is a datetime; NaT is one too, and has no date
        return None if value != value else value.date()
    if isinstance(value, dt.date):
        return value
    return None


def financial_year(value) -> str | None:
    """The UK financial year (April to March) a date falls in: '2020/21' for any day from 1 April 2020 to
    31 March 2021; None for a blank date."""
    d = as_date(value)
    if d is None:
        return None
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def month_name(value) -> str:
    """'April 2020' for a date in April 2020, or for the month label '2020-04'."""
    d = as_date(value) or dt.date(int(str(value)[:4]), int(str(value)[5:7]), 1)
    return f"{_MONTH_NAMES[d.month - 1]} {d.year}"


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def month_of(value) -> str | None:
    """'2020-04' for a date in April 2020; None for a blank date."""
    d = as_date(value)
    return _ym(d.year, d.month) if d else None


def months_of_period(label) -> list[str]:
    """The months a stored period label covers: '2020-04' -> ['2020-04']; '2014-04..2014-06' -> the three
    months (the store's `files.period` and the raw store's provenance records use these labels).
    Anything else (None, a blank, a label of another form) covers no month."""
    first, _, last = str(label).partition("..")
    try:
        return Period.between(first, last or first).months()
    except PeriodError:
        return []


def month_spans(months: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive runs of months: ['2018-04', '2018-05', '2018-09'] -> [('2018-04', '2018-05'), ('2018-09', '2018-09')]."""
    spans: list[tuple[str, str]] = []
    for m in sorted(months):
        if spans and _ym(*_add_months(int(spans[-1][1][:4]), int(spans[-1][1][5:7]), 1)) == m:
            spans[-1] = (spans[-1][0], m)
        else:
            spans.append((m, m))
    return spans


def format_month_spans(months: Iterable[str]) -> str:
    """'2014-07..2015-06, 2016-01': months written as their consecutive runs."""
    return ", ".join(a if a == b else f"{a}..{b}" for a, b in month_spans(months))


def missing_months(months: Iterable[str]) -> list[str]:
    """Months between the first and last of `months` that are not among them ('2020-05', ...)."""
    present = {m for m in months if months_of_period(m) == [m]}
    if not present:
        return []
    return [m for m in months_of_period(f"{min(present)}..{max(present)}") if m not in present]


def every_month(months: Iterable[str]) -> list[str]:
    """Every month from the first to the last of `months`, so a month with no data shows as a gap."""
    months = list(months)
    return months_of_period(f"{min(months)}..{max(months)}") if months else []


def _month_in_financial_year(fy_start: int, month: int) -> int:
    """The calendar year of `month` in the financial year starting April `fy_start`."""
    return fy_start if month >= 4 else fy_start + 1


# --- reading text ---------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z]+")


def _osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit (`spetember`)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def month_number(word: str) -> int | None:
    """1-12 for a month name, abbreviation or known misspelling; None otherwise."""
    word = word.lower()
    if word in MONTHS:
        return MONTHS.index(word) + 1
    if word in _ABBREVIATIONS:
        return _ABBREVIATIONS[word]
    if word in _TYPOS:
        return _TYPOS[word]
    if len(word) >= 5:
        # Only long names are matched loosely (june, july, may are too close to ordinary words),
        # and only words starting with the month's first letter: `member` is not `december`.
        for i, name in enumerate(MONTHS):
            if len(name) >= 5 and word[0] == name[0] and abs(len(word) - len(name)) <= 1:
                if _osa_distance(word, name) <= (1 if len(name) <= 6 else 2):
                    return i + 1
    return None


@dataclass
class _Facts:
    """What one piece of text says about dates, with positions so joined tokens can be found."""

    month_names: list[tuple[int, int, int]] = field(default_factory=list)  # (month, start, end)
    years: list[tuple[int, int, int]] = field(default_factory=list)  # (year, start, end)
    two_digit_after_month: dict[int, int] = field(default_factory=dict)  # month-name end -> year
    financial_years: list[int] = field(default_factory=list)  # start years
    year_months: list[tuple[int, int]] = field(default_factory=list)  # numeric (year, month)
    ranges: list[Period] = field(default_factory=list)
    quarters: list[int] = field(default_factory=list)
    nhs_months: list[int] = field(default_factory=list)


_FY_FULL = re.compile(r"(?<!\d)(?:fy\s*)?(20\d\d)\s*(/|-|–|\sto\s|\s|_)\s*(20\d\d|\d\d)(?!\d)")
_FY_SHORT = re.compile(r"(?<![\d/])(?:fy\s*)?(\d\d)\s*/\s*(\d\d)(?![\d/])")
_FY_COMPACT = re.compile(r"(?<!\d)(\d\d)(\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")  # spend publishing began in 2010
# Two-digit years above this are more likely days of the month (`April 30`).
_LATEST_TWO_DIGIT_YEAR = 2035
_YMD = re.compile(r"(?<!\d)(20\d\d)[-_./](0[1-9]|1[0-2])(?:[-_./](0[1-9]|[12]\d|3[01]))?(?!\d)")
_YYYYMM = re.compile(r"(?<!\d)(20\d\d)(0[1-9]|1[0-2])(?!\d)")
_MY = re.compile(r"(?<!\d)(?:(?:0?[1-9]|[12]\d|3[01])[-/.])?(0?[1-9]|1[0-2])[-/.](20\d\d)(?!\d)")
_QUARTER = re.compile(r"(?<![a-z])(?:q([1-4])|quarter\s*([1-4])|([1-4])(?:st|nd|rd|th)\s*quarter)(?![a-z0-9])")
_NHS_MONTH = re.compile(r"(?<![a-z])(?:m|month\s*)(0?[1-9]|1[0-2])(?!\d)")


def _read(text: str) -> _Facts:
    facts = _Facts()
    text = text.lower().replace("\u2013", "-").replace("\u2014", "-")
    # Financial years first, and blank them out so their digits are not read again as years/months.
    masked = text
    for m in _FY_FULL.finditer(text):
        first, sep, second = int(m.group(1)), m.group(2), m.group(3)
        second_two = int(second[-2:])
        if second_two != (first + 1) % 100 or (len(second) == 4 and int(second) != first + 1):
            continue
        if sep == "-" and len(second) == 2 and second_two <= 12:
            continue  # `2011-12` reads as December 2011 (see the module docstring)
        facts.financial_years.append(first)
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    for m in _FY_SHORT.finditer(masked):
        a, b = int(m.group(1)), int(m.group(2))
        if b == (a + 1) % 100:
            facts.financial_years.append(2000 + a)
            masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    for m in _YMD.finditer(masked):
        facts.year_months.append((int(m.group(1)), int(m.group(2))))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    for m in _YYYYMM.finditer(masked):
        facts.year_months.append((int(m.group(1)), int(m.group(2))))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    for m in _MY.finditer(masked):
        facts.year_months.append((int(m.group(2)), int(m.group(1))))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    for m in _YEAR.finditer(masked):
        facts.years.append((int(m.group(1)), m.start(), m.end()))
    for m in _FY_COMPACT.finditer(masked):
        a, b = int(m.group(1)), int(m.group(2))
        if b == a + 1 and 5 <= a <= 35 and a != 20:  # `2021` is a year, not 2020/21
            facts.financial_years.append(2000 + a)
    for m in _QUARTER.finditer(masked):
        facts.quarters.append(int(next(g for g in m.groups() if g)))
    for m in _NHS_MONTH.finditer(masked):
        facts.nhs_months.append(int(m.group(1)))
    for m in _WORD.finditer(masked):
        number = month_number(m.group(0))
        if number is None:
            continue
        facts.month_names.append((number, m.start(), m.end()))
        # `Apr-20`: a two-digit year right after the name, not followed by more digits
        # (`March 31 2021` is a day and a year, not March 2031).
        after = re.match(r"[\s_\-.']{0,2}(\d\d)(?!\d)(?![\s_\-.,/']*\d)", masked[m.end():])
        if after and 2000 + int(after.group(1)) <= _LATEST_TWO_DIGIT_YEAR:
            facts.two_digit_after_month[m.end()] = 2000 + int(after.group(1))
    facts.ranges = _month_ranges(masked, facts)
    return facts


def _joined_year(facts: _Facts, start: int, end: int) -> int | None:
    """A four-digit year right after (or right before) the month name at [start, end), or a
    two-digit one right after it (`Apr-20`)."""
    for year, y_start, y_end in facts.years:
        if 0 <= y_start - end <= 3 or 0 <= start - y_end <= 3:
            return year
    return facts.two_digit_after_month.get(end)


_CONNECTOR = r"[\s_\-.,/']*(?:to|-|until)[\s_\-.,/']*"


def _month_ranges(masked: str, facts: _Facts) -> list[Period]:
    """`apr-jun-2014`, `January to March 2021`, `Oct 2022 to Mar 2023`: two month names joined by
    `to` or a dash, the second (and perhaps the first) with its year."""
    out = []
    names = facts.month_names
    for (m1, s1, e1), (m2, s2, e2) in zip(names, names[1:]):
        between = masked[e1:s2]
        year1 = None
        if not re.fullmatch(_CONNECTOR, between):
            joined = re.fullmatch(r"[\s_\-.,/']*(\d{2}|\d{4})" + _CONNECTOR, between)
            if not joined:
                continue
            year1 = _joined_year(facts, s1, e1)
            if year1 is None:
                continue
        year2 = _joined_year(facts, s2, e2)
        if year2 is None:
            continue
        if year1 is None:
            year1 = year2 if m1 <= m2 else year2 - 1
        months = (year2 * 12 + m2) - (year1 * 12 + m1) + 1
        if months < 1:
            continue
        basis = "calendar-quarter" if months == 3 and m1 in (1, 4, 7, 10) else "range"
        out.append(Period.span(year1, m1, months, basis))
    return out


def _decide(facts: _Facts, context: _Facts | None = None) -> Period | None:
    """Apply the rules of the module docstring in order. `context` only ever supplies a missing
    year or financial year for a month, quarter or NHS month the text itself names."""
    if facts.ranges:
        return facts.ranges[0]
    if facts.year_months:
        return Period.month(*facts.year_months[0])
    for month, start, end in facts.month_names:
        year = _joined_year(facts, start, end)
        if year is not None:
            return Period.month(year, month)
    fy = facts.financial_years[0] if facts.financial_years else None
    years = [y for y, _, _ in facts.years]
    names_a_part = bool(facts.month_names or facts.nhs_months or facts.quarters)
    if names_a_part and fy is None and not years and context is not None:
        fy = context.financial_years[0] if context.financial_years else None
        years = [y for y, _, _ in context.years] + [y for y, _ in context.year_months]
    if facts.month_names:
        month = facts.month_names[0][0]
        if fy is not None:
            return Period.month(_month_in_financial_year(fy, month), month)
        return Period.month(years[0], month) if years else None
    if facts.nhs_months:
        if fy is None:
            return None
        month = (facts.nhs_months[0] + 2) % 12 + 1  # NHS month 1 = April
        return Period.month(_month_in_financial_year(fy, month), month)
    if facts.quarters:
        q = facts.quarters[0]
        if fy is not None:
            year, month = _add_months(fy, 4, 3 * (q - 1))
            return Period.span(year, month, 3, "financial-quarter")
        return Period.span(years[0], 3 * (q - 1) + 1, 3, "calendar-quarter") if years else None
    if fy is not None:
        return Period.span(fy, 4, 12, "financial-year")
    if years:
        return Period.span(years[0], 1, 12, "calendar-year")
    return None


def infer_period(text: str | None, context: str | Iterable[str] | None = None) -> Period | None:
    """The period `text` (a file name, a link's text, a path) names, or None.

    `context` is other text that may supply the year a month name lacks: the link text of the
    year sub-page the link was found on (`2020/21`), or the folder a file sits in. Context never
    makes a period on its own: text without any date word gives None.
    """
    if not text:
        return None
    facts = _read(text)
    if context is None:
        return _decide(facts)
    joined = context if isinstance(context, str) else " ".join(c for c in context if c)
    return _decide(facts, _read(joined))
