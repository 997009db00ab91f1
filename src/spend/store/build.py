"""Build the clean store from the raw files: exact, incremental, parallel. The only writer of `data/clean`.

    result = build_store()          # data/raw -> data/clean/ + data/spend.duckdb
    payments = load_payments()      # spend.store.load_payments

What it writes, in a new folder for each build that `data/clean/current` then points at (spend.store.layout):

    <store>/payments/publisher_id=<slug>/year=<YYYY>/part-0.parquet   schema.STORED_PAYMENTS
    <store>/rejects.parquet                                           schema.STORED_REJECTS
    <store>/files.parquet                                             schema.FILES, one row per raw file
    <store>/{notices,awards,award_suppliers}.parquet                  the notices tables (spend.store.notices)
    <store>/spend.duckdb                                              views over all of them (spend.store.views),
                                                                      also data/spend.duckdb

Two stages, each skipped when its inputs have not changed:

1. Parse (spend.store.cache, spend.store.workers). Each raw spend file is parsed once per (bytes, parser
   code, date order), in parallel processes or on a Dask cluster (`scheduler=`).
2. Assemble (spend.store.assemble, spend.store.notices). Supplier names across the whole store are resolved
   to suppliers (spend.store.suppliers), each row is filed under its publisher, transactions published
   again in a later file are marked (`duplicate_of`), the stored notices are flattened and their award
   suppliers tied to the paid suppliers; everything is written to the new store's folder, which is then
   made current in one step.

Assembly is incremental. A publisher's payments are written again only when its files changed or one of
its names now resolves differently; the others are hard links to the last store's files. The rejects of
unchanged files are taken from the last rejects table, the notices tables are kept while the notice files
and the paid suppliers are the same, and the database is kept while its views are. Supplier resolution
reuses the last one's work (spend.store.suppliers), so a new file costs about its own names. `force`
(`spend build --force`) writes everything afresh, as does any change to the assembly's code or data.

A rebuild with nothing changed reads only file sizes and modification times (the provenance records and
parse reports the last build read are kept in its record, `_build/state.json`). One build runs on a data
folder at a time (spend.store.lock); it first removes what a build that was stopped left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from spend.core import config
from spend.core.files import write_via_temp
from spend.core.money import format_gbp, pence_to_decimal
from spend.store import cache as parse_cache, layout
from spend.store.lock import build_lock
from spend.store.raw import BuildError, RawSpendFile, find_notice_files, find_raw_files, spend_raw_root
from spend.store.stops import stop_point
from spend.store.workers import run_parses, run_tasks

# The assembly's modules (pandas, pyarrow, duckdb) are imported when there is something to assemble: a
# rebuild with nothing changed does without them.

STATE_VERSION = 4  # 4: the record keeps provenance, parse reports and each publisher's partition (incremental)
NOTICE_TABLES = ("notices.parquet", "awards.parquet", "award_suppliers.parquet")


@dataclass
class BuildResult:
    files: int = 0
    parsed_now: int = 0  # files parsed in this run (the rest came from the cache)
    parses: int = 0  # parse jobs run: files with identical bytes share one
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source_file, error): spend and notice files
    assembled: bool = False  # False: nothing had changed, the store was left as it was
    payments: int = 0
    duplicates: int = 0
    total_pence: int = 0
    notice_files: int = 0
    notices: int = 0  # releases kept
    awards: int = 0
    seconds: float = 0.0
    publishers_written: int = 0  # publishers whose payments were written by this build (the rest were kept)
    publishers_kept: int = 0
    stages: dict[str, float] = field(default_factory=dict)  # seconds spent in each stage of the build

    def summary(self) -> str:
        if not self.assembled:
            return (f"{self.files} raw files and {self.notice_files} notice files, nothing changed; store left as "
                    f"it was ({self.seconds:.2f} s)")
        # `payments` and `total_pence` cover every stored line, so they equal the sum of the files' own
        # totals (spend parse); the lines that repeat an earlier file's transaction are counted apart.
        parts = [f"{len(self.failed)} failed"]
        if self.files:
            parts[0] = (f"{self.files} raw files ({self.parsed_now} parsed now, {self.files - self.parsed_now} "
                        f"unchanged), {parts[0]}")
            if self.publishers_kept:
                parts.append(f"{self.publishers_written} publishers' payments written, {self.publishers_kept} "
                             "unchanged")
            parts.append(f"{self.payments:,} payments totalling {format_gbp(pence_to_decimal(self.total_pence))}, "
                         f"of which {self.duplicates:,} repeat a transaction published in an earlier file (left out "
                         f"of payments_counted)")
        if self.notice_files:
            parts.append(f"{self.notice_files} notice files: {self.notices:,} notices, {self.awards:,} awards")
        return f"{'; '.join(parts)}; {self.seconds:.1f} s"


def build_store(data_dir: str | Path | None = None, *, publishers: dict | None = None, workers: int | None = None,
                scheduler: str | None = None, progress: bool = False, force: bool = False) -> BuildResult:
    """Parse what is new or changed under data/raw and (re)write the clean store.

    `publishers` maps a slug to its registry entry (default: the package registry with the data folder's
    own, spend.sources.registry.publishers_for); `workers`
    processes parse in parallel (default: one per core); `scheduler` sends the parsing to a Dask
    cluster instead (`tcp://host:8786`); `force` re-parses and rewrites everything.
    """
    started = time.perf_counter()
    data = Path(data_dir) if data_dir else config.data_dir()
    if publishers is None:
        from spend.sources.registry import publishers_for

        publishers = {p.slug: p for p in publishers_for(data)}

    notice_files = find_notice_files(data)
    result = BuildResult()
    with build_lock(data):
        layout.remove_leftovers(data)
        _build(data, notice_files, publishers, workers, scheduler, progress, force, result)
    result.seconds = time.perf_counter() - started
    return result


class _Stages:
    """Seconds spent in each stage of a build (BuildResult.stages)."""

    def __init__(self, into: dict[str, float]):
        self.times = into

    @contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - started


def _build(data: Path, notice_files, publishers, workers, scheduler, progress: bool, force: bool,
           result: BuildResult) -> None:
    stage = _Stages(result.stages)
    clean = layout.clean_dir(data)
    cache = clean / "_build" / "parsed"
    state_path = clean / "_build" / "state.json"
    cache.mkdir(parents=True, exist_ok=True)
    with stage("record"):
        state = _load_state(state_path)
    with stage("find"):
        files = find_raw_files(data, known=state.get("files"))
    if not files and not notice_files:
        raise BuildError(spend_raw_root(data), "no raw spend files or notices; fetch or add some first (spend "
                                               "fetch --publisher SLUG, spend add FOLDER --publisher NAME, or "
                                               "spend notices fetch)")
    version = parse_cache.parser_version()
    known = {} if force or state.get("parser") != version else state.get("files", {})
    keys: dict[str, str] = {}
    shas: dict[str, str] = {}
    tasks: dict[str, tuple] = {}
    with stage("hash"):
        for f in files:
            date_order = _hint(_publisher(publishers, f), "date_order")
            seen = known.get(f.rel)
            if seen and seen["size"] == f.size and seen["mtime_ns"] == f.mtime_ns and seen.get("date_order") == date_order:
                sha = seen["sha256"]
            else:
                sha = parse_cache.sha256_file(f.path)
            key = parse_cache.cache_key(version, sha, date_order)
            shas[f.rel], keys[f.rel] = sha, key
            if force or not parse_cache.is_cached(cache, key):
                tasks.setdefault(key, (str(f.path), key, str(cache), date_order))
    with stage("parse"):
        fresh = run_parses(list(tasks.values()), workers, scheduler, progress)

    result.files, result.notice_files = len(files), len(notice_files)
    result.parsed_now, result.parses = sum(1 for f in files if keys[f.rel] in tasks), len(tasks)
    with stage("reports"):
        recorded = state.get("reports", {}) if state.get("parser") == version else {}
        reports = {k: recorded[k] if k in recorded and k not in tasks else parse_cache.read_report(cache, k)
                   for k in set(keys.values())}
    result.failed = [(f.rel, reports[keys[f.rel]]["error"]) for f in files if reports[keys[f.rel]]["status"] != "parsed"]

    assembly = _assembly_version()
    fingerprint = _fingerprint(assembly, data, files, notice_files, keys, publishers)
    if not force and state.get("assembled") == fingerprint and _store_is_whole(data, files, notice_files):
        result.failed += [tuple(f) for f in state.get("notice_failures", [])]
        _save_state(state_path, state, {**state, "files": _files_record(files, shas, keys, publishers)})
        return

    current = layout.store_dir(data)
    # Carried over only from the store this record describes (a build stopped between making its store
    # current and writing its record leaves a record of the store before).
    reuse = state if (not force and state.get("assembly") == assembly and current is not None
                      and state.get("store") == current.name) else {}
    record = _assemble(data, files, notice_files, keys, shas, reports, publishers, cache, progress, result, reuse,
                       workers, scheduler, stage, fresh)
    result.assembled = True
    with stage("record"):
        parse_cache.prune(cache, set(keys.values()))
        _save_state(state_path, state, {
            "version": STATE_VERSION, "parser": version, "assembly": assembly, "assembled": fingerprint,
            "files": _files_record(files, shas, keys, publishers), "reports": reports, **record})
        layout.retire_others(data)  # the store that was current until now


def _store_is_whole(data: Path, files, notice_files) -> bool:
    """Whether the current store has what a build of these files writes: a rebuild with nothing changed
    leaves it as it is only then (a store folder removed by hand, or a data folder copied without its
    links, is written again)."""
    store = layout.store_dir(data)
    if store is None or not (layout.clean_dir(data) / layout.CURRENT).is_symlink():
        return False
    needed = [layout.DATABASE] + (["payments", "files.parquet"] if files else []) + (
        ["notices.parquet"] if notice_files else [])
    return all((store / name).exists() for name in needed) and layout.duckdb_path(data).is_file()


def _assemble(data: Path, files, notice_files, keys, shas, reports, publishers, cache: Path, progress: bool,
              result: BuildResult, last: dict, workers: int | None, scheduler: str | None, stage: _Stages,
              fresh: dict) -> dict:
    """Write every table and the DuckDB views to a new store folder, then make it the current store. What
    the last build (`last`, its record; empty for a build from scratch) wrote and is still right is carried
    over. Returns what the build record keeps of this assembly."""
    from spend.store import assemble
    from spend.store.suppliers import SupplierColumns, name_hashes, resolve_paid_suppliers
    from spend.store.write import write_parquet_atomic

    parsed = [f for f in files if reports[keys[f.rel]]["status"] == "parsed"]
    by_publisher: dict[str, list[RawSpendFile]] = {}
    for f in parsed:
        by_publisher.setdefault(f.publisher_id, []).append(f)
    with stage("suppliers"):
        paid = resolve_paid_suppliers(parsed, keys, cache, publishers, version=_supplier_rules_version(),
                                      fresh=fresh)
        suppliers = SupplierColumns(paid.resolution.names) if paid is not None else SupplierColumns.none()
        names_of = name_hashes(paid.resolution.names, paid.by_publisher) if paid is not None else {}
    previous = layout.store_dir(data) if last else None
    notice_failures: list[tuple[str, str]] = []
    store = layout.new_store_dir(data)
    record: dict = {"store": store.name, "partitions": {}, "notice_failures": []}
    try:
        if files:
            with stage("payments"):
                record["partitions"] = _write_payments(store / "payments", previous, by_publisher, keys, cache,
                                                       publishers, suppliers, names_of, last, workers, scheduler,
                                                       progress, result)
            with stage("rejects"):
                unchanged = {f.rel for f in parsed if (last.get("files", {}).get(f.rel) or {}).get("key") == keys[f.rel]}
                old_rejects = previous / "rejects.parquet" if previous is not None else None
                if old_rejects is None or not old_rejects.is_file():
                    old_rejects, unchanged = None, set()
                write_parquet_atomic(assemble.rejects_table(parsed, keys, cache, old_rejects, unchanged),
                                     store / "rejects.parquet")
            with stage("files"):
                write_parquet_atomic(assemble.files_table(files, keys, shas, reports, publishers),
                                     store / "files.parquet")
        if notice_files:
            with stage("notices"):
                record["notices"] = _write_notices(data, notice_files, paid, names_of, store, previous, last)
                result.notices, result.awards = record["notices"]["notices"], record["notices"]["awards"]
                notice_failures = [tuple(f) for f in record["notices"]["failures"]]
        with stage("database"):
            record["views"] = _write_database(store, previous, last)
    except BaseException:
        shutil.rmtree(store, ignore_errors=True)
        raise
    stop_point("switch")
    layout.make_current(data, store)  # should this fail, `store` is a leftover the next build removes
    stop_point("switched")
    result.failed += notice_failures
    record["notice_failures"] = [list(f) for f in notice_failures]
    return record


def _write_payments(out: Path, previous: Path | None, by_publisher, keys, cache, publishers, suppliers,
                    names_of: dict[str, int], last: dict, workers: int | None, scheduler: str | None,
                    progress: bool, result: BuildResult) -> dict:
    """Each publisher's payments: kept from the last store when its partition's fingerprint (its files, their
    parses and provenance, and how its names resolve) is the one recorded, else written now (on the Dask
    cluster when there is one). Returns the partitions' record."""
    from spend.store import assemble

    out.mkdir()
    partitions, todo = {}, []
    for slug in sorted(by_publisher):
        fp = _partition_fingerprint(slug, by_publisher[slug], keys, publishers, names_of.get(slug, 0))
        seen = (last.get("partitions") or {}).get(slug) or {}
        if previous is not None and seen.get("fp") == fp and assemble.publisher_dir(previous / "payments", slug).is_dir():
            assemble.link_publisher(previous / "payments", out, slug)
            partitions[slug] = seen
            result.publishers_kept += 1
        else:
            todo.append((slug, fp))
    # One task per publisher, in the build's pool of processes or on its Dask cluster; the supplier columns
    # go to each worker once. Largest publishers first, so the last task is a small one.
    todo.sort(key=lambda t: -sum(f.size for f in by_publisher[t[0]]))
    jobs = [(out, slug, by_publisher[slug], {f.rel: keys[f.rel] for f in by_publisher[slug]}, cache,
             publishers[slug].name) for slug, _ in todo]
    done = run_tasks(assemble.write_publisher, jobs, workers, scheduler, "assembling", "publisher", progress,
                     shared=suppliers)
    for (slug, fp), (rows, dups, total) in zip(todo, done):
        partitions[slug] = {"fp": fp, "rows": rows, "dups": dups, "total_pence": total}
    result.publishers_written = len(todo)
    for p in partitions.values():
        result.payments += p["rows"]
        result.duplicates += p["dups"]
        result.total_pence += p["total_pence"]
    if not any(out.glob("publisher_id=*/year=*/*.parquet")):
        assemble.write_empty_payments(out)
    return partitions


