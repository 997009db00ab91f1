"""Public bodies and trading names by official identity (spend/data/public_bodies.csv), and corporate groups."""

from decimal import Decimal

import pandas as pd
import pytest

from spend.cli import main
from spend.sources.registry import publishers_for
from spend.suppliers import no_overrides, resolve_names
from spend.suppliers.datafiles import data_path, read_rows
from spend.suppliers.groups import find_group
from spend.suppliers.reference import council_place, match_reference, nhs_stem

# Names as real files publish them (the shared corpus and ../shared/realdata-more).
SAME_BODY = {
    "gss:E09000033": ["CITY OF WESTMINSTER", "Westminster City Council"],
    "gss:E09000028": ["LONDON BOROUGH OF SOUTHWARK:04102500", "SOUTHWARK COUNCIL"],
    "gss:E09000013": ["Hammersmith & Fulham London Borough Council", "LB HAMMERSMITH AND FULHAM"],
    "nhs:nhs-blood-and-transplant": ["NHS BLOOD AND TRANSPLANT", "WPS0NBA03301 : NHS Blood & Transplant exc BPL"],
    "nhs:nhs-business-services-authority": ["NHS BUSINESS SERVICES AUTHORITY", "Nhs Business Services Authority (Prefic 100)"],
    "nhs:nhs-resolution": ["Nhs Resolution C/O Nhs Litigation Authority", "Nhs Resolution (Litigation Authority)",
                           "NHS Litigation Authority"],
    "ods:RJ7": ["NHS0000RJ701 : St Georges Healthcare NHST", "ST GEORGES UNIVERSITY HOSPITALS NHS FOUNDATION TRUST",
                "St George'S University Hospitals Nhs Ft"],
    "company:10881715": [  # NHS Supply Chain: nine published names, one company
        "NHS SUPPLY CHAIN (MAIDSTONE)", "Nhs Supply Chain Capital (905)", "Nhs Supply Chain Maintenance (201)",
        "Nhs Supply Chain Uk Stk (903)", "Sccl-Nhs Supply Chain Capital", "Sccl-Nhs Supply Chain Maintenance",
        "SUPPLY CHAIN COORDINATION LTD (SCCL)", "Supply Chain Coordination Limited", "UK1088171501 : SCCL T/A NHS Supply Chain ROARP"],
}
NOT_THE_BODY = ["GUY'S & ST THOMAS' CHARITY", "ST GEORGES MEDICAL CENTRE", "OXFORDSHIRE COUNTY COUNCIL PENSION FUND",
                "CITY OF LONDON POLICE", "CITY OF WESTMINSTER COLLEGE", "CAMBRIDGE COUNCIL FOR VOLUNTARY SERVICE",
                "LONDON COUNCILS", "BARNET", "DHL SUPPLY CHAIN LTD", "NHS PROPERTY SERVICES LTD", "ROYAL FREE CHARITY"]


@pytest.mark.parametrize("identity", sorted(SAME_BODY))
def test_each_name_of_a_body_matches_its_identity(identity):
    for name in SAME_BODY[identity]:
        found = match_reference(name)
        assert found is not None and found.identity == identity, name


@pytest.mark.parametrize("name", NOT_THE_BODY)
def test_names_that_only_look_like_a_body_match_none(name):
    assert match_reference(name) is None


def test_the_names_of_one_body_are_one_supplier_under_its_official_name():
    names = [n for group in SAME_BODY.values() for n in group]
    resolution = resolve_names(names + NOT_THE_BODY, overrides=no_overrides())
    rows = resolution.names.set_index("supplier_name_raw")
    for identity, group in SAME_BODY.items():
        assert rows.loc[group, "supplier_id"].nunique() == 1, identity
        assert set(rows.loc[group, "match_method"]) == {"reference"}
        assert all(identity in e for e in rows.loc[group, "match_evidence"])
    assert rows.loc["SOUTHWARK COUNCIL", "supplier_name"] == "London Borough of Southwark"
    assert rows.loc["Sccl-Nhs Supply Chain Capital", "supplier_name"] == "Supply Chain Coordination Limited"
    # A trust and the foundation trust it became: one identity, though the body types differ.
    assert rows.loc["NHS0000RJ701 : St Georges Healthcare NHST", "supplier_name"] == \
        "St George's University Hospitals NHS Foundation Trust"
    for name in NOT_THE_BODY:
        assert rows.loc[name, "match_method"] != "reference", name


