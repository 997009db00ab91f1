"""Fetch a publisher's files into the raw store: from its web site, or from a local corpus folder.

    from spend.sources.fetch import fetch_publisher, import_corpus
    report = fetch_publisher(get_publisher("croydon-health-services"), raw_root=Path("data/raw"))
    report = import_corpus(get_publisher("nhs-hounslow-ccg"), source_dir=realdata_dir(), raw_root=...)

Both return a `FetchReport` listing what happened to each file (`Outcome.status`): fetched,
not-modified, unchanged, failed (with the reason), would-fetch (dry run), skipped (outside the
period asked for) or alternative (a PDF of a month also linked as a table, which is fetched instead).
A problem with one file or one page never stops the run; it is in the report, and so is a landing page
that yields no file at all. Pages and files are read within bounds (`spend.sources.limits`): a page or
file over its size limit once decompressed, or any answer slower than its deadline, fails with the limit
named (`FetchReport.failed_pages` for pages), and the files fetched before it stay. The report keeps each
landing page's `Discovery`: every link seen, with its verdict.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import requests

from spend.core.errors import SpendError

from spend.sources.discover import DEFAULT_MAX_CHECKS, DEFAULT_MAX_PAGES, Discovery, discover, prefer_tables
from spend.sources.download import (
    FILE_SUFFIXES,
    FileLink,
    Outcome,
    RawIndex,
    SessionPool,
    clean_partials,
    download_file,
    import_file,
    period_dir,
    safe_file_name,
)
from spend.sources.errors import DownloadError, FetchUsageError
from spend.sources.limits import Limits
from spend.sources.probe import probe_link
from spend.core.periods import Period
from spend.sources.registry import Publisher

STATUSES = ("fetched", "not-modified", "unchanged", "would-fetch", "alternative", "skipped", "failed")


@dataclass
class FetchReport:
    """The outcome of fetching one publisher."""

    publisher: str
    outcomes: list[Outcome] = field(default_factory=list)
    # pages that could not be read, landing pages that yielded no file, limits reached
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    failed_pages: list[tuple[str, str]] = field(default_factory=list)  # (url, reason): also in problems
    network_requests: int = 0
    discoveries: list[Discovery] = field(default_factory=list)  # one per landing page

    @property
    def checks(self) -> int:
        """Links whose server was asked what they are."""
        return sum(d.checks for d in self.discoveries)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        pages = f", {len(self.pages)} page{'s' if len(self.pages) != 1 else ''} read" if self.pages else ""
        checks = f", {self.checks} link{'s' if self.checks != 1 else ''} checked" if self.checks else ""
        failed = len(self.failed_pages)
        failed_pages = f", {failed} page{'s' if failed != 1 else ''} failed" if failed else ""
        return f"{self.publisher}: {len(self.outcomes)} files ({counts or 'none'}){pages}{failed_pages}{checks}"


Progress = Callable[[Outcome], None]


def _in_period(period: Period | None, wanted: Period | None) -> bool:
    return wanted is None or (period is not None and period.overlaps(wanted))


def fetch_publisher(
    publisher: Publisher,
    *,
    raw_root: Path,
    period: Period | None = None,
    dry_run: bool = False,
    pool: SessionPool | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_checks: int = DEFAULT_MAX_CHECKS,
    file_limits: Limits | None = None,
    on_discovered: Callable[[int], None] | None = None,
    on_file: Progress | None = None,
) -> FetchReport:
    """Discover the files on every landing page of `publisher` and download those in `period`
    (all when None) that are new or changed. Files without a period are skipped when a period is
    asked for, since nothing says they are in it; a PDF of a month also linked as a table is not
    downloaded (status 'alternative'). Pages are read within the pool's page limits, files within
    `file_limits` (default `spend.sources.limits.FILE`)."""
    if not publisher.landing_pages:
        raise FetchUsageError(
            publisher.slug,
            "no landing page is known for this publisher; import its files with --from-dir (see 'spend publishers list')",
        )
    raw_root = Path(raw_root)
    report = FetchReport(publisher.slug)
    own_pool = pool is None
    pool = pool or SessionPool()
    try:
        links = _discover_all(publisher, pool, max_pages, max_checks, report)
        if on_discovered:
            on_discovered(len(links))
        index = RawIndex(raw_root, publisher.slug)
        if not dry_run:
            clean_partials(raw_root)
        for link in links:
            if not _in_period(link.period, period):
                outcome = Outcome(link.url, "skipped", link.period, reason="outside the period asked for" if link.period else "no period in its name or link")
            elif link.alternative_of:
                outcome = Outcome(link.url, "alternative", link.period,
                                  reason=f"a PDF of {link.period}, also linked as a table: {link.alternative_of}; not fetched")
            elif dry_run:
                target = period_dir(raw_root, publisher.slug, link.period)
                outcome = Outcome(link.url, "would-fetch", link.period, target)
            else:
                outcome = download_file(pool.for_url(link.url), link, publisher.slug, raw_root, index, limits=file_limits)
            report.outcomes.append(outcome)
            if on_file:
                on_file(outcome)
        report.network_requests = pool.network_requests
    finally:
        if own_pool:
            pool.close()
    return report


def _discover_all(publisher: Publisher, pool: SessionPool, max_pages: int, max_checks: int,
                  report: FetchReport) -> list[FileLink]:
    links: list[FileLink] = []
    seen: set[str] = set()
    for landing in publisher.landing_pages:
        found: Discovery = discover(landing, lambda url: get_page(pool, url), check_link=lambda url: probe_link(pool, url),
                                    max_pages=max_pages, max_checks=max_checks)
        report.discoveries.append(found)
        report.pages.extend(found.pages)
        report.failed_pages.extend(found.failed_pages)
        report.problems.extend(found.problems)
        for link in found.files:
            if link.url not in seen:
                seen.add(link.url)
                links.append(link)
    return prefer_tables(links)  # again: a month's table and its PDF may be on different landing pages


def get_page(pool: SessionPool, url: str) -> tuple[str, str]:
    """Fetch an HTML page politely; (final URL, text). Raises `SpendError` for anything else."""
    try:
        response = pool.for_url(url).get(url)
    except requests.RequestException as e:  # a malformed URL; transport failures arrive as FetchError
        raise DownloadError(url, f"{type(e).__name__}: {e}") from None
    content_type = (response.headers.get("Content-Type") or "").lower()
    if content_type and "html" not in content_type and "xml" not in content_type:
        raise DownloadError(url, f"expected an HTML page, got {content_type}")
    return response.url, decode_html(response)


def decode_html(response: requests.Response) -> str:
    """The page's text: the charset the server declares, else UTF-8, else cp1252 (which old
    publisher pages use without saying so)."""
    content_type = response.headers.get("Content-Type") or ""
    if "charset=" in content_type.lower():
        try:
            return response.content.decode(response.encoding or "utf-8", errors="replace")
        except LookupError:
            pass
    try:
        return response.content.decode("utf-8")
    except UnicodeDecodeError:
        return response.content.decode("cp1252", errors="replace")


def import_corpus(
    publisher: Publisher,
    *,
    source_dir: Path,
    raw_root: Path,
    period: Period | None = None,
    dry_run: bool = False,
    on_file: Progress | None = None,
) -> FetchReport:
    """Copy the publisher's `corpus` files from `source_dir` (laid out like ../shared/realdata) into
    the raw store, with provenance records whose url is `file://<absolute path>`. Files whose bytes
    are already stored are not copied again."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise FetchUsageError(source_dir, "no such folder")
    raw_root = Path(raw_root)
    report = FetchReport(publisher.slug)
    index = RawIndex(raw_root, publisher.slug)
    for path in publisher.corpus_files(source_dir):
        relative = path.relative_to(source_dir).as_posix()
        file_period = publisher.corpus_period(relative)
        if not _in_period(file_period, period):
            outcome = Outcome(path.resolve().as_uri(), "skipped", file_period, reason="outside the period asked for")
        elif dry_run:
            target = period_dir(raw_root, publisher.slug, file_period) / safe_file_name(path.name)
            outcome = Outcome(path.resolve().as_uri(), "would-fetch", file_period, target)
        else:
            try:
                outcome = import_file(path, publisher.slug, file_period, raw_root, index)
            except (OSError, SpendError) as e:
                outcome = Outcome(path.resolve().as_uri(), "failed", file_period, reason=f"{path}: {e}")
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return report


