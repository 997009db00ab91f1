"""Where the store's files are, and how a build puts a new store in place in one step.

    data/clean/current -> store-20260509T101112Z-3fa2c1     the store readers see: a relative link
    data/clean/store-20260509T101112Z-3fa2c1/
        payments/publisher_id=<slug>/year=<YYYY>/part-0.parquet
        rejects.parquet, files.parquet, notices.parquet, awards.parquet, award_suppliers.parquet
        spend.duckdb                                         views over the Parquet files beside it
    data/spend.duckdb -> clean/current/spend.duckdb
    data/clean/_build/                                       the parse cache, the build record, the lock

Each build writes a complete store into a new folder of its own, then points `current` at it with one
rename (`os.replace` of a link is atomic): a reader that resolves `current` once (`store_dir`) sees the old
store or the new one, payments, files and database together, never a mix, and a build killed at any point
leaves the old store whole. Every link is relative, and the database's views name their Parquet files
relative to the store folder, so the data folder can be moved or copied as it is.

A build's last step sets the store it replaced aside (`.old-<name>`) and removes it in the background
(`retire_others`). Anything else under data/clean (a store folder no link points at, temporary files) is a
leftover of a build that was stopped, removed by the next one (`remove_leftovers`), which holds the build
lock (spend.store.lock).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

CURRENT = "current"
STORE_PREFIX = "store-"
DATABASE = "spend.duckdb"
# What the builds before stores had their own folder wrote straight into data/clean; removed once a store
# folder is current.
_EARLIER_OUTPUTS = ("payments", "rejects.parquet", "files.parquet", "notices.parquet", "awards.parquet",
                    "award_suppliers.parquet")


def clean_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "clean"


def duckdb_path(data_dir: Path) -> Path:
    """`<data>/spend.duckdb`: the current store's database, as users open it."""
    return Path(data_dir) / DATABASE


def store_dir(data_dir: Path) -> Path | None:
    """The current store's folder, resolved (so that it stays the same store however long it is read), or
    None before the first build."""
    current = clean_dir(data_dir) / CURRENT
    if not current.is_dir():
        return None
    return current.resolve()


def new_store_dir(data_dir: Path) -> Path:
    """A new, empty folder for a build's store: named by when it was made, so the folders sort in time."""
    clean = clean_dir(data_dir)
    clean.mkdir(parents=True, exist_ok=True)
    path = clean / f"{STORE_PREFIX}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"
    path.mkdir()
    return path


def make_current(data_dir: Path, store: Path) -> None:
    """Point `current` (and `data/spend.duckdb`, through it) at `store`, a folder under data/clean."""
    data, clean = Path(data_dir), clean_dir(data_dir)
    current = clean / CURRENT
    if current.is_dir() and not current.is_symlink():
        # A data folder copied without its links (cp -r, shutil.copytree): `current` is a copy of a store.
        # A folder cannot be swapped for a link in one step; it is set aside and removed as a leftover.
        os.replace(current, clean / f"{STORE_PREFIX}copied-{secrets.token_hex(3)}")
    _link(clean / CURRENT, store.name)
    database = duckdb_path(data)
    target = f"{clean.name}/{CURRENT}/{DATABASE}"
    if not (database.is_symlink() and os.readlink(database) == target):
        _link(database, target)


def _link(path: Path, target: str) -> None:
    """Make `path` a link to `target` in one step: a new link renamed over the old one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def remove_leftovers(data_dir: Path) -> list[Path]:
    """Remove what stopped builds left under data/clean: store folders `current` does not point at, staging
    and set-aside folders, temporary files (the parse cache's too), and an earlier build's temporary
    database. Only the holder of the build lock may call this. Returns what was removed."""
    data, clean = Path(data_dir), clean_dir(data_dir)
    if not clean.is_dir():
        return []
    live = store_dir(data)
    removed = []
    for path in clean.iterdir():
        name = path.name
        if name.startswith(STORE_PREFIX):
            stale = live is None or path.resolve() != live
        elif name.startswith((".staging-", ".old-")):
            stale = True
        elif name in _EARLIER_OUTPUTS:
            stale = live is not None
        else:
            stale = name.startswith(".") and name.endswith(".tmp")
        if stale:
            _remove(path)
            removed.append(path)
    # In data/ itself only the database's own (other commands write files there too); `.tmp.wal` is
    # DuckDB's log beside a temporary database.
    temporary = [*(clean / "_build").glob(".*.tmp"), *(clean / "_build" / "parsed").glob(".*.tmp"),
                 *data.glob(f".{DATABASE}.*.tmp"), *data.glob(f".{DATABASE}.*.tmp.wal")]
    for path in temporary:
        _remove(path)
        removed.append(path)
    return removed


def retire_others(data_dir: Path) -> list[Path]:
    """Set aside every store folder `current` does not point at (one rename each, to `.old-<name>`), and
    remove them in a background process: removing a large store's thousands of folders takes seconds the
    build need not wait for. A removal that does not finish (the machine stops) is finished by the next
    build (`remove_leftovers`). Only the holder of the build lock may call this."""
    clean = clean_dir(data_dir)
    live = store_dir(data_dir)
    retired = []
    for path in clean.iterdir() if clean.is_dir() else ():
        if path.name.startswith(STORE_PREFIX) and live is not None and path.resolve() != live:
            target = clean / f".old-{path.name}"
            os.replace(path, target)
            retired.append(target)
    if retired:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, True)",
                          *map(str, retired)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    return retired


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
