"""Commands on documents in the archive: file, show, get, list, the audit trail and the
document-number register."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.vocab import CLASSIFICATIONS, RETENTIONS
from bureau.cli.edge import emit, open_home, utf8_text


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("file", help="file a .docx or .pdf as one archival item")
    p.add_argument("path", type=Path, help="the document")
    p.add_argument("--attach", type=Path, action="append", default=[], metavar="FILE")
    p.add_argument("--kind", help="what the document is: notice, budget, minutes, ...")
    p.add_argument("--dept", help="the department code, e.g. BGS")
    p.add_argument("--title")
    p.add_argument("--date", help="the document's date, YYYY-MM-DD")
    p.add_argument("--classification", metavar="LEVEL", help="|".join(CLASSIFICATIONS))
    p.add_argument("--retention", metavar="PERIOD", help="|".join(RETENTIONS))
    p.add_argument("--doc-no", dest="doc_no", help="the document number as printed")
    p.add_argument("--category", metavar="CODE", help="the retention category (default: by kind)")
    p.add_argument("--supersedes", metavar="REF", help="the item this one corrects")
    p.add_argument("--allow-duplicate", action="store_true", help="file even identical content")
    p.add_argument(
        "--require-seal",
        action="store_true",
        help="refuse the document unless it is a PDF whose bureau seal verifies",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_file)

    p = commands.add_parser("show", help="show one item")
    p.add_argument("ref", help="item id, archival code or document number")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = commands.add_parser("get", help="retrieve an item's file, verified")
    p.add_argument("ref", help="item id, archival code or document number")
    p.add_argument("--out", type=Path, required=True, help="a file, or a directory to write into")
    p.add_argument("--rendition", help="docx or pdf (default: the official one)")
    p.add_argument("--force", action="store_true", help="replace an existing file at --out")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_get)

    p = commands.add_parser("list", help="list items")
    p.add_argument("--dept")
    p.add_argument("--kind")
    p.add_argument("--year", type=int)
    p.add_argument("--limit", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)

    audit = commands.add_parser("audit", help="fixity checks and the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION")
    audit_commands.required = True
    p = audit_commands.add_parser("verify", help="check every file, row and the audit chain")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_audit_verify)
    p = audit_commands.add_parser("log", help="show the audit trail")
    p.add_argument("--item", metavar="REF", help="only the entries of one item")
    p.add_argument("--limit", type=int, help="only the newest N entries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_audit_log)


def register_numbers(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("numbers", help="the document-number register")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_numbers)


_FILE_TEXT_OPTIONS = (
    "kind",
    "dept",
    "title",
    "date",
    "classification",
    "retention",
    "doc_no",
    "category",
    "supersedes",
)


def cmd_file(args: argparse.Namespace) -> int:
    from archive.filing import FilingRequest, Source
    from bureau.services import documents

    for name in _FILE_TEXT_OPTIONS:
        value = getattr(args, name)
        if value is not None:
            utf8_text(value, f"--{name.replace('_', '-')}")
    request = FilingRequest(
        documents=[Source(args.path)],
        attachments=[Source(a) for a in args.attach],
        kind=args.kind,
        dept=args.dept,
        title=args.title,
        date=args.date,
        classification=args.classification,
        retention=args.retention,
        doc_no=args.doc_no,
        category=args.category,
        supersedes=args.supersedes,
        allow_duplicate=args.allow_duplicate,
        require_seal=args.require_seal,
    )
    with open_home(args) as archive:
        result = documents.file(archive, request)
    for warning in result.warnings:
        print(f"bureau: {warning}", file=sys.stderr)
    data = result.item.to_json() | {
        "duplicate_of": result.duplicate_of,
        "active_content": list(result.active_content),
        "pdfa": result.pdfa,
    }
    if result.duplicate_of:
        message = (
            f"already filed as {result.item.archive_code} (item {result.item.id}); not stored again"
        )
    else:
        message = f"filed {result.item.archive_code} (item {result.item.id})"
    emit(args, data, message)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import documents

    with open_home(args) as archive:
        item, notes = documents.show(archive, args.ref)
    emit(args, item.to_json() | notes, text.item_details(item, notes))
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    from bureau.services import documents

    with open_home(args) as archive:
        item, stored, target = documents.retrieve(
            archive, args.ref, args.out, args.rendition, args.force
        )
    data = item.to_json() | {"out": str(target), "rendition": stored.rendition}
    emit(args, data, f"wrote {target} ({stored.rendition}, SHA-256 verified)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import documents

    with open_home(args) as archive:
        found = documents.list_items(archive, args.dept, args.kind, args.year, args.limit)
    emit(args, [i.to_json() for i in found], text.item_table(found))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import auditing

    with open_home(args) as archive:
        report = auditing.verify(archive)
    emit(args, report.to_json(), text.verify_report(report))
    return 0 if report.ok else 1


def cmd_audit_log(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import auditing

    with open_home(args) as archive:
        entries = auditing.log(archive, args.item, args.limit)
    emit(args, [e.to_json() for e in entries], text.audit_table(entries))
    return 0


def cmd_numbers(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import documents

    with open_home(args) as archive:
        register = documents.number_register(archive, args.year)
    emit(args, [n.to_json() for n in register], text.number_table(register))
    return 0
