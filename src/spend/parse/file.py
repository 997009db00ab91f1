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

import datetime as dt
import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from spend.core import schema
from spend.core.codes import normalise_vat_number, split_glued_code
from spend.core.errors import AmbiguousDates, NoTableFound, OverLimit, SpendError
from spend.core.money import AMOUNT_LIMIT_PENCE, format_gbp, pence_to_decimal
from spend.parse.columns import (
    Distinct, as_str, frame, nothing, repeat, str_array, text_column,
)
from spend.parse.dates import AmbiguityError, DateError, DateReader, decide_order, describe_orders, explain_orders
from spend.parse.headers import find_header, infer_header
from spend.parse.limits import LIMITS, Limits
from spend.parse.pdf import read_pdf
from spend.parse.readers import RawFile, read_csv_text, read_xls, read_xlsx
from spend.parse.report import FileReport
from spend.parse.rows import Table, account_sheet_without_table, column, factorise, read_table, reject
from spend.parse.sniff import CSV, PDF, XLS, XLSX, detect_format


_READERS = {CSV: read_csv_text, XLSX: read_xlsx, XLS: read_xls}

# A date cell holding only a time: the export formatted the date as a time and lost the day
# (Oxford City Council, April-June 2014: every row reads 00:00:00).
TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


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


