"""The analysts' overrides file: decisions about supplier identities that always win.

A CSV kept in git (default: spend/data/supplier_overrides.csv) with columns action,name,target,note:

    same,OPTUM HEALTH SOLUTION,OPTUM HEALTH SOLUTIONS (UK) LTD,truncated in Hounslow's PDF
    never,GUY'S & ST THOMAS' CHARITY,GUYS & ST THOMAS NHS FOUNDATION TRUST,independent charity
    assign,Optum Health Solutions UK Limited,optum-uk,pin the id used in published figures
    kind,MARIE CURIE,organisation,a charity, not a person

Names (and name targets) are matched by key, so either the published spelling or the key can be written.
Two spellings with the same key cannot be separated: that is an error, not a silent no-op.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from msgspec import Struct

from spend.suppliers.datafiles import data_path, read_records, read_rows
from spend.suppliers.errors import OverridesError, SupplierDataError
from spend.suppliers.keys import make_key
from spend.suppliers.kinds import KINDS

ACTIONS = ("same", "never", "assign", "kind")


def default_overrides_path() -> Path:
    return data_path("supplier_overrides.csv")


class OverrideColumns(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of an overrides file as written; `parse_overrides` checks what the values mean."""

    action: str
    name: str
    target: str
    note: str = ""


COLUMNS = OverrideColumns.__struct_fields__  # ("action", "name", "target", "note")


@dataclass(frozen=True)
class OverrideRow:
    number: int  # data row number, for error messages
    action: str
    name: str
    target: str
    note: str = ""


@dataclass
class Overrides:
    """Overrides resolved to keys."""

    source: str = "<none>"
    rows: list[OverrideRow] = field(default_factory=list)
    same: list[tuple[str, str, OverrideRow]] = field(default_factory=list)
    never: dict[frozenset[str], OverrideRow] = field(default_factory=dict)
    assign: dict[str, tuple[str, OverrideRow]] = field(default_factory=dict)
    kinds: dict[str, tuple[str, OverrideRow]] = field(default_factory=dict)

    def is_never(self, key_a: str, key_b: str) -> OverrideRow | None:
        return self.never.get(frozenset((key_a, key_b)))

    def error(self, row: OverrideRow, reason: str) -> OverridesError:
        return OverridesError(self.source, reason, locator=f"data row {row.number}")


def parse_overrides(rows: list[OverrideRow], source: str = "<overrides>") -> Overrides:
    """Check override rows and resolve their names to keys."""
    out = Overrides(source=source, rows=list(rows))
    for row in rows:
        if row.action not in ACTIONS:
            raise out.error(row, f"unknown action {row.action!r}; use one of {', '.join(ACTIONS)}")
        if not row.name.strip() or not row.target.strip():
            raise out.error(row, "name and target are both needed")
        key = make_key(row.name)
        if row.action in {"same", "never"}:
            other = make_key(row.target)
            if key == other:
                if row.action == "never":
                    raise out.error(row, f"{row.name!r} and {row.target!r} have the same key {key!r}; they cannot be separated")
                continue
            if row.action == "same":
                out.same.append((key, other, row))
            else:
                out.never[frozenset((key, other))] = row
        elif row.action == "assign":
            if key in out.assign and out.assign[key][0] != row.target.strip():
                raise out.error(row, f"{row.name!r} is already assigned to {out.assign[key][0]!r}")
            out.assign[key] = (row.target.strip(), row)
        else:
            if row.target not in KINDS:
                raise out.error(row, f"unknown kind {row.target!r}; use one of {', '.join(KINDS)}")
            out.kinds[key] = (row.target, row)
    for key_a, key_b, row in out.same:
        if frozenset((key_a, key_b)) in out.never:
            raise out.error(row, f"{row.name!r} and {row.target!r} are marked both same and never")
    return out


def load_overrides(path: str | Path | None = None) -> Overrides:
    """Read an overrides file (the package's default when `path` is None); a missing file is an error."""
    path = Path(path) if path is not None else default_overrides_path()
    try:
        records = read_records(path, OverrideColumns, error=OverridesError)
    except SupplierDataError as exc:  # the file itself: not found, no header, a row of the wrong length
        raise OverridesError(path, exc.reason, locator=exc.locator) from exc
    rows = [OverrideRow(i, r.action.lower(), r.name, r.target, r.note) for i, r in enumerate(records, start=1)]
    return parse_overrides(rows, source=str(path))


def no_overrides() -> Overrides:
    return Overrides()


def append_overrides(path: str | Path, rows: list[tuple[str, str, str, str]]) -> int:
    """Append (action, name, target, note) rows that are not already in the file; returns how many."""
    path = Path(path)
    existing: set[tuple[str, str, str]] = set()
    if path.exists():
        for r in read_rows(path):
            existing.add((r.get("action", "").lower(), make_key(r.get("name", "")), make_key(r.get("target", ""))))
            existing.add((r.get("action", "").lower(), make_key(r.get("target", "")), make_key(r.get("name", ""))))
    else:
        path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    new = []
    for action, name, target, note in rows:
        marker = (action, make_key(name), make_key(target))
        if marker in existing:
            continue
        existing.add(marker)
        existing.add((action, marker[2], marker[1]))
        new.append((action, name, target, note))
    if new:
        text = path.read_text(encoding="utf-8")
        with path.open("a", newline="", encoding="utf-8") as f:
            if text and not text.endswith("\n"):
                f.write("\n")
            csv.writer(f, lineterminator="\n").writerows(new)
    return len(new)
