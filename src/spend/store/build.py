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

A rebuild with nothing changed reads only file sizes and modification times. One build runs on a data folder
at a time (spend.store.lock); it first removes what a build that was stopped left behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from spend.core import config
from spend.core.money import format_gbp, pence_to_decimal
from spend.store import assemble, cache as parse_cache, layout
from spend.store.lock import build_lock
from spend.store.notices import read_notices, write_notices
from spend.store.raw import BuildError, RawSpendFile, find_notice_files, find_raw_files, spend_raw_root
from spend.store.stops import stop_point
from spend.store.suppliers import SupplierColumns, resolve_paid_suppliers
from spend.store.views import write_duckdb
from spend.store.workers import run_parses
from spend.store.write import write_parquet_atomic, write_text_atomic

STATE_VERSION = 3  # 3: each build's store in its own folder (spend.store.layout)


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

    files = find_raw_files(data)
    notice_files = find_notice_files(data)
    if not files and not notice_files:
        raise BuildError(spend_raw_root(data), "no raw spend files or notices; fetch or add some first (spend "
                                               "fetch --publisher SLUG, spend add FOLDER --publisher NAME, or "
                                               "spend notices fetch)")
    with build_lock(data):
        layout.remove_leftovers(data)
        result = _build(data, files, notice_files, publishers, workers, scheduler, progress, force)
    result.seconds = time.perf_counter() - started
    return result


def _build(data: Path, files, notice_files, publishers, workers, scheduler, progress: bool,
           force: bool) -> BuildResult:
    clean = layout.clean_dir(data)
    cache = clean / "_build" / "parsed"
    state_path = clean / "_build" / "state.json"
    cache.mkdir(parents=True, exist_ok=True)
    state = _load_state(state_path)
    version = parse_cache.parser_version()
    known = {} if force or state.get("parser") != version else state.get("files", {})
    keys: dict[str, str] = {}
    shas: dict[str, str] = {}
    tasks: dict[str, tuple] = {}
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
    run_parses(list(tasks.values()), workers, scheduler, progress)

    result = BuildResult(files=len(files), parsed_now=sum(1 for f in files if keys[f.rel] in tasks),
                         parses=len(tasks), notice_files=len(notice_files))
    reports = {k: parse_cache.read_report(cache, k) for k in set(keys.values())}
    result.failed = [(f.rel, reports[keys[f.rel]]["error"]) for f in files if reports[keys[f.rel]]["status"] != "parsed"]

    fingerprint = _fingerprint(data, files, notice_files, keys, publishers)
    if not force and state.get("assembled") == fingerprint and _store_is_whole(data, files, notice_files):
        result.failed += state.get("notice_failures", [])
        _save_state(state_path, state, version, files, shas, keys, publishers, fingerprint, state.get("notice_failures", []))
        return result

    notice_failures = _assemble(data, files, notice_files, keys, shas, reports, publishers, cache, progress, result)
    result.assembled = True
    result.failed += notice_failures
    parse_cache.prune(cache, set(keys.values()))
    _save_state(state_path, state, version, files, shas, keys, publishers, fingerprint, notice_failures)
    layout.remove_leftovers(data)  # the store that was current until now
    return result


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
              result: BuildResult) -> list[tuple[str, str]]:
    """Write every table and the DuckDB views to a new store folder, then make it the current store."""
    parsed = [f for f in files if reports[keys[f.rel]]["status"] == "parsed"]
    by_publisher: dict[str, list[RawSpendFile]] = {}
    for f in parsed:
        by_publisher.setdefault(f.publisher_id, []).append(f)
    paid = resolve_paid_suppliers(parsed, keys, cache, publishers)
    suppliers = SupplierColumns(paid.resolution.names) if paid is not None else SupplierColumns.none()
    notice_failures: list[tuple[str, str]] = []
    store = layout.new_store_dir(data)
    try:
        if files:
            result.payments, result.duplicates, result.total_pence = assemble.write_payments(
                store / "payments", by_publisher, keys, cache, publishers, suppliers, progress)
            write_parquet_atomic(assemble.rejects_table(parsed, keys, cache), store / "rejects.parquet")
            write_parquet_atomic(assemble.files_table(files, keys, shas, reports, publishers), store / "files.parquet")
        if notice_files:
            tables = read_notices(data, notice_files)
            write_notices(tables, paid.paid() if paid is not None else None, store)
            report = tables.report
            result.notices, result.awards = report.releases_kept, len(tables.awards)
            notice_failures = [(path, reason) for path, reason in report.files_rejected]
        write_duckdb(store)
    except BaseException:
        shutil.rmtree(store, ignore_errors=True)
        raise
    stop_point("switch")
    layout.make_current(data, store)  # should this fail, `store` is a leftover the next build removes
    stop_point("switched")
    return notice_failures


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


def _fingerprint(data: Path, files, notice_files, keys, publishers) -> str:
    h = hashlib.sha256(_assembly_version().encode())
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
    return state if state.get("version") == STATE_VERSION else {}


def _save_state(path: Path, previous: dict, version: str, files, shas, keys, publishers, fingerprint: str,
                notice_failures) -> None:
    """Record what this build saw; left unwritten when it is what the last build recorded (a no-change
    rebuild of a large store would otherwise rewrite a record of every file)."""
    state = {
        "version": STATE_VERSION, "parser": version, "assembled": fingerprint,
        "notice_failures": [list(f) for f in notice_failures],
        "files": {f.rel: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": shas[f.rel], "key": keys[f.rel],
                          "date_order": _hint(publishers[f.publisher_id], "date_order")} for f in files},
    }
    if state != previous:
        write_text_atomic(json.dumps(state, indent=1), path)


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
