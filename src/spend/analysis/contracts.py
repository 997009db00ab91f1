"""Contracts against payments: award lines from the notices tables, each award against the payments its
buyer made to its supplier during the contract, and payments no harvested award covers.

Absence here means absence from the notices harvested so far, not that no contract exists.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable

import pandas as pd

from spend.core.money import ZERO, money_sum
from spend.core.periods import Period, as_date
from spend.analysis.selection import countable, printed_publisher_names, registry_publisher_names, select_payments


def organisation_key(name) -> str:
    """A buyer or publisher name reduced for comparison: case, '&', punctuation and 'CCG' spelt out.

    'NHS Hounslow CCG' and 'NHS HOUNSLOW CLINICAL COMMISSIONING GROUP' give the same key; nothing fuzzier, so a
    match can always be explained by reading the two names."""
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = str(name).upper().replace("&", " AND ")
    text = re.sub(r"[^A-Z0-9]+", " ", text)
    text = re.sub(r"\bCCG\b", "CLINICAL COMMISSIONING GROUP", text)
    text = re.sub(r"^THE ", "", text.strip())
    return re.sub(r"\s+", " ", text).strip()


def match_buyers(
    buyer_names: Iterable[str], payments: pd.DataFrame, *,
    aliases: dict[str, str] | None = None, publisher_names: dict[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """buyer_name -> publisher_id, and how: 'alias' (given by the analyst, wins), 'registry name'
    (`publisher_names`: slug -> names; default: the publisher registry's), or 'name in the payments files'
    (the body name the publisher prints in its own files). Equal `organisation_key`s only."""
    if publisher_names is None:
        publisher_names = registry_publisher_names()
    known: dict[str, tuple[str, str]] = {}
    for slug, name in printed_publisher_names(payments).items():
        known.setdefault(organisation_key(name), (slug, "name in the payments files"))
    for slug, names in (publisher_names or {}).items():
        for name in names:
            known[organisation_key(name)] = (slug, "registry name")
    alias_keys = {organisation_key(k): v for k, v in (aliases or {}).items()}
    out = []
    for buyer in dict.fromkeys(b for b in buyer_names if b is not None):
        key = organisation_key(buyer)
        if key in alias_keys:
            out.append((buyer, alias_keys[key], "alias"))
        elif key in known:
            out.append((buyer, *known[key]))
        else:
            out.append((buyer, None, "no publisher of that name"))
    return pd.DataFrame(out, columns=["buyer_name", "publisher_id", "buyer_match"])

AWARD_LINE_COLUMNS = [
    "ocid", "award_id", "release_id", "buyer_name", "supplier_name_raw", "supplier_id", "supplier_name",
    "supplier_group", "supplier_match_method", "company_number", "suppliers_on_award", "value_amount", "award_date",
    "period_start", "period_end", "period_basis", "award_status", "title", "source_file", "source_locator",
]
# How an award's supplier was tied to a paid supplier (spend.suppliers.awards), as `contracts_against_payments`
# says it.
TIED_BY = {"exact": "supplier key", "identifier": "company number"}


def empty_award_lines() -> pd.DataFrame:
    """Award lines when no notices have been harvested: every question about awards has an empty answer."""
    return pd.DataFrame(columns=AWARD_LINE_COLUMNS)


def load_award_lines(data_dir=None) -> pd.DataFrame | None:
    """Award lines of the store's notices tables, or None when the store holds no notices."""
    from spend.store.read import load_notice_tables

    tables = load_notice_tables(data_dir)
    return award_lines(*tables) if tables is not None else None


def award_lines(notices: pd.DataFrame, awards: pd.DataFrame, award_suppliers: pd.DataFrame) -> pd.DataFrame:
    """One row per award and supplier, from the latest release that carries it.

    Columns: AWARD_LINE_COLUMNS. `award_suppliers` is the store's table, whose suppliers are already tied to
    the paid suppliers (spend.suppliers.awards): `supplier_id` is the id the payments carry when the two are
    the same organisation. The contract period is the award's own, else the notice's; when neither is
    published the period starts at the award date and is open-ended (`period_basis` says which). An award's
    value is for the whole award: when it has several suppliers (a framework) it is not any one supplier's
    value, which `suppliers_on_award` shows.
    """
    columns = AWARD_LINE_COLUMNS
    if awards.empty:
        return empty_award_lines()
    release = notices[["ocid", "release_id", "date", "buyer_name", "contract_period_start", "contract_period_end"]].rename(
        columns={"date": "release_date", "contract_period_start": "notice_start", "contract_period_end": "notice_end"})
    supplier_columns = ["supplier_name_raw", "company_number", "supplier_id", "supplier_name", "supplier_group",
                        "match_method"]
    lines = awards.merge(release, on=["ocid", "release_id"], how="left").merge(
        award_suppliers[["ocid", "release_id", "award_id", *supplier_columns]],
        on=["ocid", "release_id", "award_id"], how="left")
    # One line per supplier named on an award (two suppliers of a framework stay two lines even when they
    # resolve to one supplier id): the name as published, case and spacing aside.
    lines["_supplier"] = [" ".join(n.casefold().split()) if isinstance(n, str) else "" for n in lines["supplier_name_raw"]]
    # Latest release wins: a later release of the same award carries its amended value or dates.
    lines = lines.sort_values(["release_date", "release_id"], na_position="first")
    lines = lines.drop_duplicates(["ocid", "award_id", "_supplier"], keep="last")
    per_award = lines.groupby(["ocid", "award_id"])["_supplier"].transform("size")
    out = pd.DataFrame({
        "ocid": lines["ocid"], "award_id": lines["award_id"], "release_id": lines["release_id"],
        "buyer_name": lines["buyer_name"], "supplier_name_raw": lines["supplier_name_raw"],
        "supplier_id": lines["supplier_id"], "supplier_name": lines["supplier_name"],
        "supplier_group": lines["supplier_group"], "supplier_match_method": lines["match_method"],
        "company_number": lines["company_number"], "suppliers_on_award": per_award,
        "value_amount": lines["value_amount"], "award_date": [as_date(d) for d in lines["date"]],
    })
    periods = []
    for a_start, a_end, n_start, n_end, a_date in zip(
            lines["contract_period_start"], lines["contract_period_end"], lines["notice_start"], lines["notice_end"],
            lines["date"]):
        if as_date(a_start) or as_date(a_end):
            periods.append((as_date(a_start), as_date(a_end), "award contract period"))
        elif as_date(n_start) or as_date(n_end):
            periods.append((as_date(n_start), as_date(n_end), "notice contract period"))
        else:
            periods.append((as_date(a_date), None, "from the award date, open-ended"))
    out["period_start"] = [p[0] for p in periods]
    out["period_end"] = [p[1] for p in periods]
    out["period_basis"] = [p[2] for p in periods]
    out["award_status"], out["title"] = lines["status"].to_numpy(), lines["title"].to_numpy()
    out["source_file"], out["source_locator"] = lines["source_file"].to_numpy(), lines["source_locator"].to_numpy()
    out = out[columns].reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)


