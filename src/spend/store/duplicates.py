"""Transactions published twice: a later file's copy of a transaction keeps its row, marked `duplicate_of`
the first publication, so totals count it once (the `payments_counted` view)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# What makes two published lines the same transaction (publisher, transaction number, date, amount and
# supplier as published), and where each line is.
TRANSACTION_KEY = ["publisher", "transaction_id", "payment_date", "amount_gbp", "supplier_name_raw"]
LOCATION = ["source_file", "source_locator"]


def duplicates_of(table: pa.Table) -> list:
    """`mark_duplicates` over an Arrow table in publication order (amounts compared as exact text)."""
    sub = table.select(TRANSACTION_KEY + LOCATION)
    at = TRANSACTION_KEY.index("amount_gbp")
    sub = sub.set_column(at, "amount_gbp", pc.cast(sub["amount_gbp"], pa.string()))
    return [v if isinstance(v, str) else None for v in mark_duplicates(sub.to_pandas()).tolist()]


def mark_duplicates(frame: pd.DataFrame) -> pd.Series:
    """For each row, 'file | locator' of the earlier publication of the same transaction, else None.

    A transaction is the same when publisher, transaction number, date, amount and supplier as
    published all agree and it appears in another file. Within one file, lines sharing a transaction
    number are split payments (or repeated lines) and stay separate: the n-th such line of a later
    file matches the n-th of the first file that has it. Rows without a transaction number are
    never called duplicates: there is nothing to tie them by. `frame` must be in publication order.
    """
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if not len(frame) or "transaction_id" not in frame:
        return out
    has_txn = frame["transaction_id"].notna() & (frame["transaction_id"].astype(str).str.strip() != "")
    sub = frame.loc[has_txn, TRANSACTION_KEY + LOCATION].copy()
    if sub.empty:
        return out
    for c in TRANSACTION_KEY:
        sub[c] = sub[c].astype(str)
    sub["_nth"] = sub.groupby(TRANSACTION_KEY + ["source_file"], sort=False).cumcount()
    grouped = sub.groupby(TRANSACTION_KEY + ["_nth"], sort=False)
    first_file = grouped["source_file"].transform("first")
    first_where = first_file + " | " + grouped["source_locator"].transform("first")
    is_dup = sub["source_file"] != first_file
    out.loc[sub.index[is_dup.to_numpy()]] = first_where[is_dup].to_numpy()
    return out
