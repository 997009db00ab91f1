"""Peak memory of `spend parse` on hostile inputs at their real size (not a test: figures to read; each
should stay under 1 GiB).

    python benchmarks/bench_hostile_parse.py [--realdata PATH] [--src PATH] [--cap-mib N]

Each input is made from a real file by tests/hostile.py, written to a temporary folder and parsed by
`spend parse FILE -o FILE.parquet` in a child process of its own. The figure is that child's peak resident
memory (ru_maxrss, from os.wait4), with its wall time and what it said (the refusal, or what it wrote):

- an XLSX of about 4 MB whose sheet inflates to 1.1 GB, its zip header honest about the size;
- the same with the header declaring the sheet's original 24 KB (only inflating it finds the truth);
- an XLSX of 20,000 real rows whose `<dimension>` claims A1:XFD20000 (16,384 columns);
- Guy's April CSV (13,457 rows) with one amount of £10^16;
- Epsom's April CSV with one cell of 10 MB;
- the real files they are made from, for comparison;
- two XLSX at the limits (spend.parse.limits), which are read, not refused: a sheet of real rows grown to
  120 MiB inflated (about 390,000 rows), and one of 120 MiB of random one-digit cells (7.7 million cells,
  the most a sheet of that size holds). These two take a minute or two.

The child runs under an address-space limit (`--cap-mib`, 4 GiB) so that a reader that does blow up fails
instead of taking the machine down; its figure then reads "over the cap". `--src` runs another copy of the
code (an older commit's src/, from `git archive`) to compare against.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402  (tests/hostile.py: the builders the tests use, at full size here)

from spend.core.config import realdata_dir  # noqa: E402

NHS = "nhs-london-2020-21"
MiB = 1 << 20
GiB = 1 << 30
_CHILD = "import sys; from spend.cli import main; sys.exit(main(sys.argv[1:]))"


def inputs(realdata: Path) -> list[tuple[str, str, bytes]]:
    """(what, file name, bytes) of each input."""
    nmid = (realdata / NHS / "NMID/NMID 01 - April.xlsx").read_bytes()
    guys = (realdata / NHS / "GUYS/GUYS 01 - April.csv").read_bytes()
    epsh = (realdata / NHS / "EPSH/EPSH 01 - April.csv").read_bytes()
    bomb = hostile.inflating_xlsx(nmid, 1_100_000_000)
    at_limit = int(120 * MiB / (len(zip_member(nmid, hostile.SHEET)) / 75))  # rows of NMID's size in 120 MiB
    return [
        ("real XLSX (NMID April)", "nmid.xlsx", nmid),
        ("XLSX inflating to 1.1 GB", "bomb.xlsx", bomb),
        ("the same, header declaring 24 KB", "lying-bomb.xlsx",
         hostile.declare_size(bomb, hostile.SHEET, len(zip_member(nmid, hostile.SHEET)))),
        ("XLSX, false dimension A1:XFD20000", "false-dimension.xlsx", hostile.false_dimension_xlsx(nmid, 20_000)),
        ("the same 20,000 rows, true dimension", "true-dimension.xlsx", hostile.grown_xlsx(nmid, 20_000, "A1:H20000")),
        ("real CSV (GUYS April)", "guys.csv", guys),
        ("GUYS April, one amount of £10^16", "huge-amount.csv",
         hostile.csv_with_cell(guys, 5, "amount", "10000000000000000.00")),
        ("real CSV (EPSH April)", "epsh.csv", epsh),
        ("EPSH April, one 10 MB cell", "long-cell.csv", hostile.csv_with_cell(epsh, 4, "Expense Type", "x" * 10_000_000)),
        (f"at the limits: {at_limit:,} real rows", "limit-rows.xlsx",
         hostile.grown_xlsx(nmid, at_limit, f"A1:H{at_limit}")),
        ("at the limits: 120 MiB of one-digit cells", "limit-cells.xlsx", hostile.dense_xlsx(nmid, 120 * MiB)),
    ]


def zip_member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def parse_in_child(path: Path, src: Path, cap: int) -> dict:
    """`spend parse PATH -o PATH.parquet` in a child process: exit status, seconds, peak RSS, last words."""
    out, err = path.with_suffix(".out"), path.with_suffix(".err")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    with open(out, "w") as stdout, open(err, "w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", _CHILD, "parse", str(path), "-o", str(path) + ".parquet"],
                                 stdout=stdout, stderr=stderr, env=env, preexec_fn=limit)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    said = [line for line in (err.read_text() + out.read_text()).splitlines() if line.strip()]
    code = os.waitstatus_to_exitcode(status)
    over = code != 0 and any("MemoryError" in line or "memory allocation" in line for line in said)
    return {"status": code, "seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, "over_cap": over,
            "said": said[-1] if said else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--realdata", type=Path, default=realdata_dir())
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="the code to run (default: this checkout's)")
    ap.add_argument("--cap-mib", type=int, default=4096, help="address-space limit of each child (MiB)")
    args = ap.parse_args()
    print(f"code: {args.src}; each child capped at {args.cap_mib:,} MiB of address space")
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        rows = []
        for what, name, data in inputs(args.realdata):
            path = Path(tmp) / name
            path.write_bytes(data)
            r = parse_in_child(path, args.src, args.cap_mib * MiB)
            peak = "over the cap" if r["over_cap"] else f"{r['peak_mib']:,.0f} MiB"
            verdict = "" if r["over_cap"] or r["peak_mib"] * MiB < GiB else "  OVER 1 GiB"
            rows.append(r)
            print(f"{what:42} {len(data) / MiB:8.2f} MiB  exit {r['status']}  {r['seconds']:6.1f} s  "
                  f"peak {peak:>12}{verdict}\n{'':44}{r['said'][:150]}")
            path.unlink()
    worst = max(r["peak_mib"] for r in rows)
    print(f"\nlargest peak: {worst:,.0f} MiB ({'under' if worst * MiB < GiB else 'OVER'} 1 GiB)")


if __name__ == "__main__":
    main()
