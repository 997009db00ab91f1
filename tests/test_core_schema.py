"""The canonical tables: their Arrow schemas (what Parquet and DuckDB get) pinned, and every field described.

The pins were taken from the table definitions as they stood before the fields were declared once each; a
change to a column's name, order, type or nullability has to change this file too, on purpose.
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
    "FILES": """
        publisher_id string not null
        publisher string
        source_file string not null
        source_sha256 string not null
        source_url string
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
