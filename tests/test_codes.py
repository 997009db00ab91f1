import pytest

from spend.codes import classify_code, normalise_vat_number, split_glued_code

CASES = [
    # raw value, expected name, expected code, expected kind
    ("UK0479435601 : Prime Care Solutions (Kingston) Ltd", "Prime Care Solutions (Kingston) Ltd", "UK0479435601", "ledger_code"),
    ("NHS0000RJ701 : St Georges Healthcare NHST", "St Georges Healthcare NHST", "NHS0000RJ701", "nhs_ledger_code"),
    ("KINGS COLLEGE LONDON:03529700", "KINGS COLLEGE LONDON", "03529700", "company_number"),
    ("ACME LTD : SC123456", "ACME LTD", "SC123456", "company_number"),
    ("ACME LTD:GB108297604", "ACME LTD", "GB108297604", "vat_number"),
    ("ACME LTD:108297604", "ACME LTD", "108297604", "vat_number"),
    ("OPTUM HEALTH SOLUTIONS (UK) LTD", "OPTUM HEALTH SOLUTIONS (UK) LTD", None, None),
    ("Ratio: 3 Ltd", "Ratio: 3 Ltd", None, None),  # a colon in a name is not a code
    ("  Boots UK Ltd  ", "Boots UK Ltd", None, None),
]


@pytest.mark.parametrize("raw,name,code,kind", CASES)
def test_split_glued_code(raw, name, code, kind):
    got = split_glued_code(raw)
    assert (got.name, got.code, got.kind) == (name, code, kind)


@pytest.mark.parametrize(
    "code,kind",
    [("03529700", "company_number"), ("OC301234", "company_number"), ("GB108297604", "vat_number"),
     ("654451142", "vat_number"), ("NHS000036L01", "nhs_ledger_code"), ("UK0092855501", "ledger_code")],
)
def test_classify_code(code, kind):
    assert classify_code(code) == kind


def test_normalise_vat_number():
    assert normalise_vat_number(" gb 108 2976 04 ") == "GB108297604"
    assert normalise_vat_number("   ") is None
    assert normalise_vat_number(None) is None
