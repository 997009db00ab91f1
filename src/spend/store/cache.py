"""The parse cache: each raw file parsed once per (bytes, parser code, date order).

A parse's payments, rejects and report are kept under `data/clean/_build/parsed/<key>.*`; the report is
written last and marks the entry complete. Parsing is pure, so identical bytes filed twice are parsed once,
and an entry stays valid until the parser's code or data changes (`parser_version`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from spend.core.errors import SpendError
from spend.core.files import write_via_temp

# pyarrow and the schema are imported where a parse is read or written: a build that finds everything
# cached and unchanged does without them.

_PACKAGE = Path(__file__).resolve().parents[1]
# What decides what a parse produces: every module of spend.parse and spend.core (the parser imports
# nothing else of the project; tests/test_layout.py checks that), and the data files they read.
# A change to any of them re-parses everything.
_PARSER_PACKAGES = ("parse", "core")
_PARSER_DATA = ("header_synonyms.csv",)


def hash_files(paths) -> str:
    """One fingerprint of some package files: their paths and bytes."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(_PACKAGE).as_posix().encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def parser_version() -> str:
    """A fingerprint of the parser's code and data: cached parses are valid only for the same one."""
    modules = sorted(p for name in _PARSER_PACKAGES for p in (_PACKAGE / name).rglob("*.py"))
    return hash_files(modules + [_PACKAGE / "data" / d for d in _PARSER_DATA])


def package_files(*patterns: str) -> list[Path]:
    """Files of the package matching glob patterns relative to it ('suppliers/*.py', 'data/supplier_*.csv')."""
    return sorted(p for pattern in patterns for p in _PACKAGE.glob(pattern))


def cache_key(version: str, sha256: str, date_order: str | None) -> str:
    return hashlib.sha256(f"{version}|{sha256}|{date_order}".encode()).hexdigest()[:40]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_to_cache(path: str, key: str, cache_dir: str, date_order: str | None) -> dict:
    """Parse one file and write its payments, rejects and report under `cache_dir/<key>.*`.

    Returns the report as a dict, and the summary of the names its payments carry (`summarise_names`; None
    when it failed). A file that cannot be parsed gets a report with status 'failed' and the error: one bad
    file never stops the build, and it is listed in files.parquet.
    """
    from spend.core import schema
    from spend.parse import parse_file
    from spend.store.write import write_parquet_atomic

    cache = Path(cache_dir)
    report: dict
    names = None
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
            "warnings": r.self_check_warnings(),
        }
        payments = schema.to_arrow(result.payments, schema.PAYMENTS)
        write_parquet_atomic(payments, cache / f"{key}.payments.parquet")
        write_parquet_atomic(schema.to_arrow(result.rejects, schema.REJECTS), cache / f"{key}.rejects.parquet")
        names = summarise_names(payments)
    text = json.dumps(report)  # written last: it marks the entry complete
    write_via_temp(cache / f"{key}.json", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return report, names


# What identifies a supplier as published: the name and what the file says beside it.
IDENTITY = ["supplier_name_raw", "publisher", "vat_number", "company_number", "supplier_code"]


def summarise_names(payments):
    """One row per distinct IDENTITY of a parse's payments (a pyarrow Table), in the order they first appear:
    IDENTITY, the first row's source_locator, and n, the rows that carry it. What supplier resolution reads
    of a file (spend.store.suppliers), made while the parse is in memory."""
    import pyarrow as pa

    frame = payments.select(IDENTITY + ["source_locator"]).to_pandas()
    frame["n"] = frame.groupby(IDENTITY, dropna=False, sort=False)["source_locator"].transform("size")
    out = frame.drop_duplicates(subset=IDENTITY)  # the first row of each: its line
    return pa.Table.from_pandas(out[IDENTITY + ["source_locator", "n"]], schema=_names_schema(), preserve_index=False)


def _names_schema():
    import pyarrow as pa

    return pa.schema([*((c, pa.string()) for c in IDENTITY), ("source_locator", pa.string()), ("n", pa.int64())])


def is_cached(cache: Path, key: str) -> bool:
    return (cache / f"{key}.json").is_file()


def read_report(cache: Path, key: str) -> dict:
    return json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))


def read_payments(cache: Path, key: str, columns: list[str] | None = None):
    """A cached parse's payments (a pyarrow Table)."""
    import pyarrow.parquet as pq

    return pq.read_table(cache / f"{key}.payments.parquet", columns=columns)


def read_rejects(cache: Path, key: str):
    """A cached parse's rejects (a pyarrow Table)."""
    import pyarrow.parquet as pq

    return pq.read_table(cache / f"{key}.rejects.parquet")


def prune(cache: Path, live: set[str]) -> None:
    """Drop cached parses no raw file refers to any more (a file replaced by a new version)."""
    for p in cache.iterdir():
        if p.name.split(".")[0] not in live:
            p.unlink(missing_ok=True)
