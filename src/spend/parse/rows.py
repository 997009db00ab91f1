"""Which rows of a sheet are payments: the header's columns, ordinary rows decided a column at a time, and
the odd ones (titles, notes, blank and repeated headers, totals, rows with cells missing or run together)
judged one at a time, as a person would. Every row read ends in exactly one bucket: a payment, a reject
with its reason, or non-data with its reason.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from spend.core.errors import NoTableFound
from spend.core.money import format_pence, pence_to_decimal
from spend.parse.amounts import AmountError, round_number_text
from spend.parse.columns import Distinct, cell_array, every, read_amount
from spend.parse.dates import looks_like_date
from spend.parse.headers import match_header, normalise_header
from spend.parse.readers import Sheet
from spend.parse.report import Check, FileReport




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
    extras: dict[int, str] = field(default_factory=dict)  # column index -> header, for columns kept as extra fields

    def keep_only(self, kept: list[int]) -> None:
        self.kept, self.cell_array, self.factorised = kept, None, {}

    def column(self, name: str) -> pa.Array:
        """One canonical column of the payment rows, cells as published ("" if the table has no such column)."""
        if name in self.factorised:
            return self.factorised[name].cells
        return self.column_at(next((j for j, c in self.mapping.items() if c == name), None))

    def column_at(self, j: int | None) -> pa.Array:
        """Column `j` of the payment rows, cells as published (blanks when None)."""
        if self.cell_array is None:
            rows, kept = self.sheet.cells, self.kept
            self.cell_array = cell_array([self.mended[i][0] if i in self.mended else rows[i] for i in kept])
        return every(self.cell_array, j, self.ncols)

    def extra_fields(self) -> list[str | None]:
        """Each payment row's extra fields as a JSON object {header as published: value}; None when blank."""
        if not self.extras:
            return [None] * len(self.kept)
        names = list(self.extras.values())
        columns = [self.column_at(j).to_pylist() for j in self.extras]
        out = []
        for values in zip(*columns):
            fields = {name: v.strip() for name, v in zip(names, values) if v and v.strip()}
            out.append(json.dumps(fields, ensure_ascii=False) if fields else None)
        return out

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
        _above_the_header(sheet, i, report, rejects)
    nondata(report, "header")
    t = _TableShape(rows[h], mapping)
    body = range(h + 1, len(rows))
    # An ordinary row has as many cells as the header, a readable amount, a date or a transaction number, and
    # no totals label: none of the row-wise rules below can apply to it, so it is a payment. Decide those by
    # column.
    lengths = list(map(len, rows[h + 1:]))
    if not sheet.nondata and not sheet.rejected and lengths.count(t.ncols) == len(lengths):
        candidates, candidate_rows = body, rows[h + 1:]
    else:
        candidates = [i for i, n in zip(body, lengths)
                      if n == t.ncols and i not in sheet.nondata and i not in sheet.rejected]
        candidate_rows = [rows[i] for i in candidates]
    cells = cell_array(candidate_rows)
    amounts = Distinct(every(cells, t.amount_at, t.ncols))
    dates = Distinct(every(cells, t.date_at, t.ncols))
    unreadable = amounts.rows_where([isinstance(a, AmountError) for a in amounts.amounts])
    blank_date = dates.rows_where([not d.strip() for d in dates.values])
    undated = blank_date
    if undated and t.txn_at is not None:
        undated = [k for k in undated if not candidate_rows[k][t.txn_at].strip()]
    # A totals row has no date (LNWU's 'Sum:' sits in its transaction column): only those rows are looked at.
    labelled = [k for k in blank_date if any(_TOTAL.match(normalise_header(c)) for c in candidate_rows[k] if c)]
    if unreadable or undated or labelled:
        odd_candidates = set(unreadable).union(undated, labelled)
        ordinary_at = [k for k in range(len(candidates)) if k not in odd_candidates]
        ordinary = [candidates[k] for k in ordinary_at]
    else:
        ordinary_at, ordinary = None, candidates
    if len(ordinary) == len(body):  # every row is a payment: keep the work done for finishing the payments
        return Table(sheet, mapping, t.ncols, ordinary, {}, cells, {"amount_gbp": amounts, "payment_date": dates})
    # The other rows, one at a time and in order. A totals row is not a payment when it equals the sum of the
    # lines above it (the payments, or every printed line with a readable amount; since the start, or since
    # the last totals row), so keep those running sums, and how many lines each adds up.
    odd = sorted(set(body).difference(ordinary))
    pence_above = _running_pence(amounts, ordinary_at)
    kept_odd: list[int] = []
    mended: dict[int, tuple[list[str], list[str]]] = {}
    kept_total = printed_total = kept_n = printed_n = 0
    section_start = (0, 0, 0, 0)
    for i in odd:
        k = bisect_left(ordinary, i)
        above = pence_above[k]
        running = (above + kept_total, above + printed_total, k + kept_n, k + printed_n)
        sums: dict[int, int] = {}  # a sum of the lines above -> the most lines it adds up
        for pence, lines in ((running[0], running[2]), (running[1], running[3]),
                             (running[0] - section_start[0], running[2] - section_start[2]),
                             (running[1] - section_start[1], running[3] - section_start[3])):
            sums[pence] = max(lines, sums.get(pence, 0))
        kind, cells, notes, pence = _read_odd_row(sheet, i, t, running[1], sums, report, rejects)
        if kind == _PAYMENT:
            kept_odd.append(i)
            kept_total += pence
            kept_n += 1
            if cells is not rows[i] or notes:
                mended[i] = (cells, notes)
        if kind in (_PAYMENT, _PRINTED_LINE):
            printed_total += pence
            printed_n += 1
        elif kind == _TOTAL_ROW:
            section_start = running
    kept = sorted([*ordinary, *kept_odd]) if kept_odd else list(ordinary)
    return Table(sheet, mapping, t.ncols, kept, mended)


