"""Which rows of a sheet are payments: the header's columns, ordinary rows decided a column at a time, and
the odd ones (titles, notes, blank and repeated headers, totals, rows with cells missing or run together)
judged one at a time, as a person would. Every row read ends in exactly one bucket: a payment, a reject
with its reason, or non-data with its reason.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate

import pyarrow as pa

from spend.core.errors import NoTableFound
from spend.parse.amounts import AmountError
from spend.parse.columns import Distinct, cell_array, every, read_amount
from spend.parse.headers import match_header, normalise_header
from spend.parse.readers import Sheet
from spend.parse.report import FileReport


_TOTAL = re.compile(r"^(grand )?totals?\b|^sub ?totals?\b")


@dataclass
class Table:
    """The payment rows of one table, in file order: indices into the sheet, and the cells of the few rows
    that had to be mended (padded, trimmed, or a date and an amount split apart) with a note of what was done.
    Every payment row has exactly `ncols` cells."""

    sheet: Sheet
    mapping: dict[int, str]  # column index -> canonical name
    ncols: int
    kept: range | list[int]  # row indices, ascending
    mended: dict[int, tuple[list[str], list[str]]]  # row index -> (cells as read, notes)
    # Work already done while the rows were judged, valid for `kept`: the rows' cells as one Arrow array
    # (see `cell_array`), and columns factorised (canonical name -> Distinct).
    cell_array: pa.Array | None = field(default=None, repr=False)
    factorised: dict[str, Distinct] = field(default_factory=dict, repr=False)

    def keep_only(self, kept: list[int]) -> None:
        self.kept, self.cell_array, self.factorised = kept, None, {}

    def column(self, name: str) -> pa.Array:
        """One canonical column of the payment rows, cells as published ("" if the table has no such column)."""
        if name in self.factorised:
            return self.factorised[name].cells
        j = next((j for j, c in self.mapping.items() if c == name), None)
        if self.cell_array is None:
            rows, kept = self.sheet.cells, self.kept
            self.cell_array = cell_array([self.mended[i][0] if i in self.mended else rows[i] for i in kept])
        return every(self.cell_array, j, self.ncols)

    def locators(self) -> list[str]:
        locators, kept = self.sheet.locators, self.kept
        return locators[kept.start:kept.stop] if isinstance(kept, range) else list(map(locators.__getitem__, kept))


def column(tables: list[Table], name: str) -> pa.Array:
    """One canonical column of the tables' payment rows, one table after the other."""
    parts = [t.column(name) for t in tables]
    return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)


def factorise(tables: list[Table], name: str) -> Distinct:
    if len(tables) == 1 and name in tables[0].factorised:
        return tables[0].factorised[name]
    return Distinct(column(tables, name))


def account_sheet_without_table(sheet: Sheet, report: FileReport, source: str) -> None:
    """A sheet with no spend table (Sheet2, Sheet3, a notes tab): its rows are non-data, by name."""
    rows, name = sheet.cells, sheet.name
    for cells in rows:
        if any(c.strip() for c in cells):
            # Refuse to skip a sheet that carries amounts: that would drop payments silently.
            amounts = sum(1 for row in rows for c in row if _looks_like_amount(c))
            if amounts >= 3:
                raise NoTableFound(source, f"sheet {name!r} holds amounts but no recognisable header row")
            break
    reason = f"sheet {name!r} has no spend table" if name else "no spend table"
    for cells in rows:
        nondata(report, "blank row" if not any(c.strip() for c in cells) else reason)


def _looks_like_amount(cell: str) -> bool:
    return bool(re.fullmatch(r"\s*[-(£]*\s*\d[\d,]*\.\d\d\)?\s*", cell or ""))


def nondata(report: FileReport, reason: str) -> None:
    report.rows_nondata += 1
    report.nondata[reason] += 1


def read_table(sheet: Sheet, h: int, mapping: dict[int, str], report: FileReport, rejects: list[dict]) -> Table:
    rows = sheet.cells
    for i in range(h):
        nondata(report, "blank row" if not any(c.strip() for c in rows[i]) else "title or notes above the header")
    nondata(report, "header")
    t = _TableShape(rows[h], mapping)
    body = range(h + 1, len(rows))
    # An ordinary row has as many cells as the header, a readable amount and a date or a transaction
    # number: none of the row-wise rules below can apply to it, so it is a payment. Decide those by column.
    lengths = list(map(len, rows[h + 1:]))
    if not sheet.nondata and lengths.count(t.ncols) == len(lengths):
        candidates, candidate_rows = body, rows[h + 1:]
    else:
        candidates = [i for i, n in zip(body, lengths) if n == t.ncols and i not in sheet.nondata]
        candidate_rows = [rows[i] for i in candidates]
    cells = cell_array(candidate_rows)
    amounts = Distinct(every(cells, t.amount_at, t.ncols))
    dates = Distinct(every(cells, t.date_at, t.ncols))
    unreadable = amounts.rows_where([isinstance(a, AmountError) for a in amounts.amounts])
    undated = dates.rows_where([not d.strip() for d in dates.values])
    if undated and t.txn_at is not None:
        undated = [k for k in undated if not candidate_rows[k][t.txn_at].strip()]
    if unreadable or undated:
        odd_candidates = set(unreadable).union(undated)
        ordinary = [i for k, i in enumerate(candidates) if k not in odd_candidates]
    else:
        ordinary = candidates
    if len(ordinary) == len(body):  # every row is a payment: keep the work done for finishing the payments
        return Table(sheet, mapping, t.ncols, ordinary, {}, cells, {"amount_gbp": amounts, "payment_date": dates})
    # The other rows, one at a time and in order. A bare amount under the table is a grand total when it
    # equals the sum of the payments above it, so keep that running sum.
    odd = sorted(set(body).difference(ordinary))
    pence_above = [0, *accumulate(read_amount(rows[i][t.amount_at])[0] for i in ordinary)]
    kept_odd: list[int] = []
    mended: dict[int, tuple[list[str], list[str]]] = {}
    odd_total = 0
    for i in odd:
        running = pence_above[bisect_left(ordinary, i)] + odd_total
        outcome = _read_odd_row(sheet, i, t, running, report, rejects)
        if outcome is not None:
            cells, notes, pence = outcome
            kept_odd.append(i)
            odd_total += pence
            if cells is not rows[i] or notes:
                mended[i] = (cells, notes)
    kept = sorted([*ordinary, *kept_odd]) if kept_odd else list(ordinary)
    return Table(sheet, mapping, t.ncols, kept, mended)


