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
    notes: list[str] = field(default_factory=list)  # what the parser decided about the file as a whole

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_kept + self.rows_rejected + self.rows_nondata


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
