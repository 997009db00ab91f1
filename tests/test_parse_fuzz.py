"""Real files of each format (CSV, XLS, XLSX, PDF), damaged byte by byte, through `spend parse`: cut short,
bits flipped, runs of bytes inserted or deleted, and for the XLSX a zip member's text damaged, its compressed
bytes flipped, or the member dropped. Whatever the damage:

- only the typed errors (`SpendError`) are raised: the CLI refuses the file in one line, exit status 1;
- a file that parses accounts for every row (read = kept + rejected + non-data) and is written;
- a refused file leaves no output behind, nor a temporary file.

test_parse_mutations.py damages the rows of real CSVs the way exports do; this damages the bytes. Each format
gets a few seconds (`BUDGET_SECONDS`) of inputs, at most `max_examples`; the counts tried are printed at the
end of the module's run ("fuzz: ...").
"""

from __future__ import annotations

import io
import time
import zipfile
from collections import Counter

import pandas as pd
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spend.cli import main
from spend.core.config import realdata_dir, realdata_more_dir
from spend.core.errors import SpendError
from spend.parse import parse_file
from spend.store.write import write_table

NHS = "nhs-london-2020-21"
BUDGET_SECONDS = 5.0


def _first_page(path) -> bytes:
    """Page 1 of a real PDF, as a PDF of its own (a whole month takes ten times as long to read)."""
    source = pdfium.PdfDocument(path)
    page = pdfium.PdfDocument.new()
    page.import_pages(source, [0])
    out = io.BytesIO()
    page.save(out)
    return out.getvalue()


SOURCES = {
    "csv": {
        "EPSH 01 - April.csv": (realdata_dir() / NHS / "EPSH/EPSH 01 - April.csv").read_bytes(),  # UTF-8, "-85,260.00"
        "KGST 07 - October.csv": (realdata_dir() / NHS / "KGST/KGST 07 - October.csv").read_bytes(),  # cp1252, '£'
    },
    "xlsx": {
        "NMID 01 - April.xlsx": (realdata_dir() / NHS / "NMID/NMID 01 - April.xlsx").read_bytes(),
        "BART 01 - April.xlsx": (realdata_dir() / NHS / "BART/BART 01 - April.xlsx").read_bytes(),
    },
    "xls": {"BART 09 - December.xls": (realdata_dir() / NHS / "BART/BART 09 - December.xls").read_bytes()},
    "pdf": {
        "NWHO 01 - April.pdf": _first_page(realdata_dir() / NHS / "NWHO/NWHO 01 - April.pdf"),  # text in columns
        "SEL 03 - June.pdf": _first_page(realdata_more_dir() / NHS / "SEL/SEL 03 - June.pdf"),  # a ruled grid
    },
}

# Per format: inputs parsed, and how they ended ('parsed' or the error's class).
TRIED: dict[str, Counter] = {fmt: Counter() for fmt in SOURCES}
STARTED: dict[str, float] = {}
FAILED: set[str] = set()  # formats with a failing input


@pytest.fixture(scope="module", autouse=True)
def report_counts(run_summary):
    yield
    if any(TRIED.values()):
        run_summary.append("fuzz: " + "; ".join(
            f"{fmt} {sum(c.values())} inputs ({', '.join(f'{k} {n}' for k, n in c.most_common())})"
            for fmt, c in TRIED.items()))


RUNS = [b"\x00", b"\xff", b",", b";", b'"', b"\n", b"\r\n", b"9", b"PK\x03\x04", b"<row>", b"%PDF"]


