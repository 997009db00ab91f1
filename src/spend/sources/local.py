"""Files already on this machine into the raw store, with the same provenance record as a download: the
file's `file://` address, when it was added, its size and sha256.

    add_notice_files(["../shared/realdata/contracts-finder"], raw_root)   # -> data/raw/contracts-finder/added/...
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from spend.core.files import read_provenance, write_atomic, provenance_path
from spend.sources.errors import SourcesError

ADDED_DIR = "added"


class AddError(SourcesError):
    """Files given to an `add` command cannot be added (missing, or nothing of the right kind in them)."""


@dataclass
class AddReport:
    added: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.added)} file(s) added, {len(self.unchanged)} already there"


def add_notice_files(paths, raw_root: Path, source: str = "contracts-finder") -> AddReport:
    """Copy the OCDS files (`.json`) in `paths` (files or folders) to `<raw>/<source>/added/<folder>/...`,
    keeping their layout under each folder, each with a provenance record. A file already stored with the
    same bytes is left alone. `AddError` naming the path when it is missing or holds no OCDS file."""
    from spend.notices.tables import find_raw_files

    report = AddReport()
    base = Path(raw_root) / source / ADDED_DIR
    for given in map(Path, paths):
        if not given.exists():
            raise AddError(given, "no such file or folder")
        found = find_raw_files([given])
        if not found:
            raise AddError(given, "no stored OCDS files (.json) here")
        folder = given.resolve() if given.is_dir() else given.resolve().parent
        for path in found:
            target = base / folder.name / path.resolve().relative_to(folder)
            stored = _store(path, target)
            (report.added if stored else report.unchanged).append(target)
    return report


def _store(path: Path, target: Path) -> bool:
    """Write `path`'s bytes to `target` with a provenance record; False when it was already there."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    record = read_provenance(target) if target.is_file() else None
    if record is not None and record.get("sha256") == sha:
        return False
    write_atomic(target, data)
    record = {
        "url": path.resolve().as_uri(),
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "content_type": "application/json",
        "size": len(data),
        "sha256": sha,
        "added_from": str(path.resolve()),
    }
    write_atomic(provenance_path(target), (json.dumps(record, indent=1) + "\n").encode("utf-8"))
    return True
