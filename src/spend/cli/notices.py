"""`spend notices fetch` and `spend notices build`: a thin shell over `spend.notices`.

Wire into the project's CLI with `register(subparsers)`; each sub-command sets `func` to its
`run_*(args) -> int`. Errors are `SpendError`s for the main CLI to print as one line.
The `spend` entry point (spend.cli) registers these commands.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from spend.core import config
from spend.core.errors import SpendError
from spend.sources.notice_apis import FEEDS, LOOKUPS, SEARCHES

if TYPE_CHECKING:
    from spend.sources.harvest import HarvestResult

FETCH_EXAMPLES = """\
examples:
  spend notices fetch --source contracts-finder --from 2019-01-01 --to 2019-03-31
  spend notices fetch --source contracts-finder --from 2019-01-01 --to 2019-03-31 --keyword Optum
  spend notices fetch --source find-a-tender --from 2021-01-01 --to 2021-01-07 --stages award
  spend notices fetch --source contracts-finder --ocid ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b

Pages go to <raw>/<source>/<harvest>/ with their URL, time and sha256. Stopped runs (Ctrl-C, a
crash, a lost connection) resume where they stopped when the same command is run again.
Answers are cached in <raw>/../cache/, so re-runs do not ask the service again.
"""

BUILD_EXAMPLES = """\
examples:
  spend notices build
  spend notices build data/raw/contracts-finder --out data/clean
  spend notices build ../shared/realdata/contracts-finder --out /tmp/notices

