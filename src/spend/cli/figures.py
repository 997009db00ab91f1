"""`spend figures check`: every registered published figure against the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from spend.cli.common import add_data_option, command, command_group

CHECK_EXAMPLES = """\
examples:
  spend figures check
  spend figures check --data /tmp/store --id hounslow-optum-2020

Prints match / mismatch / not available for each figure in spend/data/figures.yaml. A mismatch lists the
rows behind the computed value; a figure whose data is not in the store names the command that fetches it.
Exit status 1 when any figure mismatches, 0 otherwise.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend figures check` to the project's sub-parsers."""
    commands = command_group(subparsers, "figures", "check published figures against the store",
                             "Reproduce published figures (spend/data/figures.yaml) from the store.", ["check"])
    check = command(commands, "check", "compute every registered figure whose data is in the store",
                    "Compute every registered figure whose data is in the store; exit 1 on any mismatch.",
                    CHECK_EXAMPLES)
    add_data_option(check)
    check.add_argument("--figures", type=Path, help="registry file (default: the package's figures.yaml)")
    check.add_argument("--id", action="append", default=[], metavar="FIGURE", help="check only this figure (repeatable)")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from spend.outputs.figures import REGISTRY, FiguresFileError, check_figures, format_results, load_figures

    figures = load_figures(args.figures)
    if args.id:
        unknown = sorted(set(args.id) - {f.id for f in figures})
        if unknown:
            raise FiguresFileError(args.figures or REGISTRY, f"no figure with id {', '.join(unknown)}")
        figures = [f for f in figures if f.id in set(args.id)]
    results = check_figures(args.data, figures=figures)
    print(format_results(results))
    return 1 if any(r.status == "mismatch" for r in results) else 0
