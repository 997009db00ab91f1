"""PDF details that need a real page: numbers printed hard against the name before them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spend.parse import parse_file


@pytest.fixture(scope="module")
def november(realdata):
    return parse_file(realdata / "nhs-london-2020-21" / "NWHO" / "NWHO 08 - November.pdf").payments.set_index("source_locator")


@pytest.mark.parametrize("locator, supplier, transaction, amount", [
    # The name fills its cell, so its last letter touches the transaction number's first digit.
    ("page 1 line 10", "LONDON CENTRAL & WEST UNSCHEDULED CARE COLLABORATIVE", "34473925", "66861.60"),
    ("page 3 line 41", "CHELSEA AND WESTMINSTER HOSPITAL NHS FOUNDATION TRUST", "34577681", "11282589.52"),
    ("page 7 line 13", "LONDON CENTRAL & WEST UNSCHEDULED CARE COLLABORATIVE", "34650869", "230833.73"),
    ("page 7 line 14", "LONDON CENTRAL & WEST UNSCHEDULED CARE COLLABORATIVE", "34650870", "230833.73"),
])
def test_a_number_run_into_the_name_goes_to_its_own_column(november, locator, supplier, transaction, amount):
    row = november.loc[locator]
    assert (row["supplier_name_raw"], row["transaction_id"], row["amount_gbp"]) == (supplier, transaction, Decimal(amount))


def test_no_supplier_name_ends_in_a_run_in_number_and_the_file_still_adds_up(november):
    assert not november["supplier_name_raw"].str.contains(r"[A-Z]\d{6,}$", na=False).any()
    assert november["transaction_id"].notna().all()
    assert (len(november), november["amount_gbp"].sum()) == (333, Decimal("31094530.54"))
