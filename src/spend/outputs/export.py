"""Evidence for Freedom of Information work: a supplier's payments, each with where it was published.

`select_evidence(payments, "optum", publishers=[...], period=...)` picks the rows; `write_export` writes them
to CSV (UTF-8 with a byte-order mark, so Excel shows '£' correctly; amounts as exact text '34500.00') or
XLSX (amounts as numbers shown as '£34,500.00', a filter on the header, the publishers' URLs as links, and a
second sheet "Sources" listing each file with its URL, sha256 and when it was fetched), atomically.
`spend.outputs.foi` drafts the FOI requests that cite them.

Exports are opened in spreadsheets, and a published supplier name or description can start like a formula
(`=HYPERLINK(...)`, `+SUM(1)`, `@cmd`). No text ever becomes a live formula: XLSX cells hold text as text,
and in CSV a text cell that would be read as a formula gets a leading apostrophe (OWASP's advice on CSV
injection), which `read_export` takes off again. Amounts are never touched: -25.00 stays a number.

Individuals: a payment to a named person (supplier_kind 'person') or a row the publisher redacted keeps its
place in the evidence (the money is public), but the name, the name-derived supplier id and any VAT or
company number (which lead to the name) are withheld unless `include_individuals=True`: exports get passed
around, and a person's name is personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from spend.analysis.selection import INDIVIDUAL_KINDS, SupplierMatch, countable, match_supplier, select_payments
from spend.core.money import CENT, format_gbp, money_sum
from spend.core.periods import Period
from spend.core.errors import SpendError
from spend.core.files import write_via_temp

EXPORT_COLUMNS = [
    "publisher_id", "publisher", "payment_date", "transaction_id", "invoice_number", "amount_gbp", "expense_type",
    "expense_area", "supplier_name_raw", "supplier_name", "supplier_id", "supplier_group", "supplier_kind",
    "vat_number", "company_number", "description", "contract_number",
    "source_url", "source_file", "source_sha256", "source_locator",
]
# One row per file the payments were published in (the XLSX's "Sources" sheet).
SOURCE_COLUMNS = ["publisher_id", "source_file", "source_url", "source_sha256", "fetched_at", "payments"]
WITHHELD = "[withheld: individual]"
NAME_COLUMNS = ("supplier_name_raw", "supplier_name", "supplier_id")
# A sole trader's VAT or company number leads straight to their name: withheld with it, where published.
IDENTIFIER_COLUMNS = ("vat_number", "company_number")

# A text cell starting with one of = + - @ (or a tab or carriage return) is a formula to Excel, LibreOffice and
# Google Sheets. OWASP ("CSV Injection") advises a leading apostrophe; apostrophes already in front of one are
# counted in, so that reading the export back takes exactly one off and gives the published text.
FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
# Excel holds numbers as doubles, exact to 15 significant digits: every amount in pence below £10^13.
EXACT_IN_EXCEL = Decimal("1e13")


class ExportError(SpendError):
    """An export cannot be made as asked (nothing matched, an unknown output format)."""


@dataclass
class Evidence:
    rows: pd.DataFrame  # EXPORT_COLUMNS, amounts as Decimal, one row per payment, in date order
    match: SupplierMatch
    withheld: int  # rows whose supplier name was withheld (individuals)
    duplicates_skipped: int  # rows already published in an earlier file, left out
    fetched_at: dict[str, datetime] = field(default_factory=dict)  # source_file -> when spend fetched it (UTC)

    @property
    def sources(self) -> pd.DataFrame:
        """The files the payments were published in (SOURCE_COLUMNS), in the order they are first cited."""
        return list_sources(self.rows, self.fetched_at)

    @property
    def total_gbp(self) -> Decimal:
        return money_sum(self.rows["amount_gbp"])

    def summary(self) -> str:
        text = (f"{self.match.describe()}: {len(self.rows)} payment(s), {format_gbp(self.total_gbp)}, "
                f"{self.rows['publisher_id'].nunique()} publisher(s)")
        if self.withheld:
            text += f"; {self.withheld} individual's name(s) withheld"
        if self.duplicates_skipped:
            text += f"; {self.duplicates_skipped} republished row(s) counted once"
        return text


def select_evidence(
    payments: pd.DataFrame, supplier: str, *, publishers: list[str] | None = None, period: Period | None = None,
    include_individuals: bool = False, files: pd.DataFrame | None = None,
) -> Evidence:
    """The payments to `supplier` (a group, supplier id or name part: see spend.analysis.match_supplier).
    `files`, the store's files table (spend.store.load_files), adds when each source file was fetched."""
    scoped = payments
    if publishers:
        scoped = scoped[scoped["publisher_id"].isin(publishers)]
    if period is not None and (period.start or period.end):
        scoped = scoped[[period.contains(d) for d in scoped["payment_date"]]]
    match = match_supplier(scoped, supplier)
    chosen = scoped[match.mask]
    rows = select_payments(chosen)
    duplicates = len(chosen) - len(countable(chosen))
    out = rows.reindex(columns=EXPORT_COLUMNS).astype(object)
    out = out.where(out.notna(), None)
    withheld = 0
    if not include_individuals:
        private = out["supplier_kind"].isin(INDIVIDUAL_KINDS)
        withheld = int(private.sum())
        for column in NAME_COLUMNS:
            out.loc[private, column] = WITHHELD
        for column in IDENTIFIER_COLUMNS:
            out.loc[private & out[column].notna(), column] = WITHHELD
        # The match's own description names what matched; an individual's name is withheld there too.
        individuals = chosen[chosen["supplier_kind"].isin(INDIVIDUAL_KINDS)]
        private = set(individuals["supplier_name_raw"].dropna()) | set(individuals["supplier_id"].dropna())
        values = tuple(v for v in match.values if v not in private)
        if len(values) < len(match.values):
            values += (WITHHELD,)
        match = SupplierMatch(match.text, match.matched_by, values, match.mask)
    order = sorted(range(len(out)), key=lambda i: (
        str(out["publisher_id"].iat[i]), str(out["payment_date"].iat[i]), str(out["source_file"].iat[i]),
        _locator_order(out["source_locator"].iat[i])))
    out = out.iloc[order].reset_index(drop=True)
    return Evidence(out, match, withheld, duplicates, _fetched_at(files, set(out["source_file"])))


