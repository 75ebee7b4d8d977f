"""Opening a data home for the person acting: the session every use case takes.

An open `Archive` acts for one user: the audit trail names them, and what they may not
see is answered as if it did not exist. Opening checks the user's password (a name alone
proves nothing), so no use case runs for somebody who has not shown who they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive import home
from archive.people import PasswordProvider
from archive.service import Archive, default_actor
from archive.vault import PassphraseProvider


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the front end established it, and how the home's keys are
    unlocked for them (asked only when a use case needs the keys)."""

    name: str | None  # None: `$BUREAU_USER`, else the login name
    passphrase: PassphraseProvider
    password: PasswordProvider  # the user's own password, asked only when it is checked

    def login(self) -> str:
        """The name the actor acts under."""
        return self.name or default_actor()


def locate(root: str | None) -> home.DataHome:
    """Where the data home is: `root`, else `$BUREAU_HOME`, else ./bureau-home."""
    return home.resolve(root)


def has_home(root: str | None) -> bool:
    """Whether a data home exists at `root` (some commands also work without one)."""
    return locate(root).config_path.is_file()


def logs_folder(root: str | None) -> Path:
    """The data home's folder for logs (which may not exist)."""
    return locate(root).folder("logs")


def open_home(root: str | None, actor: Actor) -> Archive:
    """The data home at `root` (None: `$BUREAU_HOME`, else ./bureau-home), acting as
    `actor` once their password is checked; SignInFailed (recorded in the audit trail)
    for an unknown or disabled user or a wrong password."""
    archive = Archive.open(home.resolve(root), actor.name, actor.passphrase)
    try:
        archive.authenticate(actor.password)
    except BaseException:
        archive.close()
        raise
    return archive
