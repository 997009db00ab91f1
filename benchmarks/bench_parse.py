"""Parse throughput against baselines measured in the same run (not a test: machines are noisy).

    python benchmarks/bench_parse.py [--realdata PATH]

(a) CSV and XLSX rows per second: `spend.parse_file` against a bare `pandas.read_csv` /
    `pandas.read_excel` of the same files. The ratio is spend's time over pandas' (target for CSV: 3).
    The headline empties spend's caches that carry over from file to file (amounts, supplier codes, header
    cells) before each timed pass, so every distinct value is paid for again; "warm" keeps them, as a
    long `spend parse` over many months of one publisher would.
(b) PDF pages per second: `spend.parse_file` against poppler's `pdftotext -layout`
    (Debian package poppler-utils; reported as unavailable when it is not installed): the shared corpus's
    PDFs, and the ruled grids of ../shared/realdata-more (one month of each of its three PDF bodies).
(c) The whole nhs-london-2020-21 folder, in a fresh process: wall time and peak memory (RSS).
Each timing is the best of three runs; spend and its baseline run alternately, so that a machine shared with
other work slows both alike.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium

from spend.core.config import realdata_dir, realdata_more_dir
from spend.parse.file import parse_file


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def best_of(fn, n=3) -> float:
    return min(timed(fn) for _ in range(n))


def best_of_pair(ours, base, n=3) -> tuple[float, float]:
    """Best times of two functions run alternately."""
    times = [(timed(ours), timed(base)) for _ in range(n)]
    return min(t[0] for t in times), min(t[1] for t in times)


def forget_across_files() -> None:
    """Empty the caches spend keeps from one file to the next (amounts, supplier codes, header cells), so
    a timed pass pays for every distinct value again, as a first parse of these files would."""
    from spend.parse import columns, file as parse, headers

    columns.read_amount.cache_clear()
    parse._split_supplier.cache_clear()
    headers.normalise_header.cache_clear()


def bench_tabular(files, baseline) -> dict:
    parse_file(files[0]), baseline(files[0])  # load the code paths both take, once
    rows = sum(parse_file(f).report.rows_read for f in files)
    cold, base = best_of_pair(lambda: (forget_across_files(), [parse_file(f) for f in files]),
                              lambda: [baseline(f) for f in files])
    warm, base_again = best_of_pair(lambda: [parse_file(f) for f in files], lambda: [baseline(f) for f in files])
    base = min(base, base_again)
    return {"files": len(files), "rows": rows, "spend_rows_per_s": rows / cold, "baseline_rows_per_s": rows / base,
            "ratio": cold / base, "warm_spend_rows_per_s": rows / warm, "warm_ratio": warm / base}


def _read_csv(f):
    try:
        return pd.read_csv(f, encoding="utf-8-sig", dtype=str, on_bad_lines="skip")
    except UnicodeDecodeError:
        return pd.read_csv(f, encoding="cp1252", dtype=str, on_bad_lines="skip")


def bench_pdf(files) -> dict:
    pages = sum(len(pdfium.PdfDocument(str(f))) for f in files)
    if shutil.which("pdftotext"):
        ours, base = best_of_pair(lambda: [parse_file(f) for f in files],
                                  lambda: [subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True,
                                                          check=True) for f in files])
        out = {"files": len(files), "pages": pages, "spend_pages_per_s": pages / ours,
               "pdftotext_pages_per_s": pages / base, "ratio": ours / base}
    else:
        ours = best_of(lambda: [parse_file(f) for f in files])
        out = {"files": len(files), "pages": pages, "spend_pages_per_s": pages / ours, "pdftotext_pages_per_s": None,
               "ratio": None, "note": "pdftotext not installed (apt-get install poppler-utils)"}
    return out


_WHOLE = """
import resource, sys, time
from pathlib import Path
from spend.parse.file import parse_file
root = Path(sys.argv[1])
files = [f for f in sorted(root.rglob('*')) if f.suffix in ('.csv', '.xls', '.xlsx', '.pdf') and not f.name.endswith('.pdf.csv')]
t = time.perf_counter()
rows = sum(parse_file(f).report.rows_kept for f in files)
print(len(files), rows, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


# One month of each ruled-grid body of ../shared/realdata-more: wrapped cells, a rotated file, a header on page 1.
RULED = ("NCL/NCL 04 - July.pdf", "NENW/NENW 07 - October.pdf", "SEL/SEL 03 - June.pdf")


def bench_whole_folder(folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _WHOLE, str(folder)], capture_output=True, text=True, check=True)
    files, rows, seconds, rss_kb = out.stdout.split()
    return {"files": int(files), "rows_kept": int(rows), "seconds": float(seconds), "peak_rss_mib": int(rss_kb) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--realdata", type=Path, default=realdata_dir())
    ap.add_argument("--realdata-more", type=Path, default=realdata_more_dir())
    args = ap.parse_args()
    nhs = args.realdata / "nhs-london-2020-21"
    csvs = sorted(f for f in nhs.glob("*/*.csv") if not f.name.endswith(".pdf.csv"))
    xlsxs = sorted(nhs.glob("*/*.xlsx"))
    pdfs = sorted(nhs.glob("*/*.pdf"))
    results = {
        "csv": bench_tabular(csvs, _read_csv),
        "xlsx": bench_tabular(xlsxs, lambda f: pd.read_excel(f, sheet_name=None, header=None)),
        "pdf": bench_pdf(pdfs),
        "pdf_ruled": bench_pdf([args.realdata_more / "nhs-london-2020-21" / name for name in RULED]),
        "whole_nhs_folder": bench_whole_folder(nhs),
    }
    print(json.dumps(results, indent=2))
    c, x, p, w = results["csv"], results["xlsx"], results["pdf"], results["whole_nhs_folder"]
    ruled = results["pdf_ruled"]
    print(f"\nCSV : {c['spend_rows_per_s']:,.0f} rows/s vs pandas.read_csv {c['baseline_rows_per_s']:,.0f} rows/s "
          f"-> {c['ratio']:.2f}x slower (target 3x); caches warm {c['warm_ratio']:.2f}x")
    print(f"XLSX: {x['spend_rows_per_s']:,.0f} rows/s vs pandas.read_excel {x['baseline_rows_per_s']:,.0f} rows/s "
          f"-> {x['ratio']:.2f}x; caches warm {x['warm_ratio']:.2f}x")
    if p.get("ratio"):
        print(f"PDF : {p['spend_pages_per_s']:,.1f} pages/s vs pdftotext -layout {p['pdftotext_pages_per_s']:,.1f} pages/s "
              f"-> {p['ratio']:.1f}x slower (target 10x)")
    if ruled.get("ratio"):
        print(f"PDF, ruled grids: {ruled['spend_pages_per_s']:,.1f} pages/s vs pdftotext -layout "
              f"{ruled['pdftotext_pages_per_s']:,.1f} pages/s -> {ruled['ratio']:.1f}x slower (target 10x)")
    print(f"nhs-london-2020-21: {w['files']} files, {w['rows_kept']:,} payments in {w['seconds']:.1f} s, "
          f"peak {w['peak_rss_mib']:.0f} MiB (targets 60 s, 1 GiB)")


if __name__ == "__main__":
    main()
