"""What an attacker or an unlucky export can send, made from real files (tests/hostile.py), small, with the
parser's limits scaled down to match (benchmarks/bench_hostile_parse.py makes them at full size):

- a sheet that inflates far past its zip (honest header, lying header, a high ratio): refused by name and limit;
- a `dimension` element claiming 16,384 columns costs nothing; one claiming fewer rows than the sheet has
  loses none; a sheet really that wide is refused by its cell count, one far longer by its rows;
- a zip of more members than a spreadsheet has: refused before its directory is read;
- one amount beyond what the store holds (£10^16) is its row's reject, never a failed write;
- one CSV cell beyond the csv module's field size limit is its row's reject, not the file's;
- a supplier named "Total ..." on a row with no date or transaction number is a payment unless its amount adds
  up the rows above.

Each failed on the code before these limits: the file was read whole, refused whole, or written half.
"""

from __future__ import annotations

import tracemalloc
from decimal import Decimal

import pandas as pd
import pytest

import hostile
from spend.cli import main
from spend.core.errors import CorruptFile, OverLimit
from spend.parse import parse_bytes
from spend.parse.limits import Limits, check_zip
from spend.parse.readers import read_xls, read_xlsx

NHS = "nhs-london-2020-21"
MiB = 1 << 20


@pytest.fixture(scope="module")
def nmid(realdata) -> bytes:
    return (realdata / NHS / "NMID/NMID 01 - April.xlsx").read_bytes()


@pytest.fixture(scope="module")
def epsh(realdata) -> bytes:
    return (realdata / NHS / "EPSH/EPSH 01 - April.csv").read_bytes()


def parse_cli(tmp_path, name: str, data: bytes, *args: str) -> tuple[int, pd.DataFrame | None]:
    """`spend parse FILE -o FILE.parquet`: the exit status, and the payments written (None when none)."""
    path, out = tmp_path / name, tmp_path / f"{name}.parquet"
    path.write_bytes(data)
    status = main(["parse", str(path), "-o", str(out), *args])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "a temporary file was left behind"
    return status, (pd.read_parquet(out) if out.exists() else None)


# --- zips that inflate past their size ---------------------------------------------------------------------

def test_a_sheet_that_declares_more_than_the_limit_is_refused_before_it_is_inflated(nmid):
    bomb = hostile.inflating_xlsx(nmid, 6 * MiB)
    with pytest.raises(OverLimit, match=r"bomb\.xlsx: zip member 'xl/worksheets/sheet1\.xml' declares \d,\d{3},\d{3} "
                                        r"bytes \(limit zip_member_bytes = 4,194,304\)") as e:
        parse_bytes(bomb, "bomb.xlsx", limits=Limits(zip_member_bytes=4 * MiB, zip_ratio=10_000))
    assert (e.value.limit, e.value.value) == ("zip_member_bytes", 4 * MiB)


def test_a_sheet_whose_header_lies_is_inflated_only_up_to_the_limit(nmid):
    # The header says the sheet holds its original 24 KB; it inflates to 5 MB. zipfile alone stops at the
    # declared size, another reader might not: the bytes are counted as they inflate.
    bomb = hostile.inflating_xlsx(nmid, 6 * MiB, lying=True)
    with pytest.raises(OverLimit, match=r"lie\.xlsx: zip member 'xl/worksheets/sheet1\.xml' inflates to more bytes "
                                        r"than allowed \(limit zip_member_bytes = 4,194,304\)"):
        parse_bytes(bomb, "lie.xlsx", limits=Limits(zip_member_bytes=4 * MiB, zip_ratio=10_000))
    # Under the limits, the lie itself is refused: the file is not what its directory says.
    with pytest.raises(CorruptFile, match=r"lie\.xlsx: zip member 'xl/worksheets/sheet1\.xml' declares \d+,\d{3} "
                                          r"bytes but holds \d,\d{3},\d{3}"):
        parse_bytes(bomb, "lie.xlsx", limits=Limits(zip_ratio=10_000))


def test_a_sheet_that_compresses_like_a_bomb_is_refused_by_its_ratio(nmid):
    bomb = hostile.inflating_xlsx(nmid, 3 * MiB)  # well under the size limits, but ~170 to 1
    with pytest.raises(OverLimit, match=r"zip member 'xl/worksheets/sheet1\.xml' inflates \d+ times its compressed "
                                        r"size .* \(limit zip_ratio = 100\)"):
        parse_bytes(bomb, "ratio.xlsx")


def test_the_members_together_are_limited(nmid):
    with pytest.raises(OverLimit, match=r"members declare \d+,\d{3} bytes together \(limit zip_total_bytes = 20,000\)"):
        check_zip(nmid, "t.xlsx", Limits(zip_total_bytes=20_000))


