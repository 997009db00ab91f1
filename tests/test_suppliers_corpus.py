"""Supplier identities on the whole shared corpus, read with the project's parser."""

from decimal import Decimal

import pandas as pd
import pytest

from spend.config import realdata_dir
from spend.suppliers import annotate_payments, no_overrides, resolve_payments
from spend.suppliers.report import summarise_top_suppliers

parse = pytest.importorskip("spend.parse")

# The publishers' transaction files (README of the corpus): not the third party's PDF extractions, not the
# archiver's first uploads, not Lambeth's two pivot-table summaries.
EXCLUDED = ("first-upload", ".pdf.csv", "2011-01-payments.csv", "2012-05-payments.csv")


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
    assert set(annotated["match_method"]) <= {"exact", "identifier", "fuzzy", "override", "excluded"}
    assert set(annotated.loc[excluded, "supplier_kind"]) <= {"redacted", "total", "placeholder", "blank"}
    assert (annotated["supplier_kind"] == "redacted").sum() > 200  # Oxford's redacted payees


def test_top_ten_report_lists_name_variants(corpus):
    annotated, _ = corpus
    report = summarise_top_suppliers(annotated, 10)
    assert len(report) == 10
    assert list(report["total_gbp"]) == sorted(report["total_gbp"], reverse=True)
    assert all(len(v) >= 1 for v in report["variants"])
    assert any(len(v) > 1 for v in report["variants"])  # some of the biggest were published several ways


def test_automatic_merges_on_the_corpus_are_explained(corpus):
    _, resolution = corpus
    merged = resolution.names[resolution.names["match_method"].isin(["fuzzy", "identifier"])]
    assert len(merged) > 20
    assert merged["match_evidence"].str.len().gt(0).all()
    # University College London (the university) is not the hospitals' foundation trust.
    names = resolution.names.set_index("supplier_name_raw")
    assert names.loc["UNIVERSITY COLLEGE LONDON", "supplier_id"] != names.loc["UNIVERSITY COLLEGE LONDON HOSPITALS NHS FOUNDATION TRUST", "supplier_id"]
