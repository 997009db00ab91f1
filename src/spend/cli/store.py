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
  duckdb data/spend.duckdb "select supplier_name, sum(amount_gbp) from payments_counted group by 1 order by 2 desc limit 10"

Parses every file under data/raw/spend/<publisher>/ that is new or changed (by sha256) and writes
data/clean/payments/ (Parquet, partitioned by publisher_id and year), data/clean/rejects.parquet,
data/clean/files.parquet, the notices tables from the OCDS files under data/raw/contracts-finder and
data/raw/find-a-tender (award suppliers carry the same supplier_id as the payments), and the DuckDB
database data/spend.duckdb with views over them. A file that cannot be read is listed (spend files
also in files.parquet) and the exit status is 1; the rest is built.
"""

STATUS_EXAMPLE = """\
examples:
  spend status
  spend status --months --publisher nhs-hounslow-ccg
"""


def run_build(args: argparse.Namespace) -> int:
    from spend.store.build import build_store

    publishers = None
    if args.registry:
        from spend.sources.registry import load_publishers

        publishers = {p.slug: p for p in load_publishers(args.registry)}
    result = build_store(common.data_dir(args), publishers=publishers, workers=args.workers, scheduler=args.scheduler,
                         progress=sys.stderr.isatty(), force=args.force)
    print(result.summary())
    for path, error in result.failed:
        print(f"{path}: FAILED {error}", file=sys.stderr)
    return 1 if result.failed else 0


def run_status(args: argparse.Namespace) -> int:
    from spend.analysis.coverage import store_status
    from spend.core.money import format_gbp

    status = store_status(common.data_dir(args))
    pubs = status.publishers
    if args.publisher:
        pubs = pubs[pubs["publisher_id"] == args.publisher]
    with common.wide_pandas():
        pubs = pubs.assign(total_gbp=pubs["total_gbp"].map(format_gbp)).rename(columns={"total_gbp": "total"})
        print(pubs.fillna("").to_string(index=False) if len(pubs) else "no publishers in the store")
        if args.months:
            months = status.months
            if args.publisher:
                months = months[months["publisher_id"] == args.publisher]
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
    b.add_argument("--registry", type=Path, help="publisher registry YAML (default: the package's publishers.yaml)")
    b.set_defaults(func=run_build)

    st = command(subparsers, "status", "what the store holds per publisher and month, and what is missing",
                 "Files fetched, parsed, failed; payments, rejects and missing months per publisher.", STATUS_EXAMPLE)
    add_data_option(st)
    st.add_argument("--publisher", metavar="SLUG", help="only this publisher")
    st.add_argument("--months", action="store_true", help="also list payments and totals per month")
    st.set_defaults(func=run_status)
