"""What a reader sees: tables with money, shares, months and bodies written out; the sentence a finding is
quoted as; source lines; the registered figures about a supplier; and `spend report`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from spend import analysis
from spend.cli import main
from spend.outputs import figures, reports

D = Decimal


def rows_of(*payments):
    """Payment rows as the store gives them: (publisher_id, publisher, date, supplier as published, amount)."""
    return pd.DataFrame([{
        "publisher_id": p, "publisher": name, "payment_date": d, "supplier_name_raw": raw, "supplier_name": "ACME LTD",
        "supplier_id": "acme", "match_method": "exact" if raw == "ACME LTD" else "fuzzy", "amount_gbp": D(a),
    } for p, name, d, raw, a in payments])


ROWS = rows_of(("nhs-hounslow-ccg", "NHS Hounslow CCG", date(2021, 3, 31), "ACME LTD", "1000.00"),
               ("nhs-hounslow-ccg", "NHS Hounslow CCG", date(2021, 4, 1), "Acme Limited", "250.50"),
               ("nhs-redbridge-ccg", "NHS Redbridge CCG", date(2020, 4, 1), "ACME LTD", "-50.00"))


def test_totals_by_financial_year_and_body_add_up_exactly():
    by_both = analysis.totals_by(ROWS, "financial_year", "body")
    assert by_both.values.tolist() == [["2020/21", "NHS Hounslow CCG", 1, D("1000.00")],
                                       ["2020/21", "NHS Redbridge CCG", 1, D("-50.00")],
                                       ["2021/22", "NHS Hounslow CCG", 1, D("250.50")]]
    assert analysis.totals_by(ROWS, "financial_year")["amount_gbp"].tolist() == [D("950.00"), D("250.50")]
    assert analysis.totals_by(ROWS.iloc[0:0], "body").empty


def test_the_names_behind_a_total():
    table = analysis.name_variants_table(ROWS)
    assert table.values.tolist() == [["ACME LTD", "ACME LTD", "exact", 2, D("950.00")],
                                     ["ACME LTD", "Acme Limited", "fuzzy", 1, D("250.50")]]


def test_a_table_for_a_reader_writes_values_out_and_leaves_slugs_out():
    frame = pd.DataFrame({"publisher_id": ["nhs-hounslow-ccg"], "publisher": ["NHS Hounslow CCG"], "month": ["2020-04"],
                          "payments": [1234], "amount_gbp": [D("34500.00")], "share": [D("0.352172")]})
    html = reports.table(frame).to_html()
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", html)
    assert [c.strip() for c in cells] == ["Body", "Month", "Payments", "Amount", "Share",
                                          "NHS Hounslow CCG", "April 2020", "1,234", "£34,500.00", "35.2%"]
    assert "nhs-hounslow-ccg" not in html


def test_the_sentence_a_finding_is_quoted_as():
    assert reports.paid_sentence(ROWS, "Acme") == ("Between April 2020 and April 2021, NHS Hounslow CCG and NHS "
                                                   "Redbridge CCG paid Acme £1,200.50 in 3 payments.")
    year = analysis.Period.between("2020-04", "2021-03")
    assert reports.paid_sentence(ROWS.iloc[[0]], "Acme", year) == "In 2020/21, NHS Hounslow CCG paid Acme £1,000.00 in 1 payment."


def test_source_notes_and_shares():
    assert reports.source_note(["NHS Hounslow CCG"], ["2020-04", "2020-11"]) == \
        "Source: spend over £25k files of NHS Hounslow CCG, April 2020 to November 2020."
    assert reports.source_note(["A", "B", "C"], ["2020-04", "2021-03"]) == "Source: spend over £25k files of A, B and C, 2020/21."
    assert [reports.format_share(s) for s in (D("0.352172"), D("1"), None)] == ["35.2%", "100.0%", ""]


def test_a_concentration_reads_as_a_table():
    c = analysis.Concentration(total_gbp=D("1000.00"), suppliers=3, top5_share=D("1"), top10_share=D("1"),
                               hhi=D("4200.00"), unidentified_gbp=D("0.00"), net_negative_suppliers=0)
    table = reports.concentration_table(c)
    assert table["Value"].tolist() == ["£1,000.00", "3", "100.0%", "100.0%", "4,200", "£0.00", "0"]


def test_the_registered_figures_about_a_supplier():
    registered = figures.load_figures()
    optum = {f.id for f in figures.about_supplier(registered, "Optum / UnitedHealth")}
    assert {"nhs-england-optum-2018-19", "kent-medway-optum-award"} <= optum
    assert figures.about_supplier(registered, "Serco") == []
    table = figures.results_table([figures.FigureResult(registered[0], "not_available", "no payments",
                                                        fetch_command="spend fetch --publisher x")])
    assert table.loc[0, "why"] == "no payments To fetch the data: spend fetch --publisher x"


@pytest.mark.slow
def test_a_figure_chosen_by_a_name_pattern_is_found_through_the_payments(fixture_payments):
    about = figures.about_supplier(figures.load_figures(), "Optum / UnitedHealth", fixture_payments)
    assert "hounslow-optum-2020" in {f.id for f in about}  # its query names '^OPTUM HEALTH SOLUTIONS \(UK\) LTD$'


@pytest.mark.slow
def test_spend_report_writes_the_supplier_notebooks_as_html(fixture_store, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPEND_DATA", str(fixture_store))
    out = tmp_path / "report"
    assert main(["report", "Optum / UnitedHealth", "--bodies", "nhs-hounslow-ccg", "--from", "2020-04", "--to",
                 "2021-03", "-o", str(out), "--data", str(fixture_store)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["01-a-supplier-and-the-nhs.html", "01-a-supplier-and-the-nhs.ipynb",
                       "04-foi-follow-up.html", "04-foi-follow-up.ipynb"]
    text = (out / "01-a-supplier-and-the-nhs.html").read_text(encoding="utf-8")
    assert "In 2020/21, NHS Hounslow CCG paid Optum / UnitedHealth £276,000.00 in 8 payments." in text
    assert "import " not in text  # a report, without the code
    assert main(["report", "Optum", "--from", "2021-03", "--to", "2020-04", "--data", str(fixture_store)]) == 1
    assert "ends (2020-04-30) before it starts" in capsys.readouterr().err