def contracts_against_payments(
    lines: pd.DataFrame, payments: pd.DataFrame, *, supplier: str | None = None,
    aliases: dict[str, str] | None = None, publisher_names: dict[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """For each award line (see `award_lines`), the payments from the buyer to the supplier during the
    contract period, against the award value.

    The buyer is tied to a publisher by `match_buyers`; the supplier is the paid supplier with the award
    supplier's `supplier_id` (the store ties the two by equal key or Companies House number:
    spend.suppliers.awards).
    `supplier` keeps the award lines whose supplier group or published name contains it (case ignored).

    Columns: the award line's, then publisher_id, buyer_match, supplier_ids, supplier_match, payments,
    paid_gbp, unpaid_gbp (value - paid), status: 'paid' / 'no payments' (buyer in the store, nothing paid to
    that supplier in the period) / 'buyer not in the store' (no payments from the buyer in the store) /
    'supplier not in the store' (the buyer's payments are there, none to a supplier of that name or number).
    """
    if supplier:
        needle = supplier.casefold()
        keep = [needle in str(g or "").casefold() or needle in str(n or "").casefold()
                for g, n in zip(lines["supplier_group"], lines["supplier_name_raw"])]
        lines = lines[keep]
    rows = countable(payments)
    buyers = match_buyers(lines["buyer_name"], rows, aliases=aliases, publisher_names=publisher_names)
    out = lines.merge(buyers, on="buyer_name", how="left")
    paid_ids = set(rows["supplier_id"].dropna())
    in_store = set(rows["publisher_id"])
    records = []
    for line in out.itertuples(index=False):
        # The award's supplier is a paid one when the store tied them (same key or company number).
        ids = {line.supplier_id} & paid_ids if isinstance(line.supplier_id, str) else set()
        how = TIED_BY.get(line.supplier_match_method, line.supplier_match_method) if ids else None
        record = {"supplier_ids": ";".join(sorted(ids)) or None, "supplier_match": how}
        if not isinstance(line.publisher_id, str) or line.publisher_id not in in_store:
            # No publisher for the buyer, or one whose payments the store does not hold (yet).
            record.update(payments=0, paid_gbp=ZERO, status="buyer not in the store")
        elif not ids:
            record.update(payments=0, paid_gbp=ZERO, status="supplier not in the store")
        else:
            period = Period(line.period_start, line.period_end)
            paid = rows[(rows["publisher_id"] == line.publisher_id) & rows["supplier_id"].isin(ids)]
            paid = paid[[period.contains(d) for d in paid["payment_date"]]]
            record.update(payments=len(paid), paid_gbp=money_sum(paid["amount_gbp"]),
                          status="paid" if len(paid) else "no payments")
        value = line.value_amount
        record["unpaid_gbp"] = (value - record["paid_gbp"]) if isinstance(value, Decimal) else None
        records.append(record)
    extra = pd.DataFrame(records, index=out.index,
                         columns=["supplier_ids", "supplier_match", "payments", "paid_gbp", "unpaid_gbp", "status"])
    return pd.concat([out, extra], axis=1)


def awards_without_payments(result: pd.DataFrame) -> pd.DataFrame:
    """Award lines whose buyer is in the store but which no payment in the contract period matches."""
    return result[result["status"].isin(["no payments", "supplier not in the store"])]


def payments_without_notice(
    payments: pd.DataFrame, lines: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None,
    period: Period | None = None, aliases: dict[str, str] | None = None,
    publisher_names: dict[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Countable payments that no harvested award covers: no award line from a buyer tied to the payment's
    publisher, to a supplier tied to the payment's supplier id, whose contract period contains the date.

    Absence here means absence from the notices harvested so far, not that no contract exists."""
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    matched = contracts_against_payments(lines, payments, aliases=aliases, publisher_names=publisher_names)
    matched = matched[matched["supplier_ids"].notna() & matched["publisher_id"].notna()]
    covered = pd.Series(False, index=rows.index)
    for line in matched.itertuples(index=False):
        ids = set(line.supplier_ids.split(";"))
        period_ = Period(line.period_start, line.period_end)
        candidates = rows[(rows["publisher_id"] == line.publisher_id) & rows["supplier_id"].isin(ids)]
        hits = [i for i, d in zip(candidates.index, candidates["payment_date"]) if period_.contains(d)]
        covered.loc[hits] = True
    return rows[~covered]
