"""Tables and notes for a reader: what `spend suppliers report` prints, and what the notebooks show.

In a report, money reads `£34,500.00`, a share `35.2%`, a body by its name (never its slug), a year as the UK
financial year (`2020/21`); a table renders as a table (`table`), and every chart and table of payments can
say where it comes from (`source_note`).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from spend.core.money import format_gbp
from spend.core.periods import Period, month_name


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


def format_groups(members: pd.DataFrame) -> str:
    """`spend.analysis.group_members(...)` as text: each group with its total, then each member supplier with
    its total and every spelling it was published under."""
    if members.empty:
        return "No payments to a supplier in a listed group."
    lines = []
    for group, rows in members.groupby("supplier_group", sort=False):
        first = rows.iloc[0]
        if lines:
            lines.append("")  # a blank line between groups
        lines.append(f"{group}  {format_gbp(first['group_gbp'])}  {_count(first['group_payments'], 'payment')}  "
                     f"{_count(len(rows), 'supplier')}")
        for r in rows.itertuples(index=False):
            lines.append(f"   {r.supplier_name}  {format_gbp(r.amount_gbp)}  {_count(r.payments, 'payment')}  "
                         f"({r.supplier_id})  {_count(len(r.variants), 'published name')}")
            for name, n, method in r.variants:
                lines.append(f"      {n:>6} x {name!r}  [{method}]")
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def format_share(share) -> str:
    """A share (0.352172) as a reader writes it: '35.2%'; '' when there is none."""
    if share is None or (isinstance(share, float) and share != share):
        return ""
    return f"{Decimal(str(share)) * 100:.1f}%"


def source_note(bodies: list[str], months: list[str]) -> str:
    """'Source: spend over £25k files of NHS Hounslow CCG and NHS Redbridge CCG, April 2020 to March 2021.'"""
    who = ", ".join(bodies[:-1]) + (" and " if len(bodies) > 1 else "") + bodies[-1] if bodies else "the bodies in the store"
    when = ""
    if months:
        first, last = min(months), max(months)
        when = ", " + Period.between(first, last).for_reader()
    return f"Source: spend over £25k files of {who}{when}."


# Column headings as a reader reads them; a column not named here keeps its name, written as words.
_HEADINGS = {
    "amount_gbp": "Amount", "paid_gbp": "Paid", "unpaid_gbp": "Unpaid", "total_gbp": "Total", "value_amount": "Value",
    "share": "Share", "payments": "Payments", "supplier_name": "Supplier", "supplier_name_raw": "Supplier as published",
    "publisher": "Body", "body": "Body", "financial_year": "Financial year", "payment_date": "Date",
    "transaction_id": "Transaction", "month": "Month", "rank": "Rank",
}
_MONEY = {"amount_gbp", "paid_gbp", "unpaid_gbp", "total_gbp", "value_amount", "expected", "computed"}
# Slugs are for the command line; a reader gets the body's name (a `publisher` or `body` column) instead.
_HIDDEN = {"publisher_id", "supplier_id", "supplier_ids", "source_sha256"}


def table(frame: pd.DataFrame, *, caption: str | None = None):
    """`frame` as a reader's table (a pandas Styler: renders as HTML in a notebook and its report): money as
    £, shares as %, months and years as words, slugs and hashes left out, headings in words, no index."""
    shown = frame[[c for c in frame.columns if c not in _HIDDEN]]
    formats = {}
    for c in shown.columns:
        if c in _MONEY or str(c).endswith("_gbp"):
            formats[c] = lambda v: format_gbp(v) if v is not None and v == v else ""
        elif c == "share" or str(c).endswith("_share"):
            formats[c] = format_share
        elif c == "month":
            formats[c] = lambda v: month_name(v) if isinstance(v, str) and len(v) == 7 else v
        elif pd.api.types.is_integer_dtype(shown[c]):
            formats[c] = "{:,}"
    styled = shown.style.format(formats, na_rep="").hide(axis="index")
    styled = styled.relabel_index([_HEADINGS.get(c, str(c).replace("_", " ").capitalize()) for c in shown.columns],
                                  axis="columns")
    return styled.set_caption(caption) if caption else styled


def concentration_table(c) -> pd.DataFrame:
    """A `spend.analysis.Concentration` as a two-column table a reader can follow."""
    rows = [
        ("Paid to identified suppliers (net, those with a positive total)", format_gbp(c.total_gbp)),
        ("Suppliers", f"{c.suppliers:,}"),
        ("Share of the largest 5", format_share(c.top5_share)),
        ("Share of the largest 10", format_share(c.top10_share)),
        ("Herfindahl-Hirschman index (10,000 = one supplier)", f"{c.hhi:,.0f}" if c.hhi is not None else ""),
        ("Paid on lines naming no supplier (blank, redacted, totals)", format_gbp(c.unidentified_gbp)),
        ("Suppliers refunded more than they were paid", f"{c.net_negative_suppliers:,}"),
    ]
    return pd.DataFrame(rows, columns=["Measure", "Value"])


def paid_sentence(rows: pd.DataFrame, supplier: str, period: Period | None = None) -> str:
    """The sentence a finding is written as: 'Between April 2018 and January 2019, NHS England paid Optum /
    UnitedHealth £6,784,671.33 in 12 payments.' Bodies by name; the period given, else the months the rows'
    dates span. `rows` are countable payment rows (each transaction once)."""
    from spend.analysis.selection import body_names
    from spend.core.money import money_sum
    from spend.core.periods import month_of

    names = list(body_names(rows).values()) if len(rows) else []
    who = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else (names[0] if names else "No body")
    months = sorted({m for m in map(month_of, rows["payment_date"]) if m}) if len(rows) else []
    if period is None or not (period.start and period.end):
        period = Period.between(months[0], months[-1]) if months else period
    text = period.for_reader() if period is not None else "all dates"
    if text.startswith(("from ", "to ")):
        when = text.capitalize()
    elif " to " in text:
        when = "Between " + text.replace(" to ", " and ", 1)
    else:
        when = f"In {text}"
    count = len(rows)
    return f"{when}, {who} paid {supplier} {format_gbp(money_sum(rows['amount_gbp']))} in {count:,} payment" \
           f"{'' if count == 1 else 's'}."



def file_slug(text: str) -> str:
    """A name for files about `text`: 'Optum / UnitedHealth' -> 'optum-unitedhealth'."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "report"
