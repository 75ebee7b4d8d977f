"""Opening a data home for the person acting: the session every use case takes.

An open `Archive` acts for one user: the audit trail names them, and what they may not
see is answered as if it did not exist. Opening refuses an unknown or disabled user, so
no use case runs for somebody the home does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive import home
from archive.service import Archive
from archive.vault import PassphraseProvider


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the front end established it, and how the home's keys are
    unlocked for them (asked only when a use case needs the keys)."""

    name: str | None  # None: `$BUREAU_USER`, else the login name
    passphrase: PassphraseProvider


def open_home(root: str | None, actor: Actor) -> Archive:
    """The data home at `root` (None: `$BUREAU_HOME`, else ./bureau-home), acting as
    `actor`; NotFound or Forbidden for an unknown or disabled user."""
    archive = Archive.open(home.resolve(root), actor.name, actor.passphrase)
    try:
        archive.user  # noqa: B018 - refuses an unknown or disabled user
    except BaseException:
        archive.close()
        raise
    return archive
