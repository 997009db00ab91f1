"""Questions asked of the payments and notices tables: pure functions over DataFrames.

Money stays exact: every total is a sum of `Decimal`s, never of floats; shares are `Decimal` ratios.
Rows whose `duplicate_of` is set (a transaction already published in an earlier file) are dropped before
anything is counted (`countable`), so a payment published twice is counted once.

Main entry points:
    match_supplier(payments, "optum")        -> which rows a supplier text means, and how it matched
    payments_by_month(payments, "optum")     -> a supplier's payments by publisher and month
    top_suppliers(payments, publisher_id=...) / concentration(...) / sector_shares(...)
    award_lines(notices, awards, award_suppliers) -> one row per award and supplier, deduplicated
    contracts_against_payments(lines, payments)   -> each award against the payments made under it
    payments_without_notice(payments, lines)      -> payments no harvested award covers
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Iterable

import pandas as pd

from spend.core.errors import PaymentsInputError
from spend.suppliers.sectors import SECTORS

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.000001")

# supplier_kind values (spend.suppliers.kinds) whose published name is, or stands for, an individual's: a named
# person, or a row the publisher redacted because it names one. Exports withhold these names.
INDIVIDUAL_KINDS = frozenset({"person", "redacted"})


# --- money and dates -------------------------------------------------------------------------------------


def money_sum(values: Iterable) -> Decimal:
    """The exact sum of Decimal amounts (None and NaN skipped), to the penny."""
    total = ZERO
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            continue
        total += v if isinstance(v, Decimal) else Decimal(str(v))
    return total.quantize(CENT)


def format_gbp(amount: Decimal | int | float | None, *, pence: bool = True) -> str:
    """'£1,234,567.89' (or '£1,234,568' with pence=False); negatives as '-£1,234.00'."""
    if amount is None:
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.2f}" if pence else f"{abs(value):,.0f}"
    return f"{sign}£{text}"


def as_date(value) -> date | None:
    """A `datetime.date` from a date, datetime or Timestamp; None for blanks."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def month_of(value) -> str | None:
    """'2020-04' for a date in April 2020; None for a blank date."""
    d = as_date(value)
    return f"{d.year:04d}-{d.month:02d}" if d else None


