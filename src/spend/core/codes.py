"""Codes that publishers glue onto supplier names, and what kind of identifier they are.

Seen in the corpus (see ../shared/realdata/README.md):
- Kingston Hospital prefixes its ledger supplier code: `UK0479435601 : Prime Care Solutions (Kingston) Ltd`,
  `NHS0000RJ701 : St Georges Healthcare NHST`.
- Guy's and St Thomas' suffixes an 8-digit number: `KINGS COLLEGE LONDON:03529700`.

A glued number is the publisher's own supplier (ledger) code unless it says otherwise. Guy's numbers are
shaped like Companies House numbers but are not: 'LONDON BOROUGH OF LAMBETH' carries three of them
(24845200, 51362800, 66400600), 'LONDON BOROUGH OF SOUTHWARK' two, and 'HUMAN TISSUE AUTHORITY:70522200' is
not a company; most end in '00', as ledger numbers allocated in steps do. So a glued number is classified
by its label or by a prefix that names its register, never by its shape alone:
- `company_number` only when labelled ('ACME LTD CRN 01234567', 'ACME LTD (Company No. SC123456)'); a bare
  'SC123456' is not enough either, since a Scottish charity number has the same shape (OSCR 'SC0' + 5 digits);
- `vat_number` when labelled ('VAT No 108297604') or written with the GB country prefix HMRC uses
  ('GB108297604'); a bare 9-digit number is a ledger code like any other;
- `nhs_ledger_code` for Kingston's 'NHS' codes (the NHS organisation code plus a site number);
- `ledger_code` for everything else, including Kingston's 'UK' + 10 digits codes (which embed a Companies
  House number: spend.suppliers reads it with the pattern in spend/data/supplier_code_patterns.csv).
The raw value is always kept beside the split; these functions never guess a code out of a plain name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A ledger code before " : " — letters then digits/letters, no spaces (Kingston's `UK0479435601 : ...`).
_PREFIX = re.compile(r"^\s*(?P<code>[A-Z]{2,4}[0-9][0-9A-Z]{5,14})\s*:\s*(?P<name>\S.*?)\s*$")
# A number after a colon at the end (Guy's `KINGS COLLEGE LONDON:03529700`).
_SUFFIX = re.compile(r"^\s*(?P<name>\S.*?)\s*:\s*(?P<code>(?:[A-Z]{2})?[0-9]{6,9})\s*$")
# A labelled number at the end: 'ACME LTD CRN 01234567', 'ACME LTD - Company No. 01234567',
# 'ACME LTD (VAT Reg No: GB 108 2976 04)'. The label names the register, so only these say company or VAT.
_COMPANY_LABEL = r"CRN|CO\.?\s*NO\.?|COMPANY\s+(?:REG(?:ISTRATION)?\.?\s+)?(?:NO\.?|NUMBER)|COMPANY\s+REG(?:ISTRATION)?\.?"
_VAT_LABEL = r"VAT(?:\s+REG(?:ISTRATION)?\.?)?(?:\s+(?:NO\.?|NUMBER))?"
_LABELLED = re.compile(
    r"^\s*(?P<name>\S.*?)[\s,;:\-]*[(\[]?\s*(?P<label>" + _COMPANY_LABEL + "|" + _VAT_LABEL + r")\s*[:.#]?\s*"
    r"(?P<code>(?:[A-Z]{2})?[0-9](?:\s?[0-9]){5,11})\s*[)\]]?\s*$",
    re.IGNORECASE,
)

# Companies House numbers: 8 digits, or a two-letter prefix and 6 digits (Companies House
# "company number" format; prefixes for Scotland, Northern Ireland, LLPs and others).
_COMPANY = re.compile(r"^(?:[0-9]{8}|(?:SC|NI|OC|SO|NC|R0|IP|SP|RS|FC|SE|CE|GE|LP|SL|NL|IC|NF|NP|NO|NZ|RC|SA|SF|SG|SI|SR|SZ|ES|GN|GS|NA|NR|PC|AC|ZC)[0-9]{6})$")
# UK VAT registration numbers: 9 or 12 digits (branch traders), or GD/HA + 3 digits (HMRC VAT notice 700/1).
_VAT = re.compile(r"^(?:GB)?(?:[0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$")
_NHS = re.compile(r"^NHS[0-9A-Z]+$")


class SplitValue(NamedTuple):
    name: str
    code: str | None
    kind: str | None  # "company_number", "vat_number", "nhs_ledger_code", "ledger_code" or None


def classify_code(code: str, label: str | None = None) -> str:
    """Say what a glued code is: company_number, vat_number, nhs_ledger_code or ledger_code.

    Without a `label` ('CRN', 'Company No', 'VAT No'...) only a GB prefix makes a VAT number and nothing makes
    a company number (see the module docstring: a publisher's ledger numbers have the same shape).
    """
    c = re.sub(r"\s+", "", code).upper()
    kind_of_label = _label_kind(label)
    if kind_of_label == "company_number" and _COMPANY.match(c.zfill(8) if c.isdigit() else c):
        return "company_number"
    if kind_of_label == "vat_number" and _VAT.match(c):
        return "vat_number"
    if _NHS.match(c):
        return "nhs_ledger_code"
    if c.startswith("GB") and _VAT.match(c):
        return "vat_number"
    return "ledger_code"


def _label_kind(label: str | None) -> str | None:
    if not label:
        return None
    text = re.sub(r"\s+", " ", label).strip().upper()
    if re.fullmatch(_VAT_LABEL, text, re.IGNORECASE):
        return "vat_number"
    if re.fullmatch(_COMPANY_LABEL, text, re.IGNORECASE):
        return "company_number"
    return None


def split_glued_code(value: str) -> SplitValue:
    """Split a code glued onto a name; return the value unchanged (code None) when there is none.

    >>> split_glued_code("UK0479435601 : Prime Care Solutions (Kingston) Ltd")
    SplitValue(name='Prime Care Solutions (Kingston) Ltd', code='UK0479435601', kind='ledger_code')
    >>> split_glued_code("KINGS COLLEGE LONDON:03529700")
    SplitValue(name='KINGS COLLEGE LONDON', code='03529700', kind='ledger_code')
    >>> split_glued_code("ACME LTD CRN 01234567")
    SplitValue(name='ACME LTD', code='01234567', kind='company_number')
    """
    if value is None:
        return SplitValue(value, None, None)
    m = _LABELLED.match(value)
    if m:
        code = re.sub(r"\s+", "", m.group("code")).upper()
        return SplitValue(m.group("name"), code, classify_code(code, m.group("label")))
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
