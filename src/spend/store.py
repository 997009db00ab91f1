"""Writing tables to disk: atomically (temp file + rename), CSV or Parquet by suffix.

CSV is UTF-8; amounts are written as exact decimals (`-2509460.00`), dates as ISO. A failed
write leaves no partial file: the temp file is removed and the old file, if any, stays.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from . import schema

SPEND_SUFFIXES = {".csv", ".tsv", ".txt", ".xls", ".xlsx", ".xlsm", ".pdf"}
TABLES = {"payments": schema.PAYMENTS, "rejects": schema.REJECTS}


def write_table(frame: pd.DataFrame, path: str | Path, table: str) -> Path:
    """Write `frame` (enforced to the named table) to `path`; the format follows the suffix."""
    path = Path(path)
    fields = TABLES[table]
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: write .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".parquet":
            pq.write_table(schema.to_arrow(frame, fields), tmp)
        else:
            schema.enforce(frame, fields).to_csv(tmp, index=False, encoding="utf-8", date_format="%Y-%m-%d")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_payments(path: str | Path) -> pd.DataFrame:
    """Read a payments table written by `write_table`, with amounts back as exact Decimals."""
    from decimal import Decimal

    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame = pq.read_table(path).to_pandas()
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frame["amount_gbp"] = [Decimal(a) for a in frame["amount_gbp"]]
        frame["payment_date"] = pd.to_datetime(frame["payment_date"]).dt.date
    return frame
