"""Build the clean store from the raw files: exact, incremental, parallel.

    result = build_store()          # data/raw/spend/<publisher>/... -> data/clean/ + data/spend.duckdb
    payments = load_payments()      # spend.store.load_payments

What it writes (only this module writes data/clean):

    data/clean/payments/publisher_id=<slug>/year=<YYYY>/part-0.parquet   schema.STORED_PAYMENTS
    data/clean/rejects.parquet                                           schema.STORED_REJECTS
    data/clean/files.parquet                                             schema.FILES, one row per raw file
    data/spend.duckdb                                                    views over all of them

Two stages, each skipped when its inputs have not changed:

1. Parse. Each raw file is parsed once per (bytes, parser code, date order): the result is cached
   under `data/clean/_build/parsed/<key>.*`. Parsing is pure, so identical bytes filed twice are
   parsed once. Files are parsed in parallel processes, or on a Dask cluster (`scheduler=`).
2. Assemble. Supplier names across the whole store are resolved to suppliers (spend.suppliers),
   each row is filed under its publisher, transactions published again in a later file are marked
   (`duplicate_of`), and the dataset is written to a staging folder and swapped in.

A rebuild with nothing changed reads only file sizes and modification times.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from spend.core import config, schema
from spend.core.money import format_gbp, pence_to_decimal
from spend.core.errors import SpendError
from spend.core.files import PROVENANCE_SUFFIX, ProvenanceError, read_provenance, write_via_temp

# What decides what a parse produces: every module of spend.parse and spend.core (the parser imports
# nothing else of the project; tests/test_layout.py checks that), and the data files they read.
# A change to any of them re-parses everything.
_PACKAGE = Path(__file__).resolve().parents[1]
_PARSER_PACKAGES = ("parse", "core")
_PARSER_DATA = ("header_synonyms.csv",)
STATE_VERSION = 1


class BuildError(SpendError):
    """The store cannot be built (no raw files, a raw file filed outside a publisher folder...)."""


@dataclass(frozen=True)
class RawSpendFile:
    path: Path  # absolute
    rel: str  # path under data/raw, '/'-separated: the `source_file` of its rows
    publisher_id: str
    meta: dict
    size: int
    mtime_ns: int


@dataclass
class BuildResult:
    files: int = 0
    parsed_now: int = 0  # files parsed in this run (the rest came from the cache)
    parses: int = 0  # parse jobs run: files with identical bytes share one
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source_file, error)
    assembled: bool = False  # False: nothing had changed, the store was left as it was
    payments: int = 0
    duplicates: int = 0
    total_pence: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.assembled:
            return f"{self.files} raw files, nothing changed; store left as it was ({self.seconds:.2f} s)"
        # `payments` and `total_pence` cover every stored line, so they equal the sum of the files' own
        # totals (spend parse); the lines that repeat an earlier file's transaction are counted apart.
        return (f"{self.files} raw files ({self.parsed_now} parsed now, {self.files - self.parsed_now} unchanged), "
                f"{len(self.failed)} failed; {self.payments:,} payments totalling "
                f"{format_gbp(pence_to_decimal(self.total_pence))}, of which {self.duplicates:,} repeat a transaction "
                f"published in an earlier file (left out of payments_counted); {self.seconds:.1f} s")


# --- finding raw files -----------------------------------------------------------------------------

def spend_raw_root(data_dir: Path) -> Path:
    return data_dir / "raw" / "spend"


def find_raw_files(data_dir: Path) -> list[RawSpendFile]:
    """Every file under data/raw/spend/<publisher>/..., with its provenance record if it has one."""
    root = spend_raw_root(data_dir)
    if not root.is_dir():
        raise BuildError(root, "no raw spend files; fetch some first (spend fetch --publisher SLUG, "
                               "or spend fetch --from-dir ../shared/realdata)")
    out = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(PROVENANCE_SUFFIX) or path.name.startswith("."):
            continue
        rel_to_root = path.relative_to(root)
        if len(rel_to_root.parts) < 2:
            raise BuildError(path, "raw spend files belong in a publisher folder: data/raw/spend/<publisher>/...")
        try:
            meta = read_provenance(path) or {}
        except ProvenanceError as e:
            raise BuildError(e.source, e.reason) from None
        st = path.stat()
        out.append(RawSpendFile(path, path.relative_to(data_dir / "raw").as_posix(), rel_to_root.parts[0],
                                meta, st.st_size, st.st_mtime_ns))
    return out


# --- fingerprints ------------------------------------------------------------------------------------

def _hash_files(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(_PACKAGE).as_posix().encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def parser_version() -> str:
    """A fingerprint of the parser's code and data: cached parses are valid only for the same one."""
    modules = sorted(p for name in _PARSER_PACKAGES for p in (_PACKAGE / name).rglob("*.py"))
    return _hash_files(modules + [_PACKAGE / "data" / d for d in _PARSER_DATA])


