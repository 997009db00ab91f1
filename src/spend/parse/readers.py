"""Readers turn a file's bytes into sheets of text cells with locators. No interpretation here.

Every physical row is kept, blank ones included, so that the parser can account for each
(rows read = kept + rejected + non-data).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

import openpyxl
import xlrd

from spend.core.errors import CorruptFile, OverLimit
from spend.parse.limits import LIMITS, Limits, check_zip
from spend.parse.sniff import decode_text

_DELIMITERS = (",", "\t", ";", "|")


@dataclass
class RawRow:
    """One row as the PDF reader builds it."""

    cells: list[str]
    locator: str
    nondata: str | None = None  # set by a reader that already knows (e.g. a PDF header's second line)
    reject: str | None = None  # set by a reader that cannot place the row (e.g. a PDF page whose columns it cannot settle)


class Sheet:
    """One table of text cells: `cells[i]` are row i's cells and `locators[i]` says where the row is in the
    file; `nondata` maps a row to a reason when the reader already knows it is not data, `rejected` to a
    reason when the reader could not place it; `number_cells` holds (row, column) of spreadsheet number cells
    written with digits past the penny (rounded by the parser, not refused as text would be).

    Parallel lists rather than one object per row: on a 13,000-line CSV, building a row object per line
    took half as long as tokenising the file. `Sheet(name, raw_rows)` builds one from `RawRow`s.
    """

    def __init__(self, name: str | None, rows: Iterable[RawRow] = (), *,
                 cells: list[list[str]] | None = None, locators: list[str] | None = None,
                 number_cells: set[tuple[int, int]] | None = None):
        self.name = name
        self.number_cells = number_cells or set()
        if cells is None:
            rows = list(rows)
            cells, locators = [r.cells for r in rows], [r.locator for r in rows]
            self.nondata = {i: r.nondata for i, r in enumerate(rows) if r.nondata}
            self.rejected = {i: r.reject for i, r in enumerate(rows) if r.reject}
        else:
            self.nondata, self.rejected = {}, {}
        if len(cells) != len(locators):
            raise ValueError("a sheet needs one locator per row")
        self.cells: list[list[str]] = cells
        self.locators: list[str] = locators


@dataclass
class RawFile:
    format: str
    sheets: list[Sheet]
    encoding: str | None = None
    layout: list[str] = field(default_factory=list)  # how the reader read the file (PDF: each page's columns)


def excel_cell_text(value) -> str:
    """A spreadsheet cell -> text the parser reads like a CSV cell.

    Dates become ISO; floats lose binary noise (0.30000000000000004 -> '0.3') but keep every
    published digit; whole floats lose '.0' (transaction ids stored as numbers).
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        text = repr(round(value, 6))
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _row_text(values, i: int, numbers: set[tuple[int, int]]) -> list[str]:
    """A spreadsheet row as text cells, noting in `numbers` the number cells written with digits past the
    penny (a computed amount such as 57337.739459: the parser rounds these, where it refuses such text)."""
    out = []
    for j, v in enumerate(values):
        text = excel_cell_text(v)
        if isinstance(v, float) and "." in text and len(text) - text.index(".") > 3 and "e" not in text:
            numbers.add((i, j))
        out.append(text)
    return out


def _pick_delimiter(text: str) -> str:
    sample = text[:20000].splitlines()[:30]
    best, best_score = ",", -1
    for d in _DELIMITERS:
        counts = [line.count(d) for line in sample if line.strip()]
        if not counts:
            continue
        # Lines that carry the most common non-zero count: a real delimiter is consistent.
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * (1 if common else 0) * min(common, 50)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv_text(data: bytes, source: str, limits: Limits = LIMITS) -> RawFile:
    text, encoding = decode_text(data)
    delimiter = _pick_delimiter(text)
    # The csv module refuses the whole file at the first cell over its field size limit. Read with the limit
    # raised past anything the text can hold; a cell over `limits.csv_field_chars` then costs only its row.
    with _csv_field_size_limit(max(len(text) + 1, limits.csv_field_chars)):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            cells: list[list[str]] = list(reader)
        except csv.Error as e:
            raise CorruptFile(source, f"CSV cannot be read at line {reader.line_num}: {e}") from None
        if reader.line_num == len(cells):  # one line per record: record n is line n
            locators = [f"line {n}" for n in range(1, len(cells) + 1)]
        else:
            # A quoted newline makes a record span lines: read again, noting where each record ends.
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            ends: list[int] = []  # csv.line_num after each record: the physical line the record ends on
            for _ in reader:
                ends.append(reader.line_num)
            # A record starts on the line after the one the previous record ended on.
            starts = [1, *(e + 1 for e in ends[:-1])] if ends else []
            locators = [f"line {s}" if s == e else f"lines {s}-{e}" for s, e in zip(starts, ends)]
    sheet = Sheet(None, cells=cells, locators=locators)
    if len(text) > limits.csv_field_chars:
        _reject_long_cells(sheet, limits.csv_field_chars)
    return RawFile("csv", [sheet], encoding)


