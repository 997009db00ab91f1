"""The suppliers named in contract awards, tied to the suppliers that were paid.

An award's supplier is the paid supplier when the two are plainly the same organisation: the same key
(`make_key`: 'Optum Health Solutions (UK) Limited' and 'OPTUM HEALTH SOLUTIONS (UK) LTD') or the same
Companies House number. It then carries that supplier's id, name, group and sector, so awards and
payments join on `supplier_id`. Names no payment shares are resolved among themselves and keep ids of
their own. A name that is only similar to a paid supplier's is not tied to it: awards never change how
the payments were clustered.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from spend.core.schema import column_names, SUPPLIER_FIELDS
from spend.suppliers.identifiers import identifiers_from_payments
from spend.suppliers.keys import is_missing, make_key
from spend.suppliers.overrides import Overrides
from spend.suppliers.resolution import resolve_names

SUPPLIER_COLUMNS = column_names(SUPPLIER_FIELDS)
# How an award's supplier was tied to a paid supplier (match_method of the award supplier row).
BY_KEY, BY_NUMBER = "exact", "identifier"


def resolve_award_suppliers(award_suppliers: pd.DataFrame, paid: pd.DataFrame | None, *,
                            overrides: Overrides | str | Path | None = None) -> pd.DataFrame:
    """`award_suppliers` with the supplier columns (schema.SUPPLIER_FIELDS) added; the input is not changed.

    `paid`: the paid suppliers, one row per published name or more, with `supplier_name_raw`, the supplier
    columns and, where known, `company_number` (a payments table from the store will do; None: nothing
    was paid, every award supplier keeps its own identity)."""
    out = award_suppliers.copy()
    if out.empty:
        for c in SUPPLIER_COLUMNS:
            out[c] = pd.Series(dtype=object)
        return out
    names = out["supplier_name_raw"]
    identity = out.assign(publisher=None)[[c for c in ("supplier_name_raw", "publisher", "company_number",
                                                       "source_file", "source_locator") if c in out.columns or c == "publisher"]]
    own = resolve_names(names.tolist(), identifiers=identifiers_from_payments(identity), overrides=overrides).names
    own = own.set_index("supplier_name_raw")
    by_key, by_number = _paid_index(paid)
    numbers = defaultdict(set)
    if "company_number" in out.columns:
        for name, number in zip(names, out["company_number"]):
            if not is_missing(name) and not is_missing(number) and str(number).strip():
                numbers[str(name)].add(str(number).strip())
    # Tie each of the awards' own suppliers (all its spellings) to at most one paid supplier.
    tied: dict[str, tuple[dict, str]] = {}
    members = defaultdict(list)
    for raw, row in own.iterrows():
        if not is_missing(row["supplier_id"]):
            members[row["supplier_id"]].append(raw)
    for supplier_id, raws in members.items():
        found = {}
        for raw in raws:
            key = own.at[raw, "supplier_key"]
            if key in by_key:
                found.setdefault(by_key[key]["supplier_id"], (by_key[key], BY_KEY))
            for number in numbers.get(raw, ()):
                if number in by_number:
                    found.setdefault(by_number[number]["supplier_id"], (by_number[number], BY_NUMBER))
        if len(found) == 1:
            tied[supplier_id] = next(iter(found.values()))
    rows = []
    for raw in names:
        key = "" if is_missing(raw) else str(raw)
        mine = own.loc[key] if key in own.index else None
        if mine is None or is_missing(mine["supplier_id"]):
            rows.append({c: (None if mine is None or is_missing(mine[c]) else mine[c]) for c in SUPPLIER_COLUMNS})
            continue
        if mine["supplier_id"] in tied:
            supplier, how = tied[mine["supplier_id"]]
            rows.append({**{c: supplier.get(c) for c in SUPPLIER_COLUMNS}, "match_method": how, "match_score": 100.0})
        else:
            rows.append({c: None if is_missing(mine[c]) else mine[c] for c in SUPPLIER_COLUMNS})
    columns = pd.DataFrame(rows, index=out.index, columns=SUPPLIER_COLUMNS, dtype=object)
    return pd.concat([out, columns], axis=1)


def _paid_index(paid: pd.DataFrame | None) -> tuple[dict[str, dict], dict[str, dict]]:
    """Paid suppliers by the key of each published name, and by Companies House number; a key or number
    that leads to two suppliers is left out (it cannot tie anything)."""
    by_key: dict[str, dict] = {}
    by_number: dict[str, dict] = {}
    if paid is None or paid.empty:
        return by_key, by_number
    known = paid[paid["supplier_id"].notna()]
    columns = SUPPLIER_COLUMNS + (["company_number"] if "company_number" in known.columns else [])
    distinct = known.drop_duplicates(subset=["supplier_name_raw", *columns[1:]])
    clash_key, clash_number = set(), set()
    for record in distinct[["supplier_name_raw", *columns]].to_dict("records"):
        supplier = {c: None if is_missing(record[c]) else record[c] for c in SUPPLIER_COLUMNS}
        key = make_key(record["supplier_name_raw"]) if isinstance(record["supplier_name_raw"], str) else ""
        if key:
            if by_key.get(key, supplier)["supplier_id"] != supplier["supplier_id"]:
                clash_key.add(key)
            by_key.setdefault(key, supplier)
        number = record.get("company_number")
        if isinstance(number, str) and number.strip():
            number = number.strip()
            if by_number.get(number, supplier)["supplier_id"] != supplier["supplier_id"]:
                clash_number.add(number)
            by_number.setdefault(number, supplier)
    for key in clash_key:
        del by_key[key]
    for number in clash_number:
        del by_number[number]
    return by_key, by_number