def _assembly_version() -> str:
    """Supplier resolution's code and data (overrides, groups, vocabularies) and this module."""
    pkg = _PACKAGE
    files = sorted((pkg / "suppliers").glob("*.py")) + sorted((pkg / "data").glob("supplier_*.csv"))
    files += [pkg / "data" / "legal_forms.csv", Path(__file__)]
    return _hash_files(files)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- parsing (runs in worker processes) ----------------------------------------------------------------

def parse_to_cache(path: str, key: str, cache_dir: str, date_order: str | None) -> dict:
    """Parse one file and write its payments, rejects and report under `cache_dir/<key>.*`.

    Returns the report as a dict. A file that cannot be parsed gets a report with status 'failed'
    and the error: one bad file never stops the build, and it is listed in files.parquet.
    """
    from spend.parse.file import parse_file

    cache = Path(cache_dir)
    report: dict
    try:
        result = parse_file(path, date_order=date_order)
    except SpendError as e:
        report = {"status": "failed", "error": f"{type(e).__name__}: {e.reason}"}
    else:
        r = result.report
        dates = result.payments["payment_date"].dropna()
        report = {
            "status": "parsed", "error": None, "format": r.format, "rows_read": r.rows_read,
            "rows_kept": r.rows_kept, "rows_rejected": r.rows_rejected, "rows_nondata": r.rows_nondata,
            "total_pence": r.total_pence,
            "first_payment_date": dates.min().isoformat() if len(dates) else None,
            "last_payment_date": dates.max().isoformat() if len(dates) else None,
            # The month most payments fall in: the file's period when its name does not say.
            "main_month": Counter(d.strftime("%Y-%m") for d in dates).most_common(1)[0][0] if len(dates) else None,
        }
        _write_parquet_atomic(schema.to_arrow(result.payments, schema.PAYMENTS), cache / f"{key}.payments.parquet")
        _write_parquet_atomic(schema.to_arrow(result.rejects, schema.REJECTS), cache / f"{key}.rejects.parquet")
    _write_text_atomic(json.dumps(report), cache / f"{key}.json")  # written last: it marks the entry complete
    return report


def _write_parquet_atomic(table: pa.Table, path: Path) -> None:
    write_via_temp(path, lambda tmp: pq.write_table(table, tmp))


