"""FOI exports: round trips, every row found again in its source file, individuals withheld, drafts."""

from __future__ import annotations

import argparse
import hashlib
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
from spend.outputs.export import EXPORT_COLUMNS, WITHHELD, ExportError
from spend.parse import parse_file

D = Decimal
NHS_OPTUM = dict(supplier="Optum / UnitedHealth", publishers=["nhs-hounslow-ccg", "nhs-redbridge-ccg"])

# Every test here reads the fixture store (built from real files once per session).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evidence(fixture_payments):
    return export.select_evidence(fixture_payments, **NHS_OPTUM)


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


def test_foi_drafts_cite_each_payment(evidence, tmp_path):
    drafts = foi.write_foi_drafts(evidence, tmp_path / "foi")
    assert [p.name for p in drafts] == ["foi-nhs-hounslow-ccg-optum-unitedhealth.txt",
                                        "foi-nhs-redbridge-ccg-optum-unitedhealth.txt"]
    hounslow = drafts[0].read_text(encoding="utf-8")
    assert hounslow.startswith("To: NHS Hounslow CCG, Freedom of Information\n")
    assert "payments to OPTUM HEALTH SOLUTIONS (UK) LTD" in hounslow
    assert "The payments (8, £276,000.00 in all)" in hounslow
    for txn in ("31939166", "33194837", "33194889", "33194917", "33805888", "33912880", "34238492", "34547857"):
        assert f"transaction {txn}  £34,500.00" in hounslow
    assert "  1. 2020-04-30  transaction 31939166  £34,500.00\n     published in NWHO 01 - April.pdf, page 6 line 6" in hounslow
    for asked in ("the contract", "the invoice", "what the payment was for"):
        assert asked in hounslow
    redbridge = drafts[1].read_text(encoding="utf-8")
    assert "The payments (2, £126,285.21 in all)" in redbridge and "first-upload" not in redbridge


def test_cli_export_and_foi(fixture_store, tmp_path, capsys):
    out = tmp_path / "optum.csv"
    assert run_cli("export", "--supplier", "optum", "--publisher", "nhs-hounslow-ccg", "--from", "2020-04",
                   "--to", "2020-11", "-o", str(out), "--foi", str(tmp_path / "foi"), "--data", str(fixture_store)) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("'optum' matched supplier_group (part of the name) 'Optum / UnitedHealth': "
                              "8 payment(s), £276,000.00, 1 publisher(s)")
    assert f"wrote 8 row(s) to {out}" in printed
    assert money_sum(export.read_export(out)["amount_gbp"]) == D("276000.00")
    assert (tmp_path / "foi" / "foi-nhs-hounslow-ccg-optum.txt").is_file()


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