def _partition_fingerprint(slug: str, files: list[RawSpendFile], keys, publishers, names: int) -> str:
    h = hashlib.sha256(json.dumps([slug, publishers[slug].name, names]).encode())
    for f in sorted(files, key=lambda f: f.rel):
        h.update(json.dumps([f.rel, keys[f.rel], f.meta.get("url"), f.meta.get("period"),
                             f.meta.get("fetched_at")]).encode())
    return h.hexdigest()


def _write_notices(data: Path, notice_files, paid, names_of: dict[str, int], store: Path, previous: Path | None,
                   last: dict) -> dict:
    """The notices tables: kept from the last store while the notice files and the paid suppliers they are
    tied to are the same, else flattened and written now."""
    from spend.store.notices import read_notices, write_notices

    h = hashlib.sha256(json.dumps(sorted(names_of.items())).encode())
    for path in notice_files:
        st = path.stat()
        h.update(json.dumps([path.relative_to(data).as_posix(), st.st_size, st.st_mtime_ns]).encode())
    fp = h.hexdigest()
    seen = last.get("notices") or {}
    if previous is not None and seen.get("fp") == fp and all((previous / t).is_file() for t in NOTICE_TABLES):
        for name in NOTICE_TABLES:
            _link_or_copy(previous / name, store / name)
        return seen
    tables = read_notices(data, notice_files)
    write_notices(tables, paid.paid() if paid is not None else None, store)
    report = tables.report
    return {"fp": fp, "notices": report.releases_kept, "awards": len(tables.awards),
            "failures": [[path, reason] for path, reason in report.files_rejected]}


