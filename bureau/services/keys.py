"""The home's keys: rotating the master key and changing the passphrase that protects it
and the seals' keys."""

from __future__ import annotations

from archive.service import Archive
from bureau.services import sealing


def rotate(archive: Archive) -> dict[str, int]:
    """A new master key, every data key rewrapped under it (content untouched)."""
    archive.require("keys", "rotate keys")
    return archive.rotate_master_key()


def change_passphrase(archive: Archive, old: bytes, new: bytes) -> None:
    """Protect the master key and every seal's key with `new` (the archive was opened
    with `old`). Both under one hold of the key lock, so no other key operation runs
    between them."""
    archive.require("keys", "change the passphrase")
    with archive.keys_locked():
        archive.change_master_passphrase(new)
        if sealing.has_pki(archive):
            sealing.pki(archive).change_passphrase(old, new)
