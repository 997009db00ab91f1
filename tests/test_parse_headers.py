"""spend.parse.headers: finding the header row, mapping its columns through header_synonyms.csv, typed errors.

The mapping table is real: header rows as the corpus files print them (read with spend.parse.readers), with
the row each is found on. Then the refusals: Lambeth's pivot-table exports, a column the synonyms file does
not know (refused today), two columns meaning one thing, a table without a date.
"""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spend.core import schema
from spend.core.errors import AmbiguousHeader, SummaryNotTransactions
from spend.parse.headers import (
    HEADER_SEARCH_ROWS,
    REQUIRED,
    find_header,
    infer_header,
    is_pivot_row,
    match_header,
    normalise_header,
    synonyms,
)
from spend.parse.readers import read_csv_text, read_xls, read_xlsx
from spend.parse.sniff import detect_format

NHS = "nhs-london-2020-21"
READERS = {"csv": read_csv_text, "xlsx": read_xlsx, "xls": read_xls}
TREASURY = ["Department Family", "Entity", "Date", "Expense Type", "Expense Area", "Supplier", "Transaction Number",
            "Amount"]
DATA = ["Department of Health", "NHS Example CCG", "30/04/2020", "Drugs", "Pharmacy", "ACME LTD", "771605", "48,523.68"]


def first_sheet(realdata, relative):
    data = (realdata / relative).read_bytes()
    sheet = READERS[detect_format(data, relative)](data, relative).sheets[0]
    return sheet.cells, sheet.locators.__getitem__


def by_line(i: int) -> str:
    return f"line {i + 1}"


# --- normalising a header cell ----------------------------------------------------------------------------


@pytest.mark.parametrize("published, normalised", [
    ("  AP Amount (£) ", "ap amount"),  # the CCG PDFs
    (" Amount in Sterling £", "amount in sterling"),  # Kingston October, cp1252
    (" Amount ", "amount"),  # Whittington
    ("body_name", "body name"), ("Body_Name", "body name"),  # Oxford
    ("9AN - Level 9 Account Name", "9an level 9 account name"),  # Chelsea & Westminster June
    ("Expenditure Catergory ", "expenditure catergory"),
    ("VAT Registration Number", "vat registration number"),
    ("", ""), (None, ""), ("£", ""), ("---", ""),
])
def test_normalise_header(published, normalised):
    assert normalise_header(published) == normalised


@given(st.text())
def test_normalised_headers_are_plain_words_and_stable(text):
    once = normalise_header(text)
    assert normalise_header(once) == once
    assert set(once) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")
    assert once == " ".join(once.split())  # single spaces, no padding


# --- the synonyms file ------------------------------------------------------------------------------------


