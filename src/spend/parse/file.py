"""Parse one published spend file into canonical payments, rejects and an accounting report.

    result = parse_file("NWHO 04 - July.pdf")
    result.payments      # one row per payment line (spend.schema.PAYMENTS)
    result.rejects       # rows that look like payments but could not be read, each with a reason
    result.report        # rows read = kept + rejected + non-data, per file

Structure problems (not a spend file, unknown header, pivot summary, undecidable dates) raise a
typed `spend.errors.SpendError`; a single bad cell only rejects its row.

How a table is read: the header is found and odd rows (titles, notes, blank and repeated headers,
totals, rows with cells missing or run together) are judged one at a time, as a person would; the
ordinary rows, which are almost all of a big file, are decided and converted column by column, each
distinct amount, date and supplier once (Guy's 13,000-line months have ~8,000 distinct amounts, one
date and ~1,100 suppliers).
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from itertools import accumulate, chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spend.core import schema
from spend.core.money import pence_to_decimal
from spend.parse.amounts import AmountError, parse_amount_pence
from spend.core.codes import normalise_vat_number, split_glued_code
from spend.parse.dates import AmbiguityError, DateError, DateReader, decide_order, describe_orders
from spend.core.errors import AmbiguousDates, NoTableFound, SpendError
from spend.parse.headers import find_header, match_header, normalise_header
from spend.parse.pdf import read_pdf
from spend.parse.readers import RawFile, Sheet, read_csv_text, read_xls, read_xlsx
from spend.parse.sniff import CSV, PDF, XLS, XLSX, detect_format

_READERS = {CSV: read_csv_text, XLSX: read_xlsx, XLS: read_xls, PDF: read_pdf}
_TOTAL = re.compile(r"^(grand )?totals?\b|^sub ?totals?\b")
# A date cell holding only a time: the export formatted the date as a time and lost the day
# (Oxford City Council, April-June 2014: every row reads 00:00:00).
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


@dataclass
class FileReport:
    """What happened to every row of one file."""

    source_file: str
    source_sha256: str = ""
    format: str = ""
    encoding: str | None = None
    publisher: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header as published
    date_order: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    rows_nondata: int = 0
    nondata: Counter = field(default_factory=Counter)  # reason -> count
    rejected: Counter = field(default_factory=Counter)  # reason (without the value) -> count
    warnings: Counter = field(default_factory=Counter)
    total_pence: int = 0

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_kept + self.rows_rejected + self.rows_nondata


@dataclass
class ParseResult:
    payments: pd.DataFrame
    rejects: pd.DataFrame
    report: FileReport


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_spend_file(path: str | Path, **options) -> pd.DataFrame:
    """The canonical payments of one file (see `parse_file` for rejects and accounting)."""
    return parse_file(path, **options).payments


def parse_file(path: str | Path, *, publisher: str | None = None, date_order: str | None = None) -> ParseResult:
    """Parse one file. `publisher` fills rows whose file has no Entity/Body column (and wins over it);
    `date_order` ('day-first' / 'month-first') settles a file whose dates read both ways."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SpendError(source, f"cannot read the file ({e.strerror or e})") from None
    return parse_bytes(data, source, publisher=publisher, date_order=date_order)


def parse_bytes(data: bytes, source: str, *, publisher: str | None = None, date_order: str | None = None) -> ParseResult:
    fmt = detect_format(data, source)
    raw: RawFile = _READERS[fmt](data, source)
    report = FileReport(source_file=source, source_sha256=sha256_bytes(data), format=fmt, encoding=raw.encoding)
    tables: list[_Table] = []
    rejects: list[dict] = []
    for sheet in raw.sheets:
        report.rows_read += len(sheet.cells)
        found = find_header(sheet.cells, source, sheet.locators.__getitem__)
        if found is None:
            _account_sheet_without_table(sheet, report, source)
            continue
        h, match = found
        report.columns.update(match.source_names())
        tables.append(_read_table(sheet, h, match.mapping, report, rejects))
    if not tables:
        raise NoTableFound(source, "no header row with a supplier, an amount and a date was found "
                                   "(is this a spend-over-£25k file?)")
    payments = _finish_payments(tables, report, source, publisher, date_order, rejects)
    report.rows_kept = len(payments)
    report.rows_rejected = len(rejects)
    if not report.balanced:  # a bug, never bad input: every row must land in exactly one bucket
        raise AssertionError(f"{source}: rows do not add up: {report}")
    return ParseResult(payments, _rejects_frame(rejects, source, report.source_sha256), report)


