"""Signing in from a front end open to a network (the web server).

The command line asks for the password on every command; a server signs a person in once
and then trusts a session. What the session may rely on is decided here: the password is
checked against the home (the same `authenticate` as the command line, recorded in the
audit trail when it fails), repeated failures are slowed down, and the session keeps a
stamp of the password it was opened with, so that a changed password (from the web or the
command line, in any process) ends every session opened before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from archive import access, home, passwords, signin_failures
from archive.access import Forbidden
from archive.errors import BadInput, NotFound
from archive.people import SignInFailed
from archive.service import Archive
from archive.vault import HeldKeys
from bureau.services.server_catalog import ThreadCatalogs

ATTEMPTS = 5  # failed sign-ins allowed per user name and per address ...
WINDOW = 15 * 60  # ... within this many seconds; then sign-in is refused until one ages out
__all__ = ["HeldKeys", "SignInFailed"]  # for front ends, which import no storage module
REFUSED = "wrong user name or password"  # one answer for every failure: names are not probed


class TooManyAttempts(BadInput):
    """Too many failed sign-ins for this name or address lately (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed sign-ins: wait a while and try again")
        self.retry_after = retry_after


class SessionEnded(BadInput):
    """The session's user was disabled or removed, or their password changed since."""


@dataclass(frozen=True)
class Identity:
    """Who a session acts for, as established at sign-in."""

    name: str
    role: str
    stamp: str  # of the password hash at sign-in (archive.passwords.stamp)


class Throttle:
    """Failed sign-ins by user name and by address in a sliding window, counted in the
    archive's catalog (archive/signin_failures.py): every server on one archive counts the
    same failures, and a restart forgets none."""

    def __init__(
        self,
        root: str,
        attempts: int = ATTEMPTS,
        window: float = WINDOW,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._catalogs = ThreadCatalogs(root)

    def check(self, name: str, address: str) -> None:
        """TooManyAttempts if either the name or the address has used up its attempts."""
        now = self.clock()
        wait = max(self._wait(key, now) for key in _keys(name, address))
        if wait > 0:
            raise TooManyAttempts(int(wait) + 1)

    def failed(self, name: str, address: str) -> None:
        now = int(self.clock())
        forget = int(now - self.window)
        self._catalogs.run(
            lambda conn: signin_failures.add(conn, _keys(name, address), now, forget)
        )

    def _wait(self, key: str, now: float) -> float:
        since = int(now - self.window) + 1
        times = self._catalogs.run(
            lambda conn: signin_failures.latest(conn, key, since, self.attempts)
        )
        if len(times) < self.attempts:
            return 0.0
        return times[-1] + self.window - now


def _keys(name: str, address: str) -> tuple[str, str]:
    return (f"name:{name.casefold()}", f"address:{address}")


def unlock(root: str | None, passphrase: bytes) -> HeldKeys:
    """The home's keys unlocked once for a server's lifetime (WrongPassphrase, exit 2, if
    the passphrase does not open them)."""
    held = HeldKeys(passphrase)
    with Archive.open(home.resolve(root), None, held) as archive:
        archive.vault.ring()
        archive.audit_key()
    return held


def sign_in(
    root: str | None,
    name: str,
    password: str,
    keys: HeldKeys,
    throttle: Throttle,
    address: str,
) -> Identity:
    """The identity of `name` once `password` is theirs. Every failure reads the same
    (SignInFailed, REFUSED) and is recorded in the audit trail and counted by `throttle`;
    TooManyAttempts before anything is checked when the count is used up."""
    throttle.check(name, address)
    if not name or len(name) > 200 or not password:
        throttle.failed(name, address)
        raise SignInFailed(REFUSED)
    with Archive.open(home.resolve(root), name, keys) as archive:
        try:
            archive.authenticate(lambda: password, via="web", required=True)
        except SignInFailed:
            throttle.failed(name, address)
            raise SignInFailed(REFUSED) from None
        user = archive.user  # as stored now: a sign-in may have re-hashed the password
        return Identity(user.name, user.role, passwords.stamp(user.password_hash))


def open_for(root: str | None, identity: Identity, keys: HeldKeys) -> Archive:
    """The home opened for a signed-in session's user; SessionEnded if the user has been
    disabled or removed or their password has changed since the session began."""
    archive = Archive.open(home.resolve(root), identity.name, keys)
    try:
        user = archive.user
        if passwords.stamp(user.password_hash) != identity.stamp:
            raise SessionEnded("the password has changed: sign in again")
    except (NotFound, Forbidden):
        archive.close()
        raise SessionEnded("this user can no longer sign in") from None
    except BaseException:
        archive.close()
        raise
    return archive


def confirm(archive: Archive, password: str) -> None:
    """Ask the signed-in user for their own password again, before an act that needs the
    person themself (the second signature of a two-person rule): SignInFailed if wrong,
    recorded in the audit trail."""
    archive.authenticate(lambda: password, via="web", required=True)


def change_own_password(archive: Archive, current: str, new: str) -> Identity:
    """The signed-in user's new password, once their current one is confirmed; returns the
    identity with its new stamp (every other session of theirs ends with the old one)."""
    confirm(archive, current)
    archive.set_password(archive.actor, new)
    user = archive.user
    return Identity(user.name, user.role, passwords.stamp(user.password_hash))


def permissions(role: str) -> frozenset[str]:
    """What `role` may do, for a front end to offer only that (the use cases still ask)."""
    return access.PERMISSIONS.get(role, frozenset())
