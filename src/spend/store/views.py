"""The embedded DuckDB database: views over the store's Parquet files (no copy of the data), each view and
column commented with its meaning, and read-only queries against it that keep DECIMAL totals exact.

`VIEWS` declares each view once: the schema table its columns are (spend.core.schema, where every column's
meaning lives), what one row is, and what it reads. The database, its comments and the data dictionary
(`spend dictionary`, docs/data-dictionary.md) are all written from it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa

from spend.core import schema
from spend.core.errors import PaymentsInputError, SpendError
from spend.store.layout import DATABASE, duckdb_path, store_dir


class QueryError(SpendError):
    """A query the store's database refuses: not SQL it understands, not a read, or naming what is not there."""


@dataclass(frozen=True)
class View:
    """One view of data/spend.duckdb."""

    name: str
    table: schema.Table  # its columns, in order: each one's type and meaning
    row: str  # what one row is, in one sentence
    parquet: str | None = None  # what it reads in the store's folder: a .parquet file, or a folder of hive partitions
    over: str | None = None  # or the view it is a query over ...
    sql: str | None = None  # ... and that query


# In the order they are created: a view over another comes after it.
VIEWS: tuple[View, ...] = (
    View("payments", schema.STORED_PAYMENTS,
         "One row per payment line of every spend file in the store, a line published again in a later file "
         "included (with duplicate_of set).",
         parquet="payments/"),
    View("payments_counted", schema.STORED_PAYMENTS,
         "The payments without the lines published again in a later file: the rows to count and sum.",
         over="payments", sql="select * from payments where duplicate_of is null"),
    View("transactions", schema.TRANSACTIONS,
         "One row per transaction number of a publisher: its counted payment lines grouped, with lines counting "
         "them, amount_gbp their sum, payment_date the earliest line's date and source_file the first file by "
         "path.",
         over="payments_counted",
         sql="select publisher_id, publisher, transaction_id, min(payment_date) as payment_date, "
             "any_value(supplier_id) as supplier_id, any_value(supplier_name) as supplier_name, "
             "count(*) as lines, sum(amount_gbp)::DECIMAL(18, 2) as amount_gbp, min(source_file) as source_file "
             "from payments_counted where transaction_id is not null "
             "group by publisher_id, publisher, transaction_id"),
    View("rejects", schema.STORED_REJECTS,
         "One row per row of a spend file that was not kept as a payment, with the reason.",
         parquet="rejects.parquet"),
    View("files", schema.FILES,
         "One row per raw spend file the store knows: parsed or failed, its rows accounted for, its total and what "
         "its self-checks found.",
         parquet="files.parquet"),
    View("notices", schema.NOTICES,
         "One row per Contracts Finder or Find a Tender release (OCDS) stored: the tender as that release "
         "describes it.",
         parquet="notices.parquet"),
    View("awards", schema.AWARDS,
         "One row per award in a stored release.",
         parquet="awards.parquet"),
    View("award_suppliers", schema.STORED_AWARD_SUPPLIERS,
         "One row per supplier of an award in a stored release, with the supplier_id of the paid supplier it is "
         "when the two are the same organisation.",
         parquet="award_suppliers.parquet"),
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(view: View, store: Path, created: list[str]) -> str | None:
    """The query that makes `view`, or None when the store holds nothing for it (no notices, say). Parquet
    files are named relative to the store's folder, so the views follow the folder when it is moved or
    copied (DuckDB looks for them in its `file_search_path`, see `connect`)."""
    if view.sql is not None:
        return view.sql if view.over in created else None
    path = store / view.parquet
    if path.is_dir():
        # The year partition is the schema's int32 (DuckDB would guess BIGINT from the folder names).
        source = (f"read_parquet({_literal(view.parquet.rstrip('/') + '/**/*.parquet')}, hive_partitioning = true, "
                  "hive_types = {'year': INTEGER})")
    elif path.is_file():
        source = f"read_parquet({_literal(view.parquet)})"
    else:
        return None
    # The schema's columns in the schema's order (hive partition columns would otherwise come last).
    return f"select {', '.join(map(_identifier, view.table.names))} from {source}"


def _comment(con, view: View) -> None:
    """The view's row and each column's meaning (with its unit) as the database's own comments."""
    con.execute(f"comment on view {view.name} is {_literal(view.row)}")
    for column, meaning in schema.descriptions(view.table).items():
        con.execute(f"comment on column {view.name}.{_identifier(column)} is {_literal(meaning)}")


def write_duckdb(store: Path) -> Path:
    """Write `<store>/spend.duckdb` for the store folder `store` (spend.store.layout): the views of `VIEWS`
    that the store has files for, commented; notices/awards/award_suppliers only when the store holds notices.
    Written to a temporary file and renamed, so readers never see half of it."""
    import duckdb

    store = Path(store)
    target = store / DATABASE
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp), config={"file_search_path": _search_path(store, target)})
        try:
            created: list[str] = []
            for view in VIEWS:
                select = _select(view, store, created)
                if select is None:
                    continue
                con.execute(f"create view {view.name} as {select}")
                _check_columns(con, view)
                _comment(con, view)
                created.append(view.name)
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return target


