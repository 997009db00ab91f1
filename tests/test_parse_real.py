"""The parser on real published files: exact counts, totals to the penny, first and last records.

Expected values were checked by hand against the original files (the CSV/XLSX cells, and for the
PDFs against `pdftotext -layout`, which agrees on every row count of the 16 CCG PDFs).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from spend.core.errors import SummaryNotTransactions
from spend.parse import parse_file

NHS = "nhs-london-2020-21/"

# file, format, rows read, kept, rejected, non-data, total £,
# (first: locator, date, supplier, transaction, amount), (last: ...)
SPREAD = [
    (NHS + "CHWE/CHWE 01 - April.csv", "csv", 142, 141, 0, 1, "21963605.56",
     ("line 2", "2020-04-02", "Bywest Ltd", "1456945", "67132.60"),
     ("line 142", "2020-04-29", "Nhs Resolution C/O Nhs Litigation Authority", "1470183", "2906752.80")),
    (NHS + "EPSH/EPSH 01 - April.csv", "csv", 147, 146, 0, 1, "23427533.98",
     ("line 2", "2020-04-30", "ESSEX EMERGENCY AMBULANCE HIRE LTD", "32757985", "-85260.00"),
     ("line 147", "2020-04-30", "10008721", "F&A-27674", "42739.50")),
    (NHS + "KGST/KGST 07 - October.csv", "csv", 57, 56, 0, 1, "4960264.16",
     ("line 2", "2020-03-21", "NHS000036L01 : NHS South West London CCG", "7024100964", "59556.73"),
     ("line 57", "2020-08-17", "WPS0NBA03301 : NHS Blood & Transplant exc BPL", "891041", "72066.82")),
    (NHS + "GUYS/GUYS 01 - April.csv", "csv", 13458, 13457, 0, 1, "57927108.96",
     ("line 2", "2020-04-24", "KINGS COLLEGE LONDON:03529700", "id:12941989", "2998.48"),
     ("line 13458", "2020-04-24", "MEDTRONIC LTD", "id:12991364", "-567.00")),
    (NHS + "BART/BART 01 - April.xlsx", "xlsx", 240, 238, 0, 2, "48757844.82",
     ("sheet 'Final Review ' row 2", "2020-04-03", "COMMERCIAL LTD", "3460", "298800.00"),
     ("sheet 'Final Review ' row 239", "2020-04-30", "SUPPLY CHAIN COORDINATION LTD (SCCL)", "2128400", "76912.07")),
    # The last row of this XLS is an unlabelled grand total (the sum of the rows above): non-data.
    (NHS + "BART/BART 09 - December.xls", "xls", 213, 211, 0, 2, "60110413.54",
     ("sheet 'Final Review ' row 2", "2020-12-02", "LONDON'S AIR AMBULANCE", "2146856", "39583.33"),
     None),
    (NHS + "NWHO/NWHO 04 - July.pdf", "pdf", 370, 342, 0, 28, "33574108.18",
     ("page 1 line 7", "2020-07-31", "LONDON BOROUGH OF HOUNSLOW", "32969041", "40250.00"),
     ("page 7 line 35", "2020-07-31", "HOUNSLOW CONSORTIUM LTD", "33392101", "48181.64")),
    (NHS + "NWHA/NWHA 01 - April.pdf", "pdf", 343, 321, 0, 22, "27874478.70",
     ("page 1 line 7", "2020-04-30", "LONDON NORTH WEST HEALTHCARE NHS TRUST", "31739104", "49690.00"),
     ("page 6 line 48", "2020-04-30", "SPIRE HEALTHCARE LTD", "32138499", "69440.50")),
    ("central-government/invalid_excel.xlsx", "csv", 20, 12, 0, 8, "1253274.77",
     ("line 3", "2010-12-06", "London Borough Of Tower Hamlets", "60015", "83379.00"),
     ("line 14", "2010-12-20", "Logica UK Limited", "60145", "1600.00")),
    ("central-government/BIS_monthly_spend_December_2012.xls", "xls", 2706, 2705, 0, 1, "3498200817.50",
     ("sheet 'Sheet1' row 2", "2012-12-04", "CORONA ENERGY RETAIL 4 LTD", "1047467", "-3457.18"),
     ("sheet 'Sheet1' row 2706", "2012-12-14", "Personal Expense, Name Witheld", None, "224.49")),
    ("central-government/1011-bbsrc-25k-spend-return.csv", "csv", 6640, 67, 0, 6573, "13471165.43",
     ("line 2", "2010-11-01", "Estate Management", "IAH126", "47715.95"),
     ("line 68", "2010-11-30", "Cable & Wireless", "192774", "105384.25")),
    ("councils/lambeth/2012-06-payments.csv", "csv", 3171, 3151, 5, 15, "40244558.24",
     ("line 11", "2012-06-08", "170 Community Project", None, "1534.24"),
     ("line 3165", "2012-06-14", "Ziadies Solicitors", None, "1090.00")),
    ("councils/oxford/expenditure-over-500-apr-jun-2014.csv", "csv", 3837, 3836, 0, 1, "14165887.28",
     ("line 2", None, "OXFORD ROUND TABLE CHARITABLE TRUST", "46281108_1", "1500.00"),
     ("line 3837", None, "WORD FOUNTAIN FELLOWSHIP-FAMILY", "46282212_1", "1200.00")),
    (NHS + "NERD/NERD 11 - February.csv", "csv", 391, 390, 0, 1, "32042529.51",
     ("line 2", "2021-02-28", "ACCELERATE CIC", "35646194", "35261.90"),
     ("line 391", "2021-02-28", "YORK ROAD SURGERY ILFORD", "35758426", "3693.10")),
    (NHS + "first-upload/CHWE/CHWE 09 - December.csv", "csv", 136, 135, 0, 1, "27836195.21",
     ("line 2", "2020-11-26", "Nhs Resolution C/O Nhs Litigation Authority", "1530829", "2906792.80"),
     ("line 136", "2020-12-29", "St George'S University Hospitals Nhs Ft", "1542947", "239898.00")),
]


def _record(row) -> tuple:
    date = row.payment_date.isoformat() if isinstance(row.payment_date, dt.date) else None
    txn = row.transaction_id if isinstance(row.transaction_id, str) else None
    return (row.source_locator, date, row.supplier_name_raw, txn, str(row.amount_gbp))


@pytest.mark.parametrize("case", SPREAD, ids=[c[0].split("/")[-1] for c in SPREAD])
def test_spread_of_real_files(realdata, case):
    name, fmt, read, kept, rejected, nondata, total, first, last = case
    result = parse_file(realdata / name)
    rep = result.report
    assert (rep.format, rep.rows_read, rep.rows_kept, rep.rows_rejected, rep.rows_nondata) == (fmt, read, kept, rejected, nondata)
    assert sum(result.payments["amount_gbp"], Decimal(0)) == Decimal(total)
    assert all(isinstance(a, Decimal) for a in result.payments["amount_gbp"])
    assert _record(result.payments.iloc[0]) == first
    if last:
        assert _record(result.payments.iloc[-1]) == last


def _spend_files(root):
    for sub in ("nhs-london-2020-21", "central-government", "councils"):
        for f in sorted((root / sub).rglob("*")):
            if f.suffix in (".csv", ".xls", ".xlsx", ".pdf") and not f.name.endswith(".pdf.csv"):
                yield f


PIVOTS = {"2011-01-payments.csv", "2012-05-payments.csv"}
# The only rejects in the corpus: four Lambeth rows where the supplier is run into the date, and Lambeth's
# totals row, which does not equal the lines it can be checked against (it covers those four too).
EXPECTED_REJECTS = {"2012-06-payments.csv": 5}


@pytest.mark.slow
def test_every_real_file_parses_and_accounts_for_every_row(realdata):
    files = list(_spend_files(realdata))
    assert len(files) == 125
    parsed = 0
    for f in files:
        if f.name in PIVOTS:
            with pytest.raises(SummaryNotTransactions):
                parse_file(f)
            continue
        result = parse_file(f)
        rep = result.report
        assert rep.rows_read == rep.rows_kept + rep.rows_rejected + rep.rows_nondata, f
        assert rep.rows_rejected == EXPECTED_REJECTS.get(f.name, 0), (f, result.rejects.head().to_dict("records"))
        assert result.rejects["reason"].str.len().gt(0).all()
        assert rep.rows_kept > 0, f
        assert result.payments["source_locator"].notna().all()
        parsed += 1
    assert parsed == len(files) - len(PIVOTS)


def test_lambeth_rejects_say_why(realdata):
    result = parse_file(realdata / "councils/lambeth/2012-06-payments.csv")
    assert sorted(result.rejects["source_locator"]) == ["line 1044", "line 1382", "line 3167", "line 441", "line 442"]
    reasons = dict(zip(result.rejects["source_locator"], result.rejects["reason"]))
    assert {reasons[line].split(":")[0] for line in ("line 1044", "line 1382", "line 441", "line 442")} <= {
        "amount not a number", "amount blank"}
    # The printed total is £47,776.60 more than the lines kept: exactly the four damaged lines' amounts.
    assert reasons["line 3167"] == "a totals row that is not the sum of the printed lines above it (40244558.24)"
    (check,) = result.report.checks
    assert check.printed_pence - check.computed_pence == 875520 + 2400000 + 1428140 + 74000
    glued = result.payments[result.payments["row_warnings"].fillna("").str.contains("run together")]
    assert len(glued) == 635
    first = glued.iloc[0]
    assert (first.payment_date, first.amount_gbp) == (dt.date(2012, 6, 25), Decimal("900.00"))


@pytest.mark.slow
def test_hounslow_optum_april_to_november_2020(realdata):
    frames = [parse_file(f).payments for f in sorted((realdata / NHS / "NWHO").glob("*.pdf"))]
    pay = pd.concat(frames)
    optum = pay[pay["supplier_name_raw"] == "OPTUM HEALTH SOLUTIONS (UK) LTD"]
    assert len(optum) == 8
    assert sum(optum["amount_gbp"]) == Decimal("276000.00")
    assert set(optum["vat_number"]) == {"GB108297604"}
    assert sorted(d.month for d in optum["payment_date"]) == [4, 7, 7, 7, 9, 9, 10, 11]
    assert set(optum["publisher"]) == {"NHS Hounslow CCG"}


def test_pdf_header_split_over_two_lines_and_repeated_on_each_page(realdata):
    result = parse_file(realdata / NHS / "NWHO/NWHO 04 - July.pdf")
    rep = result.report
    assert rep.columns["transaction_id"] == "Transaction number"
    assert rep.columns["invoice_number"] == "Purchase invoice number"
    assert rep.nondata["repeated header"] == 6 and rep.nondata["further line of the header"] == 7
    assert rep.nondata["title or notes above the table"] == 4  # title, two note lines, "Time run:"


def test_pdf_brackets_are_negative_and_millions_are_exact(realdata):
    pay = parse_file(realdata / NHS / "NWHA/NWHA 01 - April.pdf").payments
    row = pay[pay["amount_raw"] == "(2,509,460.00)"].iloc[0]
    assert row.amount_gbp == Decimal("-2509460.00")
    assert row.supplier_name_raw == "ROYAL FREE LONDON NHS FOUNDATION TRUST"


def test_codes_glued_onto_suppliers_are_split(realdata):
    kg = parse_file(realdata / NHS / "KGST/KGST 03 - June.csv").payments
    prime = kg[kg["supplier_name_raw"].str.startswith("UK0479435601")].iloc[0]
    assert prime.supplier_name_raw == "UK0479435601 : Prime Care Solutions (Kingston) Ltd"
    assert prime.supplier_code == "UK0479435601"
    guys = parse_file(realdata / NHS / "GUYS/GUYS 01 - April.csv").payments
    kcl = guys[guys["supplier_name_raw"] == "KINGS COLLEGE LONDON:03529700"].iloc[0]
    # Guy's glues its own 8-digit supplier numbers onto names; they look like Companies House numbers but are
    # not (LONDON BOROUGH OF LAMBETH carries three, HUMAN TISSUE AUTHORITY is no company), so the number is a
    # supplier code only and company_number stays empty unless the file labels it as one (spend.codes).
    assert kcl.supplier_code == "03529700"
    assert kcl.company_number is None or kcl.company_number != kcl.company_number  # None or NaN: not published
    lambeth = guys[guys["supplier_name_raw"].str.startswith("LONDON BOROUGH OF LAMBETH:")]
    assert set(lambeth["supplier_code"]) == {"24845200", "66400600"}  # one council, two codes in April alone
    assert lambeth["company_number"].isna().all()


def test_us_dates_are_read_month_first_from_the_column_evidence(realdata):
    result = parse_file(realdata / NHS / "EPSH/EPSH 01 - April.csv")
    assert result.report.date_order == "month-first"
    assert set(result.payments["payment_date"]) == {dt.date(2020, 4, 30)}


def test_headers_renamed_month_to_month_map_to_the_same_columns(realdata):
    june = parse_file(realdata / NHS / "CHWE/CHWE 03 - June.csv").report.columns
    feb = parse_file(realdata / NHS / "CHWE/CHWE 11 - February.csv").report.columns
    assert june["expense_type"] == "9AN - Level 9 Account Name"
    assert feb["transaction_id"] == "Their Reference"
    oct_ = parse_file(realdata / NHS / "KGST/KGST 07 - October.csv").report
    assert oct_.columns["amount_gbp"] == "Amount in Sterling £" and oct_.encoding == "cp1252"


def _simple_csv_total(path) -> tuple[int, Decimal]:
    """A second route for files whose header is on line 1: pandas reads, Decimal sums."""
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    import io

    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    col = [c for c in frame.columns if "amount" in c.lower()][0]
    values = frame[col].str.replace(r"[£,\s]", "", regex=True)
    values = values[values != ""]
    return len(values), sum((Decimal(v) for v in values), Decimal(0))


@pytest.mark.parametrize("body", ["CHWE", "CROY", "EPSH", "KGST", "NERD", "WHIT", "GUYS"])
def test_csv_totals_agree_with_an_independent_reading(realdata, body):
    for f in sorted((realdata / NHS / body).glob("*.csv")):
        n, total = _simple_csv_total(f)
        result = parse_file(f)
        assert (result.report.rows_kept, sum(result.payments["amount_gbp"], Decimal(0))) == (n, total), f
