"""Backups of a data home and restores from them.

A backup is what a lost disk, a bad upgrade or a mistake needs to be undone: the catalog
(taken with SQLite's online backup API, so it is consistent while people file), every
stored file, the configuration, the PKI and the templates. The index is not included: it
is rebuilt from the archive on restore.

**A folder backup** (`bureau backup DEST`) holds snapshots side by side; stored files are
shared by all of them under `DEST/store/`, so a second backup copies only what is new:

    DEST/bureau-backup.json             marks the folder as a backup
    DEST/store/ab/cd/<sha256>           stored files, as the home stores them (encrypted
                                        items' files stay ciphertext)
    DEST/snapshots/<id>/manifest.json   every file of the snapshot with its SHA-256
    DEST/snapshots/<id>/catalog.sqlite  config.yaml  keys/  templates/  (as in the home)
    DEST/snapshots/<id>/keys.json       the snapshot's keys (see below)
    DEST/snapshots/.partial-<id>/       a backup in progress, or one that was interrupted

A snapshot is assembled under a `.partial-` name and renamed into place only when every
file and its manifest are on disk, so an interrupted backup is never mistaken for a
finished one; the next backup into DEST removes it. **A tar backup** (`--tar`) is one
snapshot with its stored files in a single uncompressed tar, written under a temporary name
and renamed when complete.

**Keys, crypto-shredding and disposal.** Disposing of an encrypted item destroys its data
key, so its ciphertext can never be read again, wherever copies of it are. Backups must not
undo that, yet a backup must restore every other item with nothing but the passphrase. So
the keys are kept apart from everything else in a backup: the catalog copy has its wrapped
data keys removed (its `item_keys` table is emptied, and SQLite's secure delete and a
VACUUM leave no trace of them), and each snapshot keeps its keys in one small file,
`keys.json`: the master key ring wrapped by the passphrase (as `keys/master.json` holds
it) and each encrypted item's data key wrapped by the master key. Everything else in a
snapshot is immutable and listed with its hash in the manifest; `keys.json` is the one
file that changes after the backup is made. When items are disposed of, every backup the
home has made (each is recorded, with its destination, in the audit trail) is visited:
each snapshot's `keys.json` lists the items as disposed and loses their keys, and the
stored files that only disposed items hold are deleted from the backup (for items of
unencrypted levels, that is their plaintext). Restoring such a backup brings the items
back as tombstones; an encrypted item's ciphertext, if another copy of it survives
somewhere, has no key left to open it. A backup the home cannot reach at the moment of
disposal (a disk taken off-site, a copy made by other means) keeps the keys and files
until it is reached; the disposal reports every backup it could not reach.
"""

from archive.backup.check import BackupCheck, verify
from archive.backup.make import BackupReport, take
from archive.backup.restore import RestoreReport, restore
from archive.backup.shred import ShredReport, shred

__all__ = [
    "BackupCheck",
    "BackupReport",
    "RestoreReport",
    "ShredReport",
    "restore",
    "shred",
    "take",
    "verify",
]
