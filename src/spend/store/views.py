"""The embedded DuckDB database: views over the store's Parquet files (no copy of the data), each view and
column commented with its meaning, and read-only queries against it that keep DECIMAL totals exact.

`VIEWS` declares each view once: the schema table its columns are (spend.core.schema, where every column's
meaning lives), what one row is, and what it reads. The database, its comments and the data dictionary
(`spend dictionary`, docs/data-dictionary.md) are all written from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from spend.core import schema
from spend.core.errors import PaymentsInputError, SpendError


class QueryError(SpendError):
    """A query the store's database refuses: not SQL it understands, not a read, or naming what is not there."""


@dataclass(frozen=True)
class View:
    """One view of data/spend.duckdb."""

    name: str
    table: schema.Table  # its columns, in order: each one's type and meaning
    row: str  # what one row is, in one sentence
    parquet: str | None = None  # what it reads under data/clean: a .parquet file, or a folder of hive partitions
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


def duckdb_path(data_dir: Path) -> Path:
    return Path(data_dir) / "spend.duckdb"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(view: View, clean: Path, created: list[str]) -> str | None:
    """The query that makes `view`, or None when the store holds nothing for it (no notices, say)."""
    if view.sql is not None:
        return view.sql if view.over in created else None
    path = clean / view.parquet
    if path.is_dir():
        # The year partition is the schema's int32 (DuckDB would guess BIGINT from the folder names).
        source = (f"read_parquet({_literal(str(path.resolve()) + '/**/*.parquet')}, hive_partitioning = true, "
                  "hive_types = {'year': INTEGER})")
    elif path.is_file():
        source = f"read_parquet({_literal(str(path.resolve()))})"
    else:
        return None
    # The schema's columns in the schema's order (hive partition columns would otherwise come last).
    return f"select {', '.join(map(_identifier, view.table.names))} from {source}"


def _comment(con, view: View) -> None:
    """The view's row and each column's meaning (with its unit) as the database's own comments."""
    con.execute(f"comment on view {view.name} is {_literal(view.row)}")
    for column, meaning in schema.descriptions(view.table).items():
        con.execute(f"comment on column {view.name}.{_identifier(column)} is {_literal(meaning)}")


def write_duckdb(data_dir: Path) -> Path:
    """The views of `VIEWS` that the store has files for, commented; notices/awards/award_suppliers only when
    the store holds notices. Written to a temporary file and renamed, so readers never see half of it."""
    import duckdb

    clean = Path(data_dir) / "clean"
    target = duckdb_path(data_dir)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            created: list[str] = []
            for view in VIEWS:
                select = _select(view, clean, created)
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
    import duckdb

    path = duckdb_path(data_dir)
    if not path.is_file():
        raise PaymentsInputError(path, "no store here; run `spend build` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        statements = con.extract_statements(sql)
        if len(statements) != 1:
            raise QueryError(path, f"give one SQL statement, not {len(statements)}")
        kind = statements[0].type.name
        if kind not in _READS:
            raise QueryError(path, f"only queries are run here, not {kind} statements")
        return con.sql(sql).to_arrow_table()
    except duckdb.IOException as e:
        if _names_a_store_file(str(e)):  # Parquet files removed by hand, or the data folder moved
            raise PaymentsInputError(path, f"the store is incomplete ({_one_line(e)}); run `spend build --force`") \
                from None
        raise QueryError(path, _one_line(e)) from None
    except duckdb.Error as e:
        raise QueryError(path, _one_line(e)) from None
    finally:
        con.close()


def _names_a_store_file(message: str) -> bool:
    """Whether DuckDB's message is about a file a view reads (the views hold its absolute path)."""
    return any(f"{os.sep}clean{os.sep}{v.parquet}" in message for v in VIEWS if v.parquet)


def _one_line(error: Exception) -> str:
    """DuckDB's message on one line, its hints kept ('Did you mean "payments"?'), the echo of the query and
    the caret under it left out."""
    lines = [line.strip() for line in str(error).splitlines()]
    return " ".join(line for line in lines if line and not line.startswith("LINE ") and set(line) != {"^"})
