"""Charts: PNGs written, money axes in pounds with thousands separators, the plotted values right."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from spend import analysis
from spend.outputs import charts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
GBP_TICK = re.compile(r"^-?£\d{1,3}(,\d{3})*$")


@pytest.mark.parametrize("value, text", [
    (1234567, "£1,234,567"), (0, "£0"), (-25000, "-£25,000"), (999.6, "£1,000"), (25000.4, "£25,000"),
])
def test_gbp_tick(value, text):
    assert charts.gbp_tick(value) == text


def _labels(fig, axis: str) -> list[str]:
    fig.canvas.draw()  # tick labels are set when the figure is drawn
    ax = fig.axes[0]
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels if t.get_text()]


def _assert_money_ticks(labels: list[str]) -> None:
    assert labels and all(GBP_TICK.match(t) for t in labels), labels
    assert any("," in t for t in labels), labels


def _source(fig) -> str:
    (text,) = fig.texts
    return text.get_text()


def _assert_legend_beside_the_plot(fig) -> None:
    """The legend is drawn right of the plotting area, so it hides no bar or line."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    assert ax.get_legend().get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


def _assert_source_under_everything(fig) -> None:
    renderer = fig.canvas.get_renderer()
    (text,) = fig.texts
    below = text.get_window_extent(renderer)
    for item in [*fig.axes[0].get_xticklabels(), fig.axes[0].xaxis.label]:
        if item.get_text():
            assert below.y1 <= item.get_window_extent(renderer).y0 + 0.5, item.get_text()