def connect(data_dir: str | Path | None = None):
    """A read-only DuckDB connection to the store's views (`data/spend.duckdb`), from any working folder.

        con = spend.store.connect()
        con.sql("select sum(amount_gbp) from payments_counted").to_arrow_table()

    The views name their Parquet files relative to the store's folder, which this sets as DuckDB's
    `file_search_path`; with DuckDB alone, do the same: `duckdb.connect("data/spend.duckdb", read_only=True,
    config={"file_search_path": "data/clean/current"})`. The connection keeps reading the store that was
    current when it was opened. `PaymentsInputError` before the first build."""
    import duckdb

    from spend.core.config import data_dir as default_data_dir

    data = Path(data_dir) if data_dir else default_data_dir()
    path = duckdb_path(data)
    store = store_dir(data)
    if store is None or not (store / DATABASE).is_file():
        raise PaymentsInputError(path, "no store here; run `spend build` first")
    return duckdb.connect(str(store / DATABASE), read_only=True, config={"file_search_path": _search_path(store, path)})


def _search_path(store: Path, database: Path) -> str:
    text = str(Path(store).resolve())
    if "," in text:  # DuckDB's file_search_path is a comma-separated list
        raise PaymentsInputError(database, "DuckDB cannot find the store's files in a folder whose path holds a "
                                           "comma; move or rename the data folder")
    return text


def _check_columns(con, view: View) -> None:
    """A view's columns are its table's, in order (so every column has its comment)."""
    made = [r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = ? "
                                      "order by column_index", [view.name]).fetchall()]
    if made != list(view.table.names):
        raise schema.SchemaError(f"view {view.name} has columns {made}, not its table's {list(view.table.names)}")


def duckdb_types(table: schema.Table) -> dict[str, str]:
    """Column name -> the type DuckDB gives it (e.g. 'DECIMAL(18,2)', 'TIMESTAMP WITH TIME ZONE')."""
    import duckdb

    con = duckdb.connect()
    try:
        relation = con.from_arrow(schema.arrow_schema(table).empty_table())
        return dict(zip(relation.columns, (str(t) for t in relation.types)))
    finally:
        con.close()


# Statements that only read: a query (DESCRIBE, SHOW and SUMMARIZE are queries too) and its plan. COPY, ATTACH,
# INSTALL, SET and the like are refused even though a read-only database would let some of them through.
_READS = ("SELECT", "EXPLAIN")


def query(data_dir: Path, sql: str) -> pd.DataFrame:
    """Run one read-only statement on the store's DuckDB views. Through Arrow, so DECIMAL totals stay exact
    Decimals. A missing store or Parquet file is a `PaymentsInputError`; SQL DuckDB refuses, or that would
    write, is a `QueryError`; both name the database."""
    return query_arrow(data_dir, sql).to_pandas()


def query_arrow(data_dir: Path, sql: str) -> pa.Table:
    """`query`, as the Arrow table DuckDB gives: integers stay integers where a value is missing."""
    with open_store(data_dir) as store:
        return store.arrow(sql)


class StoreQueries:
    """Read-only statements on one store's views, as `query` runs them: all of them read the store that was
    current when it was opened, even when a build puts a new one in place meanwhile."""

    def __init__(self, con, path: Path):
        self._con, self.path = con, path

    def arrow(self, sql: str) -> pa.Table:
        import duckdb

        try:
            statements = self._con.extract_statements(sql)
            if len(statements) != 1:
                raise QueryError(self.path, f"give one SQL statement, not {len(statements)}")
            kind = statements[0].type.name
            if kind not in _READS:
                raise QueryError(self.path, f"only queries are run here, not {kind} statements")
            return self._con.sql(sql).to_arrow_table()
        except duckdb.IOException as e:
            if _names_a_store_file(str(e)):  # Parquet files removed by hand
                raise PaymentsInputError(self.path, f"the store is incomplete ({_one_line(e)}); run `spend build "
                                                    "--force`") from None
            raise QueryError(self.path, _one_line(e)) from None
        except duckdb.Error as e:
            raise QueryError(self.path, _one_line(e)) from None

    def frame(self, sql: str) -> pd.DataFrame:
        return self.arrow(sql).to_pandas()


@contextmanager
def open_store(data_dir: Path) -> Iterator[StoreQueries]:
    """`StoreQueries` on the store of `data_dir`, closed after the `with` block."""
    con = connect(data_dir)
    try:
        yield StoreQueries(con, duckdb_path(data_dir))
    finally:
        con.close()


def _names_a_store_file(message: str) -> bool:
    """Whether DuckDB's message is about a file a view reads (the views name it relative to the store)."""
    return any(f'"{v.parquet}' in message for v in VIEWS if v.parquet)


def _one_line(error: Exception) -> str:
    """DuckDB's message on one line, its hints kept ('Did you mean "payments"?'), the echo of the query and
    the caret under it left out."""
    lines = [line.strip() for line in str(error).splitlines()]
    return " ".join(line for line in lines if line and not line.startswith("LINE ") and set(line) != {"^"})