def synonym_rows() -> list[dict[str, str]]:
    text = resources.files("spend").joinpath("data/header_synonyms.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))


def test_every_synonym_names_a_payments_column_and_is_written_normalised():
    rows = synonym_rows()
    assert len(rows) == len(synonyms()) > 50  # one row per spelling, none repeated
    payments = set(schema.column_names(schema.PAYMENTS))
    assert {r["canonical"] for r in rows} <= payments
    assert [r["header"] for r in rows if normalise_header(r["header"]) != r["header"]] == []
    assert synonyms() == {r["header"]: r["canonical"] for r in rows}


def test_each_column_a_payment_needs_has_synonyms():
    names = set(synonyms().values())
    assert set(REQUIRED) | {"payment_date"} <= names
    # HM Treasury's guidance names these eight (central-government/spend-publishing-schema.json).
    assert [synonyms()[normalise_header(h)] for h in TREASURY] == [
        "department_family", "publisher", "payment_date", "expense_type", "expense_area", "supplier_name_raw",
        "transaction_id", "amount_gbp"]


# --- real header rows -> mapping --------------------------------------------------------------------------

# (file, where its header is, canonical -> the header as published)
REAL_HEADERS = [
    ("central-government/invalid_excel.xlsx", "line 2", {  # ECGD: a blank first row
        "department_family": "Department Family", "publisher": "Entity", "payment_date": "Input Date",
        "expense_type": "Expense Type", "expense_area": "Expense Area", "supplier_name_raw": "Supplier",
        "transaction_id": "Transaction Number", "amount_gbp": "Amount in Sterling"}),
    ("central-government/1011-bbsrc-25k-spend-return.csv", "line 1", {
        "department_family": "Department Family", "publisher": "Entity", "payment_date": "Date",
        "expense_type": "Expense Type", "expense_area": "Expense Area", "supplier_name_raw": "Supplier",
        "transaction_id": "Transaction Number", "amount_gbp": "Amount", "vat_number": "VAT Registration Number"}),
    ("central-government/BIS_monthly_spend_December_2012.xls", "sheet 'Sheet1' row 1", {
        "department_family": "Department", "publisher": "Entity", "payment_date": "Date of Payment",
        "expense_type": "Expense Type", "expense_area": "Expense Area", "supplier_name_raw": "Supplier",
        "transaction_id": "Transaction Number", "amount_gbp": "Amount", "description": "Description",
        "supplier_postcode": "Supplier Post Code", "supplier_type": "Supplier Type",
        "contract_number": "Contract Number", "project_code": "Project Code", "expenditure_type": "Expenditure Type"}),
    ("councils/lambeth/2012-06-payments.csv", "line 10", {  # nine lines of preamble
        "publisher": "Body", "department_family": "Department", "supplier_name_raw": "Supplier Name",
        "payment_date": "Invoice Creation Date", "amount_gbp": "Invoice Nett Amount",
        "description": "Subj Description"}),
    ("councils/oxford/expenditure-over-500-jan-mar-2014.csv", "line 1", {  # snake_case, 'caporrev'
        "publisher": "body_name", "expense_area": "organisational_unit", "expense_type": "expenditure_category",
        "expenditure_code": "expenditure_code", "payment_date": "paid_date", "transaction_id": "trans_no",
        "amount_gbp": "amount", "expenditure_type": "caporrev", "supplier_ref": "supplier_id",
        "supplier_name_raw": "supplier_name"}),
    ("councils/oxford/expenditure-over-500-jan-mar-2017.csv", "line 1", {  # misspelt 'Catergory'
        "expense_area": "Service Area", "expense_type": "Expenditure Catergory",
        "expenditure_code": "Expenditure Code", "payment_date": "Paid Date", "transaction_id": "Trans No",
        "amount_gbp": "Amount", "expenditure_type": "Type of Expenditure", "supplier_ref": "Supplier ID",
        "supplier_name_raw": "Supplier Name"}),
    (f"{NHS}/BART/BART 01 - April.xlsx", "sheet 'Final Review ' row 1", {  # blank column A
        "department_family": "Department Family", "publisher": "Entity", "transaction_id": "Payment Number",
        "invoice_number": "Invoice Number", "payment_date": "Payment Date", "expense_type": "Expense Type",
        "expense_area": "Expense Area", "description": "Description", "supplier_name_raw": "Supplier",
        "amount_gbp": "Amount"}),
    (f"{NHS}/CHWE/CHWE 03 - June.csv", "line 1", {  # the month with a different header
        "payment_date": "Date Paid", "expense_type": "9AN - Level 9 Account Name", "cost_centre": "Cost Centre Name",
        "supplier_name_raw": "Supplier Name", "transaction_id": "Transaction Reference", "amount_gbp": "amount"}),
    (f"{NHS}/CHWE/CHWE 11 - February.csv", "line 1", {
        "department_family": "Department Family", "publisher": "Entity", "payment_date": "Date Paid",
        "expense_type": "Expense Type", "expense_area": "Expense Area", "supplier_name_raw": "Supplier Name",
        "transaction_id": "Their Reference", "amount_gbp": "amount"}),
    (f"{NHS}/KGST/KGST 07 - October.csv", "line 1", {  # cp1252 '£', padded
        "report_period": "Month", "department_family": "Department Family", "publisher": "Entity",
        "payment_date": "Date", "expense_type": "Expense Type", "supplier_name_raw": "Supplier",
        "transaction_id": "Transaction Number", "amount_gbp": "Amount in Sterling £"}),
    (f"{NHS}/WHIT/WHIT 03 - June.csv", "line 1", {  # 'Transaction Date' holds numbers: the date is 'Date'
        "payment_date": "Date", "expense_type": "Expense Type", "expense_area": "Expense Area",
        "supplier_name_raw": "Supplier", "amount_gbp": "Amount"}),
    (f"{NHS}/NWHA/NWHA 07 - October.pdf.csv", "line 1", {  # 'CCG' is the publisher
        "department_family": "Department", "publisher": "CCG", "payment_date": "Date",
        "expense_area": "Expense Area", "expense_type": "Expense Type", "supplier_name_raw": "Supplier",
        "transaction_id": "Transaction Number", "amount_gbp": "Amount"}),
]


@pytest.mark.parametrize("relative, locator, columns", REAL_HEADERS, ids=[r[0].split("/")[-1] for r in REAL_HEADERS])
def test_real_header_rows_map_to_canonical_columns(realdata, relative, locator, columns):
    rows, locate = first_sheet(realdata, relative)
    index, match = find_header(rows, relative, locate)
    assert locate(index) == locator
    assert match.source_names() == columns
    assert match.extras() == KEPT_AS_EXTRA.get(relative, {}) and match.looks_like_header()
    # Blank cells (Barts' column A, North Middlesex's last) are neither mapped nor kept.
    assert sorted([*match.mapping, *match.extras(), *(i for i, c in enumerate(rows[index]) if not c.strip())]) == \
        list(range(len(rows[index])))


# Real headers with a column no canonical name is given: kept as extra fields.
KEPT_AS_EXTRA = {f"{NHS}/WHIT/WHIT 03 - June.csv": {4: "Transaction Date"}}


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative, found", [
    ("councils/lambeth/2011-01-payments.csv", "'Supplier Name | Sum of Invoice Nett Amount'"),
    ("councils/lambeth/2012-05-payments.csv", "'Sum of Invoice Nett Amount'"),
])
def test_a_pivot_table_summary_is_not_transactions(realdata, relative, found):
    rows, locate = first_sheet(realdata, relative)
    with pytest.raises(SummaryNotTransactions) as e:
        find_header(rows, relative, locate)
    assert e.value.locator == "line 1"
    assert e.value.reason.startswith("a pivot-table summary (totals by supplier), not a list of payments")
    assert e.value.reason.endswith(f"found {found}")


