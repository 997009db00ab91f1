"""Supplier identities in the store: every distinct published name resolved once (spend.suppliers), so one
supplier gets one id across publishers, files and awards; attached to Arrow tables by name lookup, so the
store never turns rows into Python objects."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spend.core import schema
from spend.store import cache as parse_cache

IDENTITY = ["supplier_name_raw", "publisher", "vat_number", "company_number", "supplier_code"]


@dataclass
class PaidSuppliers:
    """The payments' supplier resolution, and the published names with their identifiers."""

    resolution: object  # spend.suppliers.SupplierResolution
    names: pd.DataFrame  # distinct IDENTITY rows, with source_file

    def paid(self) -> pd.DataFrame:
        """One row per published name: supplier_name_raw, company_number, and the supplier columns
        (what `spend.suppliers.awards.resolve_award_suppliers` ties award suppliers to)."""
        numbers = self.names[["supplier_name_raw", "company_number"]].dropna(subset=["supplier_name_raw"])
        return self.resolution.names.merge(numbers, on="supplier_name_raw", how="left")


def resolve_paid_suppliers(parsed, keys: dict[str, str], cache, publishers) -> PaidSuppliers | None:
    """Resolve every distinct published supplier name of the parsed files at once; None when the store has
    no payments at all. Reads only the name and identifier columns, once per cached parse."""
    from spend.suppliers.identifiers import identifiers_from_payments
    from spend.suppliers.resolution import resolve_names

    per_parse: dict[str, tuple[pd.DataFrame, Counter]] = {}
    counts: Counter = Counter()
    distinct = []
    for f in parsed:
        key = keys[f.rel]
        if key not in per_parse:
            frame = parse_cache.read_payments(cache, key, columns=IDENTITY + ["source_locator"]).to_pandas()
            per_parse[key] = (frame.drop_duplicates(subset=IDENTITY),
                              Counter(frame["supplier_name_raw"].fillna("").tolist()))
        names, name_counts = per_parse[key]
        names = names.copy()
        names["publisher"] = names["publisher"].where(names["publisher"].notna() & (names["publisher"] != ""),
                                                      publishers[f.publisher_id].name)
        names["source_file"] = f.rel
        distinct.append(names)
        counts.update(name_counts)
    if not distinct:
        return None
    names = pd.concat(distinct, ignore_index=True).drop_duplicates(subset=IDENTITY)
    if not len(names):
        return None
    resolution = resolve_names(list(counts), counts=counts, identifiers=identifiers_from_payments(names))
    return PaidSuppliers(resolution, names)


class SupplierColumns:
    """The supplier columns of `spend.suppliers.annotate_payments`, attached to Arrow tables by name lookup
    (each distinct name was resolved once)."""

    def __init__(self, names: pd.DataFrame):
        self.raw = pa.array(names["supplier_name_raw"].tolist(), pa.string())
        self.columns = {f.name: pa.array([None if _missing(v) else v for v in names[f.name].tolist()], f.arrow_type)
                        for f in schema.SUPPLIER_FIELDS}

    @classmethod
    def none(cls) -> SupplierColumns:
        """No names resolved (a store without payments): every row gets empty supplier columns."""
        return cls(pd.DataFrame({"supplier_name_raw": [], **{f.name: [] for f in schema.SUPPLIER_FIELDS}}))

    def attach(self, table: pa.Table) -> pa.Table:
        # A blank name resolves like the empty name, as in annotate_payments.
        at = pc.index_in(pc.fill_null(table["supplier_name_raw"], ""), value_set=self.raw)
        for name, values in self.columns.items():
            table = table.append_column(name, values.take(at))
        return table


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)
