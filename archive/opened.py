"""An open data home: the one object every part of the archive's operations works on.

It holds the catalog connection, the store, the key vault, the acting user and the
rule for what they may see, the audit trail's key, and the retention schedule. It opens
and creates homes; `Archive` (archive/service.py) adds the operations.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Self

from archive import access, audit, catalog, config, home, items, lookup, states
from archive.errors import BadInput, HomeError, IntegrityError, KeyRequired
from archive.keyfiles import exclusive as keys_lock
from archive.keys import KeyRing
from archive.retention import apply, rules
from archive.retention.rules import Schedule
from archive.store import open_setting as store_setting
from archive.vault import PassphraseProvider, Vault
from archive.vocab import CLASSIFIED
from archive.workers import Workers

STRIPPED = (
    "the audit trail has lost its authentication (its MACs are gone, though this home's key "
    "ring records that it was authenticated): it was changed outside the program"
)


def default_actor() -> str:
    """Who is acting: `$BUREAU_USER`, else the login name."""
    try:
        return os.environ.get("BUREAU_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class OpenArchive:
    """An open data home acting for one user: the connection, the store, the keys, the
    acting user and what they may see, and the retention schedule. The operations a reader
    looks for are in the parts `Archive` (archive/service.py) is made of."""

    def __init__(
        self,
        data_home: home.DataHome,
        settings: config.Config,
        conn: sqlite3.Connection,
        actor: str,
        passphrase: PassphraseProvider | None = None,
    ) -> None:
        self.home = data_home
        self.config = settings
        self.conn = conn
        self.store = store_setting(settings.store, data_home.store_path)
        self.actor = actor
        self.vault = Vault(conn, self.store, data_home.folder("keys"), passphrase)
        self._trail_key: bytes | None = None
        conn.audit_key = self.audit_key  # type: ignore[attr-defined]
        self._user: access.User | None = None
        self.without_password = False  # signed in as a user who has no password yet
        self._schedule: Schedule | None = None
        self.schedule_moves: list[apply.Moved] = []
        self.workers = Workers()  # processes for a large batch's per-file work, started on use

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        data_home: home.DataHome,
        org: str | None = None,
        fonds: str = "J042",
        lang: str = "en",
        actor: str | None = None,
        passphrase: PassphraseProvider | None = None,
        catalog_at: str = "sqlite",
        store_at: str = "local",
    ) -> Self:
        """Create a new data home and open it; HomeError if one is already there.
        `catalog_at` and `store_at` say where its catalog and files live (archive/backends.py).

        The acting user becomes its first administrator (with no password until one is
        set: `bureau init` sets it at once). The passphrase is required: it creates the
        master key, whose audit-trail key authenticates every entry.
        """
        if passphrase is None:
            raise KeyRequired(
                "a new data home needs a passphrase (it protects the keys and authenticates "
                "the audit trail): set $BUREAU_PASSPHRASE"
            )
        home.create(data_home, config.default_config(org, fonds, lang, catalog_at, store_at))
        archive = cls.open(data_home, actor, passphrase)
        archive.vault.ring()
        with catalog.write(archive.conn):
            audit.append(
                archive.conn,
                archive.actor,
                "init",
                detail={"fonds": archive.config.fonds, "schema": catalog.SCHEMA_VERSION},
            )
        archive.user  # noqa: B018 - the acting user becomes the first administrator
        return archive

    @classmethod
    def open(
        cls,
        data_home: home.DataHome,
        actor: str | None = None,
        passphrase: PassphraseProvider | None = None,
    ) -> Self:
        """Open an existing home, bringing an older catalog up to date on first use."""
        home.require(data_home)
        home.ensure_server_folders(data_home)
        settings = config.load(data_home.config_path)
        try:
            conn = catalog.open_setting(settings.catalog, data_home.catalog_path)
            applied = catalog.migrate(conn)
        except sqlite3.DatabaseError as exc:
            where = data_home.catalog_path if settings.catalog == "sqlite" else "the catalog"
            raise HomeError(f"{where}: the catalog cannot be read: {exc}") from exc
        archive = cls(data_home, settings, conn, actor or default_actor(), passphrase)
        if applied:
            with catalog.write(conn):
                try:
                    audit.append(conn, archive.actor, "upgrade", detail={"applied": applied})
                except KeyRequired:  # written, authenticated, by the next command with the key
                    audit.defer(conn, archive.actor, "upgrade", {"applied": applied})
        archive.apply_schedule()
        return archive

    def apply_schedule(self) -> None:
        """Apply a changed retention schedule now, so every command sees current due dates.
        A schedule that does not load is left to the commands that need it to report."""
        with suppress(BadInput):
            self.schedule  # noqa: B018

    def close(self) -> None:
        self.workers.close()
        self.store.close()
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the audit trail's key ---------------------------------------------------------------

    def audit_key(self) -> bytes:
        """The audit-trail key (the passphrase unlocks the ring on first need); KeyRequired
        without a passphrase. On first use the trail is made ready (an older trail vouched
        for, deferred entries written) and the acting user's own record is checked."""
        if self._trail_key is None:
            key = self._derive_key()
            if key is None:
                raise KeyRequired(audit.NEEDS_KEY)
            if self._trail_stripped():
                raise IntegrityError(STRIPPED)
            if self.conn.in_transaction:
                audit.make_ready(self.conn, key, self.actor)
            else:
                with catalog.write(self.conn):
                    audit.make_ready(self.conn, key, self.actor)
            self._mark_trail_authenticated()
            self._trail_key = key
            if self._user is not None:
                self._check_user(self._user.name)
        return self._trail_key

    def _trail_stripped(self) -> bool:
        """A trail without MACs in a home whose key ring says it was authenticated: someone
        stripped them (to have a rewritten trail vouched for as an old one)."""
        return self.vault.ring().trail_authenticated and not audit.authenticated(self.conn)

    def _mark_trail_authenticated(self) -> None:
        """Once a trail is authenticated, say so in the key ring (read afresh under the keys
        lock, so a rotation made meanwhile is kept). If another process's key operation holds
        the lock, the next command does it (the lock is reentrant within this process)."""
        if self.vault.ring().trail_authenticated or not audit.authenticated(self.conn):
            return
        keys = self.home.folder("keys")
        with suppress(BadInput), keys_lock(keys):
            KeyRing.unlock(keys, self.vault.secret()).mark_trail_authenticated(self.vault.secret())
            self.vault.ring().format = 2

    def _derive_key(self, create: bool = True) -> bytes | None:
        """The key without readying the trail (what `audit verify` checks with); None if no
        passphrase was given (or, without `create`, the home has no master key yet)."""
        if self._trail_key is not None:
            return self._trail_key
        if self.vault.passphrase is None:
            return None
        if not create and not KeyRing.exists(self.home.folder("keys")):
            return None
        try:
            return self.vault.ring().derived(audit.KEY_PURPOSE)
        except KeyRequired:
            return None

    def prepare_trail(self) -> bool:
        """Authenticate a trail from before authentication now (`bureau upgrade`); whether
        it needed it."""
        needed = not audit.authenticated(self.conn)
        self.audit_key()
        return needed

    def _guard(self, subject: str, name: str | None = None) -> None:
        """Refuse (exit 1) unless the subject's catalog rows are what the trail recorded:
        a change or an access decision never relies on a row changed outside the program."""
        states.require_intact(self.conn, self.audit_key(), subject, name)

    def _check_user(self, name: str) -> None:
        if self._trail_key is not None and audit.authenticated(self.conn):
            states.require_intact(self.conn, self._trail_key, states.user(name), f"user {name}")

    def ensure_master_key(self) -> bool:
        """Create the master key if the home has none (a home from before encryption)."""
        if KeyRing.exists(self.home.folder("keys")):
            return False
        self.vault.ring()
        return True

    def schema_version(self) -> int:
        return catalog.schema_version(self.conn)

    # -- who is acting -----------------------------------------------------------------------

    @property
    def user(self) -> access.User:
        """The acting user. In a home without users yet (new, or from before users existed)
        the first to act becomes its administrator, cleared for everything."""
        if self._user is None:
            with catalog.write(self.conn):
                if self.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
                    access.add(
                        self.conn, self.actor, "admin", "top-secret", None, self.actor, self._now()
                    )
                    audit.append(
                        self.conn,
                        self.actor,
                        "user_add",
                        None,
                        {"name": self.actor, "role": "admin", "clearance": "top-secret"},
                        [states.user(self.actor)],
                    )
            self._user = access.get(self.conn, self.actor)
            self._check_user(self.actor)
        return self._user

    def require(self, permission: str, what: str | None = None) -> access.User:
        """The acting user, if their role allows `permission` (Forbidden otherwise). Only
        the service layer (`bureau/services`) asks: it decides what each use case needs."""
        user = self.user
        user.require(permission, what)
        return user

    def _now(self) -> datetime:
        return datetime.now(self.config.tz)

    def _visible(self, item: items.Item) -> bool:
        return self.user.sees(item.classification, item.dept)

    def _visibility_sql(self) -> tuple[str, list[str]]:
        """A WHERE clause restricting items to what the acting user may see."""
        return self.user.visibility().sql()

    def _find(self, ref: str) -> items.Item:
        user = self.user
        return lookup.resolve(self.conn, ref, lambda r: user.sees(r["classification"], r["dept"]))

    def _record_reads(self, found: list[items.Item], how: str) -> None:
        self.record_reads([i.id for i in found if i.classification in CLASSIFIED], how)

    def record_reads(self, item_ids: list[str], how: str) -> None:
        """Record in the trail that the acting user read these (classified) items."""
        if not item_ids:
            return
        try:
            self.audit_key()
        except KeyRequired:
            raise KeyRequired(
                "reading classified items is recorded in the audit trail, which needs the "
                "passphrase: set $BUREAU_PASSPHRASE"
            ) from None
        with catalog.write(self.conn):
            for item_id in item_ids:
                audit.append(self.conn, self.actor, "read", item_id, {"via": how})

    @property
    def schedule(self) -> Schedule:
        """The retention schedule, applied to the catalog (due dates recomputed if a rule
        changed since it was last applied: `schedule_moves` lists what moved)."""
        if self._schedule is None:
            loaded = rules.load(self.rules_folder())
            try:
                self.schedule_moves = apply.sync(self.conn, loaded, self.actor)
            except KeyRequired:  # moving due dates is recorded: the next command with the key
                self.schedule_moves = []
            self._schedule = loaded
        return self._schedule

    def rules_folder(self) -> Path:
        """The home's own `retention_rules/` if it holds a schedule, else the built-in one."""
        own = self.home.folder("retention_rules")
        return own if any(own.glob("*.yaml")) else rules.builtin_folder()

    def last_schedule_change(self) -> dict | None:
        """When the schedule last changed and what moved then (its audit entry)."""
        row = self.conn.execute(
            "SELECT at, actor, detail FROM audit WHERE action = 'schedule' ORDER BY seq DESC "
            "LIMIT 1"
        ).fetchone()
        return {"at": row["at"], "by": row["actor"], **json.loads(row["detail"])} if row else None