def corpus_counts(publishers: Iterable[Publisher], source_dir: Path) -> dict[str, int]:
    """How many corpus files each publisher has in `source_dir` (0 when the folder is missing)."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        return {p.slug: 0 for p in publishers}
    return {p.slug: len(p.corpus_files(source_dir)) for p in publishers}


def unclaimed_files(publishers: Iterable[Publisher], source_dir: Path) -> list[tuple[Path, str]]:
    """The spend-like files (by extension) in `source_dir` that no publisher's `corpus` takes, each with why:
    excluded by an entry, a conversion of another file, or no registered publisher's."""
    source_dir = Path(source_dir)
    publishers = list(publishers)
    claimed = {path for p in publishers for path in p.corpus_files(source_dir)}
    out = []
    for path in sorted(source_dir.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in FILE_SUFFIXES or path in claimed:
            continue
        relative = path.relative_to(source_dir).as_posix()
        excluded = next((p.slug for p in publishers if p.is_excluded(relative)
                         and any(fnmatch.fnmatch(relative, g) for g in p.corpus)), None)
        if Path(path.stem).suffix.lower() in FILE_SUFFIXES and path.with_name(path.stem).is_file():
            reason = f"a conversion of {path.stem!r}, which is taken instead"
        elif excluded:
            reason = f"excluded by the registry entry of {excluded} (not its payments)"
        else:
            reason = "no registered publisher's file: spend add FILE --publisher NAME files it"
        out.append((path, reason))
    return out

