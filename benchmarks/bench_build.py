"""Benchmark: build the store from the shared corpus, and from the corpus scaled up 100 times.

    python benchmarks/bench_build.py                 # 1x and 100x, in a temporary folder
    python benchmarks/bench_build.py --scale 10      # a quicker run

Reports, all measured in the same run:
- 1x cold build (every file parsed): seconds, rows/s, peak memory of the process tree;
- rebuild with nothing changed;
- 100x build: the corpus's files filed again under 99 more publishers ("<slug>-copy-NN"), about
  100 times the rows. Identical bytes are parsed once (the parse cache is keyed by content), so
  this measures what the store does with a large corpus; the cold parse time for 100x distinct
  files is extrapolated from the 1x cold rate and printed beside it;
- an analyst's query (total by supplier and month for one publisher) through DuckDB, against
  the same query in pandas over `load_payments`, as a ratio.

Peak memory is the largest sum of resident memory over this process and its children, sampled
every 0.1 s. Nothing here is a test assertion: the machine is shared and timings are noisy.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import sys
import tempfile
import threading
import time
from msgspec.structs import replace
from decimal import Decimal
from pathlib import Path


class PeakMemory:
    """Peak resident memory (bytes) of this process and all its descendants while in the block."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()

    def _tree_rss(self) -> int:
        me = os.getpid()
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ppid, pages = int(fields[1]), int(fields[21])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
            rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
        total, todo = 0, [me]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(0.1)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._tree_rss())


def place_corpus(data: Path, realdata: Path, publishers, copies: int) -> int:
    """Hard-link (or copy) each publisher's corpus files into data/raw/spend/<slug>[-copy-NN]/."""
    n = 0
    for p in publishers:
        files = []
        for pattern in p.corpus:
            files += [f for f in sorted(realdata.glob(pattern)) if f.is_file()
                      and not any(fnmatch.fnmatch(f.relative_to(realdata).as_posix(), x) for x in p.corpus_exclude)]
        for k in range(copies):
            slug = p.slug if k == 0 else f"{p.slug}-copy-{k:02d}"
            for f in files:
                dest = data / "raw" / "spend" / slug / f.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not dest.exists():
                    try:
                        os.link(f, dest)
                    except OSError:
                        shutil.copyfile(f, dest)
                n += 1
    return n


def timed_build(data: Path, publishers: dict, **kw):
    from spend.store.build import build_store

    with PeakMemory() as mem:
        t = time.perf_counter()
        result = build_store(data, publishers=publishers, **kw)
        seconds = time.perf_counter() - t
    return result, seconds, mem.peak


def query_ratio(data: Path, publisher_id: str, repeats: int = 3):
    """Total by supplier and month for one publisher: DuckDB over the store, and pandas."""
    from spend.store.read import load_payments
    from spend.store.views import connect

    sql = ("select supplier_id, any_value(supplier_name) as supplier, strftime(payment_date, '%Y-%m') as month, "
           "count(*) as payments, sum(amount_gbp) as total from payments_counted where publisher_id = ? "
           "group by supplier_id, month order by total desc")
    best_db = best_pd = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        con = connect(data)
        db = con.execute(sql, [publisher_id]).df()
        con.close()
        best_db = min(best_db, time.perf_counter() - t)
        t = time.perf_counter()
        frame = load_payments(data, publisher_id=publisher_id)
        frame = frame[frame["duplicate_of"].isna()]
        frame = frame.assign(month=[d.strftime("%Y-%m") if d else None for d in frame["payment_date"]])
        pd_result = (frame.groupby(["supplier_id", "month"])["amount_gbp"]
                     .agg(lambda s: sum(s, Decimal(0))).sort_values(ascending=False))
        best_pd = min(best_pd, time.perf_counter() - t)
    top_db = Decimal(str(db["total"].iloc[0]))
    if top_db != pd_result.iloc[0]:
        raise SystemExit(f"the two queries disagree: {top_db} != {pd_result.iloc[0]}")
    return best_db, best_pd, len(db)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="copies of the corpus for the large build")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--workdir", type=Path, help="keep the stores here (default: a temporary folder)")
    args = parser.parse_args()

    from spend.core.config import realdata_dir
    from spend.sources.registry import load_publishers

    realdata = realdata_dir()
    registry = [p for p in load_publishers() if p.corpus]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="spend-bench-"))
    print(f"corpus {realdata}; {len(registry)} publishers with files; work folder {work}; {args.workers} workers")

    # 1x: every file parsed cold.
    small = work / "x1"
    shutil.rmtree(small, ignore_errors=True)
    n = place_corpus(small, realdata, registry, 1)
    pubs = {p.slug: p for p in registry}
    r1, s1, m1 = timed_build(small, pubs, workers=args.workers, force=True)
    print(f"1x cold build: {n} files, {r1.payments:,} payments, {s1:.1f} s, {r1.payments / s1:,.0f} rows/s, "
          f"peak {m1 / 2**20:,.0f} MiB, {len(r1.failed)} failed")
    _, s1b, _ = timed_build(small, pubs, workers=args.workers)
    print(f"1x rebuild, nothing changed: {s1b:.2f} s (target under 2 s)")

    # 100x: the same files under more publishers.
    big = work / f"x{args.scale}"
    shutil.rmtree(big, ignore_errors=True)
    n = place_corpus(big, realdata, registry, args.scale)
    many = dict(pubs)
    for p in registry:
        for k in range(1, args.scale):
            copy = replace(p, slug=f"{p.slug}-copy-{k:02d}", name=f"{p.name} (copy {k})")
            many[copy.slug] = copy
    rb, sb, mb = timed_build(big, many, workers=args.workers)
    cold = s1 * args.scale
    print(f"{args.scale}x build: {n:,} files, {rb.payments:,} payments, {sb:.1f} s, {rb.payments / sb:,.0f} rows/s, "
          f"peak {mb / 2**20:,.0f} MiB (targets 600 s, 4096 MiB); {rb.parses} parses for {rb.files:,} files "
          f"(identical bytes are parsed once). Cold-parse estimate for {args.scale}x distinct files: "
          f"{cold:.0f} s ({cold / 60:.1f} min)")
    _, sbb, _ = timed_build(big, many, workers=args.workers)
    print(f"{args.scale}x rebuild, nothing changed: {sbb:.2f} s")

    db, pdt, groups = query_ratio(big, "nhs-hounslow-ccg")
    print(f"query (supplier x month for nhs-hounslow-ccg, {groups} groups): DuckDB {db * 1000:.0f} ms, "
          f"pandas {pdt * 1000:.0f} ms, ratio pandas/DuckDB {pdt / db:.1f}x (target under 1 s)")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
