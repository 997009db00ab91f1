"""Find the header row of a spend table and map its columns to canonical names.

The synonyms live in `spend/data/header_synonyms.csv`; nothing here knows a publisher.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from spend.core.errors import AmbiguousHeader, SummaryNotTransactions, UnknownHeader

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Pivot-table exports label their value columns like this (Excel's "Sum of <field>").
_PIVOT = re.compile(r"^(sum|count|average|max|min) of |^row labels$|^grand total$")
REQUIRED = ("supplier_name_raw", "amount_gbp")
HEADER_SEARCH_ROWS = 40  # Lambeth puts nine preamble lines above the header


@lru_cache(maxsize=16384)  # the same header cells recur in every file of a publisher and on every PDF page
def normalise_header(text) -> str:
    """'  AP Amount (£) ' -> 'ap amount'; 'body_name' -> 'body name'."""
    return _NON_ALNUM.sub(" ", str(text or "").lower().replace("£", " ")).strip()


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Normalised header -> canonical column, from the package data file."""
    out: dict[str, str] = {}
    text = resources.files("spend").joinpath("data/header_synonyms.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for row in csv.DictReader(lines):
        key = normalise_header(row["header"])
        if key in out and out[key] != row["canonical"]:
            raise ValueError(f"header_synonyms.csv: {key!r} maps to two columns")
        out[key] = row["canonical"]
    return out


@dataclass
class HeaderMatch:
    """How one header row maps: column index -> canonical name, plus what did not map."""

    cells: list[str]
    mapping: dict[int, str] = field(default_factory=dict)
    unknown: list[int] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.mapping)

    @property
    def canonical(self) -> set[str]:
        return set(self.mapping.values())

    def looks_like_header(self) -> bool:
        return all(c in self.canonical for c in REQUIRED) and self.score >= 3

    def source_names(self) -> dict[str, str]:
        """canonical -> header as published, for the parse report."""
        return {name: self.cells[i].strip() for i, name in self.mapping.items()}


def match_header(cells: list[str]) -> HeaderMatch:
    table = synonyms()
    m = HeaderMatch(cells=[str(c) if c is not None else "" for c in cells])
    for i, cell in enumerate(m.cells):
        key = normalise_header(cell)
        if not key:
            continue
        if key in table:
            m.mapping[i] = table[key]
        else:
            m.unknown.append(i)
    return m


def is_pivot_row(cells: list[str]) -> bool:
    return any(_PIVOT.search(normalise_header(c)) for c in cells if c)


def find_header(rows: list[list[str]], source: str, locate) -> tuple[int, HeaderMatch] | None:
    """Return (row index, match) of the best header in the first rows, or None.

    Raises `SummaryNotTransactions` for pivot-table exports, `UnknownHeader` when the header has
    columns the synonyms file does not know, `AmbiguousHeader` when two columns mean one thing.
    """
    best: tuple[int, HeaderMatch] | None = None
    table = synonyms()
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if best is None and is_pivot_row(row):
            raise SummaryNotTransactions(
                source,
                "a pivot-table summary (totals by supplier), not a list of payments; "
                f"found {' | '.join(c for c in row if c)!r}",
                locator=locate(i),
            )
        if sum(normalise_header(c) in table for c in row) < 3:
            continue  # fewer than three known column names: cannot look like a header (most rows are data)
        m = match_header(row)
        if m.looks_like_header() and (best is None or m.score > best[1].score):
            best = (i, m)
    if best is None:
        return None
    i, m = best
    if m.unknown:
        raise UnknownHeader(source, [m.cells[j].strip() for j in m.unknown], locator=locate(i))
    seen: dict[str, int] = {}
    for j, name in sorted(m.mapping.items()):
        if name in seen:
            raise AmbiguousHeader(
                source,
                f"columns {m.cells[seen[name]].strip()!r} and {m.cells[j].strip()!r} both mean {name}",
                locator=locate(i),
            )
        seen[name] = j
    if "payment_date" not in m.canonical:
        raise SummaryNotTransactions(source, "the table has no date column, so it is not a list of payments",
                                     locator=locate(i))
    return best
