"""The suppliers report: the largest suppliers with every spelling they were published under."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from spend.suppliers.keys import is_missing

REPORT_COLUMNS = (
    "rank", "supplier_id", "supplier_name", "supplier_kind", "supplier_sector", "supplier_group", "payments",
    "total_gbp", "variants",
)


def totals_by_supplier(annotated: pd.DataFrame) -> tuple[dict[str, int], dict[str, Decimal]]:
    """(payments, net pounds) per supplier id of an annotated payments table; rows without a supplier are
    left out, and blank amounts count as payments but add nothing. Pounds are summed exactly as Decimals."""
    rows = annotated[annotated["supplier_id"].notna()]
    counts = {str(k): int(v) for k, v in rows.groupby("supplier_id").size().items()}
    sums: dict[str, Decimal] = {}
    if "amount_gbp" in rows.columns:
        for supplier_id, amount in zip(rows["supplier_id"], rows["amount_gbp"]):
            if is_missing(amount):
                continue
            sums[supplier_id] = sums.get(supplier_id, Decimal("0")) + Decimal(str(amount))
    return counts, sums


def summarise_top_suppliers(annotated: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The `top` suppliers by net pounds paid (REPORT_COLUMNS). `variants` is a list of
    (published name, payments, match method) for each spelling, most used first."""
    rows = annotated[annotated["supplier_id"].notna()]
    counts, totals = totals_by_supplier(annotated)
    ranked = sorted(totals, key=lambda s: (-totals[s], s))[:top]
    out = []
    for rank, supplier_id in enumerate(ranked, start=1):
        mine = rows[rows["supplier_id"] == supplier_id]
        variants = (
            mine.groupby(["supplier_name_raw", "match_method"]).size().reset_index(name="n")
            .sort_values(["n", "supplier_name_raw"], ascending=[False, True])
        )
        first = mine.iloc[0]
        out.append({
            "rank": rank, "supplier_id": supplier_id, "supplier_name": first["supplier_name"],
            "supplier_kind": first["supplier_kind"], "supplier_sector": first.get("supplier_sector"),
            "supplier_group": first["supplier_group"], "payments": counts[supplier_id], "total_gbp": totals[supplier_id],
            "variants": [(r.supplier_name_raw, int(r.n), r.match_method) for r in variants.itertuples()],
        })
    return pd.DataFrame(out, columns=list(REPORT_COLUMNS))


def format_report(report: pd.DataFrame) -> str:
    """The report as plain text for a terminal."""
    lines = []
    for r in report.itertuples(index=False):
        group = "" if is_missing(r.supplier_group) or not r.supplier_group else f"  [group: {r.supplier_group}]"
        kind = "" if r.supplier_kind == "organisation" else f"  [{r.supplier_kind.replace('_', ' ')}]"
        sector = "" if is_missing(r.supplier_sector) or not r.supplier_sector else f"  [{r.supplier_sector}]"
        lines.append(f"{r.rank:>2}. {r.supplier_name}  £{r.total_gbp:,.2f}  {r.payments} payments  ({r.supplier_id})"
                     f"{sector}{kind}{group}")
        for name, n, method in r.variants:
            lines.append(f"      {n:>6} x {name!r}  [{method}]")
    return "\n".join(lines)
