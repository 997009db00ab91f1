"""The clean store: built from real files, exact, incremental, and honest about failures."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from spend.store.build import build_store
from spend.store.duplicates import mark_duplicates
from spend.store.raw import BuildError, find_raw_files
from spend.core.errors import PaymentsInputError
from spend.parse import parse_file
from spend.analysis.coverage import store_status
from spend.store.read import load_files, load_payments
from spend.store.views import connect

PUBLISHERS = {
    "nhs-hounslow-ccg": SimpleNamespace(slug="nhs-hounslow-ccg", name="NHS Hounslow CCG", hints={}),
    "kingston-hospital": SimpleNamespace(slug="kingston-hospital", name="Kingston Hospital NHS FT", hints={}),
    "epsom-and-st-helier": SimpleNamespace(slug="epsom-and-st-helier", name="Epsom and St Helier", hints={}),
    "example-council": SimpleNamespace(slug="example-council", name="Example Council", hints={"date_order": "day-first"}),
}

# Real files: Hounslow CCG's PDFs, Kingston's CSVs (codes glued onto names), Epsom's US dates.
REAL = {
    "nhs-hounslow-ccg": "nhs-london-2020-21/NWHO/*.pdf",
    "kingston-hospital": "nhs-london-2020-21/KGST/*.csv",
    "epsom-and-st-helier": "nhs-london-2020-21/EPSH/*.csv",
}


def _place(data: Path, realdata: Path) -> list[Path]:
    placed = []
    for slug, pattern in REAL.items():
        for src in sorted(realdata.glob(pattern)):
            dest = data / "raw" / "spend" / slug / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            placed.append(src)
    return placed


@pytest.fixture(scope="module")
def store(tmp_path_factory, realdata):
    data = tmp_path_factory.mktemp("store")
    sources = _place(data, realdata)
    result = build_store(data, publishers=PUBLISHERS, workers=2)
    return data, sources, result


@pytest.mark.slow
def test_hounslow_optum_total_from_the_store(store):
    data, _, result = store
    assert result.failed == []
    con = connect(data)
    n, total = con.execute(
        "select count(*), sum(amount_gbp) from payments_counted "
        "where publisher_id = 'nhs-hounslow-ccg' and supplier_group = 'Optum / UnitedHealth'"
    ).fetchone()
    assert (n, total) == (8, Decimal("276000.00"))
    months = con.execute(
        "select strftime(payment_date, '%m'), count(*) from payments where publisher_id = 'nhs-hounslow-ccg' "
        "and supplier_name_raw = 'OPTUM HEALTH SOLUTIONS (UK) LTD' group by 1 order by 1"
    ).fetchall()
    assert months == [("04", 1), ("07", 3), ("09", 2), ("10", 1), ("11", 1)]


@pytest.mark.slow
def test_store_totals_equal_the_parser_totals_file_by_file(store):
    data, sources, result = store
    stored = load_payments(data)
    assert all(isinstance(a, Decimal) for a in stored["amount_gbp"])
    by_file = stored.groupby("source_file")["amount_gbp"].agg(lambda s: sum(s, Decimal(0)))
    counts = stored.groupby("source_file").size()
    for src in sources:
        slug = next(s for s, p in REAL.items() if src.match(p))
        rel = f"spend/{slug}/{src.name}"
        parsed = parse_file(src)
        assert counts[rel] == len(parsed.payments), rel
        assert by_file[rel] == sum(parsed.payments["amount_gbp"], Decimal(0)), rel
    assert result.payments == len(stored)
    assert result.total_pence == sum(int(a * 100) for a in stored["amount_gbp"])


@pytest.mark.slow
def test_rows_keep_provenance_and_supplier_identity(store):
    data, _, _ = store
    frame = load_payments(data, publisher_id="kingston-hospital")
    assert set(frame["publisher_id"]) == {"kingston-hospital"}
    assert frame["source_file"].str.startswith("spend/kingston-hospital/KGST ").all()
    assert frame["source_locator"].str.match(r"line \d+$").all()
    assert frame["supplier_id"].notna().mean() > 0.95
    assert (frame["year"] == [d.year for d in frame["payment_date"]]).all()
    files = load_files(data)
    assert len(files) == 30 and set(files["status"]) == {"parsed"}
    assert (files["rows_read"] == files["rows_kept"] + files["rows_rejected"] + files["rows_nondata"]).all()


@pytest.mark.slow
def test_partitions_are_readable_as_plain_hive_parquet(store):
    data, _, result = store
    # Through the link to the current store, the path the README gives.
    parts = sorted((data / "clean" / "current" / "payments").glob("publisher_id=*/year=*/*.parquet"))
    assert {p.parent.parent.name for p in parts} == {f"publisher_id={s}" for s in REAL}
    n = duckdb.execute(f"select count(*) from read_parquet('{data}/clean/current/payments/**/*.parquet', "
                       "hive_partitioning=true)")
    assert n.fetchone()[0] == result.payments
    # The database with DuckDB alone, as the README opens it: its views find their files in the store's folder.
    con = duckdb.connect(str(data / "spend.duckdb"), read_only=True,
                         config={"file_search_path": str(data / "clean" / "current")})
    assert con.execute("select count(*) from payments").fetchone()[0] == result.payments
    con.close()
    # Dask reads the same folder as it is, partition columns included.
    import dask.dataframe as dd

    counts = dd.read_parquet(data / "clean" / "current" / "payments", columns=["publisher_id", "amount_gbp"])
    counts = counts.groupby("publisher_id", observed=True)["amount_gbp"].count().compute()
    assert int(counts.sum()) == result.payments and set(counts.index) == set(REAL)


@pytest.mark.slow
def test_rebuild_with_nothing_changed_does_nothing(store):
    data, _, _ = store
    watched = [*(data / "clean" / "current" / "payments").rglob("*.parquet"), data / "spend.duckdb",
               data / "clean" / "_build" / "state.json"]
    before = {p: p.stat().st_mtime_ns for p in watched}
    again = build_store(data, publishers=PUBLISHERS)
    assert (again.assembled, again.parsed_now, again.files) == (False, 0, 30)
    assert {p: p.stat().st_mtime_ns for p in watched} == before  # nothing rewritten, the build record included


def test_a_changed_file_alone_is_parsed_again(tmp_path, realdata):
    data = tmp_path
    folder = data / "raw" / "spend" / "epsom-and-st-helier"
    folder.mkdir(parents=True)
    files = sorted(realdata.glob(REAL["epsom-and-st-helier"]))[:3]
    for f in files:
        shutil.copyfile(f, folder / f.name)
    first = build_store(data, publishers=PUBLISHERS, workers=1)
    assert (first.parsed_now, first.assembled) == (3, True)
    # The publisher replaces its first file with corrected bytes (here: another month's file).
    replacement = sorted(realdata.glob(REAL["epsom-and-st-helier"]))[3]
    shutil.copyfile(replacement, folder / files[0].name)
    second = build_store(data, publishers=PUBLISHERS, workers=1)
    assert (second.parsed_now, second.assembled) == (1, True)
    stored = load_payments(data)
    expected = sum((parse_file(f).payments["amount_gbp"].sum() for f in [replacement, *files[1:]]), Decimal(0))
    assert sum(stored["amount_gbp"], Decimal(0)) == expected
    # The stale cached parse is dropped.
    cached = list((data / "clean" / "_build" / "parsed").glob("*.json"))
    assert len(cached) == 3


HEADER = "Department family,Entity,Date,Expense type,Expense area,Supplier,Transaction number,Amount\n"


def _council_file(path: Path, rows: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def test_a_transaction_published_again_next_month_is_counted_once(tmp_path):
    council = tmp_path / "raw" / "spend" / "example-council"
    _council_file(council / "2019-09.csv", [
        "Local government,Example Council,12/09/2019,Rent,Housing,ACME LTD,T100,1000.00",
        "Local government,Example Council,13/09/2019,Care,Adults,CARE CO LTD,T101,250.50",
        "Local government,Example Council,13/09/2019,Care,Adults,CARE CO LTD,T101,749.50",  # a split payment
    ])
    _council_file(council / "2019-10.csv", [
        "Local government,Example Council,12/09/2019,Rent,Housing,ACME LTD,T100,1000.00",  # published again
        "Local government,Example Council,02/10/2019,Rent,Housing,ACME LTD,T102,1000.00",
    ])
    result = build_store(tmp_path, publishers=PUBLISHERS, workers=1)
    assert (result.payments, result.duplicates) == (5, 1)
    # The summary's total is every stored line's (so it equals the files' own totals); it says which repeat.
    assert "5 payments totalling £4,000.00, of which 1 repeat a transaction published in an earlier file" in result.summary()
    stored = load_payments(tmp_path)
    dup = stored[stored["duplicate_of"].notna()]
    assert dup["source_file"].tolist() == ["spend/example-council/2019-10.csv"]
    assert dup["duplicate_of"].tolist() == ["spend/example-council/2019-09.csv | line 2"]
    con = connect(tmp_path)
    assert con.execute("select count(*), sum(amount_gbp) from payments_counted").fetchone() == (4, Decimal("3000.00"))
    split = con.execute("select lines, amount_gbp from transactions where transaction_id = 'T101'").fetchone()
    assert split == (2, Decimal("1000.00"))


@pytest.mark.parametrize("rows, expected", [
    # same file twice over: both kept (split lines or repeated lines are the publisher's, not ours to drop)
    ([("a", "T1", "1.00", "line 2"), ("a", "T1", "1.00", "line 3")], [None, None]),
    # later file repeats one of two identical lines: only one is a duplicate
    ([("a", "T1", "1.00", "line 2"), ("a", "T1", "1.00", "line 3"), ("b", "T1", "1.00", "line 5")],
     [None, None, "a | line 2"]),
    # same number, different amount: a different line, not a duplicate
    ([("a", "T1", "1.00", "line 2"), ("b", "T1", "2.00", "line 2")], [None, None]),
    # no transaction number: never a duplicate
    ([("a", None, "1.00", "line 2"), ("b", None, "1.00", "line 2")], [None, None]),
])
def test_mark_duplicates(rows, expected):
    frame = pd.DataFrame([{
        "publisher": "P", "transaction_id": t, "payment_date": "2020-01-01", "amount_gbp": Decimal(a),
        "supplier_name_raw": "S", "source_file": f, "source_locator": loc} for f, t, a, loc in rows])
    assert mark_duplicates(frame).tolist() == expected


def test_a_file_that_cannot_be_parsed_is_listed_and_the_rest_is_built(tmp_path):
    council = tmp_path / "raw" / "spend" / "example-council"
    _council_file(council / "2019-09.csv", ["Local government,Example Council,12/09/2019,Rent,Housing,ACME LTD,T1,5.00"])
    (council / "2019-10.csv").write_text("<html><body>Service unavailable</body></html>", encoding="utf-8")
    result = build_store(tmp_path, publishers=PUBLISHERS, workers=1)
    ((failed_file, error),) = result.failed
    assert failed_file == "spend/example-council/2019-10.csv" and error.startswith("NotASpendFile")
    files = load_files(tmp_path).set_index("source_file")
    assert files.loc["spend/example-council/2019-10.csv", "status"] == "failed"
    assert result.payments == 1


def test_an_amount_the_store_cannot_hold_is_its_rows_reject_and_the_store_is_built(tmp_path):
    # £10^16 does not fit the stored DECIMAL(18, 2): it once stopped the build with pyarrow's error.
    council = tmp_path / "raw" / "spend" / "example-council"
    _council_file(council / "2019-09.csv", [
        "Local government,Example Council,12/09/2019,Rent,Housing,ACME LTD,T1,5.00",
        "Local government,Example Council,13/09/2019,Rent,Housing,ACME LTD,T2,10000000000000000.00",
    ])
    result = build_store(tmp_path, publishers=PUBLISHERS, workers=1)
    assert (result.failed, result.payments, result.total_pence) == ([], 1, 500)
    rejects = pd.read_parquet(tmp_path / "clean" / "current" / "rejects.parquet")
    assert list(zip(rejects["source_locator"], rejects["reason"])) == [
        ("line 3", "amount too large to store (10,000,000,000,000,000 pounds or more): '10000000000000000.00'")]


def test_raw_files_must_sit_in_a_registered_publisher_folder(tmp_path):
    raw = tmp_path / "raw" / "spend"
    raw.mkdir(parents=True)
    (raw / "stray.csv").write_text(HEADER, encoding="utf-8")
    with pytest.raises(BuildError, match="publisher folder"):
        find_raw_files(tmp_path)
    (raw / "stray.csv").unlink()
    _council_file(raw / "unknown-body" / "x.csv", ["a,b,12/09/2019,c,d,E LTD,T1,5.00"])
    with pytest.raises(BuildError, match="not in the publisher registry"):
        build_store(tmp_path, publishers=PUBLISHERS)


def test_no_raw_files_is_a_clear_error(tmp_path):
    with pytest.raises(BuildError, match="spend fetch"):
        build_store(tmp_path, publishers=PUBLISHERS)


def test_an_unreadable_provenance_record_names_its_file(tmp_path):
    council = tmp_path / "raw" / "spend" / "example-council"
    _council_file(council / "2019-09.csv", ["Local government,Example Council,12/09/2019,Rent,Housing,ACME LTD,T1,5.00"])
    meta = council / "2019-09.csv.meta.json"
    for text, reason in (("[1, 2]", "not a JSON object"), ("{", "Expecting")):
        meta.write_text(text, encoding="utf-8")
        with pytest.raises(BuildError, match=f"unreadable provenance record: {reason}") as e:
            build_store(tmp_path, publishers=PUBLISHERS, workers=1)
        assert e.value.source == str(meta)


def test_the_files_table_says_when_each_file_was_fetched(tmp_path):
    council = tmp_path / "raw" / "spend" / "example-council"
    row = "Local government,Example Council,12/09/2019,Rent,Housing,ACME LTD,T1,5.00"
    _council_file(council / "2019-09.csv", [row])
    _council_file(council / "2019-10.csv", [row.replace("T1", "T2")])
    meta = council / "2019-09.csv.meta.json"
    # As `spend fetch` writes it (an offset other than UTC is converted), and a file with no record.
    meta.write_text(json.dumps({"url": "https://example.gov.uk/2019-09.csv", "fetched_at": "2025-01-06T10:30:00+01:00"}),
                    encoding="utf-8")
    build_store(tmp_path, publishers=PUBLISHERS, workers=1)
    files = load_files(tmp_path).set_index("source_file")
    assert files.loc["spend/example-council/2019-09.csv", "fetched_at"] == pd.Timestamp("2025-01-06T09:30:00Z")
    assert pd.isna(files.loc["spend/example-council/2019-10.csv", "fetched_at"])
    for bad in ("yesterday", "2025-01-06T10:30:00", 20250106):
        meta.write_text(json.dumps({"fetched_at": bad}), encoding="utf-8")
        with pytest.raises(BuildError, match="is not a date and time with a time zone") as e:
            build_store(tmp_path, publishers=PUBLISHERS, workers=1)
        assert e.value.source == str(meta)


def _file_with_record(folder: Path, period: str, rows: list[str]) -> Path:
    """A council file filed the way `spend fetch` files it: in its period's folder, with the period recorded."""
    path = folder / period / f"{period}.csv"
    _council_file(path, rows)
    record = {"url": f"https://example.gov.uk/spend/{period}.csv", "period": period}
    path.with_name(path.name + ".meta.json").write_text(json.dumps(record), encoding="utf-8")
    return path


