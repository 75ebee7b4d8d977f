"""Commands that administer a data home: creating and upgrading it, its users, its keys,
and cleaning its store."""

from __future__ import annotations

import argparse
import os
from typing import Any

from archive.access import ROLES
from archive.errors import BadInput
from archive.vocab import CLASSIFICATIONS
from bureau.cli.edge import emit, open_home


def register_home(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("init", help="create a new data home")
    p.add_argument("--org", help="the organisation's name (English or Chinese)")
    p.add_argument("--fonds", default="J042", help="the fonds code (default J042)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="default document language")
    p.add_argument(
        "--admin",
        metavar="NAME",
        help="the first administrator (default: --user, else the login name); password from "
        "$BUREAU_NEW_PASSWORD or asked",
    )
    p.add_argument(
        "--catalog",
        metavar="URL",
        default="sqlite",
        help="where the catalog lives: sqlite (default, inside the home) or "
        "postgresql://USER@HOST:PORT/DB (password from $PGPASSWORD or ~/.pgpass)",
    )
    p.add_argument(
        "--store",
        metavar="URL",
        default="local",
        help="where the files live: local (default, inside the home) or s3://BUCKET/PREFIX "
        "(endpoint and credentials from $AWS_ENDPOINT_URL, $AWS_ACCESS_KEY_ID, ...)",
    )
    p.set_defaults(handler=cmd_init)

    p = commands.add_parser("info", help="where this home keeps its catalog, files and index")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_info)

    catalogs = commands.add_parser("catalog", help="where the catalog lives (admin)")
    catalog_commands = catalogs.add_subparsers(dest="catalog_command", metavar="COMMAND")
    catalog_commands.required = True
    p = catalog_commands.add_parser(
        "copy",
        help="move the catalog into an empty PostgreSQL database, verified, and use it "
        "from now on (catalog.sqlite is kept, read-only)",
    )
    p.add_argument(
        "--to",
        metavar="URL",
        required=True,
        help="postgresql://USER@HOST:PORT/DB (password from $PGPASSWORD or ~/.pgpass)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_catalog_copy)

    p = commands.add_parser("upgrade", help="bring an older data home up to date")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_upgrade)


def register_people(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="users, their roles and clearance (admin)")
    user_commands = users.add_subparsers(dest="users_command", metavar="COMMAND")
    user_commands.required = True
    p = user_commands.add_parser(
        "add", help="add a user (password from $BUREAU_NEW_PASSWORD, or asked)"
    )
    p.add_argument("name")
    p.add_argument("--role", required=True, help="|".join(ROLES))
    p.add_argument("--clearance", required=True, metavar="LEVEL", help="|".join(CLASSIFICATIONS))
    p.add_argument("--dept", help="the user's department (required for a secretary)")
    p.add_argument(
        "--display-name",
        metavar="NAME",
        help="the name people read (e.g. 张伟), shown in the destruction register",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_users_add)
    p = user_commands.add_parser(
        "set-password", help="set a user's password ($BUREAU_NEW_PASSWORD, or asked)"
    )
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_users_set_password)
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


