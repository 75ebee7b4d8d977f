"""Commands that make documents: the templates and `generate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.errors import BadInput
from archive.vocab import CLASSIFICATIONS
from bureau.cli.edge import emit, open_home


def register(commands: argparse._SubParsersAction) -> None:
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
        "--co-issuer",
        action="append",
        default=[],
        dest="co_issuers",
        metavar="DEPT",
        help="a department issuing jointly (repeatable; each seals later with `sign`)",
    )
    p.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="with --batch: no document unless every row is valid",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_generate)


def cmd_templates_list(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import templates

    with open_home(args) as archive:
        found = templates.available(archive)
    emit(args, [templates.summary(t) for t in found], text.template_table(found))
    return 0


def cmd_templates_show(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services.generate import find_template

    with open_home(args) as archive:
        template = find_template(archive, args.name)
    emit(args, template.to_json(), text.template_details(template))
    return 0


def cmd_templates_check(args: argparse.Namespace) -> int:
    from bureau.services import templates

    problems = templates.check(args.path)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.path}: OK")
    return 1 if problems else 0


def cmd_templates_add(args: argparse.Namespace) -> int:
    from bureau.services.template_install import install

    with open_home(args) as archive:
        template = install(archive, args.path, args.replace)
    emit(args, template.to_json(), f"installed template {template.name!r}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services.batch import generate_batch, write_errors
    from bureau.services.generate import generate, load_data, prepare

    if args.sign and not args.pdf:
        raise BadInput("--sign seals the PDF: give --pdf too")
    if args.co_issuers and args.batch:
        raise BadInput("--co-issuer makes one joint document: give --data, not --batch")
    with open_home(args) as archive:
        template, sealer = prepare(archive, args.template, args.dept, args.lang, args.sign)
        if args.data:
            data = load_data(args.data)
            result = generate(
                archive,
                template,
                data,
                args.dept,
                args.lang,
                args.classification,
                args.pdf,
                sealer,
                co_issuers=args.co_issuers,
                base=args.data.parent,
            )
            item = result.item.to_json() | {"duplicate_of": result.duplicate_of}
            sealed = f", sealed by {args.dept.upper()}" if item["sealed"] else ""
            emit(
                args,
                item,
                f"generated {item['doc_no'] or item['title']}: filed "
                f"{item['archive_code']} ({', '.join(item['renditions'])}){sealed}",
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
    errors = write_errors(args.batch, summary)
    if args.json:
        summary.write_json(sys.stdout)
    else:
        print(text.batch_summary(summary, errors))
    if not summary.failed:
        return 0
    return 1 if summary.generated else 2
