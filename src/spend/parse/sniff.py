"""Tell a file's format from its bytes (not its name), and decode text files.

A `.xlsx` that is really a CSV (ECGD's `invalid_excel.xlsx`) is read as CSV; a `.csv` that is
really an HTML error page is refused. Encodings seen: UTF-8, UTF-8 with BOM, cp1252 (`£` as 0xA3),
changing from one month to the next, so each file is decided on its own.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from spend.core.errors import EmptyFile, NotASpendFile
from spend.parse.limits import open_zip

PDF, XLSX, XLS, CSV = "pdf", "xlsx", "xls", "csv"
# The file names `spend parse` looks for in a folder (the format itself is found from the bytes).
SPEND_SUFFIXES = {".csv", ".tsv", ".txt", ".xls", ".xlsx", ".xlsm", ".pdf"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def detect_format(data: bytes, source: str | Path) -> str:
    """Return 'pdf', 'xlsx', 'xls' or 'csv', or raise a typed error saying what the bytes are."""
    if not data or not data.strip():
        raise EmptyFile(source, "the file is empty")
    if data.startswith(b"%PDF") or data[:1024].lstrip().startswith(b"%PDF"):
        # PDF readers accept bytes before the header (the format allows them in the first 1,024); some
        # publishers' files start with a newline.
        return PDF
    if data.startswith(_OLE2):
        return XLS
    if data.startswith(b"PK\x03\x04"):
        names = set(open_zip(data, str(source)).namelist())  # the directory only: members are checked when read
        if "xl/workbook.xml" in names:
            return XLSX
        if "content.xml" in names:
            raise NotASpendFile(source, "an OpenDocument spreadsheet (.ods); save it as XLSX or CSV")
        raise NotASpendFile(source, "a zip archive that is not a spreadsheet")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return CSV  # text saved as UTF-16 (Excel's "Unicode text"): decode_text reads it by its byte-order mark
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML.match(head) or b"<html" in head[:1024].lower():
        title = _TITLE.search(data[:20000])
        what = f" (title: {title.group(1).decode('utf-8', 'replace').strip()[:80]!r})" if title else ""
        raise NotASpendFile(source, f"an HTML page, not a spend file{what}")
    if head[:1] in (b"{", b"["):
        raise NotASpendFile(source, "JSON, not a spend file")
    if b"\x00" in head:
        raise NotASpendFile(source, "binary data that is not a spreadsheet, CSV or PDF")
    return CSV


_ODS_START = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"  # the first entry of an .ods, stored
_DELIMITERS = re.compile(rb"[,\t;|]")


def format_of_start(head: bytes) -> str | None:
    """What the first bytes of a body (a few KB, the rest unread) show it to be: 'pdf', 'xls', 'xlsx',
    'ods', 'csv' or 'html' (a web page), or None when they do not say. A zip is taken for an XLSX
    (its first entries do not name the workbook reliably); `detect_format` decides once all the bytes
    are there."""
    if not head.strip():
        return None
    if head[:1024].lstrip().startswith(b"%PDF"):
        return PDF
    if head.startswith(_OLE2):
        return XLS
    if head.startswith(b"PK\x03\x04"):
        return "ods" if _ODS_START in head[:200] else XLSX
    text = head.lstrip(b"\xef\xbb\xbf")
    if _HTML.match(text) or b"<html" in text[:1024].lower():
        return "html"
    if text.lstrip()[:1] in (b"{", b"[", b"<") or b"\x00" in text:
        return None  # JSON, XML, binary: not a file we read, but not known to be a page either
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith((b"\n", b"\r")):
        lines = lines[:-1]  # cut off where the read stopped
    return CSV if any(_DELIMITERS.search(line) for line in lines[:10]) else None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file; return (text, encoding name). A byte-order mark decides (UTF-8, UTF-16); else
    UTF-8 first, then cp1252, then latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]  # a UTF-8 mark on text in another encoding: decide by the rules below
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the rules below
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so nothing is lost.
        return data.decode("latin-1"), "latin-1"
