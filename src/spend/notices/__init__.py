"""Contracts Finder and Find a Tender notices: harvest OCDS politely and resumably, flatten to tables.

    from spend.notices import build_tables, harvest_feed, CONTRACTS_FINDER_FEED
"""

from spend.notices.harvest import (
    HarvestError,
    HarvestResult,
    Progress,
    fetch_record,
    fetch_release,
    harvest_feed,
    harvest_search,
)
from spend.notices.sources import (
    CONTRACTS_FINDER,
    CONTRACTS_FINDER_FEED,
    CONTRACTS_FINDER_LOOKUPS,
    CONTRACTS_FINDER_SEARCH,
    FEEDS,
    FIND_A_TENDER,
    FIND_A_TENDER_FEED,
)
from spend.notices.tables import AWARD_SUPPLIERS, AWARDS, NOTICES, BuildReport, NoticeTables, build_tables, write_tables

__all__ = [
    "AWARDS",
    "AWARD_SUPPLIERS",
    "CONTRACTS_FINDER",
    "CONTRACTS_FINDER_FEED",
    "CONTRACTS_FINDER_LOOKUPS",
    "CONTRACTS_FINDER_SEARCH",
    "FEEDS",
    "FIND_A_TENDER",
    "FIND_A_TENDER_FEED",
    "NOTICES",
    "BuildReport",
    "HarvestError",
    "HarvestResult",
    "NoticeTables",
    "Progress",
    "build_tables",
    "fetch_record",
    "fetch_release",
    "harvest_feed",
    "harvest_search",
    "write_tables",
]