def _fetched_at(files: pd.DataFrame | None, wanted: set[str]) -> dict[str, datetime]:
    if files is None or "fetched_at" not in files.columns:  # a store built before it was recorded
        return {}
    known = files[files["source_file"].isin(wanted) & files["fetched_at"].notna()]
    return {f: pd.Timestamp(t).to_pydatetime() for f, t in zip(known["source_file"], known["fetched_at"])}


def list_sources(rows: pd.DataFrame, fetched_at: dict[str, datetime] | None = None) -> pd.DataFrame:
    """One row per file cited in `rows`, in the order first cited: SOURCE_COLUMNS, `payments` the rows it holds."""
    fetched_at = fetched_at or {}
    counts = rows.groupby("source_file", sort=False).size()
    first = rows.drop_duplicates("source_file")
    out = pd.DataFrame({
        "publisher_id": list(first["publisher_id"]), "source_file": list(first["source_file"]),
        "source_url": list(first["source_url"]), "source_sha256": list(first["source_sha256"]),
        "fetched_at": [fetched_at.get(f) for f in first["source_file"]],
        "payments": [int(counts[f]) for f in first["source_file"]],
    }, columns=SOURCE_COLUMNS, dtype=object)
    return out.where(out.notna(), None)


def is_web_url(value) -> bool:
    """An http(s) URL: a publisher's address that a reader can follow (not a file:// path on one machine)."""
    return isinstance(value, str) and re.match(r"^https?://[^\s/?#]+", value, re.IGNORECASE) is not None


def _locator_order(locator) -> tuple:
    """'page 6 line 37' sorts after 'page 6 line 5': numbers compared as numbers."""
    return tuple(int(t) if t.isdigit() else t for t in re.findall(r"\d+|\D+", str(locator or "")))


def cell_text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return f"{value.quantize(CENT)}"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def neutralise_formula(text: str) -> str:
    """`text` as a spreadsheet will show it, never run it: a leading apostrophe when it starts like a formula."""
    return "'" + text if FORMULA_START.match(text) else text


def restore_formula_text(text: str) -> str:
    """The published text of a cell `neutralise_formula` wrote."""
    return text[1:] if text.startswith("'") and FORMULA_START.match(text[1:]) else text


