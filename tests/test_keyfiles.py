"""The `keys/` folder has one owner: one lock for the master key ring and the seal PKI, the
folder's and files' permissions, and no lock file of its own."""

from __future__ import annotations

import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive import keyfiles
from archive.config import default_config
from archive.errors import BadInput
from archive.keys import KeyRing
from seals.authority import Pki, create_pki

PASS = b"correct horse battery staple"
DEPARTMENTS = [
    (d["code"], d["name"]["en"], d["name"]["zh"])
    for d in default_config(None, "J042", "en")["departments"]
][:1]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data home's keys: a master key ring and a seal PKI side by side."""
    folder = tmp_path_factory.mktemp("home") / "keys"
    create_pki(folder, "City Education Bureau", "市教育局", DEPARTMENTS, PASS)
    KeyRing.create(folder, PASS)
    return folder


@contextmanager
def held_elsewhere(folder: Path) -> Iterator[None]:
    """The lock of `folder`, held by another thread for as long as the block runs."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with keyfiles.exclusive(folder, wait=True):
            taken.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(30)
    try:
        yield
    finally:
        release.set()
        holder.join(30)


def finishes(action: Callable[[], object], seconds: float) -> bool:
    worker = threading.Thread(target=action, daemon=True)
    worker.start()
    worker.join(seconds)
    return not worker.is_alive()


def test_a_seal_change_waits_for_a_key_ring_operation_and_then_runs(keys: Path) -> None:
    pki = Pki(keys)
    dept = pki.departments()[0]
    with held_elsewhere(keys):
        worker = threading.Thread(target=pki.renew, args=(dept, PASS))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting for the one lock
    worker.join(60)
    assert not worker.is_alive()


def test_a_key_ring_operation_is_refused_while_a_seal_change_holds_the_lock(keys: Path) -> None:
    with (
        held_elsewhere(keys),
        pytest.raises(BadInput, match="another key operation"),
        keyfiles.exclusive(keys),
    ):
        pass
    with keyfiles.exclusive(keys):  # free again once the holder is done
        pass


def test_the_lock_is_reentrant_so_one_operation_may_change_both_kinds_of_key(
    keys: Path,
) -> None:
    new = b"a brand new passphrase"

    def both() -> None:
        with keyfiles.exclusive(keys):
            KeyRing.unlock(keys, PASS).change_passphrase(new)
            Pki(keys).change_passphrase(PASS, new)
            KeyRing.unlock(keys, new).change_passphrase(PASS)
            Pki(keys).change_passphrase(new, PASS)

    assert finishes(both, 60)
    KeyRing.unlock(keys, PASS)


def test_the_lock_adds_no_file_and_ignores_the_old_lock_file(keys: Path) -> None:
    (keys / ".keys.lock").touch()  # the key ring's lock file in homes from before
    before = sorted(p.name for p in keys.iterdir())
    with keyfiles.exclusive(keys), keyfiles.exclusive(keys):
        assert sorted(p.name for p in keys.iterdir()) == before
    assert sorted(p.name for p in keys.iterdir()) == before


def test_key_files_are_private_and_the_folder_is_the_owners(tmp_path: Path) -> None:
    folder = tmp_path / "keys" / "seals"
    keyfiles.make_folder(folder)
    keyfiles.write(folder / "a.key.pem", b"secret", private=True)
    keyfiles.write(folder / "cert.pem", b"public")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "a.key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "cert.pem").stat().st_mode) == 0o644
    assert sorted(p.name for p in folder.iterdir()) == ["a.key.pem", "cert.pem"]
