"""The `bureau` command: the front door for secretaries, archivists and auditors.

This module only parses arguments, calls the archive's service layer and prints. It is the
one place where the project's errors become a line on stderr and an exit code:
0 success, 1 the operation or check failed, 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from archive import backup as archive_backup
from archive import home
from archive.access import ROLES
from archive.errors import BadInput, BureauError, HomeError
from archive.filing import FilingRequest, Source, parse_date
from archive.service import Archive, default_actor
from archive.vocab import CLASSIFICATIONS, RETENTIONS
from archive.vocab import classification as parse_classification
from bureau import backups, disposal, finding, intake, retention, sealing, text
from bureau.batch import generate_batch
from bureau.generate import find_template, generate_one, load_data, templates_for
from bureau.template_install import install
from generators.batch_input import write_errors_csv
from generators.catalog import builtin_templates_dir
from generators.check import check_template
from indexer.search import SORTS, SearchRequest
from seals.passphrase import get_passphrase

Handler = Callable[[argparse.Namespace], int]
REVOCATION_REASONS = (
    "unspecified",
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bureau", description="The education bureau's document archive.")
    parser.add_argument("--home", help="the data home (default: $BUREAU_HOME, else ./bureau-home)")
    parser.add_argument("--user", help="act as this user (default: $BUREAU_USER, else the login)")
    parser.add_argument(
        "--debug", action="store_true", help="show library warnings and error details on stderr"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    p = commands.add_parser("init", help="create a new data home")
    p.add_argument("--org", help="the organisation's name (English or Chinese)")
    p.add_argument("--fonds", default="J042", help="the fonds code (default J042)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="default document language")
    p.set_defaults(handler=cmd_init)

    p = commands.add_parser("upgrade", help="bring an older data home up to date")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_upgrade)

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

    templates = commands.add_parser("templates", help="the document templates")
    template_commands = templates.add_subparsers(dest="templates_command", metavar="ACTION")
    template_commands.required = True
    p = template_commands.add_parser("list", help="list the templates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_templates_list)
    p = template_commands.add_parser("show", help="show a template's fields")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_templates_show)
    p = template_commands.add_parser("check", help="check a new or edited template folder")
    p.add_argument("path", type=Path)
    p.set_defaults(handler=cmd_templates_check)
    p = template_commands.add_parser("add", help="check a template and install it in the home")
    p.add_argument("path", type=Path)
    p.add_argument("--replace", action="store_true", help="replace an installed template")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_templates_add)

    p = commands.add_parser("generate", help="generate documents from a template and file them")
    p.add_argument("template", metavar="NAME")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, metavar="FILE", help="field values (.yaml or .json)")
    source.add_argument(
        "--batch", type=Path, metavar="FILE", help="one document per row (.csv, .xlsx)"
    )
    p.add_argument("--dept", required=True, help="the issuing department's code")
    p.add_argument("--lang", choices=("en", "zh"), help="document language (default: the home's)")
    p.add_argument("--classification", metavar="LEVEL", help="|".join(CLASSIFICATIONS))
    p.add_argument("--pdf", action="store_true", help="also make the PDF (the official rendition)")
    p.add_argument("--sign", action="store_true", help="seal the PDF with the department's seal")
    p.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="with --batch: no document unless every row is valid",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_generate)

    p = commands.add_parser("numbers", help="the document-number register")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_numbers)

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
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_index_rebuild)
    p = index_commands.add_parser("status", help="how far the index has got")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_index_status)

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

    retention = commands.add_parser("retention", help="the retention schedule and disposition")
    ret = retention.add_subparsers(dest="retention_command", metavar="ACTION", parser_class=_Parser)
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

    users = commands.add_parser("users", help="users, their roles and clearance (admin)")
    user_commands = users.add_subparsers(dest="users_command", metavar="COMMAND")
    user_commands.required = True
    p = user_commands.add_parser("add", help="add a user")
    p.add_argument("name")
    p.add_argument("--role", required=True, help="|".join(ROLES))
    p.add_argument("--clearance", required=True, metavar="LEVEL", help="|".join(CLASSIFICATIONS))
    p.add_argument("--dept", help="the user's department (required for a secretary)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_users_add)
    p = user_commands.add_parser("list", help="list the users")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_users_list)
    for name, field, metavar in (
        ("set-role", "role", "ROLE"),
        ("set-clearance", "clearance", "LEVEL"),
    ):
        p = user_commands.add_parser(name, help=f"change a user's {field}")
        p.add_argument("name")
        p.add_argument("value", metavar=metavar)
        p.add_argument("--dept", help="the department (when making someone a secretary)")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_users_change, field=field)
    for name, enabled in (("disable", False), ("enable", True)):
        p = user_commands.add_parser(name, help=f"{name} a user")
        p.add_argument("name")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_users_change, field="enabled", value=enabled, dept=None)

    keys = commands.add_parser("keys", help="the master key (admin)")
    key_commands = keys.add_subparsers(dest="keys_command", metavar="COMMAND")
    key_commands.required = True
    p = key_commands.add_parser("rotate", help="a new master key; data keys rewrapped")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_keys_rotate)
    p = key_commands.add_parser(
        "change-passphrase", help="re-protect the master key and the seal keys"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_keys_change_passphrase)

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

    p = commands.add_parser("gc", help="remove what interrupted filings left in the store")
    p.add_argument("--grace", type=float, help="seconds a leftover must be old (default: config)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_gc)
    return parser


# -- commands -------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    data_home = home.resolve(args.home)
    if data_home.root.exists() and any(data_home.root.iterdir()):
        raise HomeError(f"{data_home.root}: a data home (or other files) already exists there")
    passphrase = get_passphrase(confirm=True)  # before anything is created
    with Archive.init(
        data_home,
        org=args.org,
        fonds=args.fonds,
        lang=args.lang,
        actor=args.user,
        passphrase=lambda: passphrase,
    ) as archive:
        try:
            sealing.ensure_pki(archive, passphrase)
        except BaseException:
            shutil.rmtree(data_home.root, ignore_errors=True)  # ours, made a moment ago
            raise
        print(
            f"created data home {data_home.root} (fonds {archive.config.fonds}) with "
            f"{len(archive.config.departments)} departmental seals"
        )
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        archive.require("users", "upgrade the data home")
        added = []
        if archive.ensure_master_key():
            added.append("master key")
        if archive.prepare_trail():
            added.append("audit trail authenticated")
        if not sealing.has_pki(archive) or _missing_seals(archive):
            sealing.ensure_pki(archive, get_passphrase())
            added.append("seals")
        version = archive.schema_version()
    data = {"schema_version": version, "added": added}
    _emit(
        args,
        data,
        f"data home is at schema version {version}"
        + (f"; added: {', '.join(added)}" if added else ""),
    )
    return 0


def _missing_seals(archive: Archive) -> bool:
    have = set(sealing.pki(archive).departments())
    return any(d.code not in have for d in archive.config.departments)


def cmd_seals_list(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        found = sealing.pki(archive).seals()
    _emit(args, [s.to_json() for s in found], text.seal_table(found))
    return 0


def cmd_seals_import(args: argparse.Namespace) -> int:
    password = os.environ.get("BUREAU_P12_PASSWORD")
    with _open(args, "seals", "import seals") as archive:
        info = sealing.import_p12(
            archive,
            args.dept,
            args.file,
            password.encode() if password else None,
            get_passphrase(),
        )
    _emit(args, info.to_json(), f"imported seal {info.serial} for {info.dept}")
    return 0


def cmd_seals_renew(args: argparse.Namespace) -> int:
    with _open(args, "seals", "renew seals") as archive:
        info = sealing.renew(archive, args.dept, get_passphrase())
    _emit(args, info.to_json(), f"renewed the seal of {info.dept}: new certificate {info.serial}")
    return 0


def cmd_seals_revoke(args: argparse.Namespace) -> int:
    with _open(args, "seals", "revoke seals") as archive:
        info = sealing.revoke(archive, args.dept, args.reason, get_passphrase())
    _emit(
        args,
        info.to_json(),
        f"revoked the seal of {info.dept} ({args.reason}); new certificate {info.serial}",
    )
    return 0


def cmd_seals_export_root(args: argparse.Namespace) -> int:
    with _open(args, "verify", "export the root certificate") as archive:
        path = sealing.pki(archive).export_root(args.path, overwrite=args.force)
    _emit(args, {"path": str(path)}, f"wrote the root certificate to {path}")
    return 0


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
    for name in _FILE_TEXT_OPTIONS:  # undecodable bytes in argv arrive as lone surrogates
        value = getattr(args, name)
        if value is not None and not _is_utf8(value):
            raise BadInput(f"--{name.replace('_', '-')}: the value is not valid UTF-8 text")
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
    with _open(args) as archive:
        request.seal = intake.seal_check(archive, args.path)
        result = archive.file(request)
    for warning in result.warnings:
        print(f"bureau: {warning}", file=sys.stderr)
    data = result.item.to_json() | {
        "duplicate_of": result.duplicate_of,
        "active_content": list(result.active_content),
    }
    if result.duplicate_of:
        message = (
            f"already filed as {result.item.archive_code} (item {result.item.id}); not stored again"
        )
    else:
        message = f"filed {result.item.archive_code} (item {result.item.id})"
    _emit(args, data, message)
    return 0


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cmd_show(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        item = archive.resolve(args.ref)
        notes = archive.intake_notes(item)
    _emit(args, item.to_json() | notes, text.item_details(item, notes))
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        item, stored, target = archive.get(args.ref, args.out, args.rendition, args.force)
    data = item.to_json() | {"out": str(target), "rendition": stored.rendition}
    _emit(args, data, f"wrote {target} ({stored.rendition}, SHA-256 verified)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        found = archive.list(dept=args.dept, kind=args.kind, year=args.year, limit=args.limit)
    _emit(args, [i.to_json() for i in found], text.item_table(found))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        report = archive.verify()
        report.problems.extend(sealing.reverify_sealed(archive))
    _emit(args, report.to_json(), text.verify_report(report))
    return 0 if report.ok else 1


def cmd_audit_log(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        entries = archive.audit_log(args.item, args.limit)
    _emit(args, [e.to_json() for e in entries], text.audit_table(entries))
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    with _open(args, "seal", "seal documents") as archive:
        if args.out is not None:
            out = sealing.sign_file(archive, Path(args.target), args.dept, args.out, args.force)
            _emit(args, {"out": str(out)}, f"sealed {args.target} into {out}")
            return 0
        if Path(args.target).suffix.lower() == ".pdf" and Path(args.target).is_file():
            raise BadInput(f"{args.target} is a file: give --out PATH for the sealed copy")
        result = sealing.sign_item(archive, args.target, args.dept)
    item = result.item.to_json() | {"duplicate_of": result.duplicate_of}
    _emit(
        args,
        item,
        f"sealed {args.target}: filed the sealed PDF as {item['archive_code']} "
        f"(a new version of item {item['supersedes']})",
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    data_home = home.resolve(args.home)
    archive = (
        Archive.open(data_home, args.user, get_passphrase)
        if data_home.config_path.is_file()
        else None
    )
    try:
        if archive:
            archive.require("verify", "verify PDFs")
        at = _moment(args.at, archive) if args.at else None
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


def _moment(text: str, archive: Archive | None) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"malformed --at {text!r}: give an ISO date-time, e.g. 2026-05-01T12:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=archive.config.tz if archive else UTC)
    return moment


def cmd_search(args: argparse.Namespace) -> int:
    with _open(args) as archive:
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
    _emit(args, results.to_json(), text.search_results(request, results))
    pending = results.extra.get("pending", 0)
    if pending and not args.json:
        print(
            f"note: {pending} filed item(s) are not in the index yet (is `bureau watch` running?)",
            file=sys.stderr,
        )
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    stop = threading.Event()
    with _open(args, "watch", "run the watcher") as archive:
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
    with _open(args, "index", "rebuild the index") as archive:
        count = finding.rebuild(archive)
    _emit(args, {"indexed": count}, f"rebuilt the index: {count} item(s)")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    if args.target[0] == "verify":
        if len(args.target) != 2 or args.tar:
            raise BadInput("usage: bureau backup verify DEST [--json]")
        check = archive_backup.verify(Path(args.target[1]))
        _emit(args, check.to_json(), text.backup_check(check))
        return 0 if check.ok else 1
    if len(args.target) != 1:
        raise BadInput("usage: bureau backup DEST [--tar] [--json] (one DEST)")
    with _open(args, "backup", "back up the archive") as archive:
        report = backups.backup(archive, Path(args.target[0]), args.tar)
    _emit(args, report.to_json(), text.backup_report(report))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    target = home.resolve(args.home)
    actor = args.user or default_actor()
    restored = backups.restore(args.source, target, actor, get_passphrase, args.snapshot)
    _emit(args, restored.to_json(), text.restore_report(restored))
    return 0 if restored.verify.ok else 1


def cmd_retention_rules(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        schedule = retention.validated(archive)
    _emit(args, [r.to_json() for r in schedule.rules], text.rule_table(schedule.rules))
    return 0


def cmd_retention_check(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        report = retention.check(archive)
    _emit(args, report, text.schedule_check(report))
    return 0


def cmd_retention_due(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    with _open(args, "retention", "see what is due") as archive:
        found = archive.retention_due(as_of)
    _emit(args, [d.to_json() for d in found], text.due_table(found))
    return 0


def cmd_retention_hold(args: argparse.Namespace) -> int:
    with _open(args, "retention", "place holds") as archive:
        item = archive.hold(args.ref, args.reason)
    _emit(args, item.to_json(), f"{item.archive_code} is on hold ({len(item.holds)} hold(s))")
    return 0


def cmd_retention_release(args: argparse.Namespace) -> int:
    with _open(args, "retention", "release holds") as archive:
        item = archive.release(args.ref)
    _emit(args, item.to_json(), f"{item.archive_code}: holds released")
    return 0


def cmd_retention_review(args: argparse.Namespace) -> int:
    with _open(args, "retention", "review items") as archive:
        item = archive.review(args.ref, args.extend, args.dispose)
    decided = f"kept until {item.due}" if args.extend else "to be disposed of when proposed"
    _emit(args, item.to_json(), f"{item.archive_code}: {decided}")
    return 0


def cmd_retention_dispose(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of")
    with _open(args, "retention", "propose disposals") as archive:
        proposed = archive.propose_disposal(as_of)
    data = proposed.to_json() if proposed else {"id": None, "items": []}
    _emit(args, data, text.disposal_list(proposed) if proposed else "nothing is due for disposal")
    return 0


def cmd_retention_approve(args: argparse.Namespace) -> int:
    with _open(args, "approve", "approve disposal lists") as archive:
        approved = archive.approve_disposal(args.list_id)
    _emit(args, approved.to_json(), text.disposal_list(approved))
    return 0


def cmd_retention_execute(args: argparse.Namespace) -> int:
    with _open(args, "retention", "execute disposal lists") as archive:
        executed = disposal.execute(archive, args.list_id)
    _emit(args, executed.to_json(), text.disposal_executed(executed))
    return 0


def cmd_retention_cancel(args: argparse.Namespace) -> int:
    with _open(args, "retention", "cancel disposal lists") as archive:
        cancelled = archive.cancel_disposal(args.list_id)
    _emit(args, cancelled.to_json(), text.disposal_list(cancelled))
    return 0


def cmd_retention_lists(args: argparse.Namespace) -> int:
    with _open(args, "retention", "read disposal lists") as archive:
        if args.list_id:
            one = archive.disposal_list(args.list_id)
            _emit(args, one.to_json(), text.disposal_list(one))
            return 0
        found = archive.disposal_lists()
    _emit(args, [f.to_json() for f in found], text.disposal_lists(found))
    return 0


def cmd_retention_transfer(args: argparse.Namespace) -> int:
    as_of = parse_date(args.as_of, "--as-of")
    with _open(args, "retention", "transfer items") as archive:
        report = archive.transfer(as_of, args.dest)
    _emit(args, report.to_json(), text.transfer_report(report))
    return 0


def cmd_index_status(args: argparse.Namespace) -> int:
    with _open(args, "search", "read the index status") as archive:
        report = finding.status(archive)
    _emit(args, report, text.index_status(report))
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


def cmd_users_add(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        user = archive.add_user(args.name, args.role, args.clearance, args.dept)
    _emit(args, user.to_json(), f"added user {user.name} ({user.role}, {user.clearance})")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        found = archive.users()
    _emit(args, [u.to_json() for u in found], text.user_table(found))
    return 0


def cmd_users_change(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {args.field: args.value}
    if args.dept:
        changes["dept"] = args.dept
    with _open(args) as archive:
        user = archive.change_user(args.name, **changes)
    _emit(args, user.to_json(), text.user_table([user]))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        result = archive.rotate_master_key()
    _emit(
        args,
        result,
        f"master key {result['to']} is now current; {result['rewrapped']} data key(s) rewrapped",
    )
    return 0


def cmd_keys_change_passphrase(args: argparse.Namespace) -> int:
    old = get_passphrase()
    new = _new_passphrase()
    with Archive.open(home.resolve(args.home), args.user, lambda: old) as archive:
        archive.require("keys", "change the passphrase")
        archive.change_master_passphrase(new)
        if sealing.has_pki(archive):
            sealing.pki(archive).change_passphrase(old, new)
    _emit(args, {"changed": True}, "the passphrase now protects the master key and the seals")
    return 0


def _new_passphrase() -> bytes:
    """The new passphrase: `$BUREAU_NEW_PASSPHRASE`, else asked twice at the terminal."""
    value = os.environ.get("BUREAU_NEW_PASSPHRASE")
    if value is not None:
        if not value:
            raise BadInput("an empty passphrase is not allowed")
        return value.encode("utf-8")
    return get_passphrase(confirm=True, prompt_only=True)


def cmd_classify(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        until = _until(args.until, archive) if args.until else None
        change = archive.classify(args.ref, args.level, until)
    data = {
        "id": change.item_id,
        "from": change.before,
        "to": change.after,
        "until": change.until.isoformat() if change.until else None,
    }
    until = f", declassified on {data['until']}" if data["until"] else ""
    _emit(args, data, f"item {change.item_id}: {change.before} -> {change.after}{until}")
    return 0


def _until(value: str, archive: Archive) -> date:
    """`--until DATE`, or a period `10y` / `10年` from today."""
    text = value.strip()
    period = re.fullmatch(r"(\d{1,2})\s*(y|years?|年)", text, flags=re.IGNORECASE)
    if period:
        today = datetime.now(archive.config.tz).date()
        years = int(period.group(1))
        try:
            return today.replace(year=today.year + years)
        except ValueError:  # 29 February
            return today.replace(year=today.year + years, day=28)
    return parse_date(text, "--until")


def cmd_declassify(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
        changes = archive.declassify_due(as_of)
    data = [{"id": c.item_id, "from": c.before, "to": c.after} for c in changes]
    _emit(args, data, f"declassified {len(changes)} item(s)")
    return 0


def cmd_gc(args: argparse.Namespace) -> int:
    if args.grace is not None and args.grace < 0:
        raise BadInput("--grace must not be negative")
    with _open(args, "index", "clean the store") as archive:
        grace = archive.config.orphan_grace_seconds if args.grace is None else args.grace
        removed = archive.sweep(grace)
    _emit(args, {"removed": removed}, f"removed {len(removed)} leftover file(s)")
    return 0


def cmd_templates_list(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        found = sorted(templates_for(archive).values(), key=lambda t: t.name)
    data = [
        {
            "name": t.name,
            "title": t.title,
            "languages": list(t.languages),
            "kind": t.kind,
            "departments": list(t.departments),
            "builtin": t.path.parent == builtin_templates_dir(),
        }
        for t in found
    ]
    _emit(args, data, text.template_table(found))
    return 0


def cmd_templates_show(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        template = find_template(archive, args.name)
    _emit(args, template.to_json(), text.template_details(template))
    return 0


def cmd_templates_check(args: argparse.Namespace) -> int:
    if not args.path.is_dir():
        raise BadInput(f"{args.path}: not a template folder")
    problems = check_template(args.path)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.path}: OK")
    return 1 if problems else 0


def cmd_templates_add(args: argparse.Namespace) -> int:
    with _open(args, "users", "install templates") as archive:
        template = install(archive, args.path, args.replace)
    _emit(args, template.to_json(), f"installed template {template.name!r}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    if args.sign and not args.pdf:
        raise BadInput("--sign seals the PDF: give --pdf too")
    with _open(args, "generate", "generate documents") as archive:
        template = find_template(archive, args.template)
        sealer = sealing.Sealer(archive, get_passphrase()) if args.sign else None
        if sealer:
            sealer.material(args.dept, args.lang or archive.config.language)  # fail early
        if args.data:
            data = load_data(args.data)
            result = generate_one(
                archive,
                template,
                data,
                args.dept,
                args.lang,
                args.classification,
                args.pdf,
                sealer,
            )
            item = result.item.to_json() | {"duplicate_of": result.duplicate_of}
            _emit(
                args,
                item,
                f"generated {item['doc_no'] or item['title']}: filed "
                f"{item['archive_code']} ({', '.join(item['renditions'])})",
            )
            return 0
        summary = generate_batch(
            archive,
            template,
            args.batch,
            args.dept,
            args.lang,
            args.classification,
            args.pdf,
            args.all_or_nothing,
            sealer=sealer,
        )
    if summary.failed:
        write_errors_csv(args.batch.with_suffix(".errors.csv"), summary.failed)
    else:
        args.batch.with_suffix(".errors.csv").unlink(missing_ok=True)
    if args.json:
        summary.write_json(sys.stdout)
    else:
        print(text.batch_summary(summary, args.batch.with_suffix(".errors.csv")))
    if not summary.failed:
        return 0
    return 1 if summary.generated else 2


def cmd_numbers(args: argparse.Namespace) -> int:
    with _open(args) as archive:
        register = archive.number_register(args.year)
    _emit(args, [n.to_json() for n in register], text.number_table(register))
    return 0


# -- the edge -------------------------------------------------------------------------------


def _open(args: argparse.Namespace, permission: str | None = None, what: str = "") -> Archive:
    """The data home, acting as the user given (an unknown or disabled user is refused)."""
    archive = Archive.open(home.resolve(args.home), args.user, get_passphrase)
    try:
        if permission:
            archive.require(permission, what or None)
        else:
            archive.user  # noqa: B018 - refuses an unknown or disabled user
    except BaseException:
        archive.close()
        raise
    return archive


def _emit(args: argparse.Namespace, data: Any, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(human)


def main(argv: Sequence[str] | None = None) -> int:
    root = logging.getLogger()
    if not any(type(h) is logging.NullHandler for h in root.handlers):
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
    details = f"--- {datetime.now(UTC).isoformat()} {sys.argv!r}\n{traceback.format_exc()}"
    if getattr(args, "debug", False):
        sys.stderr.write(details)
        return "details above"
    logs = home.resolve(getattr(args, "home", None)).folder("logs")
    if logs.is_dir():
        try:
            with (logs / "errors.log").open("a", encoding="utf-8") as log:
                log.write(details)
            return f"details in {logs / 'errors.log'}"
        except OSError:
            pass
    return "run again with --debug for details"


if __name__ == "__main__":
    from bureau.__main__ import main as quiet_main

    sys.exit(quiet_main())
