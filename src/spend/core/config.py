"""Where things live. Every location can be overridden by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

# The repository root when running from a checkout (src/spend/core/config.py -> ../../../..).
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def realdata_dir() -> Path:
    """The shared corpus of real published files (`SPEND_REALDATA`, default `../shared/realdata`)."""
    env = os.environ.get("SPEND_REALDATA")
    if env:
        return Path(env).expanduser().resolve()
    return (PROJECT_ROOT.parent / "shared" / "realdata").resolve()


def realdata_more_dir() -> Path:
    """More real files with independently counted rows and totals (`SPEND_REALDATA_MORE`, default
    `../shared/realdata-more`): each folder's EXPECTED.csv gives every file's rows and total."""
    env = os.environ.get("SPEND_REALDATA_MORE")
    if env:
        return Path(env).expanduser().resolve()
    return (PROJECT_ROOT.parent / "shared" / "realdata-more").resolve()


def data_dir() -> Path:
    """The project's data folder holding raw/ and clean/ (`SPEND_DATA`, default `./data`)."""
    return Path(os.environ.get("SPEND_DATA", PROJECT_ROOT / "data")).expanduser().resolve()


def raw_dir() -> Path:
    return data_dir() / "raw"


def clean_dir() -> Path:
    return data_dir() / "clean"
