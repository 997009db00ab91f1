"""Supplier identities in the store: every distinct published name resolved once (spend.suppliers), so one
supplier gets one id across publishers, files and awards; attached to Arrow tables by name lookup, so the
store never turns rows into Python objects.

A build keeps two things under data/clean/_build/ so that the next one works only on what is new:

    names.parquet    each cached parse's distinct names and identifiers, with how many rows carry them
                     (made by the parse itself, spend.store.cache.summarise_names)
    publisher-names.parquet   the same for each publisher, with a fingerprint of its files
    suppliers.memo   each name's parse and kind, each supplier's sector and the fuzzy comparisons made
                     (spend.suppliers.resolution.ResolutionMemo), for the supplier rules it was made with
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spend.core import schema
from spend.core.files import write_via_temp
from spend.store import cache as parse_cache
from spend.store.cache import IDENTITY
from spend.store.write import write_parquet_atomic

NAMES_FILE = "names.parquet"
PUBLISHER_NAMES_FILE = "publisher-names.parquet"
PUBLISHER_NAME_COLUMNS = ["publisher_id", "fp", *IDENTITY, "source_file", "source_locator", "n"]
MEMO_FILE = "suppliers.memo"


@dataclass
class PaidSuppliers:
    """The payments' supplier resolution, and the published names with their identifiers."""

    resolution: object  # spend.suppliers.SupplierResolution
    names: pd.DataFrame  # distinct IDENTITY rows, with source_file
    by_publisher: pd.DataFrame  # distinct (publisher_id, supplier_name_raw): which names each publisher's rows carry

    def paid(self) -> pd.DataFrame:
        """One row per published name: supplier_name_raw, company_number, and the supplier columns
        (what `spend.suppliers.awards.resolve_award_suppliers` ties award suppliers to)."""
        numbers = self.names[["supplier_name_raw", "company_number"]].dropna(subset=["supplier_name_raw"])
        return self.resolution.names.merge(numbers, on="supplier_name_raw", how="left")


def resolve_paid_suppliers(parsed, keys: dict[str, str], cache: Path, publishers, version: str | None = None,
                           fresh: dict | None = None) -> PaidSuppliers | None:
    """Resolve every distinct published supplier name of the parsed files at once; None when the store has
    no payments at all.

    The names come from each publisher's summary (`publisher_names`), so only the publishers whose files
    changed are summarised again. With a `version` of the supplier rules, the work of the last resolution
    under the same rules is reused (`MEMO_FILE`), so a build that adds files works out only the names and
    pairs it has not seen. `fresh` holds the names summaries of the parses this build made."""
    from spend.suppliers.identifiers import identifiers_from_payments
    from spend.suppliers.resolution import resolve_names

    if not parsed:
        return None
    build = Path(cache).parent
    rows = publisher_names(build, Path(cache), parsed, keys, publishers, fresh or {})
    if not len(rows):
        return None
    names = rows.drop_duplicates(subset=IDENTITY)[IDENTITY + ["source_locator", "source_file"]].reset_index(drop=True)
    named = rows.assign(supplier_name_raw=rows["supplier_name_raw"].fillna(""))
    counts = {name: int(n) for name, n in named.groupby("supplier_name_raw", sort=False)["n"].sum().items()}
    by_publisher = named[["publisher_id", "supplier_name_raw"]].drop_duplicates().reset_index(drop=True)
    memo = _load_memo(build / MEMO_FILE, version) if version else None
    resolution = resolve_names(list(counts), counts=counts, identifiers=identifiers_from_payments(names),
                               memo=memo)
    if memo is not None:
        blob = pickle.dumps((version, memo), protocol=pickle.HIGHEST_PROTOCOL)
        write_via_temp(build / MEMO_FILE, lambda tmp: tmp.write_bytes(blob))
    return PaidSuppliers(resolution, names, by_publisher)


