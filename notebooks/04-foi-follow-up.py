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
# # 04 FOI follow-up
#
# Pick a supplier and publishers, export the evidence (one row per payment, with the file and place it was
# published), and draft one Freedom of Information request per publisher that cites each payment.
# The same as `spend export --supplier "Optum / UnitedHealth" --publisher ... -o ... --foi ...`.
#
# Individuals' names are withheld in exports unless asked for (`include_individuals=True`).

# %%
from spend import analysis
from spend.outputs import export, figures, foi
from spend.core.config import data_dir
from spend.store import load_payments

supplier = "Optum / UnitedHealth"
publishers = ["nhs-hounslow-ccg", "nhs-redbridge-ccg"]
out = data_dir() / "exports"

payments = load_payments(publisher_id=publishers)
evidence = export.select_evidence(payments, supplier, publishers=publishers)
print(evidence.summary())
evidence.rows

# %%
csv_path = export.write_export(evidence, out / "optum-nhs.csv")
xlsx_path = export.write_export(evidence, out / "optum-nhs.xlsx")
drafts = foi.write_foi_drafts(evidence, out / "foi")
print(csv_path, xlsx_path, *drafts, sep="\n")

# %%
print(drafts[0].read_text(encoding="utf-8"))

# %% [markdown]
# ## Check against the registry
#
# The export, read back from the CSV, holds exactly the payments behind the registered Hounslow figure (the
# same transactions as `spend figures check` finds), and they add up to it to the penny.

# %%
figure = figures.get_figure("hounslow-optum-2020")
checked = figures.result_for(figures.check_figures(figures=[figure]), figure.id)
assert checked.status == "match", checked.reason
back = export.read_export(csv_path)
hounslow = back[back["publisher_id"] == "nhs-hounslow-ccg"]
hounslow = hounslow[[figure.query.period.contains(d) for d in hounslow["payment_date"]]]
assert sorted(hounslow["transaction_id"]) == sorted(checked.rows["transaction_id"])
assert analysis.money_sum(hounslow["amount_gbp"]) == figure.expected
