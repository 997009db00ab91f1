"""Bad input gets a typed error naming the file and the reason; the CLI exits non-zero and leaves
no output file behind."""

from __future__ import annotations

import io
import zipfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from spend.cli import main  # noqa: E402
from spend.core.errors import (  # noqa: E402
    AmbiguousDates,
    CorruptFile,
    EmptyFile,
    NoTableFound,
    NotASpendFile,
    SummaryNotTransactions,
)
from spend.parse import parse_file  # noqa: E402

HEADER = "Department Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount\n"


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def test_html_error_page_saved_as_csv(tmp_path):
    p = write(tmp_path, "april.csv", "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>gone</body></html>")
    with pytest.raises(NotASpendFile) as e:
        parse_file(p)
    assert "april.csv" in str(e.value) and "HTML" in str(e.value) and "404 Not Found" in str(e.value)


def test_empty_file(tmp_path):
    with pytest.raises(EmptyFile, match="empty.csv: the file is empty"):
        parse_file(write(tmp_path, "empty.csv", b""))


def test_truncated_xlsx(realdata, tmp_path):
    data = (realdata / "nhs-london-2020-21/NMID/NMID 01 - April.xlsx").read_bytes()
    with pytest.raises(CorruptFile, match="cut.xlsx"):
        parse_file(write(tmp_path, "cut.xlsx", data[: len(data) // 2]))


def test_zip_that_is_not_a_workbook(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(NotASpendFile, match="not a spreadsheet"):
        parse_file(write(tmp_path, "x.xlsx", buf.getvalue()))


def test_pdf_without_a_table(tmp_path):
    fig = plt.figure()
    fig.text(0.1, 0.5, "Annual report 2020: no payments here")
    path = tmp_path / "report.pdf"
    fig.savefig(path)
    plt.close(fig)
    with pytest.raises(NoTableFound, match="report.pdf: no table header found"):
        parse_file(path)


def test_unknown_columns_are_kept_as_extra_fields_and_named(tmp_path):
    p = write(tmp_path, "odd.csv", HEADER.replace("Expense Area", "Cost Bucket").replace("Entity", "Entity,Mystery")
              + "DH,Body,X,01/04/2020,T,A,Acme Ltd,1,100.00\nDH,Body,,20/04/2020,T,,Acme Ltd,2,5.00\n")
    result = parse_file(p)
    assert result.report.extra_columns == ["Mystery", "Cost Bucket"]
    extras = [v if isinstance(v, str) else None for v in result.payments["extra_fields"]]
    assert extras == ['{"Mystery": "X", "Cost Bucket": "A"}', None]
    assert [str(a) for a in result.payments["amount_gbp"]] == ["100.00", "5.00"]


def test_dates_that_read_both_ways_are_an_error_not_a_guess(tmp_path):
    p = write(tmp_path, "dates.csv", HEADER + "DH,Body,01/04/2020,T,A,Acme Ltd,1,100.00\nDH,Body,03/04/2020,T,A,Acme Ltd,2,5.00\n")
    with pytest.raises(AmbiguousDates, match="dates.csv: cannot tell day-first from month-first"):
        parse_file(p)
    # The user can settle it.
    pay = parse_file(p, date_order="month-first").payments
    assert [d.isoformat() for d in pay["payment_date"]] == ["2020-01-04", "2020-03-04"]


def test_pivot_summary_is_refused(realdata):
    with pytest.raises(SummaryNotTransactions, match="pivot-table summary"):
        parse_file(realdata / "councils/lambeth/2011-01-payments.csv")


def test_bad_cells_are_rejected_with_reasons_and_counted(tmp_path):
    rows = ["DH,Body,01/04/2020,T,A,Acme Ltd,1,100.00", "DH,Body,13/04/2020,T,A,Acme Ltd,2,n/a",
            ",,,,,,,", "DH,Body,31/02/2020,T,A,Acme Ltd,3,5.00", "Total,,,,,,,105.00", "Published under OGL"]
    result = parse_file(write(tmp_path, "m.csv", HEADER + "\n".join(rows) + "\n"))
    rep = result.report
    assert (rep.rows_read, rep.rows_kept, rep.rows_rejected, rep.rows_nondata) == (7, 1, 2, 4)
    assert list(result.rejects["reason"]) == ["amount not a number: 'n/a'", "not a calendar date: '31/02/2020'"]
    assert list(result.rejects["source_locator"]) == ["line 3", "line 5"]
    # The total, 105.00, is the sum of the lines printed above it (the 31 February line included).
    assert dict(rep.nondata) == {"header": 1, "blank row": 1, "totals row (equals the sum of the rows above)": 1,
                                 "note line": 1}


def test_cli_refuses_bad_input_with_exit_1_and_writes_nothing(tmp_path, capsys):
    good = write(tmp_path, "good.csv", HEADER + "DH,Body,13/04/2020,T,A,Acme Ltd,1,100.00\n")
    bad = write(tmp_path, "bad.csv", "<html><body>Service unavailable</body></html>")
    out = tmp_path / "out.csv"
    assert main(["parse", str(good), str(bad), "-o", str(out)]) == 1
    assert not out.exists()
    assert list(tmp_path.glob(".out.csv*")) == []
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad.csv" in err and "HTML" in err


def test_cli_keep_going_writes_the_good_files_and_still_exits_1(tmp_path, capsys):
    good = write(tmp_path, "good.csv", HEADER + "DH,Body,13/04/2020,T,A,Acme Ltd,1,100.00\n")
    bad = write(tmp_path, "empty.csv", b"")
    out = tmp_path / "out.csv"
    assert main(["parse", str(good), str(bad), "-o", str(out), "--keep-going"]) == 1
    assert out.read_text().count("\n") == 2
    assert "empty.csv: FAILED EmptyFile" in capsys.readouterr().out


def test_undecidable_dates_name_the_first_such_date_in_the_file(tmp_path):
    path = tmp_path / "ambiguous.csv"
    rows = ["Date,Supplier,Transaction number,Amount"] + [f"{d},ACME LTD,T{i},1.00" for i, d in
                                                          enumerate(["05/04/2019", "02/10/2019", "03/11/2019", "07/08/2019"])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(AmbiguousDates, match=r"'05/04/2019'.*--date-order"):
        parse_file(path)