def _write_database(store: Path, previous: Path | None, last: dict) -> str:
    """The DuckDB database of views: the last store's file while the views would be the same (the same
    view definitions over the same tables), else written now."""
    from spend.store.views import write_duckdb

    present = sorted(p.name for p in store.iterdir())
    fp = parse_cache.hash_files(parse_cache.package_files("store/views.py", "core/schema.py")) + json.dumps(present)
    if previous is not None and last.get("views") == fp and (previous / layout.DATABASE).is_file():
        _link_or_copy(previous / layout.DATABASE, store / layout.DATABASE)
    else:
        write_duckdb(store)
    return fp


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _publisher(publishers: dict, f: RawSpendFile):
    entry = publishers.get(f.publisher_id)
    if entry is None:
        raise BuildError(f.path, f"publisher folder {f.publisher_id!r} is not in the publisher registry "
                                 "(spend publishers list shows the slugs; spend add FILE --publisher NAME files "
                                 "a new body's files and registers it)")
    return entry


def _hint(entry, name: str):
    hints = getattr(entry, "hints", None) or {}
    return hints.get(name)


def _assembly_version() -> str:
    """Supplier resolution's code and data (overrides, groups, vocabularies), the notices' flattening and
    the assembly's own code."""
    return parse_cache.hash_files(parse_cache.package_files(
        "suppliers/*.py", "notices/*.py", "store/*.py", "data/supplier_*.csv", "data/legal_forms.csv"))


