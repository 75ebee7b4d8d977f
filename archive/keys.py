"""The master key ring (`keys/master.json`): the one secret behind encryption at rest.

The file holds each master key version wrapped by a key derived from the passphrase
(scrypt), and the long-lived secrets derived uses need (the blind index's key), wrapped by
the current master key. Neither the passphrase nor an unwrapped key is ever written.

Items' data keys are wrapped by a master key version and stored in the catalog
(`item_keys`), so rotating the master key rewraps those small records and never touches
content. A rotation first records the new version as pending, rewraps the data keys in
batches, and only then makes it current and drops the old one: interrupted at any moment,
every data key still unwraps, and running it again finishes the job.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import crypto, keyfiles
from archive.errors import BadInput, HomeError, IntegrityError

MASTER_FILE = "master.json"
# Format 2 marks a home whose audit trail is authenticated (see `mark_trail_authenticated`).
# The format is bound into the AEAD data of every wrapped master key, so it cannot be turned
# back to 1 without the passphrase: a trail found without MACs in a format-2 home was
# stripped of them, not written before they existed.
FORMAT = 2
FORMATS = (1, 2)
SECRETS = ("index",)  # long-lived secrets kept wrapped by the master key


class WrongPassphrase(BadInput):
    """The passphrase does not open the master key."""


@dataclass
class KeyRing:
    """The unwrapped master keys of an unlocked home (in memory only)."""

    path: Path
    masters: dict[int, bytes]
    current: int
    pending: int | None
    secrets: dict[str, bytes] = field(default_factory=dict)
    _kdf: dict[str, Any] = field(default_factory=dict, repr=False)
    format: int = FORMAT

    # -- creating and opening --------------------------------------------------------------

    @staticmethod
    def exists(keys_dir: Path) -> bool:
        return (keys_dir / MASTER_FILE).is_file()

    @classmethod
    def create(cls, keys_dir: Path, passphrase: bytes, form: int = FORMAT) -> KeyRing:
        """A new ring with master key version 1; HomeError if there is one already. `form`
        1 is for a home whose trail is not authenticated yet (see FORMAT)."""
        path = keys_dir / MASTER_FILE
        if path.exists():
            raise HomeError(f"{path}: a master key already exists")
        ring = cls(
            path=path,
            masters={1: crypto.new_key()},
            current=1,
            pending=None,
            secrets={name: crypto.new_key() for name in SECRETS},
            format=form,
        )
        ring._save(passphrase, new_salt=True)
        return ring

    @classmethod
    def unlock(cls, keys_dir: Path, passphrase: bytes) -> KeyRing:
        """The ring unwrapped with `passphrase`; WrongPassphrase if it does not open it."""
        path = keys_dir / MASTER_FILE
        return cls.opened(path, _read(path), passphrase)

    @classmethod
    def opened(cls, path: Path, data: dict[str, Any], passphrase: bytes) -> KeyRing:
        """The ring held in `data` (the content of a master.json, e.g. from a backup)."""
        kdf = data["kdf"]
        form = data.get("format", 1)
        if form not in FORMATS:
            raise IntegrityError(f"{path.name}: the master key file is of an unknown format")
        unwrapping = crypto.passphrase_key(passphrase, _b64(kdf["salt"]), int(kdf["n"]))
        masters: dict[int, bytes] = {}
        for version, wrapped in data["masters"].items():
            try:
                masters[int(version)] = crypto.decrypt(
                    unwrapping, _b64(wrapped), _master_aad(int(version), form), "the master key"
                )
            except IntegrityError as exc:
                raise WrongPassphrase(
                    "wrong passphrase: it does not open the master key "
                    f"(or {path.name} was altered)"
                ) from exc
        current = int(data["current"])
        pending = data.get("pending")
        ring = cls(path, masters, current, int(pending) if pending else None, _kdf=kdf, format=form)
        for name, entry in data.get("secrets", {}).items():
            version = int(entry["version"])
            ring.secrets[name] = crypto.decrypt(
                masters[version], _b64(entry["wrapped"]), _secret_aad(name, version), path.name
            )
        return ring

    # -- data keys ---------------------------------------------------------------------------

    def wrap(self, item_id: str, data_key: bytes) -> tuple[int, bytes]:
        """`data_key` wrapped for `item_id` by the newest master key."""
        version = self.pending or self.current
        return version, crypto.encrypt(self.masters[version], data_key, _data_aad(item_id, version))

    def unwrap(self, item_id: str, version: int, wrapped: bytes) -> bytes:
        """The data key of `item_id`; IntegrityError if the wrapped key was changed."""
        master = self.masters.get(version)
        if master is None:
            raise IntegrityError(
                f"item {item_id}: its key names master key {version}, which is gone"
            )
        return crypto.decrypt(
            master, wrapped, _data_aad(item_id, version), f"the key of item {item_id}"
        )

    # -- rotation and the passphrase --------------------------------------------------------

    def begin_rotation(self, passphrase: bytes) -> int:
        """Add a new master key version as pending (or resume the pending one)."""
        if self.pending is None:
            self.pending = max(self.masters) + 1
            self.masters[self.pending] = crypto.new_key()
            self._save(passphrase)
        return self.pending

    def finish_rotation(self, passphrase: bytes) -> None:
        """Make the pending version current and forget the others (all keys rewrapped)."""
        if self.pending is None:
            return
        self.current = self.pending
        self.pending = None
        self.masters = {self.current: self.masters[self.current]}
        self._save(passphrase)

    def change_passphrase(self, new: bytes) -> None:
        """Rewrap every master key version with `new` (one atomic replacement of the file)."""
        self._save(new, new_salt=True)

    @property
    def trail_authenticated(self) -> bool:
        """Whether this home's audit trail has been authenticated (format 2): from then on
        a trail without MACs is a tampered one, never an old one to vouch for."""
        return self.format >= 2

    def mark_trail_authenticated(self, passphrase: bytes) -> None:
        """Record, unforgeably, that the audit trail is authenticated from now on."""
        if self.format < 2:
            self.format = 2
            self._save(passphrase)

    def derived(self, purpose: str) -> bytes:
        """A key for `purpose`, stable across master key rotations."""
        return crypto.derive(self.secrets["index"], purpose)

    def _save(self, passphrase: bytes, new_salt: bool = False) -> None:
        if new_salt or not self._kdf:
            self._kdf = {
                "name": "scrypt",
                "n": crypto.SCRYPT_N,
                "r": crypto.SCRYPT_R,
                "p": crypto.SCRYPT_P,
                "salt": _text(os.urandom(16)),
            }
        wrapping = crypto.passphrase_key(passphrase, _b64(self._kdf["salt"]), int(self._kdf["n"]))
        newest = self.pending or self.current
        data = {
            "format": self.format,
            "current": self.current,
            "pending": self.pending,
            "kdf": self._kdf,
            "masters": {
                str(v): _text(crypto.encrypt(wrapping, key, _master_aad(v, self.format)))
                for v, key in sorted(self.masters.items())
            },
            "secrets": {
                name: {
                    "version": newest,
                    "wrapped": _text(
                        crypto.encrypt(self.masters[newest], secret, _secret_aad(name, newest))
                    ),
                }
                for name, secret in self.secrets.items()
            },
        }
        keyfiles.make_folder(self.path.parent)
        keyfiles.write(self.path, json.dumps(data, indent=2).encode("utf-8"), private=True)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HomeError(f"{path}: the master key is missing: run `bureau upgrade`") from exc
    except (OSError, ValueError) as exc:
        raise IntegrityError(f"{path}: the master key file is damaged") from exc
    if not isinstance(data, dict) or data.get("format") not in FORMATS:
        raise IntegrityError(f"{path}: the master key file is damaged or of an unknown format")
    return data


def _master_aad(version: int, form: int) -> bytes:
    base = f"bureau master key {version}"
    return (base if form == 1 else f"{base} format {form}").encode()


def _data_aad(item_id: str, version: int) -> bytes:
    return f"bureau data key {item_id} {version}".encode()


def _secret_aad(name: str, version: int) -> bytes:
    return f"bureau secret {name} {version}".encode()


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
