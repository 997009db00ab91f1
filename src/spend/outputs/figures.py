"""Published figures, and whether the store reproduces them: `spend figures check`.

The registry (spend/data/figures.yaml) holds each claim with its source, the query that reproduces it, the
expected value (exact) and the tolerance. `check_figures(data_dir)` answers, for each figure:

- match: the store gives the expected value, within the tolerance;
- mismatch: the data the query needs is in the store, and gives another value (the difference and the rows
  behind the computed value are in the result);
- not_available: the data is not in the store; the result names the command that would fetch it.

"Not available" is decided from what the store holds, never assumed: a payments figure needs, from every
publisher it names, every month of its period (a payment dated in the month, or a parsed file for the month
in the store's files table); an awards figure needs the notices tables and at least
one award matching its buyer and supplier (notices are harvested by search, so finding none means "not
harvested", not "zero").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from msgspec import Meta, Struct
from msgspec.structs import force_setattr

from spend.analysis.contracts import load_award_lines
from spend.analysis.selection import select_payments
from spend.core.money import format_gbp, money_sum
from spend.analysis.coverage import file_months
from spend.core.periods import Period, PeriodError, as_date, month_of, month_spans
from spend.core.errors import PaymentsInputError, SpendError
from spend.core.models import convert

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "figures.yaml"
NOT_RECORDED = "not recorded"
STATUSES = ("match", "mismatch", "not_available")
KINDS = ("payments", "awards")

PAYMENT_COLUMNS = ["publisher_id", "payment_date", "transaction_id", "amount_gbp", "supplier_name_raw",
                   "supplier_id", "source_file", "source_locator"]
AWARD_COLUMNS = ["ocid", "award_id", "buyer_name", "supplier_name_raw", "value_amount", "award_date",
                 "source_file", "source_locator"]


class FiguresFileError(SpendError):
    """The figures registry is malformed (a missing field, money written as a float, an unknown kind)."""


# What the registry's fields must be. Money is written as a quoted string so that YAML never reads a float.
Money = Annotated[str, Meta(pattern=r"^\s*[+-]?[0-9]+(?:\.[0-9]+)?\s*$",
                            description='a decimal number written as a quoted string ("276000.00")')]
Text = Annotated[str, Meta(pattern=r"\S", description=f'text (write "{NOT_RECORDED}" when it is not known)')]


class Source(Struct, frozen=True, forbid_unknown_fields=True):
    """Where a claim was published; only details checked against the publication, else "not recorded"."""

    publication: Text
    date: Annotated[str, Meta(pattern=rf"^(?:[0-9]{{4}}(?:-[0-9]{{2}}(?:-[0-9]{{2}})?)?|{NOT_RECORDED})$",
                              description=f'YYYY[-MM[-DD]] or "{NOT_RECORDED}"')]
    url: Annotated[str, Meta(pattern=rf"^(?:https?://\S+|{NOT_RECORDED})$",
                             description=f'an http(s) URL or "{NOT_RECORDED}"')]

    def __post_init__(self) -> None:
        force_setattr(self, "publication", " ".join(self.publication.split()))


class SupplierSelector(Struct, frozen=True, forbid_unknown_fields=True):
    """Exactly one of: a supplier group, a supplier id, or a name pattern (regular expression, case ignored)."""

    group: str | None = None
    id: str | None = None
    name: str | None = None

    def describe(self) -> str:
        if self.group:
            return f"supplier group {self.group!r}"
        if self.id:
            return f"supplier id {self.id!r}"
        return f"supplier name matching /{self.name}/"


@dataclass(frozen=True)
class Query:
    kind: str
    supplier: SupplierSelector
    period: Period
    period_text: tuple[str, str]
    publishers: tuple[str, ...] = ()
    buyer: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class Tolerance:
    """How far the computed value may be from the expected one: the larger of `absolute` and
    `relative` x |expected|. Zero for a claim made to the penny."""

    absolute: Decimal = Decimal("0")
    relative: Decimal | None = None
    why: str | None = None

    def allowed(self, expected: Decimal) -> Decimal:
        by_share = (abs(expected) * self.relative) if self.relative is not None else Decimal("0")
        return max(self.absolute, by_share)

    def describe(self) -> str:
        if self.relative is not None:
            return f"within {self.relative * 100:g}%"
        return "exact" if not self.absolute else f"within {format_gbp(self.absolute)}"


@dataclass(frozen=True)
class Figure:
    id: str
    claim: str
    source: Source
    query: Query
    expected: Decimal
    tolerance: Tolerance


@dataclass
class FigureResult:
    figure: Figure
    status: str  # one of STATUSES
    reason: str
    value: Decimal | None = None
    difference: Decimal | None = None  # value - expected
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rows behind the computed value
    fetch_command: str | None = None

    @property
    def id(self) -> str:
        return self.figure.id


# --- the registry ----------------------------------------------------------------------------------------


class _QueryEntry(Struct, forbid_unknown_fields=True, rename={"start": "from", "end": "to"}):
    kind: Literal[KINDS]
    supplier: SupplierSelector
    start: str
    end: str
    publishers: Annotated[tuple[str, ...], Meta(description="a list of registry slugs")] = ()
    buyer: str | None = None
    search: str | None = None


class _ToleranceEntry(Struct, forbid_unknown_fields=True):
    why: str | None = None
    absolute: Money = "0"
    relative: Money | None = None


class _FigureEntry(Struct, forbid_unknown_fields=True):
    id: Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$",
                            description="a figure id (lower-case letters, digits and hyphens)")]
    claim: Text
    source: Source
    query: _QueryEntry
    expected: Money
    tolerance: Money | _ToleranceEntry = "0"


def _figure(index: int, item: Any, path: Path) -> Figure:
    fid = item.get("id") if isinstance(item, dict) else None
    where = f"figure {fid}" if isinstance(fid, str) else f"entry {index + 1} of 'figures'"

    def fail(reason: str) -> FiguresFileError:
        return FiguresFileError(path, reason)

    entry = convert(item, _FigureEntry, fail, where=where, root="each entry of 'figures'")

    def check(ok: bool, reason: str) -> None:
        if not ok:
            raise fail(f"{where}: {reason}")

    # What the model does not say: how the fields of a query go together, and that patterns compile.
    q, supplier = entry.query, entry.query.supplier
    check(sum(bool(v) for v in (supplier.group, supplier.id, supplier.name)) == 1,
          "give exactly one of supplier group, id or name")
    check(not (error := _pattern_error(supplier.name)), f"supplier name pattern: {error}")
    try:
        period = Period.between(q.start, q.end)
    except PeriodError as e:
        raise fail(f"{where}: query from/to: {e.reason}") from None
    check(period.start is not None and period.end is not None, "query needs both 'from' and 'to'")
    if q.kind == "payments":
        check(bool(q.publishers), "a payments query names its publishers (registry slugs)")
    else:
        check(bool(q.buyer), "an awards query gives a buyer name pattern")
        check(not supplier.id, "awards carry no supplier id; use a group or a name pattern")
        check(not (error := _pattern_error(q.buyer)), f"buyer pattern: {error}")
    query = Query(kind=q.kind, supplier=supplier, period=period, period_text=(q.start, q.end),
                  publishers=q.publishers, buyer=q.buyer, search=q.search)

    tol = entry.tolerance
    if isinstance(tol, _ToleranceEntry):
        check(bool(tol.why), "a tolerance other than exact says why")
        tolerance = Tolerance(absolute=Decimal(tol.absolute), relative=Decimal(tol.relative) if tol.relative else None,
                              why=" ".join(tol.why.split()))
    else:
        tolerance = Tolerance(absolute=Decimal(tol))
    return Figure(entry.id, " ".join(entry.claim.split()), entry.source, query, Decimal(entry.expected), tolerance)


def _pattern_error(pattern: str | None) -> str | None:
    """Why a regular expression does not compile (None when it does, or when there is none)."""
    try:
        re.compile(pattern or "")
    except re.error as e:
        return str(e)
    return None


def load_figures(path: str | Path | None = None) -> list[Figure]:
    """The registered figures (the package's registry, or another file with the same layout)."""
    path = Path(path) if path else REGISTRY
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise FiguresFileError(path, f"cannot read the figures registry: {e}") from None
    document = convert(document, dict[str, Any], lambda reason: FiguresFileError(path, reason), root="the registry")
    entries = document.get("figures")
    if not isinstance(entries, list) or not entries:
        raise FiguresFileError(path, "no 'figures' list")
    figures = [_figure(i, e, path) for i, e in enumerate(entries)]
    ids = [f.id for f in figures]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise FiguresFileError(path, f"figure id(s) used twice: {', '.join(repeated)}")
    return figures


def get_figure(figure_id: str, path: str | Path | None = None) -> Figure:
    """The registered figure with this id; `FiguresFileError` naming the registry when there is none."""
    for figure in load_figures(path):
        if figure.id == figure_id:
            return figure
    raise FiguresFileError(Path(path) if path else REGISTRY, f"no figure with id {figure_id}")


# --- checking ---------------------------------------------------------------------------------------------


def payments_fetch_command(publisher: str, start: str, end: str) -> str:
    """How to get a publisher's files for some months: fetch them from its landing page, or, where none is
    known, add files downloaded by hand."""
    from spend.analysis.selection import registered_publisher

    period = start if start == end else f"{start}..{end}"
    entry = registered_publisher(publisher)
    if entry is not None and not entry.landing_pages:
        return (f"spend add FOLDER --publisher {publisher} && spend build (no landing page is known for "
                f"{entry.name}: download its spend files for {period} into FOLDER first)")
    return f"spend fetch --publisher {publisher} --period {period} && spend build"


def awards_fetch_command(query: Query) -> str:
    term = query.search or query.supplier.group or query.supplier.id or re.sub(r"[^A-Za-z0-9 ]+", " ", query.supplier.name or "").strip()
    start, end = query.period.start.isoformat(), query.period.end.isoformat()
    quoted = f'"{term}"' if " " in term else term
    return f"spend notices fetch --source contracts-finder --supplier {quoted} --from {start} --to {end} && spend notices build"


def _select_supplier(rows: pd.DataFrame, selector: SupplierSelector, *, name_columns: tuple[str, ...]) -> pd.Series:
    if selector.group:
        return rows["supplier_group"].astype(object).eq(selector.group).fillna(False).astype(bool)
    if selector.id:
        return rows["supplier_id"].astype(object).eq(selector.id).fillna(False).astype(bool)
    pattern = re.compile(selector.name, re.IGNORECASE)
    mask = pd.Series(False, index=rows.index)
    for column in name_columns:
        if column in rows.columns:
            mask |= pd.Series([isinstance(v, str) and bool(pattern.search(v)) for v in rows[column]],
                              index=rows.index, dtype=bool)
    return mask


def _body_name(slug: str) -> str:
    from spend.analysis.selection import registered_publisher

    entry = registered_publisher(slug)
    return entry.name if entry is not None else slug


def _compare(figure: Figure, value: Decimal, rows: pd.DataFrame, what: str) -> FigureResult:
    difference = value - figure.expected
    allowed = figure.tolerance.allowed(figure.expected)
    status = "match" if abs(difference) <= allowed else "mismatch"
    reason = f"{what}; {figure.tolerance.describe()}"
    if status == "mismatch":
        reason += f": off by {format_gbp(difference)}"
    return FigureResult(figure, status, reason, value=value, difference=difference, rows=rows)


def check_payments_figure(figure: Figure, payments: pd.DataFrame | None, *, where: str = "the store",
                          covered: dict[str, set[str]] | None = None) -> FigureResult:
    """Check a payments figure against the store's payments table (None: there is no store).

    A month counts as present for a publisher when the store holds a payment of it dated that month, or
    parsed a file of it for that month (`covered`, from `file_months`): a month whose file was parsed but
    paid nothing to anyone is data, not a gap."""
    query = figure.query
    months = query.period.months()
    if payments is None:
        commands = [payments_fetch_command(p, months[0], months[-1]) for p in query.publishers]
        return FigureResult(figure, "not_available", f"no payments store in {where}",
                            fetch_command="; ".join(commands))
    missing: dict[str, list[str]] = {}
    for publisher in query.publishers:
        present = {month_of(d) for d in payments.loc[payments["publisher_id"] == publisher, "payment_date"]}
        present |= (covered or {}).get(publisher, set())
        gaps = [m for m in months if m not in present]
        if gaps:
            missing[publisher] = gaps
    if missing:
        parts, commands = [], []
        for publisher, gaps in missing.items():
            spans = ", ".join(Period.between(a, b).for_reader() for a, b in month_spans(gaps))
            parts.append(f"{_body_name(publisher)} has no payments in the store for {spans}")
            commands.extend(payments_fetch_command(publisher, a, b) for a, b in month_spans(gaps))
        return FigureResult(figure, "not_available", "; ".join(parts), fetch_command="; ".join(commands))
    rows = select_payments(payments, publisher_id=list(query.publishers), period=query.period)
    rows = rows[_select_supplier(rows, query.supplier, name_columns=("supplier_name_raw", "supplier_name"))]
    rows = rows.sort_values(["publisher_id", "payment_date", "source_file", "source_locator"])
    value = money_sum(rows["amount_gbp"])
    what = (f"{len(rows)} payment(s) to {query.supplier.describe()} from "
            f"{', '.join(map(_body_name, query.publishers))}, {query.period.for_reader()}")
    return _compare(figure, value, rows[[c for c in PAYMENT_COLUMNS if c in rows.columns]].reset_index(drop=True), what)


def check_awards_figure(figure: Figure, lines: pd.DataFrame | None, *, where: str = "the store") -> FigureResult:
    """Check an awards figure against award lines (spend.analysis.award_lines; None: no notices tables)."""
    query = figure.query
    command = awards_fetch_command(query)
    if lines is None:
        return FigureResult(figure, "not_available", f"no notices tables (awards) in {where}", fetch_command=command)
    buyer = re.compile(query.buyer, re.IGNORECASE)
    chosen = lines[[isinstance(b, str) and bool(buyer.search(b)) for b in lines["buyer_name"]]]
    chosen = chosen[_select_supplier(chosen, query.supplier, name_columns=("supplier_name_raw",))]
    # An award is placed in time by its award date, or by its contract start when it has no date.
    when = [as_date(a) or as_date(s) for a, s in zip(chosen["award_date"], chosen["period_start"])]
    chosen = chosen[[query.period.contains(d) for d in when]]
    if chosen.empty:
        reason = (f"none of the {lines[['ocid', 'award_id']].drop_duplicates().shape[0]} harvested award(s) is from a "
                  f"buyer matching /{query.buyer}/ to {query.supplier.describe()}, {query.period.describe()}")
        return FigureResult(figure, "not_available", reason, fetch_command=command)
    awards = chosen.drop_duplicates(["ocid", "award_id"])
    unvalued = int(awards["value_amount"].isna().sum())
    value = money_sum(awards["value_amount"])
    what = f"{len(awards)} award(s) to {query.supplier.describe()}"
    if unvalued:
        what += f" ({unvalued} without a published value)"
    return _compare(figure, value, chosen[AWARD_COLUMNS].reset_index(drop=True), what)


def check_figure(figure: Figure, payments: pd.DataFrame | None, lines: pd.DataFrame | None, *,
                 where: str = "the store", covered: dict[str, set[str]] | None = None) -> FigureResult:
    if figure.query.kind == "payments":
        return check_payments_figure(figure, payments, where=where, covered=covered)
    return check_awards_figure(figure, lines, where=where)


def check_figures(data_dir: str | Path | None = None, *, figures: list[Figure] | None = None,
                  registry: str | Path | None = None) -> list[FigureResult]:
    """Check every registered figure (or `figures`) against the store in `data_dir` (default: SPEND_DATA)."""
    from spend.core.config import data_dir as default_data_dir
    from spend.store.read import load_files, load_payments

    figures = figures if figures is not None else load_figures(registry)
    where = str(Path(data_dir or default_data_dir()))
    kinds = {f.query.kind for f in figures}
    payments = lines = None
    covered: dict[str, set[str]] = {}
    if "payments" in kinds:
        try:
            payments = load_payments(data_dir)
        except PaymentsInputError:
            payments = None
        files = load_files(data_dir, columns=["publisher_id", "period", "status"])
        if payments is not None and files is not None:
            covered = file_months(files)
    if "awards" in kinds:
        lines = load_award_lines(data_dir)
    return [check_figure(f, payments, lines, where=where, covered=covered) for f in figures]


def result_for(results: list[FigureResult], figure_id: str) -> FigureResult:
    for r in results:
        if r.id == figure_id:
            return r
    raise KeyError(figure_id)


# --- output -----------------------------------------------------------------------------------------------


def format_results(results: list[FigureResult], *, max_rows: int = 30) -> str:
    """A table of results, then for each figure the reason, the fetch command or the rows behind a mismatch."""
    header = ("figure", "status", "expected", "computed", "difference")
    table = [header] + [
        (r.id, r.status.replace("_", " "), format_gbp(r.figure.expected),
         format_gbp(r.value) if r.value is not None else "-",
         format_gbp(r.difference) if r.difference is not None else "-")
        for r in results
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in table]
    for r in results:
        lines.append("")
        lines.append(f"{r.id}: {r.status.replace('_', ' ')}: {r.reason}")
        lines.append(f"  claim: {r.figure.claim}")
        if r.fetch_command:
            lines.append(f"  to fetch the data: {r.fetch_command}")
        if r.status == "mismatch":
            lines.append(f"  rows behind the computed value ({len(r.rows)}):")
            shown = r.rows.head(max_rows)
            for row in shown.itertuples(index=False):
                d = row._asdict()
                amount = d.get("amount_gbp", d.get("value_amount"))
                when = d.get("payment_date", d.get("award_date"))
                ref = d.get("transaction_id", d.get("award_id"))
                lines.append(f"    {when}  {ref}  {format_gbp(amount)}  {d.get('supplier_name_raw')}  "
                             f"{d.get('source_file')} ({d.get('source_locator')})")
            if len(r.rows) > max_rows:
                lines.append(f"    ... and {len(r.rows) - max_rows} more")
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    lines.append("")
    lines.append(f"{counts['match']} match, {counts['mismatch']} mismatch, {counts['not_available']} not available")
    return "\n".join(lines)


def about_supplier(figures: list[Figure], supplier: str, payments: pd.DataFrame | None = None) -> list[Figure]:
    """The registered figures about `supplier` (as a notebook's parameter gives it: a group, an id or part of
    a name): its group or id named either way round, or its name pattern matching the text; with `payments`,
    also a figure whose group, id or name pattern selects any of the rows `supplier` selects there."""
    needle = supplier.strip().casefold()
    groups: set[str] = set()
    ids: set[str] = set()
    names: set[str] = {supplier}
    if payments is not None and len(payments):
        from spend.analysis.selection import match_supplier

        rows = payments[match_supplier(payments, supplier).mask]
        groups = {g.casefold() for g in rows["supplier_group"].dropna()} if "supplier_group" in rows.columns else set()
        ids = set(rows["supplier_id"].dropna()) if "supplier_id" in rows.columns else set()
        names |= set(rows["supplier_name_raw"].dropna()) | set(rows.get("supplier_name", pd.Series()).dropna())
    found = []
    for f in figures:
        chosen = f.query.supplier
        named = [v.casefold() for v in (chosen.group, chosen.id) if v]
        if (any(needle in v or v in needle for v in named) or (chosen.group or "").casefold() in groups
                or chosen.id in ids or (chosen.name and any(re.search(chosen.name, n, re.I) for n in names))):
            found.append(f)
    return found


def results_table(results: list[FigureResult]) -> pd.DataFrame:
    """Results as a reader's table: the claim, what the store gives, and what to do when it cannot."""
    return pd.DataFrame([{
        "claim": r.figure.claim,
        "status": r.status.replace("_", " "),
        "expected": r.figure.expected,
        "computed": r.value,
        "why": r.reason if r.status != "not_available" else f"{r.reason} To fetch the data: {r.fetch_command}",
    } for r in results], columns=["claim", "status", "expected", "computed", "why"])
