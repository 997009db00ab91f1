"""`spend export`: a supplier's payments with where each was published, and FOI drafts."""

from __future__ import annotations

import argparse
from pathlib import Path

from spend.cli.common import add_data_option, command

EXPORT_EXAMPLES = """\
examples:
  spend export --supplier "Optum / UnitedHealth"
  spend export --supplier optum -o optum.csv
  spend export --supplier optum --publisher nhs-hounslow-ccg --from 2020-04 --to 2020-11 -o optum.xlsx
  spend export --supplier optum-health-solutions-a62530 --foi foi-drafts/

With neither -o nor --foi, the evidence goes where notebook 04 puts it: <data>/exports/<supplier>-payments.csv
and .xlsx, and the FOI drafts in <data>/exports/<supplier>-foi/.

--supplier is tried as a supplier group, then a supplier id, then part of a group's name, then part of a
published or canonical supplier name (case ignored); the command says which matched. One row per payment,
with where it was published (URL, file, sha256, sheet/page and row), the invoice number and the supplier's
VAT and company numbers where published. CSV is UTF-8 with a byte-order mark and amounts as exact text
(34500.00); XLSX adds a "Sources" sheet (each file's URL, sha256 and when it was fetched). Text that
starts like a formula (=, +, -, @) never runs as one. Individuals' names are withheld unless
--include-individuals.
--foi writes one draft Freedom of Information request per paying body, to the body that holds its
records now (a closed CCG's successor in the publisher registry), asking for the contracts and the
invoices and citing each payment; it says when the body's FOI address must still be looked up.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend export` to the project's sub-parsers."""
    p = command(subparsers, "export", "export a supplier's payments with their sources (CSV/XLSX), and FOI drafts",
                "Export one row per payment to a supplier, each with the file and place it was published.",
                EXPORT_EXAMPLES)
    p.add_argument("--supplier", required=True, help="supplier group, supplier id, or part of a supplier name")
    p.add_argument("--publisher", action="append", default=[], metavar="SLUG",
                   help="only this publisher: its slug or name (repeatable)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM[-DD]", help="first month or day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM[-DD]", help="last month or day (included)")
    p.add_argument("-o", "--output", type=Path, help="write the payments here: .csv or .xlsx")
    p.add_argument("--foi", type=Path, metavar="DIR", help="write a draft FOI request per publisher into DIR")
    p.add_argument("--include-individuals", action="store_true", help="keep the names of individuals")
    add_data_option(p)
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from spend.cli.common import data_dir
    from spend.core.periods import Period, PeriodError
    from spend.outputs.export import ExportError, export_paths, select_evidence, write_export
    from spend.outputs.foi import write_foi_drafts
    from spend.sources.registry import publisher_named, publishers_for
    from spend.store import load_payments
    from spend.store.read import load_files

    if args.output and args.output.suffix.lower() not in (".csv", ".xlsx"):
        raise ExportError(args.output, "write the export to a .csv or .xlsx file")
    try:
        period = Period.between(args.date_from, args.date_to)
    except PeriodError as e:  # a malformed bound, or --to before --from
        raise ExportError("--from/--to", e.reason) from None
    data = data_dir(args)
    publishers = [publisher_named(publishers_for(data), p).slug for p in args.publisher]  # UnknownPublisher: exit 1
    payments = load_payments(data, publisher_id=publishers or None)
    if publishers and payments.empty:
        raise ExportError(None, f"the store holds no payments of {', '.join(publishers)} (spend status lists what it "
                                "holds)")
    evidence = select_evidence(payments, args.supplier, publishers=publishers or None, period=period,
                               include_individuals=args.include_individuals, files=load_files(data))
    if evidence.rows.empty:
        scope = f" of {', '.join(publishers)}" if publishers else ""
        when = f" in {period.for_reader()}" if period.start or period.end else ""
        raise ExportError(None, f"no payments{scope}{when} to {args.supplier!r}: {evidence.match.describe()}")
    print(evidence.summary())
    outputs = [args.output] if args.output else []
    foi = args.foi
    if not args.output and not args.foi:
        paths = export_paths(args.supplier, data)
        outputs, foi = [paths.csv, paths.xlsx], paths.foi
    for output in outputs:
        print(f"wrote {len(evidence.rows)} row(s) to {write_export(evidence, output)}")
    if foi:
        for path in write_foi_drafts(evidence, foi, data_dir=data):
            print(f"wrote {path}")
    return 0
