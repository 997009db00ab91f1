"""Shared test set-up. The real corpus is required: a missing corpus fails the run, it never skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from spend.core.config import realdata_dir, realdata_more_dir


def pytest_configure(config):
    # No test reads or writes the developer's own data folder (its local publisher registry above all): the
    # default data folder is an empty one of the run's; tests that want another set SPEND_DATA themselves.
    import os
    import tempfile

    os.environ["SPEND_DATA"] = tempfile.mkdtemp(prefix="spend-test-data-")
    for root, shared, variable in ((realdata_dir(), "realdata", "SPEND_REALDATA"),
                                   (realdata_more_dir(), "realdata-more", "SPEND_REALDATA_MORE")):
        if not (root / "README.md").is_file():
            raise pytest.UsageError(
                f"the real-data corpus is missing at {root}; put ../shared/{shared} beside the checkout "
                f"or set {variable} (tests fail rather than skip without it)"
            )


# Fixtures that build a store or parse the whole corpus (seconds each), with the module defining them (None: this
# file). A test that uses one must carry the `slow` marker, so that `make test-quick` (-m "not slow") never
# builds them; a test that forgets is refused here rather than silently slowing the quick run.
STORE_FIXTURES = {"fixture_store": None, "store": "test_build", "corpus": "test_suppliers_corpus"}


def _builds_a_store(item) -> bool:
    module = getattr(getattr(item, "module", None), "__name__", None)
    used = getattr(item, "fixturenames", ())
    return any(name in used and where in (None, module) for name, where in STORE_FIXTURES.items())


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items if _builds_a_store(item) and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("these tests build a store but are not marked @pytest.mark.slow: " + ", ".join(unmarked))


_SUMMARY = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def run_summary(pytestconfig) -> list[str]:
    """Lines to print at the end of the run, after pytest's own summary (the fuzz run's counts): output
    written while tests run is captured, so it would be seen only when a test fails."""
    return pytestconfig.stash.setdefault(_SUMMARY, [])


def pytest_terminal_summary(terminalreporter, config):
    for line in config.stash.get(_SUMMARY, []):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def realdata() -> Path:
    return realdata_dir()


@pytest.fixture(scope="session")
def realdata_more() -> Path:
    return realdata_more_dir()


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory, realdata) -> Path:
    """The data folder of a small store built from real files (see tests/storefixture.py)."""
    from storefixture import build_fixture_store

    return build_fixture_store(realdata, tmp_path_factory.mktemp("fixture-store"))


@pytest.fixture(scope="session")
def fixture_payments(fixture_store):
    from spend.store.read import load_payments

    return load_payments(fixture_store)
