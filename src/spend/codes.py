"""Codes that publishers glue onto supplier names, and what kind of identifier they are.

Seen in the corpus (see ../shared/realdata/README.md):
- Kingston Hospital prefixes its ledger supplier code: `UK0479435601 : Prime Care Solutions (Kingston) Ltd`,
  `NHS0000RJ701 : St Georges Healthcare NHST`.
- Guy's and St Thomas' suffixes a Companies-House-shaped number: `KINGS COLLEGE LONDON:03529700`.
The raw value is always kept beside the split; these functions never guess a code out of a plain name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A ledger code before " : " — letters then digits/letters, no spaces (Kingston's `UK0479435601 : ...`).
_PREFIX = re.compile(r"^\s*(?P<code>[A-Z]{2,4}[0-9][0-9A-Z]{5,14})\s*:\s*(?P<name>\S.*?)\s*$")
# A number after a colon at the end (Guy's `KINGS COLLEGE LONDON:03529700`).
_SUFFIX = re.compile(r"^\s*(?P<name>\S.*?)\s*:\s*(?P<code>(?:[A-Z]{2})?[0-9]{6,9})\s*$")

# Companies House numbers: 8 digits, or a two-letter prefix and 6 digits (Companies House
# "company number" format; prefixes for Scotland, Northern Ireland, LLPs and others).
_COMPANY = re.compile(r"^(?:[0-9]{8}|(?:SC|NI|OC|SO|NC|R0|IP|SP|RS|FC|SE|CE|GE|LP|SL|NL|IC|NF|NP|NO|NZ|RC|SA|SF|SG|SI|SL|SR|SZ|ES|GN|GS|NA|NR|PC|AC|ZC)[0-9]{6})$")
# UK VAT registration numbers: optional GB, then 9 or 12 digits (branch traders), or GD/HA + 3 digits
# (HMRC VAT notice 700/1).
_VAT = re.compile(r"^(?:GB)?(?:[0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$")
_NHS = re.compile(r"^NHS[0-9A-Z]+$")


class SplitValue(NamedTuple):
    name: str
    code: str | None
    kind: str | None  # "company_number", "vat_number", "nhs_ledger_code", "ledger_code" or None


def classify_code(code: str) -> str:
    """Say what a bare code looks like: company_number, vat_number, nhs_ledger_code or ledger_code."""
    c = re.sub(r"\s+", "", code).upper()
    if _NHS.match(c):
        return "nhs_ledger_code"
    if _COMPANY.match(c):
        return "company_number"
    if _VAT.match(c):
        return "vat_number"
    return "ledger_code"


def split_glued_code(value: str) -> SplitValue:
    """Split a code glued onto a name; return the value unchanged (code None) when there is none.

    >>> split_glued_code("UK0479435601 : Prime Care Solutions (Kingston) Ltd")
    SplitValue(name='Prime Care Solutions (Kingston) Ltd', code='UK0479435601', kind='ledger_code')
    >>> split_glued_code("KINGS COLLEGE LONDON:03529700")
    SplitValue(name='KINGS COLLEGE LONDON', code='03529700', kind='company_number')
    """
    if value is None:
        return SplitValue(value, None, None)
    m = _PREFIX.match(value) or _SUFFIX.match(value)
    if not m:
        return SplitValue(value.strip(), None, None)
    code = m.group("code")
    return SplitValue(m.group("name"), code, classify_code(code))


def normalise_vat_number(value: str | None) -> str | None:
    """A published VAT number with spaces removed and upper-cased; None for blanks. Not validated."""
    if value is None:
        return None
    v = re.sub(r"[\s.-]+", "", str(value)).upper()
    return v or None
