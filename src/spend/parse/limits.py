"""What a spend file may cost to read. A file's own account of its size is never trusted: a zip member's
header says how many bytes it inflates to, and a sheet's `<dimension ref="A1:XFD20000"/>` says how many rows
and columns it has, and either can lie. So, before and while a reader opens a file:

- every member of an XLSX's zip is inflated once, as a stream, counting the bytes it
  really gives and stopping at the cap: a member inflating past `zip_member_bytes`, the members together past
  `zip_total_bytes`, or a member inflating more than `zip_ratio` times its compressed size (once past
  `zip_ratio_grace_bytes`) is refused, and so is a member whose header declares another size than it holds;
- a sheet's extent is the cells the file really has (its `dimension` element is ignored), and a workbook whose
  sheets, as the parser holds them (rows x columns), come to more than `sheet_cells` cells, or a sheet of
  more than `sheet_rows` rows, is refused;
- a CSV cell of more than `csv_field_chars` characters rejects its row, not the file (see `readers`).

Refusals are `OverLimit` errors naming the file, what went past, and the limit. The settings leave room
over real files: the corpus's largest zip member inflates to 0.12 MB and none compresses more than 13 times;
a council's year of payments over £500 is about 100,000 rows of 10 to 20 columns (2 million cells). And a
file at the limits is still read within 1 GiB (benchmarks/bench_hostile_parse.py). A zip is opened at all
only when its directory lists at most `zip_members` entries (`open_zip`): an ODS, which spend does not read,
is refused by its directory alone.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from spend.core.errors import CorruptFile, OverLimit

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    zip_members: int = 10_000  # an XLSX has a few dozen; a central directory of millions is itself a bomb
    zip_member_bytes: int = 128 * MiB
    zip_total_bytes: int = 256 * MiB
    zip_ratio: int = 100  # deflate reaches ~1,000:1 on repeated bytes; spreadsheets 3 to 20:1
    zip_ratio_grace_bytes: int = 1 * MiB  # small members (styles, a blank sheet) may compress very well
    sheet_cells: int = 10_000_000
    sheet_rows: int = 1_048_576  # Excel's own maximum; a row costs memory even when it is empty
    csv_field_chars: int = 131_072  # the csv module's default field_size_limit

    def __post_init__(self):
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a positive integer, not {value!r}")


LIMITS = Limits()

_CENTRAL_ENTRY = b"PK\x01\x02"
_LOCAL_HEADER = b"PK\x03\x04"
_CHUNK = 64 * 1024  # compressed bytes fed at a time
_STEP = 1 * MiB  # inflated bytes taken at a time


def open_zip(data: bytes, source: str, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """The zip's directory, read only when it has at most `zip_members` entries (each entry begins with the
    same four bytes, so counting them bounds the entries before any is read)."""
    if data.count(_CENTRAL_ENTRY) > limits.zip_members:
        raise OverLimit(source, "a zip of more members than a spreadsheet has", limit="zip_members",
                        value=limits.zip_members)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, UnicodeDecodeError, ValueError, EOFError) as e:
        # zipfile raises several kinds for a damaged directory (an unknown version, a mangled name)
        raise CorruptFile(source, f"a damaged or truncated zip/XLSX file ({type(e).__name__}: {e})") from None


def check_zip(data: bytes, source: str, limits: Limits = LIMITS) -> None:
    """Refuse a zip whose members inflate past the limits, or whose headers misstate what they hold.
    Every member is inflated here, as a stream and never past its cap, whatever its header declares."""
    members = open_zip(data, source, limits).infolist()
    for info in members:  # a header that admits to too much: refused without inflating anything
        if info.file_size > limits.zip_member_bytes:
            raise OverLimit(source, f"zip member {info.filename!r} declares {info.file_size:,} bytes",
                            limit="zip_member_bytes", value=limits.zip_member_bytes)
    declared = sum(info.file_size for info in members)
    if declared > limits.zip_total_bytes:
        raise OverLimit(source, f"the zip's members declare {declared:,} bytes together", limit="zip_total_bytes",
                        value=limits.zip_total_bytes)
    total = 0
    for info in members:
        size = _inflated_size(data, info, source, limits, room=limits.zip_total_bytes - total)
        if size != info.file_size:
            raise CorruptFile(source, f"zip member {info.filename!r} declares {info.file_size:,} bytes but holds "
                                      f"{size:,}")
        total += size


def _inflated_size(data: bytes, info: zipfile.ZipInfo, source: str, limits: Limits, room: int) -> int:
    """The bytes `info`'s data really inflates to, read from its own compressed bytes; `OverLimit` as soon as
    they pass the member's cap, the room left under the total, or the ratio."""
    start = info.header_offset
    if data[start:start + 4] != _LOCAL_HEADER:
        raise CorruptFile(source, f"zip member {info.filename!r} is not where the directory says")
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_length + extra_length
    compressed = memoryview(data)[begin:begin + info.compress_size]
    if len(compressed) < info.compress_size:
        raise CorruptFile(source, f"zip member {info.filename!r} is cut short")
    if info.flag_bits & 1:
        raise CorruptFile(source, f"zip member {info.filename!r} is encrypted")
    if info.compress_type == zipfile.ZIP_STORED:
        return len(compressed)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise CorruptFile(source, f"zip member {info.filename!r} is compressed with method {info.compress_type}, "
                                  "which spreadsheets do not use")
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as zip stores it
    size = fed = 0
    try:
        for at in range(0, len(compressed), _CHUNK):
            piece = compressed[at:at + _CHUNK]
            fed += len(piece)
            while piece and not inflate.eof:
                size += len(inflate.decompress(piece, _STEP))
                piece = inflate.unconsumed_tail
                _check_inflating(source, info.filename, size, fed - len(piece), limits, room)
            if inflate.eof:
                break
        size += len(inflate.flush())
    except zlib.error as e:
        raise CorruptFile(source, f"zip member {info.filename!r} cannot be inflated ({e})") from None
    _check_inflating(source, info.filename, size, fed, limits, room)
    if not inflate.eof:
        raise CorruptFile(source, f"zip member {info.filename!r} is cut short")
    return size


def _check_inflating(source: str, name: str, size: int, consumed: int, limits: Limits, room: int) -> None:
    if size > limits.zip_member_bytes:
        raise OverLimit(source, f"zip member {name!r} inflates to more bytes than allowed", limit="zip_member_bytes",
                        value=limits.zip_member_bytes)
    if size > room:
        raise OverLimit(source, "the zip's members together inflate to more bytes than allowed",
                        limit="zip_total_bytes", value=limits.zip_total_bytes)
    if size > limits.zip_ratio_grace_bytes and size > limits.zip_ratio * max(consumed, 1):
        raise OverLimit(source, f"zip member {name!r} inflates {size // max(consumed, 1):,} times its compressed "
                                "size (a zip bomb?)", limit="zip_ratio", value=limits.zip_ratio)