def _running_pence(amounts: Distinct, at: list[int] | None) -> list[int]:
    """Running sums of the ordinary rows' amounts (their positions `at` among the candidates; None: all),
    with 0 first: computed per distinct amount and summed in numpy, not read again row by row."""
    per_value = [a[0] if isinstance(a, tuple) else 0 for a in amounts.amounts]
    pence = np.array(per_value, dtype=object if any(abs(p) > _INT64_SAFE for p in per_value) else np.int64)
    rows = pence[amounts.index] if at is None else pence[amounts.index[at]]
    return [0, *np.cumsum(rows).tolist()]


# Beyond this, a cumulative sum of pence could leave int64: such sums are done on Python integers.
_INT64_SAFE = 10 ** 13


class _TableShape:
    """Where the columns the row-wise rules look at are, from the header row."""

    def __init__(self, header: list[str], mapping: dict[int, str]):
        self.header_key = [normalise_header(c) for c in header]
        self.ncols = len(header)
        self.col = {name: i for i, name in mapping.items()}
        self.amount_at, self.date_at = self.col["amount_gbp"], self.col.get("payment_date")
        self.txn_at, self.supplier_at = self.col.get("transaction_id"), self.col["supplier_name_raw"]

    def cell(self, cells: list[str], at: int | None) -> str:
        return cells[at].strip() if at is not None and at < len(cells) else ""


# What became of an odd row: a payment; a printed line that is not kept but whose amount a printed total
# covers (rejected with a readable amount); a totals row; or nothing to count (non-data, unreadable).
_PAYMENT, _PRINTED_LINE, _TOTAL_ROW, _NOTHING = "payment", "printed line", "totals row", "nothing"
# A totals label: 'Total', 'Totals', 'Grand total', 'Sub-total', 'Total for ...', 'Sum', 'Sum:'. A cell that
# starts with one may say more ('Total Gas & Power Ltd'): only the labels themselves are `_TOTAL_LABEL`.
_TOTAL = re.compile(r"^(grand |sub ?)?totals?\b|^sum\b")
_TOTAL_LABEL = re.compile(r"(grand |sub ?)?totals?( for\b.*)?|sum")


