"""spend.core.schema, from the outside: `enforce`, `to_arrow`, `column_names`, `arrow_schema`, `SchemaError`
and the table constants. Nothing here reads a Field's attributes: which columns are required is found by
asking `enforce`, and types are read from `arrow_schema`, so the module's inside can change freely.

Real frames come from parsing real files: Epsom & St Helier's April (negatives), Lambeth June 2012 (rejects).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from spend.core import schema
from spend.core.errors import SpendError
from spend.parse import parse_file

TABLES = {
    "payments": schema.PAYMENTS, "stored_payments": schema.STORED_PAYMENTS, "rejects": schema.REJECTS,
    "stored_rejects": schema.STORED_REJECTS, "transactions": schema.TRANSACTIONS, "files": schema.FILES, "notices": schema.NOTICES,
    "awards": schema.AWARDS, "award_suppliers": schema.AWARD_SUPPLIERS,
}
ROW_TABLES = ["payments", "stored_payments", "rejects", "stored_rejects", "notices", "awards", "award_suppliers"]
MONEY = pa.decimal128(18, 2)
# The parser's payments cannot do without these (found by asking enforce, see below).
PAYMENTS_REQUIRED = {"supplier_name_raw", "amount_gbp", "amount_raw", "source_file", "source_sha256", "source_locator"}
# Refusals of a frame come as SchemaError, or from Arrow (ArrowInvalid is a ValueError, ArrowTypeError a TypeError).
REFUSED = (schema.SchemaError, ValueError, TypeError)


def payment(**changes) -> pd.DataFrame:
    """One payment with only the required columns, as lists of one value."""
    row = {"supplier_name_raw": ["ACME LTD"], "amount_gbp": [Decimal("1234.56")], "amount_raw": ["1,234.56"],
           "source_file": ["april.csv"], "source_sha256": ["0" * 64], "source_locator": ["line 2"]}
    row.update({k: [v] for k, v in changes.items()})
    return pd.DataFrame(row)


@pytest.fixture(scope="module")
def epsom(realdata):
    return parse_file(realdata / "nhs-london-2020-21/EPSH/EPSH 01 - April.csv")


@pytest.fixture(scope="module")
def lambeth(realdata):
    return parse_file(realdata / "councils/lambeth/2012-06-payments.csv")


# --- the tables -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_column_names_are_unique_and_agree_with_the_arrow_schema(name):
    table = TABLES[name]
    names = schema.column_names(table)
    assert len(names) == len(set(names)) > 0
    assert schema.arrow_schema(table).names == names


@pytest.mark.parametrize("name", ROW_TABLES)
def test_every_row_can_name_its_file_and_its_place(name):
    # DESIGN.md 1: every clean row names its file and its row, and a table without them is refused.
    names = schema.column_names(TABLES[name])
    assert {"source_file", "source_sha256", "source_locator"} <= set(names)
    for column in ("source_file", "source_sha256", "source_locator"):
        frame = pd.DataFrame(columns=[c for c in names if c != column])
        with pytest.raises(schema.SchemaError, match=column):
            schema.enforce(frame, TABLES[name])


# The money columns of each table: all DECIMAL(18, 2).
MONEY_COLUMNS = {"payments": ["amount_gbp"], "stored_payments": ["amount_gbp"], "rejects": [], "stored_rejects": [],
                 "transactions": ["amount_gbp"], "files": ["total_gbp"], "notices": ["value_amount"], "awards": ["value_amount"],
                 "award_suppliers": []}


@pytest.mark.parametrize("name", TABLES)
def test_money_is_exact_decimal_never_float(name):
    fields = schema.arrow_schema(TABLES[name])
    assert [f.name for f in fields if pa.types.is_decimal(f.type)] == MONEY_COLUMNS[name]
    assert all(fields.field(m).type == MONEY for m in MONEY_COLUMNS[name])
    # Values as published stay text beside the clean ones.
    assert all(f.type == pa.string() for f in fields if f.name.endswith("_raw"))
    floats = [f.name for f in fields if pa.types.is_floating(f.type)]
    assert floats == (["match_score"] if name == "stored_payments" else [])  # a fuzzy-match score, not money


def test_the_payments_types():
    fields = schema.arrow_schema(schema.PAYMENTS)
    assert fields.field("amount_gbp").type == MONEY and not fields.field("amount_gbp").nullable
    assert fields.field("payment_date").type == pa.date32() and fields.field("payment_date").nullable
    assert [f.name for f in fields if not f.nullable] == ["amount_gbp", "source_file", "source_sha256",
                                                          "source_locator"]
    notices = schema.arrow_schema(schema.NOTICES)
    assert notices.field("date").type == pa.timestamp("us", tz="UTC")


def test_the_store_keeps_every_parser_column():
    stored = schema.column_names(schema.STORED_PAYMENTS)
    assert set(schema.column_names(schema.PAYMENTS)) < set(stored)
    assert {"publisher_id", "supplier_id", "supplier_name", "duplicate_of", "year"} <= set(stored)
    assert schema.column_names(schema.STORED_REJECTS) == ["publisher_id", *schema.column_names(schema.REJECTS)]
    # The parser's columns keep their types in the store.
    parsed, kept = schema.arrow_schema(schema.PAYMENTS), schema.arrow_schema(schema.STORED_PAYMENTS)
    assert [kept.field(f.name) for f in parsed] == list(parsed)


# --- enforce ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", schema.column_names(schema.PAYMENTS))
def test_which_payments_columns_are_required(column):
    frame = pd.DataFrame(columns=[c for c in schema.column_names(schema.PAYMENTS) if c != column])
    if column in PAYMENTS_REQUIRED:
        with pytest.raises(schema.SchemaError, match=column):
            schema.enforce(frame, schema.PAYMENTS)
    else:
        assert list(schema.enforce(frame, schema.PAYMENTS).columns) == schema.column_names(schema.PAYMENTS)


def test_enforce_names_every_missing_column():
    with pytest.raises(schema.SchemaError) as e:
        schema.enforce(pd.DataFrame({"publisher": ["x"]}), schema.PAYMENTS)
    assert all(c in str(e.value) for c in PAYMENTS_REQUIRED)


def test_enforce_adds_the_optional_columns_as_nulls_in_order_and_keeps_the_values():
    given = payment().iloc[:, ::-1]  # columns in another order
    before = given.copy()
    out = schema.enforce(given, schema.PAYMENTS)
    assert list(out.columns) == schema.column_names(schema.PAYMENTS)
    assert out["amount_gbp"].tolist() == [Decimal("1234.56")] and out["source_locator"].tolist() == ["line 2"]
    assert out.drop(columns=list(PAYMENTS_REQUIRED)).isna().all().all()
    pd.testing.assert_frame_equal(given, before)  # the frame given is not changed


def test_enforce_refuses_a_column_the_table_does_not_have():
    with pytest.raises(schema.SchemaError, match="amount_pence"):
        schema.enforce(payment(amount_pence=123456), schema.PAYMENTS)


def test_a_real_parse_is_already_in_the_payments_shape(epsom):
    out = schema.enforce(epsom.payments, schema.PAYMENTS)
    pd.testing.assert_frame_equal(out, epsom.payments)


def test_schema_errors_are_bugs_not_bad_input():
    # The CLI turns SpendError into one line for the user; a frame not matching its table is the code's fault.
    assert issubclass(schema.SchemaError, Exception) and not issubclass(schema.SchemaError, SpendError)


# --- to_arrow ---------------------------------------------------------------------------------------------


def test_a_real_parse_converts_with_exact_types_and_amounts(epsom):
    table = schema.to_arrow(epsom.payments, schema.PAYMENTS)
    assert table.schema == schema.arrow_schema(schema.PAYMENTS)
    assert table.num_rows == len(epsom.payments) == epsom.report.rows_kept
    amounts = table.column("amount_gbp").to_pylist()
    assert amounts == epsom.payments["amount_gbp"].tolist()
    assert sum(amounts, Decimal("0.00")) * 100 == epsom.report.total_pence
    assert any(a < 0 for a in amounts)  # Epsom's April has credits ("-85,260.00" style)
    assert table.column("payment_date").to_pylist() == epsom.payments["payment_date"].tolist()


def test_real_rejects_convert(lambeth):
    table = schema.to_arrow(lambeth.rejects, schema.REJECTS)
    assert table.schema == schema.arrow_schema(schema.REJECTS)
    assert table.column("source_locator").to_pylist() == lambeth.rejects["source_locator"].tolist()
    assert table.num_rows == 5


def test_to_arrow_adds_the_optional_columns_as_nulls():
    table = schema.to_arrow(payment(payment_date=dt.date(2020, 4, 30)), schema.PAYMENTS)
    assert table.schema == schema.arrow_schema(schema.PAYMENTS)
    assert table.column("payment_date").to_pylist() == [dt.date(2020, 4, 30)]
    assert table.column("publisher").null_count == 1


@pytest.mark.parametrize("amount", [Decimal("9999999999999999.99"), Decimal("-9999999999999999.99"),
                                    Decimal("0.01"), Decimal("-0.00"), Decimal("1234")])
def test_amounts_that_fit_decimal_18_2_survive_exactly(amount):
    assert schema.to_arrow(payment(amount_gbp=amount), schema.PAYMENTS).column("amount_gbp").to_pylist() == [amount]


@pytest.mark.parametrize("change", [
    {"amount_gbp": 1234.56},  # a float: never money
    {"amount_gbp": Decimal("1234.565")},  # a third decimal would be lost
    {"amount_gbp": Decimal("10000000000000000.00")},  # 19 digits do not fit DECIMAL(18, 2)
    {"amount_gbp": None},  # a payment has an amount
    {"source_file": None}, {"source_locator": None},  # and a place
])
def test_to_arrow_refuses_what_the_table_cannot_hold(change):
    with pytest.raises(REFUSED):
        schema.to_arrow(payment(**change), schema.PAYMENTS)


def test_to_arrow_enforces_first():
    with pytest.raises(schema.SchemaError, match="amount_gbp"):
        schema.to_arrow(payment().drop(columns=["amount_gbp"]), schema.PAYMENTS)
    with pytest.raises(schema.SchemaError, match="mystery"):
        schema.to_arrow(payment(mystery="x"), schema.PAYMENTS)


@pytest.mark.parametrize("name", TABLES)
def test_an_empty_table_converts_to_its_exact_schema(name):
    table = TABLES[name]
    out = schema.to_arrow(pd.DataFrame(columns=schema.column_names(table)), table)
    assert out.num_rows == 0 and out.schema == schema.arrow_schema(table)


def test_a_files_row_converts_with_counts_and_dates():
    row = pd.DataFrame({"publisher_id": ["nhs-redbridge-ccg"], "source_file": ["spend/nhs-redbridge-ccg/a.csv"],
                        "source_sha256": ["0" * 64], "status": ["parsed"], "rows_read": [169], "rows_kept": [168],
                        "rows_rejected": [0], "rows_nondata": [1], "total_gbp": [Decimal("97166591.34")],
                        "first_payment_date": [dt.date(2020, 4, 1)]})
    table = schema.to_arrow(row, schema.FILES)
    assert table.schema == schema.arrow_schema(schema.FILES)
    assert table.to_pylist() == [{**dict.fromkeys(schema.column_names(schema.FILES)),
                                  **{c: v[0] for c, v in row.items()}}]
