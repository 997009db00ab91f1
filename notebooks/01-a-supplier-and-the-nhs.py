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
# # 01 A supplier and the NHS
#
# What NHS bodies paid one supplier: the total, by financial year and body, by month, the names it was
# published under, and the registered published figures about it, reproduced from the store.
#
# Re-run it for another supplier, bodies or period by changing the parameters below, or from the command
# line: `spend report "Serco" --from 2020-04 --to 2021-03` (papermill runs this notebook with them).
#
# Data: the store in `$SPEND_DATA` (`spend build`). Logic: `spend.analysis`; tables and charts:
# `spend.outputs`. Figures: `spend/data/figures.yaml`.

# %% tags=["parameters"]
supplier = "Optum / UnitedHealth"  # a supplier group, a supplier id, or part of a supplier's name
bodies = "nhs"  # "nhs" (every NHS body in the store), "all", or a list of bodies: ["nhs-hounslow-ccg", ...]
date_from = None  # first month, "YYYY-MM"; None: from the earliest payment
date_to = None  # last month, "YYYY-MM"; None: to the latest payment

# %%
from IPython.display import Image, Markdown, display

from spend import analysis
from spend.analysis.coverage import stored_file_months
from spend.core.config import data_dir
from spend.outputs import charts, figures, reports
from spend.store import load_payments

payments = load_payments()
publishers = analysis.choose_publishers(payments, bodies)
period = analysis.Period.between(date_from, date_to)
rows, match = analysis.supplier_payments(payments, supplier, publisher_id=publishers, period=period)
out = data_dir() / "reports"
display(Markdown(reports.paid_sentence(rows, supplier, period if date_from and date_to else None)))
print(match.describe())

# %% [markdown]
# ## By financial year and body
#
# UK financial years (April to March). Each transaction counts once, even where a body published it twice.

# %%
reports.table(analysis.totals_by(rows, "financial_year", "body"))

# %%
reports.table(analysis.totals_by(rows, "financial_year"))

# %% [markdown]
# ## By month
#
# Months shaded "no file" are months for which none of these bodies' files is in the store, and the line
# under the chart names each body's months without a file: no bar there is not evidence of no payment.

# %%
monthly = analysis.monthly_totals(rows)
chart = out / f"01-{reports.file_slug(supplier)}-by-month.png"
charts.plot_monthly_by_publisher(monthly, title=f"Payments to {supplier} by body", file_months=stored_file_months(),
                                 path=chart)
display(Image(filename=str(chart)))

# %% [markdown]
# ## The names behind the total
#
# Every spelling the bodies published, the supplier it was tied to, and how (exact, identifier, fuzzy,
# override): the names to quote, and to check, when citing the figure.

# %%
reports.table(analysis.name_variants_table(rows))

# %% [markdown]
# ## The registered figures about this supplier
#
# `match`: reproduced within its tolerance; `mismatch`: the data is here and gives another value;
# `not available`: the data is not in the store, and the table says how to fetch it.

# %%
about = figures.about_supplier(figures.load_figures(), supplier, payments)
results = figures.check_figures(figures=about) if about else []
reports.table(figures.results_table(results)) if results else Markdown("No registered figure is about this supplier.")

# %% [markdown]
# ## Check
#
# The tables add up to the total, to the penny; the total is what `spend export` gives for the same
# question; and no registered figure about this supplier is contradicted by the store.

# %%
from spend.outputs.export import select_evidence

total = analysis.money_sum(rows["amount_gbp"])
assert analysis.money_sum(analysis.totals_by(rows, "financial_year", "body")["amount_gbp"]) == total
assert analysis.money_sum(monthly["amount_gbp"]) == analysis.money_sum(rows.loc[rows["payment_date"].notna(), "amount_gbp"])
assert select_evidence(payments, supplier, publishers=publishers, period=period, include_individuals=True).total_gbp == total
for result in results:
    assert result.status != "mismatch", f"{result.id}: {result.reason}"
    assert result.status == "match" or result.fetch_command, result.id
