"""Typed errors. Each one names the file (and row or column where known) in one line.

The CLI turns any `SpendError` into that line on stderr and a non-zero exit; library
callers can catch the specific class. Bad *cells* are not errors: they become rejects
with a reason (see `spend.parse`). These classes are for problems with a whole file or
request that a user has to act on.
"""

from __future__ import annotations

from pathlib import Path


class SpendError(Exception):
    """Base class: a problem with an input that the user can act on."""

    def __init__(self, source: str | Path | None, reason: str, *, locator: str | None = None):
        self.source = str(source) if source is not None else None
        self.reason = reason
        self.locator = locator
        where = self.source or "<input>"
        if locator:
            where = f"{where} ({locator})"
        super().__init__(f"{where}: {reason}")


class NotASpendFile(SpendError):
    """The bytes are not a spreadsheet, CSV or PDF (an HTML error page, JSON, an image...)."""


class EmptyFile(SpendError):
    """The file has no bytes, or no non-blank rows."""


class CorruptFile(SpendError):
    """The container is damaged (a truncated XLSX, an unreadable PDF)."""


class NoTableFound(SpendError):
    """No header row that looks like a spend table was found."""


class UnknownHeader(SpendError):
    """A header row was found but some of its columns are not in the synonyms file."""

    def __init__(self, source, columns: list[str], *, locator: str | None = None):
        self.columns = list(columns)
        listed = ", ".join(repr(c) for c in self.columns)
        super().__init__(
            source,
            f"unknown column(s) {listed}; add them to spend/data/header_synonyms.csv",
            locator=locator,
        )


class SummaryNotTransactions(SpendError):
    """The file is a pivot-table summary (totals by supplier), not a list of payments."""


class AmbiguousDates(SpendError):
    """A date column could be read day-first or month-first and nothing in it decides which."""


class AmbiguousHeader(SpendError):
    """Two columns of one header mean the same thing, so a value could come from either."""


class PaymentsInputError(SpendError):
    """A payments table given to a command is missing, unreadable or lacks required columns."""


class OverLimit(CorruptFile):
    """The container cannot be read within the parser's limits (a zip member inflating past its cap, a sheet
    of more cells than any spend file has): refused before it is read, never half-read. A kind of
    `CorruptFile`, so whoever refuses damaged containers refuses these too. `limit` names the limit (a field
    of `spend.parse.limits.Limits`) and `value` is its setting."""

    def __init__(self, source, reason: str, *, limit: str, value: int, locator: str | None = None):
        self.limit, self.value = limit, value
        super().__init__(source, f"{reason} (limit {limit} = {value:,})", locator=locator)