def damage(draw, data: bytes) -> bytes:
    """One to three byte-level changes: cut short, bits flipped, a run inserted or deleted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        n = len(out)
        if n < 2:
            break
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(min_value=0, max_value=n - 1))
        if kind == "truncate":
            del out[at:]
        elif kind == "flip":
            for _ in range(draw(st.integers(min_value=1, max_value=8))):
                out[draw(st.integers(min_value=0, max_value=n - 1))] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif kind == "insert":
            run = draw(st.one_of(st.binary(min_size=1, max_size=64),
                                 st.builds(lambda b, k: b * k, st.sampled_from(RUNS), st.integers(1, 5000))))
            out[at:at] = run
        else:
            del out[at:at + draw(st.integers(min_value=1, max_value=512))]
    return bytes(out)


def damage_member(draw, data: bytes) -> bytes:
    """An XLSX with one member damaged: its text (re-zipped, so the zip is sound), its compressed bytes
    (flipped where they lie), or the member left out."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = draw(st.sampled_from(archive.infolist()))
    kind = draw(st.sampled_from(["text", "compressed", "dropped"]))
    if kind == "compressed" and info.compress_size:
        out = bytearray(data)
        begin = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for _ in range(draw(st.integers(min_value=1, max_value=4))):
            out[begin + draw(st.integers(min_value=0, max_value=info.compress_size - 1))] ^= 1 << draw(
                st.integers(min_value=0, max_value=7))
        return bytes(out)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in archive.infolist():
            body = archive.read(member.filename)
            if member.filename == info.filename:
                if kind == "dropped":
                    continue
                body = damage(draw, body)
            target.writestr(member.filename, body)
    return buffer.getvalue()


def check_parse(fmt: str, name: str, data: bytes, folder) -> None:
    """Parse the damaged bytes as `spend parse` does; the properties above."""
    spent = time.monotonic() - STARTED.setdefault(fmt, time.monotonic()) > BUDGET_SECONDS
    if spent and fmt not in FAILED:
        return  # this format's few seconds are spent: the remaining examples pass untried
    try:
        _check_parse(fmt, name, data, folder)
    except Exception:
        FAILED.add(fmt)  # Hypothesis replays a failing input to shrink it: past the budget, still try it
        raise


def _check_parse(fmt: str, name: str, data: bytes, folder) -> None:
    for leftover in folder.iterdir():
        leftover.unlink()
    path, out, rejects = folder / name, folder / "out.parquet", folder / "rejects.parquet"
    path.write_bytes(data)
    try:
        result = parse_file(path)
    except SpendError as e:
        TRIED[fmt][type(e).__name__] += 1
        # The command refuses it in one line, writes nothing and leaves no temporary file.
        assert main(["parse", str(path), "-o", str(out), "--rejects", str(rejects)]) == 1
        assert sorted(p.name for p in folder.iterdir()) == [name]
        return
    TRIED[fmt]["parsed"] += 1
    report = result.report
    assert report.rows_read == report.rows_kept + report.rows_rejected + report.rows_nondata, report
    assert (len(result.payments), len(result.rejects)) == (report.rows_kept, report.rows_rejected)
    write_table(result.payments, out, "payments")  # what `spend parse -o` writes: every kept amount storable
    write_table(result.rejects, rejects, "rejects")
    assert len(pd.read_parquet(out)) == report.rows_kept
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, out.name, rejects.name])


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


@pytest.mark.slow
@pytest.mark.parametrize("fmt, examples", [("csv", 400), ("xlsx", 300), ("xls", 150), ("pdf", 100)])
def test_damaged_files_are_read_or_refused_by_name(fmt, examples, tmp_path):
    @fuzz_settings(examples)
    @given(st.data())
    def run(data):
        name = data.draw(st.sampled_from(sorted(SOURCES[fmt])), label="file")
        original = SOURCES[fmt][name]
        damaged = damage_member(data.draw, original) if fmt == "xlsx" and data.draw(st.booleans()) else \
            damage(data.draw, original)
        check_parse(fmt, name, damaged, tmp_path)

    run()
    assert sum(TRIED[fmt].values()) > 0


@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_the_undamaged_files_parse_and_are_written(fmt, tmp_path):
    for name, data in SOURCES[fmt].items():
        path = tmp_path / name
        path.write_bytes(data)
        out = tmp_path / "out.parquet"
        assert main(["parse", str(path), "-o", str(out)]) == 0
        assert len(pd.read_parquet(out)) == parse_file(path).report.rows_kept > 0
