"""Supplier sectors (spend/data/supplier_sectors.csv): a table of real published names, and the rules file."""

from decimal import Decimal

import pandas as pd
import pytest

from spend.suppliers import SECTORS, annotate_payments, classify_sector, no_overrides, resolve_names
from spend.suppliers.errors import SupplierDataError
from spend.suppliers.resolution import MATCH_COLUMNS
from spend.suppliers.sectors import (
    _spellings, explain_sector, load_sector_rules, match_sector_rule, parse_sector_rules, sector_of_names,
)

# Published names from ../shared/realdata (publisher in the comment where it explains the case), expected sector.
SECTOR_CASES = [
    # nhs
    ("GUYS & ST THOMAS NHS FOUNDATION TRUST", "nhs"),
    ("Princess Alexandra Hosp Nhst", "nhs"),  # NHST spelt out by the key (North Middlesex)
    ("MID AND SOUTH ESSEX FOUNDATION TRUST", "nhs"),  # a foundation trust without the word NHS (Redbridge CCG)
    ("NHS0000RJ701 : St Georges Healthcare NHST", "nhs"),  # Kingston's code prefix
    ("CHELSEA AND WESTMINSTER HOSPITAL NHS FOUNDATION TRUST34577681", "nhs"),  # number run in (Hounslow CCG PDF)
    ("NHS SOUTH WEST LONDON CCG", "nhs"),
    ("NHS NORTH AND EAST LONDON CSU", "nhs"),
    ("NHS ENGLAND", "nhs"),
    ("Nhs Supply Chain Roarp (101)", "nhs"),
    ("SUPPLY CHAIN COORDINATION LTD (SCCL)", "nhs"),  # NHS Supply Chain's operator, a DHSC-owned company
    ("UK1088171501 : SCCL T/A NHS Supply Chain ROARP", "nhs"),
    ("NHS SHARED BUSINESS SERVICES LTD", "nhs"),
    ("Nhs Professionals Ltd", "nhs"),
    ("WPS0NBA03301 : NHS Blood & Transplant exc BPL", "nhs"),
    ("CARDIFF AND VALE UNIVERSITY LOCAL HEALTH BOARD", "nhs"),
    ("BRENTFORD FAMILY PRACTICE", "nhs"),  # GP practices paid by Hounslow CCG
    ("BALFOUR ROAD SURGERY", "nhs"),
    ("GOODMAYES MEDICAL CENTRE", "nhs"),
    ("DR L PETERS & PARTNERS", "nhs"),
    ("DRS R DAWOOD & R RUDD", "nhs"),
    ("REDWOOD PRACTICE DR P SHENTON & PARTNER", "nhs"),
    ("Hounslow Clinical Commissioning Group", "nhs"),  # not in the corpus: a CCG written out without NHS
    ("NORTH EAST LONDON COMMISSIONING SUPPORT UNIT", "nhs"),  # not in the corpus
    ("HEALTH EDUCATION ENGLAND", "nhs"),  # not in the corpus
    # public
    ("LONDON BOROUGH OF LAMBETH:24845200", "public"),  # Guy's supplier number on the council's name
    ("ROYAL BOROUGH OF KINGSTON UPON THAMES", "public"),
    ("WPS00E504301 : Royal Bor of Kingston Upon Tha", "public"),
    ("Croydon Council", "public"),
    ("SOUTH TYNESIDE COUNCIL", "public"),
    ("VALE OF WHITE HORSE DC", "public"),
    ("WEST OXFORDSHIRE DISTRICT COUNCIL GENERAL A/C", "public"),
    ("LITTLEMORE PARISH COUNCIL", "public"),
    ("TAMESIDE MBC", "public"),
    ("HM REVENUE & CUSTOMS", "public"),
    ("Hmrc (247)", "public"),
    ("INLAND REVENUE CIS", "public"),
    ("HMCS (CAPS)", "public"),
    ("MINISTRY OF DEFENCE", "public"),
    ("DWP (DEPARTMENT FOR WORK AND PENSIONS)", "public"),
    ("THAMES VALLEY POLICE AUTHORITY", "public"),
    ("MEDICAL RESEARCH COUNCIL", "public"),
    ("HUMAN TISSUE AUTHORITY:70522200", "public"),
    ("OFFICE FOR NATIONAL STATISTICS", "public"),
    ("OFCOM", "public"),
    ("STUDENT LOANS COMPANY LIMITED", "public"),  # government-owned, BIS's largest payee
    ("STUDENT LOANS  CO LTD (INVEST TO SAVE)", "public"),
    ("SKILLS FUNDING AGENCY", "public"),
    ("POST OFFICE LTD C/O ROYAL MAIL", "public"),  # Post Office Ltd, owned by the government; Royal Mail is a plc
    ("CHENEY SCHOOL ACADEMY TRUST", "public"),
    ("KINGS COLLEGE LONDON:03529700", "public"),  # universities: public (see supplier_sectors.csv)
    ("UNIVERSITY COLLEGE LONDON", "public"),
    ("NRB000020601 : Kingston University London", "public"),
    ("UNIVERSITY OF OXFORD", "public"),
    ("LONDON SCHOOL OF HYGIENE & TROPICAL MEDICINE", "public"),
    # charity
    ("GUY'S & ST THOMAS' CHARITY", "charity"),  # not the NHS trust in its name
    ("UNIVERSITY COLLEGE LONDON HOSPITALS CHARITY", "charity"),
    ("OXFORD RADCLIFFE HOSPITALS CHARITABLE FUND", "charity"),
    ("STOP HATE UK REG.CHARITY 1062692", "charity"),
    ("OXFORD HUB CIO", "charity"),  # not in the corpus: a charitable incorporated organisation
    ("ST LUKES HOSPICE", "charity"),
    ("North London Hospice", "charity"),
    ("MARIE CURIE", "charity"),
    ("British Red Cross", "charity"),
    ("South London YMCA", "charity"),
    ("ST JOHN AMBULANCE", "charity"),  # not an NHS ambulance service
    ("The Terrence Higgins Trust", "charity"),
    ("CANAL & RIVER TRUST", "charity"),
    ("Home Farm Trust Ltd", "charity"),  # a charitable company: TRUST decides before LTD
    ("St Andrews Parochial Church Council", "charity"),  # a PCC is a charity, not a council
    ("ST ALDATES PCC", "charity"),
    ("CAMBRIDGE COUNCIL FOR VOLUNTARY SERVICE", "charity"),
    ("DESIGN COUNCIL", "charity"),
    # company
    ("OPTUM HEALTH SOLUTIONS (UK) LTD", "company"),
    ("KPMG LLP", "company"),
    ("UK0180000001 : British Telecommunications plc", "company"),
    ("SXT HEALTH CIC (WWW.SXT.ORG.UK)", "company"),  # a CIC is a company (and cannot be a registered charity)
    ("SNOWS TIMBERLIMITED", "company"),
    ("ACM ENVIRONMENTALPLC", "company"),
    ("FRESENIUS MEDICAL CARE RENAL SERVICES LT", "company"),  # cut at 40 characters
    ("WESTLAKE ASPHALT CO LTD", "company"),
    ("NUVOAIR AB", "company"),
    ("CORNING B.V.", "company"),
    ("RESMED GMBH AND CO.KG", "company"),
    ("LUMINEX CORPORATION", "company"),
    ("SALVATION ARMY TRADING COMPANY LTD", "company"),  # the charity's trading subsidiary
    ("TRUST PET PRODUCTS LTD", "company"),
    ("ZURICH RFMP TRUST ACCOUNT NO 2", "company"),  # an insurer's account, not a charitable trust
    ("FIND A UNIVERSITY LTD", "company"),
    ("ROYAL MAIL GROUP LTD", "company"),
    ("Warwick University Services Ltd", "company"),
    ("OFFICE FOR PUBLIC MANAGEMENT LTD", "company"),
    # individual and excluded (from the name's kind)
    ("ELLEN HAVARD", "individual"),
    ("OLLIVIERRE, J", "individual"),
    ("DR SM HUNT", "individual"),  # a single-handed GP published under the doctor's name
    ("MR JOHN BARNEY t/a KIDLINGTON DRIVEWAYS", "individual"),
    ("Redacted personal data", "excluded"),
    ("Grand Total", "excluded"),
    ("GSTT SUNDRY SUPPLIER", "excluded"),
    ("   ", "excluded"),
    # unknown: no evidence either way
    ("OPTUM HEALTH SOLUTION", "unknown"),  # truncated, legal form lost (the supplier takes its full name's sector)
    ("OFFICE FOR PUBLIC MANAGEMENT", "unknown"),
    ("ABINGDON SCHOOL", "unknown"),
    ("CRIPLEY MEADOW ALLOTMENT ASSOCIATION", "unknown"),
    ("CONSTRUCTION INDUSTRY COUNCIL", "unknown"),
    ("10008721", "unknown"),  # a code with no name
]


