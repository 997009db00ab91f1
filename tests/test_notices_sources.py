"""Every registered service, feed, search and look-up is complete (DESIGN.md principle 11)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from localserver import loopback_only  # noqa: F401
from spend.cli.notices import register
from spend.sources.notice_apis import CONTRACTS_FINDER, FEEDS, FIND_A_TENDER, LOOKUPS, SEARCHES

SERVICES = [CONTRACTS_FINDER, FIND_A_TENDER]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_services_are_complete(service):
    assert urlsplit(service.base_url).scheme == "https" and not service.base_url.endswith("/")
    assert service.pauses and set(service.pauses) <= service.retry_statuses  # a pause is a retry
    assert {500, 502, 503, 504} <= service.retry_statuses
    assert {"GET", "HEAD"} <= service.retry_methods
    assert service.min_interval > 0 and service.max_attempts >= 3
    assert all(t > 0 for t in service.timeout)


def test_the_documented_rate_limits():
    # Contracts Finder: HTTP 403, no requests for 5 minutes. Find a Tender: 429, ~12 per 2 minutes.
    assert CONTRACTS_FINDER.pauses == {403: 300.0}
    assert FIND_A_TENDER.pauses == {429: 120.0} and FIND_A_TENDER.min_interval == 120 / 12
    assert "POST" in CONTRACTS_FINDER.retry_methods and "POST" not in FIND_A_TENDER.retry_methods


@pytest.mark.parametrize("source", sorted(FEEDS))
def test_feeds_are_complete(source):
    feed = FEEDS[source]
    assert feed.source == source == feed.service.name
    assert feed.path.startswith("/") and feed.from_param and feed.to_param
    assert timedelta(hours=1) <= feed.window <= timedelta(days=1)  # short windows: long ones miss releases
    assert feed.limit == 100


def test_searches_and_look_ups_are_complete():
    assert set(SEARCHES) == set(LOOKUPS) == {"contracts-finder"}
    search, lookups = SEARCHES["contracts-finder"], LOOKUPS["contracts-finder"]
    assert search.service is CONTRACTS_FINDER and lookups.service is CONTRACTS_FINDER
    assert search.max_hits == 1000 and search.min_window < search.window
    assert "{id}" in search.notice_path and "{id}" in lookups.release_path and "{ocid}" in lookups.record_path


def test_the_cli_offers_every_feed():
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    for source in FEEDS:
        assert parser.parse_args(["notices", "fetch", "--source", source]).source == source
