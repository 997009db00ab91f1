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
# One publisher's largest suppliers, how concentrated its spending is, and the share paid to NHS bodies,
# other public bodies, charities, companies and individuals.
#
# Data: the store in `$SPEND_DATA`. Logic: `spend.analysis` (`top_suppliers`, `concentration`,
# `sector_shares`, which reads the `supplier_sector` that `spend build` stored from `spend.suppliers.sectors`).
# The period is the registered Hounslow figure's, so the notebook can end by checking that figure from the
# supplier table.

# %%
from IPython.display import Image, display

from spend import analysis
from spend.outputs import charts, figures
from spend.core.config import data_dir
from spend.store import load_payments

figure = figures.get_figure("hounslow-optum-2020")
publisher = figure.query.publishers[0]
period = figure.query.period
payments = load_payments(publisher_id=publisher)
reports = data_dir() / "reports"
print(publisher, period.describe())

# %% [markdown]
# ## The ten largest suppliers (net of credits)

# %%
top = analysis.top_suppliers(payments, publisher_id=publisher, period=period, n=10)
top

# %%
chart = reports / "02-top-suppliers.png"
charts.plot_top_suppliers(top, title=f"Largest suppliers of {publisher}, {period.describe()}", path=chart)
display(Image(filename=str(chart)))

# %% [markdown]
# ## Concentration
#
# Shares of the net total paid to identified suppliers; HHI on percentage shares (10,000 = one supplier).

# %%
concentration = analysis.concentration(payments, publisher_id=publisher, period=period)
concentration

# %% [markdown]
# ## Who the money goes to, by sector
#
# Payments to named individuals (GP partners, for a CCG) are `individual`; redacted, blank and totals lines
# are `excluded`; `unknown` is what the sector rules (`spend/data/supplier_sectors.csv`) could not place.

# %%
sectors = analysis.sector_shares(payments, publisher_id=publisher, period=period)
print("classifier:", sectors.attrs["classifier"])
sectors

# %% [markdown]
# ## Check against the registry
#
# The registered Hounslow figure, read this time from the supplier table, and the sector table adding up to
# every payment in the period, to the penny.

# %%
in_period = analysis.select_payments(payments, publisher_id=publisher, period=period)
totals = analysis.supplier_totals(in_period)
optum = totals[totals["supplier_name"] == "OPTUM HEALTH SOLUTIONS (UK) LTD"]
assert len(optum) == 1
assert optum["amount_gbp"].iat[0] == figure.expected
assert analysis.money_sum(sectors["amount_gbp"]) == analysis.money_sum(in_period["amount_gbp"])
