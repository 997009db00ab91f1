"""The suppliers report: the largest suppliers with every spelling they were published under."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

REPORT_COLUMNS = (
    "rank", "supplier_id", "supplier_name", "supplier_kind", "supplier_group", "payments", "total_gbp", "variants",
)


def summarise_top_suppliers(annotated: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The `top` suppliers by net pounds paid (REPORT_COLUMNS). `variants` is a list of
    (published name, payments, match method) for each spelling, most used first."""
    rows = annotated[annotated["supplier_id"].notna()]
    totals: dict[str, Decimal] = {}
    for supplier_id, amount in zip(rows["supplier_id"], rows["amount_gbp"]):
        if amount is None or (isinstance(amount, float) and amount != amount):
            continue
        totals[supplier_id] = totals.get(supplier_id, Decimal("0")) + Decimal(str(amount))
    ranked = sorted(totals, key=lambda s: (-totals[s], s))[:top]
    out = []
    for rank, supplier_id in enumerate(ranked, start=1):
        mine = rows[rows["supplier_id"] == supplier_id]
        variants = (
            mine.groupby(["supplier_name_raw", "match_method"]).size().reset_index(name="n")
            .sort_values(["n", "supplier_name_raw"], ascending=[False, True])
        )
        out.append({
            "rank": rank, "supplier_id": supplier_id, "supplier_name": mine["supplier_name"].iloc[0],
            "supplier_kind": mine["supplier_kind"].iloc[0],
            "supplier_group": mine["supplier_group"].iloc[0], "payments": len(mine), "total_gbp": totals[supplier_id],
            "variants": [(r.supplier_name_raw, int(r.n), r.match_method) for r in variants.itertuples()],
        })
    return pd.DataFrame(out, columns=list(REPORT_COLUMNS))


def format_report(report: pd.DataFrame) -> str:
    """The report as plain text for a terminal."""
    lines = []
    for r in report.itertuples(index=False):
        group = f"  [group: {r.supplier_group}]" if r.supplier_group else ""
        kind = "" if r.supplier_kind == "organisation" else f"  [{r.supplier_kind.replace('_', ' ')}]"
        lines.append(f"{r.rank:>2}. {r.supplier_name}  £{r.total_gbp:,.2f}  {r.payments} payments  ({r.supplier_id}){kind}{group}")
        for name, n, method in r.variants:
            lines.append(f"      {n:>6} x {name!r}  [{method}]")
    return "\n".join(lines)
