"""The package's supplier data files (spend/data/*.csv): read once, comments skipped, each row checked
against the model of its file.

Each file starts with a header row; lines starting with '#' are comments naming where a fact comes from.
A file's model is a msgspec `Struct` declared beside the code that uses the file (`LegalFormRow` in
spend.suppliers.keys, `SectorRow` in spend.suppliers.sectors, ...): one field per column, with the values
it may hold. A file with a missing or unknown column, or a row that does not fit, is a `SupplierDataError`
naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, TypeVar

import msgspec
from msgspec import Meta

from spend.core.models import convert
from spend.suppliers.errors import SupplierDataError

T = TypeVar("T")
Cell = Annotated[str, Meta(pattern=r"\S", description="filled in")]  # a cell that may not be left blank


def data_path(name: str) -> Path:
    """Where a package data file lives (inside the installed or checked-out package)."""
    return Path(str(resources.files("spend") / "data" / name))


def read_table(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows (as dicts) of a commented CSV; blank lines and '#' lines are skipped; cells
    are stripped of surrounding spaces except where the file quotes them."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SupplierDataError(path, "file not found") from exc
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SupplierDataError(path, "no header row")
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = [name.strip() for name in reader.fieldnames or []]
    rows = []
    for number, row in enumerate(reader, start=1):
        if None in row or any(v is None for v in row.values()):
            raise SupplierDataError(path, "wrong number of cells", locator=f"data row {number}")
        rows.append({k.strip(): v.strip() for k, v in row.items()})
    return header, rows


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a commented CSV as dicts (see `read_table`), unchecked."""
    return read_table(path)[1]


def read_records(path: str | Path, model: type[T], *, error: type[SupplierDataError] = SupplierDataError) -> list[T]:
    """The rows of a commented CSV, each converted to `model`; `error` names the file, the row and the column
    of the first that does not fit (a missing or unknown column is named once, at the header)."""
    header, rows = read_table(path)
    columns = msgspec.structs.fields(model)
    expected = ",".join(c.encode_name for c in columns)
    missing = [c.encode_name for c in columns if c.required and c.encode_name not in header]
    unknown = [name for name in header if name not in {c.encode_name for c in columns}]
    if missing or unknown:
        problems = [f"{what} column(s) {', '.join(names)}" for what, names in (("missing", missing), ("unknown", unknown))
                    if names]
        raise error(path, f"{'; '.join(problems)}; expected {expected}", locator="header")
    return check_rows(rows, model, path, error=error)


def check_rows(rows, model: type[T], source: str | Path, *, error: type[SupplierDataError] = SupplierDataError,
               first: int = 1) -> list[T]:
    """Rows (dicts of cells) converted to `model`; `error` names `source` and the data row of one that does not fit."""
    return [convert(row, model, lambda reason, n=n: error(source, reason, locator=f"data row {n}"), noun="column")
            for n, row in enumerate(rows, start=first)]


@lru_cache(maxsize=None)
def read_package_records(name: str, model: type[T]) -> tuple[T, ...]:
    """The checked rows of a package data file, cached for the life of the process."""
    return tuple(read_records(data_path(name), model))