@dataclass(frozen=True)
class Period:
    """Dates from `start` to `end`, both included; either may be open (None)."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> "Period":
        """From 'YYYY-MM' or 'YYYY-MM-DD' bounds: a month as `end` means its last day."""
        return cls(_parse_bound(start, last=False), _parse_bound(end, last=True))

    def contains(self, value) -> bool:
        d = as_date(value)
        if d is None:
            return False
        return (self.start is None or d >= self.start) and (self.end is None or d <= self.end)

    def months(self) -> list[str]:
        """Every month the period touches, 'YYYY-MM'; needs both ends."""
        if self.start is None or self.end is None:
            raise ValueError("an open period has no list of months")
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def describe(self) -> str:
        return f"{self.start or '...'} to {self.end or '...'}"


_BOUND = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _parse_bound(text: str | None, *, last: bool) -> date | None:
    if text is None or str(text).strip() == "":
        return None
    match = _BOUND.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)")
    y, m, d = int(match[1]), int(match[2]), match[3]
    if d is not None:
        return date(y, m, int(d))
    return date(y, m, calendar.monthrange(y, m)[1] if last else 1)


def month_spans(months: list[str]) -> list[tuple[str, str]]:
    """Consecutive runs of months: ['2018-04', '2018-05', '2018-09'] -> [('2018-04', '2018-05'), ('2018-09', '2018-09')]."""
    spans: list[tuple[str, str]] = []
    for m in sorted(months):
        if spans and _next_month(spans[-1][1]) == m:
            spans[-1] = (spans[-1][0], m)
        else:
            spans.append((m, m))
    return spans


def _next_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"


def format_month_spans(months: Iterable[str]) -> str:
    """'2014-07..2015-06, 2016-01': months written as their consecutive runs."""
    return ", ".join(a if a == b else f"{a}..{b}" for a, b in month_spans(list(months)))


def months_of_period(label) -> list[str]:
    """The months a stored period label covers: '2020-04' -> ['2020-04']; '2014-04..2014-06' -> the three
    months (the store's `files.period` and the raw store's provenance records use these labels).
    Anything else (None, a blank, a label of another form) covers no month."""
    first, _, last = str(label).partition("..")
    try:
        return Period.parse(first, last or first).months()
    except ValueError:
        return []


# --- selecting rows ----------------------------------------------------------------------------------------


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
    from spend.sources.registry import load_publishers

    return load_publishers()


def registry_publisher_names() -> dict[str, list[str]]:
    """slug -> the names the publisher registry gives the body."""
    return {p.slug: [p.name] for p in _registry()}


def nhs_publishers(payments: pd.DataFrame) -> list[str]:
    """The publishers in `payments` that are NHS bodies: by their kind in the publisher registry, or, for
    one the registry does not hold, by the word NHS in the name its files print."""
    kinds = {p.slug: p.kind for p in _registry()}
    names = _publisher_names(payments)
    found = []
    for slug in sorted(set(payments["publisher_id"])):
        if slug in kinds:
            is_nhs = kinds[slug] in NHS_KINDS
        else:
            is_nhs = bool(re.search(r"\bNHS\b", str(names.get(slug, "")), re.IGNORECASE))
        if is_nhs:
            found.append(slug)
    return found


# --- a supplier's payments --------------------------------------------------------------------------------


def _publisher_names(rows: pd.DataFrame) -> dict[str, str]:
    """publisher_id -> the name the publisher prints most often in its files."""
    if "publisher" not in rows.columns or rows.empty:
        return {}
    named = rows[rows["publisher"].notna()]
    counts = named.groupby(["publisher_id", "publisher"]).size().reset_index(name="n")
    counts = counts.sort_values(["publisher_id", "n", "publisher"], ascending=[True, False, True])
    return dict(zip(counts.drop_duplicates("publisher_id")["publisher_id"], counts.drop_duplicates("publisher_id")["publisher"]))


def payments_by_month(
    payments: pd.DataFrame, supplier: str, *, publisher_id: str | Iterable[str] | None = None,
    period: Period | None = None,
) -> pd.DataFrame:
    """One row per publisher and month: publisher_id, publisher, month ('YYYY-MM'), payments, amount_gbp.

    `supplier` is a group, id or name (see `match_supplier`); the match is in `frame.attrs['match']`.
    """
    rows, match = supplier_payments(payments, supplier, publisher_id=publisher_id, period=period)
    out = monthly_totals(rows)
    out.attrs["match"] = match
    return out


def monthly_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """Totals of payment rows by publisher and month (rows without a date are left out: no month)."""
    columns = ["publisher_id", "publisher", "month", "payments", "amount_gbp"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({
        "publisher_id": rows["publisher_id"].to_numpy(),
        "month": [month_of(d) for d in rows["payment_date"]],
        "amount_gbp": rows["amount_gbp"].to_numpy(),
    })
    frame = frame[frame["month"].notna()]
    grouped = frame.groupby(["publisher_id", "month"], sort=True)["amount_gbp"]
    out = pd.DataFrame({"payments": grouped.size(), "amount_gbp": grouped.agg(money_sum)}).reset_index()
    names = _publisher_names(rows)
    out.insert(1, "publisher", out["publisher_id"].map(names))
    return out[columns]


# --- who gets paid -----------------------------------------------------------------------------------------


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(SHARE_PLACES) if whole else None


def supplier_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """Net totals by supplier id, largest first: supplier_id, supplier_name, supplier_group, supplier_kind,
    payments, amount_gbp. Rows with no supplier id (blank, redacted, totals) are left out."""
    columns = ["supplier_id", "supplier_name", "supplier_group", "supplier_kind", "payments", "amount_gbp"]
    known = rows[rows["supplier_id"].notna()]
    if known.empty:
        return pd.DataFrame(columns=columns)
    grouped = known.groupby("supplier_id", sort=False)
    out = pd.DataFrame({
        "supplier_name": grouped["supplier_name"].first(),
        "supplier_group": grouped["supplier_group"].first(),
        "supplier_kind": grouped["supplier_kind"].first(),
        "payments": grouped.size(),
        "amount_gbp": grouped["amount_gbp"].agg(money_sum),
    }).reset_index()
    # Sort on exact amounts (a Decimal column sorts as Python objects); ties by id, for a stable order.
    order = sorted(range(len(out)), key=lambda i: (-out["amount_gbp"].iat[i], out["supplier_id"].iat[i]))
    return out.iloc[order].reset_index(drop=True)[columns]


def top_suppliers(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
    n: int = 10,
) -> pd.DataFrame:
    """The `n` suppliers paid most (net), with rank and share; the share is of the same total as
    `concentration`'s (identified suppliers with a positive net total), so the two agree."""
    totals = supplier_totals(select_payments(payments, publisher_id=publisher_id, period=period))
    whole = money_sum(a for a in totals["amount_gbp"] if a > 0)
    top = totals.head(n).copy()
    top.insert(0, "rank", range(1, len(top) + 1))
    top["share"] = [_share(a, whole) for a in top["amount_gbp"]]
    return top