def _read_odd_row(sheet: Sheet, i: int, t: _TableShape, running: int, sums: dict[int, int], report: FileReport,
                  rejects: list[dict]) -> tuple[str, list[str] | None, list[str], int]:
    """Judge one row that is not ordinary: (what it is, its cells and notes if it is a payment, its pence).

    Non-data is recognised, never the default: a blank row, a repeated header, a note (one cell of text
    that is not a payment written in one cell), a totals row that equals the sum of the printed lines above
    it (`sums`: each sum -> how many lines it adds up). Anything else without a readable amount, supplier or
    date is rejected with its reason.

    A totals row has a totals label, no date and no transaction number. When the label is the start of the
    supplier's cell and the cell says more ('Total Gas & Power Ltd'), it may be a supplier's name: the row
    is a total only when its amount adds up two lines or more, and otherwise a payment like any other."""
    if i in sheet.nondata:
        nondata(report, sheet.nondata[i])
        return _NOTHING, None, [], 0
    if i in sheet.rejected:
        reject(rejects, report, sheet, i, sheet.rejected[i])
        return _NOTHING, None, [], 0
    cells = sheet.cells[i]
    if len(cells) == t.ncols - 1:
        cells, notes = _unglue_date_amount(cells, t.ncols, t.col)
    else:
        notes = []
    parsed = read_amount(t.cell(cells, t.amount_at))
    if isinstance(parsed, AmountError) and (i, t.amount_at) in sheet.number_cells:
        parsed, cells, notes = _spreadsheet_number(cells, t.amount_at, notes)
    date, txn, supplier = t.cell(cells, t.date_at), t.cell(cells, t.txn_at), t.cell(cells, t.supplier_at)
    if txn and _TOTAL.match(normalise_header(txn)):
        txn = ""  # the label sits in the transaction column (LNWU's 'Sum:'): no transaction number
    supplier_key = normalise_header(supplier)
    labelled = not date and not txn and any(_TOTAL.match(normalise_header(c)) for c in cells if c) and (
        not supplier or _TOTAL.match(supplier_key))
    named = labelled and bool(supplier) and not _TOTAL_LABEL.fullmatch(supplier_key)
    if isinstance(parsed, AmountError):
        reason = ("totals label without an amount" if labelled and not named
                  else _classify_unreadable(cells, t.header_key, t.ncols))
        if reason:
            nondata(report, reason)
        else:
            reject(rejects, report, sheet, i, str(parsed))
        return _NOTHING, None, [], 0
    pence = parsed[0]
    if named:
        if sums.get(pence, 0) >= 2:
            report.checks.append(Check("totals row", sheet.locators[i], pence, pence))
            nondata(report, "totals row (equals the sum of the rows above)")
            return _TOTAL_ROW, None, [], pence
        # else a payment to a supplier whose name starts like a total, read by the rules below
    elif labelled or (not date and not txn and not supplier):
        # A labelled totals row, or a bare amount under the table (Barts Health's December 2020 XLS ends
        # with a bare £60,110,413.54 under the amounts).
        equal = pence in sums
        if labelled or equal:  # a bare amount that adds up to nothing is no claim to check, only a reject
            report.checks.append(Check("totals row", sheet.locators[i], pence, pence if equal else running))
        if equal:
            nondata(report, "totals row (equals the sum of the rows above)")
            return _TOTAL_ROW, None, [], pence
        reason = (f"a totals row that is not the sum of the printed lines above it ({format_pence(running)})"
                  if labelled else "an amount with no supplier, date or transaction number")
        reject(rejects, report, sheet, i, reason)
        return _NOTHING, None, [], 0
    if len(cells) > t.ncols:
        if any(c.strip() for c in cells[t.ncols:]):
            reject(rejects, report, sheet, i, f"row has {len(cells)} cells but the header has {t.ncols} columns")
            return _PRINTED_LINE, None, [], pence
        cells = cells[:t.ncols]  # blank cells past the header's last column
    elif len(cells) < t.ncols:
        # Cells missing at the end read as blank, but only when nothing says a cell went missing in the
        # middle (two cells run together shift the rest left, and an amount column read from the wrong
        # cell would keep a wrong amount): the amount cell must look like an amount, the date like a date.
        if not (_AMOUNT_SHAPE.fullmatch(t.cell(cells, t.amount_at)) and (not date or looks_like_date(date))):
            reject(rejects, report, sheet, i, f"row has {len(cells)} cells but the header has {t.ncols} columns "
                                              "(a cell may be missing: the amount cannot be placed)")
            return _PRINTED_LINE, None, [], pence
        cells = [*cells, *[""] * (t.ncols - len(cells))]
    return _PAYMENT, cells, notes, pence


