"""The canonical tables: their Arrow schemas (what Parquet and DuckDB get) pinned, and every field described.

The pins were taken from the table definitions as they stood before the fields were declared once each; a
change to a column's name, order, type or nullability has to change this file too, on purpose (since then:
`extra_fields`, the columns a publisher prints that have no canonical name, kept as JSON; the files table's
`warnings`, what each file's self-checks found, and `fetched_at`, when the file was fetched; `TRANSACTIONS`, the
columns of the store's transactions view, declared so that the data dictionary and the database comments
describe them).
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from spend.core import schema

PINNED = {
    "PAYMENTS": """
        publisher string
        department_family string
        payment_date date32[day]
        expense_type string
        expense_area string
        supplier_name_raw string
        supplier_code string
        vat_number string
        company_number string
        transaction_id string
        amount_gbp decimal128(18, 2) not null
        description string
        invoice_number string
        supplier_postcode string
        supplier_type string
        supplier_ref string
        contract_number string
        project_code string
        expenditure_code string
        expenditure_type string
        cost_centre string
        report_period string
        extra_fields string
        payment_date_raw string
        amount_raw string
        row_warnings string
        source_file string not null
        source_sha256 string not null
        source_locator string not null
    """,
    "REJECTS": """
        source_file string not null
        source_sha256 string not null
        source_locator string not null
        reason string not null
        raw string
    """,
    "STORED_PAYMENTS": """
        publisher string
        department_family string
        payment_date date32[day]
        expense_type string
        expense_area string
        supplier_name_raw string
        supplier_id string
        supplier_name string
        match_method string
        match_score double
        supplier_kind string
        supplier_group string
        supplier_sector string
        supplier_code string
        vat_number string
        company_number string
        transaction_id string
        amount_gbp decimal128(18, 2) not null
        description string
        invoice_number string
        supplier_postcode string
        supplier_type string
        supplier_ref string
        contract_number string
        project_code string
        expenditure_code string
        expenditure_type string
        cost_centre string
        report_period string
        extra_fields string
        payment_date_raw string
        amount_raw string
        row_warnings string
        source_file string not null
        source_sha256 string not null
        source_locator string not null
        publisher_id string not null
        year int32
        source_url string
        duplicate_of string
    """,
    "STORED_REJECTS": """
        publisher_id string not null
        source_file string not null
        source_sha256 string not null
        source_locator string not null
        reason string not null
        raw string
    """,
    "TRANSACTIONS": """
        publisher_id string not null
        publisher string
        transaction_id string not null
        payment_date date32[day]
        supplier_id string
        supplier_name string
        lines int64 not null
        amount_gbp decimal128(18, 2) not null
        source_file string
    """,
    "FILES": """
        publisher_id string not null
        publisher string
        source_file string not null
        source_sha256 string not null
        source_url string
        fetched_at timestamp[us, tz=UTC]
        period string
        format string
        status string not null
        error string
        rows_read int64
        rows_kept int64
        rows_rejected int64
        rows_nondata int64
        total_gbp decimal128(18, 2)
        first_payment_date date32[day]
        last_payment_date date32[day]
        warnings string
    """,
    "SUPPLIER_FIELDS": """
        supplier_id string
        supplier_name string
        match_method string
        match_score double
        supplier_kind string
        supplier_group string
        supplier_sector string
    """,
    "STORE_FIELDS": """
        publisher_id string not null
        year int32
        source_url string
        duplicate_of string
    """,
    "NOTICES": """
        ocid string
        release_id string
        date timestamp[us, tz=UTC]
        tag string
        buyer_name string
        buyer_id string
        buyer_identifier string
        title string
        description string
        value_amount decimal128(18, 2)
        value_amount_raw string
        value_currency string
        procurement_method string
        procurement_method_details string
        cpv string
        contract_period_start timestamp[us, tz=UTC]
        contract_period_end timestamp[us, tz=UTC]
        ocds_version string
        row_warnings string
        source_file string
        source_sha256 string
        source_locator string
        source_url string
    """,
    "AWARDS": """
        ocid string
        release_id string
        award_id string
        date timestamp[us, tz=UTC]
        status string
        title string
        value_amount decimal128(18, 2)
        value_amount_raw string
        value_currency string
        contract_period_start timestamp[us, tz=UTC]
        contract_period_end timestamp[us, tz=UTC]
        row_warnings string
        source_file string
        source_sha256 string
        source_locator string
        source_url string
    """,
    "AWARD_SUPPLIERS": """
        ocid string
        release_id string
        award_id string
        supplier_party_id string
        supplier_name_raw string
        identifier_scheme string
        identifier_id string
        company_number string
        sme bool
        row_warnings string
        source_file string
        source_sha256 string
        source_locator string
        source_url string
    """,
}

REQUIRED = {
    "PAYMENTS": ['supplier_name_raw', 'amount_gbp', 'amount_raw', 'source_file', 'source_sha256', 'source_locator'],
    "REJECTS": ['source_file', 'source_sha256', 'source_locator', 'reason', 'raw'],
    "STORED_PAYMENTS": ['supplier_name_raw', 'amount_gbp', 'amount_raw', 'source_file', 'source_sha256', 'source_locator', 'publisher_id'],
    "STORED_REJECTS": ['publisher_id', 'source_file', 'source_sha256', 'source_locator', 'reason', 'raw'],
    "TRANSACTIONS": ['publisher_id', 'transaction_id', 'lines', 'amount_gbp'],
    "FILES": ['publisher_id', 'source_file', 'source_sha256', 'status'],
    "SUPPLIER_FIELDS": [],
    "STORE_FIELDS": ['publisher_id'],
    "NOTICES": ['ocid', 'release_id', 'source_file', 'source_sha256', 'source_locator'],
    "AWARDS": ['ocid', 'release_id', 'source_file', 'source_sha256', 'source_locator'],
    "AWARD_SUPPLIERS": ['ocid', 'release_id', 'source_file', 'source_sha256', 'source_locator'],
}


def _pinned(table: str) -> list[tuple[str, str, bool]]:
    """(name, Arrow type as Arrow prints it, nullable) for each line of a pin."""
    out = []
    for line in PINNED[table].strip().splitlines():
        line = line.strip()
        nullable = not line.endswith(" not null")
        name, arrow_type = line.removesuffix(" not null").split(" ", 1)
        out.append((name, arrow_type, nullable))
    return out


@pytest.mark.parametrize("table", sorted(PINNED))
def test_arrow_schema_is_pinned(table):
    produced = schema.arrow_schema(getattr(schema, table))
    assert [(f.name, str(f.type), f.nullable) for f in produced] == _pinned(table)
    assert produced.metadata is None  # Parquet files carry no extra schema bytes


@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_required_columns_are_pinned(table):
    assert [f.name for f in getattr(schema, table) if f.required] == REQUIRED[table]


def test_amounts_are_exact_decimals_and_times_utc():
    assert schema.AMOUNT_TYPE == pa.decimal128(18, 2)
    assert schema.TIMESTAMP == pa.timestamp("us", tz="UTC")


ALL_TABLES = ["PAYMENTS", "REJECTS", "STORED_PAYMENTS", "STORED_REJECTS", "TRANSACTIONS", "FILES", "SUPPLIER_FIELDS", "STORE_FIELDS",
              "NOTICES", "AWARDS", "AWARD_SUPPLIERS"]


@pytest.mark.parametrize("name", ALL_TABLES)
def test_every_column_of_every_table_is_described(name):
    table = getattr(schema, name)
    described = schema.descriptions(table)
    assert list(described) == schema.column_names(table)
    for column in table:
        assert column.description.strip() == column.description and len(column.description) > 10, column.name
        assert described[column.name].startswith(column.description)


def test_each_field_is_declared_once_and_shared_by_every_table_that_has_it():
    for name in ALL_TABLES:
        for column in getattr(schema, name):
            assert column.field is schema.FIELDS[column.name]
    used = {c.name for name in ALL_TABLES for c in getattr(schema, name)}
    assert used == set(schema.FIELDS), "a declared field no table uses"


def test_money_says_its_unit():
    for field in schema.FIELDS.values():
        if field.name.endswith("_gbp"):
            assert field.unit == "GBP" and field.arrow_type == schema.AMOUNT_TYPE
    assert schema.descriptions(schema.PAYMENTS)["amount_gbp"].endswith("[GBP]")


def test_tables_are_hashable_sequences_of_columns():
    payments = schema.PAYMENTS
    assert hash(payments) == hash(schema.PAYMENTS) and {payments: 1}[schema.PAYMENTS] == 1
    assert len(payments) == len(payments.names) and payments[0].name == "publisher"
    assert [c.name for c in payments[-3:]] == ["source_file", "source_sha256", "source_locator"]
    amount = payments.column("amount_gbp")
    assert (amount.required, amount.nullable, amount.unit) == (True, False, "GBP")
    # The same field, flagged differently by two tables.
    assert schema.NOTICES.column("source_file").nullable and not payments.column("source_file").nullable


def test_a_table_survives_pickling_with_its_hash():
    import pickle

    again = pickle.loads(pickle.dumps(schema.STORED_PAYMENTS))
    assert again == schema.STORED_PAYMENTS and hash(again) == hash(schema.STORED_PAYMENTS)
    assert schema.arrow_schema(again) == schema.arrow_schema(schema.STORED_PAYMENTS)


def test_a_table_naming_an_undeclared_or_repeated_field_is_refused():
    with pytest.raises(schema.SchemaError, match="undeclared field"):
        schema.declare_table("t", ["amount_gbp", "amount_pence"])
    with pytest.raises(schema.SchemaError, match="listed twice"):
        schema.declare_table("t", ["amount_gbp", "amount_gbp"])
    with pytest.raises(schema.SchemaError, match="not required"):
        schema.declare_table("t", ["amount_gbp"], not_null=["amount_gbp"])
    with pytest.raises(schema.SchemaError, match="does not have"):
        schema.declare_table("t", ["amount_gbp"], required=["amount_raw"])


def test_enforce_still_fails_loudly_on_a_missing_required_column():
    import pandas as pd

    with pytest.raises(schema.SchemaError, match="amount_gbp"):
        schema.enforce(pd.DataFrame({"supplier_name_raw": ["A"]}), schema.PAYMENTS)
