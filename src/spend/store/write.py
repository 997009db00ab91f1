"""Writing tables: atomically (a temporary file renamed into place), so no reader ever sees half of one.

`write_table` writes a parse's output where the user asked (`spend parse -o`): CSV is UTF-8, amounts as
exact decimals (`-2509460.00`), dates as ISO. The rest serves the store build.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from spend.core import schema
from spend.core.files import write_via_temp

TABLES = {"payments": schema.PAYMENTS, "rejects": schema.REJECTS, "stored_payments": schema.STORED_PAYMENTS}


def write_table(frame: pd.DataFrame, path: str | Path, table: str) -> Path:
    """Write `frame` (enforced to the named table) to `path`; the format follows the suffix."""
    path = Path(path)
    fields = TABLES[table]
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: write .csv or .parquet")
    if suffix == ".parquet":
        return write_via_temp(path, lambda tmp: pq.write_table(schema.to_arrow(frame, fields), tmp))
    return write_via_temp(path, lambda tmp: schema.enforce(frame, fields).to_csv(
        tmp, index=False, encoding="utf-8", date_format="%Y-%m-%d"))


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    write_via_temp(path, lambda tmp: pq.write_table(table, tmp))


def write_text_atomic(text: str, path: Path) -> None:
    write_via_temp(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

