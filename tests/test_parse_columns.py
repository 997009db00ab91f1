"""The parser's column-by-column reading gives exactly what reading row by row gave: the ordinary rows of a
table are decided and converted per distinct value, the odd ones (notes, totals, repeated headers, cells
missing or run together) one at a time. Each case below pins the exact values, types and locators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import openpyxl
import pytest

from spend.core import schema
from spend.parse import parse_file
from spend.parse.readers import RawRow, Sheet

HEADER = "Department Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def values(frame, column):
    """A column as plain Python values, missing as None (a `str` column holds NaN, an object one None)."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in frame[column]]


def test_whitespace_is_exactly_what_str_strip_removes():
    from spend.parse.columns import WHITESPACE as _WHITESPACE  # Arrow trims these, so that text is trimmed as str.strip() trims it

    assert _WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def test_a_table_of_ordinary_rows(tmp_path):
    rows = ["DH,Body,13/04/2020,T1,A1,KINGS COLLEGE LONDON:03529700 ,id:1   ,2998.48",
            "DH,Body,13/04/2020,T1, A2 ,Acme Ltd,id:2,\"-85,260.00\"",
            "DH,Body,14/04/2020,T2,,Acme Ltd,id:3,77041",
            "DH, Body ,14/04/2020,T2,A1,KINGS COLLEGE LONDON:03529700,id:4,2998.48"]
    result = parse_file(write(tmp_path, "ordinary.csv", HEADER + "\n".join(rows) + "\n"))
    pay, rep = result.payments, result.report
    assert list(pay.columns) == schema.column_names(schema.PAYMENTS)
    assert (rep.rows_read, rep.rows_kept, rep.rows_rejected, rep.rows_nondata) == (5, 4, 0, 1)
    assert rep.total_pence == 299848 - 8526000 + 7704100 + 299848
    assert list(pay["amount_gbp"]) == [Decimal("2998.48"), Decimal("-85260.00"), Decimal("77041.00"),
                                       Decimal("2998.48")]
    assert list(pay["amount_raw"]) == ["2998.48", "-85,260.00", "77041", "2998.48"]
    assert list(pay["payment_date"]) == [dt.date(2020, 4, 13)] * 2 + [dt.date(2020, 4, 14)] * 2
    assert list(pay["payment_date_raw"]) == ["13/04/2020", "13/04/2020", "14/04/2020", "14/04/2020"]
    assert list(pay["supplier_name_raw"]) == ["KINGS COLLEGE LONDON:03529700", "Acme Ltd", "Acme Ltd",
                                              "KINGS COLLEGE LONDON:03529700"]
    assert values(pay, "supplier_code") == ["03529700", None, None, "03529700"]
    assert values(pay, "transaction_id") == ["id:1", "id:2", "id:3", "id:4"]
    assert values(pay, "expense_area") == ["A1", "A2", None, "A1"]  # trimmed; blank is missing
    assert list(pay["publisher"]) == ["Body"] * 4 and rep.publisher == "Body"
    assert list(pay["source_locator"]) == ["line 2", "line 3", "line 4", "line 5"]
    assert values(pay, "row_warnings") == [None] * 4
    # The types pandas inferred when the frame was built from one dict per row.
    assert str(pay["supplier_code"].dtype) == "str"
    assert pay["supplier_code"].isna().tolist() == [False, True, True, False]
    for column in ("vat_number", "row_warnings", "description"):
        assert pay[column].dtype == object and pay[column].isna().all(), column
    assert pay["amount_gbp"].dtype == object and pay["payment_date"].dtype == object
    assert result.rejects.empty and list(result.rejects.columns) == schema.column_names(schema.REJECTS)


