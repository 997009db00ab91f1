"""Incremental assembly: a build after files were added, changed or removed writes only what they touch,
and gives exactly the store a build from scratch of the same raw files gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spend.sources.local import add_notice_files
from spend.sources.registry import get_publisher
from spend.store import layout
from spend.store.build import build_store
from spend.store.read import load_payments
from storefixture import FETCHED_AT, FIXTURE_FILES, NOTICES_FOLDER

pytestmark = pytest.mark.slow

# Files by publisher, from the shared store fixture: Hounslow's PDFs, Redbridge's CSVs, Oxford's council file.
HOUNSLOW = [r for p, r in FIXTURE_FILES if p == "nhs-hounslow-ccg"]
REDBRIDGE = [r for p, r in FIXTURE_FILES if p == "nhs-redbridge-ccg" and "first-upload" not in r]
OXFORD = [r for p, r in FIXTURE_FILES if p == "oxford-city-council"]


def _file(realdata: Path, data: Path, publisher_id: str, relative: str, name: str | None = None) -> Path:
    """File one corpus file as `spend fetch --from-dir` does: its bytes and a provenance record."""
    source = realdata / relative
    folder = data / "raw" / "spend" / publisher_id
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    period = get_publisher(publisher_id).corpus_period(relative)
    meta = {"url": source.resolve().as_uri(), "publisher": publisher_id, "file_name": source.name,
            "period": period.label if period else None, "fetched_at": FETCHED_AT}
    (folder / f"{target.name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return target


def _store_tables(data: Path) -> dict[str, pd.DataFrame]:
    """Every table of the current store, in a fixed row order, as text (Decimals and dates compared exactly)."""
    store = layout.store_dir(data)
    payments = load_payments(data).sort_values(["source_file", "source_locator"]).reset_index(drop=True)
    tables = {"payments": payments}
    for name in ("rejects", "files", "notices", "awards", "award_suppliers"):
        path = store / f"{name}.parquet"
        if path.exists():
            tables[name] = pq.read_table(path).to_pandas()
    return {name: frame.astype(str) for name, frame in tables.items()}


def _assert_same_store(incremental: Path, scratch: Path) -> None:
    a, b = _store_tables(incremental), _store_tables(scratch)
    assert set(a) == set(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def _inodes(data: Path, publisher_id: str) -> dict[str, int]:
    folder = layout.store_dir(data) / "payments" / f"publisher_id={publisher_id}"
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*.parquet")}


def test_an_added_file_rewrites_its_publisher_only_and_equals_a_build_from_scratch(tmp_path, realdata):
    data = tmp_path / "incremental"
    for relative in HOUNSLOW[:6] + REDBRIDGE[:10] + OXFORD:
        _file(realdata, data, "nhs-hounslow-ccg" if relative in HOUNSLOW else
              "nhs-redbridge-ccg" if relative in REDBRIDGE else "oxford-city-council", relative)
    add_notice_files([realdata / NOTICES_FOLDER], data / "raw")
    first = build_store(data, workers=1)
    assert (first.failed, first.publishers_written, first.publishers_kept) == ([], 3, 0)
    before = {p: _inodes(data, p) for p in ("nhs-hounslow-ccg", "nhs-redbridge-ccg", "oxford-city-council")}
    database = (layout.store_dir(data) / layout.DATABASE).stat().st_ino

    # One more month for Redbridge: its payments are written again, the others are the same files.
    _file(realdata, data, "nhs-redbridge-ccg", REDBRIDGE[10])
    second = build_store(data, workers=1)
    assert (second.parsed_now, second.publishers_written, second.publishers_kept) == (1, 1, 2)
    assert _inodes(data, "nhs-hounslow-ccg") == before["nhs-hounslow-ccg"]
    assert _inodes(data, "oxford-city-council") == before["oxford-city-council"]
    assert _inodes(data, "nhs-redbridge-ccg") != before["nhs-redbridge-ccg"]
    assert (layout.store_dir(data) / layout.DATABASE).stat().st_ino == database  # the views did not change
    assert second.payments > first.payments

    scratch = tmp_path / "scratch"
    shutil.copytree(data / "raw", scratch / "raw")
    fresh = build_store(scratch, workers=1)
    assert (fresh.payments, fresh.duplicates, fresh.total_pence) == (second.payments, second.duplicates,
                                                                     second.total_pence)
    _assert_same_store(data, scratch)


def test_changed_removed_and_new_publisher_files_equal_a_build_from_scratch(tmp_path, realdata):
    data = tmp_path / "incremental"
    for relative in HOUNSLOW[:4] + REDBRIDGE[:4]:
        _file(realdata, data, "nhs-hounslow-ccg" if relative in HOUNSLOW else "nhs-redbridge-ccg", relative)
    build_store(data, workers=1)
    # A corrected file (other bytes under the same name), a file taken down, a new body's first file.
    _file(realdata, data, "nhs-redbridge-ccg", REDBRIDGE[5], name=Path(REDBRIDGE[0]).name)
    gone = data / "raw" / "spend" / "nhs-hounslow-ccg" / Path(HOUNSLOW[3]).name
    gone.unlink()
    gone.with_name(gone.name + ".meta.json").unlink()
    _file(realdata, data, "oxford-city-council", OXFORD[0])
    again = build_store(data, workers=1)
    assert again.failed == [] and again.publishers_written == 3

    scratch = tmp_path / "scratch"
    shutil.copytree(data / "raw", scratch / "raw")
    fresh = build_store(scratch, workers=1)
    assert (fresh.payments, fresh.total_pence) == (again.payments, again.total_pence)
    _assert_same_store(data, scratch)
    # A rebuild after that changes nothing, and says so.
    assert build_store(data, workers=1).assembled is False


def test_force_writes_every_publisher_again(tmp_path, realdata):
    data = tmp_path
    for relative in REDBRIDGE[:2] + OXFORD:
        _file(realdata, data, "nhs-redbridge-ccg" if relative in REDBRIDGE else "oxford-city-council", relative)
    build_store(data, workers=1)
    before = _inodes(data, "oxford-city-council")
    forced = build_store(data, workers=1, force=True)
    assert (forced.publishers_written, forced.publishers_kept) == (2, 0)
    assert _inodes(data, "oxford-city-council") != before


def test_a_record_of_another_store_is_not_reused(tmp_path, realdata):
    """A build stopped after making its store current but before writing its record leaves the record of
    the store before: nothing is carried over from a store the record does not describe."""
    data = tmp_path
    for relative in REDBRIDGE[:2] + OXFORD:
        _file(realdata, data, "nhs-redbridge-ccg" if relative in REDBRIDGE else "oxford-city-council", relative)
    build_store(data, workers=1)
    state_path = data / "clean" / "_build" / "state.json"
    state = json.loads(state_path.read_text())
    state["store"] = "store-somewhere-else"
    state_path.write_text(json.dumps(state))
    _file(realdata, data, "nhs-redbridge-ccg", REDBRIDGE[2])
    again = build_store(data, workers=1)
    assert (again.publishers_written, again.publishers_kept) == (2, 0)
