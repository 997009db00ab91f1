import pytest

from spend.core.codes import classify_code, normalise_vat_number, split_glued_code

CASES = [
    # raw value, expected name, expected code, expected kind
    ("UK0479435601 : Prime Care Solutions (Kingston) Ltd", "Prime Care Solutions (Kingston) Ltd", "UK0479435601", "ledger_code"),
    ("NHS0000RJ701 : St Georges Healthcare NHST", "St Georges Healthcare NHST", "NHS0000RJ701", "nhs_ledger_code"),
    # Guy's and St Thomas' glues its own 8-digit supplier numbers on (three for Lambeth alone): not company numbers.
    ("KINGS COLLEGE LONDON:03529700", "KINGS COLLEGE LONDON", "03529700", "ledger_code"),
    ("LONDON BOROUGH OF LAMBETH:24845200", "LONDON BOROUGH OF LAMBETH", "24845200", "ledger_code"),
    ("BOC LTD :02107500", "BOC LTD", "02107500", "ledger_code"),
    # A prefix shaped like a Scottish company number is also a Scottish charity number's shape: no label, no register.
    ("ACME LTD : SC123456", "ACME LTD", "SC123456", "ledger_code"),
    ("ACME LTD:108297604", "ACME LTD", "108297604", "ledger_code"),  # bare 9 digits: a ledger code like any other
    ("ACME LTD:GB108297604", "ACME LTD", "GB108297604", "vat_number"),  # the GB prefix names the VAT register
    # Labelled numbers say which register they belong to.
    ("ACME LTD CRN 01234567", "ACME LTD", "01234567", "company_number"),
    ("ACME LTD (CRN: SC123456)", "ACME LTD", "SC123456", "company_number"),
    ("Acme Ltd - Company No. 01234567", "Acme Ltd", "01234567", "company_number"),
    ("ACME LTD Company Registration Number 1234567", "ACME LTD", "1234567", "company_number"),
    ("ACME LTD:CRN01234567", "ACME LTD", "01234567", "company_number"),
    ("ACME LTD VAT Reg No 108 2976 04", "ACME LTD", "108297604", "vat_number"),
    ("ACME LTD CRN 12345", "ACME LTD CRN 12345", None, None),  # too short for any register: left alone
    ("ACME LTD CRN 123456789", "ACME LTD", "123456789", "ledger_code"),  # labelled, but not a company number's shape
    ("OPTUM HEALTH SOLUTIONS (UK) LTD", "OPTUM HEALTH SOLUTIONS (UK) LTD", None, None),
    ("Ratio: 3 Ltd", "Ratio: 3 Ltd", None, None),  # a colon in a name is not a code
    ("CORONA ENERGY RETAIL 4 LTD", "CORONA ENERGY RETAIL 4 LTD", None, None),
    ("  Boots UK Ltd  ", "Boots UK Ltd", None, None),
]


@pytest.mark.parametrize("raw,name,code,kind", CASES)
def test_split_glued_code(raw, name, code, kind):
    got = split_glued_code(raw)
    assert (got.name, got.code, got.kind) == (name, code, kind)


@pytest.mark.parametrize(
    "code,label,kind",
    [
        ("03529700", None, "ledger_code"), ("OC301234", None, "ledger_code"), ("654451142", None, "ledger_code"),
        ("03529700", "CRN", "company_number"), ("OC301234", "Company No", "company_number"),
        ("3529700", "co. no.", "company_number"),  # spreadsheets drop the leading zero
        ("654451142", "VAT No", "vat_number"), ("654451142", "CRN", "ledger_code"),
        ("GB108297604", None, "vat_number"), ("GB108297604001", None, "vat_number"),
        ("NHS000036L01", None, "nhs_ledger_code"), ("UK0092855501", None, "ledger_code"),
        ("03529700", "ACCOUNT", "ledger_code"),  # a label that names no register
    ],
)
def test_classify_code(code, label, kind):
    assert classify_code(code, label) == kind


def test_normalise_vat_number():
    assert normalise_vat_number(" gb 108 2976 04 ") == "GB108297604"
    assert normalise_vat_number("   ") is None
    assert normalise_vat_number(None) is None
