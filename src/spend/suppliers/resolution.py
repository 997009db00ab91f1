"""From published names (or a payments table) to suppliers: the library's main entry points.

    resolution = resolve_names(["OPTUM HEALTH SOLUTIONS (UK) LTD", "Optum Health Solutions UK Limited"])
    annotated = annotate_payments(payments)   # adds supplier_id, supplier_name, match_method, ...

`annotate_payments` adds, for every row: `supplier_id` (stable, derived from the supplier's canonical key),
`supplier_name` (a display name: the supplier's most used spelling, codes removed), `match_method` (exact / reference /
identifier / fuzzy / override, or 'excluded' for rows that are not a supplier), `match_score` (0-100),
`supplier_kind` (organisation, person, code_only, or why the row has no supplier: redacted, total,
placeholder, blank), `supplier_group` (a corporate group, kept apart from the legal entity) and
`supplier_sector` (nhs, public, charity, company, individual, excluded or unknown; see
spend.suppliers.sectors). Its cost grows with the number of distinct names, not of rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from spend.core.schema import SUPPLIER_FIELDS
from spend.suppliers.clusters import ClusterParams, Clustering, PairMemo, cluster_keys, make_supplier_id
from spend.suppliers.groups import find_group, load_groups
from spend.suppliers.identifiers import Identifier, IdentifierStore, identifiers_from_payments
from spend.suppliers.keys import is_missing, make_key, parse_name
from spend.suppliers.kinds import NON_SUPPLIER_KINDS, classify_name
from spend.suppliers.overrides import Overrides, load_overrides
from spend.suppliers.reference import ReferenceMatch, match_key
from spend.suppliers.sectors import sector_of_names

# The columns annotate_payments adds: the store's supplier columns (spend.core.schema), in its order.
MATCH_COLUMNS = SUPPLIER_FIELDS.names
NAME_COLUMNS = (
    "supplier_name_raw", "supplier_key", "supplier_kind", "supplier_id", "supplier_name", "match_method",
    "match_score", "match_evidence", "supplier_group", "supplier_sector", "legal_form", "trading_name",
)
SUPPLIER_COLUMNS = ("supplier_id", "supplier_name", "canonical_key", "supplier_group", "supplier_sector", "n_keys", "keys")
DECISION_COLUMNS = (
    "key_a", "key_b", "method", "band", "score", "pattern", "evidence", "applied", "blocked_by", "shared_identifiers",
    "ratio", "token_sort_ratio", "token_set_ratio", "jaro_winkler",
)


@dataclass
class SupplierResolution:
    names: pd.DataFrame  # one row per distinct published name (NAME_COLUMNS)
    suppliers: pd.DataFrame  # one row per supplier (SUPPLIER_COLUMNS)
    decisions: pd.DataFrame  # every pair decision made while clustering (DECISION_COLUMNS)
    clustering: Clustering

    def of(self, raw: str) -> dict:
        """The resolution row of one published name."""
        rows = self.names[self.names["supplier_name_raw"] == raw]
        if rows.empty:
            raise KeyError(raw)
        return rows.iloc[0].to_dict()


@dataclass
class ResolutionMemo:
    """What one resolution leaves for the next over mostly the same names (a build that adds files): each
    name's parse and kind, each supplier's sector, and the fuzzy comparisons (spend.suppliers.clusters.PairMemo).
    All of it depends on the names alone and the package's rules, never on overrides or identifiers; keep it
    with a fingerprint of the rules (spend.store.suppliers does) and start afresh when they change."""

    parsed: dict = field(default_factory=dict)  # raw name -> (ParsedName, kind before overrides)
    sectors: dict = field(default_factory=dict)  # ((raw, kind), ...) of one supplier -> its sector
    pairs: PairMemo = field(default_factory=lambda: PairMemo(ClusterParams()))

    def parse(self, distinct: list[str]) -> dict:
        """raw -> (ParsedName, kind) for these names, from the memo or worked out now; the memo keeps only these."""
        self.parsed = {raw: self.parsed.get(raw) or (parse_name(raw), classify_name(raw)) for raw in distinct}
        return self.parsed

    def sector(self, raws: list[str], kinds: list[str]) -> str:
        signature = tuple(zip(raws, kinds))
        if signature not in self.sectors:
            self.sectors[signature] = sector_of_names(raws, kinds)
        return self.sectors[signature]


def _as_overrides(overrides: Overrides | str | Path | None) -> Overrides:
    if isinstance(overrides, Overrides):
        return overrides
    return load_overrides(overrides)  # None -> the package's file: analysts' decisions always apply


def resolve_names(
    names: Iterable[str | None],
    *,
    counts: Mapping[str, int] | None = None,
    identifiers: IdentifierStore | None = None,
    overrides: Overrides | str | Path | None = None,
    params: ClusterParams = ClusterParams(),
    groups: dict[str, tuple[str, ...]] | None = None,
    memo: ResolutionMemo | None = None,
) -> SupplierResolution:
    """Resolve published supplier names to suppliers.

    `counts` (name -> number of payments) only chooses display names. `identifiers` adds identifiers from
    other columns or sources; without it, codes glued onto the names are used. `overrides` is the analysts'
    file (None: the package's spend/data/supplier_overrides.csv; pass `no_overrides()` for none). `memo`
    carries the work of an earlier resolution over to this one, and is updated (ResolutionMemo).
    """
    overrides = _as_overrides(overrides)
    groups = load_groups() if groups is None else groups
    distinct = sorted({("" if is_missing(n) else str(n)) for n in names})
    if identifiers is None:
        identifiers = IdentifierStore()
        for name in distinct:
            identifiers.add_glued_codes(name)

    work = memo or ResolutionMemo()
    parsed = work.parse(distinct)
    parts = {raw: parsed[raw][0] for raw in distinct}
    kind_of_raw: dict[str, str] = {}
    for raw in distinct:
        kind = parsed[raw][1]
        override = overrides.kinds.get(parts[raw].key)
        kind_of_raw[raw] = override[0] if override else kind

    key_kinds: dict[str, set[str]] = defaultdict(set)
    key_ids: dict[str, set[Identifier]] = defaultdict(set)
    for raw in distinct:
        if kind_of_raw[raw] in NON_SUPPLIER_KINDS:
            continue
        key = parts[raw].key
        key_kinds[key].add(kind_of_raw[raw])
        key_ids[key].update(identifiers.for_name(raw))
    kinds = {k: ("organisation" if "organisation" in v else sorted(v)[0]) for k, v in key_kinds.items()}
    # Public bodies and trading names by their official identity (spend/data/public_bodies.csv).
    references: dict[str, ReferenceMatch] = {}
    for key, kind in kinds.items():
        found = match_key(key) if kind == "organisation" else None
        if found:
            references[key] = found
            key_ids[key].add(Identifier("reference", found.identity, source=found.evidence()))
    clustering = cluster_keys(kinds, {k: frozenset(v) for k, v in key_ids.items()}, overrides, params,
                              memo=memo.pairs if memo is not None else None)

    counts = counts or {}
    raws_of_supplier: dict[str, list[str]] = defaultdict(list)
    for raw in distinct:
        if kind_of_raw[raw] not in NON_SUPPLIER_KINDS:
            raws_of_supplier[clustering.canonical_of[parts[raw].key]].append(raw)
    display = {
        canonical: choose_display_name([parts[r].cleaned for r in raws], [counts.get(r, 1) for r in raws])
        for canonical, raws in raws_of_supplier.items()
    }
    for canonical, members in clustering.members.items():
        # A public body (or a trading name's company) is shown by its official name, and its id is made from
        # that name, so it does not change with the spellings a store happens to hold (an analyst's pin stays).
        official = {references[k].official_name for k in members if k in references}
        if len(official) == 1:
            name = official.pop()
            display[canonical] = name
            if clustering.supplier_id_of[canonical] == make_supplier_id(canonical):
                clustering.supplier_id_of[canonical] = make_supplier_id(make_key(name))
    sector = {canonical: work.sector(raws, [kind_of_raw[r] for r in raws]) for canonical, raws in raws_of_supplier.items()}
    if memo is not None:
        memo.sectors = {s: memo.sectors[s] for s in {tuple(zip(raws, [kind_of_raw[r] for r in raws]))
                                                    for raws in raws_of_supplier.values()}}

    rows = []
    for raw in distinct:
        p = parts[raw]
        kind = kind_of_raw[raw]
        if kind in NON_SUPPLIER_KINDS:
            rows.append((raw, p.key, kind, None, None, "excluded", None, f"not a supplier: {kind}", None,
                         "excluded", p.legal_form, p.trading_name))
            continue
        canonical = clustering.canonical_of[p.key]
        method, score, evidence = clustering.attachment[p.key]
        if p.key in references:  # the name itself is in the reference table: that is how it is tied
            method, score, evidence = "reference", 100.0, references[p.key].evidence()
        if method == "exact" and p.key != canonical:  # cannot happen: a non-canonical key has an edge
            raise RuntimeError(f"{raw!r} has no recorded edge to {canonical!r}")
        group = find_group(clustering.members[canonical], groups)
        rows.append((raw, p.key, kind, clustering.supplier_id_of[canonical], display[canonical], method, score,
                     "; ".join([evidence or "same key", *p.notes]), group, sector[canonical], p.legal_form,
                     p.trading_name))
    # object columns keep None as None (pandas would otherwise turn missing strings into NaN)
    names_frame = pd.DataFrame(rows, columns=list(NAME_COLUMNS), dtype=object)

    supplier_rows = []
    for canonical, members in sorted(clustering.members.items()):
        supplier_rows.append((
            clustering.supplier_id_of[canonical], display.get(canonical, canonical), canonical,
            find_group(members, groups), sector.get(canonical, "unknown"), len(members), " | ".join(members),
        ))
    suppliers = pd.DataFrame(supplier_rows, columns=list(SUPPLIER_COLUMNS), dtype=object)
    decisions = pd.DataFrame(
        [(d.key_a, d.key_b, d.method, d.band, d.score, d.pattern, d.evidence, d.applied, d.blocked_by,
          "; ".join(d.shared),
          *((d.comparison.measure(m) for m in ("ratio", "token_sort_ratio", "token_set_ratio", "jaro_winkler"))
            if d.comparison else (None,) * 4))
         for d in clustering.decisions],
        columns=list(DECISION_COLUMNS),
        dtype=object,
    )
    return SupplierResolution(names_frame, suppliers, decisions, clustering)


def choose_display_name(spellings: list[str], counts: list[int]) -> str:
    """The spelling used most often (ties: the longest, then the first alphabetically)."""
    totals: Counter[str] = Counter()
    for spelling, n in zip(spellings, counts):
        totals[spelling] += n
    return min(totals, key=lambda s: (-totals[s], -len(s), s))


def resolve_payments(
    payments: pd.DataFrame,
    *,
    overrides: Overrides | str | Path | None = None,
    identifiers: IdentifierStore | None = None,
    params: ClusterParams = ClusterParams(),
) -> SupplierResolution:
    """Resolve the supplier names of a payments table, with the identifiers its columns carry."""
    store = identifiers_from_payments(payments)
    if identifiers is not None:
        store = store.merge(identifiers)
    counts: Counter[str] = Counter()
    for name, n in payments["supplier_name_raw"].value_counts(dropna=False, sort=False).items():
        counts["" if is_missing(name) else str(name)] += int(n)
    return resolve_names(list(counts), counts=counts, identifiers=store, overrides=overrides, params=params)


def annotate_payments(
    payments: pd.DataFrame,
    *,
    overrides: Overrides | str | Path | None = None,
    identifiers: IdentifierStore | None = None,
    params: ClusterParams = ClusterParams(),
    resolution: SupplierResolution | None = None,
) -> pd.DataFrame:
    """A copy of `payments` with MATCH_COLUMNS added (see the module docstring). The input is not changed.

    Each distinct published name is looked up once and the answers are spread over the rows by position, so a
    table of millions of rows with a few thousand names costs a factorisation, not a Python call per row.
    A name the resolution does not know gets None in every column.
    """
    if "supplier_name_raw" not in payments.columns:
        raise KeyError("payments has no supplier_name_raw column")
    resolution = resolution or resolve_payments(payments, overrides=overrides, identifiers=identifiers, params=params)
    codes, uniques = pd.factorize(payments["supplier_name_raw"], use_na_sentinel=True)
    # Blank cells (None/NaN, code -1) resolve like the empty name; they take the last slot of each lookup array.
    distinct = ["" if is_missing(n) else str(n) for n in uniques] + [""]
    row_of = {raw: i for i, raw in enumerate(resolution.names["supplier_name_raw"].tolist())}
    at = [row_of.get(raw) for raw in distinct]
    out = payments.copy()
    for column in MATCH_COLUMNS:
        values = resolution.names[column].tolist()
        per_name = np.empty(len(distinct), dtype=object)
        per_name[:] = [None if i is None or is_missing(values[i]) else values[i] for i in at]
        # dtype=object keeps None as None (pandas would otherwise infer a string column with NaN).
        out[column] = pd.Series(per_name[codes], index=out.index, dtype=object)
    return out
