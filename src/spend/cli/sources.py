"""`spend publishers list`, `spend fetch` and `spend add`: a thin shell over `spend.sources`.

Wire into the project's CLI with `register(subparsers)`; each command sets `func` to its
`run_*(args) -> int`. Errors are `SpendError`s, which the main CLI prints as one line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from spend.cli import common
from spend.cli.common import add_data_option, command, command_group
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

ADD_EXAMPLES = """\
examples:
  spend add ~/downloads/ncl --publisher "NHS North Central London CCG" --kind ccg
  spend add "NCL 13 - April 2021.pdf" --publisher nhs-north-central-london-ccg
  spend add ~/downloads/ncl-icb --publisher "NHS North Central London ICB" --kind icb
  spend add ~/downloads/hounslow --publisher "Hounslow CCG" --same-as nhs-hounslow-ccg
  spend add ~/downloads/ncl --publisher "NHS North Central London CCG" --dry-run

Each file goes to <data>/raw/spend/<publisher>/<period>/ with <file>.meta.json beside it (the original
path as a file:// URL, when it was added, size, sha256, format). The period is read from the file's
name, else from the months its payment dates span, else the file is filed as 'undated'.

--publisher takes a slug, a name or another name of a registered body. A body the registry does not
know is added to <data>/publishers.yaml, which every spend command reads with the package's registry
(never instead of it); only the name is needed. --same-as SLUG records the name as another name of a
registered body (a renamed trust); --successor SLUG says which body took the new one's place.

Every file not taken is listed with the reason: not a spend file, the same bytes as a stored file, a
conversion of another file given (X.pdf.csv beside X.pdf), or a PDF of a month whose table is taken.
Exit status 1 when none of the files given is in the store afterwards. Then: spend build.
"""

_REALDATA = object()  # --from-dir given without a folder


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `publishers` (with `list`) and `fetch` to the project's sub-parsers."""
    commands = command_group(subparsers, "publishers", "the registry of bodies that publish spend files",
                             "The publisher registry: who publishes spend files, where, and how to read them.", ["list"])
    listing = command(commands, "list", "list the registered publishers",
                      "List the registered publishers with their codes, landing pages and corpus files.", LIST_EXAMPLES)
    listing.add_argument("--registry", type=Path, help="a further registry YAML, read after the package's and the "
                                                       "data folder's (its entries add bodies or amend them)")
    add_data_option(listing)
    listing.add_argument("--from-dir", type=Path, help="corpus folder to count files in (default: the shared realdata)")
    listing.add_argument("--kind", help="only publishers of this kind (ccg, trust, council ...)")
    listing.set_defaults(func=run_list)

    fetch = command(subparsers, "fetch", "download a publisher's spend files into the raw store",
                    "Find a publisher's spend files on its transparency pages (or in a local corpus) and store the "
                    "new or changed ones with their provenance.", FETCH_EXAMPLES)
    fetch.add_argument("--publisher", required=True, metavar="SLUG", help="registry slug, or 'all'")
    fetch.add_argument("--period", metavar="YYYY-MM[..YYYY-MM]", help="only files covering these months, e.g. 2020-04..2021-03")
    fetch.add_argument("--raw-dir", type=Path, help="raw store root (default: data/raw, or $SPEND_DATA/raw)")
    fetch.add_argument("--registry", type=Path, help="a further registry YAML, read after the package's and the "
                                                     "data folder's (its entries add bodies or amend them)")
    fetch.add_argument("--from-dir", nargs="?", const=_REALDATA, metavar="DIR",
                       help="copy the registry's corpus files from DIR instead of the web (default DIR: the shared realdata)")
    fetch.add_argument("--dry-run", action="store_true", help="list what would be fetched; write nothing")
    fetch.add_argument("--max-pages", type=int, default=60, help="pages to read per landing page at most (default 60)")
    fetch.add_argument("--max-checks", type=int, default=200,
                       help="links without a file extension to check with the server, per landing page (default 200)")
    fetch.add_argument("--verbose", "-v", action="store_true", help="print every link seen and what it was taken for")
    fetch.set_defaults(func=run_fetch)

    add = command(subparsers, "add", "file spend files from this machine under a publisher, registered or new",
                  "File spend files you have into the raw store, with provenance, under a registered or new "
                  "publisher.", ADD_EXAMPLES)
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spend files, or folders holding them")
    add.add_argument("--publisher", required=True, metavar="NAME",
                     help="the body that published them: a registry slug or name, or a new body's name")
    add.add_argument("--kind", help="for a new body: one of ccg, icb, trust, council, department, agency, ...")
    add.add_argument("--ods-code", help="for a new body: its NHS ODS code")
    add.add_argument("--successor", metavar="SLUG", help="for a new body: the registered body that took its place")
    add.add_argument("--same-as", metavar="SLUG", help="NAME is another name of this registered body")
    add.add_argument("--dry-run", action="store_true", help="say what would be added; write nothing")
    add_data_option(add)
    add.set_defaults(func=run_add)


def run_list(args: argparse.Namespace) -> int:
    from spend.sources.fetch import corpus_counts
    from spend.sources.registry import default_registry_path, load_publishers, local_registry_path, publishers_for

    data = common.data_dir(args)
    publishers = publishers_for(data, extra=args.registry)
    package = {p.slug for p in load_publishers()}
    if args.kind:
        publishers = [p for p in publishers if p.kind == args.kind]
    counts = corpus_counts(publishers, args.from_dir or config.realdata_dir())
    rows = [("slug", "name", "kind", "ODS", "pages", "corpus")]
    rows += [(p.slug, p.name, p.kind or "-", p.ods_code or "-", str(len(p.landing_pages)), str(counts[p.slug]))
             for p in publishers]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = [c.rjust(w) if j >= 4 else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    added = [p for p in publishers if p.slug not in package]
    sources = [str(default_registry_path())]
    if local_registry_path(data).is_file():
        sources.append(str(local_registry_path(data)))
    if args.registry:
        sources.append(str(args.registry))
    print(f"{len(publishers)} publishers ({'; '.join(sources)}; {len(added)} not in the package's registry)")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from spend.sources.registry import publisher_named, publishers_for

    try:
        period = Period.parse(args.period) if args.period else None
    except PeriodError as e:  # name the option, not "<input>"
        raise PeriodError("--period", e.reason) from None
    raw_root = args.raw_dir or config.raw_dir()
    if args.max_pages < 1:
        raise FetchUsageError(None, "--max-pages must be at least 1")
    if args.max_checks < 0:
        raise FetchUsageError(None, "--max-checks must be 0 or more")
    publishers = publishers_for(Path(raw_root).parent, extra=args.registry)
    if args.publisher != "all":
        publishers = [publisher_named(publishers, args.publisher)]
    source_dir = None
    if args.from_dir is not None:
        source_dir = config.realdata_dir() if args.from_dir is _REALDATA else Path(args.from_dir)
        if not source_dir.is_dir():
            raise FetchUsageError(source_dir, "--from-dir: no such folder")
    failed, took = False, 0
    for publisher in publishers:
        if args.publisher == "all" and source_dir is None and not publisher.landing_pages:
            print(f"{publisher.slug}: no landing page known; skipped", file=sys.stderr)
            continue
        if args.publisher == "all" and source_dir is not None and not publisher.corpus:
            continue  # nothing of this publisher's in the corpus
        report = _fetch_one(publisher, args, period, raw_root, source_dir)
        if args.publisher == "all" and source_dir is not None and not report.outcomes:
            continue  # none of its files in this folder
        _print_report(report, dry_run=args.dry_run, verbose=args.verbose)
        failed = failed or not report.ok
        took += sum(report.count(s) for s in ("fetched", "not-modified", "unchanged", "would-fetch"))
    if source_dir is not None:
        return _report_not_taken(publishers, args.publisher, source_dir, took) or int(failed)
    return 1 if failed else 0


def _report_not_taken(publishers: list[Publisher], asked: str, source_dir: Path, took: int) -> int:
    """After --from-dir: with --publisher all, every file of the folder that no publisher took, and why;
    1 when nothing at all was taken."""
    from spend.sources.fetch import unclaimed_files

    if asked == "all":
        left = unclaimed_files(publishers, source_dir)
        if left:
            print(f"{len(left)} file(s) in {source_dir} not taken:")
            for path, reason in left:
                print(f"  {path.relative_to(source_dir)}: {reason}")
    if took:
        return 0
    whose = "a registered publisher's" if asked == "all" else f"{publishers[0].slug}'s"
    print(f"error: no file in {source_dir} was taken: none is {whose} corpus file (spend publishers list shows "
          "the corpus counts). For a folder of your own files: spend add FOLDER --publisher NAME", file=sys.stderr)
    return 1


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


def run_add(args: argparse.Namespace) -> int:
    from spend.sources import registry
    from spend.sources.local import add_spend_files

    data = common.data_dir(args)
    publishers = registry.publishers_for(data)
    new = False
    if args.same_as:
        publisher = registry.publisher_named(publishers, args.same_as)
        if registry.find_publisher([publisher], args.publisher) is None:
            publisher = registry.add_local_alias(data, publisher.slug, args.publisher) if not args.dry_run else publisher
            print(f"{args.publisher!r} recorded as another name of {publisher.slug} ({publisher.name})")
    else:
        publisher = registry.find_publisher(publishers, args.publisher)
        if publisher is None:
            new = True
            publisher = registry.add_local_publisher(data, args.publisher, kind=args.kind, ods_code=args.ods_code,
                                                     successor=args.successor, write=False)
        elif args.kind or args.ods_code or args.successor:
            print(f"note: {publisher.slug} is already registered; --kind, --ods-code and --successor apply to a "
                  "new body only", file=sys.stderr)
    from tqdm import tqdm

    # Files whose name gives no period are parsed for their dates: slow for long PDFs, so show it.
    bar = tqdm(desc="reading dates", unit="file", disable=not sys.stderr.isatty(), file=sys.stderr, leave=False)
    try:
        report = add_spend_files(args.paths, publisher, data / "raw", dry_run=args.dry_run,
                                 on_file=lambda _path: bar.update(1))
    finally:
        bar.close()
    if new and not args.dry_run and not report.took_nothing:
        registry.add_local_publisher(data, args.publisher, kind=args.kind, ods_code=args.ods_code,
                                     successor=args.successor)
        print(f"new publisher {publisher.name!r} ({publisher.slug}) added to {registry.local_registry_path(data)}")
    _print_added(report)
    if report.took_nothing:
        print(f"error: none of the files given was taken for {publisher.slug}", file=sys.stderr)
        return 1
    if not args.dry_run:
        print(f"next: spend build, then spend status --publisher {publisher.slug}")
    return 1 if report.count("failed") else 0


def _print_added(report) -> None:
    from urllib.parse import unquote, urlsplit

    for o in report.outcomes:
        path = os.path.relpath(unquote(urlsplit(o.url).path))
        path = unquote(urlsplit(o.url).path) if path.startswith("..") else path
        period = o.period.label if o.period else ("undated" if o.status in ("added", "would add") else "")
        line = f"  {o.status:14s} {period:17s} {path}"
        if o.reason:
            line += f": {o.reason}"
        print(line, file=sys.stderr if o.status == "failed" else sys.stdout)
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
