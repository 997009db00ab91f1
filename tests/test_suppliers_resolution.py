"""Annotating payments, identifiers from any source, overrides, groups, stable ids, review/apply, CLI."""

import argparse
import shutil
from decimal import Decimal

import pandas as pd
import pytest

from spend.suppliers import IdentifierStore, annotate_payments, identifiers_from_payments, no_overrides, resolve_names
from spend.cli import main
from spend.cli.suppliers import register
from spend.suppliers.errors import OverridesError, PaymentsInputError, ReviewFileError
from spend.suppliers.identifiers import is_valid_uk_vat, normalise_identifier
from spend.suppliers.overrides import OverrideRow, default_overrides_path, load_overrides, parse_overrides
from spend.suppliers.resolution import MATCH_COLUMNS, resolve_payments
from spend.suppliers.review import REVIEW_COLUMNS, apply_review, build_review, write_review

ROWS = [
    # publisher, supplier_name_raw, vat_number, amount
    ("NHS Hounslow CCG", "OPTUM HEALTH SOLUTIONS (UK) LTD", "GB108297604", "34500.00"),
    ("NHS Hounslow CCG", "OPTUM HEALTH SOLUTIONS (UK) LTD", "GB108297604", "34500.00"),
    ("NHS Redbridge CCG", "OPTUM HEALTH SOLUTIONS (UK) LTD", None, "108103.90"),
    ("Oxford City Council", "OPTUM HEALTH SOLUTIONS (UK) LTD                   ", None, "1600.00"),
    ("Example", "Optum Health Solutions UK Limited", None, "10.00"),
    ("Example", "OPTUM HEALTH SOLUTION", None, "20.00"),
    ("Example", "OPTUM", None, "5.00"),
    ("Kingston Hospital", "UK0265832401 : Neopost Limited", None, "300.00"),
    ("Kingston Hospital", "UK0265832401 : Quadient UK Ltd", None, "900.00"),
    ("Guy's and St Thomas'", "WESTBROOK & ST ANNES NHS FOUNDATION TRUST", None, "5000000.00"),
    ("Lambeth", "Westbrook & St Annes NHS Trust", None, "200.00"),
    ("Guy's and St Thomas'", "GUY'S & ST THOMAS' CHARITY", None, "700.00"),
    ("Oxford City Council", "Redacted personal data", None, "846.68"),
    ("Oxford City Council", "Redacted, personal data", None, "500.00"),
    ("Oxford City Council", "Mr T Anders", None, "846.68"),
    ("Harrow CCG", "CYGNET LEARNING DISABILITIES LTD", "GB248 2803 96", "29350.80"),
    ("Harrow CCG", "CYGNET HEALTHCARE LTD", "GB248280396", "100.00"),
    ("Harrow CCG", "ST LUKES HOSPICE", "GB845363906", "63630.00"),
    ("Harrow CCG", "ST LUKES HOSPICE", "GB845363906", "-1.00"),
]


@pytest.fixture
def payments():
    frame = pd.DataFrame(ROWS, columns=["publisher", "supplier_name_raw", "vat_number", "amount_gbp"])
    frame["amount_gbp"] = frame["amount_gbp"].map(Decimal)
    frame["source_file"] = "test"
    frame["source_locator"] = [f"row {i + 2}" for i in range(len(frame))]
    return frame


@pytest.fixture
def overrides_file(tmp_path):
    path = tmp_path / "overrides.csv"
    shutil.copy(default_overrides_path(), path)
    return path


def by_name(annotated, name):
    return annotated[annotated["supplier_name_raw"] == name].iloc[0]


def test_annotate_adds_the_match_columns_without_changing_the_input(payments):
    before = payments.copy()
    annotated = annotate_payments(payments, overrides=no_overrides())
    pd.testing.assert_frame_equal(payments, before)
    assert list(annotated.columns) == list(payments.columns) + list(MATCH_COLUMNS)
    assert len(annotated) == len(payments)


