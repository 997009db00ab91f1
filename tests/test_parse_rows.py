"""spend.parse.rows: which rows of a sheet are payments. Table-driven, on rows written the way real files
write them; the whole-file behaviour is in test_parse_columns.py and on real files in test_parse_real.py."""

from __future__ import annotations

import pytest

from spend.parse.readers import Sheet
from spend.parse.report import FileReport
from spend.parse.rows import payment_like, read_table

HEADER = ["Department Family", "Entity", "Date", "Expense Type", "Expense Area", "Supplier", "Transaction Number",
          "Amount", "Description"]
MAPPING = {0: "department_family", 1: "publisher", 2: "payment_date", 3: "expense_type", 4: "expense_area",
           5: "supplier_name_raw", 6: "transaction_id", 7: "amount_gbp", 8: "description"}


def judge(*rows: list[str]):
    """Read a table of the given rows under HEADER: (kept row numbers, rejects, non-data reasons, checks)."""
    cells = [HEADER, *rows]
    sheet = Sheet(None, cells=cells, locators=[f"line {n}" for n in range(1, len(cells) + 1)])
    report, rejects = FileReport("t.csv"), []
    table = read_table(sheet, 0, MAPPING, report, rejects)
    kept = [int(sheet.locators[i].split()[-1]) for i in table.kept]
    return kept, [(r["source_locator"], r["reason"]) for r in rejects], dict(report.nondata), report.checks


ROW = ["DH", "Body", "01/04/2020", "Rent", "Estates", "ACME LTD", "T1", "100.00", ""]


@pytest.mark.parametrize("text, expected", [
    ("30/04/2020 ACME LTD 1,234.56", True), ("ACME LTD 30-Apr-20 (1,234.56)", True),
    ("Published under the Open Government Licence", False), ("Total 1,234.56", False),
    ("30/04/2020", False), ("Time run: 30/04/2020 10:15", False),
])
def test_a_payment_written_in_one_cell(text, expected):
    assert payment_like(text) is expected


def test_a_totals_row_equal_to_the_lines_above_is_non_data():
    kept, rejects, nondata, checks = judge(ROW, [*ROW[:6], "T2", "50.00", ""], ["", "", "", "", "", "", "Sum:", "150.00", ""])
    assert (kept, rejects) == ([2, 3], [])
    assert nondata["totals row (equals the sum of the rows above)"] == 1
    assert [(c.locator, c.matches) for c in checks] == [("line 4", True)]


def test_a_totals_row_that_does_not_add_up_is_refused_and_reported():
    kept, rejects, nondata, checks = judge(ROW, ["Total", "", "", "", "", "", "", "175.00", ""])
    assert rejects == [("line 3", "a totals row that is not the sum of the printed lines above it (100.00)")]
    assert [(c.printed_pence, c.computed_pence) for c in checks] == [(17500, 10000)]


def test_sections_each_with_their_own_subtotal():
    kept, rejects, nondata, _ = judge(ROW, ["Sub-total", "", "", "", "", "", "", "100.00", ""],
                                      [*ROW[:6], "T2", "40.00", ""], ["Sub total", "", "", "", "", "", "", "40.00", ""],
                                      ["Grand Total", "", "", "", "", "", "", "140.00", ""])
    assert kept == [2, 4] and rejects == []
    assert nondata["totals row (equals the sum of the rows above)"] == 3


def test_a_supplier_whose_name_starts_like_a_total_is_a_payment():
    kept, rejects, _, checks = judge([*ROW[:5], "TOTAL GAS & POWER LTD", "T9", "12.34", ""])
    assert kept == [2] and rejects == [] and checks == []


def _undated(supplier: str, amount: str, txn: str = "") -> list[str]:
    return ["DH", "Body", "", "Gas", "Estates", supplier, txn, amount, ""]


TOTALS = "totals row (equals the sum of the rows above)"


@pytest.mark.parametrize("rows, kept, totals, rejects", [
    # A name that starts like a total, on a row with no date and no transaction number: a payment, unless
    # its amount adds up two rows or more above it.
    ([ROW, _undated("TOTAL GAS & POWER LTD", "100.00")], [2, 3], 0, []),  # only repeats the one row above
    ([ROW, _undated("TOTAL GAS & POWER LTD", "12.34")], [2, 3], 0, []),  # adds up nothing
    ([_undated("Total Gas & Power Ltd", "0.00")], [2], 0, []),  # the first row: the sum of nothing above
    ([ROW, [*ROW[:6], "T2", "50.00", ""], _undated("TOTAL GAS & POWER LTD", "150.00")], [2, 3], 1, []),
    ([ROW, _undated("TOTAL GAS & POWER LTD", "100.00", txn="T5")], [2, 3], 0, []),  # a transaction number
    # The label alone, or 'Total for ...', in the supplier's cell is a label: one row may be its section.
    ([ROW, _undated("Total for April", "100.00")], [2], 1, []),
    ([ROW, _undated("Total:", "100.00")], [2], 1, []),
    ([ROW, _undated("Total", "120.00")], [2], 0,
     [("line 3", "a totals row that is not the sum of the printed lines above it (100.00)")]),
])
def test_a_supplier_cell_starting_with_total_on_a_row_without_date_or_transaction_number(rows, kept, totals, rejects):
    got_kept, got_rejects, nondata, _ = judge(*rows)
    assert (got_kept, nondata.get(TOTALS, 0), got_rejects) == (kept, totals, rejects)


def test_a_short_row_is_kept_only_when_its_amount_cell_looks_like_an_amount():
    trimmed = [*ROW[:7], "1,234.00"]  # trailing empty description left off by the exporter
    # two cells run together: the amount moves left and a purchase order number lands in the amount column
    shifted = ["DH", "Body", "01/04/2020", "Rent", "EstatesACME LTD", "T3", "1,234.00", "4501234"]
    kept, rejects, _, _ = judge(trimmed, shifted)
    assert kept == [2]
    assert rejects == [("line 3", "row has 8 cells but the header has 9 columns (a cell may be missing: the amount "
                                  "cannot be placed)")]


def test_a_row_the_reader_refused_stays_refused():
    cells = [HEADER, ROW, ["30/04/2020 ACME LTD 99.00"]]
    sheet = Sheet(None, cells=cells, locators=["line 1", "line 2", "line 3"])
    sheet.rejected = {2: "a line that reads as a payment, outside the table's columns"}
    report, rejects = FileReport("t.pdf"), []
    read_table(sheet, 0, MAPPING, report, rejects)
    assert [r["reason"] for r in rejects] == ["a line that reads as a payment, outside the table's columns"]
