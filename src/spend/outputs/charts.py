"""Charts of payments and contracts, drawn with matplotlib's Agg renderer and saved as PNG.

Each function takes a table from spend.analysis.selection, returns the `Figure`, and writes a PNG when given a path.
Figures are built without pyplot, so nothing here touches a global backend or leaks open figures: the same
call works in a notebook, a test and the command line. Money axes read '£1,234,567'.

Amounts are converted to float only to place bars and lines on the canvas; totals shown as text (titles,
labels) come from exact Decimal sums.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from spend.core.money import format_gbp, money_sum
from spend.core.periods import as_date, every_month
from spend.core.files import write_via_temp

DPI = 120


def gbp_tick(value: float, _position=None) -> str:
    """Axis tick text: '£1,234,567', '-£25,000', '£0'."""
    return format_gbp(Decimal(round(value)), pence=False)


GBP_FORMATTER = FuncFormatter(gbp_tick)


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)  # attaches the Agg canvas: fig.canvas.draw() and savefig need no pyplot
    return fig


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write `fig` as PNG, atomically (a temp file renamed into place)."""
    return write_via_temp(Path(path), lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight"))


def _money_axis(axis) -> None:
    axis.set_major_formatter(GBP_FORMATTER)
    axis.set_major_locator(MaxNLocator(nbins=6))


def plot_monthly_by_publisher(monthly: pd.DataFrame, *, title: str = "Payments by month",
                              path: str | Path | None = None) -> Figure:
    """Stacked bars: one bar per month, one colour per publisher (spend.analysis.payments_by_month)."""
    fig = _new_figure(10, 4.8)
    ax = fig.add_subplot()
    months = every_month(monthly["month"]) if len(monthly) else []
    label_of = monthly["publisher"].where(monthly["publisher"].notna(), monthly["publisher_id"]) if len(monthly) else []
    positions = range(len(months))
    below_pos = [0.0] * len(months)
    below_neg = [0.0] * len(months)
    for publisher_id in sorted(set(monthly["publisher_id"])) if len(monthly) else []:
        part = monthly[monthly["publisher_id"] == publisher_id]
        by_month = {m: money_sum(part.loc[part["month"] == m, "amount_gbp"]) for m in set(part["month"])}
        heights = [float(by_month.get(m, Decimal(0))) for m in months]
        # Credits stack downwards from zero, payments upwards, so neither hides the other.
        bottoms = [below_neg[i] if h < 0 else below_pos[i] for i, h in enumerate(heights)]
        ax.bar(positions, heights, bottom=bottoms, label=str(label_of[part.index[0]]))
        for i, h in enumerate(heights):
            if h < 0:
                below_neg[i] += h
            else:
                below_pos[i] += h
    # Label at most ~18 months, so a span of years stays readable; every month still has its bar slot.
    step = max(1, -(-len(months) // 18))
    ax.set_xticks(list(positions)[::step], months[::step], rotation=45, ha="right")
    highest = max(below_pos + [0.0])
    lowest = min(below_neg + [0.0])
    ax.set_ylim(bottom=lowest * 1.08, top=highest * 1.08 if highest else 1)
    ax.set_xlabel("month of payment")
    ax.set_ylabel("amount paid")
    _money_axis(ax.yaxis)
    total = money_sum(monthly["amount_gbp"]) if len(monthly) else Decimal("0.00")
    ax.set_title(f"{title} (total {format_gbp(total)})")
    if len(monthly):
        ax.legend(loc="upper left", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    if path:
        save_png(fig, path)
    return fig


def plot_top_suppliers(top: pd.DataFrame, *, title: str = "Largest suppliers", path: str | Path | None = None) -> Figure:
    """Horizontal bars, largest at the top (spend.analysis.top_suppliers)."""
    fig = _new_figure(9, 0.45 * max(len(top), 3) + 1.5)
    ax = fig.add_subplot()
    names = [str(n) if isinstance(n, str) else str(i) for n, i in zip(top["supplier_name"], top["supplier_id"])]
    ax.barh(range(len(top)), [float(a) for a in top["amount_gbp"]])
    ax.set_yticks(range(len(top)), names, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("net amount paid")
    _money_axis(ax.xaxis)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    if path:
        save_png(fig, path)
    return fig


def plot_contract_against_payments(payments: pd.DataFrame, *, contract_value: Decimal | None = None,
                                   start: date | None = None, end: date | None = None,
                                   title: str = "Payments against the contract value",
                                   path: str | Path | None = None) -> Figure:
    """Cumulative payments as a step line, with the contract value as a horizontal line (when known) and
    the contract period shaded."""
    fig = _new_figure(9, 4.5)
    ax = fig.add_subplot()
    dated = sorted(((as_date(d), a) for d, a in zip(payments["payment_date"], payments["amount_gbp"])
                    if as_date(d) is not None), key=lambda t: t[0])
    running, xs, ys = Decimal("0.00"), [], []
    for d, amount in dated:
        running += amount
        xs.append(d)
        ys.append(float(running))
    first = start or (xs[0] if xs else date.today())
    last = end or (xs[-1] if xs else first + timedelta(days=30))
    if xs:
        ax.step([first] + xs + [max(last, xs[-1])], [0.0] + ys + [ys[-1]], where="post",
                label=f"paid, cumulative ({format_gbp(running)})")
    if contract_value is not None:
        ax.axhline(float(contract_value), color="tab:red", linestyle="--",
                   label=f"contract value ({format_gbp(contract_value)})")
    if start or end:
        ax.axvspan(first, last, color="grey", alpha=0.1, label="contract period")
    ax.set_xlabel("date")
    ax.set_ylabel("amount")
    _money_axis(ax.yaxis)
    top = max([float(contract_value or 0)] + ys + [0.0])
    bottom = min(ys + [0.0])  # below zero only when credits outweigh the payments so far
    ax.set_ylim(bottom=bottom * 1.1, top=top * 1.1 if top else 1)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    if path:
        save_png(fig, path)
    return fig
