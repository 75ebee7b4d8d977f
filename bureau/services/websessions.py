"""Browser sessions of the web server: the cookie carries only a random token.

Every visitor has a session from the first page (it holds the CSRF token the sign-in form
needs and the chosen language); signing in replaces it with a new one (a token seen before
sign-in is never the one after it), signing out deletes it, so a copied cookie stops
working. Sessions end after a period without requests. They are kept in the catalog
(archive/websessions.py), so every server on one archive knows them and a restart keeps
them; only a hash of each token is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from archive import websessions
from archive.websessions import SessionRow
from bureau.services.server_catalog import ThreadCatalogs
from bureau.services.signin import Identity

IDLE = 30 * 60  # seconds without a request before a session ends
TOUCH_EVERY = 60  # a session's last-seen time is written at most this often (seconds)
PURGE_EVERY = 200  # sessions started between two removals of ended ones (per server)
MAX_SESSIONS = 20_000  # beyond this the least recently seen anonymous ones are dropped
LANGUAGES = ("zh", "en")


@dataclass
class Session:
    """One browser's session: who is signed in (None: nobody yet), the CSRF token every
    form must return, the interface language, and messages for the next page."""

    key: str  # hash of the cookie's token
    csrf: str
    lang: str = "zh"
    identity: Identity | None = None
    seen: float = 0.0
    flashes: list[str] = field(default_factory=list)


class Sessions:
    """The sessions of the archive at `root`, read and written through its catalog."""

    def __init__(
        self, root: str, idle: float = IDLE, clock: Callable[[], float] = time.time
    ) -> None:
        self.root = root
        self.idle = idle
        self.clock = clock
        self._catalogs = ThreadCatalogs(root)
        self._started = 0

    def start(self, lang: str = "zh", identity: Identity | None = None) -> tuple[str, Session]:
        """A new session and the token for its cookie."""
        token = secrets.token_urlsafe(32)
        session = Session(_key(token), secrets.token_urlsafe(32), lang, identity, self.clock())
        self._catalogs.run(lambda conn: websessions.put(conn, _row(session)))
        self._started += 1
        if self._started % PURGE_EVERY == 0:
            self.purge()
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of `token` (its idle clock restarted), or None."""
        if not token or len(token) > 100:
            return None
        key = _key(token)
        row = self._catalogs.run(lambda conn: websessions.get(conn, key))
        if row is None:
            return None
        now = self.clock()
        if now - row.seen > self.idle:
            self._catalogs.run(lambda conn: websessions.delete(conn, key))
            return None
        if now - row.seen >= TOUCH_EVERY:
            self._catalogs.run(lambda conn: websessions.touch(conn, key, int(now)))
        return _session(row)

    def keep(self, session: Session, as_read: Session | None) -> None:
        """Write what a request changed in `session` (its language, messages, the role an
        administrator changed), compared with the session `as_read` at its start."""
        if as_read is None or _row(session, as_read.seen) != _row(as_read):
            self._catalogs.run(lambda conn: websessions.put(conn, _row(session, as_read.seen)))

    def end(self, session: Session) -> None:
        self._catalogs.run(lambda conn: websessions.delete(conn, session.key))

    def end_others(self, name: str, keep: Session | None = None) -> int:
        """End every session of user `name` except `keep`; how many ended."""
        return self._catalogs.run(
            lambda conn: websessions.delete_user(conn, name, keep.key if keep else None)
        )

    def purge(self) -> int:
        """Remove ended sessions (and the oldest anonymous ones beyond the cap)."""
        cutoff = int(self.clock() - self.idle)
        return self._catalogs.run(lambda conn: websessions.purge(conn, cutoff, MAX_SESSIONS))

    def snapshot(self, session: Session) -> Session:
        """A copy of `session` to compare with after a request (`keep`)."""
        return replace(session, flashes=list(session.flashes))


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row(session: Session, seen: float | None = None) -> SessionRow:
    who = session.identity
    return SessionRow(
        key=session.key,
        csrf=session.csrf,
        lang=session.lang,
        user_name=who.name if who else None,
        role=who.role if who else None,
        stamp=who.stamp if who else None,
        flashes=tuple(session.flashes),
        seen=int(session.seen if seen is None else seen),
    )


def _session(row: SessionRow) -> Session:
    identity = None
    if row.user_name is not None and row.role is not None and row.stamp is not None:
        identity = Identity(row.user_name, row.role, row.stamp)
    return Session(row.key, row.csrf, row.lang, identity, float(row.seen), list(row.flashes))
