"""Benchmark: build the notice tables from 10,000 stored release packages.

The 250 real release packages in ../shared/realdata/contracts-finder (OCDS 1.0 tenders and 1.1
awards) are copied byte for byte into a temporary raw store, each copy with a fresh GUID in place
of the one its ocid and release ids are built on, until there are 10,000. Then, each phase in a
fresh process (so peak memory is that phase's own):

  baseline   read every file and json.loads it: the floor for any JSON-based build
  build      spend.notices.build_tables: decode, flatten, dedupe, three DataFrames
  build+write  the same, then write the three Parquet files

Reported: packages per second (median of the repeats), the ratio to the baseline measured in the
same run, and peak resident memory. Target: 1,000 packages per second on 2 cores.

    .venv/bin/python benchmarks/bench_notices.py [--packages 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FOLDERS = ("ocds-1.0-tender-2017", "ocds-1.1-award-2019-20")


def replicate(realdata: Path, target: Path, count: int) -> int:
    """Write `count` packages into `target`; return their total size in bytes."""
    sources = [p for folder in FOLDERS for p in sorted((realdata / "contracts-finder" / folder).glob("*.json"))]
    if not sources:
        sys.exit(f"no real packages under {realdata / 'contracts-finder'}")
    bodies = []
    for path in sources:
        body = path.read_bytes()
        ocid = json.loads(body)["releases"][0]["ocid"]
        bodies.append((body, GUID.search(ocid).group().encode()))
    size = 0
    for index in range(count):
        body, guid = bodies[index % len(bodies)]
        fresh = body.replace(guid, str(uuid.UUID(int=index + 1)).encode()) if index >= len(bodies) else body
        folder = target / f"batch-{index // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"package-{index:05d}.json").write_bytes(fresh)
        size += len(fresh)
    return size


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_phase(phase: str, raw: str, out: str, repeats: int, queue: multiprocessing.Queue) -> None:
    import pandas  # noqa: F401  (imported before measuring, as any build has it loaded)

    from spend.notices.tables import build_tables
    from spend.store.notices import write_notices

    files = sorted(Path(raw).rglob("*.json"))
    start_rss = rss_mb()
    timings, rows = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        if phase == "baseline":
            for path in files:
                json.loads(path.read_bytes())
        else:
            tables = build_tables([raw])
            if phase == "build+write":
                write_notices(tables, None, out)
            rows = (len(tables.notices), len(tables.awards), len(tables.award_suppliers))
            del tables
        timings.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"phase": phase, "timings": timings, "rows": rows, "rss_start": start_rss, "rss_peak": peak})


def measure(phase: str, raw: Path, out: Path, repeats: int) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=run_phase, args=(phase, str(raw), str(out), repeats, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from spend.core import config

    with tempfile.TemporaryDirectory(prefix="bench-notices-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "clean"
        size = replicate(config.realdata_dir(), raw, args.packages)
        print(f"{args.packages} packages, {size / 1e6:.1f} MB, in {raw}")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.repeats} runs, each phase in a fresh process\n")
        results = [measure(phase, raw, out, args.repeats) for phase in ("baseline", "build", "build+write")]
        baseline = statistics.median(results[0]["timings"])
        print(f"{'phase':<12} {'median s':>9} {'best s':>8} {'packages/s':>11} {'x baseline':>11} {'peak RSS MB':>12} {'of which work':>14}")
        for result in results:
            median = statistics.median(result["timings"])
            print(
                f"{result['phase']:<12} {median:>9.2f} {min(result['timings']):>8.2f} {args.packages / median:>11,.0f} "
                f"{median / baseline:>11.1f} {result['rss_peak']:>12.0f} {result['rss_peak'] - result['rss_start']:>14.0f}"
            )
        notices, awards, suppliers = results[1]["rows"]
        print(f"\ntables: {notices} notices, {awards} awards, {suppliers} award_suppliers")
        rate = args.packages / statistics.median(results[2]["timings"])
        print(f"target 1,000 packages/s for build+write: {'met' if rate >= 1000 else 'NOT met'} ({rate:,.0f}/s)")


if __name__ == "__main__":
    main()