def test_status_counts_each_transaction_once_and_names_the_missing_months(tmp_path):
    council = tmp_path / "raw" / "spend" / "example-council"
    row = "Local government,Example Council,{},Rent,Housing,ACME LTD,{},{}"
    _file_with_record(council, "2019-09", [row.format("12/09/2019", "T100", "1000.00"),
                                           row.format("13/09/2019", "T101", "250.50")])
    _file_with_record(council, "2019-10", [row.format("12/09/2019", "T100", "1000.00"),  # published again
                                           row.format("02/10/2019", "T102", "1000.00")])
    december = _file_with_record(council, "2019-12", [row.format("03/12/2019", "T103", "10.00")])
    build_store(tmp_path, publishers=PUBLISHERS, workers=1)

    status = store_status(tmp_path)
    (publisher,) = status.publishers.to_dict("records")
    assert (publisher["files"], publisher["parsed"], publisher["payments"], publisher["published_twice"]) == (3, 3, 4, 1)
    assert publisher["total_gbp"] == Decimal("2260.50")
    assert (publisher["first_month"], publisher["last_month"], publisher["missing_months"]) == (
        "2019-09", "2019-12", "2019-11")
    # The months add up to the publisher's line: both count the republished transaction once.
    assert list(status.months["month"]) == ["2019-09", "2019-10", "2019-12"]
    assert sum(status.months["total_gbp"], Decimal(0)) == publisher["total_gbp"]
    assert sum(status.months["payments"]) == publisher["payments"]
    assert status.unbuilt == [] and status.failed.empty

    # A file fetched since the build, and one the publisher replaced, are both waiting for `spend build`.
    _file_with_record(council, "2020-01", [row.format("06/01/2020", "T104", "5.00")])
    _council_file(december, [row.format("03/12/2019", "T103", "100.00")])
    assert store_status(tmp_path).unbuilt == ["spend/example-council/2019-12/2019-12.csv",
                                              "spend/example-council/2020-01/2020-01.csv"]


