"""The canonical tables: column names, types and meanings in one place.

`enforce(frame, TABLE)` orders the columns, adds missing optional ones as nulls and
fails loudly when a required column is absent. Money is exact: `amount_gbp` holds
`decimal.Decimal` values with two places (Parquet/DuckDB type DECIMAL(18, 2)); never floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Field:
    name: str
    arrow_type: pa.DataType
    required: bool  # the column must be present
    description: str
    nullable: bool = True  # a value may be missing (a supplier left blank by the publisher)


AMOUNT_TYPE = pa.decimal128(18, 2)

PAYMENTS: tuple[Field, ...] = (
    Field("publisher", pa.string(), False, "Publishing body, from the file's Entity/Body column or given by the user"),
    Field("department_family", pa.string(), False, "Department family as published (e.g. 'Department of Health')"),
    Field("payment_date", pa.date32(), False, "Date of payment (ISO); null only when the publisher left it blank"),
    Field("expense_type", pa.string(), False, "Expense type as published"),
    Field("expense_area", pa.string(), False, "Expense area as published"),
    Field("supplier_name_raw", pa.string(), True, "Supplier exactly as published, codes and all"),
    Field("supplier_code", pa.string(), False, "A code glued onto the supplier name (e.g. 'UK0479435601', '03529700')"),
    Field("vat_number", pa.string(), False, "Supplier VAT registration number where published"),
    Field("company_number", pa.string(), False, "Companies House number where published or glued onto the name"),
    Field("transaction_id", pa.string(), False, "Transaction number/reference as published"),
    Field("amount_gbp", AMOUNT_TYPE, True, "Amount in pounds, exact to the penny; negative for credits", nullable=False),
    # Optional columns some publishers add; kept rather than dropped.
    Field("description", pa.string(), False, "Free-text description of the spend"),
    Field("invoice_number", pa.string(), False, "Publisher's invoice or purchase invoice number"),
    Field("supplier_postcode", pa.string(), False, "Supplier post code"),
    Field("supplier_type", pa.string(), False, "Publisher's supplier type (e.g. 'VENDOR')"),
    Field("supplier_ref", pa.string(), False, "Publisher's own supplier identifier"),
    Field("contract_number", pa.string(), False, "Contract number"),
    Field("project_code", pa.string(), False, "Project code"),
    Field("expenditure_code", pa.string(), False, "Publisher's expenditure (ledger) code"),
    Field("expenditure_type", pa.string(), False, "Capital/revenue or programme/administration as published"),
    Field("cost_centre", pa.string(), False, "Cost centre"),
    Field("report_period", pa.string(), False, "Reporting month as printed in the file (e.g. 'Jun-20')"),
    # Raw values beside the clean ones, for audit.
    Field("payment_date_raw", pa.string(), False, "The date cell as published"),
    Field("amount_raw", pa.string(), True, "The amount cell as published"),
    Field("row_warnings", pa.string(), False, "Anything odd about a kept row (e.g. 'date blank')"),
    # Provenance.
    Field("source_file", pa.string(), True, "Path of the publisher's file as given to the parser", nullable=False),
    Field("source_sha256", pa.string(), True, "sha256 of the file's bytes", nullable=False),
    Field("source_locator", pa.string(), True, "Where the row is in the file: 'row 12', \"sheet 'Sheet1' row 12\", 'page 3 line 14'", nullable=False),
)

# The store's payments table (`data/clean/payments/`): the parser's columns plus who the supplier is
# (spend.suppliers), which registered publisher the file belongs to, where the file came from, and
# whether the same transaction was already published in another file.
SUPPLIER_FIELDS: tuple[Field, ...] = (
    Field("supplier_id", pa.string(), False, "Stable supplier identity (spend.suppliers); same id across runs"),
    Field("supplier_name", pa.string(), False, "Canonical display name of the supplier"),
    Field("match_method", pa.string(), False, "How the name was tied to the supplier: exact, identifier, fuzzy, override, excluded"),
    Field("match_score", pa.float64(), False, "Score of the match, 0-100 (100 for exact and identifier matches)"),
    Field("supplier_kind", pa.string(), False, "organisation, person, code_only, or why it is no supplier (redacted, total, ...)"),
    Field("supplier_group", pa.string(), False, "Corporate group, kept apart from the legal entity (e.g. 'Optum / UnitedHealth')"),
    Field("supplier_sector", pa.string(), False, "nhs, public, charity, company, individual, excluded or unknown (spend.suppliers.sectors)"),
)
STORE_FIELDS: tuple[Field, ...] = (
    Field("publisher_id", pa.string(), True, "Registry slug of the publisher the file was filed under", nullable=False),
    Field("year", pa.int32(), False, "Year of payment_date (the partition key); null when the date is blank"),
    Field("source_url", pa.string(), False, "Where the file was downloaded from (or file:// for a local import)"),
    Field("duplicate_of", pa.string(), False, "For a transaction published again in a later file: 'file | locator' of the first publication"),
)
STORED_PAYMENTS: tuple[Field, ...] = (
    *PAYMENTS[:6], *SUPPLIER_FIELDS, *PAYMENTS[6:], *STORE_FIELDS,
)

REJECTS: tuple[Field, ...] = (
    Field("source_file", pa.string(), True, "Path of the file", nullable=False),
    Field("source_sha256", pa.string(), True, "sha256 of the file's bytes", nullable=False),
    Field("source_locator", pa.string(), True, "Where the row is in the file", nullable=False),
    Field("reason", pa.string(), True, "Why the row was not kept", nullable=False),
    Field("raw", pa.string(), True, "The row's cells as published, joined with ' | '"),
)


# The store's rejects (`data/clean/rejects.parquet`): the parser's rejects, filed under their publisher.
STORED_REJECTS: tuple[Field, ...] = (
    Field("publisher_id", pa.string(), True, "Registry slug of the publisher the file was filed under", nullable=False),
    *REJECTS,
)

# One row per raw file the store knows (`data/clean/files.parquet`): what happened to it.
FILES: tuple[Field, ...] = (
    Field("publisher_id", pa.string(), True, "Registry slug of the publisher", nullable=False),
    Field("publisher", pa.string(), False, "Publisher's name in the registry"),
    Field("source_file", pa.string(), True, "Path under data/raw", nullable=False),
    Field("source_sha256", pa.string(), True, "sha256 of the file's bytes", nullable=False),
    Field("source_url", pa.string(), False, "Where it was fetched from"),
    Field("period", pa.string(), False, "Period the file covers, from its name or link text (e.g. '2020-04')"),
    Field("format", pa.string(), False, "csv, xls, xlsx or pdf, found from the bytes"),
    Field("status", pa.string(), True, "parsed, or failed", nullable=False),
    Field("error", pa.string(), False, "For a failed file: the error class and reason"),
    Field("rows_read", pa.int64(), False, "Rows read from the file"),
    Field("rows_kept", pa.int64(), False, "Payments kept"),
    Field("rows_rejected", pa.int64(), False, "Rows rejected, each with a reason in rejects"),
    Field("rows_nondata", pa.int64(), False, "Titles, headers, totals, blanks"),
    Field("total_gbp", AMOUNT_TYPE, False, "Sum of the file's kept payments"),
    Field("first_payment_date", pa.date32(), False, "Earliest payment date in the file"),
    Field("last_payment_date", pa.date32(), False, "Latest payment date in the file"),
)


# The notices tables (`data/clean/{notices,awards,award_suppliers}.parquet`, spend.notices): Contracts
# Finder and Find a Tender releases flattened, every row naming the stored file and the place in it.
TIMESTAMP = pa.timestamp("us", tz="UTC")

_PROVENANCE = (
    Field("row_warnings", pa.string(), False, "What was repaired or odd in this row (e.g. 'buyer_name: HTML unescaped')"),
    Field("source_file", pa.string(), True, "Path of the stored file the row was read from"),
    Field("source_sha256", pa.string(), True, "sha256 of that file's bytes"),
    Field("source_locator", pa.string(), True, "Where in the file: 'releases[3]', 'releases[0].awards[1].suppliers[2]'"),
    Field("source_url", pa.string(), False, "URL the file was fetched from (null for files not fetched by spend)"),
)

NOTICES: tuple[Field, ...] = (
    Field("ocid", pa.string(), True, "Open Contracting ID of the procurement"),
    Field("release_id", pa.string(), True, "Release id, unique within the ocid"),
    Field("date", TIMESTAMP, False, "Release date (UTC)"),
    Field("tag", pa.string(), False, "Release tags joined by ',' (e.g. 'tender', 'award')"),
    Field("buyer_name", pa.string(), False, "Buyer as published, HTML escaping undone"),
    Field("buyer_id", pa.string(), False, "Buyer's id as published (in OCDS 1.1 a party id, unique only within the release)"),
    Field("buyer_identifier", pa.string(), False, "Buyer's organisation identifier, scheme-id (e.g. 'GB-SRS-...'), when published"),
    Field("title", pa.string(), False, "Tender title"),
    Field("description", pa.string(), False, "Tender description, <br/> as line breaks"),
    Field("value_amount", AMOUNT_TYPE, False, "Tender value, exact to the penny; null if not representable (see raw)"),
    Field("value_amount_raw", pa.string(), False, "Tender value exactly as published"),
    Field("value_currency", pa.string(), False, "Currency of the tender value (e.g. 'GBP')"),
    Field("procurement_method", pa.string(), False, "OCDS procurementMethod code (open, selective, limited, direct)"),
    Field("procurement_method_details", pa.string(), False, "Procedure as the publisher names it"),
    Field("cpv", pa.string(), False, "CPV codes of the tender and its items, joined by ';'"),
    Field("contract_period_start", TIMESTAMP, False, "Contract period start (UTC)"),
    Field("contract_period_end", TIMESTAMP, False, "Contract period end (UTC)"),
    Field("ocds_version", pa.string(), False, "OCDS version of the release ('1.0' when the package gives none)"),
    *_PROVENANCE,
)

AWARDS: tuple[Field, ...] = (
    Field("ocid", pa.string(), True, "Open Contracting ID of the procurement"),
    Field("release_id", pa.string(), True, "Release the award was read from"),
    Field("award_id", pa.string(), False, "Award id, unique within the ocid"),
    Field("date", TIMESTAMP, False, "Award date (UTC)"),
    Field("status", pa.string(), False, "Award status (pending, active, cancelled, unsuccessful)"),
    Field("title", pa.string(), False, "Award title"),
    Field("value_amount", AMOUNT_TYPE, False, "Award value, exact to the penny; null if not representable (see raw)"),
    Field("value_amount_raw", pa.string(), False, "Award value exactly as published"),
    Field("value_currency", pa.string(), False, "Currency of the award value"),
    Field("contract_period_start", TIMESTAMP, False, "Contract period start (UTC)"),
    Field("contract_period_end", TIMESTAMP, False, "Contract period end (UTC)"),
    *_PROVENANCE,
)

AWARD_SUPPLIERS: tuple[Field, ...] = (
    Field("ocid", pa.string(), True, "Open Contracting ID of the procurement"),
    Field("release_id", pa.string(), True, "Release the award was read from"),
    Field("award_id", pa.string(), False, "Award the supplier won"),
    Field("supplier_party_id", pa.string(), False, "The supplier's party id (unique only within the release)"),
    Field("supplier_name_raw", pa.string(), False, "Supplier as published, HTML escaping undone, not otherwise normalised"),
    Field("identifier_scheme", pa.string(), False, "Identifier scheme (e.g. 'GB-COH', 'GB-CQC')"),
    Field("identifier_id", pa.string(), False, "Identifier as published"),
    Field("company_number", pa.string(), False, "Companies House number (8 characters) when the scheme is GB-COH"),
    Field("sme", pa.bool_(), False, "Supplier is a small or medium enterprise, as the publisher says"),
    *_PROVENANCE,
)

# The store's award_suppliers table: each award's supplier tied to the suppliers that were paid
# (spend.suppliers.awards), so awards and payments join on supplier_id.
STORED_AWARD_SUPPLIERS: tuple[Field, ...] = (*AWARD_SUPPLIERS[:5], *SUPPLIER_FIELDS, *AWARD_SUPPLIERS[5:])


class SchemaError(Exception):
    """A frame does not match its table definition (a bug, not bad input)."""


def column_names(table: tuple[Field, ...]) -> list[str]:
    return [f.name for f in table]


def enforce(frame: pd.DataFrame, table: tuple[Field, ...]) -> pd.DataFrame:
    """Return `frame` with exactly the table's columns, in order; add absent optional ones as nulls."""
    missing = [f.name for f in table if f.required and f.name not in frame.columns]
    if missing:
        raise SchemaError(f"missing required column(s): {', '.join(missing)}")
    extra = [c for c in frame.columns if c not in {f.name for f in table}]
    if extra:
        raise SchemaError(f"unexpected column(s): {', '.join(extra)}")
    out = frame.copy()
    for f in table:
        if f.name not in out.columns:
            out[f.name] = None
    return out[column_names(table)]


def arrow_schema(table: tuple[Field, ...]) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.arrow_type, nullable=f.nullable) for f in table])


def to_arrow(frame: pd.DataFrame, table: tuple[Field, ...]) -> pa.Table:
    """Convert an enforced frame to Arrow with the table's exact types (Decimal stays Decimal)."""
    frame = enforce(frame, table)
    return pa.Table.from_pandas(frame, schema=arrow_schema(table), preserve_index=False)
