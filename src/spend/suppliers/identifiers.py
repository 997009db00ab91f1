"""Identifiers attached to supplier names, from any source.

A published name can carry a VAT number (a column in the CCG PDFs: 'OPTUM HEALTH SOLUTIONS (UK) LTD',
GB108297604), a Companies House number (a column, a Contracts Finder award, or inside Kingston's codes),
or a publisher's own supplier code glued onto the name. The store takes them from anywhere:

    store = IdentifierStore()
    store.add("ACME LTD", "company_number", "1234567", source="contracts-finder ocds-b5fd17-...")
    store.add("ACME LTD", "vat_number", "GB 108 2976 04", source="NWHO 01 - April.pdf page 6")

How much an identifier proves depends on its scheme (see `STRENGTH`): one Companies House number is one
legal entity, so two names sharing it are merged whatever they say (Neopost renamed Quadient); a VAT number
can be a VAT group's, and a publisher's ledger code can be reused, so names sharing one are merged only
when the names do not contradict each other, and sent to review otherwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from spend.core.codes import normalise_vat_number, split_glued_code
from spend.suppliers.keys import is_missing, parse_name

# 'strong': proves identity; 'medium': proves it unless the names contradict each other.
# 'reference' is an official identity from spend/data/public_bodies.csv (spend.suppliers.reference).
STRENGTH = {"company_number": "strong", "reference": "strong", "vat_number": "medium", "ledger_code": "medium"}

# Companies House numbers: 8 digits, or 2 letters + 6 digits (same shape as spend.codes accepts).
_COMPANY_NUMBER = re.compile(r"^(?:[0-9]{8}|[A-Z]{2}[0-9]{6})$")


@dataclass(frozen=True)
class Identifier:
    scheme: str  # 'company_number', 'vat_number', 'ledger_code:<publisher>', or any other scheme name
    value: str
    source: str = ""

    @property
    def base_scheme(self) -> str:
        return self.scheme.split(":", 1)[0]

    @property
    def strength(self) -> str:
        return STRENGTH.get(self.base_scheme, "medium")

    def label(self) -> str:
        return f"{self.scheme}={self.value}"


def is_valid_uk_vat(digits: str) -> bool:
    """HMRC's check for a 9-digit VAT number: weights 8..2 on the first seven digits plus the last two
    must be a multiple of 97 (old series) or be one after adding 55 (series from November 2010)."""
    if not re.fullmatch(r"[0-9]{9}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1))) + int(digits[7:])
    return total % 97 == 0 or (total + 55) % 97 == 0


def normalise_identifier(scheme: str, value: str | None) -> str | None:
    """The canonical form of an identifier, or None when it is blank or not a valid one of its scheme."""
    if is_missing(value):
        return None
    text = re.sub(r"\s+", "", str(value)).upper()
    if not text:
        return None
    base = scheme.split(":", 1)[0]
    if base == "company_number":
        if text.isdigit() and len(text) < 8:
            text = text.zfill(8)  # spreadsheets drop leading zeros
        return text if _COMPANY_NUMBER.match(text) else None
    if base == "vat_number":
        vat = normalise_vat_number(text) or ""
        vat = vat[2:] if vat.startswith("GB") else vat
        if re.fullmatch(r"(?:GD|HA)[0-9]{3}", vat):
            return "GB" + vat
        if re.fullmatch(r"[0-9]{9}(?:[0-9]{3})?", vat) and is_valid_uk_vat(vat[:9]):
            return "GB" + vat[:9]  # a 12-digit number is a branch of the 9-digit registration
        return None
    return text


class IdentifierStore:
    """Identifiers by published supplier name. Names are matched on their key when clustering."""

    def __init__(self) -> None:
        self._by_name: dict[str, set[Identifier]] = defaultdict(set)
        self.rejected: list[tuple[str, str, str, str]] = []  # (name, scheme, value, source) not valid

    def add(self, name: str, scheme: str, value: str | None, *, source: str = "") -> bool:
        """Attach an identifier to a name; False (and remembered in `rejected`) if it is not valid."""
        canonical = normalise_identifier(scheme, value)
        if canonical is None:
            if value is not None and str(value).strip() and str(value) != "nan":
                self.rejected.append((name, scheme, str(value), source))
            return False
        self._by_name[name].add(Identifier(scheme, canonical, source))
        return True

    def add_glued_codes(self, name: str, *, publisher: str | None = None, source: str = "code in the name") -> None:
        """Add the codes a publisher glued onto a name: its ledger code (scoped to that publisher), a number
        labelled as a company or VAT number, and any Companies House number the code is known to contain.
        Without a publisher the ledger code is scoped to '?': all such names are taken as one publisher's,
        and a shared code still needs agreeing names before it merges anything (STRENGTH 'medium')."""
        for scheme, value in parse_name(name).codes:
            if scheme == "ledger_code":
                self.add(name, f"ledger_code:{publisher or '?'}", value, source=source)
            else:
                self.add(name, scheme, value, source=source)

    def for_name(self, name: str) -> frozenset[Identifier]:
        return frozenset(self._by_name.get(name, ()))

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def merge(self, other: IdentifierStore) -> IdentifierStore:
        """A new store with the identifiers of both."""
        out = IdentifierStore()
        for store in (self, other):
            for name, ids in store._by_name.items():
                out._by_name[name].update(ids)
            out.rejected.extend(store.rejected)
        return out

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())


def identifiers_from_payments(payments) -> IdentifierStore:
    """Identifiers published in a payments table: `vat_number` and `company_number` columns where present,
    and codes glued onto `supplier_name_raw`.

    A glued code is the publisher's own supplier number and is kept as a ledger code scoped to that
    publisher ('ledger_code:<publisher>'): Guy's '03529700' on 'KINGS COLLEGE LONDON:03529700' means nothing
    at another body, so it can only join names that the same publisher coded alike. The `supplier_code`
    column holds the same glued code (spend.parse splits it off), so it is not read a second time. A
    `company_number` equal to the name's glued code is trusted only when the code was labelled as one ('CRN
    ...'): tables parsed before spend.codes stopped reading Guy's bare 8-digit codes as company numbers still
    carry them in `company_number`.
    """
    store = IdentifierStore()
    columns = set(payments.columns)
    subset = [c for c in ("supplier_name_raw", "publisher", "vat_number", "company_number") if c in columns]
    # One look at each distinct combination; the first row it appears in is named as the source.
    located = [c for c in ("source_file", "source_locator") if c in columns]
    distinct = payments.drop_duplicates(subset=subset)[subset + located]
    # Only rows whose name carries a code, or with a VAT or company number, can add anything: the others are
    # not visited one by one (a national store has hundreds of thousands of distinct rows, few with codes).
    names = distinct["supplier_name_raw"]
    coded = {n: bool(parse_name(n).codes) for n in names.dropna().astype(str).unique()}
    carries = names.map(lambda n: coded.get(str(n), False) if not _blank(n) else False).astype(bool)
    for column in ("vat_number", "company_number"):
        if column in columns:
            values = distinct[column]
            carries |= values.notna() & (values.astype(str).str.strip() != "")
    for row in distinct[carries.to_numpy()].to_dict("records"):
        name = row["supplier_name_raw"]
        if _blank(name):
            continue
        name = str(name)
        pub = None if "publisher" not in columns or _blank(row["publisher"]) else str(row["publisher"])
        where = " ".join(str(row[c]) for c in located if not _blank(row[c])) or "payments table"
        store.add_glued_codes(name, publisher=pub, source=f"code in the name, {where}")
        if "vat_number" in columns and not _blank(row["vat_number"]):
            store.add(name, "vat_number", row["vat_number"], source=f"vat_number column, {where}")
        if "company_number" in columns and not _blank(row["company_number"]):
            number = str(row["company_number"]).strip()
            glued = split_glued_code(re.sub(r"\s+", " ", str(name)).upper())
            if glued.code == number.upper() and glued.kind != "company_number":
                continue  # a ledger code (already added, scoped to the publisher), not a Companies House number
            store.add(name, "company_number", number, source=f"company_number column, {where}")
    return store


def _blank(value) -> bool:
    return is_missing(value) or (isinstance(value, str) and not value.strip())