def _write_text_atomic(text: str, path: Path) -> None:
    write_via_temp(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _run_parses(tasks: list[tuple[str, str, str, str | None]], workers: int | None, scheduler: str | None,
                progress: bool) -> None:
    """Run `parse_to_cache` over `tasks`: in this process, in a process pool, or on a Dask cluster."""
    from tqdm import tqdm

    bar = tqdm(total=len(tasks), desc="parsing", unit="file", disable=not progress or len(tasks) < 2)
    try:
        if scheduler:
            _run_on_dask(tasks, scheduler, bar)
        elif workers == 1 or len(tasks) < 2:
            for t in tasks:
                parse_to_cache(*t)
                bar.update()
        else:
            # Big files first, so one large PDF does not start last and leave a core idle.
            tasks = sorted(tasks, key=lambda t: -os.path.getsize(t[0]))
            with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
                for f in as_completed([pool.submit(parse_to_cache, *t) for t in tasks]):
                    f.result()
                    bar.update()
    finally:
        bar.close()


def _run_on_dask(tasks, scheduler: str, bar) -> None:
    """Parse on a Dask distributed cluster. Workers must see the same data folder (a shared filesystem)."""
    from distributed import Client, as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as e:
        raise BuildError(scheduler, f"cannot reach the Dask scheduler: {e}") from None
    try:
        futures = [client.submit(parse_to_cache, *t, pure=False) for t in tasks]
        for f in dask_completed(futures):
            f.result()
            bar.update()
    finally:
        client.close()


# --- the build ------------------------------------------------------------------------------------------

def build_store(data_dir: str | Path | None = None, *, publishers: dict | None = None, workers: int | None = None,
                scheduler: str | None = None, progress: bool = False, force: bool = False) -> BuildResult:
    """Parse what is new or changed under data/raw/spend and (re)write the clean store.

    `publishers` maps a slug to its registry entry (default: spend.sources.registry); `workers`
    processes parse in parallel (default: one per core); `scheduler` sends the parsing to a Dask
    cluster instead (`tcp://host:8786`); `force` re-parses and rewrites everything.
    """
    started = time.perf_counter()
    data = Path(data_dir) if data_dir else config.data_dir()
    clean = data / "clean"
    work = clean / "_build"
    cache = work / "parsed"
    cache.mkdir(parents=True, exist_ok=True)
    state_path = work / "state.json"
    state = _load_state(state_path)
    if publishers is None:
        from spend.sources.registry import load_publishers

        publishers = {p.slug: p for p in load_publishers()}

    files = find_raw_files(data)
    if not files:
        raise BuildError(spend_raw_root(data), "no raw spend files; fetch some first")
    version = parser_version()
    known = {} if force or state.get("parser") != version else state.get("files", {})
    keys: dict[str, str] = {}
    shas: dict[str, str] = {}
    tasks: dict[str, tuple] = {}
    for f in files:
        entry = _publisher(publishers, f)
        date_order = _hint(entry, "date_order")
        seen = known.get(f.rel)
        if seen and seen["size"] == f.size and seen["mtime_ns"] == f.mtime_ns and seen.get("date_order") == date_order:
            sha = seen["sha256"]
        else:
            sha = _sha256_file(f.path)
        key = hashlib.sha256(f"{version}|{sha}|{date_order}".encode()).hexdigest()[:40]
        shas[f.rel], keys[f.rel] = sha, key
        if force or not (cache / f"{key}.json").is_file():
            tasks.setdefault(key, (str(f.path), key, str(cache), date_order))
    _run_parses(list(tasks.values()), workers, scheduler, progress)

    result = BuildResult(files=len(files), parsed_now=sum(1 for f in files if keys[f.rel] in tasks),
                         parses=len(tasks))
    reports = {k: json.loads((cache / f"{k}.json").read_text(encoding="utf-8")) for k in set(keys.values())}
    result.failed = [(f.rel, reports[keys[f.rel]]["error"]) for f in files if reports[keys[f.rel]]["status"] != "parsed"]

    fingerprint = _fingerprint(files, keys, publishers, _assembly_version())
    outputs_exist = (clean / "payments").is_dir() and (clean / "files.parquet").is_file() and (data / "spend.duckdb").is_file()
    if not force and outputs_exist and state.get("assembled") == fingerprint:
        result.seconds = time.perf_counter() - started
        _save_state(state_path, state, version, files, shas, keys, publishers, fingerprint)
        return result

    totals = _assemble(data, files, keys, shas, reports, publishers, cache, progress)
    result.assembled = True
    result.payments, result.duplicates, result.total_pence = totals
    _prune_cache(cache, set(keys.values()))
    _save_state(state_path, state, version, files, shas, keys, publishers, fingerprint)
    result.seconds = time.perf_counter() - started
    return result


def _publisher(publishers: dict, f: RawSpendFile):
    entry = publishers.get(f.publisher_id)
    if entry is None:
        raise BuildError(f.path, f"publisher folder {f.publisher_id!r} is not in the publisher registry "
                                 "(spend publishers list shows the slugs)")
    return entry


def _hint(entry, name: str):
    hints = getattr(entry, "hints", None) or {}
    return hints.get(name)


def _fingerprint(files, keys, publishers, assembly_version: str) -> str:
    h = hashlib.sha256(assembly_version.encode())
    for f in files:
        entry = publishers[f.publisher_id]
        h.update(json.dumps([f.rel, keys[f.rel], f.publisher_id, entry.name, f.meta.get("url"),
                             f.meta.get("period")]).encode())
    return h.hexdigest()


def _load_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if state.get("version") == STATE_VERSION else {}


def _save_state(path: Path, previous: dict, version: str, files, shas, keys, publishers, fingerprint: str) -> None:
    """Record what this build saw; left unwritten when it is what the last build recorded (a no-change
    rebuild of a large store would otherwise rewrite a record of every file)."""
    state = {
        "version": STATE_VERSION, "parser": version, "assembled": fingerprint,
        "files": {f.rel: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": shas[f.rel], "key": keys[f.rel],
                          "date_order": _hint(publishers[f.publisher_id], "date_order")} for f in files},
    }
    if state != previous:
        _write_text_atomic(json.dumps(state, indent=1), path)


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


