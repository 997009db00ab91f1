"""Corporate groups, kept apart from legal entities (spend/data/supplier_groups.csv).

A supplier is one legal entity and keeps its own id; a group ('Optum / UnitedHealth', 'Capita') is a label
over several suppliers, so an analyst can total either without merging companies that are not the same.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from spend.suppliers.datafiles import read_package_rows, read_rows
from spend.suppliers.keys import make_key


@lru_cache(maxsize=1)
def _package_groups() -> dict[str, tuple[str, ...]]:
    return _index(read_package_rows("supplier_groups.csv"))


def _index(rows) -> dict[str, tuple[str, ...]]:
    by_key: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        # Keys in the file are written as keys already; running make_key keeps a hand-typed variant working.
        by_key[make_key(r["member_key"])].add(r["group"])
    return {k: tuple(sorted(v)) for k, v in by_key.items()}


def load_groups(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """key -> groups, from the package's file or another one with the same columns."""
    return _package_groups() if path is None else _index(read_rows(path))


def find_group(keys: list[str], groups: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The group of a supplier with these keys; several groups are joined with '; ' (a data problem to fix)."""
    groups = _package_groups() if groups is None else groups
    found = sorted({g for k in keys for g in groups.get(k, ())})
    return "; ".join(found) or None
