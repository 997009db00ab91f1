"""Columns in Arrow: the speed plumbing of the parser, apart from its rules.

The rows of a table become one Arrow array of cells (`cell_array`), a column is every n-th cell (`every`),
and a column is read once per distinct value (`Distinct`: Guy's 13,000-line months have ~8,000 distinct
amounts, one date and ~1,100 suppliers). Plain amounts are read all at once in Arrow (`read_amounts`), with
the same answers as `spend.parse.amounts` gives one at a time. Text columns are made directly as pandas'
Arrow-backed `str` and the payments frame is assembled in one step (`frame`).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property, lru_cache
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spend.core import schema
from spend.core.money import pence_to_decimal
from spend.parse.amounts import AmountError, parse_amount_pence


def cell_array(rows: list[list[str]]) -> pa.Array:
    """The cells of rows of equal length, row after row, as one Arrow array. Each cell is touched once here
    (converting column by column touched every row once per column); everything after works on Arrow arrays."""
    return pa.array(list(chain.from_iterable(rows)), type=pa.large_string())


def every(cell_array: pa.Array, j: int | None, ncols: int) -> pa.Array:
    """Column `j` of a `cell_array` (every `ncols`th cell from the `j`th), or blanks where there is no column."""
    if j is None:
        return pa.repeat(_BLANK, len(cell_array) // ncols)
    # The same row starts serve every column (shifted by j): made once per table shape, already in Arrow, as
    # turning numpy indices into Arrow took as long as the `take` itself on a small file.
    return cell_array.slice(j).take(_row_starts(len(cell_array) // ncols, ncols))


@lru_cache(maxsize=8)
def _row_starts(nrows: int, ncols: int) -> pa.Array:
    return pa.array(np.arange(0, nrows * ncols, ncols))


class Distinct:
    """A column factorised: its distinct values in order of first appearance, and for each row which one it
    holds. A value is read once (Guy's months: 13,000 rows, ~8,000 amounts, one date, ~1,100 suppliers) and
    the result mapped back onto the rows."""

    def __init__(self, cells: pa.Array):
        self.cells = cells
        encoded = cells.dictionary_encode()
        self.distinct: pa.Array = encoded.dictionary
        # Kept in Arrow too: `take` with Arrow indices skips converting numpy indices on every call.
        self.indices: pa.Array = encoded.indices
        self.index: np.ndarray = encoded.indices.to_numpy(zero_copy_only=False)

    @cached_property
    def values(self) -> list[str]:
        return self.distinct.to_pylist()

    @cached_property
    def amounts(self) -> list[tuple[int, bool, Decimal] | AmountError]:
        """Each distinct value read as an amount."""
        return read_amounts(self.distinct)

    def objects(self, per_value: list) -> np.ndarray:
        """An object column from one result per distinct value."""
        return np.fromiter(per_value, dtype=object, count=len(per_value))[self.index]

    def text(self, per_value: list[str | None], published: bool = False):
        """A text column from one string or None per distinct value: `str`; but None throughout (object) when
        every value is None, as pandas infers for such lists, unless it is a `published` column."""
        if not published and per_value.count(None) == len(per_value):
            return nothing(len(self.index))
        return as_str(pa.array(per_value, type=pa.large_string()).take(self.indices))

    def rows_where(self, per_value: list[bool]) -> list[int]:
        """Positions of the rows whose value is flagged."""
        if not any(per_value):
            return []
        return np.flatnonzero(np.array(per_value, dtype=bool)[self.index]).tolist()

# Plain amounts (digits, commas, at most two decimals; spaces around) are read in Arrow, all at once:
# most of a big file's amounts are distinct, so reading them one by one in Python dominated a cold parse.
# (commas only in groups of three). Anything else takes the general rules of spend.parse.amounts, one at a time;
# so do numbers of more than 15 digits before the point, which could leave int64 or the store's range.
_PLAIN_CELL = r"^ *-?(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,15})(\.[0-9]{1,2})? *$"

_FEW_AMOUNTS = 300

_PLAIN_PARTS = r"^(?P<whole>-?[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?$"


def read_amounts(values: pa.Array) -> list[tuple[int, bool, Decimal] | AmountError]:
    """(pence, rounded, pounds) or the AmountError, for each value of a string array: the same answers as
    `parse_amount_pence` gives one by one (a property test holds the two together)."""
    if len(values) < _FEW_AMOUNTS:  # a few hundred values: Arrow's fixed cost per call outweighs the loop
        return list(map(read_amount, values.to_pylist()))
    values = values.cast(pa.large_string())
    plain = pc.fill_null(pc.match_substring_regex(values, _PLAIN_CELL), False)
    digits = pc.replace_substring(pc.utf8_trim(pc.filter(values, plain), " "), ",", "")
    parts = pc.extract_regex(digits, _PLAIN_PARTS)
    whole, frac = pc.struct_field(parts, "whole"), pc.fill_null(pc.struct_field(parts, "frac"), "")
    pence = pc.cast(pc.binary_join_element_wise(whole, pc.utf8_rpad(frac, 2, "0"), pa.scalar("", pa.large_string())),
                    pa.int64()).to_pylist()
    plain_flags = plain.to_pylist()
    out: list = []
    next_plain = iter(pence).__next__
    texts = values.to_pylist()
    for text, is_plain in zip(texts, plain_flags):
        if is_plain:
            p = next_plain()
            out.append((p, False, pence_to_decimal(p)))
        else:
            out.append(read_amount(text))
    return out


@lru_cache(maxsize=65536)
def read_amount(text: str) -> tuple[int, bool, Decimal] | AmountError:
    """(pence, rounded, amount in pounds) for an amount cell, or the error saying why it is not one.
    Cached: the same amounts recur from month to month."""
    try:
        pence, rounded = parse_amount_pence(text)
    except AmountError as e:
        return e.with_traceback(None)
    return pence, rounded, pence_to_decimal(pence)

# What pandas infers for a column of Python strings (from pandas 3 on, `str`: Arrow-backed, missing as NaN).
# Text columns are built with it directly, so their type is the one the row-by-row frame always had.
_STR = pd.Series(["text"]).dtype

# The characters `str.strip()` removes (those for which `str.isspace()` is true; tests check the list), so
# that trimming in Arrow gives exactly what trimming in Python gave.
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + \
    "\u2028\u2029\u202f\u205f\u3000"

# Built once: a small file calls these Arrow kernels a few dozen times, and making the options and scalars
# each time took longer than the kernels.
_TRIM = pc.TrimOptions(WHITESPACE)

_BLANK, _MISSING = pa.scalar("", pa.large_string()), pa.scalar(None, pa.large_string())

# ArrowStringArray with pandas 3 (None before, when `_STR` is plain object).
_STR_ARRAY = _STR.construct_array_type() if isinstance(_STR, pd.api.extensions.ExtensionDtype) else None


def as_str(array: pa.Array):
    """An Arrow string array as a text column (no copy with pandas' Arrow-backed `str`). Made directly when
    possible: going through `pd.array` took five times as long, and a small file makes a dozen of these."""
    return _STR_ARRAY(array, dtype=_STR) if _STR_ARRAY is not None else pd.array(array, dtype=_STR)


def str_array(values: list[str | None]):
    """Python strings (None for missing) as a `str` column."""
    return as_str(pa.array(values, type=pa.large_string()))


def text_column(cells: pa.Array):
    """Published text as a `str` column: trimmed as `str.strip` trims, blanks missing."""
    trimmed = pc.utf8_trim(cells, options=_TRIM)
    return as_str(pc.if_else(pc.equal(trimmed, _BLANK), _MISSING, trimmed))


def repeat(value: str, n: int):
    return as_str(pa.repeat(pa.scalar(value, pa.large_string()), n))


def nothing(n: int) -> np.ndarray:
    """A column with no values: None in an object column, as pandas makes for `frame[name] = None`."""
    return np.full(n, None, dtype=object)


def frame(table: schema.Table, columns: dict, n: int) -> pd.DataFrame:
    """A frame of `n` rows with exactly `table`'s columns, in order, as `schema.enforce` leaves one: absent
    optional columns hold None. Built in one go from the table's fields (enforcing afterwards copies the
    frame twice, which on a small file took as long as the rest of the parse)."""
    missing = [f.name for f in table if f.required and f.name not in columns]
    unexpected = set(columns) - set(schema.column_names(table))
    if missing or unexpected:  # a bug in this module, never bad input
        raise schema.SchemaError(f"missing column(s) {missing}, unexpected column(s) {sorted(unexpected)}")
    # Every column is already what `DataFrame(dict)` would make of it (object numpy arrays, `str` arrays), so
    # skip its per-column checks and conversions, and reuse the column labels: both cost more than the rest
    # of building a small file's frame.
    arrays = [columns[f.name] if f.name in columns else nothing(n) for f in table]
    return pd.DataFrame._from_arrays(arrays, columns=_labels(table).view(), index=pd.RangeIndex(n),
                                     verify_integrity=False)


@lru_cache(maxsize=4)
def _labels(table: schema.Table) -> pd.Index:
    """A table's column labels. Frames share the values (immutable) but each gets its own view, so that
    naming one frame's columns leaves the others alone."""
    return pd.Index(schema.column_names(table))
