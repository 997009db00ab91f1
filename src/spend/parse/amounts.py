"""Amounts as UK publishers print them -> exact integer pence; anything else is refused with the reason.

What an amount is, in text:
- digits, with commas only in groups of three (`1,874,708.40`, `77,041`, `35261.9`), at most two decimals;
- an optional `£` or `GBP` before or after;
- a negative sign: a minus before (`-85,260.00`, also U+2010 to U+2013 and U+2212, and a minus standing apart
  from its number as Excel's accounting format prints it, `-   25,275.79`) or after (`120.00-`), brackets
  (`(2,509,460.00)`), or a `CR` suffix; `DR` marks a debit (positive).

Refused, because the store cannot hold it: an amount of £10^16 or more either way (`AMOUNT_LIMIT_PENCE`).

Refused, because reading them would mean guessing: two numbers in one cell (`57,337.73 945910603`, an amount
printed hard against a VAT number), spaces between digit groups (`1 234,56`), a decimal comma (`25,00`,
`1.234,56`), digits past the penny (`1234.565`), another currency (`$`, `€`). Past the penny, only zeros
(`12.500`) and the binary noise of a number written out by a program (`1234.5600000000001`) are accepted:
the first is exact, the second is rounded and flagged. Spreadsheet number cells with digits past the
penny are rounded by the caller (`round_number_text`), which knows a cell was a number, not text.

Never parsed through float: the digits are read as text.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from spend.core.money import AMOUNT_LIMIT_PENCE
from spend.core.money import CENT as PENNY

# The form most cells take (`2998.48`, `-85,260.00`, `77,041`, `675.5`): digits, commas in groups of three,
# and at most two decimals. For these the general rules reduce to "drop the commas, pad the pence, drop the
# point", so they skip them (most of a big file's amounts are distinct: this is where a parse spends its time).
_PLAIN = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
_NUMBER = re.compile(r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<frac>[0-9]+))?")
_MINUS = "-\u2010\u2011\u2012\u2013\u2212"
_CURRENCY = re.compile(r"^(?:£|GBP)|(?:£|GBP)$", re.IGNORECASE)
_FOREIGN = re.compile(r"[$€]|\b(?:USD|EUR)\b", re.IGNORECASE)
_TWO_NUMBERS = re.compile(r"[0-9][0-9,.]*\s+[0-9]")
_DECIMAL_COMMA = re.compile(r"^[-(]?[0-9.]*[0-9],[0-9]{1,2}\)?$")
# A number written out by a program from a binary float: digits past the penny that are only the float's
# rounding noise (`1234.5600000000001`, `0.30000000000000004`, `29.989999999999998`).
_NOISE = Decimal("1e-9")
_WHOLE_DIGITS = len(str(AMOUNT_LIMIT_PENCE // 100 - 1))  # the most whole pounds the store holds: 16 digits


class AmountError(ValueError):
    """The text is not an amount; the message says why (it becomes a reject reason)."""


def parse_amount_pence(text: str) -> tuple[int, bool]:
    """Return (pence, rounded). `rounded` is True only for a program's float noise past the penny.

    >>> parse_amount_pence("(2,509,460.00)")
    (-250946000, False)
    >>> parse_amount_pence("£83,379.00")
    (8337900, False)
    >>> parse_amount_pence("-   25,275.79")
    (-2527579, False)
    """
    if text is None:
        raise AmountError("amount blank")
    s = str(text).strip()
    if not s:
        raise AmountError("amount blank")
    if _PLAIN.fullmatch(s):
        whole, _, frac = s.replace(",", "").partition(".")
        _check_whole_digits(whole, s)
        return _storable(int(whole + (frac + "00")[:2]), s), False
    return _parse_general(s)


def _quoted(text: str) -> str:
    """The cell as a reason quotes it: all of it, or its start when it is long."""
    return repr(text) if len(text) <= 80 else f"{text[:80]!r}... ({len(text):,} characters)"


def _too_large(text: str) -> AmountError:
    return AmountError(f"amount too large to store ({AMOUNT_LIMIT_PENCE // 100:,} pounds or more): {_quoted(text)}")


def _check_whole_digits(whole: str, text: str) -> None:
    """Refuse more whole pounds than the store holds before reading them as a number (which, past 4,300
    digits, Python refuses with a ValueError)."""
    if len(whole.lstrip("-0")) > _WHOLE_DIGITS:
        raise _too_large(text)


def _storable(pence: int, text: str) -> int:
    if abs(pence) >= AMOUNT_LIMIT_PENCE:
        raise _too_large(text)
    return pence


def _parse_general(s: str) -> tuple[int, bool]:
    """`parse_amount_pence` for any stripped, non-blank text: signs, brackets, currency, CR/DR."""
    text = s
    if _FOREIGN.search(s):
        raise AmountError(f"amount not in pounds: {_quoted(text)}")
    negative = False
    signs = 0
    if s.startswith("(") and s.endswith(")"):
        negative, signs, s = True, 1, s[1:-1].strip()
    upper = s.upper()
    if upper.endswith("CR") or upper.endswith("DR"):
        if upper.endswith("CR"):
            negative, signs = not negative, signs + 1
        s = s[:-2].strip()
    while True:  # currency and sign, in either order, before the number; currency after it
        before = s
        if _CURRENCY.search(s):
            s = _CURRENCY.sub("", s, count=1).strip()
        if s[:1] and s[0] in _MINUS:
            negative, signs, s = not negative, signs + 1, s[1:].strip()
        elif s[:1] == "+":
            s = s[1:].strip()
        elif len(s) > 1 and s[-1] in _MINUS:
            negative, signs, s = not negative, signs + 1, s[:-1].strip()
        elif s.startswith("(") and s.endswith(")"):  # "£(1,234.00)"
            negative, signs, s = not negative, signs + 1, s[1:-1].strip()
        if s == before:
            break
    m = _NUMBER.fullmatch(s)
    if not s or not m or not (m.group("int") or m.group("frac")):
        raise AmountError(_why_not(text, s))
    if signs > 1:
        raise AmountError(f"amount with more than one sign: {_quoted(text)}")
    whole_digits = (m.group("int") or "0").replace(",", "")
    _check_whole_digits(whole_digits, text)
    whole = int(whole_digits)
    frac = m.group("frac") or ""
    pence = whole * 100 + int((frac + "00")[:2])
    rounded = False
    if frac[2:].strip("0"):
        exact = Decimal(f"{whole}.{frac}")
        nearest = exact.quantize(PENNY, rounding=ROUND_HALF_UP)
        if abs(exact - nearest) > _NOISE * max(1, abs(exact)):
            raise AmountError(f"amount with digits past the penny: {_quoted(text)}")
        pence, rounded = int(nearest * 100), True
    return _storable(-pence if negative else pence, text), rounded


def _why_not(text: str, rest: str) -> str:
    """The reason a text is not an amount, as specific as the text allows."""
    if _TWO_NUMBERS.search(rest):
        return f"two numbers in one amount cell (or digits split by a space): {_quoted(text)}"
    if _DECIMAL_COMMA.match(rest.replace(" ", "")):
        return f"amount with a decimal comma: {_quoted(text)}"
    if re.fullmatch(r"[0-9,]+(\.[0-9]+)?", rest):
        return f"amount with commas out of place: {_quoted(text)}"
    return f"amount not a number: {_quoted(text)}"


def round_number_text(text: str) -> tuple[int, bool]:
    """(pence, rounded) for a spreadsheet number cell written as text (`57337.739459`): its digits past the
    penny are the workbook's, not a printing error, so it is rounded half up to the penny (and flagged)."""
    s = text.strip()
    try:
        exact = Decimal(s)
    except ArithmeticError:
        raise AmountError(f"amount not a number: {_quoted(text)}") from None
    if not exact.is_finite():
        raise AmountError(f"amount not a number: {_quoted(text)}")
    if abs(exact) >= AMOUNT_LIMIT_PENCE // 100:  # before quantize, which fails past its context's precision
        raise _too_large(text)
    nearest = exact.quantize(PENNY, rounding=ROUND_HALF_UP)
    return int(nearest * 100), nearest != exact


def amount_from_number(value: float | int) -> tuple[int, bool]:
    """An Excel number -> (pence, rounded). Uses the shortest repr, so 67132.6 reads as 67132.60."""
    if isinstance(value, bool):
        raise AmountError(f"amount not a number: {value!r}")
    if isinstance(value, int):
        return value * 100, False
    if value != value or value in (float("inf"), float("-inf")):
        raise AmountError(f"amount not a number: {value!r}")
    exact = Decimal(repr(value))
    pence = int((exact.quantize(PENNY, rounding=ROUND_HALF_UP) * 100).to_integral_value())
    # Binary floats carry noise past the penny (0.1 + 0.2); only report real extra digits.
    return pence, abs(exact * 100 - pence) > Decimal("0.0001")
