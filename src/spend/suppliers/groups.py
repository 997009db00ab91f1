"""Corporate groups, kept apart from legal entities (spend/data/supplier_groups.csv).

A supplier is one legal entity and keeps its own id; a group ('Optum / UnitedHealth', 'Capita') is a label
over several suppliers, so an analyst can total either without merging companies that are not the same.
Each member row names its source. A member key ending in ' *' stands for the key and every key that
starts with its words ('SERCO *': 'SERCO', 'SERCO HEALTH'; not 'SERCOMBE'), for groups whose name no
other company starts with.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from msgspec import Struct

from spend.suppliers.datafiles import Cell, read_package_records, read_records
from spend.suppliers.keys import make_key

WILDCARD = " *"


class GroupRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_groups.csv: a supplier key that belongs to a group, and why."""

    group: Cell
    member_key: Cell  # written as a key; make_key is run on it, so a hand-typed variant still works
    source: Cell  # where the membership comes from (annual report, Companies House group structure)


@lru_cache(maxsize=1)
def _package_groups() -> dict[str, tuple[str, ...]]:
    return _index(read_package_records("supplier_groups.csv", GroupRow))


def _index(rows) -> dict[str, tuple[str, ...]]:
    """key -> groups; a wildcard member is kept under its key followed by ' *'."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        member = r.member_key.strip()
        if member.endswith("*"):
            by_key[make_key(member.rstrip("* ")) + WILDCARD].add(r.group)
        else:
            by_key[make_key(member)].add(r.group)
    return {k: tuple(sorted(v)) for k, v in by_key.items()}


def load_groups(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """key -> groups, from the package's file or another one with the same columns."""
    return _package_groups() if path is None else _index(read_records(path, GroupRow))


def groups_of_key(key: str, groups: dict[str, tuple[str, ...]]) -> set[str]:
    """The groups one key belongs to: by its own key, or by a wildcard member its words start with."""
    found = set(groups.get(key, ()))
    words = key.split()
    for n in range(1, len(words) + 1):
        found.update(groups.get(" ".join(words[:n]) + WILDCARD, ()))
    return found


def find_group(keys: list[str], groups: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The group of a supplier with these keys; several groups are joined with '; ' (a data problem to fix)."""
    groups = _package_groups() if groups is None else groups
    found = sorted({g for k in keys for g in groups_of_key(k, groups)})
    return "; ".join(found) or None
