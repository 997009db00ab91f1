"""What the store is built from: the publishers' spend files and the stored notices under `data/raw`, each
with the provenance record written beside it when it was fetched or added."""

from __future__ import annotations

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


def find_raw_files(data_dir: Path) -> list[RawSpendFile]:
    """Every file under data/raw/spend/<publisher>/..., with its provenance record if it has one; none when
    there is no such folder."""
    root = spend_raw_root(data_dir)
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(PROVENANCE_SUFFIX) or path.name.startswith("."):
            continue
        rel_to_root = path.relative_to(root)
        if len(rel_to_root.parts) < 2:
            raise BuildError(path, "raw spend files belong in a publisher folder: data/raw/spend/<publisher>/...")
        try:
            meta = read_provenance(path) or {}
        except ProvenanceError as e:
            raise BuildError(e.source, e.reason) from None
        st = path.stat()
        out.append(RawSpendFile(path, path.relative_to(data_dir / "raw").as_posix(), rel_to_root.parts[0],
                                meta, st.st_size, st.st_mtime_ns))
    return out


def find_notice_files(data_dir: Path) -> list[Path]:
    """Every stored OCDS file under data/raw/<notice source>/ (spend.notices.tables.find_raw_files)."""
    from spend.notices.tables import find_raw_files as find_ocds_files

    return find_ocds_files(p for p in (data_dir / "raw" / s for s in NOTICE_SOURCES) if p.is_dir())