def _supplier_rules_version() -> str:
    """What a name's parse, kind, sector and pair comparisons depend on: the supplier code and every data
    file of the package (spend.suppliers.resolution.ResolutionMemo)."""
    return parse_cache.hash_files(parse_cache.package_files("suppliers/*.py", "data/*.csv"))


def _fingerprint(assembly: str, data: Path, files, notice_files, keys, publishers) -> str:
    h = hashlib.sha256(assembly.encode())
    for f in files:
        entry = publishers[f.publisher_id]
        h.update(json.dumps([f.rel, keys[f.rel], f.publisher_id, entry.name, f.meta.get("url"),
                             f.meta.get("period"), f.meta.get("fetched_at")]).encode())
    for path in notice_files:
        st = path.stat()
        h.update(json.dumps([path.relative_to(data).as_posix(), st.st_size, st.st_mtime_ns]).encode())
    return h.hexdigest()


def _load_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else {}


def _files_record(files, shas, keys, publishers) -> dict:
    return {f.rel: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": shas[f.rel], "key": keys[f.rel],
                    "date_order": _hint(publishers[f.publisher_id], "date_order"),
                    "provenance": list(f.provenance) if f.provenance else None, "meta": f.meta} for f in files}


def _save_state(path: Path, previous: dict, state: dict) -> None:
    """Record what this build saw; left unwritten when it is what the last build recorded (a no-change
    rebuild of a large store would otherwise rewrite a record of every file)."""
    if state != previous:
        text = json.dumps(state, separators=(",", ":"))
        write_via_temp(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def files_changed_since_build(data_dir: str | Path) -> list[str]:
    """Raw files (`source_file` paths) that are new, or whose size or modification time changed, since
    the last `spend build`: the ones the next build would look at again. Cheap: no file is read."""
    data = Path(data_dir)
    known = _load_state(data / "clean" / "_build" / "state.json").get("files", {})
    changed = []
    for f in find_raw_files(data):
        seen = known.get(f.rel)
        if not seen or (seen["size"], seen["mtime_ns"]) != (f.size, f.mtime_ns):
            changed.append(f.rel)
    return changed
