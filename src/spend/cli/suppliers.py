"""`spend suppliers review | apply | report`: a thin shell over `spend.suppliers`.

Wire into the project's CLI with `register(subparsers)`; each sub-command sets `func` to `run`, and
`run(args) -> int` returns the exit code. Errors are `SpendError`s for the main CLI to print as one line.
`python -m spend.suppliers.cli ...` runs these commands on their own.
"""

from __future__ import annotations

import argparse
from pathlib import Path


from spend.cli.common import command, command_group
from spend.core.errors import SpendError

REVIEW_EXAMPLES = """\
example:
  spend suppliers review --out reports/supplier_review.csv

Writes one row per pair of suppliers that look alike but were not merged automatically, biggest money
first, with the evidence. Fill `decision` with `same` or `never`, then run `spend suppliers apply`.
"""

APPLY_EXAMPLES = """\
example:
  spend suppliers apply reports/supplier_review.csv

Appends the marked decisions to the overrides file (default: spend/data/supplier_overrides.csv), which
always wins over automatic matching. Commit that file: it is the record of who decided what.
"""

REPORT_EXAMPLES = """\
example:
  spend suppliers report --top 10
  spend suppliers report --group                          # every corporate group and its members
  spend suppliers report --group serco
  spend suppliers report --payments july.csv --top 10     # a table from spend parse

Lists the largest suppliers by net pounds paid, each with its sector (nhs, public, charity, company...),
every spelling it was published under and how that spelling was matched (exact, identifier, fuzzy, override).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `suppliers` command, with `review`, `apply` and `report`, to the project's sub-parsers."""
    commands = command_group(
        subparsers, "suppliers", "resolve supplier names to suppliers; review and overrule the matching",
        "Cluster published supplier names into suppliers; review candidate merges; apply decisions.",
        ["review", "apply", "report"])
    review = command(commands, "review", "write candidate merges for an analyst to decide",
                     "Write the candidate supplier merges in the review band, with evidence, biggest first.",
                     REVIEW_EXAMPLES)
    _add_payments_options(review)
    review.add_argument("--out", type=Path, default=Path("reports/supplier_review.csv"),
                        help="review file to write (default: reports/supplier_review.csv)")
    review.set_defaults(func=run)

    apply = command(commands, "apply", "append the decisions of a marked review file to the overrides",
                    "Read a review file marked with same/never and append the decisions to the overrides file.",
                    APPLY_EXAMPLES)
    apply.add_argument("review_file", type=Path, help="the review file, with its decision column filled in")
    apply.add_argument("--overrides", type=Path, help="overrides file to append to (default: the package's)")
    apply.set_defaults(func=run)

    report = command(commands, "report", "list the largest suppliers with their name variants",
                     "List the largest suppliers by pounds paid, with every published spelling.", REPORT_EXAMPLES)
    _add_payments_options(report)
    report.add_argument("--top", type=int, default=10, help="how many suppliers (default 10)")
    report.add_argument("--group", nargs="?", const="", default=None, metavar="NAME",
                        help="list corporate groups instead, each with its member suppliers, their totals and "
                             "published names; NAME keeps the groups whose name contains it")
    report.set_defaults(func=run)


def _add_payments_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--payments", type=Path, default=None,
                        help="payments table (.parquet or .csv) with supplier_name_raw and amount_gbp "
                             "(default: the store built by spend build, data/clean/current/payments)")
    parser.add_argument("--overrides", type=Path, help="overrides file (default: the package's)")


def run(args: argparse.Namespace) -> int:
    """Run one `spend suppliers` sub-command; returns the exit code."""
    from spend.store.read import payments_dir, read_payments
    from spend.suppliers.overrides import default_overrides_path, load_overrides
    from spend.suppliers.resolution import annotate_payments, resolve_payments
    from spend.suppliers.review import apply_review, build_review, write_review

    command = args.suppliers_command
    if command == "apply":
        result = apply_review(args.review_file, args.overrides)
        target = args.overrides or default_overrides_path()
        print(f"{result.same} same, {result.never} never, {result.undecided} undecided; "
              f"{result.added} new decision(s) appended to {target}")
        return 0
    overrides = load_overrides(args.overrides)
    payments = read_payments(args.payments or payments_dir())
    if command == "report" and "supplier_id" in payments.columns and not args.overrides:
        # The store's own supplier ids: the same answer as the notebooks and the exports.
        print(_report(payments, args))
        return 0
    resolution = resolve_payments(payments, overrides=overrides)
    annotated = annotate_payments(payments, resolution=resolution)
    if command == "review":
        review = build_review(resolution, annotated)
        write_review(review, args.out)
        print(f"{len(review)} candidate merge(s) written to {args.out}")
        return 0
    if command == "report":
        print(_report(annotated, args))
        return 0
    raise SpendError(None, f"unknown suppliers command {command!r}")


def _report(payments, args: argparse.Namespace) -> str:
    from spend.analysis.suppliers import group_members, top_suppliers
    from spend.outputs.reports import format_groups, format_top_suppliers

    if args.group is not None:
        return format_groups(group_members(payments, args.group or None))
    return format_top_suppliers(top_suppliers(payments, n=args.top, variants=True))
