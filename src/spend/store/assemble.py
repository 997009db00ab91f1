"""Assembly: the cached parses of every raw file put together as the store's payments (filed by publisher and
year, each row with its supplier identity and `duplicate_of`), rejects and files tables."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from spend.core import schema
from spend.core.money import pence_to_decimal
from spend.store import cache as parse_cache
from spend.store.duplicates import duplicates_of
from spend.store.raw import RawSpendFile
from spend.store.suppliers import SupplierColumns


def publication_order(files: list[RawSpendFile]) -> list[RawSpendFile]:
    """Earlier periods first (a transaction's first publication is its original); then by path."""
    return sorted(files, key=lambda f: (str(f.meta.get("period") or "~"), f.rel))


def file_table(f: RawSpendFile, key: str, cache: Path, publisher_name: str, columns=None) -> pa.Table:
    """One file's cached payments, filed as this raw file (a cached parse may be shared by identical files):
    its own `source_file`, and the registry's name where the file has no Entity column."""
    table = parse_cache.read_payments(cache, key, columns=columns)
    names = table.column_names
    if "publisher" in names:
        published = table["publisher"]
        blank = pc.or_kleene(pc.is_null(published), pc.equal(published, ""))
        table = table.set_column(names.index("publisher"), "publisher",
                                 pc.if_else(blank, pa.scalar(publisher_name), published))
    if "source_file" in names:
        table = table.set_column(names.index("source_file"), "source_file",
                                 pa.array([f.rel] * table.num_rows, pa.string()))
    return table


def write_publisher(out: Path, slug: str, files: list[RawSpendFile], keys: dict[str, str], cache: Path,
                    publisher_name: str, suppliers: SupplierColumns | None) -> tuple[int, int, int]:
    """Write one publisher's payments under `out` (hive partitions publisher_id=<slug>/year=<YYYY>/); returns
    (rows, rows that repeat an earlier file's transaction, total in pence). A pure task: it reads only the
    parse cache, so it can run in another process or on another machine that sees the same folders."""
    target = schema.arrow_schema(schema.STORED_PAYMENTS)
    tables = []
    for f in publication_order(files):
        t = file_table(f, keys[f.rel], Path(cache), publisher_name)
        tables.append(t.append_column("source_url", pa.array([f.meta.get("url")] * t.num_rows, pa.string())))
    table = pa.concat_tables(tables)
    n = table.num_rows
    if suppliers is not None:
        table = suppliers.attach(table)
    table = table.append_column("publisher_id", pa.array([slug] * n, pa.string()))
    table = table.append_column("year", pc.cast(pc.year(table["payment_date"]), pa.int32()))
    table = table.append_column("duplicate_of", pa.array(duplicates_of(table), pa.string()))
    table = table.select(target.names).cast(target)
    ds.write_dataset(table, out, format="parquet", partitioning=["publisher_id", "year"],
                     partitioning_flavor="hive", basename_template="part-{i}.parquet",
                     existing_data_behavior="overwrite_or_ignore")
    amounts = pc.sum(table["amount_gbp"]).as_py()
    return n, n - table["duplicate_of"].null_count, int(amounts * 100) if amounts is not None else 0


def publisher_dir(payments: Path, slug: str) -> Path:
    return payments / f"publisher_id={slug}"


def link_publisher(old_payments: Path, new_payments: Path, slug: str) -> None:
    """Put a publisher's payments, unchanged since the last build, in the new store: hard links to the
    same Parquet files (a copy where the filesystem cannot link)."""
    source = publisher_dir(old_payments, slug)
    for path in sorted(source.rglob("*.parquet")):
        target = publisher_dir(new_payments, slug) / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def write_empty_payments(out: Path) -> None:
    """No file gave a payment (every one failed, or held none): an empty part keeps the columns, so the
    payments view and load_payments answer with no rows rather than fail."""
    target = schema.arrow_schema(schema.STORED_PAYMENTS)
    empty = out / "publisher_id=none" / "year=0"
    empty.mkdir(parents=True)
    pq.write_table(target.empty_table().drop_columns(["publisher_id", "year"]), empty / "part-0.parquet")


def rejects_table(parsed: list[RawSpendFile], keys: dict[str, str], cache: Path, previous: Path | None = None,
                  unchanged: set[str] = frozenset()) -> pa.Table:
    """Every parsed file's rejects, in file order. The rows of the `unchanged` files (same path, same parse as
    when `previous`, the last store's rejects table, was written) are taken from it; only the others are read
    from the parse cache."""
    target = schema.arrow_schema(schema.STORED_REJECTS)
    taken = [f.rel for f in parsed if f.rel in unchanged] if previous is not None else []
    pieces = []
    if taken:
        old = pq.read_table(previous)
        pieces.append(old.filter(pc.is_in(old["source_file"], value_set=pa.array(taken, pa.string()))).cast(target))
    frames = []
    for f in parsed:
        if f.rel in taken:
            continue
        frame = parse_cache.read_rejects(cache, keys[f.rel]).to_pandas()
        if len(frame):
            frame["source_file"] = f.rel
            frame["publisher_id"] = f.publisher_id
            frames.append(frame)
    if frames or not pieces:
        columns = schema.column_names(schema.STORED_REJECTS)
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
        pieces.append(schema.to_arrow(frame, schema.STORED_REJECTS))
    table = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
    if taken and table.num_rows:
        # file order, then each file's own order (a stable sort keeps it)
        where = pc.index_in(table["source_file"], value_set=pa.array([f.rel for f in parsed], pa.string()))
        table = table.take(np.argsort(where.to_numpy(zero_copy_only=False), kind="stable"))
    return table


def files_table(files: list[RawSpendFile], keys, shas, reports, publishers) -> pa.Table:
    rows = []
    for f in files:
        r = reports[keys[f.rel]]
        parsed = r["status"] == "parsed"
        rows.append({
            "publisher_id": f.publisher_id, "publisher": publishers[f.publisher_id].name, "source_file": f.rel,
            "source_sha256": shas[f.rel], "source_url": f.meta.get("url"), "fetched_at": f.fetched_at,
            "period": f.meta.get("period") or r.get("main_month"),
            "format": r.get("format"), "status": r["status"], "error": r.get("error"),
            "rows_read": r.get("rows_read"), "rows_kept": r.get("rows_kept"),
            "rows_rejected": r.get("rows_rejected"), "rows_nondata": r.get("rows_nondata"),
            "total_gbp": pence_to_decimal(r["total_pence"]) if parsed else None,
            "first_payment_date": date.fromisoformat(r["first_payment_date"]) if r.get("first_payment_date") else None,
            "last_payment_date": date.fromisoformat(r["last_payment_date"]) if r.get("last_payment_date") else None,
            "warnings": "; ".join(r.get("warnings") or []) or None,
        })
    frame = pd.DataFrame(rows, columns=schema.column_names(schema.FILES))
    for c in ("rows_read", "rows_kept", "rows_rejected", "rows_nondata"):
        frame[c] = frame[c].astype("Int64")
    return schema.to_arrow(frame, schema.FILES)
