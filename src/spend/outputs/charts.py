"""Charts of payments and contracts, drawn with matplotlib's Agg renderer and saved as PNG.

Each function takes a table from spend.analysis, returns the `Figure`, and writes a PNG when given a path.
Figures are built without pyplot, so nothing here touches a global backend or leaks open figures: the same
call works in a notebook, a test and the command line. Money axes read '£1,234,567'; every chart carries a
source line under it naming the bodies and the months it shows (`spend.outputs.reports.source_note`), and
legends sit beside the plot, where they hide nothing.

Amounts are converted to float only to place bars and lines on the canvas; totals shown as text (titles,
labels) come from exact Decimal sums.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from spend.core.money import format_gbp, money_sum
from spend.core.periods import Period, as_date, every_month, month_name, month_of, month_spans
from spend.core.files import write_via_temp
from spend.outputs.reports import source_note

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


def _source_line(fig: Figure, text: str) -> None:
    """The source under the chart and everything around it (tick labels, axis label, legend), left-aligned;
    `save_png` keeps all that is drawn."""
    fig.canvas.draw()  # lays out the tick labels, so their extent is known
    box = fig.axes[0].get_tightbbox(fig.canvas.get_renderer()).transformed(fig.transFigure.inverted())
    fig.text(box.x0, box.y0 - 0.02, text, ha="left", va="top", fontsize="small", color="dimgray")


def _legend_beside(ax) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def plot_monthly_by_publisher(monthly: pd.DataFrame, *, title: str = "Payments by month",
                              path: str | Path | None = None, months: list[str] | None = None,
                              file_months: dict[str, set[str]] | None = None, source: str | None = None) -> Figure:
    """Stacked bars: one bar per month, one colour per body (spend.analysis.payments_by_month).

    `months` is the span to show (default: the first to the last month with a payment). With `file_months`
    (publisher_id -> the months it has a parsed file for: spend.analysis.coverage.stored_file_months), a
    month for which none of the bodies has a file is shaded and labelled 'no file', and the source line
    names each body's months without a file: no bar there is not evidence of no payment."""
    fig = _new_figure(10, 4.8)
    ax = fig.add_subplot()
    months = months or (every_month(monthly["month"]) if len(monthly) else [])
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
    ax.set_xticks(list(positions)[::step], [_short_month(m) for m in months[::step]], rotation=45, ha="right")
    highest = max(below_pos + [0.0])
    lowest = min(below_neg + [0.0])
    ax.set_ylim(bottom=lowest * 1.08, top=highest * 1.08 if highest else 1)
    ax.set_xlabel("month of payment")
    ax.set_ylabel("amount paid")
    _money_axis(ax.yaxis)
    gaps = ""
    if file_months is not None:
        bodies_here = sorted(set(monthly["publisher_id"])) if len(monthly) else []
        covered = set().union(*(file_months.get(p, set()) for p in bodies_here)) if bodies_here else set()
        missing = [i for i, m in enumerate(months) if m not in covered]
        gaps = _months_without_files(monthly, months, file_months)
        for n, i in enumerate(missing):
            ax.axvspan(i - 0.45, i + 0.45, facecolor="none", edgecolor="lightgrey", hatch="//",
                       label="no file for this month" if n == 0 else None)
            ax.text(i, 0.5, "no file", rotation=90, ha="center", va="center", fontsize="small", color="grey",
                    transform=ax.get_xaxis_transform())
    total = money_sum(monthly["amount_gbp"]) if len(monthly) else Decimal("0.00")
    ax.set_title(f"{title} (total {format_gbp(total)})")
    if ax.get_legend_handles_labels()[0]:
        _legend_beside(ax)
    ax.grid(axis="y", alpha=0.3)
    bodies = sorted(set(label_of)) if len(monthly) else []
    _source_line(fig, source or source_note(bodies, months) + gaps)
    if path:
        save_png(fig, path)
    return fig


def _short_month(month: str) -> str:
    """'2020-04' -> 'Apr 2020'."""
    return f"{month_name(month)[:3]} {month[:4]}"


def _months_without_files(monthly: pd.DataFrame, months: list[str], file_months: dict[str, set[str]]) -> str:
    """' No file in the store for NHS Hounslow CCG: December 2020 to March 2021.' (empty when every body has
    a file for every month shown)."""
    parts = []
    for publisher_id in sorted(set(monthly["publisher_id"])) if len(monthly) else []:
        lacking = [m for m in months if m not in file_months.get(publisher_id, set())]
        if lacking:
            name = monthly.loc[monthly["publisher_id"] == publisher_id, "publisher"].iloc[0]
            spans = ", ".join(Period.between(a, b).for_reader() for a, b in month_spans(lacking))
            parts.append(f"{name if isinstance(name, str) else publisher_id}: {spans}")
    return f"\nNo file in the store for {'; '.join(parts)}." if parts else ""


def plot_top_suppliers(top: pd.DataFrame, *, title: str = "Largest suppliers", path: str | Path | None = None,
                       source: str | None = None) -> Figure:
    """Horizontal bars, largest at the top (spend.analysis.top_suppliers). `source` names the bodies and
    months the ranking covers (the table itself does not say)."""
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
    _source_line(fig, source or "Source: spend over £25k files in the spend store.")
    if path:
        save_png(fig, path)
    return fig


def plot_contract_against_payments(payments: pd.DataFrame, *, contract_value: Decimal | None = None,
                                   start: date | None = None, end: date | None = None,
                                   title: str = "Payments against the contract value",
                                   path: str | Path | None = None, source: str | None = None) -> Figure:
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
    ax.set_xlabel("date of payment")
    ax.set_ylabel("amount paid")
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    _money_axis(ax.yaxis)
    top = max([float(contract_value or 0)] + ys + [0.0])
    bottom = min(ys + [0.0])  # below zero only when credits outweigh the payments so far
    ax.set_ylim(bottom=bottom * 1.1, top=top * 1.1 if top else 1)
    ax.set_title(title)
    _legend_beside(ax)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    if source is None:
        bodies = sorted(set(payments["publisher"].dropna())) if "publisher" in payments.columns else []
        source = source_note(bodies, sorted({m for m in map(month_of, payments["payment_date"]) if m}))
    _source_line(fig, source)
    if path:
        save_png(fig, path)
    return fig
