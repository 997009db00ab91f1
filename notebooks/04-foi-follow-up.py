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
# Pick a supplier, bodies and period; export the evidence (one row per payment, with the file and place it
# was published), and draft one Freedom of Information request per body that cites each payment.
# The same as `spend export --supplier "Optum / UnitedHealth" --foi ...`, and written to the same place.
#
# Individuals' names are withheld in exports unless asked for (`include_individuals = True`).

# %% tags=["parameters"]
supplier = "Optum / UnitedHealth"  # a supplier group, a supplier id, or part of a supplier's name
bodies = "all"  # "all", "nhs", or a list of bodies: ["nhs-hounslow-ccg", ...]
date_from = None  # first month, "YYYY-MM"; None: from the earliest payment
date_to = None  # last month, "YYYY-MM"; None: to the latest payment
include_individuals = False

# %%
from IPython.display import Markdown, display

from spend import analysis
from spend.core.config import data_dir
from spend.outputs import export, figures, foi, reports
from spend.store import load_payments
from spend.store.read import load_files

payments = load_payments()
publishers = analysis.choose_publishers(payments, bodies)
period = analysis.Period.between(date_from, date_to)
evidence = export.select_evidence(payments, supplier, publishers=publishers, period=period,
                                  include_individuals=include_individuals, files=load_files())
display(Markdown(reports.paid_sentence(evidence.rows, supplier, period if date_from and date_to else None)))
reports.table(evidence.rows[["publisher", "payment_date", "transaction_id", "supplier_name_raw", "amount_gbp",
                             "source_locator"]])

# %%
paths = export.export_paths(supplier, data_dir())
csv_path = export.write_export(evidence, paths.csv)
xlsx_path = export.write_export(evidence, paths.xlsx)
drafts = foi.write_foi_drafts(evidence, paths.foi, data_dir=data_dir())
display(Markdown("Written: " + ", ".join(f"`{p.name}`" for p in (csv_path, xlsx_path, *drafts))))

# %%
print(drafts[0].read_text(encoding="utf-8"))

# %% [markdown]
# ## Check against the registry
#
# The export, read back from the CSV, holds the payments shown above, to the penny; and where the registered
# Hounslow figure falls within this question, the export holds exactly the payments behind it (the same
# transactions as `spend figures check` finds).

# %%
back = export.read_export(csv_path)
assert len(back) == len(evidence.rows) and analysis.money_sum(back["amount_gbp"]) == evidence.total_gbp
figure = figures.get_figure("hounslow-optum-2020")
checked = figures.result_for(figures.check_figures(figures=[figure]), figure.id)
assert checked.status == "match", checked.reason
covers = (set(figure.query.publishers) <= set(publishers) and figures.about_supplier([figure], supplier, payments)
          and period.contains(figure.query.period.start) and period.contains(figure.query.period.end))
if covers:
    hounslow = back[back["publisher_id"].isin(figure.query.publishers)]
    hounslow = hounslow[[figure.query.period.contains(d) for d in hounslow["payment_date"]]]
    assert sorted(hounslow["transaction_id"]) == sorted(checked.rows["transaction_id"])
    assert analysis.money_sum(hounslow["amount_gbp"]) == figure.expected
