"""A small store built from real published files, for the figures, analysis, export and notebook tests.

Built by the real pipeline: the files are filed under `<data>/raw/spend/<publisher>/` and
`spend.store.build_store` writes, in the store folder `<data>/clean/current` points at,
`payments/publisher_id=<slug>/year=<YYYY>/*.parquet` (schema.STORED_PAYMENTS), files.parquet, rejects.parquet,
the notices tables `{notices,awards,award_suppliers}.parquet` and spend.duckdb (also `<data>/spend.duckdb`).

What goes in, and why:
- NHS Hounslow CCG, the 8 PDFs (April-November 2020): the registered Optum figure, £276,000.00.
- NHS Redbridge CCG, 12 CSVs (2020-21): a second NHS body paying Optum (May 2020, March 2021).
- The archiver's first upload of Redbridge's March 2021 file: the same transactions published a second
  time, so every row of it is a duplicate (duplicate_of set) and must not be counted twice.
- Oxford City Council, April-June 2016: a council (Optum twice, named individuals, blank suppliers).
- Contracts Finder OCDS from the corpus: the notices tables (no Optum award among them).
"""

from __future__ import annotations

import json
from pathlib import Path

from spend.sources.local import add_notice_files
from spend.store.build import build_store
from spend.sources.registry import get_publisher

NHS = "nhs-london-2020-21"
# (publisher_id, path under the corpus), in publication order: a later file repeating a transaction
# is the duplicate.
FIXTURE_FILES: tuple[tuple[str, str], ...] = (
    *((("nhs-hounslow-ccg", f"{NHS}/NWHO/NWHO {n:02d} - {m}.pdf")) for n, m in enumerate(
        ["April", "May", "June", "July", "August", "September", "October", "November"], start=1)),
    *((("nhs-redbridge-ccg", f"{NHS}/NERD/NERD {n:02d} - {m}.csv")) for n, m in enumerate(
        ["April", "May", "June", "July", "August", "September", "October", "November", "December",
         "January", "February", "March"], start=1)),
    ("nhs-redbridge-ccg", f"{NHS}/first-upload/NERD/NERD 12 - March.csv"),
    ("oxford-city-council", "councils/oxford/expenditure-over-500-apr-jun-2016.csv"),
)
NOTICES_FOLDER = "contracts-finder"
# When the fixture's files were "fetched": one fixed time, so that every run's store and exports are the same.
FETCHED_AT = "2025-01-06T09:30:00+00:00"


def build_fixture_store(realdata: Path, data_dir: Path) -> Path:
    """File the fixture files under data/raw/spend/<publisher>/, build the store with the real build
    (`spend.store.build_store`, the package's publisher registry), with the corpus's notices; return it."""
    import shutil

    raw = data_dir / "raw" / "spend"
    for publisher_id, relative in FIXTURE_FILES:
        path = realdata / relative
        # The archiver's copy is filed after the publisher's own file of the same month, so it is the
        # later publication (publication order: period, then path).
        folder = raw / publisher_id / ("republished" if "first-upload" in relative else "")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / path.name)
        # What `spend fetch --from-dir` records: where the bytes came from, and the period the registry
        # gives the file (Oxford's quarterly file covers April to June, not only the month most paid in).
        period = get_publisher(publisher_id).corpus_period(relative)
        meta = {"url": path.resolve().as_uri(), "publisher": publisher_id, "file_name": path.name,
                "period": period.label if period else None, "fetched_at": FETCHED_AT}
        (folder / f"{path.name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    add_notice_files([realdata / NOTICES_FOLDER], data_dir / "raw")  # what `spend notices add` does
    result = build_store(data_dir, workers=1)
    if result.failed:
        raise RuntimeError(f"fixture files failed to parse: {result.failed}")
    return data_dir


# The fixtures live in conftest.py (one store per test session, shared by every module).
