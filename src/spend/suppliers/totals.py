"""Money per supplier: the one place payments are totalled by supplier id (the rankings of
`spend.analysis.suppliers` and the review's biggest-money-first order both read it)."""

from __future__ import annotations

import pandas as pd

from spend.core.money import money_sum

TOTAL_COLUMNS = ["supplier_id", "supplier_name", "supplier_group", "supplier_kind", "supplier_sector", "payments",
                 "amount_gbp"]


def supplier_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """Net totals by supplier id, largest first (TOTAL_COLUMNS). Rows with no supplier id (blank, redacted,
    totals) are left out; a blank amount counts as a payment and adds nothing. Counts every row given:
    leave out republished transactions first (`spend.analysis.selection.countable`)."""
    known = rows[rows["supplier_id"].notna()]
    if known.empty:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    grouped = known.groupby("supplier_id", sort=False)
    out = pd.DataFrame({
        **{c: grouped[c].first() if c in known.columns else None
           for c in ("supplier_name", "supplier_group", "supplier_kind", "supplier_sector")},
        "payments": grouped.size(),
        "amount_gbp": grouped["amount_gbp"].agg(money_sum),
    }).reset_index()
    # Sort on exact amounts (a Decimal column sorts as Python objects); ties by id, for a stable order.
    order = sorted(range(len(out)), key=lambda i: (-out["amount_gbp"].iat[i], out["supplier_id"].iat[i]))
    out = out.iloc[order].reset_index(drop=True)[TOTAL_COLUMNS]
    return out.astype({c: object for c in TOTAL_COLUMNS if c not in ("payments",)}).where(out.notna(), None)
