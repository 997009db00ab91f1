"""What happened to every row of a file (`FileReport`), per-file results combined, and the accounting summary."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

import pandas as pd

from spend.core import schema
from spend.core.money import format_pence


@dataclass(frozen=True)
class Check:
    """A figure the file prints about itself (a totals row, a figure above the table) against what its
    lines add up to. `computed_pence` is None until known (a figure above the table is checked against the
    file's total once every row is read)."""

    what: str
    locator: str
    printed_pence: int
    computed_pence: int | None

    @property
    def matches(self) -> bool:
        return self.printed_pence == self.computed_pence

    def describe(self) -> str:
        printed, computed = format_pence(self.printed_pence), format_pence(self.computed_pence or 0)
        if self.matches:
            return f"{self.what} at {self.locator}: {printed} equals the sum of the lines it covers"
        return (f"{self.what} at {self.locator}: {printed} is not the sum of the lines it covers ({computed}; "
                f"difference {format_pence(self.printed_pence - (self.computed_pence or 0))})")


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
    extra_columns: list[str] = field(default_factory=list)  # published headers kept as extra fields
    checks: list[Check] = field(default_factory=list)  # figures the file prints about itself, checked
    # For `spend parse --explain`: how the reader read the file, where the header is, why the dates read as
    # they do, and the first rows under the header as read.
    layout: list[str] = field(default_factory=list)
    header: tuple[str, list[str]] | None = None
    date_evidence: str | None = None
    first_rows: list[tuple[str, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the parser decided about the file as a whole

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_kept + self.rows_rejected + self.rows_nondata

    def self_check_warnings(self) -> list[str]:
        """What the file's self-checks found: printed totals that are not the sum of their lines, and rows
        flagged as implausible."""
        found = [c.describe() for c in self.checks if not c.matches]
        found += [f"{n} row(s) flagged {reason}" for reason, n in self.warnings.items() if reason.startswith("implausible")]
        return found


def combine(results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate the payments and rejects of several `ParseResult`s."""
    pays = [r.payments for r in results if len(r.payments)]
    rejs = [r.rejects for r in results if len(r.rejects)]
    payments = pd.concat(pays, ignore_index=True) if pays else schema.enforce(pd.DataFrame(columns=["supplier_name_raw", "amount_gbp", "amount_raw", "source_file", "source_sha256", "source_locator"]), schema.PAYMENTS)
    rejects = pd.concat(rejs, ignore_index=True) if rejs else schema.enforce(pd.DataFrame(columns=schema.column_names(schema.REJECTS)), schema.REJECTS)
    return payments, rejects


def print_summary(reports, failures=(), out: TextIO = sys.stdout, verbose: bool = True) -> None:
    """Per file and in total: rows read / kept / rejected / non-data, and the amount kept."""
    head = f"{'file':58s} {'format':6s} {'read':>8s} {'kept':>8s} {'rejected':>8s} {'non-data':>8s} {'total £':>18s}"
    print(head, file=out)
    print("-" * len(head), file=out)
    totals = [0, 0, 0, 0, 0]
    for r in reports:
        name = r.source_file if len(r.source_file) <= 58 else "…" + r.source_file[-57:]
        if verbose:
            print(f"{name:58s} {r.format:6s} {r.rows_read:8,d} {r.rows_kept:8,d} {r.rows_rejected:8,d} "
                  f"{r.rows_nondata:8,d} {format_pence(r.total_pence):>18s}", file=out)
            notes = []
            if r.rejected:
                notes.append("rejected: " + ", ".join(f"{k} ×{v}" for k, v in r.rejected.most_common()))
            if r.warnings:
                notes.append("kept with warnings: " + ", ".join(f"{k} ×{v}" for k, v in r.warnings.most_common()))
            if not r.publisher:
                notes.append("no publisher: the file has no Entity column; pass --publisher")
            if r.extra_columns:
                notes.append("kept as extra fields: " + ", ".join(repr(c) for c in r.extra_columns))
            notes += r.notes
            notes += [c.describe() for c in r.checks if not c.matches]
            for n in notes:
                print(f"    {n}", file=out)
        for i, v in enumerate((r.rows_read, r.rows_kept, r.rows_rejected, r.rows_nondata, r.total_pence)):
            totals[i] += v
    for path, reason in failures:
        print(f"{path}: FAILED {reason}", file=out)
    print("-" * len(head), file=out)
    label = f"TOTAL ({len(reports)} files parsed, {len(failures)} failed)"
    print(f"{label:58s} {'':6s} {totals[0]:8,d} {totals[1]:8,d} {totals[2]:8,d} {totals[3]:8,d} "
          f"{format_pence(totals[4]):>18s}", file=out)


def format_explanation(result, *, rows: int = 5) -> str:
    """What the parser decided about one file and why, for `spend parse --explain`: format and encoding,
    how the reader read it (a PDF's columns per page, with their x-ranges), the header and what each column
    became, the date order with its evidence, the first rows as read and as kept, and every non-data and
    reject reason with its count."""
    r, pay = result.report, result.payments
    out = [f"file        {r.source_file}", f"format      {r.format}" + (f" ({r.encoding})" if r.encoding else "")]
    for k, line in enumerate(_runs_of_pages(r.layout)):
        out.append(("layout      " if k == 0 else "            ") + line)
    if r.header:
        locator, cells = r.header
        out.append(f"header      {locator}: " + " | ".join(c.strip() for c in cells))
    named = {published: canonical for canonical, published in r.columns.items()}
    for published in (r.header[1] if r.header else []):
        text = published.strip()
        if text:
            target = named.get(text) or ("kept as an extra field" if text in r.extra_columns else "?")
            out.append(f"  column    {text!r} -> {target}")
    out += [f"note        {n}" for n in r.notes]
    out.append(f"dates       {r.date_order or 'no order needed'}: {r.date_evidence or '-'}")
    out.append(f"rows        {r.rows_read:,} read = {r.rows_kept:,} kept + {r.rows_rejected:,} rejected + "
               f"{r.rows_nondata:,} non-data; total {format_pence(r.total_pence)}")
    for locator, cells in r.first_rows[:rows]:
        out.append(f"  as read   {locator}: " + " | ".join(c.strip() for c in cells))
    for row in pay.head(rows).itertuples(index=False):
        out.append(f"  as kept   {row.source_locator}: {row.payment_date}  {row.supplier_name_raw}  {row.amount_gbp}"
                   + (f"  [{row.row_warnings}]" if isinstance(row.row_warnings, str) else ""))
    for label, counts in (("non-data", r.nondata), ("rejected", r.rejected), ("warnings", r.warnings)):
        for reason, n in counts.most_common():
            out.append(f"{label:<11} {n:>6,} x {reason}")
    out += [f"check       {c.describe()}" for c in r.checks]
    return "\n".join(out)


def _runs_of_pages(layout: list[str]) -> list[str]:
    """'page 1: X', 'page 2: X', 'page 3: Y' -> 'pages 1-2: X', 'page 3: Y'."""
    runs: list[list] = []  # [first page, last page, how]
    for line in layout:
        page, _, how = line.partition(": ")
        number = int(page.split()[-1]) if page.startswith("page ") and page.split()[-1].isdigit() else None
        if number is not None and runs and runs[-1][2] == how and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number, how if number is not None else line])
    return [how if first is None else (f"page {first}: {how}" if first == last else f"pages {first}-{last}: {how}")
            for first, last, how in runs]
