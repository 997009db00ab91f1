"""The notice tables and how they are built from the raw store.

`build_tables(paths)` reads every stored OCDS file (release packages, record packages, records,
bare releases), keeps each release once (by ocid and release id), and returns three DataFrames
with a `BuildReport` that accounts for every file and every release:

    releases read = releases kept + duplicate releases + releases rejected

Writing them is the store's (spend.store.notices), with exact types (money as DECIMAL(18, 2), never float).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa

from spend.core.files import CHECKPOINT_NAME, PROVENANCE_SUFFIX, read_provenance
from spend.notices.decode import charset_of, load_json
from spend.notices.flatten import NotOcds, Origin, document_kind, flatten_release, iter_releases
from spend.core.schema import AMOUNT_TYPE, AWARD_SUPPLIERS, AWARDS, NOTICES, TIMESTAMP, Table, column_names

TABLES: dict[str, Table] = {"notices": NOTICES, "awards": AWARDS, "award_suppliers": AWARD_SUPPLIERS}


@dataclass
class BuildReport:
    """Every file and every release accounted for, and every repair counted."""

    files_read: int = 0
    files_not_ocds: list[tuple[str, str]] = field(default_factory=list)  # e.g. stored search answers
    files_rejected: list[tuple[str, str]] = field(default_factory=list)  # unreadable: (file, reason)
    releases_read: int = 0
    releases_kept: int = 0
    duplicate_releases: int = 0
    releases_rejected: list[tuple[str, str]] = field(default_factory=list)  # (file locator, reason)
    repairs: Counter = field(default_factory=Counter)

    def balanced(self) -> bool:
        return self.releases_read == self.releases_kept + self.duplicate_releases + len(self.releases_rejected)

    def summary(self) -> str:
        repaired = ", ".join(f"{name} {count}" for name, count in sorted(self.repairs.items())) or "none"
        return (
            f"{self.files_read} files ({len(self.files_rejected)} unreadable, {len(self.files_not_ocds)} not OCDS); "
            f"{self.releases_read} releases read = {self.releases_kept} kept + {self.duplicate_releases} duplicates "
            f"+ {len(self.releases_rejected)} rejected; repairs: {repaired}"
        )


@dataclass
class NoticeTables:
    notices: pd.DataFrame
    awards: pd.DataFrame
    award_suppliers: pd.DataFrame
    report: BuildReport

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"notices": self.notices, "awards": self.awards, "award_suppliers": self.award_suppliers}


def find_raw_files(paths: Iterable[str | Path]) -> list[Path]:
    """Stored JSON files under `paths` (files or folders), in a stable order; provenance records,
    checkpoints and temporary files are left out."""
    found: list[Path] = []
    for path in map(Path, paths):
        candidates = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for candidate in candidates:
            name = candidate.name
            if name.endswith(PROVENANCE_SUFFIX) or name == CHECKPOINT_NAME or name.startswith("."):
                continue
            found.append(candidate)
    return found


def build_tables(paths: Iterable[str | Path], *, root: Path | None = None) -> NoticeTables:
    """Read every stored OCDS file under `paths` into the notices, awards and award_suppliers tables.

    A release seen twice (same ocid and release id, e.g. in a record and in a release file) is
    kept the first time in path order. An unreadable file is reported and skipped, never fatal.
    `source_file` is each file's path relative to `root` when given (the store's data/raw), else as found.
    """
    report = BuildReport()
    notices: list[dict] = []
    awards: list[dict] = []
    suppliers: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for path in find_raw_files(paths):
        report.files_read += 1
        data = path.read_bytes()
        meta = read_provenance(path) or {}
        name = path.relative_to(root).as_posix() if root is not None else str(path)
        origin = Origin(name, hashlib.sha256(data).hexdigest(), meta.get("url"))
        try:
            document = load_json(data, encoding=charset_of(meta.get("content_type")), repairs=report.repairs)
        except ValueError as exc:
            report.files_rejected.append((str(path), f"not JSON: {exc}"))
            continue
        if document_kind(document) == "search":
            report.files_not_ocds.append((str(path), "Contracts Finder notice search answer"))
            continue
        try:
            releases = list(iter_releases(document))
        except NotOcds as exc:
            report.files_rejected.append((str(path), str(exc)))
            continue
        for locator, release, version in releases:
            report.releases_read += 1
            try:
                notice, release_awards, release_suppliers = flatten_release(
                    release, locator=locator, version=version, origin=origin, repairs=report.repairs
                )
            except ValueError as exc:
                report.releases_rejected.append((f"{path} ({locator})", str(exc)))
                continue
            key = (notice["ocid"], notice["release_id"])
            if key in seen:
                report.duplicate_releases += 1
                continue
            seen.add(key)
            report.releases_kept += 1
            notices.append(notice)
            awards.extend(release_awards)
            suppliers.extend(release_suppliers)
    return NoticeTables(
        notices=_frame(notices, NOTICES),
        awards=_frame(awards, AWARDS),
        award_suppliers=_frame(suppliers, AWARD_SUPPLIERS),
        report=report,
    )


def _frame(rows: list[dict], table: Table) -> pd.DataFrame:
    columns = column_names(table)
    frame = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for f in table:
        # Keep Decimal and bool-with-nulls as Python objects; pandas would turn them into floats.
        if f.arrow_type == AMOUNT_TYPE or f.arrow_type == pa.bool_():
            frame[f.name] = frame[f.name].astype(object)
        elif f.arrow_type == TIMESTAMP:
            frame[f.name] = pd.to_datetime(frame[f.name], utc=True)
    return frame