@pytest.mark.parametrize("raw,sector", SECTOR_CASES)
def test_classify_sector(raw, sector):
    assert classify_sector(raw) == sector, explain_sector(raw)


def test_sector_of_blank_values():
    assert classify_sector(None) == "excluded"
    assert classify_sector(float("nan")) == "excluded"


def test_the_kind_given_wins_over_the_name():
    assert classify_sector("ST LUKES HOSPICE", "person") == "individual"
    assert classify_sector("ELLEN HAVARD", "organisation") == "unknown"
    assert classify_sector("ACME LTD", "redacted") == "excluded"


def test_every_sector_rule_is_used_by_a_real_name():
    """Each row of supplier_sectors.csv decides at least one name of the table above (no dead rules)."""
    deciding = {match_sector_rule(raw).order for raw, sector in SECTOR_CASES if sector in {"nhs", "public", "charity", "company"}}
    unused = [(r.order, r.sector, r.pattern.pattern[:60]) for r in load_sector_rules() if r.order not in deciding]
    assert unused == []


def test_the_rules_file_is_complete():
    rules = load_sector_rules()
    assert len(rules) >= 20
    assert {r.sector for r in rules} == {"nhs", "public", "charity", "company"}
    assert all(r.why.strip() for r in rules)
    assert set(SECTORS) == {"nhs", "public", "charity", "company", "individual", "excluded", "unknown"}


