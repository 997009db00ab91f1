"""What the store holds: per publisher and month, what is fetched, parsed, rejected, and missing.

    status = store_status()        # one row per publisher
    months = monthly_coverage()    # one row per publisher and month, with payments and totals

A month is missing when a publisher has files for months before and after it but none for it:
the file was never fetched, failed to parse, or was not published. A file's month is the period
its provenance record gives (from its name or link text), else the month most of its payments
fall in.
"""

from __future__ import annotations

import re
from decimal import Decimal
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .build import BuildError, duckdb_path, find_raw_files
from .errors import PaymentsInputError


_MONTH = re.compile(r"\d{4}-\d{2}")


def _file_months(periods) -> list[str]:
    """Months the files cover: '2020-04', or each month of a range '2014-04..2014-06'."""
    out = []
    for p in periods:
        first, _, last = str(p).partition("..")
        if _MONTH.fullmatch(first) and (not last or _MONTH.fullmatch(last)):
            out += [str(m) for m in pd.period_range(first, last or first, freq="M")]
    return sorted(set(out))


@dataclass
class StoreStatus:
    publishers: pd.DataFrame  # one row per publisher
    months: pd.DataFrame  # one row per publisher and month with payments
    unbuilt: list[str]  # raw files fetched since the last build
    failed: pd.DataFrame  # files that could not be parsed, with the error


def _connect(data: Path):
    import duckdb

    path = duckdb_path(data)
    if not path.is_file():
        raise PaymentsInputError(path, "no store here; run `spend build` first")
    return duckdb.connect(str(path), read_only=True)


def monthly_coverage(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Payments per publisher and month (counted once), with exact totals."""
    data = Path(data_dir) if data_dir else config.data_dir()
    con = _connect(data)
    try:
        return con.sql(
            "select publisher_id, strftime(payment_date, '%Y-%m') as month, count(*) as payments, "
            "sum(amount_gbp) as total_gbp from payments_counted where payment_date is not null "
            "group by all order by all"
        ).to_arrow_table().to_pandas()  # through Arrow: totals stay exact Decimals
    finally:
        con.close()


def missing_months(months: list[str]) -> list[str]:
    """Months between the first and last present ones that have no payments ('2020-05', ...)."""
    months = [m for m in months if _MONTH.fullmatch(m)]
    if not months:
        return []
    present = set(months)
    first, last = pd.Period(min(months), "M"), pd.Period(max(months), "M")
    return [str(p) for p in pd.period_range(first, last, freq="M") if str(p) not in present]


def month_ranges(months: list[str]) -> str:
    """'2014-07..2015-06, 2016-01' from a sorted list of months."""
    runs: list[list[pd.Period]] = []
    for m in map(lambda x: pd.Period(x, "M"), months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


def store_status(data_dir: str | Path | None = None) -> StoreStatus:
    data = Path(data_dir) if data_dir else config.data_dir()
    con = _connect(data)
    try:
        files = con.sql("select * from files").to_arrow_table().to_pandas()
        rejects = con.sql("select publisher_id, count(*) as n from rejects group by all").df()
        dups = con.sql("select publisher_id, count(*) as n from payments where duplicate_of is not null "
                       "group by all").df()
    finally:
        con.close()
    months = monthly_coverage(data)
    built = set(files["source_file"])
    try:
        raw = find_raw_files(data)
    except BuildError:  # no raw folder any more: nothing unbuilt to report
        raw = []
    unbuilt = sorted({f.rel for f in raw} - built)

    rows = []
    for slug, group in files.groupby("publisher_id", sort=True):
        ok = group[group["status"] == "parsed"]
        present = _file_months(ok["period"].dropna())
        rows.append({
            "publisher_id": slug,
            "publisher": group["publisher"].iloc[0],
            "files": len(group),
            "parsed": len(ok),
            "failed": int((group["status"] != "parsed").sum()),
            "payments": int(ok["rows_kept"].sum()),
            "rejected": int(rejects.loc[rejects["publisher_id"] == slug, "n"].sum()),
            "published_twice": int(dups.loc[dups["publisher_id"] == slug, "n"].sum()),
            "total_gbp": sum(ok["total_gbp"].dropna(), start=Decimal(0)),
            "first_month": min(present) if present else None,
            "last_month": max(present) if present else None,
            "missing_months": month_ranges(missing_months(present)) or None,
        })
    failed = files.loc[files["status"] != "parsed", ["publisher_id", "source_file", "error"]]
    return StoreStatus(pd.DataFrame(rows), months, unbuilt, failed.reset_index(drop=True))
