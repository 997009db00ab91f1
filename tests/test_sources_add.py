"""`spend add` and the local registry: files from this machine filed under a publisher, registered or new,
with every file not taken named with its reason; the data folder's registry extends the package's."""

from __future__ import annotations

import json
import shutil

import pytest

from spend.cli import main
from spend.sources.errors import RegistryError, UnknownPublisher
from spend.sources.local import AddError, add_spend_files
from spend.sources.registry import (add_local_alias, add_local_publisher, find_publisher, load_publishers,
                                    local_registry_path, publishers_for, slug_for)

HEADER = "Entity,Date,Expense Type,Supplier,Transaction Number,Amount\n"


def spend_csv(path, *lines: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path):
    """A download folder as an analyst keeps one: two months, a copy, a conversion, a note, a web page."""
    d = tmp_path / "downloads"
    spend_csv(d / "spend-april-2021.csv", "Body,14/04/2021,Rent,ACME LTD,T1,"'"1,000.00"', "Body,20/04/2021,Rent,BETA LTD,T2,50.00")
    spend_csv(d / "payments.csv", "Body,23/05/2021,Rent,ACME LTD,T3,25.00")  # no month in the name
    shutil.copy(d / "payments.csv", d / "copy of payments.csv")
    (d / "May 2021.pdf").write_bytes(b"%PDF-1.4\n% not read: its month has a table\n")
    (d / "spend-april-2021.csv.xlsx").write_bytes(b"PK\x03\x04 someone's conversion")
    (d / "notes.docx").write_bytes(b"PK\x03\x04")
    (d / "june-2021.csv").write_text("<!DOCTYPE html><html><body>Page not found</body></html>", encoding="utf-8")
    return d


def statuses(report) -> dict[str, tuple[str, str | None]]:
    return {o.url.rsplit("/", 1)[-1].replace("%20", " "): (o.status, o.reason) for o in report.outcomes}


def test_every_file_given_is_added_or_skipped_with_its_reason(folder, tmp_path):
    body = add_local_publisher(tmp_path / "data", "Test Borough Council", kind="council", write=False)
    report = add_spend_files([folder], body, tmp_path / "data" / "raw")
    got = statuses(report)
    assert got["spend-april-2021.csv"] == ("added", None)
    assert got["payments.csv"] == ("added", None)
    assert got["copy of payments.csv"] == ("skipped", "the same bytes as 'payments.csv'")
    assert got["May 2021.pdf"][0] == "skipped" and "2021-05 is also published as a table (payments.csv)" in got["May 2021.pdf"][1]
    assert got["spend-april-2021.csv.xlsx"] == ("skipped", "a conversion of 'spend-april-2021.csv', which is taken "
                                                           "instead (the publisher's own file)")
    assert got["notes.docx"] == ("skipped", "not a spend file (.docx)")
    assert got["june-2021.csv"][0] == "skipped" and got["june-2021.csv"][1].startswith("not a spend file: ")
    assert len(got) == 7 and not report.took_nothing

    raw = tmp_path / "data" / "raw" / "spend" / "test-borough-council"
    assert sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*.csv")) == [
        "2021-04/spend-april-2021.csv", "2021-05/payments.csv"]  # May from the file's own dates
    record = json.loads((raw / "2021-05" / "payments.csv.meta.json").read_text(encoding="utf-8"))
    assert record["added_from"] == str((folder / "payments.csv").resolve())
    assert record["url"].startswith("file://") and len(record["sha256"]) == 64 and record["period"] == "2021-05"

    again = statuses(add_spend_files([folder], body, tmp_path / "data" / "raw"))
    assert again["payments.csv"] == ("already stored", None) and again["spend-april-2021.csv"][0] == "already stored"
    assert again["May 2021.pdf"][0] == "skipped"  # the stored table still wins


def test_the_same_bytes_stored_for_another_body_are_not_filed_twice(folder, tmp_path):
    raw = tmp_path / "data" / "raw"
    one = add_local_publisher(tmp_path / "data", "One Trust", write=False)
    two = add_local_publisher(tmp_path / "data", "Two Trust", write=False)
    add_spend_files([folder / "payments.csv"], one, raw)
    report = add_spend_files([folder / "payments.csv"], two, raw)
    (status, reason), = statuses(report).values()
    assert status == "skipped" and reason.startswith("the same bytes are already stored for publisher 'one-trust'")
    assert report.took_nothing


def test_dry_run_writes_nothing_and_a_missing_path_is_an_error(folder, tmp_path):
    body = add_local_publisher(tmp_path / "data", "Test Trust", write=False)
    report = add_spend_files([folder], body, tmp_path / "raw", dry_run=True)
    assert report.count("would add") == 2 and not (tmp_path / "raw").exists()
    with pytest.raises(AddError, match="no such file or folder"):
        add_spend_files([tmp_path / "nowhere"], body, tmp_path / "raw")


