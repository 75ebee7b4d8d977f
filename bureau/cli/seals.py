"""Commands on the departments' electronic seals: the PKI, sealing and verifying PDFs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC
from pathlib import Path

from archive.errors import BadInput
from bureau.cli.edge import emit, moment, open_home

REVOCATION_REASONS = (
    "unspecified",
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
)


def register(commands: argparse._SubParsersAction) -> None:
    seals = commands.add_parser("seals", help="the departments' electronic seals (PKI)")
    seal_commands = seals.add_subparsers(dest="seals_command", metavar="ACTION")
    seal_commands.required = True
    p = seal_commands.add_parser("list", help="list the seal certificates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_seals_list)
    p = seal_commands.add_parser("import", help="replace a seal with a certificate from a CA")
    p.add_argument("dept")
    p.add_argument("file", type=Path, help="a PKCS#12 file (password in $BUREAU_P12_PASSWORD)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_seals_import)
    p = seal_commands.add_parser("renew", help="a new key and certificate for a department")
    p.add_argument("dept")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_seals_renew)
    p = seal_commands.add_parser("revoke", help="revoke a department's seal and issue a new one")
    p.add_argument("dept")
    p.add_argument("--reason", required=True, choices=REVOCATION_REASONS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_seals_revoke)
    p = seal_commands.add_parser("export-root", help="write the root certificate (PEM)")
    p.add_argument("path", type=Path)
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_seals_export_root)

    p = commands.add_parser("sign", help="seal a PDF, or a filed item (as a new version)")
    p.add_argument("target", metavar="PDF|REF", help="a PDF file (with --out) or a filed item")
    p.add_argument("--dept", required=True, help="the sealing department's code")
    p.add_argument("--out", type=Path, help="where to write the sealed PDF (for a PDF file)")
    p.add_argument("--force", action="store_true", help="replace an existing file at --out")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sign)

    p = commands.add_parser("verify", help="verify the seals (signatures) of PDFs")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE.pdf")
    p.add_argument(
        "--trust-root",
        type=Path,
        action="append",
        default=[],
        metavar="PEM",
        help="another trusted root certificate (the bureau's root is always trusted)",
    )
    p.add_argument("--at", metavar="ISO-DATETIME", help="validate as of a past moment")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_verify)


def cmd_seals_list(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import sealing

    with open_home(args) as archive:
        found = sealing.seals(archive)
    emit(args, [s.to_json() for s in found], text.seal_table(found))
    return 0


def cmd_seals_import(args: argparse.Namespace) -> int:
    from bureau.services import sealing

    password = os.environ.get("BUREAU_P12_PASSWORD")
    with open_home(args) as archive:
        info = sealing.import_p12(
            archive, args.dept, args.file, password.encode() if password else None
        )
    emit(args, info.to_json(), f"imported seal {info.serial} for {info.dept}")
    return 0


def cmd_seals_renew(args: argparse.Namespace) -> int:
    from bureau.services import sealing

    with open_home(args) as archive:
        info = sealing.renew(archive, args.dept)
    emit(args, info.to_json(), f"renewed the seal of {info.dept}: new certificate {info.serial}")
    return 0


def cmd_seals_revoke(args: argparse.Namespace) -> int:
    from bureau.services import sealing

    with open_home(args) as archive:
        info = sealing.revoke(archive, args.dept, args.reason)
    emit(
        args,
        info.to_json(),
        f"revoked the seal of {info.dept} ({args.reason}); new certificate {info.serial}",
    )
    return 0


def cmd_seals_export_root(args: argparse.Namespace) -> int:
    from bureau.services import sealing

    with open_home(args) as archive:
        path = sealing.export_root(archive, args.path, overwrite=args.force)
    emit(args, {"path": str(path)}, f"wrote the root certificate to {path}")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from bureau.services import sealing

    with open_home(args) as archive:
        if args.out is not None:
            out = sealing.sign_file(archive, Path(args.target), args.dept, args.out, args.force)
            emit(args, {"out": str(out)}, f"sealed {args.target} into {out}")
            return 0
        if Path(args.target).suffix.lower() == ".pdf" and Path(args.target).is_file():
            raise BadInput(f"{args.target} is a file: give --out PATH for the sealed copy")
        result = sealing.sign_item(archive, args.target, args.dept)
    item = result.item.to_json() | {"duplicate_of": result.duplicate_of}
    emit(
        args,
        item,
        f"sealed {args.target}: filed the sealed PDF as {item['archive_code']} "
        f"(a new version of item {item['supersedes']})",
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify PDFs against the home's own root when there is a home, else only against
    the roots given: an auditor outside the bureau needs no home."""
    from bureau.services import sealing, session

    has_home = session.has_home(args.home)
    archive = open_home(args) if has_home else None
    try:
        at = moment(args.at, archive.config.tz if archive else UTC) if args.at else None
        reports = sealing.verify_files(archive, args.files, args.trust_root, at)
    finally:
        if archive:
            archive.close()
    if args.json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    else:
        print("\n".join(r.to_text() for r in reports).rstrip())
    for report in reports:
        if report.unreadable:
            print(f"bureau: error: {report.file}: {report.error}", file=sys.stderr)
    return max(r.exit_code for r in reports)
