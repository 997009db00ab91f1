"""The embedded DuckDB database: views over the store's Parquet files (no copy of the data), and queries
against it that keep DECIMAL totals exact."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from spend.core.errors import PaymentsInputError


def duckdb_path(data_dir: Path) -> Path:
    return Path(data_dir) / "spend.duckdb"


def write_duckdb(data_dir: Path) -> Path:
    """Views over the Parquet files: payments (every published line), payments_counted (without
    transactions published twice), transactions (split lines grouped), rejects, files, and
    notices/awards/award_suppliers when the store holds notices.
    """
    import duckdb

    clean = Path(data_dir) / "clean"
    target = duckdb_path(data_dir)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)

    def lit(p: Path) -> str:
        return "'" + str(p.resolve()).replace("'", "''") + "'"

    views = {}
    if (clean / "payments").is_dir():
        views.update({
            "payments": f"select * from read_parquet({lit(clean / 'payments')} || '/**/*.parquet', "
                        "hive_partitioning = true, hive_types = {'year': INTEGER})",
            "payments_counted": "select * from payments where duplicate_of is null",
            "transactions": (
                "select publisher_id, publisher, transaction_id, min(payment_date) as payment_date, "
                "any_value(supplier_id) as supplier_id, any_value(supplier_name) as supplier_name, "
                "count(*) as lines, sum(amount_gbp) as amount_gbp, min(source_file) as source_file "
                "from payments_counted where transaction_id is not null "
                "group by publisher_id, publisher, transaction_id"),
        })
    for name in ("rejects", "files", "notices", "awards", "award_suppliers"):
        if (clean / f"{name}.parquet").is_file():
            views[name] = f"select * from read_parquet({lit(clean / f'{name}.parquet')})"
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, sql in views.items():
                con.execute(f"create view {name} as {sql}")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return target


def query(data_dir: Path, sql: str) -> pd.DataFrame:
    """Run `sql` on the store's DuckDB views. Through Arrow, so DECIMAL totals stay exact Decimals."""
    import duckdb

    path = duckdb_path(data_dir)
    if not path.is_file():
        raise PaymentsInputError(path, "no store here; run `spend build` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).to_arrow_table().to_pandas()
    except duckdb.Error as e:  # a view over Parquet files that have gone (clean/ removed by hand)
        raise PaymentsInputError(path, f"the store is incomplete ({e}); run `spend build --force`") from None
    finally:
        con.close()
