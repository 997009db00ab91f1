"""FOI exports: round trips, every row found again in its source file, individuals withheld, drafts."""

from __future__ import annotations

import argparse
import hashlib
import re
from urllib.parse import urlparse
from urllib.request import url2pathname
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from spend.cli import export as export_cli
from spend.cli import main
from spend.outputs import export, foi
from spend.core.money import money_sum
from spend.core.periods import Period
from spend.outputs.export import EXPORT_COLUMNS, SOURCE_COLUMNS, WITHHELD, ExportError
from spend.parse import parse_file
from spend.store.read import load_files

D = Decimal
NHS_OPTUM = dict(supplier="Optum / UnitedHealth", publishers=["nhs-hounslow-ccg", "nhs-redbridge-ccg"])

# Every test here reads the fixture store (built from real files once per session).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evidence(fixture_payments, fixture_store):
    return export.select_evidence(fixture_payments, **NHS_OPTUM, files=load_files(fixture_store))


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="spend")
    export_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_evidence_rows(evidence):
    rows = evidence.rows
    assert list(rows.columns) == EXPORT_COLUMNS
    assert evidence.match.matched_by == "supplier_group"
    assert list(zip(rows["publisher_id"], rows["transaction_id"], rows["amount_gbp"])) == [
        ("nhs-hounslow-ccg", "31939166", D("34500.00")), ("nhs-hounslow-ccg", "33194837", D("34500.00")),
        ("nhs-hounslow-ccg", "33194889", D("34500.00")), ("nhs-hounslow-ccg", "33194917", D("34500.00")),
        ("nhs-hounslow-ccg", "33805888", D("34500.00")), ("nhs-hounslow-ccg", "33912880", D("34500.00")),
        ("nhs-hounslow-ccg", "34238492", D("34500.00")), ("nhs-hounslow-ccg", "34547857", D("34500.00")),
        ("nhs-redbridge-ccg", "32303525", D("108103.90")), ("nhs-redbridge-ccg", "35975128", D("18181.31")),
    ]
    # Redbridge's March payment is in the store twice (the file was uploaded twice) and exported once.
    assert evidence.duplicates_skipped == 1 and evidence.withheld == 0
    assert evidence.total_gbp == D("402285.21")
    assert evidence.summary() == ("'Optum / UnitedHealth' matched supplier_group 'Optum / UnitedHealth': "
                                  "10 payment(s), £402,285.21, 2 publisher(s); 1 republished row(s) counted once")