@pytest.mark.parametrize("cells, pivot", [
    (["Supplier Name", "Sum of Invoice Nett Amount"], True), (["Row Labels", "Count of Amount"], True),
    (["Grand Total", "", "1,234.00"], True), (["Average of amount"], True),
    (TREASURY, False), (["Summary of payments", "Total"], False), (["Sum", "of"], False),
])
def test_pivot_rows(cells, pivot):
    assert is_pivot_row(cells) is pivot


def test_a_grand_total_below_the_header_is_not_a_pivot():
    rows = [TREASURY, DATA, ["Grand Total", "", "", "", "", "", "", "48,523.68"]]
    index, match = find_header(rows, "f.csv", by_line)
    assert index == 0 and match.score == 8


@pytest.mark.current_behaviour  # a title row that reads like a pivot label refuses the file before its header
def test_a_title_like_a_pivot_label_above_the_header_is_a_title():
    index, match = find_header([["Count of invoices over £500 by supplier"], TREASURY, DATA], "f.csv", by_line)
    assert index == 1 and "amount_gbp" in match.canonical


@pytest.mark.parametrize("row", [["Sum of Invoice Nett Amount", ""], ["Supplier Name", "Sum of Amount"],
                                 ["Row Labels", "Count of Supplier"], ["Grand Total", "4,000.00"]])
