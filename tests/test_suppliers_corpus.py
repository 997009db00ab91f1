"""Supplier identities on the whole shared corpus, read with the project's parser."""

from decimal import Decimal

import pandas as pd
import pytest

from spend.core.config import realdata_dir
from spend.suppliers import annotate_payments, no_overrides, resolve_payments
from spend.analysis.suppliers import top_suppliers
from spend.outputs.reports import format_top_suppliers

parse = pytest.importorskip("spend.parse.file")

# The publishers' transaction files (README of the corpus): not the third party's PDF extractions, not the
# archiver's first uploads, not Lambeth's two pivot-table summaries.
EXCLUDED = ("first-upload", ".pdf.csv", "2011-01-payments.csv", "2012-05-payments.csv")

# Every test here uses `corpus`, which parses and resolves the whole corpus (several seconds).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus():
    root = realdata_dir()
    if not root.exists():
        pytest.skip(f"shared corpus not found at {root}")
    files = [
        p for p in sorted(root.glob("**/*"))
        if p.is_file() and p.suffix.lower() in {".csv", ".xlsx", ".xls", ".pdf"}
        and "catalogue" not in p.parts and "contracts-finder" not in p.parts
        and not any(x in str(p) for x in EXCLUDED)
    ]
    payments = pd.concat([parse.parse_spend_file(p) for p in files], ignore_index=True)
    resolution = resolve_payments(payments, overrides=no_overrides())
    return annotate_payments(payments, resolution=resolution), resolution


def test_hounslow_optum_rows_are_one_supplier(corpus):
    annotated, _ = corpus
    hounslow = annotated[annotated["publisher"].fillna("").str.contains("Hounslow")]
    optum = hounslow[hounslow["supplier_name_raw"].str.contains("OPTUM", na=False)]
    assert len(optum) == 8
    assert optum["supplier_id"].nunique() == 1
    assert sum(optum["amount_gbp"], Decimal("0")) == Decimal("276000.00")  # the README's checked figure
    everywhere = annotated[annotated["supplier_id"] == optum["supplier_id"].iloc[0]]
    assert set(everywhere["supplier_group"]) == {"Optum / UnitedHealth"}
    assert everywhere["publisher"].nunique() > 1  # Redbridge CCG and Oxford published it too


def test_every_row_is_resolved_or_excluded(corpus):
    annotated, _ = corpus
    assert annotated["match_method"].notna().all()
    excluded = annotated["match_method"] == "excluded"
    assert annotated.loc[excluded, "supplier_id"].isna().all()
    assert annotated.loc[~excluded, "supplier_id"].notna().all()
    assert set(annotated["match_method"]) <= {"exact", "identifier", "reference", "fuzzy", "override", "excluded"}
    assert set(annotated.loc[excluded, "supplier_kind"]) <= {"redacted", "total", "placeholder", "blank"}
    assert (annotated["supplier_kind"] == "redacted").sum() > 200  # Oxford's redacted payees


def test_top_ten_report_lists_name_variants(corpus):
    annotated, _ = corpus
    report = top_suppliers(annotated, n=10, variants=True)
    assert len(report) == 10
    assert list(report["amount_gbp"]) == sorted(report["amount_gbp"], reverse=True)
    assert all(len(v) >= 1 for v in report["variants"])
    assert any(len(v) > 1 for v in report["variants"])  # some of the biggest were published several ways
    assert set(report["supplier_sector"]) <= {"nhs", "public", "charity", "company", "individual", "unknown"}
    text = format_top_suppliers(report)
    assert text.count("\n      ") >= sum(len(v) for v in report["variants"])  # every variant is listed


def test_automatic_merges_on_the_corpus_are_explained(corpus):
    _, resolution = corpus
    merged = resolution.names[resolution.names["match_method"].isin(["fuzzy", "identifier"])]
    assert len(merged) > 20
    assert merged["match_evidence"].str.len().gt(0).all()
    # University College London (the university) is not the hospitals' foundation trust.
    names = resolution.names.set_index("supplier_name_raw")
    assert names.loc["UNIVERSITY COLLEGE LONDON", "supplier_id"] != names.loc["UNIVERSITY COLLEGE LONDON HOSPITALS NHS FOUNDATION TRUST", "supplier_id"]


def test_names_once_printed_with_a_transaction_number_run_in_join_their_supplier(corpus):
    # Hounslow CCG's November 2020 PDF prints six names touching their transaction numbers (pages 1, 3, 7);
    # the PDF reader now splits them, and the key would drop such a number anyway (test_suppliers_keys).
    annotated, resolution = corpus
    names = resolution.names.set_index("supplier_name_raw")
    assert not names.index.str.contains(r"[A-Z]\d{6,}$").any()
    november = annotated[annotated["source_file"].str.endswith("NWHO 08 - November.pdf")].set_index("source_locator")
    rows = november.loc[["page 1 line 10", "page 7 line 11", "page 7 line 12", "page 7 line 13", "page 7 line 14"]]
    assert rows["supplier_name"].unique().tolist() == ["LONDON CENTRAL & WEST UNSCHEDULED CARE COLLABORATIVE"]
    trust = november.loc["page 3 line 41"]
    assert trust["supplier_name_raw"] == "CHELSEA AND WESTMINSTER HOSPITAL NHS FOUNDATION TRUST"
    assert (trust["transaction_id"], trust["supplier_sector"]) == ("34577681", "nhs")


def test_guys_supplier_numbers_are_not_company_numbers(corpus):
    annotated, resolution = corpus
    guys = annotated[annotated["publisher"].fillna("").str.startswith("Guys")]
    coded = guys[guys["supplier_code"].notna()]
    assert len(coded) > 0 and coded["company_number"].isna().all()
    evidence = " ".join(resolution.names["match_evidence"].dropna())
    assert "company_number=03529700" not in evidence
    lambeth = resolution.names[resolution.names["supplier_name_raw"].str.startswith("LONDON BOROUGH OF LAMBETH:")]
    assert lambeth["supplier_id"].nunique() == 1  # three Guy's codes, one council (same key)


def test_every_row_has_a_sector(corpus):
    annotated, resolution = corpus
    assert set(annotated["supplier_sector"]) <= {"nhs", "public", "charity", "company", "individual", "excluded", "unknown"}
    excluded = annotated["match_method"] == "excluded"
    assert (annotated.loc[excluded, "supplier_sector"] == "excluded").all()
    assert (annotated.loc[annotated["supplier_kind"] == "person", "supplier_sector"] == "individual").all()
    assert set(resolution.suppliers["supplier_sector"]) >= {"nhs", "public", "charity", "company", "individual", "unknown"}
    optum = annotated[annotated["supplier_group"] == "Optum / UnitedHealth"]
    assert set(optum["supplier_sector"]) == {"company"}


def test_sector_shortcut_agrees_with_trying_every_rule_on_every_corpus_name(corpus):
    from spend.suppliers.sectors import _spellings, load_sector_rules, match_sector_rule

    for raw in corpus[1].names["supplier_name_raw"]:
        text = _spellings(raw)
        expected = next((r for r in load_sector_rules() if r.pattern.search(text)), None)
        assert match_sector_rule(raw) is expected, raw