def test_status_without_a_store_is_a_clear_error(tmp_path):
    with pytest.raises(PaymentsInputError, match="run `spend build` first"):
        store_status(tmp_path)


@pytest.mark.slow
def test_parsing_on_a_dask_cluster_gives_the_same_store(tmp_path, realdata):
    import distributed
    folder = tmp_path / "raw" / "spend" / "kingston-hospital"
    folder.mkdir(parents=True)
    for f in sorted(realdata.glob(REAL["kingston-hospital"]))[:4]:
        shutil.copyfile(f, folder / f.name)
    second = tmp_path / "raw" / "spend" / "epsom-and-st-helier"
    second.mkdir(parents=True)
    for f in sorted(realdata.glob(REAL["epsom-and-st-helier"]))[:2]:
        shutil.copyfile(f, second / f.name)
    local = tmp_path / "local"
    shutil.copytree(tmp_path / "raw", local / "raw")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        result = build_store(tmp_path, publishers=PUBLISHERS, scheduler=cluster.scheduler_address)
    # Parsed file by file and assembled publisher by publisher on the cluster.
    assert (result.parsed_now, result.failed, result.publishers_written) == (6, [], 2)
    expected = sum((parse_file(f).payments["amount_gbp"].sum()
                    for f in [*sorted(realdata.glob(REAL["kingston-hospital"]))[:4],
                              *sorted(realdata.glob(REAL["epsom-and-st-helier"]))[:2]]), Decimal(0))
    on_cluster = load_payments(tmp_path)
    assert sum(on_cluster["amount_gbp"], Decimal(0)) == expected
    # The same store as a build in this machine's processes.
    build_store(local, publishers=PUBLISHERS, workers=1)
    order = ["source_file", "source_locator"]
    pd.testing.assert_frame_equal(on_cluster.sort_values(order).reset_index(drop=True).astype(str),
                                  load_payments(local).sort_values(order).reset_index(drop=True).astype(str))