def test_csv_round_trip(evidence, tmp_path):
    path = export.write_export(evidence, tmp_path / "optum.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, so Excel reads '£' and accents right
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    assert ",34500.00," in text and ",108103.90," in text and ",18181.31," in text
    back = export.read_export(path)
    assert len(back) == len(evidence.rows) == 10
    assert list(back.columns) == EXPORT_COLUMNS
    assert all(isinstance(a, Decimal) for a in back["amount_gbp"])
    assert list(back["amount_gbp"]) == list(evidence.rows["amount_gbp"])
    for column in EXPORT_COLUMNS:
        assert list(back[column]) == list(evidence.rows[column]), column


def test_xlsx_round_trip(evidence, tmp_path):
    path = export.write_export(evidence, tmp_path / "optum.xlsx")
    back = export.read_export(path)
    assert list(back["amount_gbp"]) == list(evidence.rows["amount_gbp"])
    assert list(back["payment_date"]) == list(evidence.rows["payment_date"])
    for column in ("publisher_id", "transaction_id", "supplier_name_raw", "source_file", "source_locator", "source_sha256"):
        assert list(back[column]) == list(evidence.rows[column]), column


def test_every_exported_row_is_in_its_source_file_at_its_locator(evidence, fixture_store, tmp_path):
    back = export.read_export(export.write_export(evidence, tmp_path / "optum.csv"))
    parsed: dict[str, pd.DataFrame] = {}
    for row in back.itertuples(index=False):
        # source_file is the path under data/raw; source_url is where that file was fetched from.
        source = fixture_store / "raw" / row.source_file
        assert hashlib.sha256(source.read_bytes()).hexdigest() == row.source_sha256
        fetched_from = Path(url2pathname(urlparse(row.source_url).path))
        assert hashlib.sha256(fetched_from.read_bytes()).hexdigest() == row.source_sha256
        if row.source_file not in parsed:
            parsed[row.source_file] = parse_file(source).payments.set_index("source_locator")
        found = parsed[row.source_file].loc[row.source_locator]
        assert isinstance(found, pd.Series), f"{row.source_locator} is not one row of {source.name}"
        assert found["transaction_id"] == row.transaction_id
        assert found["amount_gbp"] == row.amount_gbp
        assert found["payment_date"] == row.payment_date
        assert found["supplier_name_raw"] == row.supplier_name_raw


def test_period_and_publisher_scope(fixture_payments):
    chosen = export.select_evidence(fixture_payments, "optum", publishers=["nhs-hounslow-ccg"],
                                    period=Period.between("2020-07", "2020-09"))
    assert chosen.match.matched_by == "supplier_group (part of the name)"
    assert len(chosen.rows) == 5 and money_sum(chosen.rows["amount_gbp"]) == D("172500.00")


def test_individuals_names_are_withheld_unless_asked_for(fixture_payments):
    # 'DR SM HUNT' is a single-handed GP practice published under the doctor's name (a person).
    withheld = export.select_evidence(fixture_payments, "DR SM HUNT", publishers=["nhs-hounslow-ccg"])
    assert len(withheld.rows) > 0 and withheld.withheld == len(withheld.rows)
    for column in ("supplier_name_raw", "supplier_name", "supplier_id"):
        assert set(withheld.rows[column]) == {WITHHELD}
    # What matched is withheld too (the text searched for is the user's own).
    assert withheld.match.values == (WITHHELD,)
    assert withheld.summary().startswith("'DR SM HUNT' matched supplier name '[withheld: individual]': ")
    shown = export.select_evidence(fixture_payments, "DR SM HUNT", publishers=["nhs-hounslow-ccg"],
                                   include_individuals=True)
    assert set(shown.rows["supplier_name_raw"]) == {"DR SM HUNT"} and shown.withheld == 0
    assert list(shown.rows["amount_gbp"]) == list(withheld.rows["amount_gbp"])


def test_an_individuals_vat_number_is_withheld_with_the_name(fixture_payments):
    payments = fixture_payments.copy()
    hunt = payments["supplier_name_raw"] == "DR SM HUNT"
    payments.loc[hunt, "vat_number"] = "GB123456789"  # a sole trader's VAT number names them
    withheld = export.select_evidence(payments, "DR SM HUNT", publishers=["nhs-hounslow-ccg"])
    assert set(withheld.rows["vat_number"]) == {WITHHELD} and set(withheld.rows["company_number"]) == {None}
    shown = export.select_evidence(payments, "DR SM HUNT", publishers=["nhs-hounslow-ccg"], include_individuals=True)
    assert set(shown.rows["vat_number"]) == {"GB123456789"}


# The eight payments behind the registered Hounslow figure (../shared/realdata/README.md): transaction,
# invoice number as published, file and place in it.
HOUNSLOW_OPTUM = [
    ("2020-04-30", "31939166", "0001141319", "NWHO 01 - April.pdf", "page 6 line 6"),
    ("2020-07-31", "33194837", "0001143946", "NWHO 04 - July.pdf", "page 6 line 37"),
    ("2020-07-31", "33194889", "0001146295", "NWHO 04 - July.pdf", "page 6 line 39"),
    ("2020-07-31", "33194917", "0001149568", "NWHO 04 - July.pdf", "page 6 line 40"),
    ("2020-09-30", "33805888", "0001151842", "NWHO 06 - September.pdf", "page 1 line 9"),
    ("2020-09-30", "33912880", "0001157397", "NWHO 06 - September.pdf", "page 7 line 35"),
    ("2020-10-31", "34238492", "0001162782", "NWHO 07 - October.pdf", "page 4 line 27"),
    ("2020-11-30", "34547857", "0001168133", "NWHO 08 - November.pdf", "page 3 line 32"),
]


def test_foi_draft_for_hounslow_goes_to_the_body_that_holds_its_records_now(evidence, tmp_path):
    drafts = foi.write_foi_drafts(evidence, tmp_path / "foi")
    assert [p.name for p in drafts] == ["foi-nhs-hounslow-ccg-optum-unitedhealth.txt",
                                        "foi-nhs-redbridge-ccg-optum-unitedhealth.txt"]
    hounslow = drafts[0].read_text(encoding="utf-8")
    # Hounslow CCG closed in 2021: the request goes to the board that took over, via the CCG in between.
    assert hounslow.startswith("To: NHS North West London Integrated Care Board, Freedom of Information\n")
    assert "To: NHS Hounslow CCG" not in hounslow
    assert " ".join(hounslow.split()).count(
        "The payments listed below were made by NHS Hounslow CCG, which published them in its spending transparency "
        "files. NHS Hounslow CCG has since closed: its functions and records passed to NHS North West London CCG, "
        "then NHS North West London Integrated Care Board.") == 1
    # No FOI address is recorded for the board: the draft says it must be looked up, in brackets to fill in.
    assert " ".join(hounslow.splitlines()[1:3]) == (
        "FOI address: [not in the registry: look up where NHS North West London Integrated Care Board takes "
        "requests, on its own website or on WhatDoTheyKnow (https://www.whatdotheyknow.com), and put it here]")
    assert ("Subject: Freedom of Information request: payments by NHS Hounslow CCG to "
            "OPTUM HEALTH SOLUTIONS (UK) LTD\n") in hounslow
    # The request: the contracts with their value and term, and the invoices by number.
    assert "Under section 1 of the Freedom of Information Act 2000" in hounslow
    flat = " ".join(hounslow.split())
    assert ("1. the contract or contracts under which the payments were made (or, where there was no written "
            "contract, the purchase order, call-off or other agreement), with each one's value and its term: "
            "its start and end dates, and any extension;") in flat
    assert ("2. copies of the invoices these payments settled: invoice numbers "
            + ", ".join(p[2] for p in HOUNSLOW_OPTUM) + ";") in flat
    assert "(section 12)" in hounslow and "(section 16 asks you to advise and assist)" in hounslow
    assert "please release the rest" in hounslow and "(section 17)" in hounslow
    # Each payment: date, amount, transaction, invoice, the supplier as published with its VAT number, the place.
    assert "The payments (8, £276,000.00 in all), as NHS Hounslow CCG published them:\n" in hounslow
    for i, (day, txn, invoice, file, locator) in enumerate(HOUNSLOW_OPTUM, start=1):
        assert (f"\n  {i}. {day}  £34,500.00  transaction {txn}  invoice {invoice}\n"
                f"     paid to OPTUM HEALTH SOLUTIONS (UK) LTD, VAT number GB108297604\n"
                f"     published in {file}, {locator}\n") in hounslow
    assert hounslow.count("VAT number GB108297604") == 8
    # The files are known here only by local copies (file://): no publisher URL, so the name and sha256.
    assert "file://" not in hounslow and "/shared/realdata" not in hounslow
    shas = dict(zip(evidence.rows["source_file"], evidence.rows["source_sha256"]))
    for file in dict.fromkeys(p[3] for p in HOUNSLOW_OPTUM):
        sha = shas[f"spend/nhs-hounslow-ccg/{file}"]
        assert (f"\n  {file}\n    no publisher URL is known for this file; its SHA-256 checksum is\n    {sha}\n"
                in hounslow)
    assert hounslow.endswith("Yours faithfully,\n\n[your name]\n")

    redbridge = drafts[1].read_text(encoding="utf-8")
    assert redbridge.startswith("To: NHS North East London Integrated Care Board, Freedom of Information\n")
    assert "The payments (2, £126,285.21 in all)" in redbridge and "first-upload" not in redbridge
    # Redbridge published no invoice numbers: the request says so, and cites the transactions.
    assert ("2. copies of the invoices these payments settled (the published files give no invoice numbers; each "
            "payment's transaction number is listed below);") in " ".join(redbridge.split())
    assert "  1. 2020-05-31  £108,103.90  transaction 32303525  invoice not published\n" in redbridge


def test_foi_draft_cites_the_publishers_url_and_when_it_was_fetched(evidence, tmp_path):
    rows = evidence.rows[evidence.rows["publisher_id"] == "nhs-hounslow-ccg"].copy()
    url = "https://www.hounslowccg.nhs.uk/media/NWHO%2001%20-%20April.pdf"
    rows.loc[rows["source_file"].str.endswith("April.pdf"), "source_url"] = url
    addressee = foi.Addressee(("NHS Hounslow CCG", "NHS North West London CCG", "NHS North West London Integrated "
                                                                              "Care Board"), "foi@example.nhs.uk")
    text = foi.draft_foi_request(rows, supplier_label="OPTUM HEALTH SOLUTIONS (UK) LTD", addressee=addressee,
                                 fetched_at=evidence.fetched_at)
    april = rows["source_sha256"].iat[0]
    assert f"\n  NWHO 01 - April.pdf\n    {url} (retrieved 2025-01-06T09:30:00Z)\n    SHA-256 {april}\n" in text
    assert text.count("no publisher URL is known") == 4  # the other four files
    assert text.splitlines()[1] == "FOI address: foi@example.nhs.uk"


def test_foi_address_from_the_data_folders_registry(fixture_payments, tmp_path):
    # The analyst checks the board's FOI address and records it in the data folder's own registry.
    data = tmp_path / "data"
    data.mkdir()
    (data / "publishers.yaml").write_text(
        "- slug: nhs-north-west-london-icb\n  foi_contact: https://www.example.nhs.uk/foi-request\n", encoding="utf-8")
    chosen = export.select_evidence(fixture_payments, "optum", publishers=["nhs-hounslow-ccg"])
    (draft,) = foi.write_foi_drafts(chosen, tmp_path / "foi", data_dir=data)
    lines = draft.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["To: NHS North West London Integrated Care Board, Freedom of Information",
                         "FOI address: https://www.example.nhs.uk/foi-request"]


def test_foi_draft_to_a_body_that_still_exists(fixture_payments, tmp_path):
    oxford = export.select_evidence(fixture_payments, "optum", publishers=["oxford-city-council"])
    (draft,) = foi.write_foi_drafts(oxford, tmp_path / "foi")
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("To: Oxford City Council, Freedom of Information\n")
    assert "Oxford City Council published the payments listed below in its spending transparency files." in text
    assert "has since closed" not in text


def test_foi_draft_with_some_invoice_numbers_cites_the_rest_by_transaction(evidence):
    rows = evidence.rows[evidence.rows["publisher_id"] == "nhs-hounslow-ccg"].head(3).copy()
    rows.loc[rows.index[1], "invoice_number"] = None
    rows.loc[rows.index[2], ["vat_number", "company_number"]] = [None, "03520720"]
    text = foi.draft_foi_request(rows, supplier_label="OPTUM", addressee=foi.Addressee(("NHS Hounslow CCG",)))
    assert ("2. copies of the invoices these payments settled: invoice numbers 0001141319, 0001146295, and the "
            "invoices settled by transactions 33194837, published without an invoice number;") in " ".join(text.split())
    assert "  2. 2020-07-31  £34,500.00  transaction 33194837  invoice not published\n" in text
    assert "     paid to OPTUM HEALTH SOLUTIONS (UK) LTD, company number 03520720\n" in text


def test_every_text_of_the_request_uses_only_its_own_placeholders():
    # What each text of spend/data/foi_request.yaml may use (its comments say the same to whoever edits it).
    expected = {
        "letter": {"holder", "contact", "subject", "made_by", "invoices", "count", "total", "publisher", "payments",
                   "sources"},
        "subject": {"publisher", "payee"}, "payee_others": {"payees"}, "payee_withheld": set(),
        "contact_known": {"foi_contact"}, "contact_unknown": {"holder"},
        "made_by_this_body": {"publisher"}, "made_by_predecessor": {"publisher", "successors", "holder"},
        "invoices_numbered": {"invoice_numbers"}, "invoices_unnumbered": set(),
        "invoices_partly_numbered": {"invoice_numbers", "transactions"},
        "payment": {"date", "amount", "transaction", "invoice", "supplier", "supplier_ids", "file", "locator"},
        "not_published": set(), "supplier_vat_number": {"vat_number"}, "supplier_company_number": {"company_number"},
        "source_with_url": {"file", "url", "sha256", "retrieved"}, "source_without_url": {"file", "sha256"},
        "retrieved": {"fetched_at"},
    }
    texts = foi.request_texts()
    assert {name: set(t.get_identifiers()) for name, t in texts.items()} == expected
    assert all(t.is_valid() for t in texts.values())


def test_cli_export_and_foi(fixture_store, tmp_path, capsys):
    out = tmp_path / "optum.csv"
    assert run_cli("export", "--supplier", "optum", "--publisher", "nhs-hounslow-ccg", "--from", "2020-04",
                   "--to", "2020-11", "-o", str(out), "--foi", str(tmp_path / "foi"), "--data", str(fixture_store)) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("'optum' matched supplier_group (part of the name) 'Optum / UnitedHealth': "
                              "8 payment(s), £276,000.00, 1 publisher(s)")
    assert f"wrote 8 row(s) to {out}" in printed
    assert money_sum(export.read_export(out)["amount_gbp"]) == D("276000.00")
    draft = (tmp_path / "foi" / "foi-nhs-hounslow-ccg-optum.txt").read_text(encoding="utf-8")
    assert draft.startswith("To: NHS North West London Integrated Care Board, Freedom of Information\n")
    # The XLSX's Sources sheet says when each file was fetched: the command reads the store's files table.
    from openpyxl import load_workbook

    assert run_cli("export", "--supplier", "optum", "--publisher", "nhs-hounslow-ccg", "-o", str(tmp_path / "o.xlsx"),
                   "--data", str(fixture_store)) == 0
    sources = list(load_workbook(tmp_path / "o.xlsx")["Sources"].iter_rows(values_only=True))
    assert len(sources) == 6 and {row[4] for row in sources[1:]} == {"2025-01-06T09:30:00Z"}


@pytest.mark.parametrize("argv, message", [
    (["--supplier", "optum", "-o", "x.txt"], "write the export to a .csv or .xlsx file"),
    (["--supplier", "nobody at all", "-o", "x.csv"], "no payments to 'nobody at all': 'nobody at all' matched no "
                                                     "supplier group"),
    (["--supplier", "optum", "--from", "April", "-o", "x.csv"], "is not a month"),
    (["--supplier", "optum", "--from", "2021-03", "--to", "2020-04", "-o", "x.csv"], "ends .* before it starts"),
    (["--supplier", "optum", "--publisher", "lambeth", "-o", "x.csv"], "the store holds no payments of lambeth"),
    (["--supplier", "optum", "--publisher", "nhs-hounslow-ccg", "--from", "2015-04", "--to", "2016-03", "-o", "x.csv"],
     "no payments of nhs-hounslow-ccg in 2015/16 to 'optum'"),
])
def test_cli_refuses(fixture_store, tmp_path, argv, message):
    with pytest.raises(ExportError, match=message):
        run_cli("export", *argv, "--data", str(fixture_store))


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(evidence, tmp_path, monkeypatch):
    path = tmp_path / "optum.csv"
    path.write_text("the previous export", encoding="utf-8")

    def broken(self, target, *args, **kwargs):
        Path(target).write_text("half", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        export.write_export(evidence, path)
    assert path.read_text(encoding="utf-8") == "the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["optum.csv"]


def test_reading_back_something_that_is_not_an_export_names_the_file_and_row(evidence, tmp_path):
    with pytest.raises(ExportError, match="file not found"):
        export.read_export(tmp_path / "missing.csv")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="not a spend export: no column"):
        export.read_export(other)
    edited = export.write_export(evidence, tmp_path / "edited.csv")
    lines = edited.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].replace(",34500.00,", ",thirty-four thousand,")
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    with pytest.raises(ExportError, match=r"edited.csv \(row 4\): amount_gbp 'thirty-four thousand' is not a number"):
        export.read_export(edited)


