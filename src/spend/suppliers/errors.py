"""Typed errors for supplier identities. Each names the file (and row where known) in one line."""

from __future__ import annotations

from spend.core.errors import PaymentsInputError, SpendError  # noqa: F401 (re-exported)


class SupplierError(SpendError):
    """Base class for problems with supplier-identity inputs the user can act on."""


class SupplierDataError(SupplierError):
    """A supplier data file (legal forms, vocabulary, groups...) is missing or malformed."""


class OverridesError(SupplierError):
    """The analysts' overrides file has an unknown action, a missing name or contradicting decisions."""


class ReviewFileError(SupplierError):
    """A marked review file given to `spend suppliers apply` is not one `spend suppliers review` wrote,
    or a row is marked with something other than same / never / blank."""
