"""spend.parse.readers: CSV, XLS and XLSX bytes -> sheets of text cells, each row with a locator.

Readers interpret nothing: every physical row is kept (blank ones, titles, totals), cells are text as
published (padding, `£`, codes and all), and the locator says where the row is in the file. Checked on real
files: row counts, the cells at given locators, a quoted newline in a real third-party extraction, and the
same real table written with each delimiter the reader knows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest

from spend.core.errors import CorruptFile
from spend.parse.readers import RawRow, Sheet, excel_cell_text, read_csv_text, read_xls, read_xlsx
from spend.parse.sniff import detect_format

NHS = "nhs-london-2020-21"
READERS = {"csv": read_csv_text, "xlsx": read_xlsx, "xls": read_xls}


def read(realdata, relative: str):
    data = (realdata / relative).read_bytes()
    return READERS[detect_format(data, relative)](data, relative)


# --- row counts and locators of real files ---------------------------------------------------------------

# (file, format, encoding, [(sheet name, rows)]). CSV rows are physical lines; spreadsheets keep empty sheets.
SHEETS = [
    ("central-government/1011-bbsrc-25k-spend-return.csv", "csv", "utf-8", [(None, 6640)]),  # 6,639 rows + header
    ("central-government/invalid_excel.xlsx", "csv", "utf-8", [(None, 20)]),  # a CSV named .xlsx
    ("central-government/BIS_spending_over__25_000_July_2014.csv", "csv", "cp1252", [(None, 3927)]),
    ("councils/lambeth/2012-06-payments.csv", "csv", "utf-8", [(None, 3171)]),
    (f"{NHS}/GUYS/GUYS 01 - April.csv", "csv", "utf-8-sig", [(None, 13458)]),
    ("central-government/BIS_monthly_spend_December_2012.xls", "xls", None, [("Sheet1", 2706), ("Sheet2", 0), ("Sheet3", 0)]),
    (f"{NHS}/BART/BART 09 - December.xls", "xls", None, [("Final Review ", 213)]),
    (f"{NHS}/BART/BART 01 - April.xlsx", "xlsx", None, [("Final Review ", 240)]),
    (f"{NHS}/NMID/NMID 01 - April.xlsx", "xlsx", None, [("Sheet1", 75), ("Sheet2", 0), ("Sheet3", 0)]),
    (f"{NHS}/NMID/NMID 04 - July.xlsx", "xlsx", None, [("July", 71)]),
]


@pytest.mark.parametrize("relative, fmt, encoding, sheets", SHEETS)
def test_real_files_keep_every_row_with_its_locator(realdata, relative, fmt, encoding, sheets):
    raw = read(realdata, relative)
    assert (raw.format, raw.encoding) == (fmt, encoding)
    assert [(s.name, len(s.cells)) for s in raw.sheets] == sheets
    for s in raw.sheets:
        n = len(s.cells)
        expected = ([f"line {i}" for i in range(1, n + 1)] if fmt == "csv"
                    else [f"sheet {s.name!r} row {i}" for i in range(1, n + 1)])
        assert s.locators == expected
        assert s.nondata == {}  # readers judge nothing


def test_csv_rows_are_the_physical_lines_of_every_real_csv(realdata):
    # Independent of the csv module: bytes.splitlines counts CR, LF and CRLF line ends.
    checked = 0
    for path in sorted(realdata.rglob("*.csv")):
        if "contracts-finder" in path.parts:
            continue
        data = path.read_bytes()
        sheet = read_csv_text(data, str(path)).sheets[0]
        last_line = int(sheet.locators[-1].split("-")[-1].split()[-1])
        assert last_line == len(data.splitlines()), path
        checked += 1
    assert checked == 105  # 103 spend CSVs and the catalogue's two (the ECGD .xlsx is not globbed)


@pytest.mark.parametrize("relative, locator, cells", [
    # ECGD: a blank first row is a row; the header is on line 2; the £ and the thousands comma stay.
    ("central-government/invalid_excel.xlsx", "line 1", [""] * 8),
    ("central-government/invalid_excel.xlsx", "line 2", ["Department Family", "Entity", "Input Date", "Expense Type",
                                                         "Expense Area", "Supplier", "Transaction Number",
                                                         "Amount in Sterling"]),
    ("central-government/invalid_excel.xlsx", "line 12", ["ECGD", "ECGD", "20-Dec-10", "BSIC Projects", "BSIC Projects",
                                                          "Logica UK Limited", "60145", "£18,055.45"]),
    # Lambeth: nine lines of report title and parameters above the header.
    ("councils/lambeth/2012-06-payments.csv", "line 1", ["Lambeth Invoices Over Specified Nett Amount", "", "", "", "", ""]),
    ("councils/lambeth/2012-06-payments.csv", "line 10", ["Body", "Department", "Supplier Name",
                                                          "Invoice Creation Date", "Invoice Nett Amount",
                                                          "Subj Description"]),
    ("councils/lambeth/2012-06-payments.csv", "line 3171", ["", "†††††† ", "", "", "", ""]),
    # Guy's: the BOM is not part of the first cell; padding inside a value is kept.
    (f"{NHS}/GUYS/GUYS 01 - April.csv", "line 1", ["Department family", "Entity", "Date of payment", "Expense type",
                                                   "Expense area", "Supplier", "Transaction number", "amount"]),
    (f"{NHS}/GUYS/GUYS 01 - April.csv", "line 2", ["Department of Health", "Guys and St Thomas NHS Foundation Trust",
                                                   "24/04/2020", "(55040) Admin & Clerical",
                                                   "(id:2002419) Cancer Supportive Services and R&D",
                                                   "KINGS COLLEGE LONDON:03529700", "id:12941989   ", "2998.48"]),
    # Kingston October, cp1252: the padded header and the £ decoded.
    (f"{NHS}/KGST/KGST 07 - October.csv", "line 1", ["Month", "Department Family", "Entity", "Date", "Expense Type",
                                                     "Supplier", "Transaction Number", " Amount in Sterling £"]),
    (f"{NHS}/KGST/KGST 07 - October.csv", "line 2", ["Oct-20", "DEPARTMENT OF HEALTH", "KINGSTON HOSPITAL NHS TRUST",
                                                     "21-Mar-20", "SALARY RECHARGE",
                                                     "NHS000036L01 : NHS South West London CCG", "7024100964",
                                                     "£59,556.73"]),
    # Barts: blank column A kept; the sheet name's trailing space kept; Excel dates as ISO, numbers as text.
    (f"{NHS}/BART/BART 01 - April.xlsx", "sheet 'Final Review ' row 3",
     ["", "NHS", "Barts Health NHS Trust", "3462", "42746", "2020-04-06", "PROPERTY RENTS", "RATES & RENTS - RLH",
      "ESTATES SERVICES", "CLSH MANAGEMENT LTD", "1219077.21"]),
    (f"{NHS}/BART/BART 09 - December.xls", "sheet 'Final Review ' row 213", [""] * 9 + ["60110413.54"]),  # a total
    (f"{NHS}/NMID/NMID 04 - July.xlsx", "sheet 'July' row 3",
     ["Department of Health and Social Care", "North Middlesex University Hospital NHS Trust", "2020-07-31", "Drugs",
      "Pharmacy", "Aah Pharmaceutical Ltd", "773140", "34480.32", ""]),
    # BIS XLS: an Excel date cell (serial 41247) comes out as an ISO date.
    ("central-government/BIS_monthly_spend_December_2012.xls", "sheet 'Sheet1' row 2",
     ["Department for Business, Innovation and Skills", "Department for Business, Innovation and Skills",
      "2012-12-04", "Gas", "Finance & Commercial Group - Corporate Shared Services", "CORONA ENERGY RETAIL 4 LTD",
      "1047467", "-3457.18", "RUNNING COSTS NON DEVOLVED - Gas", "NW4 3RJ", "EXT", "", "", "Administration"]),
])
def test_cells_at_a_locator_are_as_published(realdata, relative, locator, cells):
    rows = {loc: c for s in read(realdata, relative).sheets for loc, c in zip(s.locators, s.cells)}
    assert rows[locator] == cells


# --- records that span lines ------------------------------------------------------------------------------


def test_a_quoted_newline_in_a_real_file_spans_two_lines(realdata):
    # A third party's CSV extraction of Harrow CCG's September PDF: a wrapped cell keeps its line break,
    # so 369 records sit on 376 lines and the records after it name the lines they are on.
    relative = f"{NHS}/NWHA/NWHA 06 - September.pdf.csv"
    sheet = read(realdata, relative).sheets[0]
    assert len(sheet.cells) == 369
    at = sheet.locators.index("lines 11-12")
    assert sheet.locators[at - 1: at + 2] == ["line 10", "lines 11-12", "line 13"]
    assert sheet.cells[at][3] == "Performance\nClinical&Medical-Commercial Sector"
    assert sheet.cells[at][5:] == ["PHYSIOLINK CLINICS LTD", "33805257", "25,534.00"]
    assert sum(loc.startswith("lines ") for loc in sheet.locators) == 7
    assert sheet.locators[-1] == "lines 375-376"
    # The locators tile the file: each record starts on the line after the previous one ended.
    spans = [tuple(int(n) for n in loc.split()[-1].split("-")) for loc in sheet.locators]
    assert [s[0] for s in spans] == [1] + [s[-1] + 1 for s in spans[:-1]]
    assert spans[-1][-1] == len((realdata / relative).read_bytes().splitlines())


@pytest.mark.parametrize("data, locators, cells", [
    (b'a,b\n1,"x\ny"\n2,z\n', ["line 1", "lines 2-3", "line 4"], [["a", "b"], ["1", "x\ny"], ["2", "z"]]),
    (b'a,b\r\n1,"x\r\ny"\r\n2,z', ["line 1", "lines 2-3", "line 4"], [["a", "b"], ["1", "x\r\ny"], ["2", "z"]]),
    (b'a,b\n"1\n\n\n",2\n', ["line 1", "lines 2-5"], [["a", "b"], ["1\n\n\n", "2"]]),
    (b"a,b\n\n1,2\n", ["line 1", "line 2", "line 3"], [["a", "b"], [], ["1", "2"]]),  # a blank line is a row
])
def test_quoted_newlines_and_blank_lines(data, locators, cells):
    sheet = read_csv_text(data, "f.csv").sheets[0]
    assert (sheet.locators, sheet.cells) == (locators, cells)


# --- delimiters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", [
    f"{NHS}/KGST/KGST 07 - October.csv",  # quoted "£59,556.73": commas stay inside values once unquoted
    f"{NHS}/CROY/CROY 01 - April.csv",
    "central-government/1011-bbsrc-25k-spend-return.csv",
    "councils/oxford/expenditure-over-500-apr-jun-2016.csv",  # a value holds a | (quoted when | delimits)
])
@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_real_table_written_with_another_delimiter_reads_the_same(realdata, relative, delimiter):
    published = read(realdata, relative).sheets[0].cells
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(published)
    assert read_csv_text(buf.getvalue().encode("utf-8"), "f.txt").sheets[0].cells == published


@pytest.mark.parametrize("text, cells", [
    ("Date;Supplier;Amount\n01/04/2020;ACME, LTD;1,234.56\n02/04/2020;B & Co;99,00\n",
     [["Date", "Supplier", "Amount"], ["01/04/2020", "ACME, LTD", "1,234.56"], ["02/04/2020", "B & Co", "99,00"]]),
    ("Date\tSupplier\tAmount\n01/04/2020\tACME, LTD; UK\t1,234.56\n",
     [["Date", "Supplier", "Amount"], ["01/04/2020", "ACME, LTD; UK", "1,234.56"]]),
    ("Date|Supplier|Amount\n01/04/2020|ACME, LTD|1,234.56\n",
     [["Date", "Supplier", "Amount"], ["01/04/2020", "ACME, LTD", "1,234.56"]]),
    ("Supplier\nACME LTD\n", [["Supplier"], ["ACME LTD"]]),  # nothing to split on: one column
])
def test_the_consistent_delimiter_wins_over_commas_inside_values(text, cells):
    assert read_csv_text(text.encode("utf-8"), "f.csv").sheets[0].cells == cells


# --- damage -----------------------------------------------------------------------------------------------


def test_a_runaway_quote_costs_its_record_not_the_file():
    # A quote never closed runs to the end of the file: one record past the csv module's field size limit,
    # which once refused the whole file. Now that record is refused by the reader, cut short, and the rows
    # before it are read.
    data = b"Supplier,Amount\nACME LTD,1.00\n\"unclosed," + b"x" * 200_000
    sheet = read_csv_text(data, "f.csv").sheets[0]
    assert sheet.locators == ["line 1", "line 2", "line 3"]
    assert sheet.cells[:2] == [["Supplier", "Amount"], ["ACME LTD", "1.00"]]
    assert sheet.rejected == {2: "a cell of 200,009 characters, over the limit of 131,072"}
    assert sheet.cells[2] == ["unclosed," + "x" * 91 + "... (200,009 characters)"]


def test_a_truncated_real_xlsx_is_corrupt(realdata):
    data = (realdata / f"{NHS}/NMID/NMID 01 - April.xlsx").read_bytes()
    with pytest.raises(CorruptFile, match=r"cut\.xlsx: a damaged or truncated zip/XLSX file \(BadZipFile"):
        read_xlsx(data[: len(data) // 2], "cut.xlsx")


def test_a_real_xlsx_with_a_damaged_sheet_is_corrupt(realdata):
    original = zipfile.ZipFile(io.BytesIO((realdata / f"{NHS}/NMID/NMID 01 - April.xlsx").read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in original.namelist():
            body = original.read(name)
            out.writestr(name, body[: len(body) // 2] if name == "xl/worksheets/sheet1.xml" else body)
    with pytest.raises(CorruptFile, match=r"damaged\.xlsx: the XLSX is damaged"):
        read_xlsx(buf.getvalue(), "damaged.xlsx")


def test_a_damaged_xls_is_corrupt(realdata):
    data = (realdata / "central-government/BIS_monthly_spend_December_2012.xls").read_bytes()
    with pytest.raises(CorruptFile, match=r"cut\.xls: the XLS cannot be opened"):
        read_xls(data[:4096], "cut.xls")


# --- spreadsheet cells as text ----------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (None, ""),
    (dt.datetime(2020, 4, 30), "2020-04-30"),  # a date cell at midnight is a date
    (dt.datetime(2020, 4, 30, 16, 5, 9), "2020-04-30 16:05:09"),
    (dt.date(2012, 12, 4), "2012-12-04"),
    (True, "TRUE"), (False, "FALSE"),
    (0.1 + 0.2, "0.3"),  # binary noise goes
    (67132.6, "67132.6"), (1697956.3, "1697956.3"), (-3457.18, "-3457.18"),
    (7024100964.0, "7024100964"),  # a transaction number stored as a number loses its '.0'
    (298800, "298800"),
    (0.125, "0.125"), (1234.567891, "1234.567891"),  # up to six decimals kept
    ("  id:12941989   ", "  id:12941989   "),  # text untouched
])
def test_excel_cell_text(value, text):
    assert excel_cell_text(value) == text


def test_a_sheet_needs_one_locator_per_row():
    with pytest.raises(ValueError, match="one locator per row"):
        Sheet("S", cells=[["a"], ["b"]], locators=["row 1"])


def test_a_sheet_from_raw_rows_keeps_what_the_reader_already_knows():
    sheet = Sheet(None, [RawRow(["Supplier", "Amount"], "page 1 line 5"),
                         RawRow(["number", ""], "page 1 line 6", nondata="header continued"),
                         RawRow(["ACME LTD", "1.00"], "page 1 line 7")])
    assert sheet.cells == [["Supplier", "Amount"], ["number", ""], ["ACME LTD", "1.00"]]
    assert sheet.locators == ["page 1 line 5", "page 1 line 6", "page 1 line 7"]
    assert sheet.nondata == {1: "header continued"}