def test_an_unknown_publisher_is_named_as_such_not_blamed_on_the_supplier(fixture_store, capsys):
    assert main(["export", "--supplier", "optum", "--publisher", "nhs-hounslw-ccg", "-o", "x.csv",
                 "--data", str(fixture_store)]) == 1
    assert capsys.readouterr().err.startswith("error: nhs-hounslw-ccg: no such publisher in the registry; did you "
                                              "mean nhs-hounslow-ccg")


@pytest.mark.slow
def test_export_without_paths_writes_the_evidence_pack_where_notebook_04_does(fixture_store, capsys):
    assert main(["export", "--supplier", "Optum / UnitedHealth", "--publisher", "nhs-hounslow-ccg",
                 "--data", str(fixture_store)]) == 0
    paths = export.export_paths("Optum / UnitedHealth", fixture_store)
    assert paths.csv == fixture_store / "exports" / "optum-unitedhealth-payments.csv"
    assert money_sum(export.read_export(paths.csv)["amount_gbp"]) == D("276000.00")
    assert paths.xlsx.is_file() and any(paths.foi.iterdir())
    assert f"wrote 8 row(s) to {paths.csv}" in capsys.readouterr().out


# --- exports that are safe to open and ready to attach -------------------------------------------------------

# Text a published file could hold that a spreadsheet would run as a formula (OWASP, "CSV Injection").
FORMULAS = ['=HYPERLINK("http://x","click")', "=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@cmd", "\t=1+1"]


