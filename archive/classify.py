"""Changing an item's classification: how its files are stored changes, its content never.

Raising an item to an encrypted level encrypts its files under a new data key and its
title and file names with them; lowering it below decrypts them. The new blobs are stored
first, then one catalog transaction switches the item over (with its audit entry), then
blobs no longer referenced are removed: a kill at any moment leaves the item whole, in its
old form or its new one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from archive import audit, catalog, crypto
from archive.config import Config
from archive.filing import content_aad, text_aad
from archive.items import Item
from archive.store import Store
from archive.vault import Vault


@dataclass(frozen=True)
class Change:
    item_id: str
    before: str
    after: str
    until: date | None


def reclassify(
    conn: sqlite3.Connection,
    store: Store,
    config: Config,
    vault: Vault,
    item: Item,
    level: str,
    until: date | None,
    actor: str,
    action: str = "classify",
) -> Change:
    """Give `item` (as stored: title not revealed) `level`, re-storing its files if the
    level's encryption differs."""
    encrypt = level in config.encrypted_levels
    readable = vault.reveal(item)
    contents = [vault.read(item, f) for f in item.files]
    key, version, wrapped = None, None, None
    if encrypt and not item.encrypted:
        key = crypto.new_key()
        version, wrapped = vault.ring().wrap(item.id, key)
    elif encrypt:
        key = vault.data_key(item.id)
    old_blobs = {f.stored_sha256 for f in item.files}
    if encrypt != item.encrypted:
        new_blobs = [
            store.put_bytes(crypto.encrypt(key, c, content_aad(item.id)) if encrypt else c)
            for c in contents
        ]
    else:
        new_blobs = None
    with catalog.write(conn):
        if new_blobs is not None:
            for f, blob in zip(readable.files, new_blobs, strict=True):
                name = (
                    crypto.encrypt_text(key, f.name, text_aad(item.id, f"name {f.seq}"))
                    if encrypt
                    else f.name
                )
                conn.execute(
                    "UPDATE files SET stored_sha256 = ?, stored_size = ?, name = ? "
                    "WHERE item_id = ? AND seq = ?",
                    (blob.sha256, blob.size, name, item.id, f.seq),
                )
            title = (
                crypto.encrypt_text(key, readable.title, text_aad(item.id, "title"))
                if encrypt
                else readable.title
            )
            conn.execute(
                "UPDATE items SET title = ?, encrypted = ? WHERE id = ?",
                (title, int(encrypt), item.id),
            )
            if encrypt:
                conn.execute(
                    "INSERT INTO item_keys (item_id, version, wrapped) VALUES (?, ?, ?)",
                    (item.id, version, wrapped),
                )
            else:
                conn.execute("DELETE FROM item_keys WHERE item_id = ?", (item.id,))
        conn.execute(
            "UPDATE items SET classification = ?, declassify_on = ? WHERE id = ?",
            (level, until.isoformat() if until else None, item.id),
        )
        audit.append(
            conn,
            actor,
            action,
            item.id,
            {
                "from": item.classification,
                "to": level,
                "until": until.isoformat() if until else None,
                "encrypted": encrypt,
            },
        )
    if new_blobs is not None:
        _forget(conn, store, old_blobs)
    return Change(item.id, item.classification, level, until)


def _forget(conn: sqlite3.Connection, store: Store, blobs: set[str]) -> None:
    """Remove blobs no file references any more, and the catalog's old pages with them."""
    with catalog.write(conn):  # no filing may commit a reference to a blob being removed
        for sha in blobs:
            if not conn.execute("SELECT 1 FROM files WHERE stored_sha256 = ?", (sha,)).fetchone():
                store.remove(sha)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