@dataclass(frozen=True)
class Concentration:
    """How much of a publisher's money goes to its largest suppliers.

    Shares are of `total_gbp`, the net total of the suppliers whose net total is positive (a supplier that
    was refunded more than it was paid has no meaningful share). HHI is the Herfindahl-Hirschman index on
    percentage shares: 10,000 when one supplier takes everything, near 0 when spend is spread thinly.
    """

    total_gbp: Decimal
    suppliers: int
    top5_share: Decimal | None
    top10_share: Decimal | None
    hhi: Decimal | None
    unidentified_gbp: Decimal  # rows with no supplier id (blank, redacted, totals lines)
    net_negative_suppliers: int


def concentration(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
) -> Concentration:
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    totals = supplier_totals(rows)
    positive = [a for a in totals["amount_gbp"] if a > 0]
    whole = money_sum(positive)
    hhi = None
    if whole:
        hhi = sum(((a / whole) * 100) ** 2 for a in positive).quantize(CENT)
    return Concentration(
        total_gbp=whole,
        suppliers=len(positive),
        top5_share=_share(money_sum(positive[:5]), whole),
        top10_share=_share(money_sum(positive[:10]), whole),
        hhi=hhi,
        unidentified_gbp=money_sum(rows.loc[rows["supplier_id"].isna(), "amount_gbp"]),
        net_negative_suppliers=sum(1 for a in totals["amount_gbp"] if a < 0),
    )


def sector_of(name, kind, classify: Callable[[str | None, str | None], str]) -> str:
    """The sector of one supplier by `classify(name, kind)`: nhs, public, charity, company, individual,
    excluded or unknown (anything else the classifier says is 'unknown').

    A named individual is 'individual' before the classifier is asked, so no classifier ever reads a
    person's name."""
    if kind == "person":
        return "individual"
    sector = classify(name, kind)
    return sector if sector in SECTORS else "unknown"


def _classified_sectors(rows: pd.DataFrame, classify: Callable[[str | None, str | None], str]) -> list[str]:
    """Each row's sector by `classify`, on the canonical supplier name (the published one when there is none);
    each distinct (name, kind) is classified once."""
    names = rows["supplier_name"].where(rows["supplier_name"].notna(), rows["supplier_name_raw"])
    cache: dict[tuple, str] = {}
    sectors = []
    for name, kind in zip(names.tolist(), rows["supplier_kind"].tolist()):
        name = None if name is None or (isinstance(name, float) and name != name) else name
        if (name, kind) not in cache:
            cache[(name, kind)] = sector_of(name, kind, classify)
        sectors.append(cache[(name, kind)])
    return sectors