def test_optum_spellings_are_one_supplier(payments):
    annotated = annotate_payments(payments, overrides=no_overrides())
    optum = annotated[annotated["supplier_name_raw"].str.upper().str.startswith("OPTUM HEALTH")]
    assert optum["supplier_id"].nunique() == 1
    assert set(optum["supplier_name"]) == {"OPTUM HEALTH SOLUTIONS (UK) LTD"}  # the spelling used most
    assert set(optum["supplier_group"]) == {"Optum / UnitedHealth"}
    assert by_name(annotated, "Optum Health Solutions UK Limited")["match_method"] == "exact"
    truncated = by_name(annotated, "OPTUM HEALTH SOLUTION")
    assert truncated["match_method"] == "fuzzy" and 90 <= truncated["match_score"] < 100
    # 'OPTUM' alone could be any Optum company: not merged, left for review.
    assert by_name(annotated, "OPTUM")["supplier_id"] != optum["supplier_id"].iloc[0]


def test_rows_that_are_not_suppliers_get_no_supplier(payments):
    annotated = annotate_payments(payments, overrides=no_overrides())
    for name in ("Redacted personal data", "Redacted, personal data"):
        row = by_name(annotated, name)
        assert row["supplier_id"] is None and row["match_method"] == "excluded" and row["supplier_kind"] == "redacted"
    person = by_name(annotated, "Mr T Anders")
    assert person["supplier_kind"] == "person" and person["supplier_id"] is not None


def test_identifiers_merge_renamed_companies_and_vat_needs_agreeing_names(payments):
    annotated = annotate_payments(payments, overrides=no_overrides())
    neopost, quadient = by_name(annotated, "UK0265832401 : Neopost Limited"), by_name(annotated, "UK0265832401 : Quadient UK Ltd")
    assert neopost["supplier_id"] == quadient["supplier_id"]
    assert {neopost["match_method"], quadient["match_method"]} == {"exact", "identifier"}
    # One VAT number on two Cygnet companies is a VAT group, not one company: not merged.
    assert by_name(annotated, "CYGNET LEARNING DISABILITIES LTD")["supplier_id"] != by_name(annotated, "CYGNET HEALTHCARE LTD")["supplier_id"]


def test_the_store_takes_identifiers_from_any_source():
    store = IdentifierStore()
    assert store.add("NEOPOST LIMITED", "company_number", "2658324", source="contracts-finder ocds-b5fd17-example")
    assert store.add("QUADIENT UK LTD", "company_number", "02658324", source="companies house")
    assert not store.add("ACME LTD", "vat_number", "GB123456789", source="typo")  # fails HMRC's check digits
    assert store.rejected == [("ACME LTD", "vat_number", "GB123456789", "typo")]
    resolution = resolve_names(["NEOPOST LIMITED", "QUADIENT UK LTD", "ACME LTD"], identifiers=store, overrides=no_overrides())
    rows = resolution.names.set_index("supplier_name_raw")
    assert rows.loc["NEOPOST LIMITED", "supplier_id"] == rows.loc["QUADIENT UK LTD", "supplier_id"]
    assert "company_number=02658324" in rows.loc["QUADIENT UK LTD", "match_evidence"] + rows.loc["NEOPOST LIMITED", "match_evidence"]


def _two_publishers(rows):
    return pd.DataFrame(rows, columns=["publisher", "supplier_name_raw", "company_number"]).assign(amount_gbp=Decimal("1.00"))


def test_glued_ledger_codes_only_join_names_of_the_same_publisher():
    # One letter apart, so only an identifier could join them (fuzzy matching sends them to review).
    same = _two_publishers([("Guy's", "MEDISOFT LTD:69519000", None), ("Guy's", "MEDISORT LTD:69519000", None)])
    resolution = resolve_payments(same, overrides=no_overrides())
    rows = resolution.names.set_index("supplier_name_raw")
    assert rows["supplier_id"].nunique() == 1
    assert sorted(rows["match_method"]) == ["exact", "identifier"]
    assert any("shared ledger_code:Guy's=69519000" in e for e in rows["match_evidence"])
    apart = _two_publishers([("Guy's", "MEDISOFT LTD:69519000", None), ("Kingston", "MEDISORT LTD:69519000", None)])
    assert annotate_payments(apart, overrides=no_overrides())["supplier_id"].nunique() == 2  # means nothing at Kingston