def _spreadsheet_number(cells: list[str], at: int, notes: list[str]):
    """A spreadsheet number cell with digits past the penny: rounded to the penny, and the row says so."""
    try:
        pence, _ = round_number_text(cells[at])
    except AmountError as e:
        return e, cells, notes
    fixed = list(cells)
    fixed[at] = format_pence(pence)
    return ((pence, True, pence_to_decimal(pence)), fixed,
            [*notes, f"amount rounded to the penny (the spreadsheet holds {cells[at].strip()})"])


def _classify_unreadable(cells: list[str], header_key: list[str], ncols: int) -> str | None:
    """Why a row without a readable amount is not a payment, or None if it should be rejected."""
    filled = [c for c in cells if c and c.strip()]
    if not filled:
        return "blank row"
    if [normalise_header(c) for c in cells[:ncols]] == header_key or match_header(cells).looks_like_header():
        return "repeated header"
    if len(filled) == 1 and not payment_like(filled[0]):
        return "note line"
    return None


_DATE_TOKEN = re.compile(r"(?<![\d/.-])(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}[- ][A-Za-z]{3,9}[- ]\d{2,4})(?![\d/])")
# An amount as it is printed, not a bare number that could be a reference: pence, or thousands commas.
_AMOUNT_SHAPE = re.compile(r"\(?-?£?(\d{1,3}(,\d{3})+(\.\d{2})?|\d+\.\d{2})\)?-?")
_FIGURE_TOKEN = re.compile(r"(?<![\d,.])\(?-?£?\d{1,3}(,\d{3})*\.\d{2}\)?(?![\d,.])")


def payment_like(text: str) -> bool:
    """Text that reads as a payment written out in one cell: a date, an amount with pence, and a name."""
    return bool(_DATE_TOKEN.search(text) and _FIGURE_TOKEN.search(text) and re.search(r"[A-Za-z]{3}", text))


def _above_the_header(sheet: Sheet, i: int, report: FileReport, rejects: list[dict]) -> None:
    """A row above the header: blank, or the title and notes (a figure printed there is kept to be checked
    against the payments' total); a row that reads as a payment cannot be placed in the table's columns."""
    cells = sheet.cells[i]
    if i in sheet.rejected:
        reject(rejects, report, sheet, i, sheet.rejected[i])
        return
    if not any(c.strip() for c in cells):
        nondata(report, "blank row")
        return
    if i not in sheet.nondata and sum(1 for c in cells if c.strip()) >= 3 and payment_like(" ".join(cells)):
        reject(rejects, report, sheet, i, "a row that reads as a payment above the table's header")
        return
    for c in cells:
        if _FIGURE_TOKEN.fullmatch(c.strip()):
            parsed = read_amount(c)
            if not isinstance(parsed, AmountError):
                report.checks.append(Check("figure above the table", sheet.locators[i], parsed[0], None))
    nondata(report, sheet.nondata.get(i, "title or notes above the header"))


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
