"""The `bureau` command: the front door for secretaries, archivists and auditors.

It only parses arguments, calls the service layer (`bureau/services`) and prints. It is
the one place where the project's errors become a line on stderr and an exit code:
0 success, 1 the operation or check failed, 2 bad usage or bad input.

A command's modules are imported when that command runs (each handler imports the
services it calls), so `bureau --help`, `show` and `list` start without loading the
PDF, seal and index libraries.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime

from archive.errors import BureauError
from bureau.cli import (
    admin,
    backups,
    documents,
    finding,
    generation,
    retention,
    seals,
    serving,
)
from bureau.cli.edge import Parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="bureau", description="The education bureau's document archive.")
    parser.add_argument("--home", help="the data home (default: $BUREAU_HOME, else ./bureau-home)")
    parser.add_argument("--user", help="act as this user (default: $BUREAU_USER, else the login)")
    parser.add_argument(
        "--debug", action="store_true", help="show library warnings and error details on stderr"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for register in (
        admin.register_home,
        documents.register,
        generation.register,
        documents.register_numbers,
        seals.register,
        finding.register,
        backups.register,
        retention.register,
        admin.register_people,
        retention.register_classification,
        admin.register_upkeep,
        serving.register,
    ):
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    root = logging.getLogger()
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())  # library warnings are not for users
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except BureauError as exc:
        print(f"bureau: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("bureau: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: a bug, reported without a traceback
        where = _log_internal_error(args)
        print(f"bureau: internal error: {type(exc).__name__}: {exc} ({where})", file=sys.stderr)
        return 1


def _log_internal_error(args: argparse.Namespace) -> str:
    """Keep the traceback where it helps: stderr with --debug, else the data home's log.

    Without a data home nothing is written anywhere (never into the user's own home folder).
    """
    from bureau.services.session import logs_folder

    details = f"--- {datetime.now(UTC).isoformat()} {sys.argv!r}\n{traceback.format_exc()}"
    if getattr(args, "debug", False):
        sys.stderr.write(details)
        return "details above"
    logs = logs_folder(getattr(args, "home", None))
    if logs.is_dir():
        try:
            with (logs / "errors.log").open("a", encoding="utf-8") as log:
                log.write(details)
            return f"details in {logs / 'errors.log'}"
        except OSError:
            pass
    return "run again with --debug for details"