def test_a_glued_number_in_the_company_number_column_is_not_a_company_number():
    # Tables parsed before spend.codes stopped calling Guy's 8-digit codes company numbers carry them in
    # company_number. Read as Companies House numbers they would join any two names (a strong identifier).
    stale = _two_publishers([
        ("Guy's", "LONDON BOROUGH OF LAMBETH:24845200", "24845200"), ("Other", "ACME SURGICAL LTD:24845200", "24845200"),
    ])
    store = identifiers_from_payments(stale)
    assert {i.scheme for name in store.names() for i in store.for_name(name)} == {"ledger_code:Guy's", "ledger_code:Other"}
    annotated = annotate_payments(stale, overrides=no_overrides())
    assert annotated["supplier_id"].nunique() == 2
    # A number labelled as a company number is one, and it joins names whatever they say (Neopost -> Quadient).
    labelled = _two_publishers([
        ("Guy's", "NEOPOST LTD CRN 02658324", "02658324"), ("Other", "QUADIENT UK LTD", "2658324"),
    ])
    store = identifiers_from_payments(labelled)
    assert {i.label() for i in store.for_name("NEOPOST LTD CRN 02658324")} == {"company_number=02658324"}
    assert annotate_payments(labelled, overrides=no_overrides())["supplier_id"].nunique() == 1


def test_identifier_normalisation():
    assert is_valid_uk_vat("108297604") and is_valid_uk_vat("654451338")
    assert normalise_identifier("vat_number", "GB 108 2976 04") == "GB108297604"
    assert normalise_identifier("vat_number", "108297604001") == "GB108297604"  # branch of the registration
    assert normalise_identifier("vat_number", "GB1082976040001") is None  # run into the next column
    assert normalise_identifier("company_number", "oc301540") == "OC301540"
    assert normalise_identifier("company_number", "1800000") == "01800000"
    assert normalise_identifier("company_number", "12-34") is None


def test_overrides_always_win(payments):
    rows = [
        OverrideRow(1, "never", "OPTUM HEALTH SOLUTION", "OPTUM HEALTH SOLUTIONS (UK) LTD", "checked: another company"),
        OverrideRow(2, "same", "OPTUM", "Optum Health Solutions UK Limited", "Hounslow's Optum"),
        OverrideRow(3, "never", "UK0265832401 : Neopost Limited", "QUADIENT UK LTD", "keep the old name apart"),
        OverrideRow(4, "assign", "GUY'S & ST THOMAS' CHARITY", "gstt-charity", "pinned"),
        OverrideRow(5, "kind", "ST LUKES HOSPICE", "person", "test"),
    ]
    overrides = parse_overrides(rows)
    annotated = annotate_payments(payments, overrides=overrides)
    optum = by_name(annotated, "OPTUM HEALTH SOLUTIONS (UK) LTD")
    assert by_name(annotated, "OPTUM HEALTH SOLUTION")["supplier_id"] != optum["supplier_id"]
    assert by_name(annotated, "OPTUM")["supplier_id"] == optum["supplier_id"]
    assert by_name(annotated, "OPTUM")["match_method"] == "override"
    assert by_name(annotated, "UK0265832401 : Neopost Limited")["supplier_id"] != by_name(annotated, "UK0265832401 : Quadient UK Ltd")["supplier_id"]
    assert by_name(annotated, "GUY'S & ST THOMAS' CHARITY")["supplier_id"] == "gstt-charity"
    assert by_name(annotated, "ST LUKES HOSPICE")["supplier_kind"] == "person"


