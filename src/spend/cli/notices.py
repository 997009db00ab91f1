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

from spend.cli.common import add_data_option, command, command_group
from spend.cli import common
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
  spend notices fetch --source contracts-finder --from 2019-01-01 --to 2019-03-31 --refresh

Pages go to <raw>/<source>/<harvest>/ with their URL, time and sha256. Stopped runs (Ctrl-C, a
crash, a lost connection) resume where they stopped when the same command is run again.
Answers are cached in <raw>/../cache/, so re-runs do not ask the service again; answers about a
window that ended less than 7 days ago are kept for an hour only, since the services are still
publishing into it. --refresh asks the service again for the whole range, past the cache, and
replaces the range's stored pages. Numbers Find a Tender writes with leading zeros ("amount": 000)
are read as their value and counted in the repairs line.
"""

ADD_EXAMPLES = """\
examples:
  spend notices add ../shared/realdata/contracts-finder
  spend notices add ~/Downloads/find-a-tender-2021-01.json --source find-a-tender

Copies OCDS files (.json: release or record packages, releases, records) into
<raw>/<source>/added/<folder>/ with a provenance record each (file address, time, size, sha256).
The next `spend build` (or `spend notices build`) puts them in the store.
"""

BUILD_EXAMPLES = """\
examples:
  spend notices build
  spend notices build ../shared/realdata/contracts-finder     # add these files first, then build

Builds the store (spend build): the notices, awards and award_suppliers tables from every OCDS file under
data/raw/contracts-finder and data/raw/find-a-tender, each award's supplier tied to the suppliers paid in
the store (same supplier_id), money as DECIMAL(18, 2). Exit status 1 when a file cannot be read.
"""


class NoticesUsageError(SpendError):
    """The options given to a notices command do not make sense together."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `notices` command, with `fetch` and `build`, to the project's sub-parsers."""
    commands = command_group(
        subparsers, "notices", "harvest Contracts Finder / Find a Tender notices (OCDS) and build tables",
        "Harvest UK procurement notices (OCDS) politely and resumably, and flatten them to tables.",
        ["fetch", "add", "build"])
    fetch = command(commands, "fetch", "harvest notices from a service into the raw store",
                    "Harvest OCDS notices from Contracts Finder or Find a Tender into the raw store.", FETCH_EXAMPLES)
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
    fetch.add_argument("--refresh", action="store_true",
                       help="ask the service again for the whole range (or the look-up), past the cache, "
                            "replacing what was stored")
    fetch.add_argument("--base-url", help="ask this address instead of the real service (mirrors, tests)")
    fetch.set_defaults(func=run_fetch)

    for name, run, nargs, summary, description, epilog, paths_help in (
        ("add", run_add, "+", "add OCDS files from this machine to the raw store",
         "Copy OCDS files (release or record packages) into the raw store, with provenance.", ADD_EXAMPLES,
         "OCDS files, or folders holding them"),
        ("build", run_build, "*", "build the store's notices, awards and award_suppliers tables",
         "Build the store, with the notices tables from every stored OCDS file.", BUILD_EXAMPLES,
         "OCDS files or folders to add first (spend notices add)"),
    ):
        p = command(commands, name, summary, description, epilog)
        p.add_argument("paths", nargs=nargs, type=Path, help=paths_help)
        p.add_argument("--source", default="contracts-finder", choices=sorted(FEEDS), help="the service the files came from")
        add_data_option(p)
        p.set_defaults(func=run)


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
                    paths.append(fetch_release(lookups, args.release_id, session=session, raw_root=raw_root,
                                               refresh=args.refresh))
                if args.ocid:
                    paths.append(fetch_record(lookups, args.ocid, session=session, raw_root=raw_root,
                                              refresh=args.refresh))
                print("\n".join(str(p) for p in paths))
                return 0
            start, end = parse_from(args.date_from), parse_to(args.date_to)
            window = timedelta(hours=args.window_hours) if args.window_hours else None
            if args.keyword or args.supplier:
                result = harvest_search(
                    SEARCHES[source].at(service.base_url), start, end,
                    keyword=args.keyword or args.supplier, awarded_only=bool(args.supplier),
                    session=session, raw_root=raw_root, window=window, on_page=show, refresh=args.refresh,
                )
            else:
                result = harvest_feed(
                    feed.at(service.base_url), start, end,
                    session=session, raw_root=raw_root, stages=args.stages, window=window,
                    limit=args.limit, on_page=show, refresh=args.refresh,
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
    line = (
        f"{result.directory}: {result.windows_done}/{result.windows_total} windows, {result.pages} pages, "
        f"{result.items} items ({result.fetched_now} pages this run, {result.network_requests} requests, "
        f"{waited:.0f} s waiting)"
    )
    if result.repairs:
        line += "; repairs this run: " + ", ".join(f"{name} {count}" for name, count in sorted(result.repairs.items()))
    return line


def run_add(args: argparse.Namespace) -> int:
    """`spend notices add`: local OCDS files into the raw store."""
    from spend.sources.local import add_notice_files

    report = add_notice_files(args.paths, common.data_dir(args) / "raw", args.source)
    print(f"{report.summary()} under {common.data_dir(args) / 'raw' / args.source}; run spend build")
    return 0


def run_build(args: argparse.Namespace) -> int:
    """`spend notices build`: add PATHS, then build the store; 0 when every file was read, 1 if some were not."""
    from spend.store.build import build_store

    data = common.data_dir(args)
    if args.paths:
        run_add(args)
    result = build_store(data, progress=sys.stderr.isatty())
    print(result.summary())
    for path, error in result.failed:
        print(f"{path}: {error}", file=sys.stderr)
    return 1 if result.failed else 0


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
