"""`spend publishers list` and `spend fetch`: a thin shell over `spend.sources`.

Wire into the project's CLI with `register(subparsers)`; each command sets `func` to its
`run_*(args) -> int`. Errors are `SpendError`s, which the main CLI prints as one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from spend.cli.common import command, command_group
from spend.core import config
from spend.core.periods import Period, PeriodError
from spend.sources.errors import FetchUsageError

if TYPE_CHECKING:
    from spend.sources.discover import Discovery, SeenLink
    from spend.sources.download import Outcome
    from spend.sources.fetch import FetchReport
    from spend.sources.registry import Publisher

LIST_EXAMPLES = """\
examples:
  spend publishers list
  spend publishers list --kind ccg
  spend publishers list --registry my-publishers.yaml --from-dir ../shared/realdata

Columns: slug (use it with 'spend fetch --publisher'), name, kind, ODS code, number of known
landing pages, and number of the publisher's files in the shared corpus (--from-dir, default
../shared/realdata or $SPEND_REALDATA).
"""

FETCH_EXAMPLES = """\
examples:
  spend fetch --publisher croydon-health-services --period 2020-04..2021-03
  spend fetch --publisher lambeth --dry-run
  spend fetch --publisher dorset-council --dry-run --verbose    # every link seen, and what it was taken for
  spend fetch --publisher nhs-hounslow-ccg --from-dir            # copy from ../shared/realdata
  spend fetch --publisher all --from-dir ../shared/realdata --raw-dir /tmp/raw

