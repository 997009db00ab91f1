"""What the store is built from: the publishers' spend files and the stored notices under `data/raw`, each
with the provenance record written beside it when it was fetched or added."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from spend.core.errors import SpendError
from spend.core.files import PROVENANCE_SUFFIX, ProvenanceError, provenance_path, read_provenance

SPEND_DIR = "spend"
# Where `spend notices fetch` (and `spend notices add`) file OCDS pages: data/raw/<source>/...
NOTICE_SOURCES = ("contracts-finder", "find-a-tender")


class BuildError(SpendError):
    """The store cannot be built (no raw files, a raw file filed outside a publisher folder...)."""


@dataclass(frozen=True)
class RawSpendFile:
    path: Path  # absolute
    rel: str  # path under data/raw, '/'-separated: the `source_file` of its rows
    publisher_id: str
    meta: dict
    size: int
    mtime_ns: int
    provenance: tuple[int, int] | None = None  # the provenance record's size and modification time

    @property
    def fetched_at(self) -> datetime | None:
        """When the file was fetched or added (UTC), as its provenance record says; None without one."""
        value = self.meta.get("fetched_at")
        if value is None:
            return None
        try:
            when = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise BuildError(provenance_path(self.path), f"fetched_at {value!r} is not a date and time with a time zone")
        return when.astimezone(timezone.utc)


def spend_raw_root(data_dir: Path) -> Path:
    return data_dir / "raw" / SPEND_DIR


def find_raw_files(data_dir: Path, known: dict | None = None) -> list[RawSpendFile]:
    """Every file under data/raw/spend/<publisher>/..., with its provenance record if it has one; none when
    there is no such folder. `known` (path under data/raw -> {"provenance": [size, mtime_ns], "meta": {...}},
    what the last build saw) spares reading the records whose size and modification time are unchanged."""
    root = spend_raw_root(data_dir)
    if not root.is_dir():
        return []
    known = known or {}
    raw = data_dir / "raw"
    found = []  # (parts under data/raw, has a provenance record); os.walk, as a store can hold many thousands
    for folder, _, names in os.walk(root, followlinks=True):
        listed = set(names)
        base = Path(folder).relative_to(raw).parts
        for name in names:
            if not name.endswith(PROVENANCE_SUFFIX) and not name.startswith("."):
                found.append(((*base, name), name + PROVENANCE_SUFFIX in listed))
    out = []
    for parts, has_record in sorted(found):
        path = raw.joinpath(*parts)
        try:
            st = os.stat(path)
        except FileNotFoundError:  # a link to nothing
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if len(parts) < 3:
            raise BuildError(path, "raw spend files belong in a publisher folder: data/raw/spend/<publisher>/...")
        rel = "/".join(parts)
        record = os.stat(provenance_path(path)) if has_record else None
        stamp = (record.st_size, record.st_mtime_ns) if record else None
        seen = known.get(rel) or {}
        if stamp is not None and list(stamp) == seen.get("provenance") and isinstance(seen.get("meta"), dict):
            meta = seen["meta"]
        else:
            try:
                meta = read_provenance(path) or {}
            except ProvenanceError as e:
                raise BuildError(e.source, e.reason) from None
        out.append(RawSpendFile(path, rel, parts[1], meta, st.st_size, st.st_mtime_ns, stamp))
    return out


def find_notice_files(data_dir: Path) -> list[Path]:
    """Every stored OCDS file under data/raw/<notice source>/ (spend.notices.tables.find_raw_files)."""
    from spend.notices.tables import find_raw_files as find_ocds_files

    return find_ocds_files(p for p in (data_dir / "raw" / s for s in NOTICE_SOURCES) if p.is_dir())