def test_two_bodies_never_join_even_when_one_took_over_the_other():
    names = ["ROYAL BROMPTON & HAREFIELD NHS FOUNDATION TRUST", "GUYS & ST THOMAS NHS FOUNDATION TRUST",
             "NHS HOUNSLOW CCG", "NHS HARROW CCG", "NHS NORTH WEST LONDON CCG"]
    resolution = resolve_names(names, overrides=no_overrides())
    assert resolution.names["supplier_id"].nunique() == len(names)


def test_wording_rules():
    assert nhs_stem("ST GEORGES HEALTHCARE NHS TRUST") == nhs_stem("ST GEORGES HEALTHCARE NHS FOUNDATION TRUST")
    assert nhs_stem("NHS HOUNSLOW CCG") == nhs_stem("NHS HOUNSLOW CLINICAL COMMISSIONING GROUP") == "ccg: HOUNSLOW"
    assert nhs_stem("HOUNSLOW HOSPITAL") is None
    assert council_place("LONDON BOROUGH OF SOUTHWARK") == council_place("SOUTHWARK COUNCIL") == "SOUTHWARK"
    assert council_place("KENSINGTON AND CHELSEA RBK") == "KENSINGTON AND CHELSEA"
    assert council_place("SOUTHWARK") is None  # a bare place is not the council


def test_the_table_agrees_with_the_registry_and_names_its_sources():
    rows = read_rows(data_path("public_bodies.csv"))
    assert all(r["source"] for r in rows)
    names_of = {}
    for r in rows:
        names_of.setdefault(r["identity"], set()).add(r["name"])
    for publisher in publishers_for():
        if publisher.ods_code and publisher.kind in {"trust", "ccg", "icb", "nhs-england"}:
            assert publisher.name in names_of.get(f"ods:{publisher.ods_code}", set()), publisher.slug
    successors = {r["succeeded_by"] for r in rows if r["succeeded_by"]}
    assert successors <= set(names_of)


def test_groups_take_members_by_key_or_by_the_words_they_start_with():
    assert find_group(["SERCO"]) == find_group(["SERCO HEALTH"]) == "Serco"
    assert find_group(["SERCOMBE"]) is None
    assert find_group(["KPMG AUDIT"]) == "KPMG"
    assert find_group(["ATOS IT SERVICES UK"]) == "Atos"
    assert find_group(["ATOS MEDICAL"]) is None  # a different company
    assert find_group(["EE"]) == find_group(["BT GLOBAL SERVICES"]) == "BT"


def test_every_group_member_names_a_source():
    rows = read_rows(data_path("supplier_groups.csv"))
    assert all(r["source"] for r in rows)
    groups = {r["group"] for r in rows}
    for wanted in ("Serco", "Capita", "Sodexo", "G4S", "Mitie", "Interserve", "Atos", "BT", "EDF Energy",
                   "Centrica (British Gas)", "Deloitte", "PwC", "KPMG", "EY", "Virgin Care", "Care UK", "Circle",
                   "Spire Healthcare", "Ramsay Health Care", "HCA Healthcare", "Optum / UnitedHealth", "IQVIA"):
        assert wanted in groups


def test_report_by_group_lists_members_totals_and_published_names(tmp_path, capsys):
    names = SAME_BODY["company:10881715"] + ["SERCO LTD", "Serco Limited", "SERCO HEALTH", "KPMG LLP", "Kpmg Audit Plc"]
    payments = pd.DataFrame({"supplier_name_raw": names, "amount_gbp": [str(Decimal(100 + i)) for i in range(len(names))],
                             "publisher": "Test body", "payment_date": pd.Timestamp("2020-05-01")})
    path = tmp_path / "payments.parquet"
    payments.to_parquet(path)
    assert main(["suppliers", "report", "--payments", str(path), "--group"]) == 0
    out = capsys.readouterr().out
    supply_chain = out.split("NHS Supply Chain (SCCL)", 1)[1].split("\n\n")[0]
    assert "1 supplier" in supply_chain.splitlines()[0]
    assert "9 published names" in supply_chain
    assert all(repr(n) in supply_chain for n in SAME_BODY["company:10881715"])
    assert "£" + f"{sum(100 + i for i in range(9)):,}.00" in supply_chain.splitlines()[0]
    assert "Serco  £" in out and "KPMG  £" in out
    assert main(["suppliers", "report", "--payments", str(path), "--group", "kpmg"]) == 0
    only = capsys.readouterr().out
    assert only.startswith("KPMG  £225.00  2 payments  2 suppliers") and "Serco" not in only
