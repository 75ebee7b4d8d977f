"""What every command shares: the parser class, who is acting, opening the home, and
printing a result as text or JSON. Nothing here decides a permission: the service layer
(`bureau/services`) does."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

from archive.errors import BadInput

if TYPE_CHECKING:
    from bureau.services.session import Actor, Archive

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def actor(args: argparse.Namespace) -> Actor:
    """The person at the terminal: `--user` (else `$BUREAU_USER`, else the login), who
    proves it with their password (`$BUREAU_PASSWORD` or the terminal), with the home's
    passphrase from `$BUREAU_PASSPHRASE` or the terminal when a command needs it."""
    from bureau.cli import passwords
    from bureau.services.session import Actor, default_actor
    from seals.passphrase import get_passphrase

    def password() -> str:
        return passwords.current(args.user or default_actor())

    return Actor(args.user, get_passphrase, password)


def open_home(args: argparse.Namespace) -> Archive:
    """The data home of `--home`, opened for the acting user (refused if unknown)."""
    from bureau.services.session import open_home as open_for

    archive = open_for(args.home, actor(args))
    if archive.without_password:
        print(
            f"bureau: warning: user {archive.actor!r} has no password yet: an administrator "
            f"sets one with `bureau users set-password {archive.actor}`",
            file=sys.stderr,
        )
    return archive


def emit(args: argparse.Namespace, data: Any, human: str) -> None:
    """`data` as JSON with `--json`, else the text for people."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(human)


def utf8_text(value: str, option: str) -> str:
    """`value` if it is valid text (undecodable bytes in argv arrive as lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{option}: the value is not valid UTF-8 text") from None
    return value


def moment(text: str, tz: Any = UTC) -> datetime:
    """An ISO date-time given on the command line (`--at`), in `tz` if it names none."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"malformed --at {text!r}: give an ISO date-time, e.g. 2026-05-01T12:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=tz)
