"""What kind of payee a published supplier name is: an organisation, a person, or not a supplier at all.

Kinds:
- organisation: clustered by key, shared identifiers and fuzzy matching.
- person: a named individual ('Mr T Anders', 'OLLIVIERRE, J', 'DR SM HUNT', 'B M HANNIGAN'). Published
  names of individuals are personal data; they are marked, matched by exact key only (two different people
  can have similar names), and never fuzzy-matched with companies.
- redacted, total, placeholder, blank: not a supplier (see spend/data/supplier_non_suppliers.csv). They get
  no supplier id and are never clustered, not even with each other.
- code_only: a code with no name ('10008721', Epsom & St Helier); matched by exact key only.

GP practices: NHS commissioners publish a practice under its partners' names. 'DR X & PARTNERS',
'DR H MISTRY & PTNRS', 'DRS R DAWOOD & R RUDD' and 'HOUNSLOW MEDICAL CENTRE DR BC PATEL' are partnerships
or practices, so organisations. 'DR SM HUNT' (one doctor, Hounslow CCG) is a single-handed practice held
by a named GP: a real supplier, but published under a person's name, so it is marked `person`: it keeps
its own supplier id by exact key and is never fuzzy-merged ('DR SM HUNT' vs 'DR SM LANE').

Bare 'Firstname Surname' names ('ELLEN HAVARD') are not recognised as people: nothing in the name tells
them from firms named after a person ('ROBERT HALF', 'ALLEN LANE'). Analysts mark them with a `kind`
override; the fuzzy matcher still refuses to merge different surnames.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spend.suppliers.datafiles import read_package_rows
from spend.suppliers.keys import load_legal_forms, parse_name

KINDS = ("organisation", "person", "code_only", "redacted", "total", "placeholder", "blank")
NON_SUPPLIER_KINDS = frozenset({"redacted", "total", "placeholder", "blank"})
# Kinds that are only ever matched by exact key (and identifiers), never by fuzzy similarity.
EXACT_ONLY_KINDS = frozenset({"person", "code_only"})

_TITLES = {"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "PROFESSOR", "REV", "REVD", "CLLR", "COUNCILLOR"}
_SURNAME_INITIALS = re.compile(r"^[A-Z][A-Z'\-]+\s*,\s*(?:[A-Z]\.?\s*){1,3}$")
_INITIALS_SURNAME = re.compile(r"^(?:[A-Z]\.?\s+){1,3}[A-Z][A-Z'\-]+$")
_TRADING = re.compile(r"\bT\s*/\s*AS?\b|\bTRADING\s+AS\b")


@lru_cache(maxsize=1)
def load_non_supplier_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple(
        (re.compile(r["pattern"], re.IGNORECASE), r["kind"]) for r in read_package_rows("supplier_non_suppliers.csv")
    )


@lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, str]:
    """word -> role ('weak', 'generic', 'organisation')."""
    return {r["word"]: r["role"] for r in read_package_rows("supplier_vocabulary.csv")}


@lru_cache(maxsize=1)
def _organisation_words() -> frozenset[str]:
    words = {w for w, role in load_vocabulary().items() if role in {"generic", "organisation", "nhs_optional"}}
    for form in load_legal_forms():
        words.update(form.tokens)
    words.discard("UK")
    words.discard("GB")
    return frozenset(words)


def _words(text: str) -> list[str]:
    return re.sub(r"[^A-Z0-9]+", " ", text.upper().replace("'", "")).split()


def classify_name(raw: str | None) -> str:
    """The kind of a published supplier name (see the module docstring)."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return "blank"
    return _classify(str(raw))


@lru_cache(maxsize=200_000)
def _classify(raw: str) -> str:
    parts = parse_name(raw)
    cleaned = parts.cleaned
    if not cleaned or not re.search(r"[A-Za-z0-9]", cleaned):
        return "blank"
    for pattern, kind in load_non_supplier_patterns():
        if pattern.match(cleaned):
            return kind
    if not re.search(r"[A-Za-z]", cleaned):
        return "code_only"
    upper = cleaned.upper()
    words = _words(upper)
    # The key's words too: it spells out abbreviations ('DR H MISTRY & PTNRS' -> '... PARTNERS').
    key_words = parts.key.split()
    has_organisation_word = any(w in _organisation_words() for w in words + key_words) or any(w.isdigit() for w in words)
    if words and words[0] in _TITLES and not has_organisation_word and len(words) <= 8:
        return "person"  # 'Mr T Anders', 'MR JOHN BARNEY t/a KIDLINGTON DRIVEWAYS', 'DR SM HUNT'
    if _SURNAME_INITIALS.match(upper):
        return "person"  # 'OLLIVIERRE, J'
    if _INITIALS_SURNAME.match(upper) and not has_organisation_word and not _TRADING.search(upper):
        return "person"  # 'B M HANNIGAN', 'K KARIA', 'E. S. HAWES'
    return "organisation"
