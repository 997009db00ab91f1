"""Contracts Finder and Find a Tender notices: harvest OCDS politely and resumably, flatten to tables.

    from spend.notices import build_tables, harvest_feed, CONTRACTS_FINDER_FEED

Names are imported on first use, so the command line starts without loading the harvester.
"""

from importlib import import_module

_WHERE = {
    **dict.fromkeys(["HarvestError", "HarvestResult", "Progress", "fetch_record", "fetch_release", "harvest_feed",
                     "harvest_search"], "spend.notices.harvest"),
    **dict.fromkeys(["CONTRACTS_FINDER", "CONTRACTS_FINDER_FEED", "CONTRACTS_FINDER_LOOKUPS", "CONTRACTS_FINDER_SEARCH",
                     "FEEDS", "FIND_A_TENDER", "FIND_A_TENDER_FEED"], "spend.notices.sources"),
    **dict.fromkeys(["AWARD_SUPPLIERS", "AWARDS", "NOTICES", "BuildReport", "NoticeTables", "build_tables",
                     "write_tables"], "spend.notices.tables"),
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'spend.notices' has no attribute {name!r}")
