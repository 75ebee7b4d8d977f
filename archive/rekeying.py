"""The master key's upkeep: rotating it and changing the passphrase that protects it."""

from __future__ import annotations

from contextlib import AbstractContextManager

from archive import audit, catalog
from archive.keyfiles import exclusive as keys_lock
from archive.opened import OpenArchive


class Rekeying(OpenArchive):
    def keys_locked(self) -> AbstractContextManager[None]:
        """The home's one key lock, for a caller whose key operation has several steps
        (the master key and then the seals); BadInput if another process holds it."""
        return keys_lock(self.home.folder("keys"))

    # -- keys --------------------------------------------------------------------------------

    def rotate_master_key(self, batch: int = 500) -> dict[str, int]:
        """A new master key; every data key rewrapped under it, content untouched.

        Interrupted at any moment, every item still opens, and running it again finishes.
        """
        with keys_lock(self.home.folder("keys")):
            ring = self.vault.ring()
            secret = self.vault.secret()
            before = ring.current
            target = ring.begin_rotation(secret)
            moved = 0
            while True:
                rows = self.conn.execute(
                    "SELECT item_id, version, wrapped FROM item_keys WHERE version != ? LIMIT ?",
                    (target, batch),
                ).fetchall()
                if not rows:
                    break
                with catalog.write(self.conn):
                    for row in rows:
                        key = ring.unwrap(row["item_id"], row["version"], bytes(row["wrapped"]))
                        version, wrapped = ring.wrap(row["item_id"], key)
                        self.conn.execute(
                            "UPDATE item_keys SET version = ?, wrapped = ? WHERE item_id = ?",
                            (version, wrapped, row["item_id"]),
                        )
                moved += len(rows)
            ring.finish_rotation(secret)
            with catalog.write(self.conn):
                audit.append(
                    self.conn,
                    self.actor,
                    "keys_rotate",
                    None,
                    {"from": before, "to": target, "rewrapped": moved},
                )
        return {"from": before, "to": target, "rewrapped": moved}

    def change_master_passphrase(self, new: bytes) -> None:
        """Protect the master key with `new` (the seals' keys are the caller's other half)."""
        with keys_lock(self.home.folder("keys")):
            self.vault.change_passphrase(new)
            with catalog.write(self.conn):
                audit.append(self.conn, self.actor, "keys_passphrase", None, {})