def test_a_bad_rules_file_is_a_typed_error():
    good = {"sector": "public", "pattern": r"\bCOUNCIL$", "why": "councils"}
    assert parse_sector_rules([good])[0].sector == "public"
    with pytest.raises(SupplierDataError, match=r"\(data row 2\): unknown sector 'government'"):
        parse_sector_rules([good, {"sector": "government", "pattern": "X", "why": "not a sector"}])
    with pytest.raises(SupplierDataError, match="bad pattern"):
        parse_sector_rules([{"sector": "nhs", "pattern": "(NHS", "why": "unclosed"}])
    with pytest.raises(SupplierDataError, match="no reason"):
        parse_sector_rules([{"sector": "nhs", "pattern": "NHS", "why": " "}])


def test_explain_sector_names_the_rule():
    sector, why = explain_sector("GUY'S & ST THOMAS' CHARITY")
    assert sector == "charity" and "data row 1" in why
    assert explain_sector("ELLEN HAVARD") == ("individual", "the name's kind is person")
    assert explain_sector("OPTUM HEALTH SOLUTION")[0] == "unknown"


def test_a_supplier_takes_the_first_rule_any_spelling_matches():
    assert sector_of_names(["OPTUM HEALTH SOLUTION", "OPTUM HEALTH SOLUTIONS (UK) LTD"], ["organisation"] * 2) == "company"
    assert sector_of_names(["Home Farm Trust Ltd", "HOME FARM"], ["organisation"] * 2) == "charity"
    assert sector_of_names(["ELLEN HAVARD"], ["person"]) == "individual"
    assert sector_of_names(["OPTUM HEALTH SOLUTION"], ["organisation"]) == "unknown"


def test_sectors_in_the_resolution_and_the_annotated_payments():
    names = ["OPTUM HEALTH SOLUTIONS (UK) LTD", "OPTUM HEALTH SOLUTION", "GUY'S & ST THOMAS' CHARITY",
             "GUYS & ST THOMAS NHS FOUNDATION TRUST", "Redacted personal data", "ELLEN HAVARD"]
    resolution = resolve_names(names, overrides=no_overrides())
    rows = resolution.names.set_index("supplier_name_raw")
    assert rows.loc["OPTUM HEALTH SOLUTION", "supplier_sector"] == "company"  # from its supplier's full name
    assert rows.loc["GUY'S & ST THOMAS' CHARITY", "supplier_sector"] == "charity"
    assert rows.loc["Redacted personal data", "supplier_sector"] == "excluded"
    suppliers = resolution.suppliers.set_index("supplier_name")
    assert suppliers.loc["Guy's and St Thomas' NHS Foundation Trust", "supplier_sector"] == "nhs"
    assert suppliers.loc["ELLEN HAVARD", "supplier_sector"] == "individual"

    payments = pd.DataFrame({"supplier_name_raw": names + [None], "amount_gbp": [Decimal("1.00")] * 7})
    annotated = annotate_payments(payments, resolution=resolution)
    assert "supplier_sector" in MATCH_COLUMNS
    assert annotated["supplier_sector"].tolist() == ["company", "company", "charity", "nhs", "excluded", "individual", None]


def first_rule_by_brute_force(raw):
    text = _spellings(raw)
    return next((r for r in load_sector_rules() if r.pattern.search(text)), None)


@pytest.mark.parametrize(
    "pattern,triggers",
    [
        (r"\bNHS\b", {"NHS"}),
        (r"\bHOSPICES?\b", {"HOSPICE"}),  # the quantified last letter may be absent
        (r"\bCHARIT(?:Y|IES|ABLE)\b", {"CHARIT"}),
        (r"^HM\b|\bHMRC\b|\bLAND REGISTRY\b", {"HM", "HMRC", "LAND"}),
        (r"\bDRS? .*\bPARTNERS?$", {"DR"}),
        (r"\bTRUST$|\b(?:CITY|COUNTY) COUNCIL\b", None),  # an alternative starting with a group: always tried
        (r"(?:LTD|PLC)$", None),  # not at a word's start ('SNOWS TIMBERLIMITED')
        (r"\bX\b", None),  # too short to be worth a shortcut
    ],
)
def test_trigger_words(pattern, triggers):
    from spend.suppliers.sectors import _triggers

    assert _triggers(pattern) == (frozenset(triggers) if triggers is not None else None)


@pytest.mark.parametrize("raw", [raw for raw, _ in SECTOR_CASES])
def test_the_trigger_shortcut_never_changes_the_answer(raw):
    assert match_sector_rule(raw) is first_rule_by_brute_force(raw)
