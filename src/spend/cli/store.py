"""`spend build` and `spend status`: the clean store, and what it holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spend.cli.common import add_data_option, command
from spend.cli import common

BUILD_EXAMPLE = """\
examples:
  spend fetch --from-dir ../shared/realdata && spend build
  spend build --workers 2
  spend build --scheduler tcp://10.0.0.5:8786     # parse on a Dask cluster (shared data folder)
  spend sql "select supplier_name, sum(amount_gbp) from payments_counted group by 1 order by 2 desc limit 10"

Parses every file under data/raw/spend/<publisher>/ that is new or changed (by sha256) and writes a new
store under data/clean, then points data/clean/current at it: payments/ (Parquet, partitioned by
publisher_id and year; a publisher whose files and suppliers did not change keeps its files, linked from
the last store), rejects.parquet, files.parquet, the notices tables from the OCDS files under
data/raw/contracts-finder and data/raw/find-a-tender (award suppliers carry the same supplier_id as the
payments), and the DuckDB database spend.duckdb (also data/spend.duckdb) with views over them, each column
commented with its meaning (spend dictionary lists them). A file that cannot be read is listed (spend files
also in files.parquet) and the exit status is 1; the rest is built. One build runs on a data folder at a
time: a second one stops at once (exit status 1), naming the one running.
"""

STATUS_EXAMPLE = """\
examples:
  spend status
  spend status --months --publisher nhs-hounslow-ccg
"""


def run_build(args: argparse.Namespace) -> int:
    from spend.store.build import build_store

    from spend.sources.registry import publishers_for

    data = common.data_dir(args)
    publishers = {p.slug: p for p in publishers_for(data, extra=args.registry)}
    result = build_store(data, publishers=publishers, workers=args.workers, scheduler=args.scheduler,
                         progress=sys.stderr.isatty(), force=args.force)
    print(result.summary())
    for path, error in result.failed:
        print(f"{path}: FAILED {error}", file=sys.stderr)
    return 1 if result.failed else 0


def _why_empty(pubs) -> str:
    """Why a store (or the publisher asked about) holds no payments."""
    if not len(pubs):
        return ("\nThe store holds no spend files: add some with spend fetch --publisher SLUG, or spend add FOLDER "
                "--publisher NAME for files you have, then spend build.")
    failed, parsed = int(pubs["failed"].sum()), int(pubs["parsed"].sum())
    parts = []
    if failed:
        parts.append(f"{failed} file(s) could not be parsed (listed below)")
    if parsed:
        parts.append(f"{parsed} file(s) were parsed but held no payment rows (spend parse --explain FILE says what "
                     "the parser saw)")
    return "\nNo payments: " + "; ".join(parts) + "."


def run_status(args: argparse.Namespace) -> int:
    from spend.analysis.coverage import store_status
    from spend.core.money import format_gbp

    data = common.data_dir(args)
    status = store_status(data)
    pubs = status.publishers
    if args.publisher:
        from spend.sources.registry import publisher_named, publishers_for

        slug = publisher_named(publishers_for(data), args.publisher).slug  # UnknownPublisher: exit 1
        pubs = pubs[pubs["publisher_id"] == slug]
        status.months = status.months[status.months["publisher_id"] == slug]
        status.failed = status.failed[status.failed["publisher_id"] == slug]
        status.warned = status.warned[status.warned["publisher_id"] == slug]
        if not len(pubs):
            print(f"{slug}: no files in the store (spend fetch --publisher {slug}, or spend add FOLDER --publisher "
                  f"{slug}, then spend build)")
            return 0
    with common.wide_pandas():
        pubs = pubs.assign(total_gbp=pubs["total_gbp"].map(format_gbp)).rename(columns={"total_gbp": "total"})
        print(pubs.fillna("").to_string(index=False) if len(pubs) else "no publishers in the store")
        if not len(pubs) or not pubs["payments"].sum():
            print(_why_empty(pubs))
        if args.months:
            months = status.months
            months = months.assign(total_gbp=months["total_gbp"].map(format_gbp)).rename(columns={"total_gbp": "total"})
            print()
            print(months.to_string(index=False))
    if len(status.failed):
        print(f"\n{len(status.failed)} file(s) could not be parsed:")
        for row in status.failed.itertuples():
            print(f"  {row.source_file}: {row.error}")
    if len(status.warned):
        print(f"\n{len(status.warned)} file(s) whose self-checks found something (the payments are kept):")
        for row in status.warned.itertuples():
            print(f"  {row.source_file}: {row.warnings}")
    if status.unbuilt:
        print(f"\n{len(status.unbuilt)} raw file(s) fetched or changed since the last build (run spend build):")
        for rel in status.unbuilt[:20]:
            print(f"  {rel}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend build` and `spend status`."""
    b = command(subparsers, "build", "parse new or changed raw files into the Parquet + DuckDB store",
                "Build the clean store from data/raw/spend.", BUILD_EXAMPLE)
    add_data_option(b)
    b.add_argument("--workers", type=int, help="parsing processes (default: one per core)")
    b.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler to parse on, e.g. tcp://127.0.0.1:8786")
    b.add_argument("--force", action="store_true", help="re-parse and rewrite everything")
    b.add_argument("--registry", type=Path, help="a further publisher registry YAML, read after the package's and "
                                                 "the data folder's (its entries add bodies or amend them)")
    b.set_defaults(func=run_build)

    st = command(subparsers, "status", "what the store holds per publisher and month, and what is missing",
                 "Files fetched, parsed, failed; payments, rejects and missing months per publisher.", STATUS_EXAMPLE)
    add_data_option(st)
    st.add_argument("--publisher", metavar="SLUG", help="only this publisher (its slug, name or another name)")
    st.add_argument("--months", action="store_true", help="also list payments and totals per month")
    st.set_defaults(func=run_status)