class _TableShape:
    """Where the columns the row-wise rules look at are, from the header row."""

    def __init__(self, header: list[str], mapping: dict[int, str]):
        self.header_key = [normalise_header(c) for c in header]
        self.ncols = len(header)
        self.col = {name: i for i, name in mapping.items()}
        self.amount_at, self.date_at = self.col["amount_gbp"], self.col.get("payment_date")
        self.txn_at, self.supplier_at = self.col.get("transaction_id"), self.col["supplier_name_raw"]


def _read_odd_row(sheet: Sheet, i: int, t: _TableShape, running: int, report: FileReport,
                  rejects: list[dict]) -> tuple[list[str], list[str], int] | None:
    """Judge one row that is not ordinary. Returns (cells, notes, pence) for a payment; otherwise counts the
    row as non-data or rejects it, and returns None."""
    if i in sheet.nondata:
        nondata(report, sheet.nondata[i])
        return None
    cells = sheet.cells[i]
    if len(cells) == t.ncols - 1:
        cells, notes = _unglue_date_amount(cells, t.ncols, t.col)
    else:
        notes = []
    amount = cells[t.amount_at] if t.amount_at < len(cells) else ""
    parsed = read_amount(amount)
    if isinstance(parsed, AmountError):
        reason = _classify_unreadable(cells, t.header_key, t.ncols, t.date_at, t.txn_at)
        if reason:
            nondata(report, reason)
        else:
            reject(rejects, report, sheet, i, str(parsed))
        return None
    date = cells[t.date_at].strip() if t.date_at is not None and t.date_at < len(cells) else ""
    txn = cells[t.txn_at].strip() if t.txn_at is not None and t.txn_at < len(cells) else ""
    if not date and not txn and any(_TOTAL.match(normalise_header(c)) for c in cells if c):
        nondata(report, "totals row")
        return None
    supplier = cells[t.supplier_at].strip() if t.supplier_at < len(cells) else ""
    pence = parsed[0]
    if not date and not txn and not supplier:
        # Barts Health's December 2020 XLS ends with a bare £60,110,413.54 under the amounts.
        if pence == running:
            nondata(report, "totals row (equals the sum of the rows above)")
        else:
            reject(rejects, report, sheet, i, "an amount with no supplier, date or transaction number")
        return None
    if len(cells) > t.ncols:
        if any(c.strip() for c in cells[t.ncols:]):
            reject(rejects, report, sheet, i, f"row has {len(cells)} cells but the header has {t.ncols} columns")
            return None
        cells = cells[:t.ncols]  # blank cells past the header's last column
    elif len(cells) < t.ncols:  # cells missing at the end read as blank
        cells = [*cells, *[""] * (t.ncols - len(cells))]
    return cells, notes, pence


def _classify_unreadable(cells: list[str], header_key: list[str], ncols: int, date_at, txn_at) -> str | None:
    """Why a row without a readable amount is not a payment, or None if it should be rejected."""
    filled = [c for c in cells if c and c.strip()]
    if not filled:
        return "blank row"
    if [normalise_header(c) for c in cells[:ncols]] == header_key or match_header(cells).looks_like_header():
        return "repeated header"
    date = cells[date_at].strip() if date_at is not None and date_at < len(cells) else ""
    txn = cells[txn_at].strip() if txn_at is not None and txn_at < len(cells) else ""
    if not date and not txn and any(_TOTAL.match(normalise_header(c)) for c in filled):
        return "totals row"
    if len(filled) == 1:
        return "note line"
    return None

_GLUED = re.compile(r"^\s*(\d{1,2}/\d{1,2}/\d{4})(-?\(?£?[\d,]*\.?\d+\)?)\s*$")


def _unglue_date_amount(cells: list[str], ncols: int, col: dict[str, int]) -> tuple[list[str], list[str]]:
    """Split a date and an amount printed with no delimiter between them.

    Lambeth's June 2012 file has 635 rows like `...,06/06/2012782.03,GAS - GENERAL`: one cell short,
    with a four-digit-year date run into the amount that follows it in the header. Only that exact
    shape is split, and the row says so in `row_warnings`.
    """
    d, a = col.get("payment_date"), col.get("amount_gbp")
    if d is None or a != d + 1 or len(cells) != ncols - 1 or d >= len(cells):
        return cells, []
    m = _GLUED.match(cells[d])
    if not m:
        return cells, []
    fixed = [*cells[:d], m.group(1), m.group(2), *cells[d + 1:]]
    return fixed, [f"date and amount run together in the file ({cells[d].strip()!r}); split"]


def reject(rejects: list[dict], report: FileReport, sheet: Sheet, i: int, reason: str) -> None:
    """Reject row `i` of `sheet`, quoting its cells as published."""
    rejects.append({"source_locator": sheet.locators[i], "reason": reason, "raw": " | ".join(sheet.cells[i])})
    report.rejected[reason.split(":")[0]] += 1
