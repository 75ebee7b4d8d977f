"""Commands for keeping and disposing of records: the retention schedule, holds, reviews,
disposal lists and transfers; and classification levels."""

from __future__ import annotations

import argparse
from pathlib import Path

from archive.vocab import CLASSIFICATIONS
from bureau.cli.edge import Parser, emit, open_home


def register(commands: argparse._SubParsersAction) -> None:
    retention = commands.add_parser("retention", help="the retention schedule and disposition")
    ret = retention.add_subparsers(dest="retention_command", metavar="ACTION", parser_class=Parser)
    ret.required = True
    p = ret.add_parser("rules", help="list the retention categories")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_rules)
    p = ret.add_parser("check", help="validate the schedule and apply any change to due dates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_check)
    p = ret.add_parser("due", help="items past their due date")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="default: today")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_due)
    p = ret.add_parser("hold", help="suspend an item's disposition")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--reason", required=True, help="e.g. 'audit of the 2025 accounts'")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_hold)
    p = ret.add_parser("release", help="release the holds on an item")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_release)
    p = ret.add_parser("review", help="decide on an item whose category ends in review")
    p.add_argument("ref", metavar="REF")
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument("--extend", type=int, metavar="YEARS", help="keep it YEARS longer")
    decision.add_argument("--dispose", action="store_true", help="let it be disposed of")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_review)
    p = ret.add_parser("dispose", help="propose a disposal list of the items due")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_dispose)
    p = ret.add_parser("approve", help="approve a disposal list (an admin other than the proposer)")
    p.add_argument("list_id", metavar="LIST_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_approve)
    p = ret.add_parser("execute", help="execute an approved disposal list (or finish one)")
    p.add_argument("list_id", metavar="LIST_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_execute)
    p = ret.add_parser("cancel", help="withdraw a disposal list not yet executed")
    p.add_argument("list_id", metavar="LIST_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_cancel)
    p = ret.add_parser("lists", help="the disposal lists, or one of them")
    p.add_argument("list_id", metavar="LIST_ID", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_lists)
    p = ret.add_parser("transfer", help="export items due for transfer as a BagIt bag")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", required=True)
    p.add_argument("dest", type=Path, metavar="DEST", help="a new folder for the bag")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_retention_transfer)


def register_classification(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("classify", help="change an item's classification level")
    p.add_argument("ref", help="item id, archival code or document number")
    p.add_argument("level", help="|".join(CLASSIFICATIONS))
    p.add_argument("--until", metavar="DATE|Ny", help="declassify on DATE, or after N years")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_classify)

    p = commands.add_parser("declassify", help="lower items whose classification has ended")
    p.add_argument("--due", action="store_true", required=True, help="every item now due")
    p.add_argument("--as-of", dest="as_of", metavar="DATE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_declassify)


def cmd_retention_rules(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import retention

    with open_home(args) as archive:
        schedule = retention.validated(archive)
    emit(args, [r.to_json() for r in schedule.rules], text.rule_table(schedule.rules))
    return 0


def cmd_retention_check(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import retention

    with open_home(args) as archive:
        report = retention.check(archive)
    emit(args, report, text.schedule_check(report))
    return 0


def cmd_retention_due(args: argparse.Namespace) -> int:
    from archive.filing import parse_date
    from bureau import text
    from bureau.services import retention

    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    with open_home(args) as archive:
        found = retention.due(archive, as_of)
    emit(args, [d.to_json() for d in found], text.due_table(found))
    return 0


def cmd_retention_hold(args: argparse.Namespace) -> int:
    from bureau.services import retention

    with open_home(args) as archive:
        item = retention.hold(archive, args.ref, args.reason)
    emit(args, item.to_json(), f"{item.archive_code} is on hold ({len(item.holds)} hold(s))")
    return 0


def cmd_retention_release(args: argparse.Namespace) -> int:
    from bureau.services import retention

    with open_home(args) as archive:
        item = retention.release(archive, args.ref)
    emit(args, item.to_json(), f"{item.archive_code}: holds released")
    return 0


def cmd_retention_review(args: argparse.Namespace) -> int:
    from bureau.services import retention

    with open_home(args) as archive:
        item = retention.review(archive, args.ref, args.extend, args.dispose)
    decided = f"kept until {item.due}" if args.extend else "to be disposed of when proposed"
    emit(args, item.to_json(), f"{item.archive_code}: {decided}")
    return 0


def cmd_retention_dispose(args: argparse.Namespace) -> int:
    from archive.filing import parse_date
    from bureau import text
    from bureau.services import retention

    as_of = parse_date(args.as_of, "--as-of")
    with open_home(args) as archive:
        proposed = retention.propose(archive, as_of)
    data = proposed.to_json() if proposed else {"id": None, "items": []}
    emit(args, data, text.disposal_list(proposed) if proposed else "nothing is due for disposal")
    return 0


def cmd_retention_approve(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import retention

    with open_home(args) as archive:
        approved = retention.approve(archive, args.list_id)
    emit(args, approved.to_json(), text.disposal_list(approved))
    return 0


def cmd_retention_execute(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import disposal

    with open_home(args) as archive:
        executed = disposal.execute(archive, args.list_id)
    emit(args, executed.to_json(), text.disposal_executed(executed))
    return 0


def cmd_retention_cancel(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import retention

    with open_home(args) as archive:
        cancelled = retention.cancel(archive, args.list_id)
    emit(args, cancelled.to_json(), text.disposal_list(cancelled))
    return 0


def cmd_retention_lists(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import retention

    with open_home(args) as archive:
        if args.list_id:
            one = retention.disposal_list(archive, args.list_id)
            emit(args, one.to_json(), text.disposal_list(one))
            return 0
        found = retention.disposal_lists(archive)
    emit(args, [f.to_json() for f in found], text.disposal_lists(found))
    return 0


def cmd_retention_transfer(args: argparse.Namespace) -> int:
    from archive.filing import parse_date
    from bureau import text
    from bureau.services import retention

    as_of = parse_date(args.as_of, "--as-of")
    with open_home(args) as archive:
        report = retention.transfer(archive, as_of, args.dest)
    emit(args, report.to_json(), text.transfer_report(report))
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from bureau.services import classification

    with open_home(args) as archive:
        change = classification.classify(archive, args.ref, args.level, args.until)
    data = {
        "id": change.item_id,
        "from": change.before,
        "to": change.after,
        "until": change.until.isoformat() if change.until else None,
    }
    until = f", declassified on {data['until']}" if data["until"] else ""
    emit(args, data, f"item {change.item_id}: {change.before} -> {change.after}{until}")
    return 0


def cmd_declassify(args: argparse.Namespace) -> int:
    from archive.filing import parse_date
    from bureau.services import classification

    with open_home(args) as archive:
        as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
        changes = classification.declassify_due(archive, as_of)
    data = [{"id": c.item_id, "from": c.before, "to": c.after} for c in changes]
    emit(args, data, f"declassified {len(changes)} item(s)")
    return 0