def test_pivot_labels_are_a_summary(row):
    with pytest.raises(SummaryNotTransactions, match="pivot-table summary"):
        find_header([row, TREASURY, DATA], "f.csv", by_line)


@pytest.mark.parametrize("relative, unknown", [
    # A third party's extractions of Hounslow's PDFs, with their typing slips in the header.
    (f"{NHS}/NWHO/NWHO 02 - May.pdf.csv", ["Expsene Area"]),
    (f"{NHS}/NWHO/NWHO 05 - August.pdf.csv", ["Department of Health"]),
])
def test_an_unknown_column_is_kept_as_an_extra_field(realdata, relative, unknown):
    rows, locate = first_sheet(realdata, relative)
    index, match = find_header(rows, relative, locate)
    assert (index, list(match.extras().values())) == (0, unknown)
    assert {"supplier_name_raw", "amount_gbp", "payment_date"} <= match.canonical


def test_unknown_columns_are_listed_in_order():
    header = TREASURY[:4] + ["Cost Bucket", "Supplier", "Mystery", "Transaction Number", "Amount"]
    index, match = find_header([["Spend over £25,000"], header], "f.csv", by_line)
    assert (index, match.extras()) == (1, {4: "Cost Bucket", 6: "Mystery"})


@pytest.mark.parametrize("header, first, second, meaning", [
    (TREASURY + ["Payment Date"], "Date", "Payment Date", "payment_date"),
    (["Date", "Supplier", "Supplier Name", "Amount"], "Supplier", "Supplier Name", "supplier_name_raw"),
    (["Date", "Supplier", " Amount ", "Amount in Sterling £"], "Amount", "Amount in Sterling £", "amount_gbp"),
])
def test_two_columns_meaning_one_needed_thing_are_ambiguous(header, first, second, meaning):
    with pytest.raises(AmbiguousHeader) as e:
        find_header([header], "f.csv", by_line)  # no values to choose between them
    assert e.value.reason == (f"columns {first!r} and {second!r} all mean {meaning}, and their values do not say "
                              "which is meant")
    assert e.value.locator == "line 1"


def test_the_values_choose_between_two_date_columns():
    # Whittington's June 2020: 'Transaction Date' holds reference numbers, 'Date' the dates.
    header = ["Date", "Expense Type", "Expense Area", "Supplier", "Transaction Date", "Amount"]
    rows = [header, ["16/06/2020", "NHSLA", "Risk", "NHS Litigation Authority", "", "1,014,642.50"],
            ["25/06/2020", "Works", "Capital", "Erith Contractors Ltd", "1168648", "309,983.38"]]
    index, match = find_header(rows, "f.csv", by_line)
    assert match.mapping[0] == "payment_date" and match.extras() == {4: "Transaction Date"}
    assert match.notes == ["'Transaction Date' kept as an extra field: 'Date' is the payment_date column"]


def test_a_second_column_for_an_optional_field_is_kept_as_an_extra():
    index, match = find_header([["Entity", "Body", "Date", "Supplier", "Amount"]], "f.csv", by_line)
    assert match.mapping[0] == "publisher" and match.extras() == {1: "Body"}


def test_a_table_without_a_date_column_is_not_a_list_of_payments():
    with pytest.raises(SummaryNotTransactions, match="no date column"):
        find_header([["Supplier", "Amount", "Transaction Number"], ["ACME LTD", "5.00", "1"]], "f.csv", by_line)


# --- where the header may be ------------------------------------------------------------------------------


@pytest.mark.parametrize("blank_rows, found", [(0, 0), (HEADER_SEARCH_ROWS - 1, HEADER_SEARCH_ROWS - 1),
                                               (HEADER_SEARCH_ROWS, None)])
