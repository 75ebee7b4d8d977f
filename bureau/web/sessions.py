"""Browser sessions, kept on the server: the cookie carries only a random token.

Every visitor has a session from the first page (it holds the CSRF token the sign-in form
needs and the chosen language); signing in replaces it with a new one (a token seen before
sign-in is never the one after it), signing out deletes it, so a copied cookie stops
working. Sessions expire after a period without requests. Only a hash of each token is
kept, so the table itself lets nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bureau.services.signin import Identity

IDLE = 30 * 60  # seconds without a request before a session ends
MAX_SESSIONS = 20_000  # beyond this the least recently used are dropped (anonymous first)
LANGUAGES = ("zh", "en")


@dataclass
class Session:
    """One browser's session: who is signed in (None: nobody yet), the CSRF token every
    form must return, the interface language."""

    key: str  # hash of the cookie's token
    csrf: str
    lang: str = "zh"
    identity: Identity | None = None
    seen: float = 0.0
    flashes: list[str] = field(default_factory=list)


class Sessions:
    """The server's sessions, in memory (a restart signs everybody out)."""

    def __init__(self, idle: float = IDLE, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self.clock = clock
        self._by_key: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, lang: str = "zh", identity: Identity | None = None) -> tuple[str, Session]:
        """A new session and the token for its cookie."""
        token = secrets.token_urlsafe(32)
        session = Session(_key(token), secrets.token_urlsafe(32), lang, identity, seen=self.clock())
        with self._lock:
            self._by_key[session.key] = session
            while len(self._by_key) > MAX_SESSIONS:
                self._by_key.popitem(last=False)
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of `token` (its idle clock restarted), or None."""
        if not token or len(token) > 100:
            return None
        key = _key(token)
        now = self.clock()
        with self._lock:
            session = self._by_key.get(key)
            if session is None:
                return None
            if now - session.seen > self.idle:
                del self._by_key[key]
                return None
            session.seen = now
            self._by_key.move_to_end(key)
            return session

    def end(self, session: Session) -> None:
        with self._lock:
            self._by_key.pop(session.key, None)

    def end_others(self, name: str, keep: Session | None = None) -> int:
        """End every session of user `name` except `keep`; how many ended."""
        with self._lock:
            ended = [
                key
                for key, s in self._by_key.items()
                if s.identity is not None and s.identity.name == name and s is not keep
            ]
            for key in ended:
                del self._by_key[key]
        return len(ended)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
