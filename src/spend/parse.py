"""Parse one published spend file into canonical payments, rejects and an accounting report.

    result = parse_file("NWHO 04 - July.pdf")
    result.payments      # one row per payment line (spend.schema.PAYMENTS)
    result.rejects       # rows that look like payments but could not be read, each with a reason
    result.report        # rows read = kept + rejected + non-data, per file

Structure problems (not a spend file, unknown header, pivot summary, undecidable dates) raise a
typed `spend.errors.SpendError`; a single bad cell only rejects its row.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import schema
from .amounts import AmountError, parse_amount_pence, pence_to_decimal
from .codes import normalise_vat_number, split_glued_code
from .dates import AmbiguityError, DateError, DateReader, decide_order, describe_orders
from .errors import AmbiguousDates, NoTableFound, SpendError
from .headers import find_header, match_header, normalise_header
from .pdf import read_pdf
from .readers import RawFile, RawRow, read_csv_text, read_xls, read_xlsx
from .sniff import CSV, PDF, XLS, XLSX, detect_format

_READERS = {CSV: read_csv_text, XLSX: read_xlsx, XLS: read_xls, PDF: read_pdf}
_TOTAL = re.compile(r"^(grand )?totals?\b|^sub ?totals?\b")
# A date cell holding only a time: the export formatted the date as a time and lost the day
# (Oxford City Council, April-June 2014: every row reads 00:00:00).
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_TEXT_COLUMNS = [f.name for f in schema.PAYMENTS if f.arrow_type == schema.pa.string()
                 and not f.name.startswith("source_") and f.name not in ("amount_raw", "row_warnings")]


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
    kept: list[dict] = []
    rejects: list[dict] = []
    tables = 0
    for sheet in raw.sheets:
        rows = sheet.rows
        report.rows_read += len(rows)
        cells = [r.cells for r in rows]
        found = find_header(cells, source, lambda i: rows[i].locator)
        if found is None:
            _account_sheet_without_table(rows, report, sheet.name, source)
            continue
        tables += 1
        h, match = found
        report.columns.update(match.source_names())
        _read_table(rows, h, match.mapping, report, kept, rejects)
    if tables == 0:
        raise NoTableFound(source, "no header row with a supplier, an amount and a date was found "
                                   "(is this a spend-over-£25k file?)")
    payments = _finish_payments(kept, report, source, publisher, date_order, rejects)
    report.rows_kept = len(payments)
    report.rows_rejected = len(rejects)
    report.total_pence = int(payments["_pence"].sum()) if len(payments) else 0
    payments = payments.drop(columns="_pence")
    payments["source_file"] = source
    payments["source_sha256"] = report.source_sha256
    rejects_frame = pd.DataFrame(rejects, columns=schema.column_names(schema.REJECTS))
    rejects_frame["source_file"] = source
    rejects_frame["source_sha256"] = report.source_sha256
    if not report.balanced:  # a bug, never bad input: every row must land in exactly one bucket
        raise AssertionError(f"{source}: rows do not add up: {report}")
    return ParseResult(schema.enforce(payments, schema.PAYMENTS), schema.enforce(rejects_frame, schema.REJECTS), report)


def _account_sheet_without_table(rows: list[RawRow], report: FileReport, name: str | None, source: str) -> None:
    """A sheet with no spend table (Sheet2, Sheet3, a notes tab): its rows are non-data, by name."""
    for r in rows:
        if any(c.strip() for c in r.cells):
            # Refuse to skip a sheet that carries amounts: that would drop payments silently.
            amounts = sum(1 for row in rows for c in row.cells if _looks_like_amount(c))
            if amounts >= 3:
                raise NoTableFound(source, f"sheet {name!r} holds amounts but no recognisable header row")
            break
    reason = f"sheet {name!r} has no spend table" if name else "no spend table"
    for r in rows:
        _nondata(report, "blank row" if not any(c.strip() for c in r.cells) else reason)


def _looks_like_amount(cell: str) -> bool:
    return bool(re.fullmatch(r"\s*[-(£]*\s*\d[\d,]*\.\d\d\)?\s*", cell or ""))


def _nondata(report: FileReport, reason: str) -> None:
    report.rows_nondata += 1
    report.nondata[reason] += 1


def _read_table(rows: list[RawRow], h: int, mapping: dict[int, str], report: FileReport,
                kept: list[dict], rejects: list[dict]) -> None:
    header_key = [normalise_header(c) for c in rows[h].cells]
    ncols = len(rows[h].cells)
    col = {name: i for i, name in mapping.items()}
    amount_at, date_at = col["amount_gbp"], col.get("payment_date")
    txn_at, supplier_at = col.get("transaction_id"), col["supplier_name_raw"]
    running = 0  # pence kept since the header: an unlabelled grand total equals it
    for i, r in enumerate(rows):
        cells = r.cells
        if i < h:
            _nondata(report, "blank row" if not any(c.strip() for c in cells) else "title or notes above the header")
            continue
        if i == h:
            _nondata(report, "header")
            continue
        if r.nondata:
            _nondata(report, r.nondata)
            continue
        if len(cells) == ncols - 1:
            cells, repaired = _unglue_date_amount(cells, ncols, col)
        else:
            repaired = []
        amount = cells[amount_at].strip() if amount_at < len(cells) else ""
        try:
            pence, rounded = _parse_amount(amount)
        except AmountError as e:
            reason = _classify_unreadable(cells, header_key, ncols, date_at, txn_at)
            if reason:
                _nondata(report, reason)
            else:
                _reject(rejects, report, r, str(e))
            continue
        date = cells[date_at].strip() if date_at is not None and date_at < len(cells) else ""
        txn = cells[txn_at].strip() if txn_at is not None and txn_at < len(cells) else ""
        if not date and not txn and any(_TOTAL.match(normalise_header(c)) for c in cells if c):
            _nondata(report, "totals row")
            continue
        supplier = cells[supplier_at].strip() if supplier_at < len(cells) else ""
        if not date and not txn and not supplier:
            # Barts Health's December 2020 XLS ends with a bare £60,110,413.54 under the amounts.
            if pence == running:
                _nondata(report, "totals row (equals the sum of the rows above)")
            else:
                _reject(rejects, report, r, "an amount with no supplier, date or transaction number")
            continue
        if len(cells) > ncols and any(c.strip() for c in cells[ncols:]):
            _reject(rejects, report, r, f"row has {len(cells)} cells but the header has {ncols} columns")
            continue
        record = {name: (cells[j].strip() if j < len(cells) else "") for j, name in mapping.items()}
        record["amount_raw"] = cells[amount_at]
        record["_pence"] = pence
        record["_locator"] = r.locator
        record["_row"] = r
        record["_warnings"] = (["amount rounded to the penny"] if rounded else []) + repaired
        kept.append(record)
        running += pence


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


@lru_cache(maxsize=65536)
def _parse_amount(text: str) -> tuple[int, bool]:
    return parse_amount_pence(text)


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


def _reject(rejects: list[dict], report: FileReport, row: RawRow, reason: str) -> None:
    rejects.append({"source_locator": row.locator, "reason": reason, "raw": " | ".join(row.cells)})
    report.rejected[reason.split(":")[0]] += 1


def _finish_payments(kept: list[dict], report: FileReport, source: str, publisher: str | None,
                     date_order: str | None, rejects: list[dict]) -> pd.DataFrame:
    """Dates (order decided over the whole file), codes, publisher; build the frame."""
    raw_dates = {k.get("payment_date", "") for k in kept}
    try:
        orders = {} if date_order else decide_order(raw_dates)
    except AmbiguityError as e:
        raise AmbiguousDates(source, f"{e}; pass --date-order day-first or month-first") from None
    except DateError as e:
        raise AmbiguousDates(source, str(e)) from None
    report.date_order = date_order or describe_orders(orders)
    read_date = DateReader(orders, default=date_order)
    cache: dict[str, object] = {}
    out = []
    for k in kept:
        text = k.get("payment_date", "")
        warnings = k["_warnings"]
        if not text or _TIME_ONLY.match(text):
            date = None
            warnings.append("date blank" if not text else f"date not published (cell reads {text!r})")
        else:
            if text not in cache:
                try:
                    cache[text] = read_date(text)
                except DateError as e:
                    cache[text] = e
            date = cache[text]
            if isinstance(date, DateError):
                _reject(rejects, report, k["_row"], str(date))
                continue
        if not k.get("supplier_name_raw"):
            warnings.append("supplier blank")
        k["payment_date_raw"] = text or None
        k["payment_date"] = date
        out.append(k)
    frame = pd.DataFrame(out)
    if frame.empty:
        return pd.DataFrame(columns=[*schema.column_names(schema.PAYMENTS), "_pence"]).astype({"_pence": "int64"})
    supplier = frame["supplier_name_raw"]
    split = [_split_supplier(s) for s in supplier]
    frame["supplier_code"] = [s.code for s in split]
    frame["company_number"] = [s.code if s.kind == "company_number" else None for s in split]
    vat_from_code = [s.code if s.kind == "vat_number" else None for s in split]
    published_vat = frame["vat_number"] if "vat_number" in frame else pd.Series([None] * len(frame))
    frame["vat_number"] = [normalise_vat_number(v) or c for v, c in zip(published_vat, vat_from_code)]
    if publisher:
        frame["publisher"] = publisher
    elif "publisher" in frame:
        report.publisher = ", ".join(sorted(set(frame["publisher"]) - {""}))
    else:
        frame["publisher"] = None
    report.publisher = publisher or report.publisher
    for w in frame["_warnings"]:
        for item in w:
            report.warnings[item.split(" (")[0]] += 1
    frame["row_warnings"] = ["; ".join(w) or None for w in frame["_warnings"]]
    decimals: dict[int, object] = {}
    frame["amount_gbp"] = [decimals.get(p) or decimals.setdefault(p, pence_to_decimal(p)) for p in frame["_pence"]]
    frame["source_locator"] = frame["_locator"]
    for name in _TEXT_COLUMNS:
        if name in frame:
            frame[name] = frame[name].where(frame[name] != "", None)
    return frame.drop(columns=["_locator", "_row", "_warnings"])

