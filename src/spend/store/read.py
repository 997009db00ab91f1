"""Reading the store (`load_payments`, `load_files`, `load_notice_tables`) and payments tables given by the
user (`read_payments`), with amounts back as exact Decimals. Each reader resolves the current store once
(spend.store.layout), so what it reads comes from one build."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from spend.core import schema
from spend.core.errors import PaymentsInputError
from spend.store.layout import CURRENT, store_dir


def read_payments(path: str | Path) -> pd.DataFrame:
    """Read a payments table (.parquet or .csv, or the store's partitioned folder) with amounts back
    as exact Decimals.

    Raises `PaymentsInputError` naming the file (and row) when it is missing, of another kind,
    unreadable, lacks supplier_name_raw/amount_gbp, or holds an amount that is not a number.
    """
    path = Path(path)
    if not path.exists():
        raise PaymentsInputError(path, "file not found")
    if path.is_dir() and path.name == "payments":  # the store's dataset (payments_dir)
        return _read_dataset(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pq.read_table(path).to_pandas()
        elif path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        else:
            raise PaymentsInputError(path, "expected a .parquet or .csv file")
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise PaymentsInputError(path, f"cannot read: {exc}") from exc
    missing = [c for c in ("supplier_name_raw", "amount_gbp") if c not in frame.columns]
    if missing:
        raise PaymentsInputError(path, f"missing column(s) {', '.join(missing)}")
    frame["amount_gbp"] = [_to_decimal(v, path, i) for i, v in enumerate(frame["amount_gbp"].tolist())]
    if "payment_date" in frame and frame["payment_date"].dtype == object:
        frame["payment_date"] = pd.to_datetime(frame["payment_date"]).dt.date
    return frame


def _to_decimal(value, path: Path, i: int) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise PaymentsInputError(path, f"amount_gbp {value!r} is not a number", locator=f"row {i + 1}") from exc


def payments_dir(data_dir: str | Path | None = None) -> Path:
    """The current store's payments dataset: `<store>/payments/publisher_id=<slug>/year=<YYYY>/*.parquet`,
    where `<store>` is the folder `data/clean/current` points at (spend.store.layout), resolved so that it
    stays the same store while it is read."""
    return store_folder(data_dir) / "payments"


def load_payments(data_dir: str | Path | None = None, *, publisher_id: str | list[str] | None = None) -> pd.DataFrame:
    """The store's payments (schema.STORED_PAYMENTS), amounts as exact Decimals, dates as `datetime.date`.

    `publisher_id` keeps one registered publisher (or a list of them). Raises `PaymentsInputError`
    when the store has not been built (run `spend build`).
    """
    root = payments_dir(data_dir)
    if not root.is_dir():
        raise PaymentsInputError(root, "no payments store here; run `spend build` first")
    return _read_dataset(root, publisher_id)


def _read_dataset(root: Path, publisher_id: str | list[str] | None = None) -> pd.DataFrame:
    import pyarrow.dataset as ds

    dataset = ds.dataset(root, format="parquet", partitioning="hive",
                         schema=schema.arrow_schema(schema.STORED_PAYMENTS))
    where = None
    if publisher_id is not None:
        wanted = [publisher_id] if isinstance(publisher_id, str) else list(publisher_id)
        where = ds.field("publisher_id").isin(wanted)
    table = dataset.to_table(filter=where)
    return table.to_pandas(date_as_object=True)


def store_folder(data_dir: str | Path | None = None) -> Path:
    """The current store's folder (spend.store.layout.store_dir); before the first build, where it will be
    (`<data>/clean/current`, which does not exist yet)."""
    from spend.core.config import data_dir as default_data_dir

    data = Path(data_dir or default_data_dir())
    return store_dir(data) or data / "clean" / CURRENT


def load_files(data_dir: str | Path | None = None, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The store's files table (one row per raw spend file: parsed or failed, counts, period), or None
    before the first build."""
    path = store_folder(data_dir) / "files.parquet"
    return pd.read_parquet(path, columns=columns) if path.is_file() else None


NOTICE_TABLES = ("notices", "awards", "award_suppliers")


def load_notice_tables(data_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """The store's notices, awards and award_suppliers tables (amounts as Decimal), or None when the store
    holds no notices (none harvested or added yet)."""
    store = store_folder(data_dir)
    paths = [store / f"{name}.parquet" for name in NOTICE_TABLES]
    if not all(p.is_file() for p in paths):
        return None
    notices, awards, award_suppliers = (pd.read_parquet(p) for p in paths)
    return notices, awards, award_suppliers
