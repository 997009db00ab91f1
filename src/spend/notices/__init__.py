"""Contracts Finder and Find a Tender notices as tables: OCDS decoded tolerantly (`decode`), releases
flattened to rows (`flatten`), stored files read into the notices, awards and award_suppliers tables
(`tables`). Pure: harvesting is `spend.sources.harvest`, writing is `spend.store`.

    from spend.notices import build_tables

Names are imported on first use.
"""

from importlib import import_module

_WHERE = dict.fromkeys(["BuildReport", "NoticeTables", "build_tables", "find_raw_files"], "spend.notices.tables")
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'spend.notices' has no attribute {name!r}")
