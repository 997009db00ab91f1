"""Files already on this machine into the raw store, with the same provenance record as a download: the
file's `file://` address, when it was added, its size and sha256.

    add_spend_files(["~/downloads/ncl"], publisher, raw_root)   # -> data/raw/spend/<slug>/<period>/...
    add_notice_files(["../shared/realdata/contracts-finder"], raw_root)   # -> data/raw/contracts-finder/added/...

`add_spend_files` says of every file it was given whether it was added, already stored, or skipped and
why: not a spend file, the same bytes as a stored file, a conversion of another file given (`X.pdf.csv`
beside `X.pdf`), or a PDF of a period whose table (CSV, XLS, XLSX, ODS) is taken instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from spend.core.errors import SpendError
from spend.core.files import PROVENANCE_SUFFIX, read_provenance, write_atomic, provenance_path
from spend.core.periods import Period, infer_period
from spend.sources.download import (FILE_SUFFIXES, SPEND_DIR, Outcome, RawIndex, import_file, publisher_dir,
                                    sniff_format)
from spend.sources.errors import SourcesError
from spend.sources.registry import Publisher

ADDED_DIR = "added"


class AddError(SourcesError):
    """Files given to an `add` command cannot be added (missing, or nothing of the right kind in them)."""


@dataclass
class AddReport:
    added: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.added)} file(s) added, {len(self.unchanged)} already there"


TABULAR = frozenset({"csv", "xls", "xlsx", "ods"})
ADD_STATUSES = ("added", "already stored", "would add", "skipped", "failed")


@dataclass
class SpendAddReport:
    """What became of each file given to `add_spend_files` (`Outcome.status` is one of ADD_STATUSES)."""

    publisher: str
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def took_nothing(self) -> bool:
        """No file given is in the store for this publisher, now or from before."""
        return not any(o.status in ("added", "already stored", "would add") for o in self.outcomes)

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in ADD_STATUSES if self.count(s))
        return f"{self.publisher}: {len(self.outcomes)} file(s) given: {counts or 'none'}"


def add_spend_files(paths, publisher: Publisher, raw_root: Path, *, dry_run: bool = False,
                    on_file=None) -> SpendAddReport:
    """File the spend files in `paths` (files, or folders searched to any depth) under
    `<raw>/spend/<slug>/<period>/`, each with a provenance record. The period is read from the file's
    name (with its folders' names as context), else from its own payment dates; a file with neither is
    filed as `undated`. Nothing given is left unaccounted for: see the module's docstring.
    `AddError` when a path does not exist."""
    raw_root = Path(raw_root)
    given = _expand(paths)
    report = SpendAddReport(publisher.slug)
    stored = _stored_by_sha(raw_root)
    index = RawIndex(raw_root, publisher.slug)
    names = {p.parent / p.name.lower() for p in given}
    candidates: list[tuple[Path, bytes, str, str]] = []  # path, bytes, sha256, format
    seen: dict[str, Path] = {}
    # Of files with the same bytes the shortest name is taken: copies get longer ones ('payments (1).csv').
    for path in sorted(given, key=lambda p: (len(p.name), str(p))):
        url = path.as_uri()
        original = _converted_from(path, names)
        if path.suffix.lower() not in FILE_SUFFIXES:
            report.outcomes.append(Outcome(url, "skipped", reason=f"not a spend file ({path.suffix or 'no extension'})"))
            continue
        if original is not None:
            report.outcomes.append(Outcome(url, "skipped", reason=f"a conversion of {original.name!r}, which is "
                                                                  "taken instead (the publisher's own file)"))
            continue
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if sha in seen:
            report.outcomes.append(Outcome(url, "skipped", reason=f"the same bytes as {seen[sha].name!r}"))
            continue
        seen[sha] = path
        if sha in stored:
            slug, at = stored[sha]
            if slug == publisher.slug:
                report.outcomes.append(Outcome(url, "already stored", path=at, size=len(data)))
            else:
                report.outcomes.append(Outcome(url, "skipped", path=at, reason=f"the same bytes are already stored for "
                                                                               f"publisher {slug!r} ({at})"))
            continue
        try:
            fmt = sniff_format(data, str(path))
        except SpendError as e:
            report.outcomes.append(Outcome(url, "skipped", reason=f"not a spend file: {e.reason}"))
            continue
        candidates.append((path, data, sha, fmt))

    periods = {path: _period_of(path, data, publisher, on_file) for path, data, _, _ in candidates}
    tables = _tables_by_period(raw_root, publisher.slug, [(periods[p], p, fmt) for p, _, _, fmt in candidates])
    for path, data, sha, fmt in candidates:
        period = periods[path]
        table = tables.get(period.label) if period is not None and fmt not in TABULAR else None
        if table is not None:
            outcome = Outcome(path.as_uri(), "skipped", period, reason=f"{period.label} is also published as a table "
                                                                       f"({table}), which is taken: a PDF is the "
                                                                       "alternative")
        elif dry_run:
            outcome = Outcome(path.as_uri(), "would add", period, size=len(data))
        else:
            try:
                outcome = import_file(path, publisher.slug, period, raw_root, index)
                outcome.status = {"fetched": "added", "unchanged": "already stored"}.get(outcome.status, outcome.status)
            except OSError as e:
                outcome = Outcome(path.as_uri(), "failed", period, reason=f"{path}: {e}")
        report.outcomes.append(outcome)
    report.outcomes.sort(key=lambda o: o.url)
    return report


def _expand(paths) -> list[Path]:
    found: list[Path] = []
    for given in map(Path, paths):
        given = given.expanduser()
        if not given.exists():
            raise AddError(given, "no such file or folder")
        if given.is_dir():
            found += sorted(p.resolve() for p in given.rglob("*")
                            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(PROVENANCE_SUFFIX))
        else:
            found.append(given.resolve())
    return list(dict.fromkeys(found))


def _converted_from(path: Path, names: set[Path]) -> Path | None:
    """`X.pdf` for `X.pdf.csv` when both were given: a file named after another file plus an extension
    is a conversion of it (someone's extraction of a PDF into CSV)."""
    stem, inner = Path(path.stem), Path(path.stem).suffix.lower()
    if inner in FILE_SUFFIXES and path.parent / stem.name.lower() in names:
        return path.parent / stem.name
    return None


def _stored_by_sha(raw_root: Path) -> dict[str, tuple[str, Path]]:
    """sha256 -> (publisher slug, path) of every file in the raw spend store, from the provenance records."""
    out: dict[str, tuple[str, Path]] = {}
    root = raw_root / SPEND_DIR
    if root.is_dir():
        for meta in sorted(root.glob("*/**/*" + PROVENANCE_SUFFIX)):
            data = meta.with_name(meta.name[: -len(PROVENANCE_SUFFIX)])
            try:
                record = read_provenance(data)
            except SpendError:
                continue
            if record and record.get("sha256") and data.is_file():
                out.setdefault(record["sha256"], (meta.relative_to(root).parts[0], data))
    return out


def _period_of(path: Path, data: bytes, publisher: Publisher, on_file) -> Period | None:
    """The period a file's name says (its folders' names may give the year), else the months its payment
    dates span; None when neither says."""
    period = infer_period(path.name, [path.parent.name, path.parent.parent.name])
    if period is None:
        from spend.parse.file import parse_bytes

        try:
            dates = parse_bytes(data, str(path), publisher=publisher.name).payments["payment_date"].dropna()
        except SpendError:
            dates = []
        if len(dates):
            first, last = min(dates), max(dates)
            period = Period.between(f"{first:%Y-%m}", f"{last:%Y-%m}")
    if on_file:
        on_file(path)
    return period


def _tables_by_period(raw_root: Path, slug: str, new: list[tuple[Period | None, Path, str]]) -> dict[str, str]:
    """period label -> the name of a table (not a PDF) of that period, stored or being added."""
    out = {}
    for period, path, fmt in new:
        if period is not None and fmt in TABULAR:
            out.setdefault(period.label, path.name)
    base = publisher_dir(raw_root, slug)
    if base.is_dir():
        for meta in base.glob("*/*" + PROVENANCE_SUFFIX):
            record = read_provenance(meta.with_name(meta.name[: -len(PROVENANCE_SUFFIX)])) or {}
            if record.get("format") in TABULAR and record.get("period"):
                out.setdefault(record["period"], record.get("file_name") or meta.name)
    return out


def add_notice_files(paths, raw_root: Path, source: str = "contracts-finder") -> AddReport:
    """Copy the OCDS files (`.json`) in `paths` (files or folders) to `<raw>/<source>/added/<folder>/...`,
    keeping their layout under each folder, each with a provenance record. A file already stored with the
    same bytes is left alone. `AddError` naming the path when it is missing or holds no OCDS file."""
    from spend.notices.tables import find_raw_files

    report = AddReport()
    base = Path(raw_root) / source / ADDED_DIR
    for given in map(Path, paths):
        if not given.exists():
            raise AddError(given, "no such file or folder")
        found = find_raw_files([given])
        if not found:
            raise AddError(given, "no stored OCDS files (.json) here")
        folder = given.resolve() if given.is_dir() else given.resolve().parent
        for path in found:
            target = base / folder.name / path.resolve().relative_to(folder)
            stored = _store(path, target)
            (report.added if stored else report.unchanged).append(target)
    return report


def _store(path: Path, target: Path) -> bool:
    """Write `path`'s bytes to `target` with a provenance record; False when it was already there."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    record = read_provenance(target) if target.is_file() else None
    if record is not None and record.get("sha256") == sha:
        return False
    write_atomic(target, data)
    record = {
        "url": path.resolve().as_uri(),
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "content_type": "application/json",
        "size": len(data),
        "sha256": sha,
        "added_from": str(path.resolve()),
    }
    write_atomic(provenance_path(target), (json.dumps(record, indent=1) + "\n").encode("utf-8"))
    return True
