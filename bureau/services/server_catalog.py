"""A long-running server's own connections to its archive's catalog, one per thread.

The web server reads and writes its sessions and sign-in throttle on every request; opening
the catalog for each (PostgreSQL: a new connection, with authentication) would cost more
than the work. Each thread keeps one, and a broken one (the database server restarted) is
replaced once. Their commits do not wait for the disk (`catalog.relax_durability`): a
session's last-seen time is not worth a request's fsync.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from archive import catalog, home
from archive.catalog import Catalog
from archive.errors import BureauError

T = TypeVar("T")


class ThreadCatalogs:
    def __init__(self, root: str) -> None:
        self.root = root
        self._local = threading.local()

    def run(self, work: Callable[[Catalog], T]) -> T:
        """`work(conn)` on this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        try:
            return work(conn)
        except BureauError:
            raise
        except Exception:
            if conn.in_transaction:
                raise
            self._local.conn = None
            conn.close()
            fresh = self._local.conn = self._connect()
            return work(fresh)

    def _connect(self) -> Catalog:
        conn = home.catalog_of(home.resolve(self.root))
        catalog.relax_durability(conn)
        return conn
