"""The `spend` command line: a thin shell over the library.

One module a command group (`parse`, `store`, `database`, `sources`, `notices`, `suppliers`, `figures`,
`export`, `report`), each with `register(subparsers)` and `run_*(args) -> int`. Each command parses its
options, calls the library and turns a `SpendError` into one line on stderr and a non-zero exit (1 for bad
input, 2 for bad usage). The modules import only the standard library at the top, so `spend --help` starts quickly; a
command loads what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from spend import __version__
from spend.core.errors import SpendError


def build_parser() -> argparse.ArgumentParser:
    from spend.cli import database, export, figures, notices, parse, report, sources, store, suppliers

    parser = argparse.ArgumentParser(
        prog="spend",
        description="Follow public money in UK procurement: exact, traceable payments and notices.",
        epilog="Run 'spend COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"spend {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (parse, store, database, sources, notices, suppliers, figures, export, report):
        group.register(sub)
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