def _prune_cache(cache: Path, live: set[str]) -> None:
    """Drop cached parses no raw file refers to any more (a file replaced by a new version)."""
    for p in cache.iterdir():
        if p.name.split(".")[0] not in live:
            p.unlink(missing_ok=True)


# --- assembly -------------------------------------------------------------------------------------------

def _file_table(f: RawSpendFile, key: str, cache: Path, publisher_name: str, columns=None) -> pa.Table:
    """One file's cached payments, filed as this raw file (a cached parse may be shared by identical files):
    its own `source_file`, and the registry's name where the file has no Entity column."""
    table = pq.read_table(cache / f"{key}.payments.parquet", columns=columns)
    names = table.column_names
    if "publisher" in names:
        published = table["publisher"]
        blank = pc.or_kleene(pc.is_null(published), pc.equal(published, ""))
        table = table.set_column(names.index("publisher"), "publisher",
                                 pc.if_else(blank, pa.scalar(publisher_name), published))
    if "source_file" in names:
        table = table.set_column(names.index("source_file"), "source_file",
                                 pa.array([f.rel] * table.num_rows, pa.string()))
    return table


def _resolve_suppliers(parsed: list[RawSpendFile], keys, cache: Path, publishers):
    """Resolve every distinct published supplier name in the store at once (spend.suppliers), so one
    supplier gets one id across publishers and files; None when the store has no payments at all.

    Reads only the name and identifier columns, once per cached parse, to keep memory to the names."""
    from spend.suppliers.identifiers import identifiers_from_payments
    from spend.suppliers.resolution import resolve_names

    identity = ["supplier_name_raw", "publisher", "vat_number", "company_number", "supplier_code"]
    per_parse: dict[str, tuple[pd.DataFrame, Counter]] = {}
    counts: Counter = Counter()
    distinct = []
    for f in parsed:
        key = keys[f.rel]
        if key not in per_parse:
            frame = pq.read_table(cache / f"{key}.payments.parquet", columns=identity + ["source_locator"]).to_pandas()
            per_parse[key] = (frame.drop_duplicates(subset=identity),
                              Counter(frame["supplier_name_raw"].fillna("").tolist()))
        names, name_counts = per_parse[key]
        names = names.copy()
        names["publisher"] = names["publisher"].where(names["publisher"].notna() & (names["publisher"] != ""),
                                                      publishers[f.publisher_id].name)
        names["source_file"] = f.rel
        distinct.append(names)
        counts.update(name_counts)
    if not distinct:
        return None
    names = pd.concat(distinct, ignore_index=True).drop_duplicates(subset=identity)
    if not len(names):
        return None
    return resolve_names(list(counts), counts=counts, identifiers=identifiers_from_payments(names))