def test_odd_rows_are_judged_one_at_a_time(tmp_path):
    text = ("Spend over £500\n"                                             # 1 title
            "\n"                                                            # 2 blank
            + HEADER +                                                      # 3 header
            "DH,Body,13/04/2020,T,A,Acme Ltd,1,100.00\n"                    # 4 ordinary
            "DH,Body,13/04/2020,T,A,Acme Ltd,2,1234.5700000000001\n"       # 5 float noise, rounded
            "DH,Body,,T,A,Acme Ltd,3,5.00\n"                                # 6 no date, has a transaction
            "DH,Body,00:00:00,T,A,,4,6.00\n"                                # 7 time only, blank supplier
            "DH,Body,13/04/2020,T,A,Acme Ltd,5,7.00,,\n"                    # 8 blank cells past the header
            "DH,Body,13/04/2020,T,A,Acme Ltd,6,8.00,oops\n"                 # 9 more cells than the header
            "DH,Body,13/04/2020,T,A,Acme Ltd,7\n"                           # 10 amount missing
            "DH,Body,31/02/2020,T,A,Acme Ltd,8,9.00\n"                      # 11 not a calendar date
            + HEADER +                                                      # 12 repeated header
            "Published under the OGL\n"                                     # 13 note
            "Total,,,,,,,1353.57\n"                                         # 14 labelled total, wrong
            ",,,,,,,1361.57\n"                                              # 15 bare total = rows 4-11
            ",,,,,,,12.00\n")                                               # 16 bare amount
    result = parse_file(write(tmp_path, "odd.csv", text))
    pay, rep = result.payments, result.report
    assert (rep.rows_read, rep.rows_kept, rep.rows_rejected, rep.rows_nondata) == (16, 5, 5, 6)
    assert list(pay["source_locator"]) == ["line 4", "line 5", "line 6", "line 7", "line 8"]
    assert [str(a) for a in pay["amount_gbp"]] == ["100.00", "1234.57", "5.00", "6.00", "7.00"]
    assert values(pay, "payment_date") == [dt.date(2020, 4, 13), dt.date(2020, 4, 13), None, None, dt.date(2020, 4, 13)]
    assert values(pay, "payment_date_raw") == ["13/04/2020", "13/04/2020", None, "00:00:00", "13/04/2020"]
    assert values(pay, "supplier_name_raw") == ["Acme Ltd", "Acme Ltd", "Acme Ltd", None, "Acme Ltd"]
    assert values(pay, "row_warnings") == [None, "amount rounded to the penny", "date blank",
                                           "date not published (cell reads '00:00:00'); supplier blank", None]
    assert dict(rep.warnings) == {"amount rounded to the penny": 1, "date blank": 1, "date not published": 1,
                                  "supplier blank": 1}
    # The bare total on line 15 adds up the rows the table took, line 11 included: its date is read later.
    assert rep.total_pence == 10000 + 123457 + 500 + 600 + 700
    assert list(result.rejects["source_locator"]) == ["line 9", "line 10", "line 14", "line 16", "line 11"]
    assert list(result.rejects["reason"]) == [
        "row has 9 cells but the header has 8 columns", "amount blank",
        # Neither the payments above it (1361.57) nor every printed line (1369.57, line 9's 8.00 too).
        "a totals row that is not the sum of the printed lines above it (1369.57)",
        "an amount with no supplier, date or transaction number", "not a calendar date: '31/02/2020'"]
    assert result.rejects["raw"].iloc[0] == "DH | Body | 13/04/2020 | T | A | Acme Ltd | 6 | 8.00 | oops"
    assert dict(rep.nondata) == {"blank row": 1, "title or notes above the header": 1, "header": 1,
                                 "repeated header": 1, "note line": 1,
                                 "totals row (equals the sum of the rows above)": 1}
    assert [(c.locator, c.printed_pence, c.computed_pence) for c in rep.checks] == [
        ("line 14", 135357, 136957), ("line 15", 136157, 136157)]


def test_date_and_amount_run_together_are_split_and_said_so(tmp_path):
    header = "Supplier,Transaction Number,Date,Amount,Expense Type\n"
    rows = ["Acme,1,06/06/2012782.03,GAS", "Acme,2,07/06/2012,5.00,GAS", "Acme,3,13/06/2012(1.50),GAS"]
    pay = parse_file(write(tmp_path, "glued.csv", header + "\n".join(rows) + "\n")).payments
    assert [str(a) for a in pay["amount_gbp"]] == ["782.03", "5.00", "-1.50"]
    assert list(pay["amount_raw"]) == ["782.03", "5.00", "(1.50)"]
    assert list(pay["payment_date"]) == [dt.date(2012, 6, 6), dt.date(2012, 6, 7), dt.date(2012, 6, 13)]
    assert values(pay, "row_warnings") == [
        "date and amount run together in the file ('06/06/2012782.03'); split", None,
        "date and amount run together in the file ('13/06/2012(1.50)'); split"]


