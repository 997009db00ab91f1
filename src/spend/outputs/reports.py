"""Tables as text for a terminal or a report: what `spend suppliers report` prints."""

from __future__ import annotations

import pandas as pd

from spend.core.money import format_gbp


def _filled(value) -> bool:
    return isinstance(value, str) and bool(value)


def format_top_suppliers(top: pd.DataFrame) -> str:
    """`spend.analysis.top_suppliers(..., variants=True)` as text: one line a supplier (rank, name, total,
    payments, id, sector, kind, group), then each spelling it was published under and how it was matched."""
    lines = []
    for r in top.itertuples(index=False):
        sector = f"  [{r.supplier_sector}]" if _filled(r.supplier_sector) else ""
        kind = "" if r.supplier_kind == "organisation" or not _filled(r.supplier_kind) else \
            f"  [{r.supplier_kind.replace('_', ' ')}]"
        group = f"  [group: {r.supplier_group}]" if _filled(r.supplier_group) else ""
        lines.append(f"{r.rank:>2}. {r.supplier_name}  {format_gbp(r.amount_gbp)}  {r.payments} payments  "
                     f"({r.supplier_id}){sector}{kind}{group}")
        for name, n, method in getattr(r, "variants", []):
            lines.append(f"      {n:>6} x {name!r}  [{method}]")
    return "\n".join(lines)
