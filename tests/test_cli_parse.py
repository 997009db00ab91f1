"""`spend parse` end to end on real files: outputs round-trip exactly in CSV and Parquet."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spend.cli import build_parser, main
from spend.store.read import read_payments

NWHO = "nhs-london-2020-21/NWHO/NWHO 04 - July.pdf"


def test_parse_pdf_to_csv_round_trips(realdata, tmp_path, capsys):
    out = tmp_path / "july.csv"
    assert main(["parse", str(realdata / NWHO), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert ",-40250.00," in text  # negatives written as exact decimals
    back = read_payments(out)
    assert len(back) == 342 and sum(back["amount_gbp"]) == Decimal("33574108.18")
    summary = capsys.readouterr().out
    assert "370      342        0       28        33574108.18" in summary
    assert "TOTAL (1 files parsed, 0 failed)" in summary


def test_parse_many_formats_to_parquet_with_rejects(realdata, tmp_path):
    files = [realdata / "nhs-london-2020-21/KGST/KGST 07 - October.csv",
             realdata / "nhs-london-2020-21/NMID/NMID 08 - November.xlsx",
             realdata / "nhs-london-2020-21/BART/BART 09 - December.xls",
             realdata / "councils/lambeth/2012-06-payments.csv", realdata / NWHO]
    out, rej = tmp_path / "p.parquet", tmp_path / "r.csv"
    assert main(["parse", *map(str, files), "-o", str(out), "--rejects", str(rej)]) == 0
    table = pq.read_table(out)
    assert str(table.schema.field("amount_gbp").type) == "decimal128(18, 2)"
    frame = table.to_pandas()
    assert len(frame) == 56 + 63 + 211 + 3151 + 342
    assert sum(frame["amount_gbp"]) == sum(map(Decimal, ["4960264.16", "10415337.60", "60110413.54", "40244558.24", "33574108.18"]))
    rejects = pd.read_csv(rej)
    assert len(rejects) == 5 and rejects["reason"].notna().all()


@pytest.mark.slow
def test_directories_are_searched_and_excludes_apply(realdata, tmp_path):
    out = tmp_path / "nwho.csv"
    assert main(["parse", str(realdata / "nhs-london-2020-21/NWHO"), "--exclude", "*.pdf.csv", "-o", str(out)]) == 0
    back = read_payments(out)
    assert back["source_file"].nunique() == 8
    optum = back[back["supplier_name_raw"] == "OPTUM HEALTH SOLUTIONS (UK) LTD"]
    assert sum(optum["amount_gbp"]) == Decimal("276000.00")


def test_every_command_help_shows_an_example(capsys):
    import pytest

    for argv in (["parse"], ["notices", "fetch"], ["notices", "build"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args([*argv, "--help"])
        text = capsys.readouterr().out
        assert f"spend {' '.join(argv)} " in text.split("usage:", 1)[1].split("\n", 1)[1], argv


def test_explain_says_what_was_decided_and_why(realdata_more, capsys):
    ncl = realdata_more / "nhs-london-2020-21/NCL/NCL 04 - July.pdf"
    impc = realdata_more / "nhs-london-2020-21/IMPC/IMPC 01 - April.csv"
    assert main(["parse", "--explain", str(ncl), str(impc)]) == 0
    out = capsys.readouterr().out
    first, second = out.split("\n\nfile ")
    assert "pages 1-13: columns from ruling lines: 'Date' -58.2, 'Expense Type' 58.2-151.4," in first
    assert "'AP Amount (£)' 427.3-471.1, 'VAT registration number' 471.1-515.0" in first
    assert "  column    'VAT registration number' -> vat_number" in first
    assert "month-first for a/b/yyyy dates: '7/31/2020' (its second part is over 12)" in first
    assert "rows        1,880 read = 1,850 kept + 0 rejected + 30 non-data; total 185461552.93" in first
    assert ("  as read   page 1 line 6: 7/31/2020 | Hcare Srv Rec NHS Trust-Non Contract | NCAS/OATS | LEWISHAM & "
            "GREENWICH NHS TRUST | 32974222 | 39,794.88 | 654928206 | 8503262") in first
    assert "non-data        12 x repeated header" in first
    assert "  column    'Expenses Area' -> expense_area" in second
    assert "day-first for a/b/yyyy dates: '14/04/2020'" in second


def test_explain_says_why_a_file_is_refused(realdata, capsys):
    pivot = realdata / "councils/lambeth/2011-01-payments.csv"
    assert main(["parse", "--explain", str(pivot)]) == 1
    out = capsys.readouterr().out
    assert f"file        {pivot}" in out
    assert "refused     SummaryNotTransactions: a pivot-table summary (totals by supplier)" in out and "(line 1)" in out