def sector_shares(
    payments: pd.DataFrame, *, publisher_id: str | Iterable[str] | None = None, period: Period | None = None,
    classify: Callable[[str | None, str | None], str] | None = None,
) -> pd.DataFrame:
    """Money by supplier sector: sector, suppliers, payments, amount_gbp, share (of the net total of all rows).

    A row's sector is the store's `supplier_sector`: decided by spend.suppliers.sectors when the store was
    built, once per supplier over all of its spellings. `classify(name, kind)` puts another classifier in its
    place (to try a rule, or to classify payments that were not built into a store).
    `frame.attrs['classifier']` says which was used."""
    rows = select_payments(payments, publisher_id=publisher_id, period=period)
    if classify is not None:
        sectors = _classified_sectors(rows, classify)
        used = f"{classify.__module__}.{classify.__name__}"
    elif "supplier_sector" in rows.columns:
        # Blank only when the build had no supplier names to resolve; such a row counts as unknown.
        sectors = [s if s in SECTORS else "unknown" for s in rows["supplier_sector"].fillna("unknown")]
        used = "supplier_sector column"
    else:
        raise PaymentsInputError(None, "these payments have no supplier_sector column: read them from the store "
                                       "(spend.store.load_payments) or pass classify=")
    frame = pd.DataFrame({
        "sector": sectors, "supplier_id": rows["supplier_id"].to_numpy(), "amount_gbp": rows["amount_gbp"].to_numpy(),
    })
    whole = money_sum(frame["amount_gbp"])
    out = []
    for sector in SECTORS:
        part = frame[frame["sector"] == sector]
        amount = money_sum(part["amount_gbp"])
        out.append({
            "sector": sector, "suppliers": part["supplier_id"].dropna().nunique(), "payments": len(part),
            "amount_gbp": amount, "share": _share(amount, whole),
        })
    result = pd.DataFrame(out, columns=["sector", "suppliers", "payments", "amount_gbp", "share"])
    result.attrs["classifier"] = used
    return result


# --- contracts against payments ---------------------------------------------------------------------------


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
    for slug, name in _publisher_names(payments).items():
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
    "ocid", "award_id", "release_id", "buyer_name", "supplier_name_raw", "supplier_key", "supplier_group",
    "company_number", "suppliers_on_award", "value_amount", "award_date", "period_start", "period_end",
    "period_basis", "award_status", "title", "source_file", "source_locator",
]


def empty_award_lines() -> pd.DataFrame:
    """Award lines when no notices have been harvested: every question about awards has an empty answer."""
    return pd.DataFrame(columns=AWARD_LINE_COLUMNS)


