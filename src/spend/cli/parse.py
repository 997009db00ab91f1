"""`spend parse`: published spend files to one payments table, with every row accounted for."""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

from spend.cli.common import command
from spend.cli import common
from spend.core.errors import SpendError

PARSE_EXAMPLE = """\
examples:
  spend parse "../shared/realdata/nhs-london-2020-21/NWHO/NWHO 04 - July.pdf" -o july.csv
  spend parse ../shared/realdata/nhs-london-2020-21/*/*.{csv,xls,xlsx,pdf} -o payments.csv --rejects rejects.csv
  spend parse ../shared/realdata/councils --exclude '*/lambeth/2011-*' -o councils.parquet --keep-going
  spend parse --explain "../shared/realdata-more/nhs-london-2020-21/NCL/NCL 04 - July.pdf"

Each file's format is found from its bytes (a CSV named .xlsx is read as CSV). The summary gives,
per file and in total, rows read = kept + rejected + non-data (titles, headers, totals, blanks).
Rejected rows go to --rejects with the reason. Output is written only when every file parsed
(or, with --keep-going, for the files that did); nothing half-written is left behind.
"""


def _collect(paths: list[str], excludes: list[str]) -> list[Path]:
    """Files named on the command line, and spend files (by suffix) found under directories."""
    from spend.parse.sniff import SPEND_SUFFIXES

    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SPEND_SUFFIXES)
        else:
            found = [p]
        out.extend(f for f in found if not any(fnmatch.fnmatch(str(f), pat) for pat in excludes))
    return out


def _explain(files: list[Path], args: argparse.Namespace) -> int:
    """`spend parse --explain`: the parser's decisions, file by file; exit 1 if any file cannot be parsed."""
    from spend.parse.file import parse_file
    from spend.parse.report import format_explanation

    failed = False
    for k, f in enumerate(files):
        if k:
            print()
        try:
            print(format_explanation(parse_file(f, publisher=args.publisher, date_order=args.date_order)))
        except SpendError as e:
            print(f"file        {f}\nrefused     {type(e).__name__}: {e.reason}"
                  + (f" ({e.locator})" if e.locator else ""))
            failed = True
    return 1 if failed else 0


def run_parse(args: argparse.Namespace) -> int:
    from spend.parse.file import parse_file
    from spend.parse.report import combine, print_summary
    from spend.store.write import write_table

    files = _collect(args.paths, args.exclude)
    if not files:
        print("error: no files to parse", file=sys.stderr)
        return 2
    if args.explain:
        return _explain(files, args)
    results, failures = [], []
    progress = common.progress(files, "parsing", unit="file")
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


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend parse`."""
    p = command(subparsers, "parse", "parse spend files (CSV, XLS, XLSX, PDF) into one payments table",
                "Parse published spend files into the canonical payments table.", PARSE_EXAMPLE)
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
    p.add_argument("--explain", action="store_true",
                   help="say what the parser decided about each file and why (columns, dates, rows, reasons)")
    p.set_defaults(func=run_parse)
