# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 Who gets paid
#
# One body's largest suppliers, how concentrated its spending is, and the share paid to NHS bodies, other
# public bodies, charities, companies and individuals.
#
# Re-run it for another body or period by changing the parameters below (papermill can pass them).
#
# Data: the store in `$SPEND_DATA`. Logic: `spend.analysis` (`top_suppliers`, `concentration`,
# `sector_shares`, which reads the `supplier_sector` that `spend build` stored from `spend.suppliers.sectors`).

# %% tags=["parameters"]
body = "nhs-hounslow-ccg"  # one body: its registry slug or its name
date_from = "2020-04"  # first month, "YYYY-MM"
date_to = "2021-03"  # last month, "YYYY-MM"

# %%
from IPython.display import Image, Markdown, display

from spend import analysis
from spend.core.config import data_dir
from spend.outputs import charts, figures, reports
from spend.store import load_payments

payments = load_payments()
(publisher,) = analysis.choose_publishers(payments, [body])
period = analysis.Period.between(date_from, date_to)
in_period = analysis.select_payments(payments, publisher_id=publisher, period=period)
name = analysis.body_names(in_period).get(publisher, body) if len(in_period) else body
out = data_dir() / "reports"
display(Markdown(f"**{name}**, {period.for_reader()}: {len(in_period):,} payments, "
                 f"{analysis.format_gbp(analysis.money_sum(in_period['amount_gbp']))} in all."))

# %% [markdown]
# ## The ten largest suppliers (net of credits)

# %%
top = analysis.top_suppliers(payments, publisher_id=publisher, period=period, n=10)
reports.table(top[["rank", "supplier_name", "supplier_sector", "payments", "amount_gbp", "share"]])

# %%
chart = out / f"02-{publisher}-top-suppliers.png"
source = reports.source_note([name], period.months())
charts.plot_top_suppliers(top, title=f"Largest suppliers of {name}, {period.for_reader()}", source=source, path=chart)
display(Image(filename=str(chart)))

# %% [markdown]
# ## Concentration
#
# Shares of the net total paid to identified suppliers; HHI on percentage shares (10,000 = one supplier).

# %%
concentration = analysis.concentration(payments, publisher_id=publisher, period=period)
reports.table(reports.concentration_table(concentration))

# %% [markdown]
# ## Who the money goes to, by sector
#
# Payments to named individuals (GP partners, for a CCG) are `individual`; redacted, blank and totals lines
# are `excluded`; `unknown` is what the sector rules (`spend/data/supplier_sectors.csv`) could not place.

# %%
sectors = analysis.sector_shares(payments, publisher_id=publisher, period=period)
reports.table(sectors)

# %% [markdown]
# ## Check
#
# The sector table adds up to every payment in the period, to the penny; the ranking is the supplier totals'
# order; and each registered figure about this body whose months fall in the period is reproduced from the
# supplier table.

# %%
totals = analysis.supplier_totals(in_period)
assert analysis.money_sum(sectors["amount_gbp"]) == analysis.money_sum(in_period["amount_gbp"])
assert list(top["supplier_id"]) == list(totals["supplier_id"].head(10))
for figure in figures.load_figures():
    q = figure.query
    named = q.supplier.group or q.supplier.id
    if named and q.kind == "payments" and q.publishers == (publisher,) and period.contains(q.period.start) \
            and period.contains(q.period.end):
        rows, _ = analysis.supplier_payments(payments, named, publisher_id=publisher, period=q.period)
        assert analysis.money_sum(rows["amount_gbp"]) == figure.expected, figure.id
