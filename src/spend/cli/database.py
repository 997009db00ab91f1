"""`spend sql` and `spend dictionary`: query the store's DuckDB views, and say what their columns mean."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spend.cli import common
from spend.cli.common import add_data_option, command
from spend.core.errors import SpendError

SQL_EXAMPLES = """\
examples:
  spend sql "select supplier_name, sum(amount_gbp) as total_gbp from payments_counted group by 1 order by 2 desc limit 10"
  spend sql "select publisher_id, count(*) as files, sum(rows_kept) as payments, sum(total_gbp) as total_gbp from files group by 1 order by 1"
  spend sql "select * from payments_counted where supplier_group = 'Optum / UnitedHealth'" -o optum.csv
  spend sql "select column_name, data_type, comment from duckdb_columns() where table_name = 'transactions'"
  spend sql "show tables" --csv

The views: payments (every published line), payments_counted (without the lines published twice: count and
sum these), transactions (split lines grouped), rejects, files, notices, awards, award_suppliers. What each
column holds: docs/data-dictionary.md, spend dictionary, or the database's own comments (the fourth example).
One statement that reads (select, with, from, describe, show, summarize, explain). Amounts are exact
(DECIMAL, never a float). The table shows the first --max-rows rows, long text cut short, NULL for a missing
value; --csv and -o write every row whole, a missing value as an empty cell.
"""

DICTIONARY_EXAMPLES = """\
examples:
  spend dictionary                                # Markdown on standard output
  spend dictionary -o docs/data-dictionary.md     # the committed copy (a test checks it is up to date)

One section per view of data/spend.duckdb: what a row is, what it reads, then each column's type, unit and
meaning, from spend.core.schema, where every column is declared once. The same meanings are written into the
database as comments when the store is built.
"""

MAX_CELL = 80  # characters of text a table cell shows
ELLIPSIS = "…"  # ends a cell cut short


class SqlUsageError(SpendError):
    """`spend sql` was asked for something it cannot do (an output file that is not .csv)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend sql` and `spend dictionary`."""
    q = command(subparsers, "sql", "query the store's views (read-only) and print the result",
                "Run one SQL query on the views of data/spend.duckdb (DuckDB's SQL) and print the result as a table, "
                "or as CSV.", SQL_EXAMPLES)
    q.add_argument("query", metavar="QUERY", help="one SQL statement that reads, e.g. \"select * from files\"")
    out = q.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="print the result as CSV instead of a table")
    out.add_argument("-o", "--output", type=Path, metavar="FILE.csv", help="write the result to this CSV file")
    q.add_argument("--max-rows", type=int, default=100, metavar="N",
                   help="rows the table shows (default 100; 0 for all); --csv and -o write every row")
    add_data_option(q)
    q.set_defaults(func=run_sql)

    d = command(subparsers, "dictionary", "what every view and column of the store holds, as Markdown",
                "Write what every view and column of the store holds, as Markdown.", DICTIONARY_EXAMPLES)
    d.add_argument("-o", "--output", type=Path, metavar="FILE.md", help="write it here (default: standard output)")
    d.set_defaults(func=run_dictionary)


def run_sql(args: argparse.Namespace) -> int:
    from spend.core.files import write_via_temp
    from spend.store.views import query_arrow

    if args.output and args.output.suffix.lower() != ".csv":
        raise SqlUsageError(args.output, "write the result to a .csv file")
    result = query_arrow(common.data_dir(args), args.query)
    if args.output:
        write_via_temp(args.output, lambda tmp: tmp.write_text(csv_text(result), encoding="utf-8"))
        print(f"wrote {result.num_rows} row(s) to {args.output}")
    elif args.csv:
        sys.stdout.write(csv_text(result))
    else:
        print(table_text(result, max_rows=args.max_rows))
    return 0


def run_dictionary(args: argparse.Namespace) -> int:
    from spend.core.files import write_via_temp
    from spend.store.dictionary import data_dictionary

    text = data_dictionary()
    if args.output:
        write_via_temp(args.output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def cell_text(value) -> str:
    """A value as text, exactly: Decimal as printed ('276000.00'), dates ISO; '' for a missing value."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(result) -> str:
    """An Arrow table as CSV: a header of column names, then every row."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.column_names)
    columns = [column.to_pylist() for column in result.columns]
    writer.writerows([cell_text(v) for v in row] for row in zip(*columns))
    return buffer.getvalue()


def table_text(result, *, max_rows: int = 100) -> str:
    """An Arrow table as aligned text: numbers to the right, text to the left, then how many rows there are."""
    import pyarrow as pa

    shown = result.slice(0, max_rows) if max_rows > 0 else result
    header = list(result.column_names)
    cells, right = [], []
    for field, column in zip(result.schema, shown.columns):
        right.append(pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
                     or pa.types.is_decimal(field.type))
        cells.append(["NULL" if v is None else _short(cell_text(v)) for v in column.to_pylist()])
    widths = [max([len(h), *map(len, c)]) for h, c in zip(header, cells)]

    def line(values) -> str:
        return "  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)).rstrip()

    lines = [line(header), line(["-" * w for w in widths]), *(line(row) for row in zip(*cells))]
    n = result.num_rows
    notes = [f"{shown.num_rows:,} of {n:,} rows shown, --max-rows 0 shows all" if shown.num_rows < n
             else f"{n:,} row{'' if n == 1 else 's'}"]
    if any(c.endswith(ELLIPSIS) for column in cells for c in column):
        notes.append(f"text over {MAX_CELL} characters cut short")
    if len(notes) > 1 or shown.num_rows < n:
        notes.append("--csv or -o writes every row whole")
    lines.append(f"({'; '.join(notes)})")
    return "\n".join(lines)


def _short(text: str) -> str:
    """One line of at most MAX_CELL characters."""
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + ELLIPSIS