def _assert_png(path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000


@pytest.mark.slow
def test_monthly_payments_by_publisher(fixture_payments, tmp_path):
    monthly = analysis.payments_by_month(fixture_payments, "Optum / UnitedHealth", publisher_id=["nhs-hounslow-ccg", "nhs-redbridge-ccg"])
    fig = charts.plot_monthly_by_publisher(monthly, title="Payments to Optum", path=tmp_path / "monthly.png")
    _assert_png(tmp_path / "monthly.png")
    _assert_money_ticks(_labels(fig, "y"))
    ax = fig.axes[0]
    assert ax.get_title() == "Payments to Optum (total £402,285.21)"
    _assert_source_under_everything(fig)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("month of payment", "amount paid")
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Apr 2020", "May 2020"]
    assert _source(fig) == "Source: spend over £25k files of NHS Hounslow CCG and NHS Redbridge CCG, 2020/21."
    _assert_legend_beside_the_plot(fig)
    # One series per publisher, one bar per month from 2020-04 to 2021-03; July 2020 holds Hounslow's three.
    hounslow, redbridge = ax.containers
    assert len(hounslow) == len(redbridge) == 12
    assert [b.get_height() for b in hounslow][:8] == [34500, 0, 0, 103500, 0, 69000, 34500, 34500]
    assert redbridge[1].get_height() == pytest.approx(108103.90) and redbridge[11].get_height() == pytest.approx(18181.31)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["NHS Hounslow CCG", "NHS Redbridge CCG"]


@pytest.mark.slow
def test_top_suppliers(fixture_payments, tmp_path):
    top = analysis.top_suppliers(fixture_payments, publisher_id="nhs-hounslow-ccg", n=5)
    fig = charts.plot_top_suppliers(top, path=tmp_path / "top.png")
    _assert_png(tmp_path / "top.png")
    _assert_money_ticks(_labels(fig, "x"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Chelsea and Westminster Hospital NHS Foundation Trust"
    assert [b.get_width() for b in ax.patches] == [float(a) for a in top["amount_gbp"]]


@pytest.mark.slow
def test_contract_value_against_cumulative_payments(fixture_payments, tmp_path):
    rows, _ = analysis.supplier_payments(fixture_payments, "Optum / UnitedHealth", publisher_id="nhs-hounslow-ccg")
    fig = charts.plot_contract_against_payments(
        rows, contract_value=Decimal("400000.00"), start=date(2020, 4, 1), end=date(2021, 3, 31),
        path=tmp_path / "contract.png")
    _assert_png(tmp_path / "contract.png")
    _assert_money_ticks(_labels(fig, "y"))
    step, contract = fig.axes[0].get_lines()
    assert list(contract.get_ydata()) == [400000.0, 400000.0]
    heights = list(step.get_ydata())
    assert heights[0] == 0 and heights[-1] == 276000.0 and heights == sorted(heights)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["paid, cumulative (£276,000.00)", "contract value (£400,000.00)", "contract period"]


@pytest.mark.slow
def test_chart_without_a_contract_value(fixture_payments):
    rows, _ = analysis.supplier_payments(fixture_payments, "Optum / UnitedHealth", publisher_id="nhs-redbridge-ccg")
    fig = charts.plot_contract_against_payments(rows)
    (step,) = fig.axes[0].get_lines()
    assert step.get_ydata()[-1] == pytest.approx(126285.21)  # the republished March row counted once


def test_cumulative_credits_are_drawn_below_zero():
    import pandas as pd

    credits = pd.DataFrame({"payment_date": [date(2020, 4, 1), date(2020, 5, 1)],
                            "amount_gbp": [Decimal("-100.00"), Decimal("-50.00")]})
    fig = charts.plot_contract_against_payments(credits)
    (step,) = fig.axes[0].get_lines()
    assert list(step.get_ydata()) == [0.0, -100.0, -150.0, -150.0]
    assert fig.axes[0].get_ylim()[0] <= -150  # the line is on the canvas, not cut off at zero


@pytest.mark.slow
def test_months_without_a_file_are_shaded_and_named_under_the_chart(fixture_payments, fixture_store, tmp_path):
    from spend.analysis.coverage import stored_file_months

    rows, _ = analysis.supplier_payments(fixture_payments, "Optum / UnitedHealth", publisher_id="nhs-hounslow-ccg")
    monthly = analysis.monthly_totals(rows)
    year = analysis.Period.between("2020-04", "2021-03").months()
    fig = charts.plot_monthly_by_publisher(monthly, title="Payments to Optum by NHS Hounslow CCG", months=year,
                                           file_months=stored_file_months(fixture_store), path=tmp_path / "gaps.png")
    _assert_png(tmp_path / "gaps.png")
    ax = fig.axes[0]
    # Hounslow's eight files cover April to November 2020: the four months after are 'no file', not 'no payment'.
    assert [t.get_text() for t in ax.texts] == ["no file"] * 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no file for this month", "NHS Hounslow CCG"]
    assert _source(fig) == ("Source: spend over £25k files of NHS Hounslow CCG, 2020/21.\n"
                            "No file in the store for NHS Hounslow CCG: December 2020 to March 2021.")
    _assert_source_under_everything(fig)
    _assert_legend_beside_the_plot(fig)


@pytest.mark.slow
def test_every_chart_names_its_source(fixture_payments):
    top = analysis.top_suppliers(fixture_payments, publisher_id="nhs-hounslow-ccg", n=5)
    fig = charts.plot_top_suppliers(top, title="Largest suppliers", source="Source: spend over £25k files of NHS Hounslow CCG.")
    assert _source(fig) == "Source: spend over £25k files of NHS Hounslow CCG."
    _assert_source_under_everything(fig)
    rows, _ = analysis.supplier_payments(fixture_payments, "Optum / UnitedHealth", publisher_id="nhs-hounslow-ccg")
    fig = charts.plot_contract_against_payments(rows, title="Optum and NHS Hounslow CCG")
    assert _source(fig) == "Source: spend over £25k files of NHS Hounslow CCG, April 2020 to November 2020."
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("date of payment", "amount paid")
    _assert_source_under_everything(fig)
    _assert_legend_beside_the_plot(fig)