Files go to <raw>/spend/<publisher>/<period>/<file> with <file>.meta.json beside each (URL, landing
page, time, HTTP status, content type, size, sha256, ETag, Last-Modified, format). Re-running asks
the publisher with If-None-Match / If-Modified-Since and writes nothing that has not changed. A page
that serves HTML where a file was linked is reported and not stored. Links without a file extension
(a CMS's /documents/d/guest/april-2020) are checked with a HEAD request (or a GET of the first bytes).
A month linked as both a table and a PDF is fetched as the table; the PDF is listed as an alternative.
Exit status 1 if any file or page failed, or a landing page yielded no files (the links seen are then
printed with why each was skipped).
"""

_REALDATA = object()  # --from-dir given without a folder


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `publishers` (with `list`) and `fetch` to the project's sub-parsers."""
    commands = command_group(subparsers, "publishers", "the registry of bodies that publish spend files",
                             "The publisher registry: who publishes spend files, where, and how to read them.", ["list"])
    listing = command(commands, "list", "list the registered publishers",
                      "List the registered publishers with their codes, landing pages and corpus files.", LIST_EXAMPLES)
    listing.add_argument("--registry", type=Path, help="registry YAML file (default: the package's publishers.yaml)")
    listing.add_argument("--from-dir", type=Path, help="corpus folder to count files in (default: the shared realdata)")
    listing.add_argument("--kind", help="only publishers of this kind (ccg, trust, council ...)")
    listing.set_defaults(func=run_list)

    fetch = command(subparsers, "fetch", "download a publisher's spend files into the raw store",
                    "Find a publisher's spend files on its transparency pages (or in a local corpus) and store the "
                    "new or changed ones with their provenance.", FETCH_EXAMPLES)
    fetch.add_argument("--publisher", required=True, metavar="SLUG", help="registry slug, or 'all'")
    fetch.add_argument("--period", metavar="YYYY-MM[..YYYY-MM]", help="only files covering these months, e.g. 2020-04..2021-03")
    fetch.add_argument("--raw-dir", type=Path, help="raw store root (default: data/raw, or $SPEND_DATA/raw)")
    fetch.add_argument("--registry", type=Path, help="registry YAML file (default: the package's publishers.yaml)")
    fetch.add_argument("--from-dir", nargs="?", const=_REALDATA, metavar="DIR",
                       help="copy the registry's corpus files from DIR instead of the web (default DIR: the shared realdata)")
    fetch.add_argument("--dry-run", action="store_true", help="list what would be fetched; write nothing")
    fetch.add_argument("--max-pages", type=int, default=60, help="pages to read per landing page at most (default 60)")
    fetch.add_argument("--max-checks", type=int, default=200,
                       help="links without a file extension to check with the server, per landing page (default 200)")
    fetch.add_argument("--verbose", "-v", action="store_true", help="print every link seen and what it was taken for")
    fetch.set_defaults(func=run_fetch)


def run_list(args: argparse.Namespace) -> int:
    from spend.sources.fetch import corpus_counts
    from spend.sources.registry import default_registry_path, load_publishers

    publishers = load_publishers(args.registry)
    if args.kind:
        publishers = [p for p in publishers if p.kind == args.kind]
    counts = corpus_counts(publishers, args.from_dir or config.realdata_dir())
    rows = [("slug", "name", "kind", "ODS", "pages", "corpus")]
    rows += [(p.slug, p.name, p.kind, p.ods_code or "-", str(len(p.landing_pages)), str(counts[p.slug])) for p in publishers]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = [c.rjust(w) if j >= 4 else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"{len(publishers)} publishers ({args.registry or default_registry_path()})")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from spend.sources.registry import get_publisher, load_publishers

    try:
        period = Period.parse(args.period) if args.period else None
    except PeriodError as e:  # name the option, not "<input>"
        raise PeriodError("--period", e.reason) from None
    raw_root = args.raw_dir or config.raw_dir()
    if args.max_pages < 1:
        raise FetchUsageError(None, "--max-pages must be at least 1")
    if args.max_checks < 0:
        raise FetchUsageError(None, "--max-checks must be 0 or more")
    if args.publisher == "all":
        publishers = load_publishers(args.registry)
    else:
        publishers = [get_publisher(args.publisher, args.registry)]
    source_dir = None
    if args.from_dir is not None:
        source_dir = config.realdata_dir() if args.from_dir is _REALDATA else Path(args.from_dir)
        if not source_dir.is_dir():
            raise FetchUsageError(source_dir, "--from-dir: no such folder")
    failed = False
    for publisher in publishers:
        if args.publisher == "all" and source_dir is None and not publisher.landing_pages:
            print(f"{publisher.slug}: no landing page known; skipped", file=sys.stderr)
            continue
        if args.publisher == "all" and source_dir is not None and not publisher.corpus:
            continue  # nothing of this publisher's in the corpus
        report = _fetch_one(publisher, args, period, raw_root, source_dir)
        _print_report(report, dry_run=args.dry_run, verbose=args.verbose)
        failed = failed or not report.ok
    return 1 if failed else 0


def _fetch_one(publisher: Publisher, args: argparse.Namespace, period: Period | None, raw_root: Path,
               source_dir: Path | None) -> FetchReport:
    from tqdm import tqdm

    from spend.sources.fetch import fetch_publisher, import_corpus

    bar = tqdm(desc=publisher.slug, unit="file", disable=not sys.stderr.isatty(), file=sys.stderr, leave=False)

    def step(outcome: Outcome) -> None:
        bar.update(1)
        bar.set_postfix_str(outcome.status)

    def discovered(total: int) -> None:
        bar.total = total
        bar.refresh()

    try:
        if source_dir is not None:
            bar.total = len(publisher.corpus_files(source_dir))
            return import_corpus(publisher, source_dir=source_dir, raw_root=raw_root, period=period,
                                 dry_run=args.dry_run, on_file=step)
        return fetch_publisher(publisher, raw_root=raw_root, period=period, dry_run=args.dry_run,
                               max_pages=args.max_pages, max_checks=args.max_checks, on_discovered=discovered,
                               on_file=step)
    finally:
        bar.close()


def _print_report(report: FetchReport, *, dry_run: bool, verbose: bool) -> None:
    if verbose:
        for discovery in report.discoveries:
            _print_links(discovery)
    for outcome in report.outcomes:
        period = outcome.period.label if outcome.period else "undated"
        if dry_run and outcome.status == "would-fetch":
            print(f"would fetch {outcome.url} ({period}) -> {outcome.path}")
        elif (dry_run or verbose) and outcome.status == "alternative":
            print(f"alternative {outcome.url} ({period}): {outcome.reason}")
        elif outcome.status == "failed":
            print(f"error: {outcome.reason}", file=sys.stderr)
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    for discovery in report.discoveries:
        if discovery.pages and not discovery.files and not verbose:
            print(f"links seen from {discovery.landing_page}:", file=sys.stderr)
            _print_links(discovery, file=sys.stderr)
    print(report.summary())


def _print_links(discovery: Discovery, file=None) -> None:
    """Every link seen from one landing page, under the page it is on, with its verdict."""
    page = None
    for seen in discovery.links:
        if seen.page != page:
            page = seen.page
            print(f"page {page}", file=file)
        print(f"  {_verdict(seen)}", file=file)


def _verdict(seen: SeenLink) -> str:
    """`file 2020-04 (csv): URL "text"`, `year page: URL "text"`, `skipped: URL "text" - why`."""
    link = f'{seen.url} "{seen.text}"'
    if seen.file is not None:
        period = seen.file.period.label if seen.file.period else "undated"
        notes = [n for n in (seen.reason, f"alternative to {seen.file.alternative_of}" if seen.file.alternative_of else "") if n]
        return f"file {period} ({seen.file.format or 'format not known'}): {link}" + (f" [{'; '.join(notes)}]" if notes else "")
    if seen.reason:
        return f"{seen.verdict}: {link} - {seen.reason}"
    return f"{seen.verdict}: {link}"