def award_lines(notices: pd.DataFrame, awards: pd.DataFrame, award_suppliers: pd.DataFrame) -> pd.DataFrame:
    """One row per award and supplier, from the latest release that carries it.

    Columns: ocid, award_id, release_id, buyer_name, supplier_name_raw, supplier_key, supplier_group,
    company_number, suppliers_on_award, value_amount, award_date, period_start, period_end, period_basis,
    award_status, title, source_file, source_locator. The contract period is the award's own, else the notice's;
    when neither is published the period starts at the award date and is open-ended (`period_basis` says which).
    An award's value is for the whole award: when it has several suppliers (a framework) it is not any one
    supplier's value, which `suppliers_on_award` shows.
    """
    from spend.suppliers import make_key
    from spend.suppliers.groups import find_group

    columns = AWARD_LINE_COLUMNS
    if awards.empty:
        return empty_award_lines()
    release = notices[["ocid", "release_id", "date", "buyer_name", "contract_period_start", "contract_period_end"]].rename(
        columns={"date": "release_date", "contract_period_start": "notice_start", "contract_period_end": "notice_end"})
    lines = awards.merge(release, on=["ocid", "release_id"], how="left").merge(
        award_suppliers[["ocid", "release_id", "award_id", "supplier_name_raw", "company_number"]],
        on=["ocid", "release_id", "award_id"], how="left")
    lines["supplier_key"] = [make_key(n) if isinstance(n, str) else "" for n in lines["supplier_name_raw"]]
    # Latest release wins: a later release of the same award carries its amended value or dates.
    lines = lines.sort_values(["release_date", "release_id"], na_position="first")
    lines = lines.drop_duplicates(["ocid", "award_id", "supplier_key"], keep="last")
    per_award = lines.groupby(["ocid", "award_id"])["supplier_key"].transform("size")
    out = pd.DataFrame({
        "ocid": lines["ocid"], "award_id": lines["award_id"], "release_id": lines["release_id"],
        "buyer_name": lines["buyer_name"], "supplier_name_raw": lines["supplier_name_raw"],
        "supplier_key": lines["supplier_key"],
        "supplier_group": [find_group([k]) if k else None for k in lines["supplier_key"]],
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
    return out[columns].reset_index(drop=True)


def _supplier_index(rows: pd.DataFrame) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """supplier key -> supplier ids, and company number -> supplier ids, from the payments."""
    from spend.suppliers import make_key

    by_key: dict[str, set[str]] = {}
    by_number: dict[str, set[str]] = {}
    known = rows[rows["supplier_id"].notna()]
    pairs = known[["supplier_name_raw", "supplier_id"]].drop_duplicates()
    for name, sid in zip(pairs["supplier_name_raw"], pairs["supplier_id"]):
        if isinstance(name, str):
            by_key.setdefault(make_key(name), set()).add(sid)
    if "company_number" in known.columns:
        numbered = known[known["company_number"].notna()][["company_number", "supplier_id"]].drop_duplicates()
        for number, sid in zip(numbered["company_number"], numbered["supplier_id"]):
            by_number.setdefault(str(number), set()).add(sid)
    return by_key, by_number


def contracts_against_payments(
    lines: pd.DataFrame, payments: pd.DataFrame, *, supplier: str | None = None,
    aliases: dict[str, str] | None = None, publisher_names: dict[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """For each award line (see `award_lines`), the payments from the buyer to the supplier during the
    contract period, against the award value.

    The buyer is tied to a publisher by `match_buyers`; the supplier to the payments' supplier ids by equal
    supplier key (spend.suppliers.make_key of the published names) or equal Companies House number.
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
    by_key, by_number = _supplier_index(rows)
    in_store = set(rows["publisher_id"])
    records = []
    for line in out.itertuples(index=False):
        ids: set[str] = set()
        how = []
        if line.supplier_key and line.supplier_key in by_key:
            ids |= by_key[line.supplier_key]
            how.append("supplier key")
        if isinstance(line.company_number, str) and line.company_number in by_number:
            ids |= by_number[line.company_number]
            how.append("company number")
        record = {"supplier_ids": ";".join(sorted(ids)) or None, "supplier_match": " and ".join(how) or None}
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


def summarise_by_supplier(rows: pd.DataFrame) -> pd.DataFrame:
    """Payment rows totalled by publisher and supplier, largest first: publisher_id, supplier_id,
    supplier_name, payments, amount_gbp."""
    columns = ["publisher_id", "supplier_id", "supplier_name", "payments", "amount_gbp"]
    known = rows[rows["supplier_id"].notna()]
    if known.empty:
        return pd.DataFrame(columns=columns)
    grouped = known.groupby(["publisher_id", "supplier_id"], sort=False)
    out = pd.DataFrame({
        "supplier_name": grouped["supplier_name"].first(), "payments": grouped.size(),
        "amount_gbp": grouped["amount_gbp"].agg(money_sum),
    }).reset_index()
    order = sorted(range(len(out)), key=lambda i: (-out["amount_gbp"].iat[i], out["publisher_id"].iat[i],
                                                   out["supplier_id"].iat[i]))
    return out.iloc[order].reset_index(drop=True)[columns]