def parse_file(path: str | Path, *, publisher: str | None = None, date_order: str | None = None,
               limits: Limits = LIMITS) -> ParseResult:
    """Parse one file. `publisher` fills rows whose file has no Entity/Body column (and wins over it);
    `date_order` ('day-first' / 'month-first') settles a file whose dates read both ways; `limits` bound what
    reading a spreadsheet may cost (spend.parse.limits)."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SpendError(source, f"cannot read the file ({e.strerror or e})") from None
    return parse_bytes(data, source, publisher=publisher, date_order=date_order, limits=limits)


def parse_bytes(data: bytes, source: str, *, publisher: str | None = None, date_order: str | None = None,
                limits: Limits = LIMITS) -> ParseResult:
    fmt = detect_format(data, source)
    raw: RawFile = read_pdf(data, source) if fmt == PDF else _READERS[fmt](data, source, limits)
    report = FileReport(source_file=source, source_sha256=sha256_bytes(data), format=fmt, encoding=raw.encoding,
                        layout=raw.layout)
    tables: list[Table] = []
    rejects: list[dict] = []
    for sheet in raw.sheets:
        report.rows_read += len(sheet.cells)
        found = find_header(sheet.cells, source, sheet.locators.__getitem__)
        if found is None and fmt != PDF:
            found = infer_header(sheet.cells)
        if found is None:
            account_sheet_without_table(sheet, report, source)
            continue
        h, match = found
        if report.header is None:
            report.header = (sheet.locators[h], sheet.cells[h])
            report.first_rows = [(sheet.locators[i], sheet.cells[i]) for i in range(h + 1, min(h + 6, len(sheet.cells)))]
        report.columns.update(match.source_names())
        extras = match.extras()
        report.extra_columns += [name for name in extras.values() if name not in report.extra_columns]
        report.notes += match.notes
        table = read_table(sheet, h, match.mapping, report, rejects)
        table.extras = extras
        tables.append(table)
    if not tables:
        raise NoTableFound(source, "no header row with a supplier, an amount and a date was found "
                                   "(is this a spend-over-£25k file?)")
    payments = _finish_payments(tables, report, source, publisher, date_order, rejects)
    # A figure printed above the table is checked against the file's total, now known.
    report.checks = [c if c.computed_pence is not None else replace(c, computed_pence=report.total_pence)
                     for c in report.checks]
    report.rows_kept = len(payments)
    report.rows_rejected = len(rejects)
    if not report.balanced:  # a bug, never bad input: every row must land in exactly one bucket
        raise AssertionError(f"{source}: rows do not add up: {report}")
    return ParseResult(payments, _rejects_frame(rejects, source, report.source_sha256), report)


@lru_cache(maxsize=65536)
def _split_supplier(text: str):
    return split_glued_code(text)


def _finish_payments(tables: list[Table], report: FileReport, source: str, publisher: str | None,
                     date_order: str | None, rejects: list[dict]) -> pd.DataFrame:
    """Dates (order decided over the whole file), codes, publisher; build the frame column by column."""
    dates = factorise(tables, "payment_date")
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
    report.date_evidence = explain_orders(raw_dates, date_order)
    read_date = DateReader(orders, default=date_order)
    date_values = [_read_date(text, read_date) for text in date_text]
    unreadable = dates.rows_where([isinstance(d, DateError) for d in date_values])
    if unreadable:  # reject those rows, in file order, and carry on without them
        _reject_rows(tables, unreadable, [str(date_values[dates.index[k]]) for k in unreadable], report, rejects)
        tables = [t for t in tables if t.kept]
        if not tables:
            return _empty_payments(source, report.source_sha256)
        dates = Distinct(column(tables, "payment_date"))
        date_text = [d.strip() for d in dates.values]
        date_values = [_read_date(text, read_date) for text in date_text]
    n = len(dates.index)
    if n == 0:
        return _empty_payments(source, report.source_sha256)

    amounts = factorise(tables, "amount_gbp")
    parsed = amounts.amounts  # all readable: read_table kept no other rows
    counts = np.bincount(amounts.index, minlength=len(parsed)).tolist()
    report.total_pence = sum(a[0] * k for a, k in zip(parsed, counts))
    if abs(report.total_pence) >= AMOUNT_LIMIT_PENCE:  # each amount is storable (amounts.py), their sum is not
        raise OverLimit(source, f"its payments add up to {format_gbp(pence_to_decimal(report.total_pence))}, more "
                                "than the store can hold as one amount (the file's total)",
                        limit="AMOUNT_LIMIT_PENCE", value=AMOUNT_LIMIT_PENCE)
    suppliers = Distinct(column(tables, "supplier_name_raw"))
    supplier_text = [s.strip() for s in suppliers.values]
    implausible = {
        "implausible: a single payment over £1bn": amounts.rows_where([abs(a[0]) >= _IMPLAUSIBLE_PENCE for a in parsed]),
        "implausible: a date before 2000 or after next year": dates.rows_where(
            [isinstance(d, dt.date) and not (_EARLIEST <= d <= _latest()) for d in date_values]),
    }
    row_warnings = _row_warnings(tables, amounts.rows_where([a[1] for a in parsed]), dates, date_text, date_values,
                                 suppliers.rows_where([not s for s in supplier_text]), implausible, report)

    split = [_split_supplier(s) for s in supplier_text]
    columns = {
        "payment_date": dates.objects(date_values),
        "payment_date_raw": dates.text([d or None for d in date_text]),
        "amount_gbp": amounts.objects([a[2] for a in parsed]),
        "amount_raw": as_str(column(tables, "amount_gbp")),
        "supplier_name_raw": suppliers.text([s or None for s in supplier_text], published=True),
        "supplier_code": suppliers.text([c.code for c in split]),
        "company_number": suppliers.text([c.code if c.kind == "company_number" else None for c in split]),
        "row_warnings": row_warnings,
        "extra_fields": _extra_fields(tables, n),
        "source_file": repeat(source, n),
        "source_sha256": repeat(report.source_sha256, n),
        "source_locator": str_array(list(chain.from_iterable(t.locators() for t in tables))),
    }
    vat_in_name = [c.code if c.kind == "vat_number" else None for c in split]
    names = dict.fromkeys(name for t in tables for name in t.mapping.values())
    if "vat_number" in names:  # a published VAT number wins over one glued onto the name
        vat_cells = Distinct(column(tables, "vat_number"))
        vat = vat_cells.objects([normalise_vat_number(v.strip()) for v in vat_cells.values])
        vat = [v if v is not None else c for v, c in zip(vat.tolist(), suppliers.objects(vat_in_name).tolist())]
        columns["vat_number"] = nothing(n) if vat.count(None) == n else str_array(vat)
    else:
        columns["vat_number"] = suppliers.text(vat_in_name)
    if publisher:
        columns["publisher"] = repeat(publisher, n)
    elif "publisher" in names:
        bodies = Distinct(column(tables, "publisher"))
        report.publisher = ", ".join(sorted({v.strip() for v in bodies.values} - {""}))
        columns["publisher"] = bodies.text([v.strip() or None for v in bodies.values], published=True)
    report.publisher = publisher or report.publisher
    for name in names:
        if name not in columns:  # published text as it stands, trimmed, blanks missing
            columns[name] = text_column(column(tables, name))
    return frame(schema.PAYMENTS, columns, n)


def _extra_fields(tables: list[Table], n: int):
    """The extra fields of every payment row (JSON objects), or a column of None when no table has any."""
    if not any(t.extras for t in tables):
        return nothing(n)
    return str_array(list(chain.from_iterable(t.extra_fields() for t in tables)))


def _reject_rows(tables: list[Table], positions: list[int], reasons: list[str], report: FileReport,
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
            reject(rejects, report, t.sheet, i, reason)
        if drop:
            t.keep_only([i for i in t.kept if i not in drop])
        offset = end


def _read_date(text: str, read: DateReader):
    """A date cell -> the date, None when none is published (blank, or a time with no day), or the DateError."""
    if not text or TIME_ONLY.match(text):
        return None
    try:
        return read(text)
    except DateError as e:
        return e.with_traceback(None)


# Self-checks on kept rows: no single payment in a spend file comes near £1bn, and spend files are published
# from 2010 on (dates before 2000 or after next year are typing or reading errors).
_IMPLAUSIBLE_PENCE = 100_000_000_000
_EARLIEST = dt.date(2000, 1, 1)


def _latest() -> dt.date:
    return dt.date(dt.date.today().year + 1, 12, 31)


def _row_warnings(tables: list[Table], rounded: list[int], dates: Distinct, date_text: list[str],
                  date_values: list, blank_suppliers: list[int], implausible: dict[str, list[int]],
                  report: FileReport):
    """Anything odd about a kept row, in the order a reader meets it: rounding, mending, date, supplier, and
    what the self-checks find implausible."""
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
    for flag, rows in implausible.items():
        for k in rows:
            notes.setdefault(k, []).append(flag)
    n = len(dates.index)
    if not notes:
        return nothing(n)
    row_warnings: list[str | None] = [None] * n
    for k in sorted(notes):
        row_warnings[k] = "; ".join(notes[k])
        for item in notes[k]:
            report.warnings[item.split(" (")[0]] += 1
    return str_array(row_warnings)


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
    columns = {"source_file": repeat(source, n), "source_sha256": repeat(sha256, n)}
    for name in ("source_locator", "reason", "raw"):
        columns[name] = str_array([r[name] for r in rejects])
    return frame(schema.REJECTS, columns, n)


@lru_cache(maxsize=1)
def _no_rejects() -> pd.DataFrame:
    columns = {"source_file": repeat("", 0), "source_sha256": repeat("", 0), "source_locator": nothing(0),
               "reason": nothing(0), "raw": nothing(0)}
    return frame(schema.REJECTS, columns, 0)
