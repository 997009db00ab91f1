"""Tolerant decoding of notice data: repair what publishers get wrong, count every repair.

A long harvest must not stop at one bad byte. Each function here takes a `Counter` and adds one
to a named repair each time it changes something, so the build can report how much was repaired.
The repair names are the keys of `REPAIRS`.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from spend.core.money import CENT as PENNY

REPAIRS = {
    "byte_order_mark": "a UTF-8 byte order mark before the JSON was dropped",
    "invalid_bytes": "runs of bytes invalid in the declared encoding were read as Windows-1252",
    "non_finite_number": "NaN or Infinity in the JSON became null",
    "number_leading_zeros": "numbers written with leading zeros (000, 007.5), which JSON does not allow, were read as their value",
    "html_entities": "text fields with HTML entities (L&amp;Q, Guy&#039;s) were unescaped",
    "line_breaks": "<br/> tags in text became line breaks",
    "amount_out_of_range": "amounts that are not finite or do not fit DECIMAL(18, 2) became null (raw kept)",
    "amount_sub_penny": "amounts with more than two decimal places became null (raw kept)",
    "amount_not_a_number": "amounts that are not numbers became null (raw kept)",
    "amount_as_text": "amounts published as text were read as numbers",
    "bad_timestamp": "dates that are not ISO 8601 became null",
}

# The largest amount DECIMAL(18, 2) holds: 16 digits before the point, 2 after.
AMOUNT_LIMIT = Decimal("1e16")

_SURROGATES = re.compile("[\udc80-\udcff]+")
# A JSON string (skipped whole, so nothing inside one is touched), or the redundant leading zeros of a number:
# zeros followed by another digit, at the start of a number (not after a digit, a letter, a point or an
# exponent's sign: `1e007` is valid JSON and stays as it is).
_STRING_OR_LEADING_ZEROS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\w.+-])(-?)0+(?=\d)', re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def decode_bytes(data: bytes, encoding: str | None, repairs: Counter) -> str:
    """Bytes to text in the declared encoding (UTF-8 for JSON, RFC 8259, when none is declared).

    Runs of bytes that are invalid in that encoding are read as Windows-1252, the usual reason
    for them in UK public-sector exports, and counted.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        repairs["byte_order_mark"] += 1
    codec = encoding or "utf-8"
    try:
        codecs.lookup(codec)
    except LookupError:
        codec = "utf-8"  # an unknown charset label: JSON's default is the best guess
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    text = data.decode(codec, errors="surrogateescape")

    def _as_cp1252(match: re.Match[str]) -> str:
        repairs["invalid_bytes"] += 1
        raw = match.group().encode(codec, errors="surrogateescape")
        return raw.decode("cp1252", errors="replace")

    return _SURROGATES.sub(_as_cp1252, text)


def load_json(data: bytes, *, encoding: str | None = None, repairs: Counter | None = None) -> Any:
    """Parse JSON bytes tolerantly. Decimals stay exact (`Decimal`, never float); NaN and
    Infinity become None; numbers with leading zeros, which Find a Tender sends (`"amount": 000`),
    are read as their value. Raises `ValueError` when the text is not JSON at all (cut short, HTML)."""
    repairs = Counter() if repairs is None else repairs
    text = decode_bytes(data, encoding, repairs)
    try:
        return _parse(text, repairs)
    except json.JSONDecodeError as error:
        repaired, zeros = _drop_leading_zeros(text)
        if not zeros:
            raise
        try:
            document = _parse(repaired, repairs)
        except json.JSONDecodeError:
            raise error from None
    repairs["number_leading_zeros"] += zeros
    return document


def _parse(text: str, repairs: Counter) -> Any:
    """json.loads with exact decimals; NaN and Infinity become None, counted once the whole text parses."""
    non_finite = 0

    def _non_finite(name: str) -> None:
        nonlocal non_finite
        non_finite += 1
        return None

    document = json.loads(text, parse_float=Decimal, parse_constant=_non_finite)
    if non_finite:
        repairs["non_finite_number"] += non_finite
    return document


def _drop_leading_zeros(text: str) -> tuple[str, int]:
    """The text with each number's redundant leading zeros dropped (`000` -> `0`, `-007.5` -> `-7.5`,
    `00.5` -> `0.5`: the same value), outside strings only; and how many numbers changed. Only tried
    on text that is not JSON as it stands, so valid answers pay nothing."""
    changed = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal changed
        sign = match.group(1)
        if sign is None:  # a string
            return match.group()
        changed += 1
        return sign

    return _STRING_OR_LEADING_ZEROS.sub(fix, text), changed


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def clean_text(value: Any, repairs: Counter) -> str | None:
    """Text as published, with HTML escaping undone and `<br/>` turned into line breaks.

    Contracts Finder escapes some names twice (`Reach Housing &amp;amp; Enablement`), so
    unescaping repeats until nothing changes. Surrounding whitespace is dropped; empty is None.
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if "&" in text:
        unescaped = html.unescape(text)
        if unescaped != text:
            repairs["html_entities"] += 1
            while unescaped != text:
                text, unescaped = unescaped, html.unescape(unescaped)
    if "<" in text:
        text, breaks = _BREAK.subn("\n", text)
        repairs["line_breaks"] += breaks
    text = text.strip()
    return text or None


def parse_amount(value: Any, repairs: Counter) -> tuple[Decimal | None, str | None, str | None]:
    """An OCDS `amount` as (exact amount to the penny, raw text, warning).

    The amount is None, with a warning, when the value cannot be held exactly in DECIMAL(18, 2);
    the raw text is kept so nothing is lost.
    """
    if value is None:
        return None, None, None
    if isinstance(value, bool):
        repairs["amount_not_a_number"] += 1
        return None, str(value), f"amount {value!r} is not a number"
    if isinstance(value, (int, Decimal)):
        raw = str(value)
        amount = Decimal(value)
    elif isinstance(value, float):  # only if a caller parsed without parse_float=Decimal
        raw = repr(value)
        amount = Decimal(raw)
    else:
        raw = str(value)
        try:
            amount = Decimal(raw.strip().replace(",", "").lstrip("£"))
        except InvalidOperation:
            repairs["amount_not_a_number"] += 1
            return None, raw, f"amount {raw!r} is not a number"
        repairs["amount_as_text"] += 1
    if not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT:
        repairs["amount_out_of_range"] += 1
        return None, raw, f"amount {raw} out of range"
    exact = amount.quantize(PENNY)
    if exact != amount:
        repairs["amount_sub_penny"] += 1
        return None, raw, f"amount {raw} has more than two decimal places"
    return exact, raw, None


def parse_timestamp(value: Any, repairs: Counter) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (dates without a zone are UTC)."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        repairs["bad_timestamp"] += 1
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# Companies House numbers are eight characters: digits, or two letters and six digits
# (SC, NI, OC, SO, RC...). Publishers drop leading zeros ('874637' for 00874637).
_COMPANY_NUMBER = re.compile(r"^([A-Z]{2})?0*(\d{1,8})$")


def normalise_company_number(value: Any) -> str | None:
    """A Companies House number in its eight-character form, or None if it does not look like one."""
    if value is None:
        return None
    text = re.sub(r"\s+", "", str(value)).upper()
    match = _COMPANY_NUMBER.match(text)
    if not match:
        return None
    prefix, digits = match.group(1) or "", match.group(2)
    width = 8 - len(prefix)
    if len(digits) > width:
        return None
    return prefix + digits.zfill(width)
