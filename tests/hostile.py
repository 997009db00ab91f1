"""Hostile inputs made from real published files: what an attacker or an unlucky export sends the parser.

Each builder takes a real file's bytes and a size, so the tests make small ones (with the parser's limits
scaled down to match) and benchmarks/bench_hostile_parse.py makes them at full size:

- `inflating_xlsx`: a real workbook whose sheet goes on with copies of one of its rows until it inflates
  to `inflated_bytes` (compressing about 1,000 to 1); `lying=True` keeps the sheet's header declaring
  the original size, so only inflating it finds the truth;
- `false_dimension_xlsx`: a real workbook grown to `rows` rows whose `<dimension>` claims A1:XFD<rows>
  (16,384 columns);
- `spread_xlsx`: a real workbook with one real cell at column XFD, so the sheet really is 16,384 columns wide;
- `far_row_xlsx`: a real workbook with one cell far below its last row;
- `dense_xlsx`: a sheet of as many cells as its inflated size holds (a file at the limits, for the benchmark);
- `csv_with_cell`: a real CSV with one cell of one row replaced (an amount of £10^16, 10 MB of text).
"""

from __future__ import annotations

import csv
import io
import random
import re
import struct
import zipfile

SHEET = "xl/worksheets/sheet1.xml"


def rewrite_zip(data: bytes, changes: dict) -> bytes:
    """The zip with the named members replaced: by bytes, or by what a function makes of the old bytes.
    Names the zip does not have are added, with the bytes given."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            change = changes.get(info.filename)
            if change is not None:
                body = change(body) if callable(change) else change
            target.writestr(info.filename, body)
        for name in set(changes).difference(source.namelist()):
            target.writestr(name, changes[name])
    return out.getvalue()


def _split_sheet(xml: bytes) -> tuple[bytes, list[bytes], bytes]:
    """(everything up to the first row, the rows, everything after the last)."""
    start, end = xml.index(b"<row "), xml.rindex(b"</row>") + len(b"</row>")
    return xml[:start], re.findall(rb"<row .*?</row>", xml[start:end], flags=re.S), xml[end:]


def _renumber(row: bytes, n: int) -> bytes:
    """A row moved to row `n`: its own number and its cells' references."""
    row = re.sub(rb'(<row [^>]*?)r="\d+"', rb'\g<1>r="%d"' % n, row, count=1)
    return re.sub(rb'(<c [^>]*?r="[A-Z]+)\d+"', rb'\g<1>%d"' % n, row)


def _anonymous(row: bytes) -> bytes:
    """A row without its row and cell references: readers place it after the row before."""
    row = re.sub(rb'(<row [^>]*?)r="\d+"', rb"\1", row, count=1)
    return re.sub(rb'(<c [^>]*?)r="[A-Z]+\d+"', rb"\1", row)


def grown_xlsx(data: bytes, rows: int, dimension: str | None = None) -> bytes:
    """The real workbook with its first sheet's data rows repeated (and renumbered) to `rows` rows, and its
    dimension element set to `dimension` when given."""
    def grow(xml: bytes) -> bytes:
        head, body, tail = _split_sheet(xml)
        data_rows = body[1:]
        out = [body[0]] + [_renumber(data_rows[k % len(data_rows)], k + 2) for k in range(rows - 1)]
        if dimension:
            head = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="%s"/>' % dimension.encode(), head)
        return head + b"".join(out) + tail
    return rewrite_zip(data, {SHEET: grow})


def false_dimension_xlsx(data: bytes, rows: int) -> bytes:
    return grown_xlsx(data, rows, dimension=f"A1:XFD{rows}")


def spread_xlsx(data: bytes) -> bytes:
    """The real workbook with one more cell, at XFD1 (a styled blank): the sheet is 16,384 columns wide."""
    def spread(xml: bytes) -> bytes:
        head, body, tail = _split_sheet(xml)
        body[0] = body[0].replace(b"</row>", b'<c r="XFD1" s="0"/></row>')
        return head + b"".join(body) + tail
    return rewrite_zip(data, {SHEET: spread})


def far_row_xlsx(data: bytes, row: int) -> bytes:
    """The real workbook with one more cell, in column A of row `row`: the rows between are empty, and a
    reader that fills a sheet's gaps holds every one of them."""
    def far(xml: bytes) -> bytes:
        head, body, tail = _split_sheet(xml)
        body.append(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>end</t></is></c></row>' % (row, row))
        return head + b"".join(body) + tail
    return rewrite_zip(data, {SHEET: far})


def dense_xlsx(data: bytes, inflated_bytes: int, columns: int = 8) -> bytes:
    """The real workbook whose first sheet is rows of `columns` one-digit numbers, random (so the sheet
    compresses only a few times, like a real one), until it inflates to about `inflated_bytes`: the most
    cells a sheet of that size can hold."""
    def dense(xml: bytes) -> bytes:
        head, _, tail = _split_sheet(xml)
        digits = random.Random(0)
        rows, size = [], 0
        while size < inflated_bytes:
            rows.append(b"<row>" + b"".join(b"<c><v>%d</v></c>" % digits.randrange(10) for _ in range(columns))
                        + b"</row>")
            size += len(rows[-1])
        return head + b"".join(rows) + tail
    return rewrite_zip(data, {SHEET: dense})


def inflating_xlsx(data: bytes, inflated_bytes: int, *, lying: bool = False) -> bytes:
    """The real workbook whose first sheet, after its own rows, repeats one of them (without references,
    so each copy is the same bytes) until the sheet inflates to about `inflated_bytes`. Streamed: the sheet
    is never held whole."""
    source = zipfile.ZipFile(io.BytesIO(data))
    original = source.read(SHEET)
    head, body, tail = _split_sheet(original)
    copy = _anonymous(body[-1])
    block = copy * max(1, (1 << 20) // len(copy))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, source.read(info.filename))
                continue
            with target.open(SHEET, "w", force_zip64=False) as sheet:
                sheet.write(head + b"".join(body))
                written = len(head) + sum(map(len, body))
                while written + len(block) < inflated_bytes:
                    sheet.write(block)
                    written += len(block)
                sheet.write(tail)
    zipped = out.getvalue()
    return declare_size(zipped, SHEET, len(original)) if lying else zipped


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size, in its local header and in the central directory, set to
    `size`: a header that lies about what the member inflates to."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    out = bytearray(data)
    struct.pack_into("<I", out, info.header_offset + 22, size)
    at = out.index(b"PK\x01\x02")
    while at != -1:
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", out, at + 28)
        if bytes(out[at + 46:at + 46 + name_length]).decode() == member:
            struct.pack_into("<I", out, at + 24, size)
            break
        at = out.find(b"PK\x01\x02", at + 46 + name_length + extra_length + comment_length)
    return bytes(out)


def read_csv(data: bytes) -> tuple[list[list[str]], str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return list(csv.reader(io.StringIO(data.decode(encoding), newline=""))), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8 or cp1252")


def write_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def csv_with_cell(data: bytes, row: int, column: str, value: str) -> bytes:
    """The real CSV with the cell under header `column` in data row `row` (0: the first after the header)
    set to `value`."""
    rows, encoding = read_csv(data)
    j = rows[0].index(column)
    rows[row + 1][j] = value
    return write_csv(rows, "utf-8" if encoding == "utf-8-sig" else encoding)
