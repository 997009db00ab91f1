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
# # 03 Contracts against payments
#
# For each contract award in the harvested notices (Contracts Finder), the payments from that buyer to that
# supplier during the contract period, against the award value; then the payments no harvested award covers,
# and the awards with no payments.
#
# Buyers are tied to publishers by name (`spend.analysis.match_buyers`: equal names once case, '&',
# punctuation and 'CCG' are evened out), suppliers by supplier key or Companies House number. An award's
# value is for the whole award: a framework with many suppliers is not any one supplier's value.
#
# Data: the store in `$SPEND_DATA`, with the notices tables (`spend notices build`).

# %% tags=["parameters"]
supplier = None  # only awards to this supplier (its group or part of its name); None: every award
bodies = "all"  # the bodies whose payments are compared: "all", "nhs", or a list of bodies

# %%
from IPython.display import Image, Markdown, display

from spend import analysis
from spend.core.config import data_dir
from spend.outputs import charts, figures, reports
from spend.store import load_payments

payments = load_payments()
payments = payments[payments["publisher_id"].isin(analysis.choose_publishers(payments, bodies))]
lines = analysis.load_award_lines()
if lines is None:  # no notices tables yet: every question below has an empty answer
    lines = analysis.empty_award_lines()
out = data_dir() / "reports"
result = analysis.contracts_against_payments(lines, payments, supplier=supplier)
display(Markdown(f"{len(result):,} award lines in {result['ocid'].nunique():,} procurements"
                 + (f" with a supplier named like {supplier!r}." if supplier else ".")))
reports.table(result["status"].value_counts().rename_axis("status").reset_index(name="award lines"))

# %% [markdown]
# ## Awards whose buyer publishes payments in the store

# %%
in_store = result[result["status"] != "buyer not in the store"]
reports.table(in_store[["buyer_name", "supplier_name_raw", "value_amount", "period_start", "period_end", "payments",
                        "paid_gbp", "unpaid_gbp", "status"]])

# %% [markdown]
# ## Awards with no payments

# %%
reports.table(analysis.awards_without_payments(result)[["buyer_name", "supplier_name_raw", "value_amount", "status"]])

# %% [markdown]
# ## Payments that no harvested award covers
#
# Largest first, by body and supplier. Absence here means absence from the notices harvested so far.

# %%
uncovered = analysis.payments_without_notice(payments, lines)
summary = analysis.summarise_by_supplier(uncovered).head(10)
summary.insert(0, "body", summary["publisher_id"].map(analysis.body_names(uncovered)))
reports.table(summary)

# %% [markdown]
# ## Contract value against cumulative payments
#
# The largest award with payments, if any; otherwise the payments to Optum from the body of the
# registered Hounslow figure, with no contract value to draw (no award for it has been harvested).

# %%
chart = out / "03-contract-against-payments.png"
paid = result[result["status"] == "paid"]
if len(paid):
    award = paid.sort_values("paid_gbp", ascending=False).iloc[0]
    rows = payments[(payments["publisher_id"] == award["publisher_id"])
                    & payments["supplier_id"].isin(award["supplier_ids"].split(";"))]
    rows = analysis.select_payments(rows, period=analysis.Period(award["period_start"], award["period_end"]))
    charts.plot_contract_against_payments(
        rows, contract_value=award["value_amount"], start=award["period_start"], end=award["period_end"],
        title=f"{award['supplier_name_raw']} and {award['buyer_name']}", path=chart)
else:
    hounslow = figures.get_figure("hounslow-optum-2020")
    rows, _ = analysis.supplier_payments(load_payments(), "Optum / UnitedHealth",
                                         publisher_id=list(hounslow.query.publishers))
    charts.plot_contract_against_payments(rows, title="Optum and NHS Hounslow CCG: no award harvested", path=chart)
display(Image(filename=str(chart)))

# %% [markdown]
# ## Check against the registry
#
# The registered award (Optum, Kent and Medway CCGs) is reproduced when its notice has been harvested, and
# is otherwise reported as not available with the command that fetches it; never as a mismatch.

# %%
kent = figures.result_for(figures.check_figures(), "kent-medway-optum-award")
display(Markdown(f"Kent and Medway award: {kent.status.replace('_', ' ')}. {kent.reason}"))
assert len(result) <= len(lines) and (supplier or len(result) == len(lines))
assert kent.status in ("match", "not_available"), kent.reason
assert kent.status == "match" or kent.fetch_command.startswith("spend notices fetch --source contracts-finder")
