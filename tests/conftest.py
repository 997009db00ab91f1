"""Shared test set-up. The real corpus is required: a missing corpus fails the run, it never skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from spend.core.config import realdata_dir


def pytest_configure(config):
    root = realdata_dir()
    if not (root / "README.md").is_file():
        raise pytest.UsageError(
            f"the real-data corpus is missing at {root}; put ../shared/realdata beside the checkout "
            "or set SPEND_REALDATA (tests fail rather than skip without it)"
        )


@pytest.fixture(scope="session")
def realdata() -> Path:
    return realdata_dir()


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory, realdata) -> Path:
    """The data folder of a small store built from real files (see tests/storefixture.py)."""
    from storefixture import build_fixture_store

    return build_fixture_store(realdata, tmp_path_factory.mktemp("fixture-store"))


@pytest.fixture(scope="session")
def fixture_payments(fixture_store):
    from spend.store.read import load_payments

    return load_payments(fixture_store)
