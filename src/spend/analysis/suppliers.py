"""Who gets paid: a supplier's payments by month, the largest suppliers (the one ranking that the command
line, the notebooks and the reports all use), concentration and sector shares.

Money stays exact: every total is a sum of `Decimal`s, never of floats; shares are `Decimal` ratios. Totals
count each transaction once (`spend.analysis.selection.countable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable

import pandas as pd

from spend.core.errors import PaymentsInputError
from spend.core.money import CENT, money_sum
from spend.core.periods import Period, financial_year, month_of
from spend.analysis.selection import body_names, printed_publisher_names, select_payments, supplier_payments
from spend.suppliers.sectors import SECTORS
from spend.suppliers.totals import supplier_totals

SHARE_PLACES = Decimal("0.000001")


def payments_by_month(
    payments: pd.DataFrame, supplier: str, *, publisher_id: str | Iterable[str] | None = None,
    period: Period | None = None,
) -> pd.DataFrame:
    """One row per publisher and month: publisher_id, publisher, month ('YYYY-MM'), payments, amount_gbp.

    `supplier` is a group, id or name (see `match_supplier`); the match is in `frame.attrs['match']`.
    """
    rows, match = supplier_payments(payments, supplier, publisher_id=publisher_id, period=period)
    out = monthly_totals(rows)
    out.attrs["match"] = match
    return out


def monthly_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """Totals of payment rows by publisher and month (rows without a date are left out: no month)."""
    columns = ["publisher_id", "publisher", "month", "payments", "amount_gbp"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({
        "publisher_id": rows["publisher_id"].to_numpy(),
        "month": [month_of(d) for d in rows["payment_date"]],
        "amount_gbp": rows["amount_gbp"].to_numpy(),
    })
    frame = frame[frame["month"].notna()]
    grouped = frame.groupby(["publisher_id", "month"], sort=True)["amount_gbp"]
    out = pd.DataFrame({"payments": grouped.size(), "amount_gbp": grouped.agg(money_sum)}).reset_index()
    out.insert(1, "publisher", out["publisher_id"].map(body_names(rows)))
    return out[columns]


def totals_by(rows: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """Payment rows totalled by `keys`, each one of 'financial_year' (UK, April to March: '2020/21'), 'body'
    (the publisher's name) or a column of the rows; in key order, with payments and amount_gbp. Rows without
    a date are in financial year 'undated'. Counts every row given: select countable rows first."""
    columns = [*keys, "payments", "amount_gbp"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    names = body_names(rows) if "body" in keys else {}
    frame = pd.DataFrame({
        k: ([financial_year(d) or "undated" for d in rows["payment_date"]] if k == "financial_year"
            else rows["publisher_id"].map(names).to_numpy() if k == "body" else rows[k].to_numpy())
        for k in keys
    })
    frame["amount_gbp"] = rows["amount_gbp"].to_numpy()
    grouped = frame.groupby(list(keys), sort=True, dropna=False)["amount_gbp"]
    return pd.DataFrame({"payments": grouped.size(), "amount_gbp": grouped.agg(money_sum)}).reset_index()[columns]


def name_variants_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Every published spelling behind some payment rows, with the supplier it was tied to and how: supplier
    (canonical name), name as published, how matched, payments, amount_gbp; largest supplier first."""
    columns = ["supplier", "name_as_published", "how_matched", "payments", "amount_gbp"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({
        "supplier": rows["supplier_name"].astype(object).where(rows["supplier_name"].notna(), "(no supplier)"),
        "name_as_published": rows["supplier_name_raw"].astype(object).where(rows["supplier_name_raw"].notna(), ""),
        "how_matched": rows["match_method"].astype(object).where(rows["match_method"].notna(), "") if
        "match_method" in rows.columns else "",
        "amount_gbp": rows["amount_gbp"].to_numpy(),
    })
    grouped = frame.groupby(["supplier", "name_as_published", "how_matched"], sort=False)["amount_gbp"]
    out = pd.DataFrame({"payments": grouped.size(), "amount_gbp": grouped.agg(money_sum)}).reset_index()
    by_supplier = {s: money_sum(out.loc[out["supplier"] == s, "amount_gbp"]) for s in set(out["supplier"])}
    order = sorted(range(len(out)), key=lambda i: (-by_supplier[out["supplier"].iat[i]], out["supplier"].iat[i],
                                                   -out["amount_gbp"].iat[i], out["name_as_published"].iat[i]))
    return out.iloc[order].reset_index(drop=True)[columns]


# --- who gets paid -----------------------------------------------------------------------------------------


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(SHARE_PLACES) if whole else None


def top_suppliers(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
    n: int = 10, variants: bool = False,
) -> pd.DataFrame:
    """The `n` suppliers paid most (net), with rank and share; the share is of the same total as
    `concentration`'s (identified suppliers with a positive net total), so the two agree.

    Columns: rank, supplier_id, supplier_name, supplier_group, supplier_kind, supplier_sector, payments,
    amount_gbp, share; with `variants`, also every spelling the supplier was published under, as
    (published name, payments, match method), most used first."""
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    totals = supplier_totals(rows)
    whole = money_sum(a for a in totals["amount_gbp"] if a > 0)
    top = totals.head(n).copy()
    top.insert(0, "rank", range(1, len(top) + 1))
    top["share"] = [_share(a, whole) for a in top["amount_gbp"]]
    if variants:
        top["variants"] = [name_variants(rows[rows["supplier_id"] == sid]) for sid in top["supplier_id"]]
    return top


def group_members(payments: pd.DataFrame, group: str | None = None) -> pd.DataFrame:
    """Every corporate group (or the groups whose name contains `group`, any case) with its member suppliers:
    one row per member, the groups largest first and their members largest first. Columns: supplier_group,
    group_gbp, group_payments, then the member's supplier_id, supplier_name, payments, amount_gbp and
    variants (every spelling it was published under, as in `top_suppliers`). Counts each transaction once."""
    rows = select_payments(payments)
    rows = rows[rows["supplier_group"].notna()] if "supplier_group" in rows.columns else rows.iloc[0:0]
    if group:
        rows = rows[rows["supplier_group"].str.contains(group, case=False, regex=False)]
    out = []
    for name, members in rows.groupby("supplier_group", sort=False):
        totals = supplier_totals(members)
        for r in totals.itertuples(index=False):
            out.append({"supplier_group": name, "group_gbp": money_sum(totals["amount_gbp"]),
                        "group_payments": int(totals["payments"].sum()), "supplier_id": r.supplier_id,
                        "supplier_name": r.supplier_name, "payments": int(r.payments), "amount_gbp": r.amount_gbp,
                        "variants": name_variants(members[members["supplier_id"] == r.supplier_id])})
    columns = ["supplier_group", "group_gbp", "group_payments", "supplier_id", "supplier_name", "payments",
               "amount_gbp", "variants"]
    out.sort(key=lambda m: (-m["group_gbp"], m["supplier_group"], -m["amount_gbp"], m["supplier_id"]))
    return pd.DataFrame(out, columns=columns)


def name_variants(rows: pd.DataFrame) -> list[tuple[str, int, str]]:
    """The published spellings of some payment rows: (name as published, payments, match method), most
    used first."""
    if rows.empty:
        return []
    method = rows["match_method"] if "match_method" in rows.columns else pd.Series("", index=rows.index)
    counts = (pd.DataFrame({"name": rows["supplier_name_raw"].astype(object), "method": method.astype(object)})
              .groupby(["name", "method"], dropna=False).size().reset_index(name="n")
              .sort_values(["n", "name"], ascending=[False, True]))
    return [(name, int(k), how) for name, how, k in zip(counts["name"], counts["method"], counts["n"])]


@dataclass(frozen=True)
class Concentration:
    """How much of a publisher's money goes to its largest suppliers.

    Shares are of `total_gbp`, the net total of the suppliers whose net total is positive (a supplier that
    was refunded more than it was paid has no meaningful share). HHI is the Herfindahl-Hirschman index on
    percentage shares: 10,000 when one supplier takes everything, near 0 when spend is spread thinly.
    """

    total_gbp: Decimal
    suppliers: int
    top5_share: Decimal | None
    top10_share: Decimal | None
    hhi: Decimal | None
    unidentified_gbp: Decimal  # rows with no supplier id (blank, redacted, totals lines)
    net_negative_suppliers: int


def concentration(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
) -> Concentration:
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    totals = supplier_totals(rows)
    positive = [a for a in totals["amount_gbp"] if a > 0]
    whole = money_sum(positive)
    hhi = None
    if whole:
        hhi = sum(((a / whole) * 100) ** 2 for a in positive).quantize(CENT)
    return Concentration(
        total_gbp=whole,
        suppliers=len(positive),
        top5_share=_share(money_sum(positive[:5]), whole),
        top10_share=_share(money_sum(positive[:10]), whole),
        hhi=hhi,
        unidentified_gbp=money_sum(rows.loc[rows["supplier_id"].isna(), "amount_gbp"]),
        net_negative_suppliers=sum(1 for a in totals["amount_gbp"] if a < 0),
    )


def sector_of(name, kind, classify: Callable[[str | None, str | None], str]) -> str:
    """The sector of one supplier by `classify(name, kind)`: nhs, public, charity, company, individual,
    excluded or unknown (anything else the classifier says is 'unknown').

    A named individual is 'individual' before the classifier is asked, so no classifier ever reads a
    person's name."""
    if kind == "person":
        return "individual"
    sector = classify(name, kind)
    return sector if sector in SECTORS else "unknown"


def _classified_sectors(rows: pd.DataFrame, classify: Callable[[str | None, str | None], str]) -> list[str]:
    """Each row's sector by `classify`, on the canonical supplier name (the published one when there is none);
    each distinct (name, kind) is classified once."""
    names = rows["supplier_name"].where(rows["supplier_name"].notna(), rows["supplier_name_raw"])
    cache: dict[tuple, str] = {}
    sectors = []
    for name, kind in zip(names.tolist(), rows["supplier_kind"].tolist()):
        name = None if name is None or (isinstance(name, float) and name != name) else name
        if (name, kind) not in cache:
            cache[(name, kind)] = sector_of(name, kind, classify)
        sectors.append(cache[(name, kind)])
    return sectors


def sector_shares(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
    classify: Callable[[str | None, str | None], str] | None = None,
) -> pd.DataFrame:
    """Money by supplier sector: sector, suppliers, payments, amount_gbp, share (of the net total of all rows).

    A row's sector is the store's `supplier_sector`: decided by spend.suppliers.sectors when the store was
    built, once per supplier over all of its spellings. `classify(name, kind)` puts another classifier in its
    place (to try a rule, or to classify payments that were not built into a store).
    `frame.attrs['classifier']` says which was used."""
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    if classify is not None:
        sectors = _classified_sectors(rows, classify)
        used = f"{classify.__module__}.{classify.__name__}"
    elif "supplier_sector" in rows.columns:
        # Blank only when the build had no supplier names to resolve; such a row counts as unknown.
        sectors = [s if s in SECTORS else "unknown" for s in rows["supplier_sector"].fillna("unknown")]
        used = "supplier_sector column"
    else:
        raise PaymentsInputError(None, "these payments have no supplier_sector column: read them from the store "
                                       "(spend.store.load_payments) or pass classify=")
    frame = pd.DataFrame({
        "sector": sectors, "supplier_id": rows["supplier_id"].to_numpy(), "amount_gbp": rows["amount_gbp"].to_numpy(),
    })
    whole = money_sum(frame["amount_gbp"])
    out = []
    for sector in SECTORS:
        part = frame[frame["sector"] == sector]
        amount = money_sum(part["amount_gbp"])
        out.append({
            "sector": sector, "suppliers": part["supplier_id"].dropna().nunique(), "payments": len(part),
            "amount_gbp": amount, "share": _share(amount, whole),
        })
    result = pd.DataFrame(out, columns=["sector", "suppliers", "payments", "amount_gbp", "share"])
    result.attrs["classifier"] = used
    return result


def summarise_by_supplier(rows: pd.DataFrame) -> pd.DataFrame:
    """Payment rows totalled by publisher and supplier, largest first: publisher_id, supplier_id,
    supplier_name, payments, amount_gbp."""
    columns = ["publisher_id", "supplier_id", "supplier_name", "payments", "amount_gbp"]
    known = rows[rows["supplier_id"].notna()]
    if known.empty:
        return pd.DataFrame(columns=columns)
    grouped = known.groupby(["publisher_id", "supplier_id"], sort=False)
    out = pd.DataFrame({
        "supplier_name": grouped["supplier_name"].first(), "payments": grouped.size(),
        "amount_gbp": grouped["amount_gbp"].agg(money_sum),
    }).reset_index()
    order = sorted(range(len(out)), key=lambda i: (-out["amount_gbp"].iat[i], out["publisher_id"].iat[i],
                                                   out["supplier_id"].iat[i]))
    return out.iloc[order].reset_index(drop=True)[columns]
