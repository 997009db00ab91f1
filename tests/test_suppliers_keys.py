"""The supplier normalisation key and name kinds: a table of real published names, and properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spend.suppliers.keys import make_key, parse_name
from spend.suppliers.kinds import classify_name

KEYS = [
    # published name (real, from ../shared/realdata unless noted), expected key
    ("OPTUM HEALTH SOLUTIONS (UK) LTD", "OPTUM HEALTH SOLUTIONS"),
    ("Optum Health Solutions UK Limited", "OPTUM HEALTH SOLUTIONS"),  # spelling from the issue
    ("OPTUM HEALTH SOLUTIONS (UK) LTD                   ", "OPTUM HEALTH SOLUTIONS"),  # Oxford pads to 50
    ("OPTUM HEALTH SOLUTION", "OPTUM HEALTH SOLUTION"),  # truncated: the key keeps it, fuzzy matching joins it
    ("UK0479435601 : Prime Care Solutions (Kingston) Ltd", "PRIME CARE SOLUTIONS KINGSTON"),
    ("NHS0000RJ701 : St Georges Healthcare NHST", "ST GEORGES HEALTHCARE NHS TRUST"),
    ("KINGS COLLEGE LONDON:03529700", "KINGS COLLEGE LONDON"),
    ("BOC LTD :02107500", "BOC"),
    ("DELL-001 - Dell Computer Corporation Ltd", "DELL COMPUTER CORPORATION"),
    ("Dell Computer Corp.Ltd", "DELL COMPUTER CORPORATION"),
    ("St George'S University Hospitals Nhs Ft", "ST GEORGES UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"),
    ("SOUTH WEST LONDON AND ST GEORGE`S MENTAL HEALTH NHS TRUST", "SOUTH WEST LONDON AND ST GEORGES MENTAL HEALTH NHS TRUST"),
    ("GUYS&ST THOMAS NHS FOUNDATION TRUST", "GUYS AND ST THOMAS NHS FOUNDATION TRUST"),
    ("Guy'S & St Thomas' Nhs Foundation Trust", "GUYS AND ST THOMAS NHS FOUNDATION TRUST"),
    ("GUY'S & ST THOMAS' CHARITY", "GUYS AND ST THOMAS CHARITY"),
    ("Guys & St Thomas NHS Trust", "GUYS AND ST THOMAS NHS TRUST"),  # NHS TRUST is not NHS FOUNDATION TRUST
    ("Princess Alexandra Hosp Nhst", "PRINCESS ALEXANDRA HOSPITAL NHS TRUST"),
    ("PRINCESS ALEXANDRA HOSPITAL NHS TRUST (THE)", "PRINCESS ALEXANDRA HOSPITAL NHS TRUST"),
    ("THE ROYAL MARSDEN NHS FOUNDATION TRUST", "ROYAL MARSDEN NHS FOUNDATION TRUST"),
    ("Barnet Enfield & Haringey Mental Health Nhs T", "BARNET ENFIELD AND HARINGEY MENTAL HEALTH NHS TRUST"),
    ("CARE UK (URGENT CARE) LTD", "CARE UK URGENT CARE"),  # words in brackets are part of the name
    ("CARE UK COMMUNITY PARTNERSHIPS LTD", "CARE UK COMMUNITY PARTNERSHIPS"),  # a UK inside the name stays
    ("CSL BEHRING UK LTD", "CSL BEHRING"),
    ("IBM UNITED KINGDOM LIMITED", "IBM"),
    ("Becton, Dickinson U.K. Limited", "BECTON DICKINSON"),
    ("PHILIPS HEALTHCARE UK", "PHILIPS HEALTHCARE UK"),  # a bare trailing UK is kept ('AGE UK')
    ("Sigmacon (U.K) Ltd", "SIGMACON"),
    ("TOYOTA (GB) PLC", "TOYOTA"),
    ("SOFTCAT PLC", "SOFTCAT"),
    ("KPMG LLP", "KPMG"),
    ("Kpmg Llp Fees Account", "KPMG"),
    ("AMAS LTD NONRENT A/C", "AMAS"),
    ("POST OFFICE LTD C/O ROYAL MAIL", "POST OFFICE"),
    ("HOWORTH AIRTECH LTD CIS5", "HOWORTH AIRTECH"),
    ("CAPITA BUSINESS SERVICES LTD (CIVIL SERVICE LEARNING)", "CAPITA BUSINESS SERVICES"),
    ("The Mission Mexican Grill Lltd. ", "MISSION MEXICAN GRILL"),
    ("FRESENIUS MEDICAL CARE RENAL SERVICES LT", "FRESENIUS MEDICAL CARE RENAL SERVICES"),
    ("WESTLAKE ASPHALT CO LTD", "WESTLAKE ASPHALT"),
    ("JAMES ARMSTRONG & CO LTD", "JAMES ARMSTRONG"),
    ("Ascribe Ltd T/A Emis Health", "ASCRIBE"),
    ("Ascribe Ltd Trading As Emis Health", "ASCRIBE"),
    ("NATUS NICOLET UK LTD ( T/A OTOMETRICS UK)", "NATUS NICOLET"),
    ("RENTOKIL INITIAL UK LTD TA AMBIUS", "RENTOKIL INITIAL"),
    ("Medox Paramedical Ltd T/ S  Drake Medox", "MEDOX PARAMEDICAL"),
    ("PITNEY BOWES PURCHASE POWER A TRADING DIVISION OF PITNEY BOWES LTD", "PITNEY BOWES"),
    ("SUPPLY CHAIN COORDINATION LTD (SCCL)", "SUPPLY CHAIN COORDINATION"),
    ("BRITISH TELECOMMUNICATIONS plc (BT)", "BRITISH TELECOMMUNICATIONS"),
    ("DWP (DEPARTMENT FOR WORK AND PENSIONS)", "DWP"),
    ("Virgin Media Business (Account 921371)", "VIRGIN MEDIA BUSINESS"),
    ("Hmrc (247)", "HMRC"),
    ("Parkcare Homes Ltd (No.2) - KENT", "PARKCARE HOMES"),
    ("Parkcare Homes No 2 Ltd", "PARKCARE HOMES NO 2"),
    ("Idox Health (Formerly 6Pm Group)", "IDOX HEALTH"),
    ("CORONA ENERGY RETAIL 4 LTD", "CORONA ENERGY RETAIL 4"),  # numbers are kept
    ("EUROSETS SRL", "EUROSETS SRL"),  # foreign legal forms are kept: 'EUROSETS UK LTD' is another company
    ("RESMED GMBH AND CO.KG", "RESMED GMBH AND COMPANY KG"),
    ("E-ON ENERGY", "E ON ENERGY"),
    ("E.On Energy", "E ON ENERGY"),
    ("B.BRAUN MEDICAL LTD", "B BRAUN MEDICAL"),
    ("S & C SLATTER LTD", "S AND C SLATTER"),
    ("S&C Slatter Ltd", "S AND C SLATTER"),
    ("E.  S.  HAWES", "ES HAWES"),
    ("VALE OF WHITE HORSE DC", "VALE OF WHITE HORSE DISTRICT COUNCIL"),
    ("Barton United FC", "BARTON UNITED FOOTBALL CLUB"),
    ("DR H MISTRY & PTNRS", "DR H MISTRY AND PARTNERS"),
    ("Café Nero Ltd", "CAFE NERO"),  # not in the corpus: accents
    ("", ""),
    ("LTD", "LTD"),  # nothing but a legal form: kept rather than emptied
]


@pytest.mark.parametrize("raw,key", KEYS)
def test_make_key(raw, key):
    assert make_key(raw) == key


def test_key_of_blank_values():
    assert make_key(None) == ""
    assert make_key(float("nan")) == ""


@pytest.mark.parametrize(
    "raw,codes",
    [
        ("UK0479435601 : Prime Care Solutions (Kingston) Ltd", (("ledger_code", "UK0479435601"), ("company_number", "04794356"))),
        ("UKOC30154001 : KPMG LLP", (("ledger_code", "UKOC30154001"), ("company_number", "OC301540"))),
        ("UK0180000001 : British Telecommunications plc", (("ledger_code", "UK0180000001"), ("company_number", "01800000"))),
        ("NHS0000RJ701 : St Georges Healthcare NHST", (("ledger_code", "NHS0000RJ701"),)),
        # Guy's 8-digit numbers are its own supplier numbers (Lambeth has three), not company numbers.
        ("LONDON BOROUGH OF LAMBETH:24845200", (("ledger_code", "24845200"),)),
        ("T&B-001 - T & B (CONTRACTORS) LTD", (("ledger_code", "T&B-001"),)),
        ("OPTUM HEALTH SOLUTIONS (UK) LTD", ()),
    ],
)
def test_glued_codes_are_split_off(raw, codes):
    assert parse_name(raw).codes == codes


def test_parts_record_what_the_key_leaves_out():
    parts = parse_name("NATUS NICOLET UK LTD ( T/A OTOMETRICS UK)")
    assert (parts.legal_form, parts.trading_name) == ("LIMITED", "OTOMETRICS UK")
    parts = parse_name("CAPITA BUSINESS SERVICES LTD (CIVIL SERVICE LEARNING)")
    assert parts.qualifier == "CIVIL SERVICE LEARNING"
    assert parse_name("TERUMO BCT EUROPE NV/SA  (PREVIOUSLY CARIDIAN)").former_name == "CARIDIAN"
    assert parse_name("ST GEORGES UNIVERSITY HOSPITALS NHS FOUNDATION TRUST").body_type == "NHS FOUNDATION TRUST"
    assert parse_name("Guys & St Thomas NHS Trust").body_type == "NHS TRUST"
    assert parse_name("UK0479435601 : Prime Care Solutions (Kingston) Ltd").cleaned == "Prime Care Solutions (Kingston) Ltd"


KINDS = [
    ("OPTUM HEALTH SOLUTIONS (UK) LTD", "organisation"),
    ("REDACTED", "redacted"),
    ("Redacted personal data", "redacted"),
    ("Redacted, personal data", "redacted"),
    ("Redacted personal information", "redacted"),
    ("Personal Expense, Name Witheld", "redacted"),
    ("REDACTIVE PUBLISHING LIMITED", "organisation"),
    ("OLLIVIERRE, J", "person"),
    ("Mr T Anders", "person"),
    ("MR JOHN BARNEY t/a KIDLINGTON DRIVEWAYS", "person"),
    ("MISS ZOE LEVENTHAL                                ", "person"),
    ("B M HANNIGAN", "person"),
    ("DR MG ETMINAN", "person"),  # a single-handed GP published under the doctor's name
    ("DR SM HUNT", "person"),
    ("DR L PETERS & PARTNERS", "organisation"),  # a GP partnership
    ("DR H MISTRY & PTNRS", "organisation"),
    ("DRS R DAWOOD & R RUDD", "organisation"),
    ("HOUNSLOW MEDICAL CENTRE DR BC PATEL", "organisation"),
    ("Dr Foster Ltd", "organisation"),
    ("MS STORAGE EQUIPMENT LTD", "organisation"),
    ("G M B", "organisation"),
    ("Grand Total", "total"),
    ("TOTAL", "total"),
    ("TOTAL GAS & POWER LTD", "organisation"),
    ("GSTT SUNDRY SUPPLIER", "placeholder"),
    ("GSTT PROCUREMENT CARD", "placeholder"),
    ("GENERAL EXPENSES", "placeholder"),
    ("PLANNING APPLICATION REFUNDS", "placeholder"),
    ("10008721", "code_only"),
    ("   ", "blank"),
    (None, "blank"),
]


@pytest.mark.parametrize("raw,kind", KINDS)
def test_classify_name(raw, kind):
    assert classify_name(raw) == kind


# Names built from the characters publishers use: letters (some accented), digits, punctuation, spaces.
_WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzéèüöçÉ0123456789&'().,-/:`", min_size=1, max_size=12)
_NAME = st.lists(st.one_of(_WORD, st.sampled_from(["LTD", "Limited", "PLC", "(UK)", "UK", "T/A", "NHS", "FT", "THE", "&", "CO", "NHST", "DC", "(THE)", "LLP", "UK0479435601 :", ":03529700"])), min_size=1, max_size=8).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(_NAME)
def test_key_is_idempotent(name):
    key = make_key(name)
    assert make_key(key) == key


@settings(max_examples=300, deadline=None)
@given(_NAME)
def test_key_ignores_case(name):
    assert make_key(name.upper()) == make_key(name) == make_key(name.lower())


@settings(max_examples=300, deadline=None)
@given(_NAME, st.lists(st.sampled_from([" ", "  ", "\t", " \n ", "   "]), min_size=1, max_size=20), st.sampled_from(["", " ", "\t "]))
def test_key_ignores_spacing(name, gaps, pad):
    words = name.split(" ")
    respaced = pad + "".join(w + gaps[i % len(gaps)] for i, w in enumerate(words[:-1])) + words[-1] + pad
    assert make_key(respaced) == make_key(name)


@settings(max_examples=200, deadline=None)
@given(_NAME)
def test_key_is_upper_case_words(name):
    key = make_key(name)
    assert key == " ".join(key.split())
    assert all(c.isalnum() and not c.islower() or c == " " for c in key)
