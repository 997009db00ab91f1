"""Tolerant decoding: tables of raw input -> expected output, and properties."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localserver import loopback_only  # noqa: F401
from spend.notices.decode import (
    REPAIRS,
    charset_of,
    clean_text,
    decode_bytes,
    load_json,
    normalise_company_number,
    parse_amount,
    parse_timestamp,
)
from spend.notices.flatten import document_kind


@pytest.mark.parametrize(
    ("data", "encoding", "text", "repairs"),
    [
        (b'{"name": "Caf\xc3\xa9"}', None, '{"name": "Café"}', {}),
        (b'\xef\xbb\xbf{"a": 1}', None, '{"a": 1}', {"byte_order_mark": 1}),
        # cp1252 bytes in a UTF-8 answer: read as cp1252, once per run of bad bytes
        (b'{"name": "Caf\xe9 \x96 \xa3500"}', "utf-8", '{"name": "Café – £500"}', {"invalid_bytes": 3}),
        (b'{"name": "Guy\x92s"}', None, '{"name": "Guy’s"}', {"invalid_bytes": 1}),
        (b'{"name": "Caf\xe9"}', "iso-8859-1", '{"name": "Café"}', {}),
        (b'{"name": "Caf\xc3\xa9"}', "no-such-charset", '{"name": "Café"}', {}),
    ],
)
def test_decode_bytes(data, encoding, text, repairs):
    counted = Counter()
    assert decode_bytes(data, encoding, counted) == text
    assert counted == Counter(repairs)


@pytest.mark.parametrize(
    ("raw", "clean", "repairs"),
    [
        ("L&amp;Q Construction", "L&Q Construction", {"html_entities": 1}),
        ("Guy&#039;s and St Thomas&#039;", "Guy's and St Thomas'", {"html_entities": 1}),
        ("Reach Housing &amp;amp; Enablement", "Reach Housing & Enablement", {"html_entities": 1}),
        ("caf&eacute; &pound;5 &#xA3;6", "café £5 £6", {"html_entities": 1}),
        ("Line one<br/>Line two<br />three<BR>four", "Line one\nLine two\nthree\nfour", {"line_breaks": 3}),
        ("Escaped &lt;br/&gt; break", "Escaped \n break", {"html_entities": 1, "line_breaks": 1}),
        ("  Climate Science ", "Climate Science", {}),
        ("AT&T", "AT&T", {}),
        ("", None, {}),
        ("   ", None, {}),
        (None, None, {}),
        (12345, "12345", {}),
    ],
)
def test_clean_text(raw, clean, repairs):
    counted = Counter()
    assert clean_text(raw, counted) == clean
    assert counted == Counter(repairs)


@pytest.mark.parametrize(
    ("value", "amount", "raw", "warning", "repair"),
    [
        (93527, Decimal("93527.00"), "93527", None, None),
        (Decimal("248652.47"), Decimal("248652.47"), "248652.47", None, None),
        (Decimal("-85260.00"), Decimal("-85260.00"), "-85260.00", None, None),
        (0, Decimal("0.00"), "0", None, None),
        ("1,234.50", Decimal("1234.50"), "1,234.50", None, "amount_as_text"),
        ("£979,855", Decimal("979855.00"), "£979,855", None, "amount_as_text"),
        (Decimal("1E+9999"), None, "1E+9999", "amount 1E+9999 out of range", "amount_out_of_range"),
        (10**16, None, str(10**16), "out of range", "amount_out_of_range"),
        (Decimal("9999999999999999.99"), Decimal("9999999999999999.99"), "9999999999999999.99", None, None),
        (Decimal("12.345"), None, "12.345", "more than two decimal places", "amount_sub_penny"),
        ("TBC", None, "TBC", "is not a number", "amount_not_a_number"),
        (True, None, "True", "is not a number", "amount_not_a_number"),
        (None, None, None, None, None),
    ],
)
def test_parse_amount(value, amount, raw, warning, repair):
    counted = Counter()
    got_amount, got_raw, got_warning = parse_amount(value, counted)
    assert got_amount == amount and (got_amount is None or got_amount.as_tuple().exponent == -2)
    assert got_raw == raw
    assert (got_warning is None) == (warning is None) and (warning is None or warning in got_warning)
    assert counted == (Counter({repair: 1}) if repair else Counter())


def test_load_json_keeps_money_exact_and_survives_invalid_numbers():
    counted = Counter()
    document = load_json(b'{"a": 248652.47, "b": 1e9999, "c": NaN, "d": -Infinity, "e": 93527}', repairs=counted)
    assert document == {"a": Decimal("248652.47"), "b": Decimal("1E+9999"), "c": None, "d": None, "e": 93527}
    assert isinstance(document["a"], Decimal)
    assert counted == Counter({"non_finite_number": 2})


@pytest.mark.parametrize(
    ("data", "document", "repaired"),
    [
        # Find a Tender writes some numbers with leading zeros, which JSON does not allow
        (b'{"value": {"amount": 000, "currency": "GBP"}}', {"value": {"amount": 0, "currency": "GBP"}}, 1),
        (b'[007.5, -007, 00.5, 0001e3, 000]', [Decimal("7.5"), -7, Decimal("0.5"), Decimal("1E+3"), 0], 5),
        # inside strings nothing changes, and nor do valid numbers: a zero exponent, 0.5, 10
        (b'{"id": "007", "q": "say \\"000\\"", "a": 000, "e": 1e007, "f": 0.5, "g": 10}',
         {"id": "007", "q": 'say "000"', "a": 0, "e": Decimal("1E+7"), "f": Decimal("0.5"), "g": 10}, 1),
        # valid JSON is read as it stands: nothing counted
        (b'{"id": "000", "amount": 0}', {"id": "000", "amount": 0}, 0),
    ],
)
def test_load_json_reads_numbers_with_leading_zeros_as_their_value(data, document, repaired):
    counted = Counter()
    assert load_json(data, repairs=counted) == document
    assert counted == (Counter({"number_leading_zeros": repaired}) if repaired else Counter())


@given(st.integers(min_value=-10**20, max_value=10**20), st.integers(min_value=1, max_value=5))
def test_leading_zeros_never_change_a_value_or_a_string(number, zeros):
    padded = ("-" if number < 0 else "") + "0" * zeros + str(abs(number))
    counted = Counter()
    document = load_json(f'{{"n": {padded}, "s": "{padded}", "t": [{padded}]}}'.encode(), repairs=counted)
    assert document == {"n": number, "s": padded, "t": [number]}
    assert counted == Counter({"number_leading_zeros": 2})


@pytest.mark.parametrize("broken", [b'{"releases": [{"ocid": "x"', b"<html>Service unavailable</html>", b"",
                                    b'{"amount": 000'])
def test_load_json_refuses_what_is_not_json(broken):
    with pytest.raises(ValueError):
        load_json(broken)


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2019-07-05T00:00:00Z", datetime(2019, 7, 5, tzinfo=timezone.utc)),
        ("2025-06-30T23:59:59+01:00", datetime(2025, 6, 30, 22, 59, 59, tzinfo=timezone.utc)),
        ("2020-02-18", datetime(2020, 2, 18, tzinfo=timezone.utc)),
        ("2014-12-17T16:44:56", datetime(2014, 12, 17, 16, 44, 56, tzinfo=timezone.utc)),
        ("31/12/2019", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(value, moment):
    counted = Counter()
    assert parse_timestamp(value, counted) == moment
    assert counted["bad_timestamp"] == (1 if value == "31/12/2019" else 0)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("07003896", "07003896"),
        ("874637", "00874637"),
        ("210725", "00210725"),
        ("OC301540", "OC301540"),
        ("SC62229", "SC062229"),
        ("sc 177530", "SC177530"),
        ("RC000721", "RC000721"),
        ("123456789", None),
        ("sid4gov.cabinetoffice.gov.uk/wBAP5Awf", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_company_number(value, number):
    assert normalise_company_number(value) == number


@pytest.mark.parametrize(
    ("header", "charset"),
    [("application/json; charset=utf-8", "utf-8"), ('text/json; charset="windows-1252"', "windows-1252"), ("application/json", None), (None, None)],
)
def test_charset_of(header, charset):
    assert charset_of(header) == charset


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ({"uri": "u", "releases": []}, "release_package"),
        ({"uri": "u", "records": []}, "record_package"),
        ({"ocid": "o", "releases": [], "compiledRelease": {}}, "record"),
        ({"ocid": "o", "id": "r", "tag": ["tender"]}, "release"),
        ({"hitCount": 3, "noticeList": []}, "search"),
        ({"something": "else"}, "unknown"),
        ([1, 2], "unknown"),
    ],
)
def test_document_kind(document, kind):
    assert document_kind(document) == kind


def test_every_repair_has_a_description():
    counted = Counter()
    decode_bytes(b"\xef\xbb\xbf\xe9", None, counted)
    load_json(b"[NaN]", repairs=counted)
    load_json(b"[000]", repairs=counted)
    clean_text("a&amp;b<br/>", counted)
    for value in (Decimal("1e99"), Decimal("0.001"), "x", "1"):
        parse_amount(value, counted)
    parse_timestamp("nope", counted)
    assert set(counted) == set(REPAIRS)


# --- properties --------------------------------------------------------------------------------

texts = st.text(alphabet=st.sampled_from(list("ab &;#<>/039ampltgbrquo\n")), max_size=40)


@given(texts)
def test_cleaning_twice_changes_nothing(text):
    once = clean_text(text, Counter())
    assert clean_text(once, Counter()) == once


@given(st.decimals(min_value=Decimal("-9999999999999999.99"), max_value=Decimal("9999999999999999.99"), places=2))
def test_amounts_survive_format_then_parse(amount):
    for published in (amount, str(amount), f"{amount:,}"):
        parsed, _, warning = parse_amount(published, Counter())
        assert warning is None and parsed == amount


@given(st.text(max_size=30))
def test_decoding_never_fails_on_any_bytes(text):
    data = text.encode("utf-8") + bytes([0xE9, 0x80])
    decoded = decode_bytes(data, "utf-8", Counter())
    assert decoded.startswith(text)