def test_a_real_workbook_is_within_the_limits_and_reads_as_before(nmid):
    check_zip(nmid, "nmid.xlsx")
    raw = read_xlsx(nmid, "nmid.xlsx")
    assert [(s.name, len(s.cells), len(s.cells[0]) if s.cells else 0) for s in raw.sheets] == [
        ("Sheet1", 75, 8), ("Sheet2", 0, 0), ("Sheet3", 0, 0)]


# --- the dimension element -----------------------------------------------------------------------------------

def test_a_false_dimension_costs_nothing(nmid):
    honest = hostile.grown_xlsx(nmid, 300, dimension="A1:H300")
    false = hostile.false_dimension_xlsx(nmid, 300)  # claims A1:XFD300: 16,384 columns
    tracemalloc.start()
    try:
        raw = read_xlsx(false, "false.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [len(r) for r in raw.sheets[0].cells] == [8] * 300  # as wide as its cells, not as its claim
    assert peak < 20 * MiB, peak  # 300 rows padded to 16,384 columns took 40 MB
    a, b = parse_bytes(false, "x.xlsx"), parse_bytes(honest, "x.xlsx")
    assert (a.report.rows_read, a.report.rows_kept) == (b.report.rows_read, b.report.rows_kept) == (300, 299)
    assert a.payments.drop(columns="source_sha256").equals(b.payments.drop(columns="source_sha256"))


def test_a_dimension_smaller_than_the_sheet_loses_no_rows(nmid):
    # The real workbook's dimension says A1:H75; the sheet now has 300 rows. They are all read (the
    # dimension once stopped the reader at row 75, dropping 225 payments without a word).
    result = parse_bytes(hostile.grown_xlsx(nmid, 300), "grown.xlsx")
    assert (result.report.rows_read, result.report.rows_kept) == (300, 299)


def test_a_sheet_really_16384_columns_wide_is_refused_by_its_cells(nmid):
    wide = hostile.spread_xlsx(nmid)  # one styled blank cell at XFD1: 75 rows x 16,384 columns
    with pytest.raises(OverLimit, match=r"wide\.xlsx: sheet 'Sheet1' holds more cells \(rows x columns\) than "
                                        r"allowed \(limit sheet_cells = 1,000,000\)"):
        read_xlsx(wide, "wide.xlsx", Limits(sheet_cells=1_000_000))
    assert parse_bytes(wide, "wide.xlsx").report.rows_kept == 74  # 1.2 million cells: within the default


def test_a_row_far_below_the_rest_is_read_and_the_rows_between_are_limited(nmid):
    far = hostile.far_row_xlsx(nmid, 5_000)  # 4,924 empty rows between the table and one cell at A5000
    with pytest.raises(OverLimit, match=r"far\.xlsx: sheet 'Sheet1' holds more rows than allowed "
                                        r"\(limit sheet_rows = 1,000\)"):
        read_xlsx(far, "far.xlsx", Limits(sheet_rows=1_000))
    cells = read_xlsx(far, "far.xlsx").sheets[0].cells  # the dimension says A1:H75; the cell is still read
    assert (len(cells), cells[-1][0]) == (5_000, "end")


def test_a_zip_of_more_members_than_a_spreadsheet_has_is_refused_before_its_directory_is_read(nmid):
    many = hostile.rewrite_zip(nmid, {f"xl/media/image{k}.png": b"" for k in range(50)})  # 9 members + 50
    with pytest.raises(OverLimit, match=r"many\.xlsx: a zip of more members than a spreadsheet has "
                                        r"\(limit zip_members = 40\)"):
        parse_bytes(many, "many.xlsx", limits=Limits(zip_members=40))
    assert parse_bytes(many, "many.xlsx").report.rows_kept == 74


def test_an_xls_is_held_to_the_same_cell_limit(realdata):
    data = (realdata / "central-government/BIS_monthly_spend_December_2012.xls").read_bytes()  # 2,706 x 14
    with pytest.raises(OverLimit, match=r"bis\.xls: sheet 'Sheet1' holds more cells .* \(limit sheet_cells = 10,000\)"):
        read_xls(data, "bis.xls", Limits(sheet_cells=10_000))


def test_limits_are_positive_integers():
    with pytest.raises(ValueError, match="limit zip_ratio must be a positive integer"):
        Limits(zip_ratio=0)


# --- amounts the store cannot hold ---------------------------------------------------------------------------

def test_an_amount_of_ten_to_the_sixteen_pounds_is_its_rows_reject_and_the_rest_is_written(tmp_path, epsh):
    bad = hostile.csv_with_cell(epsh, 2, "amount", "10,000,000,000,000,000.00")
    result = parse_bytes(bad, "big.csv")
    assert list(zip(result.rejects["source_locator"], result.rejects["reason"])) == [
        ("line 4", "amount too large to store (10,000,000,000,000,000 pounds or more): '10,000,000,000,000,000.00'")]
    original = parse_bytes(epsh, "epsh.csv")
    assert result.report.rows_kept == original.report.rows_kept - 1
    status, written = parse_cli(tmp_path, "big.csv", bad)
    assert status == 0 and len(written) == original.report.rows_kept - 1


def test_the_largest_amount_the_store_holds_is_kept_and_written(tmp_path, epsh):
    status, written = parse_cli(tmp_path, "max.csv", hostile.csv_with_cell(epsh, 2, "amount", "-9999999999999999.99"))
    assert status == 0 and Decimal("-9999999999999999.99") in set(written["amount_gbp"])


def test_a_huge_amount_among_many_is_refused_by_the_fast_reader_too(realdata):
    # Guy's April: 13,457 payments, read in Arrow all at once; a 21-digit amount once overflowed int64 there.
    data = (realdata / NHS / "GUYS/GUYS 01 - April.csv").read_bytes()
    result = parse_bytes(hostile.csv_with_cell(data, 5, "amount", "123456789012345678901.00"), "guys.csv")
    assert list(result.rejects["reason"]) == [
        "amount too large to store (10,000,000,000,000,000 pounds or more): '123456789012345678901.00'"]
    assert result.report.rows_kept == 13456


def test_amounts_each_storable_whose_total_is_not_refuse_the_file(tmp_path, epsh):
    bad = hostile.csv_with_cell(hostile.csv_with_cell(epsh, 2, "amount", "6000000000000000.00"),
                                3, "amount", "6000000000000000.00")
    with pytest.raises(OverLimit, match=r"payments add up to £12,000,000,\d{3},\d{3},\d{3}\.\d\d, more than the store"):
        parse_bytes(bad, "sum.csv")
    assert parse_cli(tmp_path, "sum.csv", bad) == (1, None)  # refused by name: no traceback, nothing written


# --- a CSV cell beyond the csv module's limit ---------------------------------------------------------------

def test_a_ten_megabyte_cell_rejects_its_row_not_the_file(tmp_path, epsh):
    long_cell = hostile.csv_with_cell(epsh, 4, "Expense Type", "x" * 10_000_000)
    result = parse_bytes(long_cell, "long.csv")
    original = parse_bytes(epsh, "epsh.csv")
    assert (result.report.rows_read, result.report.rows_kept) == (original.report.rows_read,
                                                                original.report.rows_kept - 1)
    assert list(zip(result.rejects["source_locator"], result.rejects["reason"])) == [
        ("line 6", "a cell of 10,000,000 characters, over the limit of 131,072")]
    assert len(result.rejects["raw"][0]) < 1000  # the reject quotes the cell's start
    status, written = parse_cli(tmp_path, "long.csv", long_cell)
    assert status == 0 and len(written) == original.report.rows_kept - 1


def test_the_csv_modules_own_limit_is_left_as_it_was(epsh):
    import csv

    before = csv.field_size_limit()
    parse_bytes(hostile.csv_with_cell(epsh, 4, "Expense Type", "x" * 200_000), "long.csv")
    assert csv.field_size_limit() == before


# --- suppliers whose names start like a total ---------------------------------------------------------------

def _with_row(data: bytes, after: int, supplier: str, amount: str, txn: str = "") -> bytes:
    """The real CSV with a row inserted after data row `after`: no date, no transaction number (unless given)."""
    rows, _ = hostile.read_csv(data)
    row = list(rows[after + 1])
    header = rows[0]
    for column, value in (("Date", ""), ("Supplier", supplier), ("Transaction Number", txn), ("amount", amount)):
        row[header.index(column)] = value
    rows.insert(after + 2, row)
    return hostile.write_csv(rows)


@pytest.mark.parametrize("amount, why", [
    ("-85,260.00", "the amount of the one row above"),  # was taken for that row's total and dropped unlisted
    ("1,234.00", "adds up nothing"),  # was refused as 'a totals row that is not the sum'
])
def test_total_gas_and_power_without_date_or_transaction_number_is_a_payment(epsh, amount, why):
    result = parse_bytes(_with_row(epsh, 0, "Total Gas & Power Ltd", amount), "tgp.csv")
    original = parse_bytes(epsh, "epsh.csv")
    assert result.report.rows_kept == original.report.rows_kept + 1, why
    assert result.rejects.empty
    row = result.payments[result.payments["supplier_name_raw"] == "Total Gas & Power Ltd"]
    assert list(row["amount_raw"]) == [amount] and list(row["source_locator"]) == ["line 3"]
    assert list(row["row_warnings"]) == ["date blank"]


def test_a_row_labelled_total_that_adds_up_the_rows_above_is_still_non_data(epsh):
    # "-85,260.00" and "30,750.00" are the first two payments: their sum, under a supplier cell 'Total Gas &
    # Power Ltd' or 'Total', is a total (two rows or more add up to it).
    for supplier in ("Total Gas & Power Ltd", "Total"):
        result = parse_bytes(_with_row(epsh, 1, supplier, "-54,510.00"), "t.csv")
        assert result.report.nondata["totals row (equals the sum of the rows above)"] == 1, supplier
        assert result.rejects.empty