def _account_sheet_without_table(sheet: Sheet, report: FileReport, source: str) -> None:
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
        _nondata(report, "blank row" if not any(c.strip() for c in cells) else reason)


def _looks_like_amount(cell: str) -> bool:
    return bool(re.fullmatch(r"\s*[-(£]*\s*\d[\d,]*\.\d\d\)?\s*", cell or ""))


def _nondata(report: FileReport, reason: str) -> None:
    report.rows_nondata += 1
    report.nondata[reason] += 1


@dataclass
class _Table:
    """The payment rows of one table, in file order: indices into the sheet, and the cells of the few rows
    that had to be mended (padded, trimmed, or a date and an amount split apart) with a note of what was done.
    Every payment row has exactly `ncols` cells."""

    sheet: Sheet
    mapping: dict[int, str]  # column index -> canonical name
    ncols: int
    kept: range | list[int]  # row indices, ascending
    mended: dict[int, tuple[list[str], list[str]]]  # row index -> (cells as read, notes)
    # Work already done while the rows were judged, valid for `kept`: the rows' cells as one Arrow array
    # (see `_cell_array`), and columns factorised (canonical name -> _Distinct).
    cell_array: pa.Array | None = field(default=None, repr=False)
    factorised: dict[str, _Distinct] = field(default_factory=dict, repr=False)

    def keep_only(self, kept: list[int]) -> None:
        self.kept, self.cell_array, self.factorised = kept, None, {}

    def column(self, name: str) -> pa.Array:
        """One canonical column of the payment rows, cells as published ("" if the table has no such column)."""
        if name in self.factorised:
            return self.factorised[name].cells
        j = next((j for j, c in self.mapping.items() if c == name), None)
        if self.cell_array is None:
            rows, kept = self.sheet.cells, self.kept
            self.cell_array = _cell_array([self.mended[i][0] if i in self.mended else rows[i] for i in kept])
        return _every(self.cell_array, j, self.ncols)

    def locators(self) -> list[str]:
        locators, kept = self.sheet.locators, self.kept
        return locators[kept.start:kept.stop] if isinstance(kept, range) else list(map(locators.__getitem__, kept))


def _cell_array(rows: list[list[str]]) -> pa.Array:
    """The cells of rows of equal length, row after row, as one Arrow array. Each cell is touched once here
    (converting column by column touched every row once per column); everything after works on Arrow arrays."""
    return pa.array(list(chain.from_iterable(rows)), type=pa.large_string())


