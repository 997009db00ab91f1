"""What the store holds: per publisher and month, what is fetched, parsed, rejected, and missing.

    status = store_status()        # one row per publisher
    months = monthly_coverage()    # one row per publisher and month, with payments and totals

Payments and totals count a transaction published in two files once (the `payments_counted` view),
so a publisher's total is the sum of its months; `published_twice` says how many lines were left out.

A month is missing when a publisher has files for months before and after it but none for it:
the file was never fetched, failed to parse, or was not published. A file's month is the period
its provenance record gives (from its name or link text), else the month most of its payments
fall in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from spend.core import config
from spend.core.periods import format_month_spans, missing_months, months_of_period
from spend.store.build import files_changed_since_build
from spend.store.raw import BuildError
from spend.store.views import open_store, query


@dataclass
class StoreStatus:
    publishers: pd.DataFrame  # one row per publisher
    months: pd.DataFrame  # one row per publisher and month with payments
    unbuilt: list[str]  # raw files fetched or changed since the last build
    failed: pd.DataFrame  # files that could not be parsed, with the error
    warned: pd.DataFrame  # files whose self-checks found something (a printed total off, implausible rows)


def file_months(files: pd.DataFrame | None) -> dict[str, set[str]]:
    """publisher_id -> months covered by the files the store parsed (the store's files table, `period`)."""
    out: dict[str, set[str]] = {}
    if files is None or files.empty:
        return out
    parsed = files[files["status"] == "parsed"] if "status" in files.columns else files
    for publisher, period in zip(parsed["publisher_id"], parsed["period"]):
        if isinstance(period, str):
            out.setdefault(publisher, set()).update(months_of_period(period))
    return out


def stored_file_months(data_dir: str | Path | None = None) -> dict[str, set[str]]:
    """`file_months` of the store's files table: the months each publisher has a parsed file for."""
    from spend.store.read import load_files

    return file_months(load_files(data_dir, columns=["publisher_id", "period", "status"]))


MONTHLY = ("select publisher_id, strftime(payment_date, '%Y-%m') as month, count(*) as payments, "
           "sum(amount_gbp) as total_gbp from payments_counted where payment_date is not null "
           "group by all order by all")


def monthly_coverage(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Payments per publisher and month (counted once), with exact totals."""
    data = Path(data_dir) if data_dir else config.data_dir()
    return query(data, MONTHLY)


def store_status(data_dir: str | Path | None = None) -> StoreStatus:
    data = Path(data_dir) if data_dir else config.data_dir()
    with open_store(data) as store:  # every number from the same build's store
        files = store.frame("select * from files")
        counted = store.frame("select publisher_id, count(*) as payments, sum(amount_gbp) as total_gbp "
                              "from payments_counted group by all").set_index("publisher_id")
        rejects = store.frame("select publisher_id, count(*) as n from rejects group by all").set_index(
            "publisher_id")["n"]
        dups = store.frame("select publisher_id, count(*) as n from payments where duplicate_of is not null "
                           "group by all").set_index("publisher_id")["n"]
        months = store.frame(MONTHLY)
    try:
        unbuilt = files_changed_since_build(data)
    except BuildError:  # the raw folder is gone, or holds a file the build itself would refuse
        unbuilt = []

    if "warnings" not in files.columns:  # a store built before files carried their self-checks
        files["warnings"] = None
    rows = []
    for slug, group in files.groupby("publisher_id", sort=True):
        ok = group[group["status"] == "parsed"]
        present = sorted({m for period in ok["period"].dropna() for m in months_of_period(period)})
        rows.append({
            "publisher_id": slug,
            "publisher": group["publisher"].iloc[0],
            "files": len(group),
            "parsed": len(ok),
            "failed": int((group["status"] != "parsed").sum()),
            "warned": int(group["warnings"].notna().sum()),
            "payments": int(counted["payments"].get(slug, 0)),
            "rejected": int(rejects.get(slug, 0)),
            "published_twice": int(dups.get(slug, 0)),
            "total_gbp": counted["total_gbp"].get(slug, Decimal("0.00")),
            "first_month": present[0] if present else None,
            "last_month": present[-1] if present else None,
            "missing_months": format_month_spans(missing_months(present)) or None,
        })
    failed = files.loc[files["status"] != "parsed", ["publisher_id", "source_file", "error"]]
    warned = files.loc[files["warnings"].notna(), ["publisher_id", "source_file", "warnings"]]
    return StoreStatus(pd.DataFrame(rows), months, unbuilt, failed.reset_index(drop=True),
                       warned.reset_index(drop=True))
