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

Bare 'Firstname Surname' names ('ELLEN HAVARD', 'Sarah Hyams', 'NEIL C SMITH') are recognised as people
only on positive evidence, because firms are named after people too ('ROBERT HALF', 'ALLEN LANE', 'GRANT
THORNTON', 'MARIE CURIE'): two or three words and nothing else (no digits, '&', brackets or other
punctuation); the first word a common given name (spend/data/supplier_given_names.csv, which leaves out
names that often start a firm's name, such as GRANT, BLAKE, ALLEN); a middle word, if any, an initial, a
given name or a particle ('DE', 'VON'); no word that marks an organisation (the vocabulary's organisation and
generic words, legal forms, AND/OF/THE...); and the key not listed in
spend/data/supplier_person_like_organisations.csv (firms known to carry a person's name). Anything else stays
an organisation. The resolution also keeps a key an organisation when any spelling of it is one ('ROBERT
HALF' beside 'ROBERT HALF LTD'), and analysts can still correct a kind with a `kind` override.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from msgspec import Struct

from spend.suppliers.datafiles import Cell, read_package_records
from spend.suppliers.keys import KeyWords, is_missing, load_legal_forms, make_key, parse_name

KINDS = ("organisation", "person", "code_only", "redacted", "total", "placeholder", "blank")
NON_SUPPLIER_KINDS = frozenset({"redacted", "total", "placeholder", "blank"})
# Kinds that are only ever matched by exact key (and identifiers), never by fuzzy similarity.
EXACT_ONLY_KINDS = frozenset({"person", "code_only"})

_TITLES = {"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "PROFESSOR", "REV", "REVD", "CLLR", "COUNCILLOR"}
_SURNAME_INITIALS = re.compile(r"^[A-Z][A-Z'\-]+\s*,\s*(?:[A-Z]\.?\s*){1,3}$")
_INITIALS_SURNAME = re.compile(r"^(?:[A-Z]\.?\s+){1,3}[A-Z][A-Z'\-]+$")
_TRADING = re.compile(r"\bT\s*/\s*AS?\b|\bTRADING\s+AS\b")
# A bare personal name: two or three words of letters, with hyphens, apostrophes or an initial's full stop.
_PLAIN_NAME = re.compile(r"^[A-Z][A-Z'\-]*\.?(?:\s+[A-Z][A-Z'\-]*\.?){1,2}$")
# Particles inside a personal name ('HANNAH DE CANCHO', 'MICHAEL VON HRUSCHKA').
_PARTICLES = frozenset({"DA", "DE", "DEL", "DELLA", "DI", "DOS", "DU", "LA", "LE", "VAN", "VON"})
# Short words that join an organisation's name and never a person's ('JUSTICE IN MOTION', 'By The Bridge').
_JOINING_WORDS = frozenset({"AND", "OF", "THE", "FOR", "IN", "AT", "ON", "TO", "BY", "WITH"})


class NonSupplierRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_non_suppliers.csv: a published "supplier" that is none, and its kind."""

    pattern: re.Pattern  # matched case-insensitively against the whole name
    kind: Literal["redacted", "total", "placeholder"]


class VocabularyRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_vocabulary.csv (its comments say what each role means)."""

    word: KeyWords
    role: Literal["weak", "generic", "organisation", "nhs_optional"]


class NameRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_given_names.csv or supplier_person_like_organisations.csv."""

    name: Cell
    note: str = ""


@lru_cache(maxsize=1)
def load_non_supplier_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    rows = read_package_records("supplier_non_suppliers.csv", NonSupplierRow)
    return tuple((re.compile(r.pattern.pattern, re.IGNORECASE), r.kind) for r in rows)


@lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, str]:
    """word -> role ('weak', 'generic', 'organisation', 'nhs_optional')."""
    return {r.word: r.role for r in read_package_records("supplier_vocabulary.csv", VocabularyRow)}


@lru_cache(maxsize=1)
def _organisation_words() -> frozenset[str]:
    words = {w for w, role in load_vocabulary().items() if role in {"generic", "organisation", "nhs_optional"}}
    for form in load_legal_forms():
        words.update(form.tokens)
    words.discard("UK")
    words.discard("GB")
    # 'AND' is only here as part of the legal form 'AND COMPANY'; alone it joins two people as often as two
    # words of a firm's name ('MR & MRS D BROWN', Oxford), so it marks nothing.
    words.discard("AND")
    return frozenset(words)


@lru_cache(maxsize=1)
def load_given_names() -> frozenset[str]:
    """Common UK given names (spend/data/supplier_given_names.csv)."""
    return frozenset(r.name.upper() for r in read_package_records("supplier_given_names.csv", NameRow))


@lru_cache(maxsize=1)
def load_person_like_organisations() -> frozenset[str]:
    """Keys of organisations whose name reads like a person's (spend/data/supplier_person_like_organisations.csv)."""
    return frozenset(make_key(r.name) for r in read_package_records("supplier_person_like_organisations.csv", NameRow))


def looks_like_personal_name(cleaned: str, key: str) -> bool:
    """True for 'Firstname Surname' or 'Firstname M Surname' with no sign of an organisation (module docstring)."""
    upper = cleaned.upper()
    if not _PLAIN_NAME.match(upper) or key in load_person_like_organisations():
        return False
    tokens = upper.replace(".", " ").split()
    if not 2 <= len(tokens) <= 3:
        return False
    given, organisation = load_given_names(), _organisation_words()
    first, last, middle = tokens[0], tokens[-1], tokens[1:-1]
    if not all(part in given for part in first.split("-")):
        return False
    if any(not (len(m) == 1 or m in given or m in _PARTICLES) for m in middle):
        return False
    surname = last.replace("'", "")
    if len(surname.replace("-", "")) < 2 or surname.startswith("-") or surname.endswith("-"):
        return False
    words = set(tokens) | set(surname.split("-")) | set(key.split())
    return not (words & organisation or words & _JOINING_WORDS)


def _words(text: str) -> list[str]:
    return re.sub(r"[^A-Z0-9]+", " ", text.upper().replace("'", "")).split()


def classify_name(raw: str | None) -> str:
    """The kind of a published supplier name (see the module docstring)."""
    if is_missing(raw):
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
    if looks_like_personal_name(cleaned, parts.key):
        return "person"  # 'ELLEN HAVARD', 'Sarah Hyams', 'NEIL C SMITH'
    return "organisation"