class _SupplierColumns:
    """The supplier columns of `spend.suppliers.annotate_payments`, attached to Arrow tables by name
    lookup (each distinct name was resolved once), so the store never turns rows into Python objects."""

    def __init__(self, resolution):
        names = resolution.names
        self.raw = pa.array(names["supplier_name_raw"].tolist(), pa.string())
        self.columns = {f.name: pa.array([None if _missing(v) else v for v in names[f.name].tolist()], f.arrow_type)
                        for f in schema.SUPPLIER_FIELDS}

    def attach(self, table: pa.Table) -> pa.Table:
        # A blank name resolves like the empty name, as in annotate_payments.
        at = pc.index_in(pc.fill_null(table["supplier_name_raw"], ""), value_set=self.raw)
        for name, values in self.columns.items():
            table = table.append_column(name, values.take(at))
        return table


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _assemble(data: Path, files, keys, shas, reports, publishers, cache: Path, progress: bool):
    from tqdm import tqdm

    clean = data / "clean"
    parsed = [f for f in files if reports[keys[f.rel]]["status"] == "parsed"]
    by_publisher: dict[str, list[RawSpendFile]] = {}
    for f in parsed:
        by_publisher.setdefault(f.publisher_id, []).append(f)
    resolution = _resolve_suppliers(parsed, keys, cache, publishers)
    suppliers = _SupplierColumns(resolution) if resolution is not None else None
    target = schema.arrow_schema(schema.STORED_PAYMENTS)

    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=clean))
    try:
        payments_out = staging / "payments"
        payments_out.mkdir()
        n_rows = n_dups = total = 0
        for slug in tqdm(sorted(by_publisher), desc="assembling", unit="publisher", disable=not progress):
            tables = []
            for f in _publication_order(by_publisher[slug]):
                t = _file_table(f, keys[f.rel], cache, publishers[slug].name)
                tables.append(t.append_column("source_url", pa.array([f.meta.get("url")] * t.num_rows, pa.string())))
            table = pa.concat_tables(tables)
            n = table.num_rows
            if suppliers is not None:
                table = suppliers.attach(table)
            table = table.append_column("publisher_id", pa.array([slug] * n, pa.string()))
            table = table.append_column("year", pc.cast(pc.year(table["payment_date"]), pa.int32()))
            table = table.append_column("duplicate_of", pa.array(_duplicates_of(table), pa.string()))
            table = table.select(target.names).cast(target)
            ds.write_dataset(table, payments_out, format="parquet", partitioning=["publisher_id", "year"],
                             partitioning_flavor="hive", basename_template="part-{i}.parquet",
                             existing_data_behavior="overwrite_or_ignore")
            n_rows += n
            n_dups += n - table["duplicate_of"].null_count
            amounts = pc.sum(table["amount_gbp"]).as_py()
            total += int(amounts * 100) if amounts is not None else 0
        _write_parquet_atomic(_rejects_table(parsed, keys, cache), staging / "rejects.parquet")
        _write_parquet_atomic(_files_table(files, keys, shas, reports, publishers), staging / "files.parquet")
        for name in ("payments", "rejects.parquet", "files.parquet"):
            _swap_in(staging / name, clean / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_duckdb(data)
    return n_rows, n_dups, total


def _duplicates_of(table: pa.Table) -> list:
    """`mark_duplicates` over the columns that identify a transaction (amounts compared as exact text)."""
    columns = ["publisher", "transaction_id", "payment_date", "amount_gbp", "supplier_name_raw", "source_file",
               "source_locator"]
    sub = table.select(columns)
    sub = sub.set_column(3, "amount_gbp", pc.cast(sub["amount_gbp"], pa.string()))
    return [v if isinstance(v, str) else None for v in mark_duplicates(sub.to_pandas()).tolist()]


def _publication_order(files: list[RawSpendFile]) -> list[RawSpendFile]:
    """Earlier periods first (a transaction's first publication is its original); then by path."""
    return sorted(files, key=lambda f: (str(f.meta.get("period") or "~"), f.rel))


def mark_duplicates(frame: pd.DataFrame) -> pd.Series:
    """For each row, 'file | locator' of the earlier publication of the same transaction, else None.

    A transaction is the same when publisher, transaction number, date, amount and supplier as
    published all agree and it appears in another file. Within one file, lines sharing a transaction
    number are split payments (or repeated lines) and stay separate: the n-th such line of a later
    file matches the n-th of the first file that has it. Rows without a transaction number are
    never called duplicates: there is nothing to tie them by. `frame` must be in publication order.
    """
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if not len(frame) or "transaction_id" not in frame:
        return out
    has_txn = frame["transaction_id"].notna() & (frame["transaction_id"].astype(str).str.strip() != "")
    sub = frame.loc[has_txn, ["publisher", "transaction_id", "payment_date", "amount_gbp", "supplier_name_raw",
                             "source_file", "source_locator"]].copy()
    if sub.empty:
        return out
    key_cols = ["publisher", "transaction_id", "payment_date", "amount_gbp", "supplier_name_raw"]
    for c in key_cols:
        sub[c] = sub[c].astype(str)
    sub["_nth"] = sub.groupby(key_cols + ["source_file"], sort=False).cumcount()
    grouped = sub.groupby(key_cols + ["_nth"], sort=False)
    first_file = grouped["source_file"].transform("first")
    first_where = first_file + " | " + grouped["source_locator"].transform("first")
    is_dup = sub["source_file"] != first_file
    out.loc[sub.index[is_dup.to_numpy()]] = first_where[is_dup].to_numpy()
    return out


def _rejects_table(parsed, keys, cache: Path) -> pa.Table:
    frames = []
    for f in parsed:
        frame = pq.read_table(cache / f"{keys[f.rel]}.rejects.parquet").to_pandas()
        if len(frame):
            frame["source_file"] = f.rel
            frame["publisher_id"] = f.publisher_id
            frames.append(frame)
    columns = schema.column_names(schema.STORED_REJECTS)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return schema.to_arrow(frame, schema.STORED_REJECTS)


def _files_table(files, keys, shas, reports, publishers) -> pa.Table:
    rows = []
    for f in files:
        r = reports[keys[f.rel]]
        parsed = r["status"] == "parsed"
        rows.append({
            "publisher_id": f.publisher_id, "publisher": publishers[f.publisher_id].name, "source_file": f.rel,
            "source_sha256": shas[f.rel], "source_url": f.meta.get("url"), "period": f.meta.get("period") or r.get("main_month"),
            "format": r.get("format"), "status": r["status"], "error": r.get("error"),
            "rows_read": r.get("rows_read"), "rows_kept": r.get("rows_kept"),
            "rows_rejected": r.get("rows_rejected"), "rows_nondata": r.get("rows_nondata"),
            "total_gbp": pence_to_decimal(r["total_pence"]) if parsed else None,
            "first_payment_date": date.fromisoformat(r["first_payment_date"]) if r.get("first_payment_date") else None,
            "last_payment_date": date.fromisoformat(r["last_payment_date"]) if r.get("last_payment_date") else None,
        })
    frame = pd.DataFrame(rows, columns=schema.column_names(schema.FILES))
    for c in ("rows_read", "rows_kept", "rows_rejected", "rows_nondata"):
        frame[c] = frame[c].astype("Int64")
    return schema.to_arrow(frame, schema.FILES)


def _swap_in(new: Path, target: Path) -> None:
    """Replace `target` by `new` (a file or a folder): the old one goes only once the new one is in place."""
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old.exists():
            os.replace(old, target)
        raise
    if old.is_dir():
        shutil.rmtree(old)
    else:
        old.unlink(missing_ok=True)


# --- DuckDB -----------------------------------------------------------------------------------------------

def duckdb_path(data_dir: Path) -> Path:
    return data_dir / "spend.duckdb"


def write_duckdb(data_dir: Path) -> Path:
    """An embedded DuckDB database of views over the Parquet files (no copy of the data).

    Views: payments (every published line), payments_counted (without transactions published
    twice), transactions (split lines grouped), rejects, files, and notices/awards/award_suppliers
    when `spend notices build` has written them.
    """
    import duckdb

    clean = data_dir / "clean"
    target = duckdb_path(data_dir)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)

    def lit(p: Path) -> str:
        return "'" + str(p.resolve()).replace("'", "''") + "'"

    views = {
        "payments": f"select * from read_parquet({lit(clean / 'payments')} || '/**/*.parquet', "
                    "hive_partitioning = true, hive_types = {'year': INTEGER})",
        "payments_counted": "select * from payments where duplicate_of is null",
        "transactions": (
            "select publisher_id, publisher, transaction_id, min(payment_date) as payment_date, "
            "any_value(supplier_id) as supplier_id, any_value(supplier_name) as supplier_name, "
            "count(*) as lines, sum(amount_gbp) as amount_gbp, min(source_file) as source_file "
            "from payments_counted where transaction_id is not null "
            "group by publisher_id, publisher, transaction_id"),
    }
    for name in ("rejects", "files", "notices", "awards", "award_suppliers"):
        if (clean / f"{name}.parquet").is_file():
            views[name] = f"select * from read_parquet({lit(clean / f'{name}.parquet')})"
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, sql in views.items():
                con.execute(f"create view {name} as {sql}")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return target
