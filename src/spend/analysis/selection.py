"""Which rows a question is about: countable payments of given publishers in a period, the rows a supplier
text names, and the publishers' own names.

Rows whose `duplicate_of` is set (a transaction already published in an earlier file) are dropped before
anything is counted (`countable`), so a payment published twice is counted once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from spend.core.periods import Period

# supplier_kind values (spend.suppliers.kinds) whose published name is, or stands for, an individual's: a named
# person, or a row the publisher redacted because it names one. Exports withhold these names.
INDIVIDUAL_KINDS = frozenset({"person", "redacted"})


def countable(payments: pd.DataFrame) -> pd.DataFrame:
    """The rows that count towards totals: those not already published in an earlier file."""
    if "duplicate_of" not in payments.columns:
        return payments
    return payments[payments["duplicate_of"].isna()]


def select_payments(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
) -> pd.DataFrame:
    """Countable rows of the given publisher(s), dated within `period`."""
    rows = countable(payments)
    if publisher_id is not None:
        wanted = [publisher_id] if isinstance(publisher_id, str) else list(publisher_id)
        rows = rows[rows["publisher_id"].isin(wanted)]
    if period is not None and (period.start or period.end):
        rows = rows[[period.contains(d) for d in rows["payment_date"]]]
    return rows


@dataclass(frozen=True)
class SupplierMatch:
    """Which rows a supplier text selected, and by what rule."""

    text: str
    matched_by: str  # 'supplier_group', 'supplier_id', 'supplier_group (part of the name)', 'supplier name', or 'nothing'
    values: tuple[str, ...]  # the groups, ids or names that matched
    mask: pd.Series

    def describe(self) -> str:
        if self.matched_by == "nothing":
            return f"{self.text!r} matched no supplier group, supplier id or supplier name"
        shown = ", ".join(repr(v) for v in self.values[:5]) + (" ..." if len(self.values) > 5 else "")
        return f"{self.text!r} matched {self.matched_by} {shown}"


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str)


def match_supplier(payments: pd.DataFrame, text: str) -> SupplierMatch:
    """Rows of `payments` that `text` names, trying in turn (the first rule that selects any row wins):

    1. a supplier group, exactly but ignoring case ('optum / unitedhealth');
    2. a supplier id, exactly ('optum-health-solutions-a62530');
    3. a supplier group containing the text ('optum' -> 'Optum / UnitedHealth'): a group is a deliberate
       list of legal entities, so it is preferred to a loose name search;
    4. the text inside supplier_name or supplier_name_raw, ignoring case.
    """
    needle = text.strip().casefold()
    groups = _text_column(payments, "supplier_group")
    ids = _text_column(payments, "supplier_id")
    rules: list[tuple[str, pd.Series, pd.Series]] = [
        ("supplier_group", groups.str.casefold() == needle, groups),
        ("supplier_id", ids == text.strip(), ids),
        ("supplier_group (part of the name)", (groups != "") & groups.str.casefold().str.contains(needle, regex=False), groups),
    ]
    names = _text_column(payments, "supplier_name")
    raw = _text_column(payments, "supplier_name_raw")
    by_name = names.str.casefold().str.contains(needle, regex=False) | raw.str.casefold().str.contains(needle, regex=False)
    rules.append(("supplier name", by_name & (needle != ""), raw))
    for how, mask, shown in rules:
        if needle and mask.any():
            return SupplierMatch(text, how, tuple(sorted(set(shown[mask]))), mask)
    return SupplierMatch(text, "nothing", (), pd.Series(False, index=payments.index))


def supplier_payments(
    payments: pd.DataFrame, supplier: str, *, publisher_id: str | Iterable[str] | None = None,
    period: Period | None = None,
) -> tuple[pd.DataFrame, SupplierMatch]:
    """A supplier's countable payments (see `match_supplier`), for the publishers and period given."""
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    match = match_supplier(rows, supplier)
    return rows[match.mask], match


# --- publishers ---------------------------------------------------------------------------------------------

# Registry kinds (spend.sources.registry.KINDS) that are NHS bodies.
NHS_KINDS = frozenset({"nhs-england", "ccg", "icb", "trust"})


def _registry() -> list:
    from spend.sources.registry import publishers_for

    return publishers_for()


def registered_publisher(slug: str):
    """The registry's entry for `slug` (package or local registry), or None."""
    return next((p for p in _registry() if p.slug == slug), None)


def registry_publisher_names() -> dict[str, list[str]]:
    """slug -> the names the publisher registry (the package's and the data folder's) gives the body."""
    return {p.slug: [p.name, *p.aliases] for p in _registry()}


def publisher_lineage(publisher_id: str, data_dir=None) -> list:
    """The registry entry of `publisher_id`, then the entry of the body that took over from it, and so on
    (each `successor` in turn; the registry refuses a circle): the last is the body that holds its records
    now. Read from the package's registry and the data folder's; empty when neither holds `publisher_id`."""
    from spend.sources.registry import publishers_for

    entries = {p.slug: p for p in publishers_for(data_dir)}
    chain = []
    slug = publisher_id
    while slug in entries:
        chain.append(entries[slug])
        slug = entries[slug].successor
    return chain


def nhs_publishers(payments: pd.DataFrame) -> list[str]:
    """The publishers in `payments` that are NHS bodies: by their kind in the publisher registry, or, for
    one the registry does not hold, by the word NHS in the name its files print."""
    kinds = {p.slug: p.kind for p in _registry()}
    names = printed_publisher_names(payments)
    found = []
    for slug in sorted(set(payments["publisher_id"])):
        if slug in kinds:
            is_nhs = kinds[slug] in NHS_KINDS
        else:
            is_nhs = bool(re.search(r"\bNHS\b", str(names.get(slug, "")), re.IGNORECASE))
        if is_nhs:
            found.append(slug)
    return found


def choose_publishers(payments: pd.DataFrame, which: str | Iterable[str]) -> list[str]:
    """The publishers (slugs) a question is about: 'nhs' (every NHS body in `payments`), 'all' (every body in
    them), or a list of bodies each given by slug, name or another registered name."""
    if isinstance(which, str) and which.strip().lower() in ("nhs", "all"):
        return nhs_publishers(payments) if which.strip().lower() == "nhs" else sorted(set(payments["publisher_id"]))
    from spend.sources.registry import publisher_named

    return [publisher_named(_registry(), w).slug for w in ([which] if isinstance(which, str) else which)]


def body_names(rows: pd.DataFrame) -> dict[str, str]:
    """publisher_id -> the body's name for a reader: the registry's name, else the name its files print, else
    the slug (a body neither knows)."""
    registered = {slug: names[0] for slug, names in registry_publisher_names().items()}
    printed = printed_publisher_names(rows)
    return {slug: registered.get(slug) or printed.get(slug) or slug for slug in sorted(set(rows["publisher_id"]))}


def printed_publisher_names(rows: pd.DataFrame) -> dict[str, str]:
    """publisher_id -> the name the publisher prints most often in its files."""
    if "publisher" not in rows.columns or rows.empty:
        return {}
    named = rows[rows["publisher"].notna()]
    counts = named.groupby(["publisher_id", "publisher"]).size().reset_index(name="n")
    counts = counts.sort_values(["publisher_id", "n", "publisher"], ascending=[True, False, True])
    return dict(zip(counts.drop_duplicates("publisher_id")["publisher_id"], counts.drop_duplicates("publisher_id")["publisher"]))
