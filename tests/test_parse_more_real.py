"""Five more London NHS bodies' full years (../shared/realdata-more), each file against the rows and total
two independent methods counted (EXPECTED.csv): exact to the penny, Optum's rows and total, the first and
last payment dates. These are the layouts the parser was not built on: ruled PDF grids with wrapped cells,
a rotated PDF, headers only on page 1, negatives with U+2010 and a minus standing apart, columns outside the
HM Treasury template, `Sum:` rows."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from spend.core.config import realdata_more_dir
from spend.parse import parse_file

FOLDER = "nhs-london-2020-21"


def _expected() -> list[dict]:
    with open(realdata_more_dir() / FOLDER / "EXPECTED.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


EXPECTED = _expected()


def test_the_expected_figures_cover_every_spend_file(realdata_more):
    files = {p.relative_to(realdata_more / FOLDER).as_posix() for p in (realdata_more / FOLDER).rglob("*")
             if p.suffix in (".pdf", ".csv") and not p.name.endswith(".pdf.csv") and p.name != "EXPECTED.csv"}
    assert files == {row["file"] for row in EXPECTED} and len(files) == 54


@pytest.mark.slow
@pytest.mark.parametrize("row", EXPECTED, ids=[r["file"].split("/")[-1] for r in EXPECTED])
def test_each_file_is_exact(realdata_more, row):
    result = parse_file(realdata_more / FOLDER / row["file"])
    pay, rep = result.payments, result.report
    assert (rep.rows_kept, str(sum(pay["amount_gbp"], Decimal("0.00")))) == (int(row["rows"]), row["total_gbp"])
    assert rep.balanced
    optum = pay[pay["supplier_name_raw"].fillna("").str.upper().str.contains("OPTUM")]
    assert (len(optum), str(sum(optum["amount_gbp"], Decimal("0.00")))) == (int(row["optum_rows"]),
                                                                           row["optum_total_gbp"])
    dates = pay["payment_date"].dropna()
    assert (str(min(dates)), str(max(dates))) == (row["date_min"], row["date_max"])
    assert pay["payment_date"].notna().all()


@pytest.mark.slow
def test_printed_figures_are_checked_against_the_lines(realdata_more):
    """Newham's title-area figure: equal to the lines in April, not in July (the file's own figure covers
    rows it does not print); each is reported, neither is counted."""
    april = parse_file(realdata_more / FOLDER / "NENW/NENW 01 - April.pdf").report
    july = parse_file(realdata_more / FOLDER / "NENW/NENW 04 - July.pdf").report
    assert [(c.what, c.printed_pence, c.matches) for c in april.checks] == [
        ("figure above the table", 4195432094, True)]
    assert [(c.what, c.printed_pence, c.computed_pence) for c in july.checks] == [
        ("figure above the table", 3950498912, 3824089023)]
    sums = parse_file(realdata_more / FOLDER / "LNWU/LNWU 12 - March.csv").report
    assert [(c.what, c.locator, c.matches) for c in sums.checks] == [("totals row", "line 357", True)]
    assert sums.nondata["totals row (equals the sum of the rows above)"] == 1


def test_columns_outside_the_template_are_kept(realdata_more):
    result = parse_file(realdata_more / FOLDER / "LNWU/LNWU 02 - May.csv")
    assert result.report.columns["expense_area"] == "Expenses Area"
    assert result.report.extra_columns == ["Their Reference"]
    first = result.payments.iloc[0]
    assert (first.expense_area, first.transaction_id, first.extra_fields) == (
        "Endoscopy N.P.H", "1253458", '{"Their Reference": "1002865"}')
