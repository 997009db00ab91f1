"""PDF details that need a real page: numbers printed hard against the name before them; damaged pages."""

from __future__ import annotations

import re
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


NCL = "nhs-london-2020-21/NCL"


@pytest.mark.parametrize("month, locator, area, supplier", [
    # The area cell's clipped overflow ('SERVICES') printed under the supplier's first letters.
    ("02 - May", "page 2 line 58", "LOCAL ENHANCED SERVICES", "ANGEL SURGERY"),
    ("02 - May", "page 7 line 1", "LOCAL ENHANCED SERVICES", "AT MEDICS SOMERS TOWN MEDICAL PRACTICE"),
    # The area's last word touching the supplier's first, each drawn as its cell's own text.
    ("02 - May", "page 1 line 61", "CHC ADULT FULLY FUNDED", "LANCAM CARE SERVICES LTD"),
    # The page number, printed in the same place on every page, over the last row ('UNIVERSITY' '9')...
    ("05 - August", "page 9 line 93", "ACUTE COMMISSIONING", "NORTH MIDDLESEX UNIVERSITY HOSPITAL NHS TRUST"),
    # ... or on a line of its own inside a row's band.
    ("06 - September", "page 13 lines 122-123", "PRC DELEGATED CO-COMMISSIONING", "PRIMROSE HILL SURGERY"),
])
def test_cells_printed_over_or_against_each_other_are_read_apart(realdata_more, month, locator, area, supplier):
    payments = parse_file(realdata_more / NCL / f"NCL {month}.pdf").payments
    row = payments[payments["source_locator"] == locator].iloc[0]
    assert (row["expense_area"], row["supplier_name_raw"]) == (area, supplier)


@pytest.mark.slow
def test_no_supplier_name_carries_a_neighbouring_cell_or_a_page_number(realdata_more):
    glued = []
    for path in sorted((realdata_more / "nhs-london-2020-21").glob("*/*.pdf")):
        payments = parse_file(path).payments
        pages = payments["source_locator"].str.extract(r"^page (\d+)")[0]
        for name, page in zip(payments["supplier_name_raw"].fillna(""), pages):
            if name.startswith(("SERVICES", "FUNDED", "SCHEMES", "ACUTE")) and not name.startswith("SERVICES "):
                glued.append((path.name, name))
            elif re.search(rf"(?<![\d,.]){page}$|^{page}[A-Z]", name):
                glued.append((path.name, name))
    assert glued == []


def test_words_off_the_page_leave_the_column_edges_as_they_were():
    # A damaged PDF can place a word far before the page's left edge or miles past its right one: the
    # columns are found from the page's own text, without an index error or a bin per quarter-point to 10^9.
    from spend.parse.pdf import Line, Word, _gutter_edges

    def word(text, x0, x1, bottom):
        return Word(text, x0, x1, bottom, 7.0)

    labels = [[word("Date", 50, 70, 700)], [word("Supplier", 120, 160, 700)], [word("Amount", 300, 330, 700)]]
    lines = [Line([word("01/04/2020", 50, 90, y), word("ACME LTD", 120, 170, y), word("1,234.00", 300, 335, y)],
                  y, 7.0) for y in range(100, 600, 10)]
    edges = _gutter_edges(labels, lines, [])
    lines[3].words[:0] = [word("x", -4431.0, -4430.0, 130)]
    lines[4].words.append(word("y", 1e9, 1e9 + 5, 140))
    assert _gutter_edges(labels, lines, []) == edges


def test_a_page_the_pdf_lists_but_cannot_load_is_a_corrupt_file_naming_the_page(realdata):
    # The document opens and counts its pages, but its page tree points at an object that is not there.
    import io

    import pypdfium2 as pdfium

    from spend.core.errors import CorruptFile
    from spend.parse import parse_bytes

    one = pdfium.PdfDocument.new()
    one.import_pages(pdfium.PdfDocument(realdata / "nhs-london-2020-21/NWHO/NWHO 01 - April.pdf"), [0])
    out = io.BytesIO()
    one.save(out)
    damaged = re.sub(rb"/Kids\[ ?\d+ 0 R ?\]", b"/Kids[ 999 0 R ]", out.getvalue(), count=1)
    with pytest.raises(CorruptFile, match=r"^x\.pdf \(page 1\): the PDF's page cannot be read \(Failed to load page"):
        parse_bytes(damaged, "x.pdf")
