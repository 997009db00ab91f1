"""The review loop: candidate merges an analyst decides on, and reading their decisions back.

`build_review` lists every pair of suppliers the automatic steps would not merge on their own but that look
alike (the review band), plus merges that were blocked (by a contradiction, an override or different company
numbers) and names that share a VAT number or code but contradict each other. Each row carries the evidence
(names, keys, scores, shared identifiers) and how many payments and pounds each side carries; the biggest
money comes first, so an analyst's first hour goes where the figures are.

The analyst fills the `decision` column with `same` or `never` (blank: not decided) and gives the file back
to `apply_review`, which appends the decisions to the overrides file. Re-running then honours them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from spend.suppliers.errors import ReviewFileError
from spend.suppliers.overrides import append_overrides, default_overrides_path
from spend.suppliers.resolution import SupplierResolution
from spend.suppliers.totals import supplier_totals

REVIEW_COLUMNS = (
    "decision", "total_gbp", "name_a", "name_b", "payments_a", "gbp_a", "payments_b", "gbp_b", "score", "pattern",
    "evidence", "shared_identifiers", "blocked_by", "ratio", "token_sort_ratio", "token_set_ratio", "jaro_winkler",
    "key_a", "key_b", "supplier_id_a", "supplier_id_b", "method",
)
DECISIONS = {"same": "same", "yes": "same", "y": "same", "never": "never", "no": "never", "n": "never",
             "different": "never", "": "", "skip": "", "?": ""}


@dataclass(frozen=True)
class ApplyResult:
    same: int
    never: int
    undecided: int
    added: int  # rows appended to the overrides file (decisions already there are not repeated)


def build_review(resolution: SupplierResolution, annotated: pd.DataFrame | None = None) -> pd.DataFrame:
    """The review table (REVIEW_COLUMNS), biggest money first. `annotated` is the output of
    `annotate_payments` for the same resolution (without it, counts are of names, not payments)."""
    names = resolution.names[resolution.names["supplier_id"].notna()]
    supplier_of_key = dict(zip(names["supplier_key"], names["supplier_id"]))
    if annotated is not None:
        totals = supplier_totals(annotated)
        counts = dict(zip(totals["supplier_id"], totals["payments"]))
        sums = dict(zip(totals["supplier_id"], totals["amount_gbp"]))
        by_key = annotated.assign(_key=annotated["supplier_name_raw"].map(
            dict(zip(resolution.names["supplier_name_raw"], resolution.names["supplier_key"]))))
        spelling = by_key.groupby("_key")["supplier_name_raw"].agg(lambda s: s.value_counts().index[0]).to_dict()
    else:
        counts = names.groupby("supplier_id").size().to_dict()
        sums = {}
        spelling = names.groupby("supplier_key")["supplier_name_raw"].first().to_dict()

    best: dict[tuple[str, str], tuple] = {}
    for d in resolution.clustering.decisions:
        if d.key_a not in supplier_of_key or d.key_b not in supplier_of_key:
            continue
        sa, sb = supplier_of_key[d.key_a], supplier_of_key[d.key_b]
        if sa == sb or (d.band != "review" and not (d.band == "accept" and not d.applied)):
            continue
        canonical = resolution.clustering.canonical_of
        if frozenset((canonical[d.key_a], canonical[d.key_b])) in resolution.clustering.separated:
            continue  # already decided: an analyst said never
        pair = (sa, sb) if sa < sb else (sb, sa)
        if pair in best and best[pair][0] >= d.score:
            continue
        best[pair] = (d.score, d)
    rows = []
    for (sa, sb), (_, d) in best.items():
        ka, kb = (d.key_a, d.key_b) if supplier_of_key[d.key_a] == sa else (d.key_b, d.key_a)
        gbp_a, gbp_b = sums.get(sa, Decimal("0")), sums.get(sb, Decimal("0"))
        measures = {m: round(v, 1) for m, v in d.comparison.measures} if d.comparison else {}
        rows.append({
            "decision": "", "total_gbp": abs(gbp_a) + abs(gbp_b),
            "name_a": spelling.get(ka, ka), "name_b": spelling.get(kb, kb),
            "payments_a": counts.get(sa, 0), "gbp_a": gbp_a, "payments_b": counts.get(sb, 0), "gbp_b": gbp_b,
            "score": d.score, "pattern": d.pattern, "evidence": d.evidence,
            "shared_identifiers": "; ".join(d.shared), "blocked_by": d.blocked_by,
            "ratio": measures.get("ratio"), "token_sort_ratio": measures.get("token_sort_ratio"),
            "token_set_ratio": measures.get("token_set_ratio"), "jaro_winkler": measures.get("jaro_winkler"),
            "key_a": ka, "key_b": kb, "supplier_id_a": sa, "supplier_id_b": sb, "method": d.method,
        })
    frame = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
    if frame.empty:
        return frame
    frame = frame.sort_values(["total_gbp", "score", "key_a", "key_b"], ascending=[False, False, True, True])
    return frame.reset_index(drop=True)


def write_review(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the review table as CSV (money as exact decimals)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    for column in ("total_gbp", "gbp_a", "gbp_b"):
        out[column] = out[column].map(lambda v: f"{Decimal(v):.2f}" if v is not None and v == v else "")
    out.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return path


def read_decisions(path: str | Path) -> list[tuple[str, str, str, str]]:
    """(decision, key_a, key_b, evidence) for each decided row of a marked review file."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReviewFileError(path, f"cannot read the review file: {exc}") from exc
    missing = [c for c in ("decision", "key_a", "key_b") if c not in frame.columns]
    if missing:
        raise ReviewFileError(path, f"missing column(s) {', '.join(missing)}; give back a file `spend suppliers review` wrote")
    out = []
    for number, row in enumerate(frame.itertuples(index=False), start=2):
        mark = str(row.decision).strip().lower()
        if mark not in DECISIONS:
            raise ReviewFileError(path, f"decision {row.decision!r} is not same, never or blank", locator=f"line {number}")
        decision = DECISIONS[mark]
        if not row.key_a.strip() or not row.key_b.strip():
            raise ReviewFileError(path, "key_a and key_b must not be empty", locator=f"line {number}")
        out.append((decision, row.key_a, row.key_b, getattr(row, "evidence", "")))
    return out


def apply_review(path: str | Path, overrides_path: str | Path | None = None) -> ApplyResult:
    """Append the decisions of a marked review file to the overrides file."""
    decisions = read_decisions(path)
    overrides_path = Path(overrides_path) if overrides_path is not None else default_overrides_path()
    note = f"reviewed {date.today().isoformat()} ({Path(path).name})"
    rows = [(d, a, b, note) for d, a, b, _ in decisions if d]
    added = append_overrides(overrides_path, rows)
    return ApplyResult(
        same=sum(1 for d, *_ in decisions if d == "same"),
        never=sum(1 for d, *_ in decisions if d == "never"),
        undecided=sum(1 for d, *_ in decisions if not d),
        added=added,
    )