def write_export(evidence: Evidence | pd.DataFrame, path: str | Path) -> Path:
    """Write the evidence rows to .csv (UTF-8 with BOM, amounts as text) or .xlsx; nothing half-written."""
    rows = evidence.rows if isinstance(evidence, Evidence) else evidence
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = rows[EXPORT_COLUMNS].map(cell_text)
        for column in EXPORT_COLUMNS:
            if column != "amount_gbp":  # an amount is a number: '-25.00' is a credit, not a formula
                text[column] = text[column].map(neutralise_formula)
        return write_via_temp(path, lambda tmp: text.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n"))
    if suffix == ".xlsx":
        sources = evidence.sources if isinstance(evidence, Evidence) else list_sources(rows)
        return write_via_temp(path, lambda tmp: _write_xlsx(rows, sources, tmp))
    raise ExportError(path, "write the export to a .csv or .xlsx file")


def _write_xlsx(rows: pd.DataFrame, sources: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    _write_sheet(book.active, "payments", rows[EXPORT_COLUMNS])
    _write_sheet(book.create_sheet(), "Sources", sources[SOURCE_COLUMNS])
    book.save(path)


def _write_sheet(sheet, title: str, frame: pd.DataFrame) -> None:
    """A table on its own sheet: a bold, frozen header with a filter, columns wide enough to read, amounts
    as numbers shown in pounds, dates as dates, every other value as text, and http(s) URLs as links."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.title = title
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(c) for c in frame.columns]
    for record in frame.itertuples(index=False):
        sheet.append([_xlsx_value(v) for v in record])
        for i, (cell, value) in enumerate(zip(sheet[sheet.max_row], record)):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it starts with '=': never a formula
                cell.quotePrefix = bool(FORMULA_START.match(cell.value))  # and it stays text when edited
            elif isinstance(value, Decimal):
                cell.number_format = "£#,##0.00"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if frame.columns[i] == "source_url" and is_web_url(value):
                cell.hyperlink = value
                cell.style = "Hyperlink"
            widths[i] = max(widths[i], len(format_gbp(value) if isinstance(value, Decimal) else cell_text(value)))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width, 66) + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{sheet.max_row}"


def _xlsx_value(value):
    """What goes in the cell: an amount as a number (so Excel adds it up) where Excel's doubles hold it
    exactly, which is any amount in pence below £10^13 (beyond that, exact text); a date as a date; a count
    as a number; anything else as text."""
    if isinstance(value, Decimal):
        return value if abs(value) < EXACT_IN_EXCEL else cell_text(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return cell_text(value) or None


def read_export(path: str | Path) -> pd.DataFrame:
    """Read an export back: text columns as text, amount_gbp as exact Decimal, payment_date as date.

    `ExportError` names the file (and the row) when it is not an export: missing, of another kind, without
    the export's columns, or with an amount that is not a number."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ExportError(path, "an export is a .csv or .xlsx file")
    if not path.is_file():
        raise ExportError(path, "file not found")
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        sheet = book["payments"] if "payments" in book.sheetnames else book.active
        values = list(sheet.iter_rows(values_only=True))
        frame = pd.DataFrame(values[1:], columns=values[0] if values else [], dtype=object)
        _check_columns(frame, path)
        # Excel holds amounts as doubles: repr() gives the shortest decimal that reads back as the same
        # double, which for any amount in pence below 10^13 pounds is the amount written.
        frame["amount_gbp"] = [_amount(repr(v) if isinstance(v, float) else v, path, i)
                               for i, v in enumerate(frame["amount_gbp"])]
        frame["payment_date"] = [v.date() if hasattr(v, "date") else v for v in frame["payment_date"]]
        return frame.where(frame.notna(), None)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    _check_columns(frame, path)
    text = [c for c in frame.columns if c != "amount_gbp"]
    frame[text] = frame[text].map(restore_formula_text)
    frame = frame.astype(object)
    frame["amount_gbp"] = [_amount(v, path, i) for i, v in enumerate(frame["amount_gbp"])]
    frame["payment_date"] = [date.fromisoformat(v) if v else None for v in frame["payment_date"]]
    return frame.where(frame != "", None)


def _check_columns(frame: pd.DataFrame, path: Path) -> None:
    missing = [c for c in EXPORT_COLUMNS if c not in frame.columns]
    if missing:
        raise ExportError(path, f"not a spend export: no column(s) {', '.join(missing)}")


def _amount(value, path: Path, i: int) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        raise ExportError(path, f"amount_gbp {value!r} is not a number", locator=f"row {i + 2}") from None


@dataclass(frozen=True)
class ExportPaths:
    csv: Path
    xlsx: Path
    foi: Path


def export_paths(supplier: str, data_dir: str | Path) -> ExportPaths:
    """Where the evidence about `supplier` goes, for `spend export` and notebook 04 alike:
    `<data>/exports/<supplier>-payments.csv` and `.xlsx`, and the FOI drafts in `<data>/exports/<supplier>-foi/`."""
    import re

    name = re.sub(r"[^a-z0-9]+", "-", supplier.lower()).strip("-")[:60] or "supplier"
    base = Path(data_dir) / "exports"
    return ExportPaths(base / f"{name}-payments.csv", base / f"{name}-payments.xlsx", base / f"{name}-foi")