def _booby_trapped(evidence) -> pd.DataFrame:
    """The evidence rows with formula-like names, descriptions and ids, and one credit of -£25.00."""
    rows = evidence.rows.copy()
    for i, text in enumerate(FORMULAS):
        rows.loc[i, ["supplier_name_raw", "description"]] = [text, text]
    rows.loc[0, "transaction_id"] = "-31939166"
    rows.loc[1, "description"] = "'=already quoted"  # a published apostrophe survives the round trip
    rows.loc[2, "amount_gbp"] = D("-25.00")
    return rows


def test_no_published_text_becomes_a_formula_in_xlsx(evidence, tmp_path):
    from openpyxl import load_workbook

    rows = _booby_trapped(evidence)
    path = export.write_export(rows, tmp_path / "trap.xlsx")
    book = load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    sheet = book["payments"]
    name_col = EXPORT_COLUMNS.index("supplier_name_raw") + 1
    amount_col = EXPORT_COLUMNS.index("amount_gbp") + 1
    for i, text in enumerate(FORMULAS, start=2):
        cell = sheet.cell(row=i, column=name_col)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    credit = sheet.cell(row=4, column=amount_col)
    assert (credit.value, credit.data_type, credit.number_format) == (-25, "n", "£#,##0.00")
    back = export.read_export(path)
    for column in ("supplier_name_raw", "description", "transaction_id", "amount_gbp"):
        assert list(back[column]) == list(rows[column]), column


