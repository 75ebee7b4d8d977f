"""Where a user's password comes from at the command line.

Scripts set `$BUREAU_PASSWORD` (the acting user's) and `$BUREAU_NEW_PASSWORD` (a password
being set); a person at a terminal is asked. Anything else cannot answer a prompt and is
refused with a message naming the variable, rather than hanging on a read.
"""

from __future__ import annotations

import getpass
import os

from archive.errors import BadInput
from seals.passphrase import at_terminal

PASSWORD = "BUREAU_PASSWORD"
NEW_PASSWORD = "BUREAU_NEW_PASSWORD"


def current(user: str | None = None) -> str:
    """The acting user's password: `$BUREAU_PASSWORD`, else asked at the terminal."""
    value = os.environ.get(PASSWORD)
    if value is not None:
        return value
    if not at_terminal():
        raise BadInput(f"a password is needed: set ${PASSWORD} or run at a terminal")
    return getpass.getpass(f"Password for {user}: " if user else "Password: ")


def new(whose: str) -> str:
    """A password being set for `whose`: `$BUREAU_NEW_PASSWORD`, else asked twice."""
    value = os.environ.get(NEW_PASSWORD)
    if value is not None:
        return value
    if not at_terminal():
        raise BadInput(f"a new password is needed: set ${NEW_PASSWORD} or run at a terminal")
    first = getpass.getpass(f"New password for {whose}: ")
    if first != getpass.getpass("Repeat the new password: "):
        raise BadInput("the two passwords differ: nothing was changed")
    return first
