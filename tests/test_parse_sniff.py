"""spend.parse.sniff: a file's format from its bytes (never its name), and text decoding.

Real files first: every spend file of the corpus is sniffed, the ECGD CSV named `.xlsx` included; encodings
are checked on the months that changed encoding. Then the traps a publisher's link can hand us (an HTML
error page, JSON, a truncated workbook) and two properties: decoding never loses a byte, and random bytes
get a format or a typed error, nothing else.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spend.core.errors import CorruptFile, EmptyFile, NotASpendFile, SpendError
from spend.parse.sniff import CSV, PDF, SPEND_SUFFIXES, XLS, XLSX, decode_text, detect_format, format_of_start

NHS = "nhs-london-2020-21"
BY_SUFFIX = {".csv": CSV, ".xlsx": XLSX, ".xls": XLS, ".pdf": PDF}
# Files whose bytes are not what their name says (corpus README).
MISNAMED = {"central-government/invalid_excel.xlsx": CSV}


def corpus_spend_files(realdata):
    """Every published spend file of the corpus (not the OCDS JSON, not the catalogue)."""
    return sorted(p for p in realdata.rglob("*") if p.is_file() and p.suffix.lower() in SPEND_SUFFIXES
                  and not {"contracts-finder", "catalogue"} & set(p.relative_to(realdata).parts))


def zip_bytes(names: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in names.items():
            z.writestr(name, text)
    return buf.getvalue()


WORKBOOK = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}


# --- formats of the real corpus ---------------------------------------------------------------------------


def test_every_corpus_file_is_the_format_its_bytes_say(realdata):
    found = {p.relative_to(realdata).as_posix(): detect_format(p.read_bytes(), p)
             for p in corpus_spend_files(realdata)}
    expected = {name: MISNAMED.get(name, BY_SUFFIX[name[name.rindex("."):].lower()]) for name in found}
    assert found == expected
    # 104 CSVs (the ECGD one named .xlsx included), Barts' and North Middlesex's 22 XLSX, 2 XLS, 16 CCG PDFs.
    assert Counter(found.values()) == {CSV: 104, XLSX: 22, XLS: 2, PDF: 16}


@pytest.mark.parametrize("relative, fmt", [
    ("central-government/invalid_excel.xlsx", CSV),  # ECGD: a CSV with an .xlsx name
    ("central-government/BIS_monthly_spend_December_2012.xls", XLS),
    (f"{NHS}/BART/BART 09 - December.xls", XLS),  # the one legacy XLS among Barts' XLSX months
    (f"{NHS}/BART/BART 01 - April.xlsx", XLSX),
    (f"{NHS}/NWHO/NWHO 04 - July.pdf", PDF),
    (f"{NHS}/GUYS/GUYS 01 - April.csv", CSV),  # UTF-8 with a BOM
])
def test_real_files_of_each_format(realdata, relative, fmt):
    assert detect_format((realdata / relative).read_bytes(), relative) == fmt


def test_the_first_bytes_of_every_corpus_file_say_its_format(realdata):
    # What a link check sees (the first 2 KB of a body): the same answer as the whole file gives.
    for path in corpus_spend_files(realdata):
        data = path.read_bytes()
        assert format_of_start(data[:2048]) == detect_format(data, path), path


@pytest.mark.parametrize("head, expected", [
    (b"<!DOCTYPE html><html><head><title>Spend</title>", "html"),
    (b"\n\n  <html lang='en'><body>", "html"),
    (b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     b"\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK", "ods"),
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", XLSX),
    (b"Body name,Date,Amount\r\nDorset Council,01/04/2020,26", CSV),  # the last line cut off
    (b"Spend over \xa3500 April 2020\nSupplier;Amount\n", CSV),  # a title line, then the header
    (b'{"data": []}', None),
    (b"Just some words with no columns", None),
    (b"", None),
    (b"\x00\x01\x02binary", None),
])
def test_first_bytes(head, expected):
    assert format_of_start(head) == expected


def test_the_format_does_not_depend_on_the_name(realdata):
    data = (realdata / f"{NHS}/NMID/NMID 01 - April.xlsx").read_bytes()
    assert {detect_format(data, name) for name in ("april.csv", "april.pdf", "april", "april.xlsx")} == {XLSX}


# --- decoding real files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("relative, encoding, excerpt", [
    (f"{NHS}/GUYS/GUYS 01 - April.csv", "utf-8-sig", "Department family,Entity,"),  # BOM gone, text starts at once
    (f"{NHS}/KGST/KGST 07 - October.csv", "cp1252", ', Amount in Sterling £\r\n'),  # 0xA3 is £ in cp1252
    (f"{NHS}/KGST/KGST 07 - October.csv", "cp1252", '"£59,556.73"'),
    (f"{NHS}/KGST/KGST 08 - November.csv", "utf-8", "Transaction Number"),  # the next month is UTF-8 again
    (f"{NHS}/CHWE/CHWE 01 - April.csv", "cp1252", "Recharges – Pay"),  # 0x96, an en dash
    (f"{NHS}/CHWE/CHWE 02 - May.csv", "utf-8", "Date Paid"),
    ("councils/lambeth/2012-06-payments.csv", "utf-8", "Approval Date From:† 01-J"),
])
def test_real_files_decode_with_their_encoding(realdata, relative, encoding, excerpt):
    text, found = decode_text((realdata / relative).read_bytes())
    assert found == encoding
    assert excerpt in text
    assert not text.startswith("\ufeff") and "\ufffd" not in text


@pytest.mark.current_behaviour  # a DOS code page's £ read as cp1252: see the reason below
def test_bis_july_2014_pound_sign_is_read_as_oe_today(realdata):
    # BIS July 2014 writes "Purchase of Equipment < £3000" with byte 0x9C: £ in DOS code pages 437/850,
    # "œ" in cp1252, which decode_text picks. Only a description is affected (no amount carries a £ here).
    text, encoding = decode_text((realdata / "central-government/BIS_spending_over__25_000_July_2014.csv").read_bytes())
    assert encoding == "cp1252"
    assert text.count("Purchase of Equipment < œ3000") == 2 and "£" not in text


@pytest.mark.parametrize("data, text, encoding", [
    ("Amount £1,234.00".encode("utf-8"), "Amount £1,234.00", "utf-8"),
    (b"Amount \xa31,234.00", "Amount £1,234.00", "cp1252"),
    (b"\xef\xbb\xbfSupplier,Amount\r\n", "Supplier,Amount\r\n", "utf-8-sig"),
    (b"Caf\xe9 \x96 \x80 \x93quoted\x94", "Café – € “quoted”", "cp1252"),
    # 0x81 and 0x9D are undefined in cp1252: latin-1 keeps every byte rather than guess.
    (b"\x81\xa3 \x9d", "\x81£ \x9d", "latin-1"),
    (b"", "", "utf-8"),
])
def test_decode_table(data, text, encoding):
    assert decode_text(data) == (text, encoding)


@given(st.text())
def test_any_utf8_text_round_trips(text):
    data = text.encode("utf-8")
    if text.startswith("\ufeff"):  # a leading U+FEFF is a byte order mark: dropped, and said so
        assert decode_text(data) == (text[1:], "utf-8-sig")
    else:
        assert decode_text(data) == (text, "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + data) == (text, "utf-8-sig")


@given(st.binary().filter(lambda b: not b.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))))
def test_decoding_never_loses_a_byte(data):
    text, encoding = decode_text(data)
    assert encoding in {"utf-8", "cp1252", "latin-1"}
    assert text.encode(encoding) == data


def test_a_byte_order_mark_before_cp1252_text_still_decodes():
    text, _ = decode_text(b"\xef\xbb\xbfSupplier,Amount \xa3\r\nACME LTD,\xa3100.00\r\n")
    assert text == "Supplier,Amount £\r\nACME LTD,£100.00\r\n"


# --- what a publisher's link can return instead of a spend file -------------------------------------------


HTML_PAGES = [
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>gone</body></html>",
    b"\r\n\r\n  <!doctype HTML>\n<html lang='en'><head><title>\n  Page not found | GOV.UK\n</title>",
    b"\xef\xbb\xbf<html><head><title>Service Unavailable</title></head></html>",
    b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head></head></html>",
    b"<HEAD><TITLE>Moved</TITLE></HEAD>",
    b"Error 503\n<html><body>The server is busy</body></html>",  # text first, the page just after it
]


@pytest.mark.parametrize("page", HTML_PAGES)
def test_an_html_page_is_not_a_spend_file(page):
    with pytest.raises(NotASpendFile, match=r"april\.csv: an HTML page, not a spend file") as e:
        detect_format(page, "spend/april.csv")
    assert e.value.source == "spend/april.csv"


@pytest.mark.parametrize("page, title", [
    (HTML_PAGES[0], "404 Not Found"), (HTML_PAGES[1], "Page not found | GOV.UK"),
    (HTML_PAGES[2], "Service Unavailable"), (HTML_PAGES[4], "Moved"),
])
def test_an_html_error_names_the_page_title(page, title):
    with pytest.raises(NotASpendFile) as e:
        detect_format(page, "april.csv")
    assert e.value.reason.endswith(f"(title: {title!r})")


def test_the_corpus_json_is_not_a_spend_file(realdata):
    with pytest.raises(NotASpendFile, match="JSON, not a spend file"):
        detect_format((realdata / "central-government/spend-publishing-schema.json").read_bytes(), "schema.json")


@pytest.mark.parametrize("data, error, reason", [
    (b"", EmptyFile, "the file is empty"),
    (b" \r\n\t\r\n ", EmptyFile, "the file is empty"),
    (b'[{"supplier": "ACME"}]', NotASpendFile, "JSON, not a spend file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NotASpendFile, "binary data that is not a spreadsheet, CSV or PDF"),
    (zip_bytes({"readme.txt": "hello"}), NotASpendFile, "a zip archive that is not a spreadsheet"),
    (zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
     NotASpendFile, "an OpenDocument spreadsheet (.ods); save it as XLSX or CSV"),
    (b"PK\x03\x04" + b"\x00" * 40, CorruptFile, "a damaged or truncated zip/XLSX file"),
])
def test_typed_errors_say_what_the_bytes_are(data, error, reason):
    with pytest.raises(error) as e:
        detect_format(data, "x.csv")
    assert e.value.reason.startswith(reason)
    assert str(e.value).startswith("x.csv: ")


@pytest.mark.parametrize("fraction", [0.001, 0.25, 0.5, 0.9, 0.999])
def test_a_truncated_real_workbook_is_corrupt(realdata, fraction):
    data = (realdata / f"{NHS}/NMID/NMID 01 - April.xlsx").read_bytes()
    with pytest.raises(CorruptFile, match="damaged or truncated"):
        detect_format(data[: int(len(data) * fraction)], "cut.xlsx")


def test_a_minimal_workbook_container_is_xlsx():
    assert detect_format(zip_bytes(WORKBOOK), "book") == XLSX


@pytest.mark.parametrize("before", [b"\n", b"\r\n", b"   "])
def test_a_pdf_with_white_space_before_its_header_is_a_pdf(realdata, before):
    # PDF readers accept bytes before %PDF (South East London CCG's files start with a newline).
    data = (realdata / f"{NHS}/NWHO/NWHO 04 - July.pdf").read_bytes()
    assert detect_format(data, "july.pdf") == PDF
    assert detect_format(before + data, "july.pdf") == PDF


def test_other_bytes_before_a_pdf_header_are_still_refused(realdata):
    data = (realdata / f"{NHS}/NWHO/NWHO 04 - July.pdf").read_bytes()
    with pytest.raises(NotASpendFile, match="binary data that is not a spreadsheet, CSV or PDF"):
        detect_format(b"\xef\xbb\xbf" + data, "july.pdf")


def test_utf16_text_with_a_byte_order_mark_is_read_as_csv():
    text = "Supplier,Amount\r\nACME LTD,£100.00\r\n"
    data = text.encode("utf-16")
    assert detect_format(data, "spend.csv") == CSV
    assert decode_text(data) == (text, "utf-16")


# --- damaged zips: anything but a typed error is a bug ----------------------------------------------------


def _patch_central_directory(data: bytes, offset: int, value: bytes) -> bytes:
    """Overwrite bytes of the first central-directory entry (signature PK\\x01\\x02)."""
    at = data.index(b"PK\x01\x02") + offset
    return data[:at] + value + data[at + len(value):]


def test_a_zip_claiming_an_unknown_version_is_corrupt():
    # Bytes 6-7 of a central-directory entry: the version needed to extract (here 25.5, which zipfile refuses).
    with pytest.raises(CorruptFile):
        detect_format(_patch_central_directory(zip_bytes(WORKBOOK), 6, struct.pack("<H", 255)), "book.xlsx")


def test_a_zip_with_a_mangled_entry_name_is_corrupt():
    data = zip_bytes({**WORKBOOK, "ab.txt": ""})
    at = data.rindex(b"PK\x01\x02")  # the last entry, ab.txt
    flags = struct.unpack_from("<H", data, at + 8)[0] | 0x800  # bit 11: the name is UTF-8
    data = data[:at + 8] + struct.pack("<H", flags) + data[at + 10:]
    name_at = data.index(b"ab.txt", at)
    data = data[:name_at] + b"\xff\xfe" + data[name_at + 2:]
    with pytest.raises(CorruptFile):
        detect_format(data, "book.xlsx")


PREFIXES = [b"", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"<html", b"{"]


@given(st.sampled_from(PREFIXES), st.binary(max_size=400))
def test_random_bytes_get_a_format_or_a_typed_error(prefix, rest):
    try:
        fmt = detect_format(prefix + rest, "random.bin")
    except (EmptyFile, CorruptFile, NotASpendFile) as e:
        assert isinstance(e, SpendError) and e.source == "random.bin"
    else:
        assert fmt in {CSV, XLSX, XLS, PDF}
