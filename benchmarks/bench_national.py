"""Benchmark: a national-scale build, from a generated corpus of distinct files (benchmarks/generate_corpus.py).

    python benchmarks/bench_national.py --files 12000                 # 15 to 30 minutes on two cores
    python benchmarks/bench_national.py --files 300 --work /tmp/nat --keep

Unlike bench_build.py, which files the shared corpus again under more publishers (identical bytes, parsed
once), every file here has bytes of its own, so the cold build pays for every parse. Measured in one run:

(a) cold build (no store, no parse cache): seconds, files/s, payments/s, peak memory;
(b) rebuild with nothing changed: `build_store`'s own seconds, and `spend build` end to end (a fresh
    process: start-up, imports, registry, the check of every file's size and time);
(c) one file added (a new month of an existing publisher, with its provenance record), then a rebuild;
(d) one file changed (published again: three amounts corrected, one line added), then a rebuild;
(e) each build's time per stage, where the build reports one (`BuildResult.stages`);
(f) parse profile on a sample of the generated files (by default 200 CSV, 50 XLSX, 20 PDF), each against
    a baseline timed in the same run, alternately, best of `--repeats`: `spend.parse.parse_file` alone, and
    what a build's worker does per file (`spend.store.cache.parse_to_cache`: the parse, then its payments,
    rejects and report written to the parse cache), against `pandas.read_csv` of the same CSVs (told their
    encoding and header line), `pandas.read_excel(engine='openpyxl')` and `python_calamine` (if installed)
    of the XLSX, and `pdftotext -layout` of the PDFs (pages/s). spend's caches that carry over from file
    to file are emptied before each pass, as in bench_parse.py;
(g) `spend --version` and `spend --help`, wall time, best of 5.

Every build runs in a child process; its peak memory is reported three ways: the largest sum of resident
memory over the build and its parsing processes (sampled every 0.1 s), the build process's own peak
(getrusage RUSAGE_SELF) and the largest peak of one of its parsing processes (RUSAGE_CHILDREN). After the
builds the store is checked against the generator's manifest (every file's rows and total, the payments'
sum); a mismatch is reported and the exit status is 1. The added and changed files are then undone, so that
a corpus kept with --work is the one its corpus.json describes and can be reused by the next run.

Prints a markdown table and writes every figure to a JSON file (`--json`, default in the temporary folder
of the system: bench_national-<files>.json). Nothing here is a test assertion: the machine is shared and
timings are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_corpus as gen  # noqa: E402

# A build in a child process: what it prints on its last line is the figures.
_BUILD = r"""
import json, resource, sys, time
started = time.perf_counter()
from spend.store.build import build_store
imported = time.perf_counter() - started
t = time.perf_counter()
r = build_store(sys.argv[1], workers=int(sys.argv[2]) or None, force=sys.argv[3] == "1")
seconds = time.perf_counter() - t
print(json.dumps({
    "seconds": seconds, "import_seconds": imported, "files": r.files, "parsed_now": r.parsed_now,
    "parses": r.parses, "failed": [list(f) for f in r.failed], "assembled": r.assembled, "payments": r.payments,
    "duplicates": r.duplicates, "total_pence": r.total_pence,
    "stages": {k: float(v) for k, v in (getattr(r, "stages", None) or {}).items()},
    "self_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


class TreeMemory:
    """The largest sum of resident memory over process `root` and its descendants, sampled every 0.1 s."""

    def __init__(self, root: int):
        self.root, self.peak = root, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        page = os.sysconf("SC_PAGE_SIZE")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * page
        total, todo = 0, [self.root]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _env() -> dict:
    src = str(HERE.parent / "src")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}


def child_build(data: Path, workers: int, force: bool = False) -> dict:
    """One build in a fresh process: its figures, wall time and peak memory."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _BUILD, str(data), str(workers), "1" if force else "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    peak = memory.stop()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"the build failed (exit {proc.returncode}):\n{err[-3000:]}")
    figures = json.loads(out.strip().splitlines()[-1])
    figures.update(wall_seconds=wall, tree_peak_mib=peak / 2**20)
    return figures


def spend_command() -> list[str]:
    script = Path(sys.executable).with_name("spend")
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from spend.cli import main; main()"]


def wall(cmd: list[str], repeats: int) -> tuple[float, int]:
    """Best wall time of a command and its exit status."""
    best, status = float("inf"), 0
    for _ in range(repeats):
        t = time.perf_counter()
        status = subprocess.run(cmd, capture_output=True, env=_env()).returncode
        best = min(best, time.perf_counter() - t)
    return best, status


def reset_store(data: Path) -> None:
    """Remove the store and the parse cache: the next build is cold."""
    shutil.rmtree(data / "clean", ignore_errors=True)
    (data / "spend.duckdb").unlink(missing_ok=True)


def prepare_corpus(data: Path, files: int, seed: int, publishers: int, mix: dict) -> dict:
    """Reuse a corpus written with the same arguments, else write it afresh."""
    params = gen.read_params(data)
    if params == gen._params(files, seed, publishers, mix) and (data / gen.MANIFEST).is_file():
        print(f"reusing the corpus in {data}", flush=True)
        return {**gen.summarise(gen.read_manifest(data)), "reused": True}
    if data.exists():
        if params is None and any(data.iterdir()):
            raise SystemExit(f"{data} holds something other than a generated corpus; give another --work")
        shutil.rmtree(data)
    print(f"writing {files:,} files to {data}", flush=True)
    return {**gen.generate_corpus(data, files, seed=seed, publishers=publishers, mix=mix, progress=True),
            "reused": False}


# --- (f) the parse profile ----------------------------------------------------------------------------------

def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _forget() -> None:
    from bench_parse import forget_across_files

    forget_across_files()


def best_alternating(fns: dict, repeats: int) -> dict[str, float]:
    """The best time of each function, run in turn `repeats` times (a busy machine slows all alike)."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            best[name] = min(best[name], _timed(fn))
    return best


def _sample(manifest: list[dict], fmt: str, k: int, seed: int) -> list[dict]:
    rows = [m for m in manifest if m["format"] == fmt]
    return random.Random(f"sample:{seed}:{fmt}").sample(rows, min(k, len(rows)))


def parse_profile(data: Path, manifest: list[dict], sizes: dict[str, int], repeats: int, seed: int) -> dict:
    import pandas as pd

    from spend.parse import parse_file
    from spend.store.cache import cache_key, parse_to_cache, parser_version

    version = parser_version()
    cache = Path(tempfile.mkdtemp(prefix="spend-bench-cache-"))
    out: dict = {}
    try:
        for fmt in ("csv", "xlsx", "pdf"):
            sample = _sample(manifest, fmt, sizes[fmt], seed)
            if not sample:
                continue
            paths = [data / "raw" / m["file"] for m in sample]
            keys = [cache_key(version, m["sha256"], None) for m in sample]
            payments = sum(int(m["rows"]) for m in sample)
            parse_file(paths[0])  # load the code paths once

            def spend_parse(paths=paths):
                _forget()
                for p in paths:
                    parse_file(p)

            def spend_cache(paths=paths, keys=keys):
                _forget()
                for p, k in zip(paths, keys):
                    parse_to_cache(str(p), k, str(cache), None)

            fns = {"spend_parse": spend_parse, "spend_parse_and_cache": spend_cache}
            if fmt == "csv":
                def read_csv(sample=sample, paths=paths):
                    for m, p in zip(sample, paths):
                        pd.read_csv(p, encoding=m["encoding"], skiprows=int(m["header_line"]), dtype=str,
                                    keep_default_na=False)
                fns["pandas_read_csv"] = read_csv
            elif fmt == "xlsx":
                fns["pandas_read_excel_openpyxl"] = lambda paths=paths: [
                    pd.read_excel(p, engine="openpyxl", sheet_name=None, header=None) for p in paths]
                try:
                    from python_calamine import CalamineWorkbook

                    def calamine(paths=paths):
                        for p in paths:
                            wb = CalamineWorkbook.from_path(str(p))
                            for name in wb.sheet_names:
                                wb.get_sheet_by_name(name).to_python()
                    fns["python_calamine"] = calamine
                except ImportError:
                    pass
            elif fmt == "pdf" and shutil.which("pdftotext"):
                fns["pdftotext_layout"] = lambda paths=paths: [
                    subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, check=True) for p in paths]
            times = best_alternating(fns, repeats if fmt != "pdf" else max(1, repeats - 1))
            entry = {"files": len(paths), "payments": payments, "mib": sum(int(m["size"]) for m in sample) / 2**20,
                     "seconds": times}
            if fmt == "pdf":
                import pypdfium2 as pdfium

                pages = 0
                for p in paths:
                    doc = pdfium.PdfDocument(str(p))
                    pages += len(doc)
                    doc.close()
                entry["pages"] = pages
                entry["pages_per_s"] = {k: pages / v for k, v in times.items()}
            entry["payments_per_s"] = {k: payments / v for k, v in times.items()}
            baselines = [k for k in times if not k.startswith("spend")]
            entry["ratio"] = {f"{s}/{b}": times[s] / times[b] for s in ("spend_parse", "spend_parse_and_cache")
                              for b in baselines}
            entry["cache_write_share"] = 1 - times["spend_parse"] / times["spend_parse_and_cache"]
            out[fmt] = entry
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return out


# --- the report ---------------------------------------------------------------------------------------------

def _mib(x: float) -> str:
    return f"{x:,.0f} MiB"


def markdown(r: dict) -> str:
    c, cold = r["corpus"], r["cold"]
    lines = ["| measure | figure |", "| --- | --- |",
             f"| corpus | {c['files']:,} files ({', '.join(f'{k} {v:,}' for k, v in c['formats'].items())}), "
             f"{c['publishers']} publishers, {c['payments']:,} payments, {c['bytes'] / 2**20:,.0f} MiB"
             + (f"; written in {c['seconds']:.0f} s" if c.get("seconds") else "; reused") + " |",
             f"| (a) cold build | {cold['seconds']:.1f} s ({cold['wall_seconds']:.1f} s with the process start); "
             f"{cold['files'] / cold['seconds']:,.1f} files/s, {cold['payments'] / cold['seconds']:,.0f} payments/s; "
             f"{len(cold['failed'])} failed |",
             f"| (a) peak memory | {_mib(cold['tree_peak_mib'])} build and parsing processes together; build process "
             f"{_mib(cold['self_peak_mib'])}, largest parsing process {_mib(cold['worker_peak_mib'])} |",
             f"| (b) rebuild, nothing changed | build_store {r['nochange']['build_store_seconds']:.2f} s; "
             f"`spend build` end to end {r['nochange']['spend_build_seconds']:.2f} s (best of "
             f"{r['nochange']['repeats']}) |",
             f"| (c) one file added, rebuild | {r['added']['seconds']:.1f} s ({r['added']['parsed_now']} parsed) |",
             f"| (d) one file changed, rebuild | {r['changed']['seconds']:.1f} s ({r['changed']['parsed_now']} parsed) |"]
    for name in ("cold", "added", "changed"):
        stages = r[name].get("stages") or {}
        if stages:
            lines.append(f"| (e) stages, {name} | " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()) + " |")
    if not any(r[n].get("stages") for n in ("cold", "added", "changed")):
        lines.append("| (e) stages | not reported by this build (BuildResult has no `stages`) |")
    for fmt, e in r.get("parse_profile", {}).items():
        s = e["seconds"]
        rate = (lambda k: f"{e['pages_per_s'][k]:,.1f} pages/s") if fmt == "pdf" else (
            lambda k: f"{e['payments_per_s'][k]:,.0f} payments/s")
        base = ", ".join(f"{k} {s[k]:.2f} s ({rate(k)})" for k in s if not k.startswith("spend"))
        ratios = ", ".join(f"{k} {v:.1f}x" for k, v in e["ratio"].items())
        lines.append(f"| (f) {fmt}: {e['files']} files, {e['payments']:,} payments"
                     + (f", {e['pages']} pages" if fmt == "pdf" else "")
                     + f" | parse {s['spend_parse']:.2f} s ({rate('spend_parse')}); parse + cache write "
                       f"{s['spend_parse_and_cache']:.2f} s ({rate('spend_parse_and_cache')}; the write "
                       f"{e['cache_write_share']:.0%}); {base}; ratios {ratios} |")
    cli = r["cli"]
    lines.append(f"| (g) `spend --version`, `spend --help` | {cli['version_seconds'] * 1000:.0f} ms, "
                 f"{cli['help_seconds'] * 1000:.0f} ms (best of 5) |")
    check = r["check"]
    lines.append(f"| store against the manifest | {len(check['mismatches'])} mismatches over {check['files']:,} files, "
                 f"{check['payments']:,} payments |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=12000)
    ap.add_argument("--work", type=Path, help="keep the corpus and store here, and reuse a corpus made with the "
                                              "same arguments (default: a temporary folder, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--publishers", type=int, default=500)
    ap.add_argument("--mix", help="share of each format (default csv=0.86,xlsx=0.11,pdf=0.03)")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="parsing processes of the build")
    ap.add_argument("--sample", default="200,50,20", help="files in the parse profile: CSV,XLSX,PDF")
    ap.add_argument("--repeats", type=int, default=3, help="passes of each timing; the best is kept")
    ap.add_argument("--no-profile", action="store_true", help="leave out (f), the parse profile")
    ap.add_argument("--json", type=Path, help="where to write the figures")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="spend-national-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "corpus"
    mix = gen.parse_mix(args.mix)
    json_path = args.json or Path(tempfile.gettempdir()) / f"bench_national-{args.files}.json"
    started = time.perf_counter()
    report: dict = {"arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                    "cpus": os.cpu_count()}
    try:
        report["corpus"] = prepare_corpus(data, args.files, args.seed, args.publishers, mix)
        print(f"corpus: {report['corpus']['files']:,} files, {report['corpus']['payments']:,} payments", flush=True)

        reset_store(data)
        print("(a) cold build...", flush=True)
        report["cold"] = cold = child_build(data, args.workers)
        print(f"    {cold['seconds']:.1f} s, {cold['payments']:,} payments, peak {cold['tree_peak_mib']:,.0f} MiB",
              flush=True)

        print("(b) rebuilds with nothing changed...", flush=True)
        runs = [child_build(data, args.workers) for _ in range(args.repeats)]
        spend_build, status = wall([*spend_command(), "build", "--data", str(data)], args.repeats)
        report["nochange"] = {"build_store_seconds": min(r["seconds"] for r in runs),
                              "build_store_runs": [r["seconds"] for r in runs],
                              "assembled": any(r["assembled"] for r in runs), "spend_build_seconds": spend_build,
                              "spend_build_exit_status": status, "repeats": args.repeats}

        manifest_before = (data / gen.MANIFEST).read_bytes()
        print("(c) one file added...", flush=True)
        added = gen.add_file(data)
        report["added"] = {**child_build(data, args.workers), "file": added["file"]}
        print("(d) one file changed...", flush=True)
        target = data / "raw" / next(m["file"] for m in gen.read_manifest(data)
                                     if m["format"] == "csv" and m["file"] != added["file"])
        backup = {p: p.read_bytes() for p in (target, target.with_name(target.name + ".meta.json"))}
        changed = gen.change_file(data, target.relative_to(data / "raw").as_posix())
        report["changed"] = {**child_build(data, args.workers), "file": changed["file"]}
        report["check"] = gen.compare_with_store(data)
        # Undo (c) and (d), so that the corpus is the one corpus.json describes.
        added_path = data / "raw" / added["file"]
        added_path.unlink()
        added_path.with_name(added_path.name + ".meta.json").unlink()
        for p, b in backup.items():
            p.write_bytes(b)
        (data / gen.MANIFEST).write_bytes(manifest_before)

        if not args.no_profile:
            print("(f) parse profile...", flush=True)
            sizes = dict(zip(("csv", "xlsx", "pdf"), (int(x) for x in args.sample.split(","))))
            report["parse_profile"] = parse_profile(data, gen.read_manifest(data), sizes, args.repeats, args.seed)

        print("(g) spend --version, spend --help...", flush=True)
        report["cli"] = {"version_seconds": wall([*spend_command(), "--version"], 5)[0],
                         "help_seconds": wall([*spend_command(), "--help"], 5)[0]}
        report["seconds"] = time.perf_counter() - started
        json_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print()
        print(markdown(report))
        print(f"\nall figures: {json_path}; {report['seconds'] / 60:.1f} min in all")
        for m in report["check"]["mismatches"][:20]:
            print(f"MISMATCH {m}")
        for f in cold["failed"][:20]:
            print(f"FAILED {f[0]}: {f[1]}")
        return 1 if report["check"]["mismatches"] or cold["failed"] else 0
    finally:
        if not args.work and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif args.work is None:
            print(f"kept {work}")


if __name__ == "__main__":
    sys.exit(main())
