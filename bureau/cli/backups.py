"""Commands that back up and restore the archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from archive.errors import BadInput
from bureau.cli.edge import actor, emit, open_home


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "backup",
        help="back up the data home (`backup DEST`), or check a backup (`backup verify DEST`)",
        usage="bureau backup DEST [--tar] [--json]\n       bureau backup verify DEST [--json]",
    )
    p.add_argument("target", nargs="+", metavar="DEST", help="a folder (or, with --tar, a file)")
    p.add_argument("--tar", action="store_true", help="write one .tar file instead of a folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_backup)

    p = commands.add_parser("restore", help="restore a backup as a new data home (--home)")
    p.add_argument("source", type=Path, metavar="SRC", help="a backup folder or .tar")
    p.add_argument("--snapshot", help="which snapshot of a backup folder (default: the newest)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import backups

    if args.target[0] == "verify":
        if len(args.target) != 2 or args.tar:
            raise BadInput("usage: bureau backup verify DEST [--json]")
        check = backups.verify(Path(args.target[1]))
        emit(args, check.to_json(), text.backup_check(check))
        return 0 if check.ok else 1
    if len(args.target) != 1:
        raise BadInput("usage: bureau backup DEST [--tar] [--json] (one DEST)")
    with open_home(args) as archive:
        report = backups.backup(archive, Path(args.target[0]), args.tar)
    emit(args, report.to_json(), text.backup_report(report))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import backups, session

    restored = backups.restore(args.source, session.locate(args.home), actor(args), args.snapshot)
    emit(args, restored.to_json(), text.restore_report(restored))
    return 0 if restored.verify.ok else 1