def _every(cell_array: pa.Array, j: int | None, ncols: int) -> pa.Array:
    """Column `j` of a `_cell_array` (every `ncols`th cell from the `j`th), or blanks where there is no column."""
    if j is None:
        return pa.repeat(_BLANK, len(cell_array) // ncols)
    # The same row starts serve every column (shifted by j): made once per table shape, already in Arrow, as
    # turning numpy indices into Arrow took as long as the `take` itself on a small file.
    return cell_array.slice(j).take(_row_starts(len(cell_array) // ncols, ncols))


@lru_cache(maxsize=8)
def _row_starts(nrows: int, ncols: int) -> pa.Array:
    return pa.array(np.arange(0, nrows * ncols, ncols))


def _column(tables: list[_Table], name: str) -> pa.Array:
    """One canonical column of the tables' payment rows, one table after the other."""
    parts = [t.column(name) for t in tables]
    return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)


def _factorise(tables: list[_Table], name: str) -> _Distinct:
    if len(tables) == 1 and name in tables[0].factorised:
        return tables[0].factorised[name]
    return _Distinct(_column(tables, name))


class _Distinct:
    """A column factorised: its distinct values in order of first appearance, and for each row which one it
    holds. A value is read once (Guy's months: 13,000 rows, ~8,000 amounts, one date, ~1,100 suppliers) and
    the result mapped back onto the rows."""

    def __init__(self, cells: pa.Array):
        self.cells = cells
        encoded = cells.dictionary_encode()
        self.distinct: pa.Array = encoded.dictionary
        # Kept in Arrow too: `take` with Arrow indices skips converting numpy indices on every call.
        self.indices: pa.Array = encoded.indices
        self.index: np.ndarray = encoded.indices.to_numpy(zero_copy_only=False)

    @cached_property
    def values(self) -> list[str]:
        return self.distinct.to_pylist()

    @cached_property
    def amounts(self) -> list[tuple[int, bool, Decimal] | AmountError]:
        """Each distinct value read as an amount."""
        return read_amounts(self.distinct)

    def objects(self, per_value: list) -> np.ndarray:
        """An object column from one result per distinct value."""
        return np.fromiter(per_value, dtype=object, count=len(per_value))[self.index]

    def text(self, per_value: list[str | None], published: bool = False):
        """A text column from one string or None per distinct value: `str`; but None throughout (object) when
        every value is None, as pandas infers for such lists, unless it is a `published` column."""
        if not published and per_value.count(None) == len(per_value):
            return _nothing(len(self.index))
        return _as_str(pa.array(per_value, type=pa.large_string()).take(self.indices))

    def rows_where(self, per_value: list[bool]) -> list[int]:
        """Positions of the rows whose value is flagged."""
        if not any(per_value):
            return []
        return np.flatnonzero(np.array(per_value, dtype=bool)[self.index]).tolist()


def _read_table(sheet: Sheet, h: int, mapping: dict[int, str], report: FileReport, rejects: list[dict]) -> _Table:
    rows = sheet.cells
    for i in range(h):
        _nondata(report, "blank row" if not any(c.strip() for c in rows[i]) else "title or notes above the header")
    _nondata(report, "header")
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
    cell_array = _cell_array(candidate_rows)
    amounts = _Distinct(_every(cell_array, t.amount_at, t.ncols))
    dates = _Distinct(_every(cell_array, t.date_at, t.ncols))
    unreadable = amounts.rows_where([isinstance(a, AmountError) for a in amounts.amounts])
    undated = dates.rows_where([not d.strip() for d in dates.values])
    if undated and t.txn_at is not None:
        undated = [k for k in undated if not candidate_rows[k][t.txn_at].strip()]
    if unreadable or undated:
        odd_candidates = set(unreadable).union(undated)
        ordinary = [i for k, i in enumerate(candidates) if k not in odd_candidates]
    else:
        ordinary = candidates
    if len(ordinary) == len(body):  # every row is a payment: keep the work done for _finish_payments
        return _Table(sheet, mapping, t.ncols, ordinary, {}, cell_array, {"amount_gbp": amounts, "payment_date": dates})
    # The other rows, one at a time and in order. A bare amount under the table is a grand total when it
    # equals the sum of the payments above it, so keep that running sum.
    odd = sorted(set(body).difference(ordinary))
    pence_above = [0, *accumulate(_read_amount(rows[i][t.amount_at])[0] for i in ordinary)]
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
    return _Table(sheet, mapping, t.ncols, kept, mended)


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
        _nondata(report, sheet.nondata[i])
        return None
    cells = sheet.cells[i]
    if len(cells) == t.ncols - 1:
        cells, notes = _unglue_date_amount(cells, t.ncols, t.col)
    else:
        notes = []
    amount = cells[t.amount_at] if t.amount_at < len(cells) else ""
    parsed = _read_amount(amount)
    if isinstance(parsed, AmountError):
        reason = _classify_unreadable(cells, t.header_key, t.ncols, t.date_at, t.txn_at)
        if reason:
            _nondata(report, reason)
        else:
            _reject(rejects, report, sheet, i, str(parsed))
        return None
    date = cells[t.date_at].strip() if t.date_at is not None and t.date_at < len(cells) else ""
    txn = cells[t.txn_at].strip() if t.txn_at is not None and t.txn_at < len(cells) else ""
    if not date and not txn and any(_TOTAL.match(normalise_header(c)) for c in cells if c):
        _nondata(report, "totals row")
        return None
    supplier = cells[t.supplier_at].strip() if t.supplier_at < len(cells) else ""
    pence = parsed[0]
    if not date and not txn and not supplier:
        # Barts Health's December 2020 XLS ends with a bare £60,110,413.54 under the amounts.
        if pence == running:
            _nondata(report, "totals row (equals the sum of the rows above)")
        else:
            _reject(rejects, report, sheet, i, "an amount with no supplier, date or transaction number")
        return None
    if len(cells) > t.ncols:
        if any(c.strip() for c in cells[t.ncols:]):
            _reject(rejects, report, sheet, i, f"row has {len(cells)} cells but the header has {t.ncols} columns")
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


# Plain amounts (digits, commas, at most two decimals; spaces around) are read in Arrow, all at once:
# most of a big file's amounts are distinct, so reading them one by one in Python dominated a cold parse.
# Anything else takes the general rules of spend.amounts, one value at a time.
_PLAIN_CELL = r"^ *-?[0-9][0-9,]*(\.[0-9]{1,2})? *$"
_FEW_AMOUNTS = 300
_PLAIN_PARTS = r"^(?P<whole>-?[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?$"


def read_amounts(values: pa.Array) -> list[tuple[int, bool, Decimal] | AmountError]:
    """(pence, rounded, pounds) or the AmountError, for each value of a string array: the same answers as
    `parse_amount_pence` gives one by one (a property test holds the two together)."""
    if len(values) < _FEW_AMOUNTS:  # a few hundred values: Arrow's fixed cost per call outweighs the loop
        return list(map(_read_amount, values.to_pylist()))
    values = values.cast(pa.large_string())
    plain = pc.fill_null(pc.match_substring_regex(values, _PLAIN_CELL), False)
    digits = pc.replace_substring(pc.utf8_trim(pc.filter(values, plain), " "), ",", "")
    parts = pc.extract_regex(digits, _PLAIN_PARTS)
    whole, frac = pc.struct_field(parts, "whole"), pc.fill_null(pc.struct_field(parts, "frac"), "")
    pence = pc.cast(pc.binary_join_element_wise(whole, pc.utf8_rpad(frac, 2, "0"), pa.scalar("", pa.large_string())),
                    pa.int64()).to_pylist()
    plain_flags = plain.to_pylist()
    out: list = []
    next_plain = iter(pence).__next__
    texts = values.to_pylist()
    for text, is_plain in zip(texts, plain_flags):
        if is_plain:
            p = next_plain()
            out.append((p, False, pence_to_decimal(p)))
        else:
            out.append(_read_amount(text))
    return out


@lru_cache(maxsize=65536)
def _read_amount(text: str) -> tuple[int, bool, Decimal] | AmountError:
    """(pence, rounded, amount in pounds) for an amount cell, or the error saying why it is not one.
    Cached: the same amounts recur from month to month."""
    try:
        pence, rounded = parse_amount_pence(text)
    except AmountError as e:
        return e.with_traceback(None)
    return pence, rounded, pence_to_decimal(pence)


@lru_cache(maxsize=65536)
def _split_supplier(text: str):
    return split_glued_code(text)


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


def _reject(rejects: list[dict], report: FileReport, sheet: Sheet, i: int, reason: str) -> None:
    """Reject row `i` of `sheet`, quoting its cells as published."""
    rejects.append({"source_locator": sheet.locators[i], "reason": reason, "raw": " | ".join(sheet.cells[i])})
    report.rejected[reason.split(":")[0]] += 1


def _finish_payments(tables: list[_Table], report: FileReport, source: str, publisher: str | None,
                     date_order: str | None, rejects: list[dict]) -> pd.DataFrame:
    """Dates (order decided over the whole file), codes, publisher; build the frame column by column."""
    dates = _factorise(tables, "payment_date")
    date_text = [d.strip() for d in dates.values]
    # Distinct dates in file order, so an error quotes the first offending date of the file, whatever the hash seed.
    raw_dates = list(dict.fromkeys(date_text))
    try:
        orders = {} if date_order else decide_order(raw_dates)
    except AmbiguityError as e:
        raise AmbiguousDates(source, f"{e}; pass --date-order day-first or month-first") from None
    except DateError as e:
        raise AmbiguousDates(source, str(e)) from None
    report.date_order = date_order or describe_orders(orders)
    read_date = DateReader(orders, default=date_order)
    date_values = [_read_date(text, read_date) for text in date_text]
    unreadable = dates.rows_where([isinstance(d, DateError) for d in date_values])
    if unreadable:  # reject those rows, in file order, and carry on without them
        _reject_rows(tables, unreadable, [str(date_values[dates.index[k]]) for k in unreadable], report, rejects)
        tables = [t for t in tables if t.kept]
        if not tables:
            return _empty_payments(source, report.source_sha256)
        dates = _Distinct(_column(tables, "payment_date"))
        date_text = [d.strip() for d in dates.values]
        date_values = [_read_date(text, read_date) for text in date_text]
    n = len(dates.index)
    if n == 0:
        return _empty_payments(source, report.source_sha256)

    amounts = _factorise(tables, "amount_gbp")
    parsed = amounts.amounts  # all readable: _read_table kept no other rows
    counts = np.bincount(amounts.index, minlength=len(parsed)).tolist()
    report.total_pence = sum(a[0] * k for a, k in zip(parsed, counts))
    suppliers = _Distinct(_column(tables, "supplier_name_raw"))
    supplier_text = [s.strip() for s in suppliers.values]
    row_warnings = _row_warnings(tables, amounts.rows_where([a[1] for a in parsed]), dates, date_text, date_values,
                                 suppliers.rows_where([not s for s in supplier_text]), report)

    split = [_split_supplier(s) for s in supplier_text]
    columns = {
        "payment_date": dates.objects(date_values),
        "payment_date_raw": dates.text([d or None for d in date_text]),
        "amount_gbp": amounts.objects([a[2] for a in parsed]),
        "amount_raw": _as_str(_column(tables, "amount_gbp")),
        "supplier_name_raw": suppliers.text([s or None for s in supplier_text], published=True),
        "supplier_code": suppliers.text([c.code for c in split]),
        "company_number": suppliers.text([c.code if c.kind == "company_number" else None for c in split]),
        "row_warnings": row_warnings,
        "source_file": _repeat(source, n),
        "source_sha256": _repeat(report.source_sha256, n),
        "source_locator": _str_array(list(chain.from_iterable(t.locators() for t in tables))),
    }
    vat_in_name = [c.code if c.kind == "vat_number" else None for c in split]
    names = dict.fromkeys(name for t in tables for name in t.mapping.values())
    if "vat_number" in names:  # a published VAT number wins over one glued onto the name
        vat_cells = _Distinct(_column(tables, "vat_number"))
        vat = vat_cells.objects([normalise_vat_number(v.strip()) for v in vat_cells.values])
        vat = [v if v is not None else c for v, c in zip(vat.tolist(), suppliers.objects(vat_in_name).tolist())]
        columns["vat_number"] = _nothing(n) if vat.count(None) == n else _str_array(vat)
    else:
        columns["vat_number"] = suppliers.text(vat_in_name)
    if publisher:
        columns["publisher"] = _repeat(publisher, n)
    elif "publisher" in names:
        bodies = _Distinct(_column(tables, "publisher"))
        report.publisher = ", ".join(sorted({v.strip() for v in bodies.values} - {""}))
        columns["publisher"] = bodies.text([v.strip() or None for v in bodies.values], published=True)
    report.publisher = publisher or report.publisher
    for name in names:
        if name not in columns:  # published text as it stands, trimmed, blanks missing
            columns[name] = _text_column(_column(tables, name))
    return _frame(schema.PAYMENTS, columns, n)


def _reject_rows(tables: list[_Table], positions: list[int], reasons: list[str], report: FileReport,
                 rejects: list[dict]) -> None:
    """Reject the payment rows at `positions` (counted over the tables in order) and drop them."""
    offset, k = 0, 0
    for t in tables:
        end = offset + len(t.kept)
        drop = {}
        while k < len(positions) and positions[k] < end:
            drop[t.kept[positions[k] - offset]] = reasons[k]
            k += 1
        for i, reason in drop.items():
            _reject(rejects, report, t.sheet, i, reason)
        if drop:
            t.keep_only([i for i in t.kept if i not in drop])
        offset = end


def _read_date(text: str, read: DateReader):
    """A date cell -> the date, None when none is published (blank, or a time with no day), or the DateError."""
    if not text or _TIME_ONLY.match(text):
        return None
    try:
        return read(text)
    except DateError as e:
        return e.with_traceback(None)


def _row_warnings(tables: list[_Table], rounded: list[int], dates: _Distinct, date_text: list[str],
                  date_values: list, blank_suppliers: list[int], report: FileReport):
    """Anything odd about a kept row, in the order a reader meets it: rounding, mending, date, supplier."""
    notes: dict[int, list[str]] = {}  # row position -> notes; only the few rows that have any
    for k in rounded:
        notes[k] = ["amount rounded to the penny"]
    offset = 0
    for t in tables:
        for i, (_, mending) in t.mended.items():
            k = bisect_left(t.kept, i)
            if mending and k < len(t.kept) and t.kept[k] == i:  # not rejected since for its date
                notes.setdefault(offset + k, []).extend(mending)
        offset += len(t.kept)
    for k in dates.rows_where([d is None for d in date_values]):
        d = date_text[dates.index[k]]
        notes.setdefault(k, []).append("date blank" if not d else f"date not published (cell reads {d!r})")
    for k in blank_suppliers:
        notes.setdefault(k, []).append("supplier blank")
    n = len(dates.index)
    if not notes:
        return _nothing(n)
    row_warnings: list[str | None] = [None] * n
    for k in sorted(notes):
        row_warnings[k] = "; ".join(notes[k])
        for item in notes[k]:
            report.warnings[item.split(" (")[0]] += 1
    return _str_array(row_warnings)


# What pandas infers for a column of Python strings (from pandas 3 on, `str`: Arrow-backed, missing as NaN).
# Text columns are built with it directly, so their type is the one the row-by-row frame always had.
_STR = pd.Series(["text"]).dtype
# The characters `str.strip()` removes (those for which `str.isspace()` is true; tests check the list), so
# that trimming in Arrow gives exactly what trimming in Python gave.
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + \
    "\u2028\u2029\u202f\u205f\u3000"
# Built once: a small file calls these Arrow kernels a few dozen times, and making the options and scalars
# each time took longer than the kernels.
_TRIM = pc.TrimOptions(_WHITESPACE)
_BLANK, _MISSING = pa.scalar("", pa.large_string()), pa.scalar(None, pa.large_string())


# ArrowStringArray with pandas 3 (None before, when `_STR` is plain object).
_STR_ARRAY = _STR.construct_array_type() if isinstance(_STR, pd.api.extensions.ExtensionDtype) else None


def _as_str(array: pa.Array):
    """An Arrow string array as a text column (no copy with pandas' Arrow-backed `str`). Made directly when
    possible: going through `pd.array` took five times as long, and a small file makes a dozen of these."""
    return _STR_ARRAY(array, dtype=_STR) if _STR_ARRAY is not None else pd.array(array, dtype=_STR)


def _str_array(values: list[str | None]):
    """Python strings (None for missing) as a `str` column."""
    return _as_str(pa.array(values, type=pa.large_string()))


def _text_column(cells: pa.Array):
    """Published text as a `str` column: trimmed as `str.strip` trims, blanks missing."""
    trimmed = pc.utf8_trim(cells, options=_TRIM)
    return _as_str(pc.if_else(pc.equal(trimmed, _BLANK), _MISSING, trimmed))


def _repeat(value: str, n: int):
    return _as_str(pa.repeat(pa.scalar(value, pa.large_string()), n))


def _nothing(n: int) -> np.ndarray:
    """A column with no values: None in an object column, as pandas makes for `frame[name] = None`."""
    return np.full(n, None, dtype=object)


def _frame(table: tuple[schema.Field, ...], columns: dict, n: int) -> pd.DataFrame:
    """A frame of `n` rows with exactly `table`'s columns, in order, as `schema.enforce` leaves one: absent
    optional columns hold None. Built in one go from the table's fields (enforcing afterwards copies the
    frame twice, which on a small file took as long as the rest of the parse)."""
    missing = [f.name for f in table if f.required and f.name not in columns]
    unexpected = set(columns) - set(schema.column_names(table))
    if missing or unexpected:  # a bug in this module, never bad input
        raise schema.SchemaError(f"missing column(s) {missing}, unexpected column(s) {sorted(unexpected)}")
    # Every column is already what `DataFrame(dict)` would make of it (object numpy arrays, `str` arrays), so
    # skip its per-column checks and conversions, and reuse the column labels: both cost more than the rest
    # of building a small file's frame.
    arrays = [columns[f.name] if f.name in columns else _nothing(n) for f in table]
    return pd.DataFrame._from_arrays(arrays, columns=_labels(table).view(), index=pd.RangeIndex(n),
                                     verify_integrity=False)


@lru_cache(maxsize=4)
def _labels(table: tuple[schema.Field, ...]) -> pd.Index:
    """A table's column labels. Frames share the values (immutable) but each gets its own view, so that
    naming one frame's columns leaves the others alone."""
    return pd.Index(schema.column_names(table))


def _empty_payments(source: str, sha256: str) -> pd.DataFrame:
    frame = pd.DataFrame(columns=schema.column_names(schema.PAYMENTS))
    frame["source_file"] = source
    frame["source_sha256"] = sha256
    return schema.enforce(frame, schema.PAYMENTS)


def _rejects_frame(rejects: list[dict], source: str, sha256: str) -> pd.DataFrame:
    n = len(rejects)
    if not n:  # most files: the same empty frame every time (building a frame costs more than copying one).
        # A shallow copy is enough: with copy-on-write (always on from pandas 3) changing it never changes the original.
        return _no_rejects().copy(deep=False)
    columns = {"source_file": _repeat(source, n), "source_sha256": _repeat(sha256, n)}
    for name in ("source_locator", "reason", "raw"):
        columns[name] = _str_array([r[name] for r in rejects])
    return _frame(schema.REJECTS, columns, n)


@lru_cache(maxsize=1)
def _no_rejects() -> pd.DataFrame:
    columns = {"source_file": _repeat("", 0), "source_sha256": _repeat("", 0), "source_locator": _nothing(0),
               "reason": _nothing(0), "raw": _nothing(0)}
    return _frame(schema.REJECTS, columns, 0)
