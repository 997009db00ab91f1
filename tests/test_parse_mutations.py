"""Real files, mutated the ways files really go wrong (lines dropped or repeated, columns in another order,
headers renamed, two cells run together), then parsed. Whatever the mutation:

- nothing but the typed errors is raised (a file the parser cannot read is refused by name);
- every row read is kept, rejected or non-data;
- a row is never kept with an amount other than the one its line printed: where a mutation moved or
  merged the amount, the row is rejected or refused, never kept with another number.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spend.core.config import realdata_dir, realdata_more_dir
from spend.core.errors import SpendError
from spend.parse import parse_bytes

NHS = "nhs-london-2020-21"
FILES = [
    realdata_dir() / NHS / "EPSH/EPSH 01 - April.csv",  # "-85,260.00" negatives, month-first dates
    realdata_dir() / NHS / "KGST/KGST 07 - October.csv",  # cp1252, codes glued onto names
    realdata_dir() / NHS / "CROY/CROY 06 - Spetember.csv",  # columns out of the usual order, "77,041"
    realdata_more_dir() / NHS / "IMPC/IMPC 01 - April.csv",  # a column outside the template, bare integers
    realdata_more_dir() / NHS / "LNWU/LNWU 12 - March.csv",  # "Sum:" row, two reference columns
]


def _rows(path) -> tuple[list[list[str]], str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return list(csv.reader(io.StringIO(text, newline=""))), encoding


SOURCES = {p.name: _rows(p) for p in FILES}


@st.composite
def mutated(draw):
    """(file name, the mutated rows, for each mutated row the original row it came from or None, and whether
    a row's cells were run together)."""
    name = draw(st.sampled_from(sorted(SOURCES)))
    rows, _ = SOURCES[name]
    rows = [list(r) for r in rows]
    origin = list(range(len(rows)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["drop", "repeat", "shuffle", "rename", "glue"]))
        if kind in ("drop", "repeat") and len(rows) > 2:
            k = draw(st.integers(min_value=0, max_value=len(rows) - 1))
            if kind == "drop":
                del rows[k], origin[k]
            else:
                rows.insert(k, list(rows[k]))
                origin.insert(k, origin[k])
        elif kind == "shuffle":
            width = len(rows[0])
            order = draw(st.permutations(range(width)))
            rows = [[r[j] for j in order] if len(r) == width else r for r in rows]
        elif kind == "rename":
            j = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
            rows[0] = list(rows[0])
            rows[0][j] = draw(st.sampled_from(["Zzz", "Cost Bucket", "", "Amount", "Supplier", "Date", "Notes"]))
        else:  # two neighbouring cells of a row run together, the separator lost
            k = draw(st.integers(min_value=1, max_value=len(rows) - 1))
            if len(rows[k]) > 1:
                j = draw(st.integers(min_value=0, max_value=len(rows[k]) - 2))
                rows[k] = [*rows[k][:j], rows[k][j] + rows[k][j + 1], *rows[k][j + 2:]]
                origin[k] = ("glued", origin[k])
    return name, rows, origin


def _amounts(path) -> dict[int, int]:
    """Original row index -> the amount (pence) the unmutated file's payment on that line is worth."""
    pay = parse_bytes(path.read_bytes(), path.name).payments
    return {int(loc.split()[-1]) - 1: int(Decimal(a) * 100) for loc, a in zip(pay["source_locator"], pay["amount_gbp"])}


AMOUNTS = {p.name: _amounts(p) for p in FILES}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_a_mutated_real_file_is_read_exactly_or_refused(case):
    name, rows, origin = case
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    try:
        result = parse_bytes(out.getvalue().encode("utf-8"), name)
    except SpendError:
        return  # refused by name, with its reason
    rep = result.report
    assert rep.rows_read == rep.rows_kept + rep.rows_rejected + rep.rows_nondata
    original = AMOUNTS[name]
    for locator, amount in zip(result.payments["source_locator"], result.payments["amount_gbp"]):
        line = int(locator.split()[-1].split("-")[0])
        source = origin[line - 1]
        while isinstance(source, tuple):  # a glued row (glued again, maybe): the line it was
            source = source[1]
        # A payment kept from the mutated file is one the original file had, with the same amount.
        assert source in original, ("a line that was no payment is kept", locator, amount, rows[line - 1])
        assert int(Decimal(amount) * 100) == original[source], (locator, amount, rows[line - 1])


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_unmutated_files_keep_every_payment(path):
    rows, encoding = SOURCES[path.name]
    result = parse_bytes(path.read_bytes(), path.name)
    assert result.report.rows_read == len(rows) and result.report.rows_rejected == 0
