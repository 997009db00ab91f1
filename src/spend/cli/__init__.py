"""The `spend` command line: a thin shell over the library.

Each command parses its options, calls the library and turns a `SpendError` into one line on
stderr and a non-zero exit (1 for bad input, 2 for bad usage).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from pathlib import Path

from spend import __version__
from spend.core.errors import SpendError

PARSE_EXAMPLE = """\
examples:
  spend parse "../shared/realdata/nhs-london-2020-21/NWHO/NWHO 04 - July.pdf" -o july.csv
  spend parse ../shared/realdata/nhs-london-2020-21/*/*.{csv,xls,xlsx,pdf} -o payments.csv --rejects rejects.csv
  spend parse ../shared/realdata/councils --exclude '*/lambeth/2011-*' -o councils.parquet --keep-going

Each file's format is found from its bytes (a CSV named .xlsx is read as CSV). The summary gives,
per file and in total, rows read = kept + rejected + non-data (titles, headers, totals, blanks).
Rejected rows go to --rejects with the reason. Output is written only when every file parsed
(or, with --keep-going, for the files that did); nothing half-written is left behind.
"""


def _collect(paths: list[str], excludes: list[str]) -> list[Path]:
    """Files named on the command line, and spend files (by suffix) found under directories."""
    from spend.store.tables import SPEND_SUFFIXES

    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SPEND_SUFFIXES)
        else:
            found = [p]
        out.extend(f for f in found if not any(fnmatch.fnmatch(str(f), pat) for pat in excludes))
    return out


def run_parse(args: argparse.Namespace) -> int:
    from spend.parse.file import parse_file
    from spend.parse.report import combine, print_summary
    from spend.store.tables import write_table

    files = _collect(args.paths, args.exclude)
    if not files:
        print("error: no files to parse", file=sys.stderr)
        return 2
    results, failures = [], []
    progress = _progress(files, "parsing", unit="file")
    for f in progress:
        try:
            results.append(parse_file(f, publisher=args.publisher, date_order=args.date_order))
        except SpendError as e:
            if not args.keep_going:
                progress.close()
                print(f"error: {e}", file=sys.stderr)
                return 1
            failures.append((str(f), f"{type(e).__name__}: {e.reason}"))
    progress.close()
    payments, rejects = combine(results)
    if args.output:
        write_table(payments, args.output, "payments")
    if args.rejects:
        write_table(rejects, args.rejects, "rejects")
    print_summary([r.report for r in results], failures, out=sys.stdout, verbose=len(results) <= 200)
    if args.output:
        print(f"wrote {len(payments):,} payments to {args.output}")
    if args.rejects:
        print(f"wrote {len(rejects):,} rejected rows to {args.rejects}")
    return 1 if failures else 0


BUILD_EXAMPLE = """\
examples:
  spend fetch --from-dir ../shared/realdata && spend build
  spend build --workers 2
  spend build --scheduler tcp://10.0.0.5:8786     # parse on a Dask cluster (shared data folder)
  duckdb data/spend.duckdb "select supplier_name, sum(amount_gbp) from payments_counted group by 1 order by 2 desc limit 10"

Parses every file under data/raw/spend/<publisher>/ that is new or changed (by sha256) and writes
data/clean/payments/ (Parquet, partitioned by publisher_id and year), data/clean/rejects.parquet,
data/clean/files.parquet and the DuckDB database data/spend.duckdb with views over them. A file
that cannot be parsed is listed (and in files.parquet) and the exit status is 1; the rest is built.
"""

STATUS_EXAMPLE = """\
examples:
  spend status
  spend status --months --publisher nhs-hounslow-ccg
"""


def _data_dir(args) -> Path:
    from spend.core.config import data_dir

    return Path(args.data) if getattr(args, "data", None) else data_dir()


def run_build(args: argparse.Namespace) -> int:
    from spend.store.build import build_store

    publishers = None
    if args.registry:
        from spend.sources.registry import load_publishers

        publishers = {p.slug: p for p in load_publishers(args.registry)}
    result = build_store(_data_dir(args), publishers=publishers, workers=args.workers, scheduler=args.scheduler,
                         progress=sys.stderr.isatty(), force=args.force)
    print(result.summary())
    for path, error in result.failed:
        print(f"{path}: FAILED {error}", file=sys.stderr)
    return 1 if result.failed else 0


def run_status(args: argparse.Namespace) -> int:
    from spend.analysis.coverage import store_status
    from spend.core.money import format_gbp

    status = store_status(_data_dir(args))
    pubs = status.publishers
    if args.publisher:
        pubs = pubs[pubs["publisher_id"] == args.publisher]
    with _wide_pandas():
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
    if status.unbuilt:
        print(f"\n{len(status.unbuilt)} raw file(s) fetched or changed since the last build (run spend build):")
        for rel in status.unbuilt[:20]:
            print(f"  {rel}")
    return 0


def _wide_pandas():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 500)


def _progress(items, desc: str, unit: str):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, disable=len(items) < 5 or not sys.stderr.isatty(), file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spend",
        description="Follow public money in UK procurement: exact, traceable payments and notices.",
        epilog="Run 'spend COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"spend {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "parse",
        help="parse spend files (CSV, XLS, XLSX, PDF) into one payments table",
        description="Parse published spend files into the canonical payments table.",
        epilog=PARSE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="spend files, or folders to search for them")
    p.add_argument("-o", "--output", help="write payments here: .csv, or .parquet")
    p.add_argument("--rejects", help="write rejected rows (with reasons) here: .csv or .parquet")
    p.add_argument("--publisher", help="publishing body, for files without an Entity column (overrides it)")
    p.add_argument("--date-order", choices=["day-first", "month-first"],
                   help="settle files whose numeric dates read both ways")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip paths matching this pattern (repeatable)")
    p.add_argument("--keep-going", action="store_true",
                   help="report files that cannot be parsed and carry on (exit status 1 if any failed)")
    p.set_defaults(func=run_parse)

    b = sub.add_parser("build", help="parse new or changed raw files into the Parquet + DuckDB store",
                       description="Build the clean store from data/raw/spend.", epilog=BUILD_EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--data", metavar="DIR", help="data folder holding raw/ and clean/ (default: ./data or $SPEND_DATA)")
    b.add_argument("--workers", type=int, help="parsing processes (default: one per core)")
    b.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler to parse on, e.g. tcp://127.0.0.1:8786")
    b.add_argument("--force", action="store_true", help="re-parse and rewrite everything")
    b.add_argument("--registry", type=Path, help="publisher registry YAML (default: the package's publishers.yaml)")
    b.set_defaults(func=run_build)

    st = sub.add_parser("status", help="what the store holds per publisher and month, and what is missing",
                        description="Files fetched, parsed, failed; payments, rejects and missing months per publisher.",
                        epilog=STATUS_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    st.add_argument("--data", metavar="DIR", help="data folder (default: ./data or $SPEND_DATA)")
    st.add_argument("--publisher", metavar="SLUG", help="only this publisher")
    st.add_argument("--months", action="store_true", help="also list payments and totals per month")
    st.set_defaults(func=run_status)

    from spend.cli.notices import register as register_notices
    from spend.cli.suppliers import register as register_suppliers

    from spend.outputs.export import register as register_export
    from spend.outputs.figures import register as register_figures
    from spend.cli.sources import register as register_sources

    register_sources(sub)
    register_notices(sub)
    register_suppliers(sub)
    register_figures(sub)
    register_export(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except SpendError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: stop quietly
        sys.stdout = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())
