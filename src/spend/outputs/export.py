"""Evidence for Freedom of Information work: a supplier's payments, each with where it was published.

`select_evidence(payments, "optum", publishers=[...], period=...)` picks the rows; `write_export` writes them
to CSV (UTF-8 with a byte-order mark, so Excel shows '£' correctly; amounts as exact text '34500.00') or
XLSX, atomically; `write_foi_drafts` writes one plain-text FOI request per publisher that cites each payment
by date, transaction id, amount and the file and place it was published.

Individuals: a payment to a named person (supplier_kind 'person') or a row the publisher redacted keeps its
place in the evidence (the money is public), but the name and the name-derived supplier id are withheld
unless `include_individuals=True`: exports get passed around, and a person's name is personal data.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from spend.analysis.selection import INDIVIDUAL_KINDS, SupplierMatch, countable, match_supplier, select_payments
from spend.core.money import CENT, format_gbp, money_sum
from spend.core.periods import Period, PeriodError
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


def _cell_text(value) -> str:
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
        text = rows[EXPORT_COLUMNS].map(_cell_text)
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
        sheet.append([v if isinstance(v, (Decimal, date)) else _cell_text(v) or None for v in record])
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


# --- FOI drafts -------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "supplier"


def draft_foi_request(rows: pd.DataFrame, *, supplier_label: str, publisher_name: str) -> str:
    """The text of one FOI request to one publisher about the payments in `rows`."""
    total = money_sum(rows["amount_gbp"])
    listing = []
    for i, r in enumerate(rows.itertuples(index=False), start=1):
        file_name = Path(str(r.source_file)).name
        listing.append(
            f"{i:>3}. {_cell_text(r.payment_date) or 'date not published'}  transaction {r.transaction_id or 'not given'}"
            f"  {format_gbp(r.amount_gbp)}\n"
            f"     published in {file_name}, {r.source_locator}")
    files = rows.drop_duplicates("source_file")
    sources = [f"  {Path(str(f.source_file)).name}: sha256 {f.source_sha256}"
               + (f"\n    {f.source_url}" if isinstance(f.source_url, str) and f.source_url else "")
               for f in files.itertuples(index=False)]
    return "\n".join([
        f"To: {publisher_name}, Freedom of Information",
        f"Subject: Freedom of Information request - payments to {supplier_label}",
        "",
        "Dear Freedom of Information officer,",
        "",
        f"{publisher_name} published the payments listed below in its spending transparency files (payments",
        "over the publication threshold). Under section 1 of the Freedom of Information Act 2000, please send me,",
        "for each of them:",
        "",
        "  1. the contract, order or other agreement under which the payment was made, with its start and end",
        "     dates and total value (or, if it was advertised, its Contracts Finder or Find a Tender reference);",
        "  2. the invoice or invoices the payment settled;",
        "  3. what the payment was for: the goods, services or work supplied, and the period they cover.",
        "",
        f"The payments ({len(rows)}, {format_gbp(total)} in all), as {publisher_name} published them:",
        "",
        *listing,
        "",
        "The files cited above, as I hold them:",
        *sources,
        "",
        "If the cost of answering in full would exceed the appropriate limit, please tell me which part you can",
        "answer within it (section 16 asks you to advise and assist). If you withhold any information, please",
        "release the rest and say which exemption applies to which part. Electronic copies are fine.",
        "",
        "Yours faithfully,",
        "",
        "[your name]",
        "",
    ])


def write_foi_drafts(evidence: Evidence, out_dir: str | Path, *, supplier_label: str | None = None) -> list[Path]:
    """One draft request per publisher, `<out_dir>/foi-<publisher_id>-<supplier>.txt`; returns the paths."""
    out_dir = Path(out_dir)
    written = []
    for publisher_id, rows in evidence.rows.groupby("publisher_id", sort=True):
        names = rows["publisher"].dropna()
        publisher_name = names.mode().iat[0] if not names.empty else publisher_id
        # Address the payee as the publisher printed it, so the officer can find it in their ledger.
        payees = [n for n in dict.fromkeys(rows["supplier_name_raw"].dropna()) if n != WITHHELD]
        label = supplier_label or "; ".join(payees[:3]) + (" and others" if len(payees) > 3 else "")
        label = label or "an individual (name withheld)"
        text = draft_foi_request(rows, supplier_label=label, publisher_name=publisher_name)
        path = out_dir / f"foi-{publisher_id}-{_slug(evidence.match.text)}.txt"
        written.append(write_via_temp(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8")))
    return written


# --- command line -----------------------------------------------------------------------------------------

EXPORT_EXAMPLES = """\
examples:
  spend export --supplier optum -o optum.csv
  spend export --supplier optum --publisher nhs-hounslow-ccg --from 2020-04 --to 2020-11 -o optum.xlsx
  spend export --supplier optum-health-solutions-a62530 --foi foi-drafts/

--supplier is tried as a supplier group, then a supplier id, then part of a group's name, then part of a
published or canonical supplier name (case ignored); the command says which matched. One row per payment,
with where it was published (URL, file, sha256, sheet/page and row). CSV is UTF-8 with a byte-order mark
and amounts as exact text (34500.00). Individuals' names are withheld unless --include-individuals.
--foi writes one draft Freedom of Information request per publisher, citing each payment.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend export` to the project's sub-parsers."""
    p = subparsers.add_parser(
        "export", help="export a supplier's payments with their sources (CSV/XLSX), and FOI drafts",
        description="Export one row per payment to a supplier, each with the file and place it was published.",
        epilog=EXPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--supplier", required=True, help="supplier group, supplier id, or part of a supplier name")
    p.add_argument("--publisher", action="append", default=[], metavar="SLUG", help="only this publisher (repeatable)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM[-DD]", help="first month or day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM[-DD]", help="last month or day (included)")
    p.add_argument("-o", "--output", type=Path, help="write the payments here: .csv or .xlsx")
    p.add_argument("--foi", type=Path, metavar="DIR", help="write a draft FOI request per publisher into DIR")
    p.add_argument("--include-individuals", action="store_true", help="keep the names of individuals")
    p.add_argument("--data", type=Path, help="data folder holding clean/ (default: $SPEND_DATA or ./data)")
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from spend.store.tables import load_payments

    if not args.output and not args.foi:
        raise ExportError(None, "give -o FILE (.csv or .xlsx), --foi DIR, or both")
    if args.output and args.output.suffix.lower() not in (".csv", ".xlsx"):
        raise ExportError(args.output, "write the export to a .csv or .xlsx file")
    try:
        period = Period.between(args.date_from, args.date_to)
    except PeriodError as e:
        raise ExportError(None, str(e)) from None
    payments = load_payments(args.data, publisher_id=args.publisher or None)
    evidence = select_evidence(payments, args.supplier, publishers=args.publisher or None, period=period,
                               include_individuals=args.include_individuals)
    if evidence.rows.empty:
        scope = f" from {', '.join(args.publisher)}" if args.publisher else ""
        raise ExportError(None, f"no payments{scope} in {period.describe()}: {evidence.match.describe()}")
    print(evidence.summary())
    if args.output:
        print(f"wrote {len(evidence.rows)} row(s) to {write_export(evidence, args.output)}")
    if args.foi:
        for path in write_foi_drafts(evidence, args.foi):
            print(f"wrote {path}")
    return 0