def test_the_header_is_searched_for_in_the_first_rows(blank_rows, found):
    rows = [[""] * 8] * blank_rows + [TREASURY, DATA]
    result = find_header(rows, "f.csv", by_line)
    assert (result[0] if result else None) == found


def test_the_row_naming_most_columns_is_the_header():
    rows = [["Supplier", "Amount", "Date"],  # a summary line that could pass for a header
            TREASURY, DATA]
    index, match = find_header(rows, "f.csv", by_line)
    assert (index, match.score) == (1, 8)


@pytest.mark.parametrize("cells, header", [
    (TREASURY, True),
    (["Supplier", "Amount", "Date"], True),  # three known names including supplier and amount
    (["Supplier", "Amount"], False),  # too few
    (["Date", "Expense Type", "Amount", "Transaction Number"], False),  # no supplier
    (["Date", "Expense Type", "Supplier", "Transaction Number"], False),  # no amount
    (DATA, False),
])
def test_what_looks_like_a_header(cells, header):
    assert match_header(cells).looks_like_header() is header


def test_a_match_keeps_unknown_and_blank_cells_apart():
    m = match_header(["", "Supplier", "Mystery", None, " Amount ", "Date"])
    assert m.mapping == {1: "supplier_name_raw", 4: "amount_gbp", 5: "payment_date"}
    assert m.unknown == [2]
    assert m.source_names() == {"supplier_name_raw": "Supplier", "amount_gbp": "Amount", "payment_date": "Date"}


def test_rows_without_a_header_give_none(realdata):
    rows, locate = first_sheet(realdata, "catalogue/publishers.csv")  # a real CSV that is not a spend table
    assert find_header(rows, "publishers.csv", locate) is None
    assert find_header([], "empty.csv", by_line) is None


# --- a header whose labels name nothing needed: columns read from their values ---------------------------


def _labelled(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    return [header, *rows]


SPEND_ROWS = [["03/04/2020", "Consultancy", "ACME CONSULTING LTD", "1001", "12,500.00"],
              ["13/04/2020", "Consultancy", "BETA PARTNERS LLP", "1002", "30,000.50"],
              ["14/04/2020", "Estates", "GAMMA BUILD LTD", "1003", "1,200.00"],
              ["20/04/2020", "Estates", "GAMMA BUILD LTD", "1004", "(250.00)"],
              ["21/04/2020", "Estates", "DELTA SYSTEMS", "1005", "99,999.99"],
              ["22/04/2020", "Estates", "DELTA SYSTEMS", "1006", "5,000.00"]]


def test_columns_are_read_from_their_values_when_the_labels_do_not_name_them():
    rows = _labelled(["When", "Area", "Who", "Ref", "How much"], [[r[0], "IT", *r[2:]] for r in SPEND_ROWS])
    assert find_header(rows, "f.csv", by_line) is None
    index, match = infer_header(rows)
    assert index == 0 and match.mapping == {0: "payment_date", 4: "amount_gbp", 2: "supplier_name_raw"}
    assert match.extras() == {1: "Area", 3: "Ref"}
    assert "read from the values: 'When' holds dates, 'How much' holds amounts" in match.notes[0]


def test_two_columns_of_names_leave_the_supplier_undecided():
    rows = _labelled(["When", "Area", "Who", "Ref", "How much"], SPEND_ROWS)  # 'Consultancy' / 'Estates' are names too
    assert infer_header(rows) is None


def test_a_label_that_names_the_supplier_settles_a_tie():
    rows = _labelled(["When", "Area", "Payee", "Ref", "How much"], SPEND_ROWS)
    index, match = infer_header(rows)
    assert match.mapping[2] == "supplier_name_raw" and match.extras() == {1: "Area", 3: "Ref"}


def test_values_without_labels_above_them_are_not_a_header():
    assert infer_header([SPEND_ROWS[0], *SPEND_ROWS]) is None
