"""Evidence for Freedom of Information work: a supplier's payments, each with where it was published.

`select_evidence(payments, "optum", publishers=[...], period=...)` picks the rows; `write_export` writes them
to CSV (UTF-8 with a byte-order mark, so Excel shows '£' correctly; amounts as exact text '34500.00') or
XLSX, atomically. `spend.outputs.foi` drafts the FOI requests that cite them.

Individuals: a payment to a named person (supplier_kind 'person') or a row the publisher redacted keeps its
place in the evidence (the money is public), but the name and the name-derived supplier id are withheld
unless `include_individuals=True`: exports get passed around, and a person's name is personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from spend.analysis.selection import INDIVIDUAL_KINDS, SupplierMatch, countable, match_supplier, select_payments
from spend.core.money import CENT, format_gbp, money_sum
from spend.core.periods import Period
from spend.core.errors import SpendError
from spend.core.files import write_via_temp

EXPORT_COLUMNS = [
    "publisher_id", "publisher", "payment_date", "transaction_id", "amount_gbp", "expense_type", "expense_area",
    "supplier_name_raw", "supplier_name", "supplier_id", "supplier_group", "supplier_kind", "description",
    "source_url", "source_file", "source_sha256", "source_locator",
]
WITHHELD = "[withheld: individual]"
NAME_COLUMNS = ("supplier_name_raw", "supplier_name", "supplier_id")


class ExportError(SpendError):
    """An export cannot be made as asked (nothing matched, an unknown output format)."""


@dataclass
class Evidence:
    rows: pd.DataFrame  # EXPORT_COLUMNS, amounts as Decimal, one row per payment, in date order
    match: SupplierMatch
    withheld: int  # rows whose supplier name was withheld (individuals)
    duplicates_skipped: int  # rows already published in an earlier file, left out

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
    include_individuals: bool = False,
) -> Evidence:
    """The payments to `supplier` (a group, supplier id or name part: see spend.analysis.match_supplier)."""
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
    return Evidence(out, match, withheld, duplicates)


def _locator_order(locator) -> tuple:
    """'page 6 line 37' sorts after 'page 6 line 5': numbers compared as numbers."""
    return tuple(int(t) if t.isdigit() else t for t in re.findall(r"\d+|\D+", str(locator or "")))


def cell_text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return f"{value.quantize(CENT)}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_export(evidence: Evidence | pd.DataFrame, path: str | Path) -> Path:
    """Write the evidence rows to .csv (UTF-8 with BOM, amounts as text) or .xlsx; nothing half-written."""
    rows = evidence.rows if isinstance(evidence, Evidence) else evidence
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = rows[EXPORT_COLUMNS].map(cell_text)
        return write_via_temp(path, lambda tmp: text.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n"))
    if suffix == ".xlsx":
        return write_via_temp(path, lambda tmp: _write_xlsx(rows, tmp))
    raise ExportError(path, "write the export to a .csv or .xlsx file")


def _write_xlsx(rows: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "payments"
    sheet.append(EXPORT_COLUMNS)
    amount_col = EXPORT_COLUMNS.index("amount_gbp") + 1
    for record in rows[EXPORT_COLUMNS].itertuples(index=False):
        # Amounts go in as numbers (so Excel can add them) with two decimals shown; every amount to the penny
        # below £10^13 is held exactly enough by Excel's doubles to read back as the same Decimal.
        sheet.append([v if isinstance(v, (Decimal, date)) else cell_text(v) or None for v in record])
        sheet.cell(row=sheet.max_row, column=amount_col).number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    book.save(path)


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

        sheet = load_workbook(path, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        frame = pd.DataFrame(values[1:], columns=values[0] if values else [], dtype=object)
        _check_columns(frame, path)
        # Excel holds amounts as doubles: repr() gives the shortest decimal that reads back as the same
        # double, which for any amount in pence below 10^13 pounds is the amount written.
        frame["amount_gbp"] = [_amount(repr(v) if isinstance(v, float) else v, path, i)
                               for i, v in enumerate(frame["amount_gbp"])]
        frame["payment_date"] = [v.date() if hasattr(v, "date") else v for v in frame["payment_date"]]
        return frame.where(frame.notna(), None)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").astype(object)
    _check_columns(frame, path)
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