Writes notices.parquet, awards.parquet and award_suppliers.parquet (money as DECIMAL(18, 2)).
"""


class NoticesUsageError(SpendError):
    """The options given to a notices command do not make sense together."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `notices` command, with `fetch` and `build`, to the project's sub-parsers."""
    notices = subparsers.add_parser(
        "notices",
        help="harvest Contracts Finder / Find a Tender notices (OCDS) and build tables",
        description="Harvest UK procurement notices (OCDS) politely and resumably, and flatten them to tables.",
    )
    commands = notices.add_subparsers(dest="notices_command", metavar="{fetch,build}")
    commands.required = True

    fetch = commands.add_parser(
        "fetch",
        help="harvest notices from a service into the raw store",
        description="Harvest OCDS notices from Contracts Finder or Find a Tender into the raw store.",
        epilog=FETCH_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument("--source", required=True, choices=sorted(FEEDS), help="service to ask")
    fetch.add_argument("--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD) or time (ISO 8601, UTC)")
    fetch.add_argument("--to", dest="date_to", metavar="DATE", help="last day, included (YYYY-MM-DD), or end time (ISO 8601, UTC)")
    fetch.add_argument("--stages", help="comma-separated stages, e.g. tender,award (default: all)")
    fetch.add_argument("--keyword", help="Contracts Finder keyword search instead of every release")
    fetch.add_argument("--supplier", help="Contracts Finder search of awarded notices for a supplier name")
    fetch.add_argument("--release-id", help="fetch one release package by release id (Contracts Finder)")
    fetch.add_argument("--ocid", help="fetch one record by ocid (Contracts Finder)")
    fetch.add_argument("--window-hours", type=float, help="length of each date window (default: the service's)")
    fetch.add_argument("--limit", type=int, help="releases per page, 1-100 (default 100)")
    fetch.add_argument("--raw-dir", type=Path, help="raw store root (default: data/raw, or $SPEND_DATA/raw)")
    fetch.add_argument("--cache", type=Path, help="response cache file (default: <raw>/../cache/<source>.sqlite)")
    fetch.add_argument("--no-cache", action="store_true", help="do not read or write the response cache")
    fetch.add_argument("--base-url", help="ask this address instead of the real service (mirrors, tests)")
    fetch.set_defaults(func=run_fetch)

    build = commands.add_parser(
        "build",
        help="build the notices, awards and award_suppliers tables from the raw store",
        description="Read stored OCDS files and write the notices, awards and award_suppliers tables as Parquet.",
        epilog=BUILD_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("paths", nargs="*", type=Path, help="files or folders (default: <raw>/contracts-finder and <raw>/find-a-tender)")
    build.add_argument("--out", type=Path, help="output folder (default: data/clean, or $SPEND_DATA/clean)")
    build.set_defaults(func=run_build)


def run_fetch(args: argparse.Namespace) -> int:
    """`spend notices fetch`: harvest into the raw store; 0 when complete, 130 when interrupted."""
    from tqdm import tqdm

    from spend.sources.http import PoliteSession
    from spend.sources.harvest import Progress, fetch_record, fetch_release, harvest_feed, harvest_search

    source = args.source
    raw_root = args.raw_dir or config.raw_dir()
    single = args.release_id or args.ocid
    if (args.keyword or args.supplier or single) and source not in SEARCHES:
        raise NoticesUsageError(source, "keyword, supplier, release and record look-ups exist only on contracts-finder")
    if args.keyword and args.supplier:
        raise NoticesUsageError(None, "give --keyword or --supplier, not both")
    if not single and not (args.date_from and args.date_to):
        raise NoticesUsageError(None, "--from and --to are required (or --release-id / --ocid)")
    cache = None if args.no_cache else (args.cache or raw_root.parent / "cache" / f"{source}.sqlite")

    feed = FEEDS[source]
    service = feed.service.at(args.base_url) if args.base_url else feed.service
    with PoliteSession(service, cache_path=cache) as session, tqdm(unit="window", desc=source, disable=None) as bar:

        def show(progress: Progress) -> None:
            bar.total = progress.windows_total
            bar.n = progress.windows_done
            bar.set_postfix_str(f"pages {progress.pages}, items {progress.items} {progress.window}")

        try:
            if single:
                lookups = LOOKUPS[source].at(service.base_url)
                paths = []
                if args.release_id:
                    paths.append(fetch_release(lookups, args.release_id, session=session, raw_root=raw_root))
                if args.ocid:
                    paths.append(fetch_record(lookups, args.ocid, session=session, raw_root=raw_root))
                print("\n".join(str(p) for p in paths))
                return 0
            start, end = parse_from(args.date_from), parse_to(args.date_to)
            window = timedelta(hours=args.window_hours) if args.window_hours else None
            if args.keyword or args.supplier:
                result = harvest_search(
                    SEARCHES[source].at(service.base_url), start, end,
                    keyword=args.keyword or args.supplier, awarded_only=bool(args.supplier),
                    session=session, raw_root=raw_root, window=window, on_page=show,
                )
            else:
                result = harvest_feed(
                    feed.at(service.base_url), start, end,
                    session=session, raw_root=raw_root, stages=args.stages, window=window,
                    limit=args.limit, on_page=show,
                )
            show(Progress(result.windows_done, result.windows_total, result.pages, result.items, ""))
        except KeyboardInterrupt:
            bar.close()
            print("interrupted: run the same command again to resume where it stopped", file=sys.stderr)
            return 130
    print(describe(result))
    if result.over_limit:
        print(
            f"warning: {len(result.over_limit)} window(s) still had more hits than the service returns: "
            + ", ".join(result.over_limit),
            file=sys.stderr,
        )
        return 1
    return 0


def describe(result: HarvestResult) -> str:
    waited = sum(w.seconds for w in result.waits)
    return (
        f"{result.directory}: {result.windows_done}/{result.windows_total} windows, {result.pages} pages, "
        f"{result.items} items ({result.fetched_now} pages this run, {result.network_requests} requests, "
        f"{waited:.0f} s waiting)"
    )


def run_build(args: argparse.Namespace) -> int:
    """`spend notices build`: raw -> Parquet; 0 when every file was read, 1 if some were not."""
    from spend.notices.tables import build_tables, find_raw_files, write_tables

    raw_root = config.raw_dir()
    paths = args.paths or [p for p in (raw_root / "contracts-finder", raw_root / "find-a-tender") if p.exists()]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise NoticesUsageError(missing[0], "no such file or folder")
    if not find_raw_files(paths):
        raise NoticesUsageError(", ".join(map(str, paths)) or str(raw_root), "no stored OCDS files to build from")
    tables = build_tables(paths)
    written = write_tables(tables, args.out or config.clean_dir())
    for name, path in written.items():
        print(f"{path}: {len(tables.frames()[name])} rows")
    data = (args.out or config.clean_dir()).parent
    if (data / "clean" / "payments").is_dir():  # the store exists: add the notices to its DuckDB views
        from spend.store.build import write_duckdb

        print(f"{write_duckdb(data)}: views updated")
    report = tables.report
    print(report.summary())
    for path, reason in report.files_rejected:
        print(f"{path}: {reason}", file=sys.stderr)
    return 1 if report.files_rejected else 0


def parse_from(text: str) -> datetime:
    return _parse_time(text)


def parse_to(text: str) -> datetime:
    """A day given alone is included whole: --to 2019-03-31 means until 2019-04-01T00:00:00."""
    moment = _parse_time(text)
    return moment + timedelta(days=1) if len(text.strip()) == 10 else moment


def _parse_time(text: str) -> datetime:
    from spend.sources.harvest import HarvestError

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise HarvestError(None, f"{text!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
