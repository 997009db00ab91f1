"""The canonical tables: column names, types and meanings in one place.

Each field is declared once, in `FIELDS` (name, Arrow type, what it holds in every table it appears in, and
its unit where it has one); each table is a list of field names plus which of them must be present
(`required`) and which may not hold nulls (`not_null`). Iterating a table gives its columns, each with the
field's `.name`, `.arrow_type`, `.description`, `.unit` and the table's `.required` and `.nullable`.

`enforce(frame, TABLE)` orders the columns, adds missing optional ones as nulls and fails loudly when a
required column is absent. Money is exact: `amount_gbp` holds `decimal.Decimal` values with two places
(Parquet/DuckDB type DECIMAL(18, 2)); never floats. `descriptions(TABLE)` gives each column's meaning, for
documentation and database comments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from spend.core.money import AMOUNT_DIGITS

AMOUNT_TYPE = pa.decimal128(AMOUNT_DIGITS, 2)
# The notices tables (Contracts Finder and Find a Tender releases) keep release and contract times in UTC.
TIMESTAMP = pa.timestamp("us", tz="UTC")
GBP = "GBP"


class SchemaError(Exception):
    """A frame does not match its table definition (a bug, not bad input)."""


@dataclass(frozen=True)
class Field:
    """One field, declared once: the same name means the same thing, with the same type, in every table."""

    name: str
    arrow_type: pa.DataType
    description: str
    unit: str | None = None  # 'GBP' for money in pounds; None where the value has no unit


@dataclass(frozen=True)
class Column:
    """A field as one table holds it: whether the column must be present, and whether it may be null."""

    field: Field
    required: bool = False  # the column must be present
    nullable: bool = True  # a value may be missing (a supplier left blank by the publisher)

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def arrow_type(self) -> pa.DataType:
        return self.field.arrow_type

    @property
    def description(self) -> str:
        return self.field.description

    @property
    def unit(self) -> str | None:
        return self.field.unit


@dataclass(frozen=True)
class Table(Sequence):
    """A table's columns, in order. Hashable (its hash is computed once), so it can key a cache."""

    name: str
    columns: tuple[Column, ...]
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise SchemaError(f"table {self.name}: column(s) {', '.join(repeated)} listed twice")
        object.__setattr__(self, "_hash", hash((self.name, self.columns)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):  # rebuilt on unpickling, so the hash is this process's (string hashes are salted)
        return Table, (self.name, self.columns)

    def __iter__(self):
        return iter(self.columns)

    def __getitem__(self, index):
        return self.columns[index]

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def not_null(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.nullable)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")


def _fields(*declared: Field) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in declared:
        if f.name in out:
            raise SchemaError(f"field {f.name} declared twice")
        out[f.name] = f
    return out


_S = pa.string()

FIELDS: dict[str, Field] = _fields(
    # --- a payment, as the publisher printed it (spend.parse) ---
    Field("publisher", _S, "Publishing body's name: in payments, from the file's Entity/Body column or given by the "
          "user; in files, the name in the publisher registry"),
    Field("department_family", _S, "Department family as published (e.g. 'Department of Health')"),
    Field("payment_date", pa.date32(), "Date of payment (ISO); null only when the publisher left it blank"),
    Field("expense_type", _S, "Expense type as published"),
    Field("expense_area", _S, "Expense area as published"),
    Field("supplier_name_raw", _S, "Supplier exactly as published, codes and all; in award_suppliers only HTML "
          "escaping is undone"),
    Field("supplier_code", _S, "A code glued onto the supplier name (e.g. 'UK0479435601', '03529700')"),
    Field("vat_number", _S, "Supplier VAT registration number where published"),
    Field("company_number", _S, "Companies House number: in payments where published or glued onto the name; in "
          "award_suppliers (8 characters) when the identifier scheme is GB-COH"),
    Field("transaction_id", _S, "Transaction number/reference as published"),
    Field("amount_gbp", AMOUNT_TYPE, "Amount in pounds, exact to the penny; negative for credits", GBP),
    Field("description", _S, "Free text as published: the spend's description (payments); the tender's "
          "description, <br/> as line breaks (notices)"),
    Field("invoice_number", _S, "Publisher's invoice or purchase invoice number"),
    Field("supplier_postcode", _S, "Supplier post code"),
    Field("supplier_type", _S, "Publisher's supplier type (e.g. 'VENDOR')"),
    Field("supplier_ref", _S, "Publisher's own supplier identifier"),
    Field("contract_number", _S, "Contract number"),
    Field("project_code", _S, "Project code"),
    Field("expenditure_code", _S, "Publisher's expenditure (ledger) code"),
    Field("expenditure_type", _S, "Capital/revenue or programme/administration as published"),
    Field("cost_centre", _S, "Cost centre"),
    Field("report_period", _S, "Reporting month as printed in the file (e.g. 'Jun-20')"),
    Field("extra_fields", _S, "Columns the publisher printed that have no canonical name, as a JSON object "
          "{header as printed: value}"),
    Field("payment_date_raw", _S, "The date cell as published"),
    Field("amount_raw", _S, "The amount cell as published"),
    # --- provenance: every row names its file and its place in it ---
    Field("row_warnings", _S, "Anything odd about a kept row, or repaired in it (e.g. 'date blank', "
          "'buyer_name: HTML unescaped')"),
    Field("source_file", _S, "Path of the file the row was read from (as given to the parser; under data/raw in "
          "the store)"),
    Field("source_sha256", _S, "sha256 of that file's bytes"),
    Field("source_locator", _S, "Where the row is in the file: 'row 12', \"sheet 'Sheet1' row 12\", 'page 3 line "
          "14' in a spend file; 'releases[3]', 'releases[0].awards[1].suppliers[2]' in a notices file"),
    Field("source_url", _S, "URL the file was fetched from (file:// for a local import; null for a file spend did "
          "not fetch)"),
    Field("fetched_at", TIMESTAMP, "When the file was fetched or added (UTC), from its provenance record; null for "
          "a file spend did not fetch"),
    # --- who the supplier is (spend.suppliers) ---
    Field("supplier_id", _S, "Stable supplier identity (spend.suppliers); same id across runs"),
    Field("supplier_name", _S, "Canonical display name of the supplier"),
    Field("match_method", _S, "How the name was tied to the supplier: exact, identifier, reference (a public body or trading name "
          "by its official identity, spend/data/public_bodies.csv), fuzzy, override, excluded"),
    Field("match_score", pa.float64(), "Score of the match, 0-100 (100 for exact, identifier and reference matches)"),
    Field("supplier_kind", _S, "organisation, person, code_only, or why it is no supplier (redacted, total, ...)"),
    Field("supplier_group", _S, "Corporate group, kept apart from the legal entity (e.g. 'Optum / UnitedHealth')"),
    Field("supplier_sector", _S, "nhs, public, charity, company, individual, excluded or unknown "
          "(spend.suppliers.sectors)"),
    # --- the store (spend.store) ---
    Field("publisher_id", _S, "Registry slug of the publisher the file was filed under (spend/data/publishers.yaml)"),
    Field("year", pa.int32(), "Year of payment_date (the partition key); null when the date is blank"),
    Field("duplicate_of", _S, "For a transaction published again in a later file: 'file | locator' of the first "
          "publication"),
    Field("lines", pa.int64(), "Payment lines grouped into the transaction", "rows"),
    Field("reason", _S, "Why the row was not kept"),
    Field("raw", _S, "The row's cells as published, joined with ' | '"),
    Field("period", _S, "Period the file covers, from its name or link text (e.g. '2020-04')"),
    Field("format", _S, "csv, xls, xlsx or pdf, found from the bytes"),
    Field("status", _S, "What became of it: a file is parsed or failed (files); an award is pending, active, "
          "cancelled or unsuccessful (awards, as published)"),
    Field("error", _S, "For a failed file: the error class and reason"),
    Field("rows_read", pa.int64(), "Rows read from the file", "rows"),
    Field("rows_kept", pa.int64(), "Payments kept", "rows"),
    Field("rows_rejected", pa.int64(), "Rows rejected, each with a reason in rejects", "rows"),
    Field("rows_nondata", pa.int64(), "Titles, headers, totals, blanks", "rows"),
    Field("total_gbp", AMOUNT_TYPE, "Sum of the file's kept payments", GBP),
    Field("first_payment_date", pa.date32(), "Earliest payment date in the file"),
    Field("last_payment_date", pa.date32(), "Latest payment date in the file"),
    Field("warnings", _S, "What the file's self-checks found, '; '-separated: a total or figure the file prints "
          "that is not the sum of its lines, rows flagged as implausible"),
    # --- contract notices (spend.notices): OCDS releases flattened ---
    Field("ocid", _S, "Open Contracting ID of the procurement"),
    Field("release_id", _S, "Release id, unique within the ocid: the release the row was read from"),
    Field("date", TIMESTAMP, "Date (UTC) of the release (notices) or of the award (awards)"),
    Field("tag", _S, "Release tags joined by ',' (e.g. 'tender', 'award')"),
    Field("buyer_name", _S, "Buyer as published, HTML escaping undone"),
    Field("buyer_id", _S, "Buyer's id as published (in OCDS 1.1 a party id, unique only within the release)"),
    Field("buyer_identifier", _S, "Buyer's organisation identifier, scheme-id (e.g. 'GB-SRS-...'), when published"),
    Field("title", _S, "Title of the tender (notices) or of the award (awards)"),
    Field("value_amount", AMOUNT_TYPE, "Value of the tender (notices) or of the award (awards) in value_currency, "
          "exact to the penny; null if not representable (see value_amount_raw)"),
    Field("value_amount_raw", _S, "value_amount exactly as published"),
    Field("value_currency", _S, "Currency of value_amount (e.g. 'GBP')"),
    Field("procurement_method", _S, "OCDS procurementMethod code (open, selective, limited, direct)"),
    Field("procurement_method_details", _S, "Procedure as the publisher names it"),
    Field("cpv", _S, "CPV codes of the tender and its items, joined by ';'"),
    Field("contract_period_start", TIMESTAMP, "Contract period start (UTC)"),
    Field("contract_period_end", TIMESTAMP, "Contract period end (UTC)"),
    Field("ocds_version", _S, "OCDS version of the release ('1.0' when the package gives none)"),
    Field("award_id", _S, "Award id, unique within the ocid (in award_suppliers: the award the supplier won)"),
    Field("supplier_party_id", _S, "The supplier's party id (unique only within the release)"),
    Field("identifier_scheme", _S, "Identifier scheme (e.g. 'GB-COH', 'GB-CQC')"),
    Field("identifier_id", _S, "Identifier as published"),
    Field("sme", pa.bool_(), "Supplier is a small or medium enterprise, as the publisher says"),
)


def declare_table(name: str, fields: Iterable[str], *, required: Iterable[str] = (), not_null: Iterable[str] = ()) -> Table:
    """A table of the declared `fields`, in order. A column that may not hold nulls must also be required
    (an absent optional column is filled with nulls)."""
    fields, required, not_null = list(fields), set(required), set(not_null)
    unknown = [n for n in [*fields, *required, *not_null] if n not in FIELDS]
    if unknown:
        raise SchemaError(f"table {name}: undeclared field(s) {', '.join(unknown)}")
    stray = sorted((required | not_null) - set(fields))
    if stray:
        raise SchemaError(f"table {name}: flags for column(s) it does not have: {', '.join(stray)}")
    if not_null - required:
        raise SchemaError(f"table {name}: non-null column(s) not required: {', '.join(sorted(not_null - required))}")
    return Table(name, tuple(Column(FIELDS[n], n in required, n not in not_null) for n in fields))


def join_tables(name: str, *parts: Iterable[Column]) -> Table:
    """A table made of other tables' columns (flags and all), in the order given."""
    return Table(name, tuple(c for part in parts for c in part))


_SOURCE = ("source_file", "source_sha256", "source_locator")

# One row per payment line of a published file (spend.parse).
PAYMENTS = declare_table(
    "payments",
    [
        "publisher", "department_family", "payment_date", "expense_type", "expense_area", "supplier_name_raw",
        "supplier_code", "vat_number", "company_number", "transaction_id", "amount_gbp",
        # Optional columns some publishers add; kept rather than dropped.
        "description", "invoice_number", "supplier_postcode", "supplier_type", "supplier_ref", "contract_number",
        "project_code", "expenditure_code", "expenditure_type", "cost_centre", "report_period", "extra_fields",
        # Raw values beside the clean ones, for audit.
        "payment_date_raw", "amount_raw", "row_warnings",
        *_SOURCE,
    ],
    required=["supplier_name_raw", "amount_gbp", "amount_raw", *_SOURCE],
    not_null=["amount_gbp", *_SOURCE],
)

# The rows of a file that are not payments, each with why (spend.parse).
REJECTS = declare_table("rejects", [*_SOURCE, "reason", "raw"], required=[*_SOURCE, "reason", "raw"],
                        not_null=[*_SOURCE, "reason"])

# The store's payments table (`data/clean/current/payments/`): the parser's columns plus who the supplier is
# (spend.suppliers), which registered publisher the file belongs to, where the file came from, and
# whether the same transaction was already published in another file.
SUPPLIER_FIELDS = declare_table("supplier_fields", ["supplier_id", "supplier_name", "match_method", "match_score",
                                                    "supplier_kind", "supplier_group", "supplier_sector"])
STORE_FIELDS = declare_table("store_fields", ["publisher_id", "year", "source_url", "duplicate_of"],
                             required=["publisher_id"], not_null=["publisher_id"])
_AFTER_NAME = PAYMENTS.names.index("supplier_name_raw") + 1  # who the supplier is follows the published name
STORED_PAYMENTS = join_tables("stored_payments", PAYMENTS[:_AFTER_NAME], SUPPLIER_FIELDS, PAYMENTS[_AFTER_NAME:],
                              STORE_FIELDS)

# The store's rejects (`data/clean/current/rejects.parquet`): the parser's rejects, filed under their publisher.
STORED_REJECTS = join_tables("stored_rejects", [STORE_FIELDS.column("publisher_id")], REJECTS)

# The store's transactions: the counted payment lines (not republished) of one transaction number of a
# publisher, grouped (a payment can be split over several lines sharing a transaction number).
TRANSACTIONS = declare_table(
    "transactions",
    ["publisher_id", "publisher", "transaction_id", "payment_date", "supplier_id", "supplier_name", "lines",
     "amount_gbp", "source_file"],
    required=["publisher_id", "transaction_id", "lines", "amount_gbp"],
    not_null=["publisher_id", "transaction_id", "lines", "amount_gbp"],
)

# One row per raw file the store knows (`data/clean/current/files.parquet`): what happened to it.
FILES = declare_table(
    "files",
    ["publisher_id", "publisher", "source_file", "source_sha256", "source_url", "fetched_at", "period", "format",
     "status", "error",
     "rows_read", "rows_kept", "rows_rejected", "rows_nondata", "total_gbp", "first_payment_date", "last_payment_date",
     "warnings"],
    required=["publisher_id", "source_file", "source_sha256", "status"],
    not_null=["publisher_id", "source_file", "source_sha256", "status"],
)

# The notices tables (`data/clean/current/{notices,awards,award_suppliers}.parquet`, spend.notices): Contracts
# Finder and Find a Tender releases flattened, every row naming the stored file and the place in it.
_NOTICE_PROVENANCE = ("row_warnings", *_SOURCE, "source_url")
_NOTICE_REQUIRED = ("ocid", "release_id", *_SOURCE)

NOTICES = declare_table(
    "notices",
    ["ocid", "release_id", "date", "tag", "buyer_name", "buyer_id", "buyer_identifier", "title", "description",
     "value_amount", "value_amount_raw", "value_currency", "procurement_method", "procurement_method_details", "cpv",
     "contract_period_start", "contract_period_end", "ocds_version", *_NOTICE_PROVENANCE],
    required=_NOTICE_REQUIRED,
)
AWARDS = declare_table(
    "awards",
    ["ocid", "release_id", "award_id", "date", "status", "title", "value_amount", "value_amount_raw",
     "value_currency", "contract_period_start", "contract_period_end", *_NOTICE_PROVENANCE],
    required=_NOTICE_REQUIRED,
)
AWARD_SUPPLIERS = declare_table(
    "award_suppliers",
    ["ocid", "release_id", "award_id", "supplier_party_id", "supplier_name_raw", "identifier_scheme",
     "identifier_id", "company_number", "sme", *_NOTICE_PROVENANCE],
    required=_NOTICE_REQUIRED,
)

# The store's award_suppliers table: each award's supplier tied to the suppliers that were paid
# (spend.suppliers.awards), so awards and payments join on supplier_id.
_AFTER_SUPPLIER = AWARD_SUPPLIERS.names.index("supplier_name_raw") + 1
STORED_AWARD_SUPPLIERS = join_tables("stored_award_suppliers", AWARD_SUPPLIERS[:_AFTER_SUPPLIER], SUPPLIER_FIELDS,
                                     AWARD_SUPPLIERS[_AFTER_SUPPLIER:])

TABLES: dict[str, Table] = {t.name: t for t in (PAYMENTS, REJECTS, STORED_PAYMENTS, STORED_REJECTS, TRANSACTIONS, FILES,
                                                 NOTICES, AWARDS, AWARD_SUPPLIERS, STORED_AWARD_SUPPLIERS)}


def column_names(table: Iterable[Column]) -> list[str]:
    return [f.name for f in table]


def descriptions(table: Iterable[Column]) -> dict[str, str]:
    """Column name -> what it holds, with its unit where it has one (e.g. for database column comments)."""
    return {c.name: f"{c.description} [{c.unit}]" if c.unit else c.description for c in table}


def enforce(frame: pd.DataFrame, table: Iterable[Column]) -> pd.DataFrame:
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


def arrow_schema(table: Iterable[Column]) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.arrow_type, nullable=f.nullable) for f in table])


def to_arrow(frame: pd.DataFrame, table: Iterable[Column]) -> pa.Table:
    """Convert an enforced frame to Arrow with the table's exact types (Decimal stays Decimal)."""
    frame = enforce(frame, table)
    return pa.Table.from_pandas(frame, schema=arrow_schema(table), preserve_index=False)