def publisher_names(build: Path, cache: Path, parsed, keys: dict[str, str], publishers, fresh: dict) -> pd.DataFrame:
    """publisher_id, IDENTITY (the publisher column filled with the registry's name where the file has
    none), source_file and source_locator of the first row, and n (rows): one row per distinct IDENTITY of
    each publisher, publishers in file order and each one's rows in the order they first appear in its files.

    Kept in `build/PUBLISHER_NAMES_FILE` with a fingerprint of each publisher's files: a publisher whose files
    are the same is taken from there, the others are summarised again from their parses' summaries."""
    by_publisher: dict[str, list] = {}
    for f in parsed:
        by_publisher.setdefault(f.publisher_id, []).append(f)
    fps = {slug: hashlib.sha256(json.dumps([slug, publishers[slug].name, [[f.rel, keys[f.rel]] for f in files]])
                                .encode()).hexdigest() for slug, files in by_publisher.items()}
    path = build / PUBLISHER_NAMES_FILE
    known = _read_arrow(path, _publisher_names_schema())
    same, recorded = set(), set()
    if known is not None:
        pairs = known.select(["publisher_id", "fp"]).group_by(["publisher_id", "fp"]).aggregate([])
        recorded = set(pairs["publisher_id"].to_pylist())
        same = {slug for slug, fp in zip(pairs["publisher_id"].to_pylist(), pairs["fp"].to_pylist())
                if fps.get(slug) == fp}
        known = known.filter(pc.is_in(known["publisher_id"], value_set=pa.array(sorted(same), pa.string())))
    stale = [slug for slug in by_publisher if slug not in same]
    pieces = [known] if known is not None and known.num_rows else []
    if stale:
        # In Arrow, not pandas: at a cold build this is every file's names (millions of rows).
        files = [f for slug in stale for f in by_publisher[slug]]
        summary = name_summary(build, cache, {keys[f.rel] for f in parsed}, {keys[f.rel] for f in files}, fresh)
        listing = pa.table({"key": [keys[f.rel] for f in files], "source_file": [f.rel for f in files],
                            "publisher_id": [f.publisher_id for f in files],
                            "registered": [publishers[f.publisher_id].name for f in files],
                            "order": pa.array(np.arange(len(files), dtype=np.int64))})
        rows = listing.join(summary, keys="key", join_type="inner", use_threads=False)
        rows = rows.sort_by([("order", "ascending"), ("row", "ascending")])
        published = rows["publisher"]
        blank = pc.or_kleene(pc.is_null(published), pc.equal(published, "")).fill_null(True)
        rows = rows.set_column(rows.column_names.index("publisher"), "publisher",
                               pc.if_else(blank, rows["registered"], published))
        # One row per publisher and IDENTITY, in the order they first appear: its first file and line, and
        # the rows that carry it (grouping on one thread keeps that order).
        grouped = rows.group_by(["publisher_id", *IDENTITY], use_threads=False).aggregate(
            [("source_file", "first"), ("source_locator", "first"), ("n", "sum")])
        grouped = grouped.rename_columns(["publisher_id", *IDENTITY, "source_file", "source_locator", "n"])
        fp = pa.array([fps[slug] for slug in grouped["publisher_id"].to_pylist()], pa.string())
        pieces.append(grouped.add_column(1, "fp", fp).select(PUBLISHER_NAME_COLUMNS).cast(_publisher_names_schema()))
    table = pa.concat_tables(pieces) if pieces else _publisher_names_schema().empty_table()
    if stale or recorded != same:
        write_parquet_atomic(table, path)
    # publishers in file order (the order of `parsed`), each one's rows as recorded
    order = {slug: i for i, slug in enumerate(by_publisher)}
    frame = table.to_pandas()
    frame = frame.iloc[np.argsort(frame["publisher_id"].map(order).to_numpy(), kind="stable")]
    return frame.reset_index(drop=True)


def name_summary(build: Path, cache: Path, live: set[str], wanted: set[str], fresh: dict) -> pa.Table:
    """key, row, IDENTITY, source_locator (of the first row), n (rows) for each distinct IDENTITY of each
    `wanted` cached parse, in the order the names first appear in the file. Kept for every `live` parse in
    `build/NAMES_FILE`: a parse is summarised once, when it first enters the store (by the parse itself,
    `fresh`, else from its cached payments); parses no file refers to any more are dropped."""
    path = build / NAMES_FILE
    known = _read_arrow(path, _names_schema())
    had = set(pc.unique(known["key"]).to_pylist()) if known is not None else set()
    new = []
    for key in sorted(live - had):
        table = fresh.get(key)
        if table is None:
            table = parse_cache.summarise_names(parse_cache.read_payments(cache, key))
        new.append(table.add_column(0, "key", pa.array([key] * table.num_rows, pa.string()))
                   .add_column(1, "row", pa.array(np.arange(table.num_rows, dtype=np.int64))).cast(_names_schema()))
    pieces = []
    if known is not None:
        kept = known.filter(pc.is_in(known["key"], value_set=pa.array(sorted(live), pa.string())))
        pieces.append(kept)
    pieces += new
    table = pa.concat_tables(pieces) if pieces else None
    if new or (known is not None and table.num_rows != known.num_rows):
        write_parquet_atomic(table, path)
    if table is None:
        return _names_schema().empty_table()
    return table.filter(pc.is_in(table["key"], value_set=pa.array(sorted(wanted), pa.string())))


def _read_arrow(path: Path, schema: pa.Schema):
    """A table the build kept, in `schema`; None when it is missing or not in that form (it is made again)."""
    try:
        table = pq.read_table(path)
        return table.select(schema.names).cast(schema)
    except (OSError, KeyError, pa.ArrowException):
        return None


def _names_schema() -> pa.Schema:
    return pa.schema([("key", pa.string()), ("row", pa.int64()), *((c, pa.string()) for c in IDENTITY),
                      ("source_locator", pa.string()), ("n", pa.int64())])


def _publisher_names_schema() -> pa.Schema:
    return pa.schema([("publisher_id", pa.string()), ("fp", pa.string()),
                      *((c, pa.string()) for c in IDENTITY), ("source_file", pa.string()),
                      ("source_locator", pa.string()), ("n", pa.int64())])


def _load_memo(path: Path, version: str):
    """The memo of the last resolution when it was made under the same rules, else an empty one."""
    from spend.suppliers.resolution import ResolutionMemo

    try:
        made_with, memo = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        return ResolutionMemo()
    return memo if made_with == version and isinstance(memo, ResolutionMemo) else ResolutionMemo()


def name_hashes(resolution_names: pd.DataFrame, by_publisher: pd.DataFrame) -> dict[str, int]:
    """publisher_id -> one number that changes when any of its names resolves differently (its supplier
    columns): the publisher's payments need writing again only then, or when its files change."""
    columns = ["supplier_name_raw", *schema.SUPPLIER_FIELDS.names]
    frame = resolution_names[columns].astype(str)
    hashed = pd.DataFrame({"supplier_name_raw": resolution_names["supplier_name_raw"],
                           "h": pd.util.hash_pandas_object(frame, index=False).to_numpy()})
    joined = by_publisher.merge(hashed, on="supplier_name_raw", how="inner")
    return {slug: int(h) for slug, h in joined.groupby("publisher_id")["h"].sum().items()}


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
