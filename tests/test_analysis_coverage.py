"""spend.analysis.coverage: what the store holds, per publisher and month, on the fixture store built from real
files (tests/storefixture.py: Hounslow's 8 PDFs, Redbridge's 12 CSVs and the archiver's second upload of its
March file, Oxford's April-June 2016 quarter).

The status is checked against readings that do not go through it: the Parquet files read with pyarrow, and
the real files parsed again. Changes (a month that turns out to be an HTML page, a file fetched since the
build, Parquet files gone) are made on a copy of the store, never on the shared one.
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from spend.analysis.coverage import monthly_coverage, store_status
from spend.core.errors import PaymentsInputError
from spend.parse import parse_file
from spend.store.build import build_store

NHS = "nhs-london-2020-21"
PUBLISHERS = {
    # publisher_id: (name, files, first month, last month, months with payments)
    "nhs-hounslow-ccg": ("NHS Hounslow CCG", 8, "2020-04", "2020-11", 8),
    "nhs-redbridge-ccg": ("NHS Redbridge CCG", 13, "2020-04", "2021-03", 12),
    "oxford-city-council": ("Oxford City Council", 1, "2016-04", "2016-06", 3),  # one quarterly file
}


@pytest.fixture(scope="module")
def status(fixture_store):
    return store_status(fixture_store)


@pytest.fixture(scope="module")
def stored(fixture_store):
    """The store's payments as the Parquet files hold them, read without DuckDB or spend.store."""
    return ds.dataset(fixture_store / "clean" / "current" / "payments", format="parquet", partitioning="hive").to_table(
        columns=["publisher_id", "payment_date", "amount_gbp", "duplicate_of"])


def copy_of(fixture_store, tmp_path):
    """A private copy of the fixture store: its DuckDB views read the copy's own Parquet files (they name them
    relative to the store's folder)."""
    data = tmp_path / "data"
    shutil.copytree(fixture_store, data, symlinks=True)  # keeps modification times, so the copy's build state holds
    return data


# --- the fixture store as it was built --------------------------------------------------------------------


@pytest.mark.slow  # the fixture store
def test_one_line_per_publisher_with_its_files_and_months(status):
    rows = status.publishers.set_index("publisher_id")
    assert list(rows.index) == sorted(PUBLISHERS)
    for slug, (name, files, first, last, _) in PUBLISHERS.items():
        row = rows.loc[slug]
        assert (row["publisher"], row["files"], row["parsed"], row["failed"]) == (name, files, files, 0)
        assert (row["first_month"], row["last_month"]) == (first, last)
        assert pd.isna(row["missing_months"])  # no gap between the first month and the last
        assert row["rejected"] == 0
    assert status.failed.empty and status.unbuilt == []


@pytest.mark.slow  # the fixture store
def test_payments_and_totals_agree_with_the_parquet_files(status, stored):
    counted = stored.filter(pc.is_null(stored["duplicate_of"]))
    rows = status.publishers.set_index("publisher_id")
    for slug in PUBLISHERS:
        mine = counted.filter(pc.equal(counted["publisher_id"], slug))
        amounts = mine["amount_gbp"].to_pylist()
        assert rows.loc[slug, "payments"] == len(amounts)
        assert rows.loc[slug, "total_gbp"] == sum(amounts, Decimal("0.00"))
        assert isinstance(rows.loc[slug, "total_gbp"], Decimal)  # exact, never a float
        twice = stored.filter(pc.and_(pc.equal(stored["publisher_id"], slug), pc.is_valid(stored["duplicate_of"])))
        assert rows.loc[slug, "published_twice"] == twice.num_rows


@pytest.mark.slow  # the fixture store
def test_a_transaction_published_twice_is_counted_once(status, realdata):
    # The archiver's upload of Redbridge's March 2021 file repeats every line of the publisher's own.
    own = parse_file(realdata / f"{NHS}/NERD/NERD 12 - March.csv").report
    again = parse_file(realdata / f"{NHS}/first-upload/NERD/NERD 12 - March.csv").report
    redbridge = status.publishers.set_index("publisher_id").loc["nhs-redbridge-ccg"]
    assert redbridge["published_twice"] == again.rows_kept == 282
    march = status.months.set_index(["publisher_id", "month"]).loc[("nhs-redbridge-ccg", "2021-03")]
    assert (march["payments"], march["total_gbp"] * 100) == (own.rows_kept, own.total_pence)