@pytest.mark.slow
def test_fetch_build_and_status_from_the_command_line(tmp_path, realdata, monkeypatch, capsys):
    from spend.cli import main

    monkeypatch.setenv("SPEND_DATA", str(tmp_path))
    assert main(["fetch", "--publisher", "kingston-hospital", "--from-dir", str(realdata)]) == 0
    capsys.readouterr()
    assert main(["build", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "10 raw files (10 parsed now, 0 unchanged), 0 failed; 498 payments" in out
    assert main(["build"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert main(["status", "--months"]) == 0
    out = capsys.readouterr().out
    assert "kingston-hospital" in out and "£57,818,413.95" in out
    assert "2020-06" in out and "2021-03" in out
    # A page of HTML filed as the next month: listed, exit status 1, and the rest still built.
    bad = tmp_path / "raw" / "spend" / "kingston-hospital" / "2021-04" / "KGST 13 - April.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("<!DOCTYPE html><html><body>Not found</body></html>", encoding="utf-8")
    assert main(["build"]) == 1
    captured = capsys.readouterr()
    assert "KGST 13 - April.csv: FAILED NotASpendFile" in captured.err
    assert main(["status"]) == 0
    assert "could not be parsed" in capsys.readouterr().out


@pytest.mark.slow
def test_the_store_carries_exactly_the_supplier_columns_annotate_payments_gives(store):
    from spend.suppliers.resolution import MATCH_COLUMNS, annotate_payments, resolve_payments

    data, _, _ = store
    stored = load_payments(data)
    # Resolve the same names again, the way an analyst would over the stored rows, and compare row by row.
    resolution = resolve_payments(stored.drop(columns=list(MATCH_COLUMNS)))
    again = annotate_payments(stored.drop(columns=list(MATCH_COLUMNS)), resolution=resolution)
    for column in MATCH_COLUMNS:
        left = stored[column].astype(object).where(stored[column].notna(), None).tolist()
        right = again[column].astype(object).where(again[column].notna(), None).tolist()
        assert left == right, column


@pytest.mark.slow
def test_supplier_report_reads_the_store_by_default(store, monkeypatch, capsys):
    from spend.cli import main

    data, _, _ = store
    monkeypatch.setenv("SPEND_DATA", str(data))
    assert main(["suppliers", "report", "--top", "1000"]) == 0
    out = capsys.readouterr().out
    assert "OPTUM HEALTH SOLUTIONS (UK) LTD  £276,000.00  8 payments" in out
    assert "[group: Optum / UnitedHealth]" in out and "[group: nan]" not in out and "[nan]" not in out


def test_self_check_findings_reach_the_files_table_and_the_status(tmp_path, capsys):
    council = tmp_path / "raw" / "spend" / "example-council"
    row = "Local government,Example Council,{},Rent,Housing,ACME LTD,{},{}"
    path = _file_with_record(council, "2019-09", [row.format("12/09/2019", "T100", "1000.00"),
                                                  row.format("13/09/2019", "T101", "2000000000.00"),  # £2bn
                                                  "Total,,,,,,,1500.00"])  # not the sum of the lines
    build_store(tmp_path, publishers=PUBLISHERS, workers=1)
    files = load_files(tmp_path)
    warnings = files.loc[0, "warnings"]
    assert "totals row at line 4: 1500.00 is not the sum of the lines it covers (2000001000.00;" in warnings
    assert "1 row(s) flagged implausible: a single payment over £1bn" in warnings
    status = store_status(tmp_path)
    assert status.publishers.loc[0, "warned"] == 1
    assert list(status.warned["source_file"]) == [path.relative_to(tmp_path / "raw").as_posix()]
