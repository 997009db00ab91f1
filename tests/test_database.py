"""The store's database as analysts meet it: each view declared once (spend.store.views.VIEWS), every view and
column commented with its schema meaning, the committed data dictionary, and `spend sql`."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyarrow as pa
import pytest

from spend.cli import main
from spend.cli.database import csv_text, table_text
from spend.core import schema
from spend.core.config import PROJECT_ROOT
from spend.store.dictionary import DOCS_PATH, REGENERATE, data_dictionary
from spend.store.views import VIEWS, connect, duckdb_types

OPTUM_AT_HOUNSLOW = ("select sum(amount_gbp) as total_gbp from payments_counted "
                     "where publisher_id = 'nhs-hounslow-ccg' and supplier_group = 'Optum / UnitedHealth'")


# --- the declarations ---------------------------------------------------------------------------------------


def test_the_views_are_the_ones_the_readme_names_each_declared_once():
    names = [v.name for v in VIEWS]
    assert names == ["payments", "payments_counted", "transactions", "rejects", "files", "notices", "awards",
                     "award_suppliers"]
    for i, view in enumerate(VIEWS):
        assert view.row.endswith(".") and view.row.count(". ") == 0, f"{view.name}: say what a row is in one sentence"
        assert (view.parquet is None) == (view.sql is not None), view.name  # reads Parquet, or is a query
        if view.sql is not None:
            assert view.over in names[:i] and f"from {view.over} " in view.sql, view.name


def test_the_committed_data_dictionary_is_up_to_date():
    committed = (PROJECT_ROOT / DOCS_PATH).read_text(encoding="utf-8")
    assert committed == data_dictionary(), f"{DOCS_PATH} is out of date: regenerate it with `{REGENERATE}`"


def test_the_dictionary_lists_every_column_of_every_view_with_its_unit():
    text = data_dictionary()
    sections = text.split("\n## ")[1:]
    assert [s.split("\n", 1)[0] for s in sections] == [v.name for v in VIEWS]
    for view, section in zip(VIEWS, sections):
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert [r.split("`")[1] for r in rows] == list(view.table.names)
    assert "| `amount_gbp` | DECIMAL(18,2) | GBP | Amount in pounds, exact to the penny; negative for credits |" in text
    assert "| `lines` | BIGINT | rows |" in text
    # A '|' inside a meaning is escaped, so the row keeps its four cells.
    assert "'file \\| locator' of the first publication |" in text


def test_spend_dictionary_writes_the_file(tmp_path, capsys):
    out = tmp_path / "dictionary.md"
    assert main(["dictionary", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == data_dictionary()
    assert main(["dictionary"]) == 0
    assert capsys.readouterr().out.endswith(data_dictionary())


# --- a built store ------------------------------------------------------------------------------------------


@pytest.mark.slow  # the fixture store
def test_every_view_and_every_column_of_the_store_carries_its_meaning(fixture_store):
    con = connect(fixture_store)
    try:
        views = dict(con.execute("select view_name, comment from duckdb_views() where not internal").fetchall())
        assert views == {v.name: v.row for v in VIEWS}
        for view in VIEWS:
            columns = con.execute("select column_name, data_type, comment from duckdb_columns() "
                                  "where table_name = ? order by column_index", [view.name]).fetchall()
            meanings, types = schema.descriptions(view.table), duckdb_types(view.table)
            assert [c[0] for c in columns] == list(view.table.names), view.name
            for name, data_type, comment in columns:
                assert comment == meanings[name], f"{view.name}.{name}"
                assert data_type == types[name], f"{view.name}.{name}"  # the dictionary's type is the store's
        money = con.execute("select comment from duckdb_columns() where table_name = 'transactions' "
                            "and column_name = 'amount_gbp'").fetchone()[0]
        assert money == "Amount in pounds, exact to the penny; negative for credits [GBP]"
    finally:
        con.close()


@pytest.mark.slow  # the fixture store
def test_spend_sql_prints_the_exact_total_as_a_table_and_as_csv(fixture_store, tmp_path, capsys):
    assert main(["sql", OPTUM_AT_HOUNSLOW, "--data", str(fixture_store)]) == 0
    assert capsys.readouterr().out.splitlines() == ["total_gbp", "---------", "276000.00", "(1 row)"]

    top = ("select supplier_name, sum(amount_gbp) as total_gbp, count(*) as payments from payments_counted "
           "group by 1 order by 2 desc limit 10")
    assert main(["sql", top, "--csv", "--data", str(fixture_store)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 10 and all(Decimal(r["total_gbp"]).as_tuple().exponent == -2 for r in rows)

    out = tmp_path / "optum.csv"
    assert main(["sql", "select * from payments_counted where supplier_group = 'Optum / UnitedHealth'",
                 "-o", str(out), "--data", str(fixture_store)]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    written = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(written[0]) == list(schema.STORED_PAYMENTS.names)
    hounslow = [Decimal(r["amount_gbp"]) for r in written if r["publisher_id"] == "nhs-hounslow-ccg"]
    assert sum(hounslow) == Decimal("276000.00")


@pytest.mark.slow  # the fixture store
@pytest.mark.parametrize("sql, says", [
    ("select supplier from payments", 'Binder Error: Referenced column "supplier" not found'),
    ("select * from payment", 'Did you mean "payments"?'),
    ("selec 1", "Parser Error"),
    ("copy files to 'FILE'", "only queries are run here, not COPY statements"),
    ("select 1; select 2", "give one SQL statement, not 2"),
])
def test_spend_sql_refuses_in_one_line_naming_the_store(fixture_store, tmp_path, capsys, sql, says):
    sql = sql.replace("FILE", str(tmp_path / "copy.csv"))
    assert main(["sql", sql, "--data", str(fixture_store)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {fixture_store / 'spend.duckdb'}: ") and says in err
    assert err.count("\n") == 1
    assert not (tmp_path / "copy.csv").exists()


def test_spend_sql_without_a_store_says_where_it_looked(tmp_path, capsys):
    assert main(["sql", "select 1", "--data", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'spend.duckdb'}: no store here; run `spend build` first\n"


def test_spend_sql_writes_only_csv(tmp_path, capsys):
    assert main(["sql", "select 1", "-o", str(tmp_path / "out.xlsx"), "--data", str(tmp_path)]) == 1
    assert "write the result to a .csv file" in capsys.readouterr().err


# --- how a result is shown ----------------------------------------------------------------------------------


RESULT = pa.table({
    "supplier": pa.array(["ACME LTD", None, "X" * 100]),
    "amount_gbp": pa.array([Decimal("1234.50"), Decimal("-0.01"), None], pa.decimal128(18, 2)),
    "lines": pa.array([3, None, 12], pa.int64()),
    "paid": pa.array([dt for dt in ("2020-04-30", None, "2021-03-31")], pa.string()).cast(pa.date32()),
})


def test_the_table_shows_money_exactly_numbers_right_and_missing_values_as_null():
    lines = table_text(RESULT).splitlines()
    assert lines[0].split() == ["supplier", "amount_gbp", "lines", "paid"]
    assert lines[2].split() == ["ACME", "LTD", "1234.50", "3", "2020-04-30"]
    assert lines[3].split() == ["NULL", "-0.01", "NULL", "NULL"]
    assert lines[4].startswith("X" * 79 + "…")
    assert lines[2].index("1234.50") + len("1234.50") == lines[3].index("-0.01") + len("-0.01")  # right-aligned
    assert lines[-1] == "(3 rows; text over 80 characters cut short; --csv or -o writes every row whole)"
    assert table_text(RESULT, max_rows=1).splitlines()[-1] == \
        "(1 of 3 rows shown, --max-rows 0 shows all; --csv or -o writes every row whole)"


def test_csv_keeps_every_value_whole_and_integers_integers():
    rows = list(csv.reader(io.StringIO(csv_text(RESULT))))
    assert rows == [["supplier", "amount_gbp", "lines", "paid"], ["ACME LTD", "1234.50", "3", "2020-04-30"],
                    ["", "-0.01", "", ""], ["X" * 100, "", "12", "2021-03-31"]]
