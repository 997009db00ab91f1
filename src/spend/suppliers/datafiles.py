"""The package's supplier data files (spend/data/*.csv): read once, comments skipped.

Each file starts with a header row; lines starting with '#' are comments naming where a fact comes from.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path

from spend.suppliers.errors import SupplierDataError


def data_path(name: str) -> Path:
    """Where a package data file lives (inside the installed or checked-out package)."""
    return Path(str(resources.files("spend") / "data" / name))


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a commented CSV as dicts; blank lines and '#' lines are skipped; cells are stripped of
    surrounding spaces except where the file quotes them."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SupplierDataError(path, "file not found") from exc
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SupplierDataError(path, "no header row")
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise SupplierDataError(path, "wrong number of cells", locator=f"data row {number - 1}")
        rows.append({k.strip(): v.strip() for k, v in row.items()})
    return rows


@lru_cache(maxsize=None)
def read_package_rows(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a package data file, cached for the life of the process."""
    return tuple(read_rows(data_path(name)))