def test_no_published_text_becomes_a_formula_in_csv(evidence, tmp_path):
    import csv

    rows = _booby_trapped(evidence)
    path = export.write_export(rows, tmp_path / "trap.csv")
    text = path.read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(text.splitlines()))
    assert [r["supplier_name_raw"] for r in records[:len(FORMULAS)]] == ["'" + f for f in FORMULAS]
    assert records[0]["transaction_id"] == "'-31939166"
    assert records[1]["description"] == "''=already quoted"
    # The amount is a number, kept exact and bare; names that start with a letter are left alone.
    assert records[2]["amount_gbp"] == "-25.00" and records[3]["amount_gbp"] == "34500.00"
    assert records[-1]["supplier_name_raw"] == "OPTUM HEALTH SOLUTIONS (UK) LTD"
    assert "'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")" in text
    # No cell of the file starts like a formula, apart from the bare amount.
    for record in records:
        for column, value in record.items():
            if column != "amount_gbp":
                assert not re.match(r"[=+\-@\t\r]", value), (column, value)
    back = export.read_export(path)
    for column in EXPORT_COLUMNS:
        assert list(back[column]) == list(rows[column]), column


@pytest.mark.parametrize("text, written", [
    ("=1+1", "'=1+1"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("-", "'-"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\rx", "'\rx"), ("'=x", "''=x"), ("''+x", "'''+x"), ("'quoted'", "'quoted'"), ("OPTUM", "OPTUM"),
    ("a=b", "a=b"), ("", ""),
])
def test_formula_neutralising_is_undone_exactly(text, written):
    assert export.neutralise_formula(text) == written
    assert export.restore_formula_text(written) == text


def test_xlsx_is_ready_to_attach(evidence, tmp_path):
    from openpyxl import load_workbook

    rows = evidence.rows.copy()
    # One file known by its publisher's address: its rows link to it; a file:// path is not a link.
    april = "https://www.hounslowccg.nhs.uk/media/NWHO%2001%20-%20April.pdf"
    rows.loc[rows["source_file"].str.endswith("April.pdf"), "source_url"] = april
    edited = export.Evidence(rows, evidence.match, evidence.withheld, evidence.duplicates_skipped, evidence.fetched_at)
    book = load_workbook(export.write_export(edited, tmp_path / "optum.xlsx"))
    assert book.sheetnames == ["payments", "Sources"]
    sheet = book["payments"]
    assert [c.value for c in sheet[1]] == EXPORT_COLUMNS and all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:U11"
    column = {name: i for i, name in enumerate(EXPORT_COLUMNS)}
    first = sheet[2]
    assert first[column["amount_gbp"]].value == 34500 and first[column["amount_gbp"]].number_format == "£#,##0.00"
    assert first[column["payment_date"]].number_format == "yyyy-mm-dd"
    assert first[column["invoice_number"]].value == "0001141319" and first[column["vat_number"]].value == "GB108297604"
    assert first[column["source_url"]].hyperlink.target == april
    assert sheet[3][column["source_url"]].hyperlink is None  # July's file is known only by a local path
    width = {name: sheet.column_dimensions[chr(ord("A") + i)].width for name, i in column.items()}
    assert width["source_sha256"] >= 64 and width["supplier_name_raw"] >= len("OPTUM HEALTH SOLUTIONS (UK) LTD")
    assert width["amount_gbp"] >= len("£108,103.90") and max(width.values()) <= 68

    sources = book["Sources"]
    table = [[c.value for c in row] for row in sources.iter_rows()]
    assert table[0] == SOURCE_COLUMNS and sources.freeze_panes == "A2"
    assert [r[1].rsplit("/", 1)[1] for r in table[1:]] == [
        "NWHO 01 - April.pdf", "NWHO 04 - July.pdf", "NWHO 06 - September.pdf", "NWHO 07 - October.pdf",
        "NWHO 08 - November.pdf", "NERD 02 - May.csv", "NERD 12 - March.csv"]
    assert [r[5] for r in table[1:]] == [1, 3, 2, 1, 1, 1, 1]
    assert {r[4] for r in table[1:]} == {"2025-01-06T09:30:00Z"}  # when the fixture's files were fetched
    shas = dict(zip(rows["source_file"], rows["source_sha256"]))
    assert all(shas[r[1]] == r[3] for r in table[1:])
    assert sources["C2"].hyperlink.target == april and sources["C3"].hyperlink is None


def test_sources_without_a_recorded_fetch_time_say_nothing_of_it(fixture_payments):
    bare = export.select_evidence(fixture_payments, **NHS_OPTUM)  # no files table given
    assert bare.fetched_at == {} and set(bare.sources["fetched_at"]) == {None}
    assert len(bare.sources) == 7 and sum(bare.sources["payments"]) == 10


@pytest.mark.parametrize("amount", ["0.01", "-0.01", "34500.00", "-2509460.00", "108103.90", "1234567890123.45",
                                    "9999999999999.99", "-9999999999999.99", "10000000000000.00", "123456789012345.67"])
def test_xlsx_amounts_read_back_exact(evidence, tmp_path, amount):
    from openpyxl import load_workbook

    rows = evidence.rows.head(1).copy()
    rows["amount_gbp"] = [D(amount)]
    path = export.write_export(rows, tmp_path / "amount.xlsx")
    assert list(export.read_export(path)["amount_gbp"]) == [D(amount)]
    cell = load_workbook(path)["payments"].cell(row=2, column=EXPORT_COLUMNS.index("amount_gbp") + 1)
    # Excel's doubles hold every amount in pence below £10^13 exactly; a larger one is written as exact text.
    assert cell.data_type == ("n" if abs(D(amount)) < D("1e13") else "s")