@pytest.mark.slow  # the fixture store
def test_months_add_up_to_their_publisher(status):
    months = status.months
    assert list(months.columns) == ["publisher_id", "month", "payments", "total_gbp"]
    rows = status.publishers.set_index("publisher_id")
    for slug, (_, _, first, last, n) in PUBLISHERS.items():
        mine = months[months["publisher_id"] == slug]
        assert (len(mine), mine["month"].iloc[0], mine["month"].iloc[-1]) == (n, first, last)
        assert mine["month"].is_monotonic_increasing
        assert sum(mine["payments"]) == rows.loc[slug, "payments"]
        assert sum(mine["total_gbp"], Decimal("0.00")) == rows.loc[slug, "total_gbp"]


@pytest.mark.slow  # the fixture store
def test_a_month_is_what_its_file_says(status, realdata):
    # Hounslow's November PDF: 333 payments, £31,094,530.54 (tests/test_parse_pdf.py reads the same page by page).
    months = status.months.set_index(["publisher_id", "month"])
    november = months.loc[("nhs-hounslow-ccg", "2020-11")]
    assert (november["payments"], november["total_gbp"]) == (333, Decimal("31094530.54"))
    may = parse_file(realdata / f"{NHS}/NERD/NERD 02 - May.csv").report
    assert (months.loc[("nhs-redbridge-ccg", "2020-05"), "payments"],
            months.loc[("nhs-redbridge-ccg", "2020-05"), "total_gbp"] * 100) == (may.rows_kept, may.total_pence)


@pytest.mark.slow  # the fixture store
def test_monthly_coverage_is_the_status_months(fixture_store, status):
    assert monthly_coverage(fixture_store).equals(status.months)


# --- changes, on a copy -----------------------------------------------------------------------------------


@pytest.mark.slow  # the fixture store
def test_a_month_whose_file_is_an_html_page_is_missing_and_the_failure_listed(fixture_store, status, tmp_path):
    data = copy_of(fixture_store, tmp_path)
    september = data / "raw" / "spend" / "nhs-redbridge-ccg" / "NERD 06 - September.csv"
    september.write_bytes(b"<!DOCTYPE html><html><head><title>Page not found</title></head><body></body></html>")
    result = build_store(data, workers=1)
    assert [path for path, _ in result.failed] == ["spend/nhs-redbridge-ccg/NERD 06 - September.csv"]

    after = store_status(data)
    redbridge = after.publishers.set_index("publisher_id").loc["nhs-redbridge-ccg"]
    before = status.publishers.set_index("publisher_id").loc["nhs-redbridge-ccg"]
    lost = status.months.set_index(["publisher_id", "month"]).loc[("nhs-redbridge-ccg", "2020-09")]
    assert (redbridge["files"], redbridge["parsed"], redbridge["failed"]) == (13, 12, 1)
    assert redbridge["missing_months"] == "2020-09"
    assert redbridge["payments"] == before["payments"] - lost["payments"]
    assert redbridge["total_gbp"] == before["total_gbp"] - lost["total_gbp"]
    (failure,) = after.failed.to_dict("records")
    assert failure["publisher_id"] == "nhs-redbridge-ccg"
    assert failure["source_file"].endswith("NERD 06 - September.csv")
    assert "NotASpendFile" in failure["error"] and "Page not found" in failure["error"]
    # The other publishers are as they were (a month nobody misses is None, or NaN beside one that is missed).
    others = [s for s in PUBLISHERS if s != "nhs-redbridge-ccg"]
    was, now = (s.publishers.set_index("publisher_id").loc[others] for s in (status, after))
    assert now.drop(columns="missing_months").equals(was.drop(columns="missing_months"))
    assert now["missing_months"].isna().all() and was["missing_months"].isna().all()


@pytest.mark.slow  # the fixture store
def test_a_file_fetched_since_the_build_is_waiting(fixture_store, status, realdata, tmp_path):
    data = copy_of(fixture_store, tmp_path)
    folder = data / "raw" / "spend" / "nhs-redbridge-ccg" / "republished"
    shutil.copyfile(realdata / f"{NHS}/first-upload/NERD/NERD 11 - February.csv", folder / "NERD 11 - February.csv")
    after = store_status(data)
    assert after.unbuilt == ["spend/nhs-redbridge-ccg/republished/NERD 11 - February.csv"]
    assert after.publishers.equals(status.publishers)  # nothing counted until it is built


@pytest.mark.slow  # the fixture store
def test_a_store_whose_parquet_files_are_gone_says_so(fixture_store, tmp_path):
    data = copy_of(fixture_store, tmp_path)
    shutil.rmtree(data / "clean" / "current" / "payments")
    with pytest.raises(PaymentsInputError, match=r"the store is incomplete .*run `spend build --force`"):
        store_status(data)


def test_a_folder_without_a_store(tmp_path):
    with pytest.raises(PaymentsInputError, match="no store here; run `spend build` first"):
        monthly_coverage(tmp_path)
