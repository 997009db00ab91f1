"""Public bodies and trading names by their official identity (spend/data/public_bodies.csv).

A payee that is an NHS body or a council is published under many names: 'CITY OF WESTMINSTER' and
'Westminster City Council'; 'St Georges Healthcare NHST', the trust that became 'St George's University
Hospitals NHS Foundation Trust'; 'NHS SUPPLY CHAIN MAIDSTONE', a trading name of Supply Chain Coordination
Ltd. Names say too little to join these safely (the body types differ, the words differ), but an official
list does: each row of the table is one name of one identity (an ODS code, an ONS/GSS code, or a named
company), with where the fact comes from. `match_reference(raw)` says which identity a published name is,
if any, and how it was matched:

- key: the name's key (spend.suppliers.keys) is the row's key;
- nhs: the name ends in NHS wording ('NHS TRUST', 'NHS FOUNDATION TRUST', 'CCG', 'INTEGRATED CARE BOARD')
  and, without it, is the row's name without it: a trust and the foundation trust it became share one
  identity, and a payee that writes the wrong type is still the same body;
- prefix: the name's key starts with the row's key and adds words (an account or a site: 'NHS SUPPLY CHAIN
  MAIDSTONE', 'NHS BLOOD AND TRANSPLANT EXC BPL'); only for rows whose name no other body's starts with;
- place: a council written any usual way ('LONDON BOROUGH OF SOUTHWARK', 'SOUTHWARK COUNCIL', 'LB
  SOUTHWARK', 'KENSINGTON AND CHELSEA RBK') around the row's place name.

Clustering (spend.suppliers.clusters) joins the names of one identity; `match_method` says 'reference'.
Bodies that merged (five CCGs into one) keep their own identities: the table's `succeeded_by` says who took
over, for reports, and a payment to the old body stays the old body's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from msgspec import Struct

from spend.suppliers.datafiles import Cell, read_package_records
from spend.suppliers.errors import SupplierDataError
from spend.suppliers.keys import make_key

# NHS wording at the end of a name, by the family of bodies it names (on keys: upper case, no punctuation).
_NHS_ENDINGS = (
    ("trust", (("NHS", "FOUNDATION", "TRUST"), ("FOUNDATION", "TRUST"), ("NHS", "TRUST"))),
    ("ccg", (("CCG",), ("CLINICAL", "COMMISSIONING", "GROUP"))),
    ("icb", (("ICB",), ("INTEGRATED", "CARE", "BOARD"))),
)
# The ways a council is written around its place name, on keys (upper case, '&' as AND, no punctuation).
_COUNCIL_BEFORE = re.compile(r"^(?:THE )?(?:LONDON BOROUGH OF|ROYAL BOROUGH OF|CITY OF|BOROUGH OF|COUNCIL OF THE|"
                             r"LB OF|LB|RB OF|RB) ")
_COUNCIL_AFTER = re.compile(r" (?:LONDON BOROUGH COUNCIL|BOROUGH COUNCIL|CITY COUNCIL|COUNTY COUNCIL|DISTRICT COUNCIL|"
                            r"COUNCIL|LBC|LB|RBK|RB)$")


class ReferenceRow(Struct, frozen=True, forbid_unknown_fields=True):
    """A row of spend/data/public_bodies.csv: one name of one identity."""

    identity: Cell  # 'ods:RJ7', 'gss:E09000028', 'company:SUPPLY CHAIN COORDINATION'
    kind: Literal["nhs_trust", "nhs_foundation_trust", "ccg", "icb", "nhs_national_body", "local_authority",
                  "company"]
    name: Cell
    relation: Literal["official", "also", "former"]  # the name now; another it goes by; one it had
    match: Literal["key", "nhs", "prefix", "place"]
    source: Cell
    succeeded_by: str = ""  # identity of the body that took over this one's functions (not the same body)


@dataclass(frozen=True)
class ReferenceMatch:
    identity: str
    official_name: str
    kind: str
    how: str  # 'key', 'nhs', 'prefix' or 'place'
    matched_name: str  # the table's name that matched

    def evidence(self) -> str:
        return f"{self.official_name} ({self.identity}), matched by {self.how} on '{self.matched_name}'"


@dataclass(frozen=True)
class _Index:
    official: dict[str, tuple[str, str]]  # identity -> (official name, kind)
    by_key: dict[str, tuple[str, str]]  # key -> (identity, name)
    by_nhs_stem: dict[str, tuple[str, str]]
    by_prefix: tuple[tuple[str, str, str], ...]  # (key, identity, name), longest first
    by_place: dict[str, tuple[str, str]]


def nhs_stem(key: str) -> str | None:
    """The key without its NHS wording, prefixed by the family it names: 'trust: ST GEORGES HEALTHCARE' for
    'ST GEORGES HEALTHCARE NHS TRUST' (a trust and a foundation trust are one family), 'ccg: HOUNSLOW' for
    'NHS HOUNSLOW CCG' or 'NHS HOUNSLOW CLINICAL COMMISSIONING GROUP', 'icb: ...' for a board. None for a key
    without such wording."""
    tokens = key.split()
    family = None
    for name, endings in _NHS_ENDINGS:
        for ending in endings:
            if len(tokens) > len(ending) and tuple(tokens[-len(ending):]) == ending:
                family, tokens = name, tokens[: -len(ending)]
                break
        if family:
            break
    if family is None:
        return None
    while tokens[:1] in (["THE"], ["NHS"]):
        tokens = tokens[1:]
    return f"{family}: {' '.join(tokens)}" if tokens else None


def council_place(key: str) -> str | None:
    """'SOUTHWARK' for 'LONDON BOROUGH OF SOUTHWARK' or 'SOUTHWARK COUNCIL'; None when the key has no council
    wording (a bare place name is a town, a hospital, a football club as often as a council)."""
    place, n = _COUNCIL_BEFORE.subn("", key, count=1)
    place, m = _COUNCIL_AFTER.subn("", place, count=1)
    return place if (n or m) and place and place != key else None


@lru_cache(maxsize=1)
def _index() -> _Index:
    rows = read_package_records("public_bodies.csv", ReferenceRow)
    official: dict[str, tuple[str, str]] = {}
    by_key: dict[str, tuple[str, str]] = {}
    by_nhs_stem: dict[str, tuple[str, str]] = {}
    prefixes: list[tuple[str, str, str]] = []
    by_place: dict[str, tuple[str, str]] = {}

    def put(table: dict, value: str, row: ReferenceRow, number: int) -> None:
        if table.get(value, (row.identity,))[0] != row.identity:
            raise SupplierDataError("public_bodies.csv", f"'{value}' names both {table[value][0]} and {row.identity}",
                                    locator=f"data row {number}")
        table[value] = (row.identity, row.name)

    for number, row in enumerate(rows, start=1):
        if row.relation == "official":
            if row.identity in official:
                raise SupplierDataError("public_bodies.csv", f"two official names for {row.identity}",
                                        locator=f"data row {number}")
            official[row.identity] = (row.name, row.kind)
        key = make_key(row.name)
        if row.match == "nhs":
            stem = nhs_stem(key)
            if stem is None:
                raise SupplierDataError("public_bodies.csv", f"'{row.name}' has no NHS wording to match on",
                                        locator=f"data row {number}")
            put(by_nhs_stem, stem, row, number)
        elif row.match == "place":
            put(by_place, key, row, number)
            continue  # a bare place name is not the council
        elif row.match == "prefix":
            prefixes.append((key, row.identity, row.name))
        put(by_key, key, row, number)
    missing = {row.identity for row in rows} - set(official)
    if missing:
        raise SupplierDataError("public_bodies.csv", f"no official name for {', '.join(sorted(missing))}")
    prefixes.sort(key=lambda p: -len(p[0]))
    return _Index(official, by_key, by_nhs_stem, tuple(prefixes), by_place)


def official_name(identity: str) -> str:
    return _index().official[identity][0]


@lru_cache(maxsize=200_000)
def match_key(key: str) -> ReferenceMatch | None:
    """The identity of a supplier key in the reference table, or None."""
    index = _index()
    found, how = index.by_key.get(key), "key"
    if found is None:
        stem = nhs_stem(key)
        found, how = (index.by_nhs_stem.get(stem), "nhs") if stem else (None, how)
    if found is None:
        place = council_place(key)
        found, how = (index.by_place.get(place), "place") if place else (None, how)
    if found is None:
        for prefix, identity, name in index.by_prefix:
            if key.startswith(prefix + " "):
                found, how = (identity, name), "prefix"
                break
    if found is None:
        return None
    identity, name = found
    official, kind = index.official[identity]
    return ReferenceMatch(identity, official, kind, how, name)


def match_reference(raw: str | None) -> ReferenceMatch | None:
    """The identity of a published name in the reference table, or None."""
    return match_key(make_key(raw))
