"""What the commands share: how a command is declared, the data folder option, progress bars, wide tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def command(parent, name: str, summary: str, description: str, examples: str | None = None) -> argparse.ArgumentParser:
    """Declare `name` under `parent`; its --help ends with `examples`, printed as written."""
    return parent.add_parser(name, help=summary, description=description, epilog=examples,
                             formatter_class=argparse.RawDescriptionHelpFormatter)


def command_group(subparsers, name: str, summary: str, description: str, commands: list[str]):
    """Declare a command that takes a sub-command (`spend NAME {a,b}`); returns what the sub-commands are
    declared under. The chosen sub-command is `args.<name>_command`."""
    group = subparsers.add_parser(name, help=summary, description=description)
    sub = group.add_subparsers(dest=f"{name}_command", metavar="{" + ",".join(commands) + "}")
    sub.required = True
    return sub


def add_data_option(parser: argparse.ArgumentParser) -> None:
    """--data: the data folder the command works on."""
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="data folder holding raw/ and clean/ (default: ./data, or $SPEND_DATA)")


def data_dir(args) -> Path:
    """The data folder a command works on: --data, else $SPEND_DATA, else ./data."""
    from spend.core.config import data_dir as default

    return Path(args.data) if getattr(args, "data", None) else default()


def progress(items, desc: str, unit: str):
    """A progress bar on stderr for long work at a terminal (none for a handful of items or in a pipe)."""
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, disable=len(items) < 5 or not sys.stderr.isatty(), file=sys.stderr)


def wide_pandas():
    """Print pandas tables whole, up to 500 rows."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 500)