def register_upkeep(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("gc", help="remove what interrupted filings left in the store")
    p.add_argument("--grace", type=float, help="seconds a leftover must be old (default: config)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_gc)


def cmd_init(args: argparse.Namespace) -> int:
    from bureau.cli import passwords
    from bureau.services import homes
    from bureau.services.session import Actor
    from seals.passphrase import get_passphrase

    name = args.admin or args.user
    admin = Actor(name, lambda: get_passphrase(confirm=True), lambda: passwords.new(name or ""))
    made = homes.create(args.home, admin, args.org, args.fonds, args.lang, args.catalog, args.store)
    print(
        f"created data home {made['home']} (fonds {made['fonds']}) with "
        f"{made['seals']} departmental seals; administrator: {made['admin']}"
        f"; catalog: {made['catalog']}, files: {made['store']}"
    )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from bureau.services import homes

    with open_home(args) as archive:
        data = homes.info(archive)
    emit(
        args,
        data,
        f"home:     {data['home']} (fonds {data['fonds']})\n"
        f"catalog:  {data['catalog']} ({data['catalog_location']}), "
        f"schema {data['schema_version']}\n"
        f"files:    {data['store']} ({data['store_location']})\n"
        f"index:    {data['index']}",
    )
    return 0


def cmd_catalog_copy(args: argparse.Namespace) -> int:
    from bureau.services import homes

    with open_home(args) as archive:
        moved = homes.move_catalog(archive, args.to)
    emit(
        args,
        moved,
        f"copied {moved['rows']} rows in {len(moved['tables'])} tables to {moved['to']}, "
        f"verified; this home's catalog is now there ({moved['kept']} is kept, read-only, "
        "until removed by hand)",
    )
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    from bureau.services import homes

    with open_home(args) as archive:
        data = homes.upgrade(archive)
    added, missing = data["added"], data["without_password"]
    text = f"data home is at schema version {data['schema_version']}" + (
        f"; added: {', '.join(added)}" if added else ""
    )
    if missing:
        text += (
            f"\nusers without a password (they act unchecked until one is set): "
            f"{', '.join(missing)}; an administrator sets each with "
            "`bureau users set-password NAME`"
        )
    if data["index_engine"] == "whoosh":
        text += (
            "\nthe search index uses Whoosh: `bureau index rebuild --engine tantivy` switches "
            "it to tantivy (smaller and faster; searches keep working while it rebuilds)"
        )
    emit(args, data, text)
    return 0


def cmd_gc(args: argparse.Namespace) -> int:
    from bureau.services import homes

    if args.grace is not None and args.grace < 0:
        raise BadInput("--grace must not be negative")
    with open_home(args) as archive:
        removed = homes.sweep(archive, args.grace)
    emit(args, {"removed": removed}, f"removed {len(removed)} leftover file(s)")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    from bureau.cli import passwords
    from bureau.services import users

    with open_home(args) as archive:
        user = users.add(
            archive,
            args.name,
            args.role,
            args.clearance,
            args.dept,
            passwords.new(args.name),
            args.display_name,
        )
    emit(args, user.to_json(), f"added user {user.name} ({user.role}, {user.clearance})")
    return 0


def cmd_users_set_password(args: argparse.Namespace) -> int:
    from bureau.cli import passwords
    from bureau.services import users

    with open_home(args) as archive:
        users.set_password(archive, args.name, passwords.new(args.name))
    emit(args, {"name": args.name, "changed": True}, f"set the password of {args.name}")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import users

    with open_home(args) as archive:
        found = users.list_users(archive)
    emit(args, [u.to_json() for u in found], text.user_table(found))
    return 0


def cmd_users_change(args: argparse.Namespace) -> int:
    from bureau import text
    from bureau.services import users

    changes: dict[str, Any] = {args.field: args.value}
    if args.dept:
        changes["dept"] = args.dept
    with open_home(args) as archive:
        user = users.change(archive, args.name, **changes)
    emit(args, user.to_json(), text.user_table([user]))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from bureau.services import keys

    with open_home(args) as archive:
        result = keys.rotate(archive)
    emit(
        args,
        result,
        f"master key {result['to']} is now current; {result['rewrapped']} data key(s) rewrapped",
    )
    return 0


def cmd_keys_change_passphrase(args: argparse.Namespace) -> int:
    from bureau.cli import passwords
    from bureau.services import keys
    from bureau.services.session import Actor
    from bureau.services.session import open_home as open_for
    from seals.passphrase import get_passphrase

    old = get_passphrase()
    new = _new_passphrase()
    acting = Actor(args.user, lambda: old, lambda: passwords.current(args.user))
    with open_for(args.home, acting) as archive:
        keys.change_passphrase(archive, old, new)
    emit(args, {"changed": True}, "the passphrase now protects the master key and the seals")
    return 0


def _new_passphrase() -> bytes:
    """The new passphrase: `$BUREAU_NEW_PASSPHRASE`, else asked twice at the terminal."""
    from seals.passphrase import get_passphrase

    value = os.environ.get("BUREAU_NEW_PASSPHRASE")
    if value is not None:
        if not value:
            raise BadInput("an empty passphrase is not allowed")
        return value.encode("utf-8")
    return get_passphrase(confirm=True, prompt_only=True)
