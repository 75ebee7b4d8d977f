"""Commands that find documents and keep the index: search, the watcher, the index."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TextIO

from archive.errors import BadInput
from archive.vocab import CLASSIFICATIONS, INDEX_ENGINES
from bureau.cli.edge import emit, open_home
from indexer.request import SORTS


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("search", help="find documents by what they say")
    p.add_argument("query", nargs="+", help='words, "a phrase", field:value, prefix*, AND OR NOT')
    p.add_argument("--dept", help="only this department's items")
    p.add_argument("--kind", help="only items of this kind (notice, budget, ...)")
    p.add_argument("--year", type=int)
    p.add_argument("--from", dest="date_from", metavar="DATE", help="dated on or after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="dated on or before YYYY-MM-DD")
    p.add_argument("--classification", metavar="LEVEL", help="|".join(CLASSIFICATIONS))
    p.add_argument("--sort", choices=SORTS, default="relevance")
    p.add_argument("--limit", type=int, default=20, help="hits per page (default 20)")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_search)

    p = commands.add_parser("watch", help="file the inbox and keep the search index current")
    p.add_argument("--once", action="store_true", help="do all pending work, then exit")
    p.add_argument("--settle", type=float, metavar="SECONDS", help="override watch.settle_seconds")
    p.add_argument("--json", action="store_true", help="with --once: print a summary as JSON")
    p.set_defaults(handler=cmd_watch)

    index = commands.add_parser("index", help="the full-text search index")
    index_commands = index.add_subparsers(dest="index_command", metavar="COMMAND")
    index_commands.required = True
    p = index_commands.add_parser("rebuild", help="rebuild the whole index from the archive")
    p.add_argument(
        "--engine",
        choices=INDEX_ENGINES,
        help="switch the home's index to this engine (the old index is searched meanwhile)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_index_rebuild)
    p = index_commands.add_parser("status", help="how far the index has got")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_index_status)


def cmd_search(args: argparse.Namespace) -> int:
    from archive.filing import parse_date
    from archive.vocab import classification as parse_classification
    from bureau import text
    from bureau.services import finding
    from indexer.request import SearchRequest

    with open_home(args) as archive:
        request = SearchRequest(
            text=" ".join(args.query),
            dept=archive.config.department(args.dept).code if args.dept else None,
            kind=args.kind,
            year=args.year,
            date_from=parse_date(args.date_from, "--from") if args.date_from else None,
            date_to=parse_date(args.date_to, "--to") if args.date_to else None,
            classification=parse_classification(args.classification)
            if args.classification
            else None,
            sort=args.sort,
            limit=args.limit,
            page=args.page,
        )
        results = finding.search(archive, request)
    emit(args, results.to_json(), text.search_results(request, results))
    pending = results.extra.get("pending", 0)
    if pending and not args.json:
        print(
            f"note: {pending} filed item(s) are not in the index yet (is `bureau watch` running?)",
            file=sys.stderr,
        )
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import finding

    stop = threading.Event()
    with open_home(args) as archive:
        settings = archive.config.watch
        if args.settle is not None:
            if not 0 <= args.settle <= 86400:
                raise BadInput("--settle must be between 0 and 86400 seconds")
            settings = replace(settings, settle_seconds=args.settle)
        echo = _echo_to(sys.stderr if args.json else sys.stdout)
        with _stopping_on_signals(stop):
            tally = finding.watch(archive, settings, args.once, stop, echo)
    if args.json:
        print(json.dumps(tally.to_json(), ensure_ascii=False, indent=2))
    elif args.once:
        print(text.watch_summary(tally))
    return 0


def cmd_index_rebuild(args: argparse.Namespace) -> int:
    from bureau.services import finding

    with open_home(args) as archive:
        count = finding.rebuild(archive, args.engine)
    emit(args, {"indexed": count}, f"rebuilt the index: {count} item(s)")
    return 0


def cmd_index_status(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import finding

    with open_home(args) as archive:
        report = finding.status(archive)
    emit(args, report, text.index_status(report))
    return 0


def _echo_to(stream: TextIO) -> Callable[[str], None]:
    def echo(line: str) -> None:
        print(line, file=stream, flush=True)

    return echo


@contextmanager
def _stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM ask the watcher to finish its batch and exit 0."""

    def handler(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
