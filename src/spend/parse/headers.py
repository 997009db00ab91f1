"""Find the header row of a spend table and map its columns to canonical names.

The synonyms live in `spend/data/header_synonyms.csv`; nothing here knows a publisher. A column the synonyms
do not name is kept, not refused: the parser carries it to the store as an extra field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from spend.core.errors import AmbiguousHeader, SummaryNotTransactions

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Pivot-table exports label their value columns like this (Excel's "Sum of <field>").
# Excel's pivot-table labels: "Sum of <field>" (the field one of a spend table's columns), "Row Labels", and
# "Grand Total" beside other cells.
_PIVOT_VALUE = re.compile(r"^(sum|count|average|max|min) of (?P<field>.+)$")
_PIVOT_LABEL = re.compile(r"^(row labels|grand total)$")
REQUIRED = ("supplier_name_raw", "amount_gbp")
HEADER_SEARCH_ROWS = 40  # Lambeth puts nine preamble lines above the header


@lru_cache(maxsize=16384)  # the same header cells recur in every file of a publisher and on every PDF page
def normalise_header(text) -> str:
    """'  AP Amount (£) ' -> 'ap amount'; 'body_name' -> 'body name'."""
    return _NON_ALNUM.sub(" ", str(text or "").lower().replace("£", " ")).strip()


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Normalised header -> canonical column, from the package data file."""
    out: dict[str, str] = {}
    text = resources.files("spend").joinpath("data/header_synonyms.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for row in csv.DictReader(lines):
        key = normalise_header(row["header"])
        if key in out and out[key] != row["canonical"]:
            raise ValueError(f"header_synonyms.csv: {key!r} maps to two columns")
        out[key] = row["canonical"]
    return out


@dataclass
class HeaderMatch:
    """How one header row maps: column index -> canonical name, plus what did not map."""

    cells: list[str]
    mapping: dict[int, str] = field(default_factory=dict)
    unknown: list[int] = field(default_factory=list)  # columns kept as extra fields
    notes: list[str] = field(default_factory=list)  # what was decided about them, for the file report

    @property
    def score(self) -> int:
        return len(self.mapping)

    @property
    def canonical(self) -> set[str]:
        return set(self.mapping.values())

    def looks_like_header(self) -> bool:
        return all(c in self.canonical for c in REQUIRED) and self.score >= 3

    def source_names(self) -> dict[str, str]:
        """canonical -> header as published, for the parse report."""
        return {name: self.cells[i].strip() for i, name in self.mapping.items()}

    def extras(self) -> dict[int, str]:
        """column index -> header as published, for the columns no canonical name is given."""
        return {j: self.cells[j].strip() for j in self.unknown}


@lru_cache(maxsize=1)
def _unspaced() -> dict[str, str]:
    """The synonyms with spaces taken out: a header cell that wrapped in the middle of a word
    ('Transactio' / 'n Number') still names its column."""
    return {key.replace(" ", ""): name for key, name in synonyms().items()}


def match_header(cells: list[str]) -> HeaderMatch:
    table = synonyms()
    m = HeaderMatch(cells=[str(c) if c is not None else "" for c in cells])
    for i, cell in enumerate(m.cells):
        key = normalise_header(cell)
        if not key:
            continue
        name = table.get(key) or _unspaced().get(key.replace(" ", ""))
        if name:
            m.mapping[i] = name
        else:
            m.unknown.append(i)
    return m


def is_pivot_row(cells: list[str]) -> bool:
    """A pivot table's labels: 'Sum of Invoice Nett Amount' (a value field named after a spend column), or
    'Row Labels' / 'Grand Total' in a row of several cells. A title such as 'Count of invoices over £500 by
    supplier' is not one."""
    keys = [normalise_header(c) for c in cells if c and c.strip()]
    for key in keys:
        m = _PIVOT_VALUE.match(key)
        if m and m.group("field") in synonyms():
            return True
    return len(keys) > 1 and any(_PIVOT_LABEL.match(k) for k in keys)


def find_header(rows: list[list[str]], source: str, locate) -> tuple[int, HeaderMatch] | None:
    """Return (row index, match) of the best header in the first rows, or None.

    A header needs a supplier, an amount and a date column, and three known column names in all. Columns the
    synonyms file does not know are kept (`HeaderMatch.unknown`: the parser carries them as extra fields).
    Two columns that mean one thing: for a column a payment needs (supplier, amount, date) the one whose
    values fit it is chosen when the values decide, else `AmbiguousHeader`; for any other, the first is used
    and the others are kept as extra fields. Raises `SummaryNotTransactions` for pivot-table exports.
    """
    best: tuple[int, HeaderMatch] | None = None
    table = synonyms()
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if best is None and is_pivot_row(row):
            raise SummaryNotTransactions(
                source,
                "a pivot-table summary (totals by supplier), not a list of payments; "
                f"found {' | '.join(c for c in row if c)!r}",
                locator=locate(i),
            )
        if sum(normalise_header(c) in table for c in row) < 3:
            continue  # fewer than three known column names: cannot look like a header (most rows are data)
        m = match_header(row)
        if m.looks_like_header() and (best is None or m.score > best[1].score):
            best = (i, m)
    if best is None:
        return None
    i, m = best
    by_name: dict[str, list[int]] = {}
    for j, name in sorted(m.mapping.items()):
        by_name.setdefault(name, []).append(j)
    for name, columns in by_name.items():
        if len(columns) < 2:
            continue
        keep = _fitting_column(name, columns, rows[i + 1:i + 1 + _SAMPLE_ROWS]) if name in NEEDED else columns[0]
        if keep is None:
            raise AmbiguousHeader(
                source, f"columns {' and '.join(repr(m.cells[j].strip()) for j in columns)} all mean {name}, and "
                        "their values do not say which is meant", locator=locate(i))
        for j in columns:
            if j != keep:
                del m.mapping[j]
                m.unknown.append(j)
                m.notes.append(f"{m.cells[j].strip()!r} kept as an extra field: {m.cells[keep].strip()!r} is the "
                               f"{name} column")
    m.unknown.sort()
    if "payment_date" not in m.canonical:
        raise SummaryNotTransactions(source, "the table has no date column, so it is not a list of payments",
                                     locator=locate(i))
    return best


# The columns a payment needs, and how many of a column's first values are looked at to choose between
# two columns that claim one of them.
NEEDED = ("supplier_name_raw", "amount_gbp", "payment_date")
_SAMPLE_ROWS = 200


def _fitting_column(name: str, columns: list[int], sample: list[list[str]]) -> int | None:
    """Of several columns claiming `name`, the one whose values fit it: most of its non-blank values read as
    dates (or amounts, or names with letters) while the others' do not. None when the values do not decide."""
    from spend.parse.amounts import AmountError, parse_amount_pence
    from spend.parse.dates import looks_like_date

    def fits(value: str) -> bool:
        if name == "payment_date":
            return looks_like_date(value)
        if name == "amount_gbp":
            try:
                parse_amount_pence(value)
                return True
            except AmountError:
                return False
        return any(ch.isalpha() for ch in value)

    shares = []
    for j in columns:
        values = [r[j].strip() for r in sample if j < len(r) and r[j].strip()]
        shares.append(sum(map(fits, values)) / len(values) if values else 0.0)
    ranked = sorted(range(len(columns)), key=lambda k: -shares[k])
    if shares[ranked[0]] >= 0.9 and all(shares[k] <= 0.1 for k in ranked[1:]):
        return columns[ranked[0]]
    return None


def infer_header(rows: list[list[str]]) -> tuple[int, HeaderMatch] | None:
    """A header row whose labels do not name a supplier, an amount and a date, over columns that say what
    they are by their values: exactly one column of dates, one of amounts with pence and one of names
    (letters) in nine rows in ten below it (a label that does name one settles a tie). The other columns
    keep their known names or are kept as extra fields under their labels. None when the values do not
    decide (two columns of names could each be the supplier)."""
    from spend.parse.amounts import AmountError, parse_amount_pence
    from spend.parse.dates import looks_like_date

    for h, header in enumerate(rows[:HEADER_SEARCH_ROWS]):
        labels = [c.strip() for c in header]
        if sum(1 for c in labels if c) < 3:
            continue
        body = [r for r in rows[h + 1:h + 1 + _SAMPLE_ROWS] if len(r) == len(header) and any(c.strip() for c in r)]
        if len(body) < 5:
            return None

        def share(j: int, test) -> float:
            values = [r[j].strip() for r in body if r[j].strip()]
            return sum(map(test, values)) / len(body) if values else 0.0

        def amount(value: str) -> bool:
            if not _PENCE.search(value):
                return False
            try:
                parse_amount_pence(value)
                return True
            except AmountError:
                return False

        known = match_header(header).mapping  # labels that do name a column: a hint where values tie

        def one(candidates: list[int], role: str) -> list[int]:
            named = [j for j in candidates if known.get(j) == role]
            return named if len(candidates) > 1 and named else candidates

        dates = one([j for j in range(len(header)) if share(j, looks_like_date) >= 0.9], "payment_date")
        amounts = one([j for j in range(len(header)) if j not in dates and share(j, amount) >= 0.9], "amount_gbp")
        names = one([j for j in range(len(header)) if j not in dates and j not in amounts
                     and share(j, lambda v: sum(ch.isalpha() for ch in v) >= 3) >= 0.9], "supplier_name_raw")
        if len(dates) != 1 or len(amounts) != 1 or len(names) != 1:
            return None
        if looks_like_date(labels[dates[0]]) or amount(labels[amounts[0]]):
            return None  # the first row is data, not labels
        m = HeaderMatch(cells=list(header))
        m.mapping = {dates[0]: "payment_date", amounts[0]: "amount_gbp", names[0]: "supplier_name_raw"}
        m.mapping.update({j: role for j, role in known.items() if j not in m.mapping and role not in NEEDED})
        m.unknown = [j for j, c in enumerate(labels) if c and j not in m.mapping]
        m.notes.append("the labels do not name a supplier, an amount and a date; read from the values: " + ", ".join(
            f"{labels[j]!r} holds {what}" for j, what in ((dates[0], "dates"), (amounts[0], "amounts"),
                                                         (names[0], "names (the supplier)"))))
        return h, m
    return None


_PENCE = re.compile(r"\d\.\d\d\)?-?$")
