"""spend.parse.report: several files' results combined, and the accounting summary printed for them.

The inputs are real parses (spend.parse.parse_file) of three small corpus files with different stories:
Kingston August (clean), Whittington August (no Entity column, so no publisher) and Lambeth June 2012
(preamble, rejects and rows kept with warnings). The summary's numbers are checked against the combined
rows, not against the reports they are printed from.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from spend.core import schema
from spend.core.money import format_pence
from spend.parse import parse_file
from spend.parse.report import combine, print_summary

FILES = [
    "nhs-london-2020-21/KGST/KGST 05 - August.csv",
    "nhs-london-2020-21/WHIT/WHIT 05 - August.csv",
    "councils/lambeth/2012-06-payments.csv",
]
WIDTH = 58  # the file column


@pytest.fixture(scope="module")
def results(realdata):
    return [parse_file(realdata / f) for f in FILES]


def summary(reports, failures=(), verbose=True) -> list[str]:
    out = io.StringIO()
    print_summary(reports, failures, out=out, verbose=verbose)
    return out.getvalue().splitlines()


def columns(line: str) -> list[str]:
    """The numeric columns of a summary line (after the 58-character file column): format, read, kept,
    rejected, non-data, total."""
    return line[WIDTH:].split()


# --- combine ----------------------------------------------------------------------------------------------


def test_combine_keeps_every_payment_and_reject_in_file_order(results, realdata):
    payments, rejects = combine(results)
    assert list(payments.columns) == schema.column_names(schema.PAYMENTS)
    assert list(rejects.columns) == schema.column_names(schema.REJECTS)
    assert [len(r.payments) for r in results] == [24, 40, 3151]
    assert len(payments) == sum(r.report.rows_kept for r in results) == 3215
    assert len(rejects) == sum(r.report.rows_rejected for r in results) == 5
    # File by file, in the order given, each row still naming its file.
    files = [str(realdata / f) for f in FILES]
    assert payments["source_file"].tolist() == [f for f, r in zip(files, results) for _ in range(len(r.payments))]
    assert payments["source_locator"].tolist() == [loc for r in results for loc in r.payments["source_locator"]]
    assert set(rejects["source_file"]) == {files[2]}
    assert payments.index.tolist() == list(range(len(payments)))


def test_combine_of_nothing_gives_empty_tables_of_the_right_shape():
    payments, rejects = combine([])
    assert (len(payments), len(rejects)) == (0, 0)
    assert list(payments.columns) == schema.column_names(schema.PAYMENTS)
    assert list(rejects.columns) == schema.column_names(schema.REJECTS)
    # Empty, they still convert to the store's exact types.
    assert schema.to_arrow(payments, schema.PAYMENTS).schema == schema.arrow_schema(schema.PAYMENTS)
    assert schema.to_arrow(rejects, schema.REJECTS).schema == schema.arrow_schema(schema.REJECTS)


def test_combine_when_a_file_kept_nothing(tmp_path, results):
    path = tmp_path / "all-bad.csv"
    path.write_text("Date,Supplier,Transaction Number,Amount\n01/04/2020,ACME LTD,1,n/a\n13/04/2020,ACME LTD,2,\n",
                    encoding="utf-8")
    bad = parse_file(path)
    payments, rejects = combine([bad])
    assert len(payments) == 0 and list(payments.columns) == schema.column_names(schema.PAYMENTS)
    assert list(rejects["reason"]) == ["amount not a number: 'n/a'", "amount blank"]
    # Beside a good file, the good file's rows are all there is.
    payments, rejects = combine([results[0], bad])
    assert (len(payments), len(rejects)) == (24, 2)


# --- the summary ------------------------------------------------------------------------------------------


def test_summary_lines_per_file_and_in_total(results):
    lines = summary([r.report for r in results], [("raw/bad.csv", "NotASpendFile: an HTML page")])
    assert lines[0].split() == ["file", "format", "read", "kept", "rejected", "non-data", "total", "£"]
    assert set(lines[1]) == {"-"} and lines[1] == lines[-2]
    body = lines[2:-2]
    assert len(body) == 8
    assert body[0].endswith(" csv          25       24        0        1         2885839.29")  # Kingston
    assert columns(body[1]) == ["csv", "41", "40", "0", "1", "5106640.45"]  # Whittington
    assert columns(body[3]) == ["csv", "3,171", "3,151", "5", "15", "40244558.24"]  # Lambeth
    # Notes under the file they are about; failures after the files.
    assert [body[2], *body[4:]] == [
        "    no publisher: the file has no Entity column; pass --publisher",
        "    rejected: amount not a number ×3, amount blank ×1, a totals row that is not the sum of the printed "
        "lines above it (40244558.24) ×1",
        "    kept with warnings: date and amount run together in the file ×635",
        "    totals row at line 3167: 40292334.84 is not the sum of the lines it covers (40244558.24; difference "
        "47776.60)",
        "raw/bad.csv: FAILED NotASpendFile: an HTML page",
    ]
    assert lines[-1].startswith("TOTAL (3 files parsed, 1 failed)")
    assert columns(lines[-1]) == ["3,237", "3,215", "5", "17", "48237037.98"]


def test_summary_totals_are_the_combined_rows(results):
    payments, rejects = combine(results)
    total = columns(summary([r.report for r in results])[-1])
    assert total[1:3] == [f"{len(payments):,}", f"{len(rejects):,}"]
    assert Decimal(total[-1]) == sum(payments["amount_gbp"], Decimal("0.00"))
    read = sum(r.report.rows_read for r in results)
    assert total[0] == f"{read:,}"
    # Every row read is kept, rejected or non-data, file by file and in total.
    assert read == len(payments) + len(rejects) + int(total[3])
    assert all(r.report.balanced for r in results)


def test_summary_without_detail_prints_only_the_totals(results):
    lines = summary([r.report for r in results], verbose=False)
    assert len(lines) == 4  # heading, rule, rule, total
    assert lines[-1] == summary([r.report for r in results])[-1]
    assert lines[-1].startswith("TOTAL (3 files parsed, 0 failed)")


def test_a_long_file_name_keeps_its_end(results):
    line = summary([results[0].report])[2]
    name = results[0].report.source_file
    assert len(name) > WIDTH
    assert line[:WIDTH] == "…" + name[-(WIDTH - 1):]
    assert line[:WIDTH].endswith("KGST 05 - August.csv")


def test_summary_of_no_files():
    lines = summary([], [("a.csv", "EmptyFile: the file is empty")])
    assert lines[2] == "a.csv: FAILED EmptyFile: the file is empty"
    assert lines[-1].startswith("TOTAL (0 files parsed, 1 failed)")
    assert columns(lines[-1]) == ["0", "0", "0", "0", format_pence(0)]
