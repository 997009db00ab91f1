"""The clean store: the only writer of `data/clean` and `data/spend.duckdb`, and its readers.

    from spend.store import build_store, load_payments
    build_store()                 # data/raw -> data/clean (Parquet) + data/spend.duckdb (views)
    payments = load_payments()    # amounts as exact Decimals
    con = connect()               # read-only DuckDB connection to the views, from any folder

Names are imported on first use.
"""

from importlib import import_module

_WHERE = {
    **dict.fromkeys(["build_store", "BuildError", "BuildResult"], "spend.store.build"),
    **dict.fromkeys(["load_payments", "load_notice_tables", "read_payments", "payments_dir"], "spend.store.read"),
    "write_table": "spend.store.write",
    "connect": "spend.store.views",
    "BuildLocked": "spend.store.lock",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'spend.store' has no attribute {name!r}")
