"""Amounts as published -> exact integer pence.

Forms seen in the corpus: `£83,379.00`, `"67,132.60"`, `49,521.52 `, `(2,509,460.00)`, `-85,260.00`,
`77,041`, `35261.9`, `1,874,708.40`, cp1252 `£`, and Excel numbers (floats) from spreadsheets.
Also accepted because ledgers print them: a trailing minus (`120.00-`) and a `CR` suffix.
Never parsed through float: the digits are read as text.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from spend.core.money import CENT as PENNY

_STRIP = re.compile(r"[£$€\s\u00a0,']|GBP", re.IGNORECASE)
_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?$")
# The form most cells take (`2998.48`, `-85,260.00`, `77,041`, `675.5`): digits, commas, and at most two
# decimals. For these the general rules below reduce to "drop the commas, pad the pence, drop the point",
# so they skip them (most of a big file's amounts are distinct, so this is where a parse spends its time).
_PLAIN = re.compile(r"-?[0-9][0-9,]*(?:\.[0-9]{1,2})?")


class AmountError(ValueError):
    """The text is not an amount; the message says why (it becomes a reject reason)."""


def parse_amount_pence(text: str) -> tuple[int, bool]:
    """Return (pence, rounded). `rounded` is True when the text had non-zero digits past the penny.

    >>> parse_amount_pence("(2,509,460.00)")
    (-250946000, False)
    >>> parse_amount_pence("£83,379.00")
    (8337900, False)
    """
    if text is None:
        raise AmountError("amount blank")
    s = str(text).strip()
    if not s:
        raise AmountError("amount blank")
    if _PLAIN.fullmatch(s):
        whole, _, frac = s.replace(",", "").partition(".")
        return int(whole + (frac + "00")[:2]), False
    return _parse_general(s)


def _parse_general(s: str) -> tuple[int, bool]:
    """`parse_amount_pence` for any stripped, non-blank text: brackets, currency signs, CR, trailing minus."""
    text = s
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = _STRIP.sub("", s)
    if s.upper().endswith("CR"):
        negative, s = not negative, s[:-2]
    elif s.endswith("-") and len(s) > 1:
        negative, s = not negative, s[:-1]
    if s.startswith("(") and s.endswith(")"):  # "£(1,234.00)"
        negative, s = not negative, s[1:-1]
    m = _NUMBER.match(s)
    if not m or not (m.group("int") or m.group("frac")):
        raise AmountError(f"amount not a number: {text!r}")
    if m.group("sign") == "-":
        negative = not negative
    whole = int(m.group("int") or "0")
    frac = m.group("frac") or ""
    pence = whole * 100 + int((frac + "00")[:2])
    rounded = False
    rest = frac[2:]
    if rest.strip("0"):
        rounded = True
        exact = Decimal(f"{whole}.{frac}")
        pence = int((exact.quantize(PENNY, rounding=ROUND_HALF_UP) * 100).to_integral_value())
    return (-pence if negative else pence), rounded


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


