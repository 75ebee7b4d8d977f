"""Where the key passphrase comes from: the environment, a terminal, or nowhere (refused)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import seals.passphrase as passphrase
from seals.passphrase import (
    EmptyPassphrase,
    PassphraseMismatch,
    PassphraseRequired,
    get_passphrase,
)

ROOT = Path(__file__).resolve().parents[2]


def test_environment_variable_is_used_as_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_PASSPHRASE", "印章 secret")
    assert get_passphrase() == "印章 secret".encode()
    assert get_passphrase(confirm=True) == "印章 secret".encode()


def test_empty_environment_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUREAU_PASSPHRASE", "")
    with pytest.raises(EmptyPassphrase):
        get_passphrase()


def test_without_a_terminal_it_says_what_to_do() -> None:
    env = {k: v for k, v in os.environ.items() if k != "BUREAU_PASSPHRASE"}
    script = (
        "from seals.passphrase import get_passphrase\n"
        "try:\n"
        "    get_passphrase()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc.exit_code, exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.stdout.startswith("PassphraseRequired 2 ")
    assert "set $BUREAU_PASSPHRASE or run interactively" in done.stdout


def test_terminal_prompt_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUREAU_PASSPHRASE", raising=False)
    monkeypatch.setattr(passphrase, "at_terminal", lambda: True)
    monkeypatch.setattr(passphrase.getpass, "getpass", lambda prompt: "typed")
    assert get_passphrase() == b"typed"


def test_confirmation_mismatch_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUREAU_PASSPHRASE", raising=False)
    monkeypatch.setattr(passphrase, "at_terminal", lambda: True)
    answers = iter(["first", "second"])
    monkeypatch.setattr(passphrase.getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(PassphraseMismatch):
        get_passphrase(confirm=True)


def test_confirmation_match_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUREAU_PASSPHRASE", raising=False)
    monkeypatch.setattr(passphrase, "at_terminal", lambda: True)
    monkeypatch.setattr(passphrase.getpass, "getpass", lambda prompt: "same")
    assert get_passphrase(confirm=True) == b"same"


def test_empty_typed_passphrase_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUREAU_PASSPHRASE", raising=False)
    monkeypatch.setattr(passphrase, "at_terminal", lambda: True)
    monkeypatch.setattr(passphrase.getpass, "getpass", lambda prompt: "")
    with pytest.raises(EmptyPassphrase):
        get_passphrase()


def test_no_terminal_in_process_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUREAU_PASSPHRASE", raising=False)
    monkeypatch.setattr(passphrase, "at_terminal", lambda: False)
    with pytest.raises(PassphraseRequired):
        get_passphrase()