def test_contradicting_overrides_are_errors():
    with pytest.raises(OverridesError, match="both same and never"):
        parse_overrides([OverrideRow(1, "same", "A LTD", "B LTD"), OverrideRow(2, "never", "B LTD", "A LTD")])
    with pytest.raises(OverridesError, match="same key"):
        parse_overrides([OverrideRow(1, "never", "ACME LTD", "Acme Limited")])
    with pytest.raises(OverridesError, match="unknown action"):
        parse_overrides([OverrideRow(1, "merge", "A LTD", "B LTD")])
    with pytest.raises(OverridesError, match="data row 2"):
        parse_overrides([OverrideRow(1, "assign", "A LTD", "x"), OverrideRow(2, "assign", "A LIMITED", "y")])
    overrides = parse_overrides([OverrideRow(1, "assign", "A LTD", "x"), OverrideRow(2, "assign", "B LTD", "y"),
                                 OverrideRow(3, "same", "A LTD", "B LTD")])
    with pytest.raises(OverridesError, match="pinned to different ids"):
        resolve_names(["A LTD", "B LTD"], overrides=overrides)


def test_the_package_overrides_file_loads():
    overrides = load_overrides()
    assert overrides.source.endswith("supplier_overrides.csv")


def test_supplier_ids_are_stable_across_runs_and_input_order(payments):
    first = annotate_payments(payments, overrides=no_overrides())
    again = annotate_payments(payments.iloc[::-1].reset_index(drop=True), overrides=no_overrides())
    ids_first = dict(zip(first["supplier_name_raw"], first["supplier_id"]))
    ids_again = dict(zip(again["supplier_name_raw"], again["supplier_id"]))
    assert ids_first == ids_again
    assert ids_first["OPTUM HEALTH SOLUTIONS (UK) LTD"].startswith("optum-health-solutions-")
    more = pd.concat([payments, payments.iloc[:1].assign(supplier_name_raw="ZEBRA ENGINEERING LTD")], ignore_index=True)
    ids_more = dict(zip(*annotate_payments(more, overrides=no_overrides())[["supplier_name_raw", "supplier_id"]].T.values))
    assert all(ids_more[name] == sid for name, sid in ids_first.items())


