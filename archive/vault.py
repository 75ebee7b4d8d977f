"""Reading what the archive keeps encrypted: data keys, titles, file names and content.

Everything is decrypted in memory, for the one call that needs it; nothing decrypted is
written anywhere by this module. The master key is unlocked on first need, with the
passphrase from the provider the front door gave (the environment or a prompt).
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from archive import audit, crypto, states
from archive.errors import BadInput, IntegrityError
from archive.filing import content_aad, text_aad
from archive.items import Item, StoredFile
from archive.keys import MASTER_FILE, KeyRing, WrongPassphrase
from archive.store import Store

PassphraseProvider = Callable[[], bytes]
HIDDEN_TITLE = "[encrypted: the passphrase is needed to show it]"
REFUSED_TITLE = "[encrypted: not shown, its record was changed outside the program]"


class HeldKeys:
    """The passphrase a long-running server was started with, held in memory only, and
    the master key ring it unlocks. Unlocking costs a deliberately slow scrypt; a server
    unlocks once and reuses the ring for every request until keys/master.json changes
    (a rotation or a new passphrase from the command line), when it unlocks it afresh."""

    def __init__(self, passphrase: bytes) -> None:
        self._secret = passphrase
        self._lock = threading.Lock()
        self._held: tuple[Path, tuple[int, int, int], KeyRing] | None = None

    def __call__(self) -> bytes:
        return self._secret

    def ring(self, keys_dir: Path) -> KeyRing:
        """The unlocked ring of `keys_dir` (WrongPassphrase if the passphrase is wrong)."""
        path = keys_dir / MASTER_FILE
        with self._lock:
            info = path.stat()
            version = (info.st_ino, info.st_mtime_ns, info.st_size)
            if self._held is None or self._held[:2] != (keys_dir, version):
                self._held = (keys_dir, version, KeyRing.unlock(keys_dir, self._secret))
            return self._held[2]


class Vault:
    def __init__(
        self,
        conn: sqlite3.Connection,
        store: Store,
        keys_dir: Path,
        passphrase: PassphraseProvider | None,
    ) -> None:
        self.conn = conn
        self.store = store
        self.keys_dir = keys_dir
        self.passphrase = passphrase
        self._ring: KeyRing | None = None
        self._secret: bytes | None = None

    def ring(self) -> KeyRing:
        """The unlocked master key ring (created on first use in a home that has none)."""
        if self._ring is None:
            if self.passphrase is None:
                raise BadInput("classified content needs the passphrase: set $BUREAU_PASSPHRASE")
            secret = self.secret()
            if isinstance(self.passphrase, HeldKeys) and KeyRing.exists(self.keys_dir):
                self._ring = self.passphrase.ring(self.keys_dir)
            elif KeyRing.exists(self.keys_dir):
                self._ring = KeyRing.unlock(self.keys_dir, secret)
            else:
                self._refuse_new_key_over_encrypted_items()
                form = 2 if audit.authenticated(self.conn) else 1
                self._ring = KeyRing.create(self.keys_dir, secret, form)
        return self._ring

    def secret(self) -> bytes:
        """The passphrase, asked for once per process."""
        if self._secret is None:
            if self.passphrase is None:
                raise BadInput("classified content needs the passphrase: set $BUREAU_PASSPHRASE")
            self._secret = self.passphrase()
        return self._secret

    def change_passphrase(self, new: bytes) -> None:
        """Rewrap the master key with `new`. Run again after an interruption with the same
        two passphrases: a ring already under `new` is accepted as such."""
        try:
            ring = self.ring()
        except WrongPassphrase:
            self._secret, self._ring = new, None
            ring = self.ring()
        ring.change_passphrase(new)
        self._secret = new

    def _refuse_new_key_over_encrypted_items(self) -> None:
        count = self.conn.execute("SELECT COUNT(*) FROM item_keys").fetchone()[0]
        if count:
            raise IntegrityError(
                f"the master key (keys/master.json) is missing but {count} item(s) are "
                "encrypted with it: restore it from a backup; a new key would not open them"
            )

    def unlocked(self) -> bool:
        """Whether the master key is (or can now be) unlocked, without failing if not."""
        try:
            self.ring()
        except BadInput:
            return False
        return True

    def data_key(self, item_id: str) -> bytes:
        """The item's data key, once its catalog record is found to be what the audit trail
        recorded (a classification lowered behind the program's back is refused here)."""
        states.require_intact(self.conn, audit.key_of(self.conn), states.item(item_id))
        row = self.conn.execute(
            "SELECT version, wrapped FROM item_keys WHERE item_id = ?", (item_id,)
        ).fetchone()
        if row is None:
            raise IntegrityError(f"item {item_id} is encrypted but its key is missing")
        return self.ring().unwrap(item_id, int(row["version"]), bytes(row["wrapped"]))

    def reveal(self, item: Item, strict: bool = True) -> Item:
        """`item` with its title and file names decrypted (a placeholder title if the
        passphrase is not at hand and `strict` is False)."""
        if not item.encrypted or item.disposed:
            return item  # a disposed item's title went with its key
        if not strict and not self.unlocked():
            return replace(item, title=HIDDEN_TITLE)
        try:
            key = self.data_key(item.id)
        except states.TamperedState:
            if strict:
                raise
            return replace(item, title=REFUSED_TITLE)
        title = crypto.decrypt_text(key, item.title, text_aad(item.id, "title"), "the title")
        files = tuple(
            replace(
                f,
                name=crypto.decrypt_text(
                    key, f.name, text_aad(item.id, f"name {f.seq}"), "a file name"
                ),
            )
            for f in item.files
        )
        return replace(item, title=title, files=files)

    def read(self, item: Item, stored: StoredFile) -> bytes:
        """A file's content, checked against its hash as stored and, decrypted, as filed."""
        buffer = io.BytesIO()
        self.store.read_verified(stored.stored_sha256, buffer)
        data = buffer.getvalue()
        if item.encrypted:
            data = crypto.decrypt(
                self.data_key(item.id), data, content_aad(item.id), f"file {stored.seq}"
            )
        if hashlib.sha256(data).hexdigest() != stored.sha256:
            raise IntegrityError(f"file {stored.seq} is not the content that was filed")
        return data
