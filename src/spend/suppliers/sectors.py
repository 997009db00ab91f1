"""Which sector a supplier belongs to: nhs, public, charity, company, individual, excluded or unknown.

    classify_sector("OPTUM HEALTH SOLUTIONS (UK) LTD")           -> 'company'
    classify_sector("GUY'S & ST THOMAS' CHARITY")                -> 'charity'
    classify_sector("Princess Alexandra Hosp Nhst")              -> 'nhs'
    classify_sector("ELLEN HAVARD")                              -> 'individual'  (its kind is person)
    classify_sector("Redacted personal data")                    -> 'excluded'

The name's kind decides first (spend.suppliers.kinds): a person is `individual`; a redacted, total,
placeholder or blank name is `excluded`. Otherwise the rules in spend/data/supplier_sectors.csv are tried in
file order against the published name's words and its key, and the first match decides; no match is
`unknown`. The file says why each rule is there and what was decided for universities (public), CICs
(company) and GP practices (nhs). For a supplier published under several spellings, `sector_of_names`
takes the earliest rule any spelling matches, so a truncated spelling without its legal form shares the
sector of the full one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal

from msgspec import Struct

from spend.suppliers.datafiles import check_rows, data_path, read_package_records
from spend.suppliers.errors import SupplierDataError
from spend.suppliers.keys import is_missing, parse_name
from spend.suppliers.kinds import NON_SUPPLIER_KINDS, classify_name

SECTORS = ("nhs", "public", "charity", "company", "individual", "excluded", "unknown")
# Sectors the rules file may name; the other three come from the kind or from no rule matching.
RULE_SECTORS = frozenset({"nhs", "public", "charity", "company"})


class SectorRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/supplier_sectors.csv."""

    sector: Literal[tuple(sorted(RULE_SECTORS))]
    pattern: re.Pattern  # searched case-sensitively in the two spellings, one per line (see _spellings)
    why: str  # what the row is for and where the fact comes from


@dataclass(frozen=True)
class SectorRule:
    order: int  # position in the file: the first matching rule decides
    sector: str
    pattern: re.Pattern
    why: str
    # Word beginnings one of which the text must contain for the pattern to match (None: always try it).
    # Only a shortcut: a regular expression starting with \b costs a scan of every position, and most names
    # are tried against most rules before the legal forms decide.
    triggers: frozenset[str] | None = None


_TRIGGER_CHARS = 12  # word beginnings are compared up to this length


def _top_level_alternatives(pattern: str) -> list[str]:
    """'\\bA\\b|^B(?:C|D)' -> ['\\bA\\b', '^B(?:C|D)']: split on the '|' outside brackets and groups."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _triggers(pattern: str) -> frozenset[str] | None:
    """The word beginnings a pattern needs, when every alternative starts a word with two or more literal
    letters ('\\bHM REVENUE' needs a word starting 'HM'); None when any alternative does not."""
    found = set()
    for alternative in _top_level_alternatives(pattern):
        m = re.match(r"(?:\^|\\b)([A-Z]+)(.?)", alternative)
        if not m:
            return None
        letters = m.group(1)
        if m.group(2) in {"?", "*", "{"}:  # a quantifier applies to the last letter only
            letters = letters[:-1]
        if len(letters) < 2:
            return None
        found.add(letters[:_TRIGGER_CHARS])
    return frozenset(found)


def parse_sector_rules(rows, source: str | Path = "supplier_sectors.csv") -> tuple[SectorRule, ...]:
    """Sector rules from rows with columns sector, pattern, why; a typed error names the bad row."""
    return _rules(check_rows(rows, SectorRow, source), source)


def _rules(rows: Iterable[SectorRow], source: str | Path) -> tuple[SectorRule, ...]:
    rules = []
    for i, row in enumerate(rows, start=1):
        if not row.why.strip():
            raise SupplierDataError(source, "no reason given in `why`", locator=f"data row {i}")
        # MULTILINE: the two spellings are searched as two lines of one string (^ and $ bind to each line).
        pattern = re.compile(row.pattern.pattern, re.MULTILINE)
        rules.append(SectorRule(i, row.sector, pattern, row.why, _triggers(row.pattern.pattern)))
    return tuple(rules)


@lru_cache(maxsize=1)
def load_sector_rules() -> tuple[SectorRule, ...]:
    """The package's rules (spend/data/supplier_sectors.csv), in file order."""
    return _rules(read_package_records("supplier_sectors.csv", SectorRow), data_path("supplier_sectors.csv"))


def _spellings(raw: str) -> str:
    """The two texts the rules read, one per line: the published words (legal form kept) and the key."""
    parts = parse_name(raw)
    words = _NOT_WORD.sub(" ", parts.cleaned.upper().replace("'", "").replace("&", " AND ").replace("+", " AND "))
    return " ".join(words.split()) + "\n" + parts.key


_NOT_WORD = re.compile(r"[^A-Z0-9]+")


@lru_cache(maxsize=200_000)
def match_sector_rule(raw: str) -> SectorRule | None:
    """The first rule of spend/data/supplier_sectors.csv that the name matches, or None."""
    text = _spellings(raw)
    beginnings = {w[:n] for w in text.split() for n in range(2, min(len(w), _TRIGGER_CHARS) + 1)}
    for rule in load_sector_rules():
        if rule.triggers is not None and rule.triggers.isdisjoint(beginnings):
            continue
        if rule.pattern.search(text):
            return rule
    return None


def _kind_sector(kind: str) -> str | None:
    if kind in NON_SUPPLIER_KINDS:
        return "excluded"
    if kind == "person":
        return "individual"
    return None


def classify_sector(name_or_key: str | None, kind: str | None = None) -> str:
    """The sector of one published name (or key); `kind` defaults to `classify_name(name_or_key)`."""
    if is_missing(name_or_key):
        return "excluded"
    kind = kind or classify_name(name_or_key)
    by_kind = _kind_sector(kind)
    if by_kind:
        return by_kind
    rule = match_sector_rule(str(name_or_key))
    return rule.sector if rule else "unknown"


def explain_sector(name: str, kind: str | None = None) -> tuple[str, str]:
    """(sector, why) for one published name: the rule's `why`, or what the kind or its absence says."""
    kind = kind or classify_name(name)
    by_kind = _kind_sector(kind)
    if by_kind:
        return by_kind, f"the name's kind is {kind}"
    rule = match_sector_rule(str(name))
    if rule is None:
        return "unknown", "no rule in supplier_sectors.csv matches"
    return rule.sector, f"supplier_sectors.csv data row {rule.order}: {rule.why}"


def sector_of_names(names: Iterable[str], kinds: Iterable[str]) -> str:
    """The sector of one supplier from all its spellings and their kinds.

    Organisation spellings decide by the earliest rule any of them matches; only when no spelling is an
    organisation does the kind decide (all persons: individual). A supplier never mixes non-suppliers in.
    """
    best: SectorRule | None = None
    seen_kinds = set()
    for name, kind in zip(names, kinds):
        seen_kinds.add(kind)
        if _kind_sector(kind) is not None:
            continue
        rule = match_sector_rule(str(name))
        if rule is not None and (best is None or rule.order < best.order):
            best = rule
    if best is not None:
        return best.sector
    if seen_kinds and all(_kind_sector(k) == "individual" for k in seen_kinds):
        return "individual"
    if seen_kinds and all(_kind_sector(k) == "excluded" for k in seen_kinds):
        return "excluded"
    return "unknown"