def test_locators_count_physical_lines_across_quoted_newlines(tmp_path):
    text = (HEADER + 'DH,Body,13/04/2020,"two\nlines",A,Acme Ltd,1,100.00\n'
            'DH,Body,14/04/2020,T,A,"three\r\n\r\nlines",2,"1,200.50"\n\nDH,Body,15/04/2020,T,A,Gamma,3,(5.00)\n')
    result = parse_file(write(tmp_path, "quoted.csv", text))
    assert list(result.payments["source_locator"]) == ["lines 2-3", "lines 4-6", "line 8"]
    assert values(result.payments, "expense_type") == ["two\nlines", "T", "T"]
    assert result.report.nondata["blank row"] == 1


def test_a_file_whose_every_row_is_rejected_for_its_date(tmp_path):
    result = parse_file(write(tmp_path, "bad.csv", HEADER + "DH,Body,31/02/2020,T,A,Acme,1,1.00\n"))
    assert result.payments.empty and list(result.payments.columns) == schema.column_names(schema.PAYMENTS)
    assert list(result.rejects["reason"]) == ["not a calendar date: '31/02/2020'"]
    assert (result.report.rows_kept, result.report.rows_rejected, result.report.total_pence) == (0, 1, 0)


def test_published_vat_numbers_win_over_codes_in_the_name(tmp_path):
    text = ("Date,Supplier,Amount,VAT Registration Number,Entity\n"
            "13/04/2020,Acme,1.00,gb 123 456 789,Body\n"
            "13/04/2020,Acme:GB123456789,2.00,,\n"
            "13/04/2020,Beta VAT No 987654321,3.00,,Other\n")
    result = parse_file(write(tmp_path, "vat.csv", text))
    pay = result.payments
    assert values(pay, "vat_number") == ["GB123456789", "GB123456789", "987654321"]
    assert values(pay, "publisher") == ["Body", None, "Other"] and result.report.publisher == "Body, Other"
    assert parse_file(tmp_path / "vat.csv", publisher="Given").payments["publisher"].tolist() == ["Given"] * 3


def test_sheets_with_different_columns_make_one_table(tmp_path):
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "April"
    first.append(["Date", "Supplier", "Amount", "Description"])
    first.append([dt.datetime(2020, 4, 1), "Acme", 10.5, " Paper "])
    second = wb.create_sheet("May")
    second.append(["Date", "Supplier", "Amount", "Transaction Number"])
    second.append([dt.datetime(2020, 5, 1), "Beta", 3, 77])
    second.append([None, None, None, None])
    wb.create_sheet("Notes").append(["Prepared by finance"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    result = parse_file(path)
    pay, rep = result.payments, result.report
    assert list(pay["source_locator"]) == ["sheet 'April' row 2", "sheet 'May' row 2"]
    assert [str(a) for a in pay["amount_gbp"]] == ["10.50", "3.00"]
    assert values(pay, "description") == ["Paper", None]
    assert values(pay, "transaction_id") == [None, "77"]
    assert dict(rep.nondata) == {"header": 2, "blank row": 1, "sheet 'Notes' has no spend table": 1}


def test_a_sheet_built_from_raw_rows_keeps_the_readers_verdicts():
    sheet = Sheet("p", [RawRow(["a"], "page 1 line 1"), RawRow(["b"], "page 1 line 2", nondata="second line")])
    assert sheet.cells == [["a"], ["b"]] and sheet.locators == ["page 1 line 1", "page 1 line 2"]
    assert sheet.nondata == {1: "second line"}
    with pytest.raises(ValueError):
        Sheet("p", cells=[["a"]], locators=[])


def test_rejects_frame_types(tmp_path):
    rejects = parse_file(write(tmp_path, "r.csv", HEADER + "DH,Body,13/04/2020,T,A,Acme,2,n/a\n")).rejects
    assert list(rejects.columns) == schema.column_names(schema.REJECTS)
    assert all(str(rejects[c].dtype) == "str" for c in rejects.columns)
    empty = parse_file(write(tmp_path, "e.csv", HEADER + "DH,Body,13/04/2020,T,A,Acme,1,1.00\n")).rejects
    assert empty.empty and list(empty.columns) == schema.column_names(schema.REJECTS)
    assert [str(t) for t in empty.dtypes] == ["str", "str", "object", "object", "object"]
