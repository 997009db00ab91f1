"""`spend report`: the supplier notebooks run for one supplier, bodies and period, as HTML reports."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from spend.cli import common
from spend.cli.common import add_data_option, command
from spend.core.errors import SpendError

# The notebooks that take a supplier as their parameter, in the order a reader wants them.
SUPPLIER_NOTEBOOKS = ("01-a-supplier-and-the-nhs", "04-foi-follow-up")

REPORT_EXAMPLES = """\
examples:
  spend report "Optum / UnitedHealth"
  spend report serco --bodies all --from 2020-04 --to 2021-03
  spend report optum --bodies nhs-hounslow-ccg --bodies nhs-redbridge-ccg -o ~/reports/optum

Runs notebooks/01-a-supplier-and-the-nhs and 04-foi-follow-up with these parameters (papermill), and writes
each as an HTML report without code, with the executed notebook beside it, to <data>/reports/<supplier>/
(or -o DIR). The evidence export and the FOI drafts go where spend export puts them. Exit status 1 when a
notebook fails, naming the cell.
"""


class ReportError(SpendError):
    """A report cannot be made: the notebooks are not here, or one of them failed."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `spend report`."""
    p = command(subparsers, "report", "run the supplier notebooks for one supplier, bodies and period, as HTML",
                "Run the supplier notebooks with your parameters and write them as HTML reports.", REPORT_EXAMPLES)
    p.add_argument("supplier", help="supplier group, supplier id, or part of a supplier name")
    p.add_argument("--bodies", action="append", metavar="BODY",
                   help="'nhs' (default: every NHS body), 'all', or a body's slug or name (repeatable)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM", help="first month")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM", help="last month (included)")
    p.add_argument("-o", "--output", type=Path, metavar="DIR", help="write the reports here")
    add_data_option(p)
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from spend.core.config import PROJECT_ROOT
    from spend.core.periods import Period, PeriodError
    from spend.outputs.reports import file_slug

    try:
        Period.between(args.date_from, args.date_to)
    except PeriodError as e:
        raise ReportError("--from/--to", e.reason) from None
    notebooks = PROJECT_ROOT / "notebooks"
    if not all((notebooks / f"{name}.ipynb").is_file() for name in SUPPLIER_NOTEBOOKS):
        raise ReportError(notebooks, "the notebooks are not here (spend report runs from a checkout of the project)")
    data = common.data_dir(args)
    out = args.output or data / "reports" / file_slug(args.supplier)
    out.mkdir(parents=True, exist_ok=True)
    bodies = args.bodies or ["nhs"]
    parameters = {"supplier": args.supplier, "bodies": bodies[0] if bodies in (["nhs"], ["all"]) else bodies,
                  "date_from": args.date_from, "date_to": args.date_to}
    os.environ["SPEND_DATA"] = str(data)  # the notebooks' kernel reads the same store
    for name in SUPPLIER_NOTEBOOKS:
        html = _run(notebooks / f"{name}.ipynb", out / f"{name}.ipynb", parameters)
        print(f"wrote {html}")
    return 0


def _run(notebook: Path, executed: Path, parameters: dict) -> Path:
    """Execute `notebook` with `parameters` into `executed`, and write it as HTML without the code beside it."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    from spend.core.files import write_atomic

    print(f"running {notebook.name} ...", file=sys.stderr)
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=parameters, cwd=str(executed.parent),
                                   kernel_name="python3", progress_bar=sys.stderr.isatty())
    except papermill.PapermillExecutionError as e:
        raise ReportError(executed, f"cell {e.exec_count} failed: {e.ename}: {e.evalue}") from None
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    html = executed.with_suffix(".html")
    write_atomic(html, body.encode("utf-8"))
    return html