def test_spend_add_registers_a_new_body_only_when_it_takes_a_file(folder, tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["add", str(folder / "notes.docx"), "--publisher", "Nobody Council", "--data", str(data)]) == 1
    assert "none of the files given was taken" in capsys.readouterr().err
    assert not local_registry_path(data).exists()

    assert main(["add", str(folder), "--publisher", "Test Borough Council", "--kind", "council", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "new publisher 'Test Borough Council' (test-borough-council) added to" in out
    assert "test-borough-council: 7 file(s) given: 2 added, 5 skipped" in out
    (entry,) = load_publishers(local_registry_path(data))
    assert (entry.slug, entry.name, entry.kind) == ("test-borough-council", "Test Borough Council", "council")

    # Another name of the same body, declared once, then known.
    assert main(["add", str(folder), "--publisher", "TBC", "--same-as", "test-borough-council", "--data", str(data)]) == 0
    assert "'TBC' recorded as another name of test-borough-council" in capsys.readouterr().out
    assert find_publisher(publishers_for(data), "tbc").slug == "test-borough-council"
    assert main(["add", str(folder), "--publisher", "TBC", "--data", str(data)]) == 0
    assert "2 already stored" in capsys.readouterr().out

    assert main(["add", str(folder), "--publisher", "X", "--same-as", "no-such-body", "--data", str(data)]) == 1
    assert "no-such-body: no such publisher" in capsys.readouterr().err


def test_a_store_of_files_that_give_no_payment_builds_and_status_says_why(tmp_path, capsys):
    data = tmp_path / "data"
    summary = tmp_path / "summary-2021-04.csv"
    summary.write_text("Supplier Name,Sum of Invoice Nett Amount\nACME LTD,100.00\n", encoding="utf-8")
    assert main(["add", str(summary), "--publisher", "Test Trust", "--data", str(data)]) == 0
    assert main(["build", "--data", str(data)]) == 1  # the file failed, and the build says so
    assert "0 payments totalling £0.00" in capsys.readouterr().out
    assert main(["status", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "No payments: 1 file(s) could not be parsed (listed below)." in out
    assert "summary-2021-04.csv: SummaryNotTransactions: a pivot-table summary" in out
    assert main(["status", "--data", str(data), "--publisher", "no-such-body"]) == 1


# --- the local registry --------------------------------------------------------------------------------------


def test_the_local_registry_extends_the_package_registry(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    local_registry_path(data).write_text(
        "- name: NHS Example ICB\n"                       # only the name: the slug is derived
        "- slug: nhs-hounslow-ccg\n  aliases: [Hounslow CCG]\n",  # amends a package body
        encoding="utf-8")
    publishers = publishers_for(data)
    package = load_publishers()
    assert len(publishers) == len(package) + 1
    example = find_publisher(publishers, "nhs example icb")
    assert (example.slug, example.kind, example.landing_pages) == ("nhs-example-icb", None, ())
    hounslow = find_publisher(publishers, "HOUNSLOW CCG")
    assert hounslow.slug == "nhs-hounslow-ccg" and hounslow.corpus == find_publisher(package, "nhs-hounslow-ccg").corpus
    assert [p.slug for p in publishers[:len(package)]] == [p.slug for p in package]  # nothing replaced


def test_local_entries_are_checked_before_anything_is_written(tmp_path):
    data = tmp_path / "data"
    with pytest.raises(RegistryError, match="kind 'hospital' is not one of"):
        add_local_publisher(data, "Some Hospital", kind="hospital")
    with pytest.raises(RegistryError, match="successor 'nobody' is not in the registry"):
        add_local_publisher(data, "Old CCG", successor="nobody")
    with pytest.raises(RegistryError, match="'nhs-hounslow-ccg' is already a publisher"):
        add_local_publisher(data, "NHS Hounslow CCG")
    with pytest.raises(UnknownPublisher):
        add_local_alias(data, "no-such-body", "Another Name")
    assert not local_registry_path(data).exists()
    merged = add_local_publisher(data, "NHS Old Hounslow CCG", successor="nhs-hounslow-ccg")
    assert merged.successor == "nhs-hounslow-ccg" and find_publisher(publishers_for(data), merged.slug) == merged


@pytest.mark.parametrize("name, slug", [
    ("NHS North Central London CCG", "nhs-north-central-london-ccg"),
    ("Guy's & St Thomas' NHS Foundation Trust", "guys-and-st-thomas-nhs-foundation-trust"),
    ("  Royal Borough of Kingston upon Thames ", "royal-borough-of-kingston-upon-thames"),
])
def test_a_slug_from_a_name(name, slug):
    assert slug_for(name) == slug


def test_fetch_from_a_folder_names_every_file_no_publisher_took(folder, tmp_path, capsys, realdata):
    raw = tmp_path / "raw"
    assert main(["fetch", "--publisher", "all", "--from-dir", str(folder), "--raw-dir", str(raw)]) == 1
    captured = capsys.readouterr()
    assert "6 file(s) in" in captured.out  # the spend-like files by name; the .docx is none
    assert "  payments.csv: no registered publisher's file: spend add FILE --publisher NAME files it" in captured.out
    assert "  spend-april-2021.csv.xlsx: a conversion of 'spend-april-2021.csv', which is taken instead" in captured.out
    assert "error: no file in" in captured.err and "spend add FOLDER --publisher NAME" in captured.err
    assert not raw.exists()

    lambeth = tmp_path / "corpus" / "councils" / "lambeth"
    lambeth.mkdir(parents=True)
    for name in ("2012-06-payments.csv", "2011-01-payments.csv"):  # a payments file, and a summary it excludes
        shutil.copy(realdata / "councils" / "lambeth" / name, lambeth / name)
    assert main(["fetch", "--publisher", "all", "--from-dir", str(tmp_path / "corpus"), "--raw-dir", str(raw)]) == 0
    out = capsys.readouterr().out
    assert "lambeth: 1 files (1 fetched)" in out
    assert "  councils/lambeth/2011-01-payments.csv: excluded by the registry entry of lambeth" in out