@pytest.mark.slow
def test_supplier_ids_do_not_depend_on_python_hash_seeds(tmp_path):
    """Sets iterate in a different order in every Python process; the result must not."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    pairs = Path(__file__).parent / "data" / "supplier_pairs.csv"
    script = (
        "import csv, json, sys\n"
        "from spend.suppliers import resolve_names, no_overrides\n"
        f"rows = list(csv.DictReader(l for l in open({str(pairs)!r}, encoding='utf-8') if not l.startswith('#')))\n"
        "names = sorted({r['name_a'] for r in rows} | {r['name_b'] for r in rows})\n"
        "res = resolve_names(names, overrides=no_overrides())\n"
        "json.dump(dict(zip(res.names['supplier_name_raw'], res.names['supplier_id'])), sys.stdout)\n"
    )
    runs = []
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1]


def test_review_apply_round_trip(payments, overrides_file, tmp_path):
    resolution = resolve_payments(payments, overrides=load_overrides(overrides_file))
    annotated = annotate_payments(payments, resolution=resolution)
    review = build_review(resolution, annotated)
    assert list(review.columns) == list(REVIEW_COLUMNS)
    assert list(review["total_gbp"]) == sorted(review["total_gbp"], reverse=True)  # biggest money first
    pairs = {frozenset((r.key_a, r.key_b)): i for i, r in enumerate(review.itertuples())}
    trust = pairs[frozenset(("WESTBROOK AND ST ANNES NHS FOUNDATION TRUST", "WESTBROOK AND ST ANNES NHS TRUST"))]
    # One row per pair of suppliers: 'OPTUM' against whichever spelling of the Optum supplier is closest.
    optum = next(i for keys, i in pairs.items() if "OPTUM" in keys)
    row = review.iloc[trust]
    assert row["pattern"] == "body_type" and "NHS TRUST" in row["evidence"]
    assert {row["payments_a"], row["payments_b"]} == {1, 1}
    assert {row["gbp_a"], row["gbp_b"]} == {Decimal("5000000.00"), Decimal("200.00")}
    review.loc[trust, "decision"] = "same"
    review.loc[optum, "decision"] = "never"
    marked = write_review(review, tmp_path / "review.csv")

    result = apply_review(marked, overrides_file)
    assert (result.same, result.never, result.added) == (1, 1, 2)
    assert apply_review(marked, overrides_file).added == 0  # applying twice adds nothing

    again = annotate_payments(payments, overrides=load_overrides(overrides_file))
    assert by_name(again, "Westbrook & St Annes NHS Trust")["supplier_id"] == by_name(again, "WESTBROOK & ST ANNES NHS FOUNDATION TRUST")["supplier_id"]
    assert by_name(again, "Westbrook & St Annes NHS Trust")["match_method"] == "override"
    resolution = resolve_payments(payments, overrides=load_overrides(overrides_file))
    remaining = build_review(resolution, annotate_payments(payments, resolution=resolution))
    assert not any("OPTUM" in (r.key_a, r.key_b) for r in remaining.itertuples())  # decided, so not asked again
    assert by_name(again, "OPTUM")["supplier_id"] != by_name(again, "OPTUM HEALTH SOLUTIONS (UK) LTD")["supplier_id"]


def test_apply_refuses_a_badly_marked_file(tmp_path, overrides_file):
    path = tmp_path / "review.csv"
    path.write_text("decision,key_a,key_b\nmaybe,A,B\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match="line 2"):
        apply_review(path, overrides_file)
    path.write_text("decision,name_a\nsame,A\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match="missing column"):
        apply_review(path, overrides_file)


def test_cli_commands_have_help_with_an_example(capsys):
    parser = argparse.ArgumentParser(prog="spend")
    register(parser.add_subparsers(dest="command"))
    for command in ("review", "apply", "report"):
        with pytest.raises(SystemExit):
            parser.parse_args(["suppliers", command, "--help"])
        out = capsys.readouterr().out
        assert "example:" in out and f"spend suppliers {command}" in out


def test_cli_report_review_and_apply(payments, tmp_path, overrides_file, capsys):
    parquet = tmp_path / "payments.parquet"
    payments.assign(amount_gbp=payments["amount_gbp"].map(str)).to_parquet(parquet)
    assert main(["suppliers", "report", "--payments", str(parquet), "--top", "3", "--overrides", str(overrides_file)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(" 1. WESTBROOK & ST ANNES NHS FOUNDATION TRUST  £5,000,000.00")
    assert "OPTUM HEALTH SOLUTIONS (UK) LTD" in out and "[fuzzy]" in out

    csv_path = tmp_path / "payments.csv"
    payments.to_csv(csv_path, index=False)
    review_path = tmp_path / "review.csv"
    assert main(["suppliers", "review", "--payments", str(csv_path), "--out", str(review_path), "--overrides", str(overrides_file)]) == 0
    assert "candidate merge(s) written" in capsys.readouterr().out
    review = pd.read_csv(review_path, dtype=str, keep_default_na=False)
    review.loc[0, "decision"] = "never"
    review.to_csv(review_path, index=False)
    assert main(["suppliers", "apply", str(review_path), "--overrides", str(overrides_file)]) == 0
    assert "1 new decision(s)" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["suppliers", "report", "--payments", str(tmp_path / "missing.parquet")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.parquet: file not found" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("supplier_name_raw,amount_gbp\nACME LTD,12x\n", encoding="utf-8")
    assert main(["suppliers", "report", "--payments", str(bad)]) == 1
    assert "not a number" in capsys.readouterr().err


def test_payments_input_errors_are_typed(tmp_path):
    from spend.store.read import read_payments

    path = tmp_path / "p.csv"
    path.write_text("name,amount\n", encoding="utf-8")
    with pytest.raises(PaymentsInputError, match="supplier_name_raw"):
        read_payments(path)
