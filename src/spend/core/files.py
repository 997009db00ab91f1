"""Files on disk: written so that nothing half-written is ever left, and the provenance record kept
beside every stored file.

Standard library only, so the build and the command line use it without loading the network stack.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Callable

from spend.core.errors import SpendError

PROVENANCE_SUFFIX = ".meta.json"
# A harvest's checkpoint, kept beside the pages it records (spend.sources.harvest): not data.
CHECKPOINT_NAME = "state.json"


class ProvenanceError(SpendError):
    """The provenance record beside a stored file cannot be read."""


def write_via_temp(path: Path, write: Callable[[Path], None]) -> Path:
    """`write(tmp)` to a temporary file beside `path`, then rename it over `path`: readers see the old file
    or the new one, never half of one, and a failed write leaves nothing behind. The temporary name starts
    with a dot, so a folder scan that skips dot-files never takes a leftover for data."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file, flushed to disk before it replaces `path`."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    write_via_temp(path, write)


def provenance_path(path: Path) -> Path:
    return path.with_name(path.name + PROVENANCE_SUFFIX)


def read_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance record stored beside `path`, or None when it has none (files not fetched by spend).
    `ProvenanceError` naming the record when it is not a readable JSON object."""
    meta = provenance_path(path)
    if not meta.is_file():
        return None
    try:
        record = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ProvenanceError(meta, f"unreadable provenance record: {e}") from None
    if not isinstance(record, dict):
        raise ProvenanceError(meta, "unreadable provenance record: not a JSON object")
    return record
