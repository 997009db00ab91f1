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
# # 01 Optum and the NHS
#
# What NHS bodies paid Optum (the UnitedHealth group's UK businesses), by body and month, and every
# registered published figure about Optum, reproduced from the store where its data is there.
#
# Data: the store in `$SPEND_DATA` (`spend build`). Logic: `spend.analysis`, `spend.figures`, `spend.charts`.
# Figures: `spend/data/figures.yaml`.

# %%
import pandas as pd
from IPython.display import Image, display

from spend import analysis
from spend.outputs import charts, figures
from spend.core.config import data_dir
from spend.store import load_payments

payments = load_payments()
reports = data_dir() / "reports"
# NHS bodies by their kind in the publisher registry (NHS England, CCGs, ICBs, trusts).
nhs_bodies = analysis.nhs_publishers(payments)
nhs_bodies

# %% [markdown]
# ## Payments to Optum by NHS body and month
#
# Each row totals the payments (exact, to the penny) to the suppliers of the group `Optum / UnitedHealth`;
# a transaction published in two files counts once.

# %%
monthly = analysis.payments_by_month(payments, "Optum / UnitedHealth", publisher_id=nhs_bodies)
print(monthly.attrs["match"].describe())
monthly

# %%
chart = reports / "01-optum-by-nhs-body.png"
charts.plot_monthly_by_publisher(monthly, title="Payments to Optum by NHS body", path=chart)
display(Image(filename=str(chart)))

# %% [markdown]
# ## The registered figures
#
# `match`: reproduced within its tolerance; `mismatch`: the data is here and gives another value;
# `not_available`: the data is not in the store, and `fetch_command` says how to get it.

# %%
results = figures.check_figures()
pd.DataFrame([
    {"figure": r.id, "status": r.status, "expected": analysis.format_gbp(r.figure.expected),
     "computed": analysis.format_gbp(r.value), "reason": r.reason, "fetch": r.fetch_command}
    for r in results
])

# %% [markdown]
# The payments behind the Hounslow figure, each with the file and the place in it where it was published:

# %%
hounslow = figures.result_for(results, "hounslow-optum-2020")
hounslow.rows

# %% [markdown]
# ## Check against the registry

# %%
assert hounslow.status == "match", hounslow.reason
assert hounslow.value == hounslow.figure.expected
for result in results:
    assert result.status != "mismatch", f"{result.id}: {result.reason}"
    if result.status == "not_available":
        assert result.fetch_command, result.id
