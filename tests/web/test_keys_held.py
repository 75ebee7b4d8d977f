"""The server unlocks the master key once and holds it; a rotation made meanwhile from the
command line is picked up, and the audit trail stays whole."""

from __future__ import annotations

from pathlib import Path

from archive.vault import HeldKeys
from tests.conftest import PASSPHRASE
from tests.web.conftest import Web


def test_the_ring_is_unlocked_once_and_reused(web: Web):
    keys: HeldKeys = web.server.keys
    first = keys.ring(Path(web.root) / "keys")
    assert keys.ring(Path(web.root) / "keys") is first


def test_a_rotation_from_the_command_line_is_picked_up(web: Web):
    keys: HeldKeys = web.server.keys
    before = keys.ring(Path(web.root) / "keys")
    web.bureau.ok("keys", "rotate")
    assert keys.ring(Path(web.root) / "keys") is not before
    assert web.client().sign_in("sec", "wrong").status_code == 401  # writes the trail
    assert web.bureau("audit", "verify").code == 0


def test_the_passphrase_is_held_as_given(web: Web):
    assert web.server.keys() == PASSPHRASE.encode()
