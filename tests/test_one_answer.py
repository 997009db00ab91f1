"""One question, one answer: however an analyst asks how much a supplier was paid (the supplier report, the
ranking the notebooks use, the monthly series, an export, a registered figure, the status table, SQL on the
store), the store's supplier ids are read and a transaction published in two files counts once."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from types import SimpleNamespace

import pytest

from spend import analysis
from spend.analysis.coverage import store_status
from spend.cli import main
from spend.outputs import figures
from spend.outputs.export import select_evidence
from spend.store import load_payments
from spend.store.build import build_store
from spend.store.views import query

HEADER = "Department family,Entity,Date,Expense type,Expense area,Supplier,Transaction number,Amount\n"
ROW = "Local government,Example Council,{},Rent,Housing,{},{},{}\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    data = tmp_path_factory.mktemp("one-answer")
    council = data / "raw" / "spend" / "example-council"
    files = {
        "2019-09": [("12/09/2019", "ACME LTD", "T100", "1000.00"), ("13/09/2019", "CARE CO LTD", "T101", "250.50")],
        # October's file publishes September's T100 again, and pays Acme under another spelling.
        "2019-10": [("12/09/2019", "ACME LTD", "T100", "1000.00"), ("22/10/2019", "Acme Limited", "T102", "500.25")],
    }
    for month, rows in files.items():
        (council / month).mkdir(parents=True)
        (council / month / f"{month}.csv").write_text(HEADER + "".join(ROW.format(*r) for r in rows), encoding="utf-8")
    publishers = {"example-council": SimpleNamespace(slug="example-council", name="Example Council", hints={})}
    result = build_store(data, publishers=publishers, workers=1)
    assert (result.payments, result.duplicates) == (4, 1)
    return data


ACME = (2, Decimal("1500.25"))  # T100 once, and T102


def test_every_way_of_asking_gives_the_same_total(data, tmp_path, capsys, monkeypatch):
    payments = load_payments(data)
    acme_id = payments.loc[payments["supplier_name_raw"] == "ACME LTD", "supplier_id"].iat[0]
    assert set(payments.loc[payments["supplier_name_raw"].str.casefold().str.startswith("acme"), "supplier_id"]) == {acme_id}

    top = analysis.top_suppliers(payments, n=5)
    ranked = top[top["supplier_id"] == acme_id].iloc[0]
    assert (ranked["payments"], ranked["amount_gbp"]) == ACME

    monthly = analysis.payments_by_month(payments, acme_id)
    assert (monthly["payments"].sum(), analysis.money_sum(monthly["amount_gbp"])) == ACME

    evidence = select_evidence(payments, acme_id)
    assert (len(evidence.rows), evidence.total_gbp, evidence.duplicates_skipped) == (*ACME, 1)

    registry = tmp_path / "figures.yaml"
    registry.write_text(textwrap.dedent(f"""\
        figures:
          - id: example-acme-2019
            claim: Example Council paid Acme £1,500.25 in September and October 2019.
            source: {{publication: a test, date: "2019-11-01", url: "https://example.gov.uk/spend"}}
            query: {{kind: payments, publishers: [example-council], supplier: {{id: {acme_id}}}, from: 2019-09, to: 2019-10}}
            expected: "1500.25"
        """), encoding="utf-8")
    (result,) = figures.check_figures(data, figures=figures.load_figures(registry))
    assert (result.status, result.value, len(result.rows)) == ("match", ACME[1], ACME[0])

    monkeypatch.setenv("SPEND_DATA", str(data))
    assert main(["suppliers", "report", "--top", "5"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if f"({acme_id})" in line)
    assert "£1,500.25  2 payments" in line

    sql = query(data, f"select count(*) as n, sum(amount_gbp) as total from payments_counted where supplier_id = '{acme_id}'")
    assert (int(sql["n"][0]), sql["total"][0]) == ACME

    everyone = store_status(data).publishers.iloc[0]
    assert (everyone["payments"], everyone["total_gbp"], everyone["published_twice"]) == (3, Decimal("1750.75"), 1)
