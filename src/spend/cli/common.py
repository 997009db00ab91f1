"""What the commands share: the data folder option, progress bars, wide tables."""

from __future__ import annotations

import sys
from pathlib import Path


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