@contextmanager
def _csv_field_size_limit(chars: int):
    before = csv.field_size_limit(chars)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _reject_long_cells(sheet: Sheet, limit: int) -> None:
    """Reject each row with a cell over `limit` characters, and cut that cell short in the sheet: the reject
    quotes its start, not megabytes of it."""
    for i, row in enumerate(sheet.cells):
        if row and max(map(len, row)) > limit:
            longest = max(map(len, row))
            sheet.cells[i] = [c if len(c) <= limit else f"{c[:100]}... ({len(c):,} characters)" for c in row]
            sheet.rejected[i] = f"a cell of {longest:,} characters, over the limit of {limit:,}"


def read_xlsx(data: bytes, source: str, limits: Limits = LIMITS) -> RawFile:
    """An XLSX's worksheets, each row padded to the sheet's widest. The zip is checked against `limits` before
    it is opened, and a sheet's size is what its rows hold: its `dimension` element, which openpyxl would use
    to pad every row and add rows, is not trusted (a false `A1:XFD20000` would cost 300 million cells)."""
    check_zip(data, source, limits)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged container
        raise CorruptFile(source, f"the XLSX cannot be opened ({type(e).__name__}: {e})") from None
    sheets = []
    room = limits.sheet_cells
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()
            cells: list[list[str]] = []
            numbers: set[tuple[int, int]] = set()
            width = 0
            for values in ws.iter_rows(values_only=True):  # each row as far as its last cell, missing rows empty
                cells.append(_row_text(values, len(cells), numbers))
                width = max(width, len(values))
                if len(cells) * max(width, 1) > room:
                    raise _too_many_cells(source, ws.title, limits)
                if len(cells) > limits.sheet_rows:
                    raise OverLimit(source, f"sheet {ws.title!r} holds more rows than allowed", limit="sheet_rows",
                                    value=limits.sheet_rows)
            room -= len(cells) * width
            for row in cells:
                if len(row) < width:
                    row.extend([""] * (width - len(row)))
            locators = [f"sheet {ws.title!r} row {n}" for n in range(1, len(cells) + 1)]
            sheets.append(Sheet(ws.title, cells=cells, locators=locators, number_cells=numbers))
    except OverLimit:
        raise
    except Exception as e:
        raise CorruptFile(source, f"the XLSX is damaged ({type(e).__name__}: {e})") from None
    finally:
        wb.close()
    return RawFile("xlsx", sheets)


def _too_many_cells(source: str, sheet: str, limits: Limits) -> OverLimit:
    return OverLimit(source, f"sheet {sheet!r} holds more cells (rows x columns) than allowed", limit="sheet_cells",
                     value=limits.sheet_cells)


def read_xls(data: bytes, source: str, limits: Limits = LIMITS) -> RawFile:
    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as e:
        raise CorruptFile(source, f"the XLS cannot be opened ({type(e).__name__}: {e})") from None
    sheets = []
    room = limits.sheet_cells  # the format caps a sheet at 65,536 x 256 cells: bounded, but not small
    for sh in book.sheets():
        room -= sh.nrows * sh.ncols
        if room < 0:
            raise _too_many_cells(source, sh.name, limits)
        rows = []
        numbers: set[tuple[int, int]] = set()
        for r in range(sh.nrows):
            values = []
            for c in sh.row(r):
                if c.ctype == xlrd.XL_CELL_DATE:
                    values.append(xlrd.xldate_as_datetime(c.value, book.datemode))
                elif c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    values.append(None)
                else:
                    values.append(c.value)
            rows.append(_row_text(values, r, numbers))
        locators = [f"sheet {sh.name!r} row {n}" for n in range(1, len(rows) + 1)]
        sheets.append(Sheet(sh.name, cells=rows, locators=locators, number_cells=numbers))
    return RawFile("xls", sheets)
