"""Where the passphrase protecting the data home's private keys comes from.

Scripts and services set `$BUREAU_PASSPHRASE`; a person at a terminal is asked for it.
Anything else (a cron job, a pipe) has no way to answer a prompt, so it is refused with a
message saying what to do rather than hanging on a read that never ends.
"""

from __future__ import annotations

import getpass
import os
import sys

from archive.errors import BadInput, KeyRequired

ENV_VAR = "BUREAU_PASSPHRASE"


class PassphraseRequired(KeyRequired):
    """No passphrase was given and none can be asked for."""


class PassphraseMismatch(BadInput):
    """The two passphrases typed when confirming differ."""


class EmptyPassphrase(BadInput):
    """An empty passphrase would leave the keys effectively unprotected."""


def get_passphrase(confirm: bool = False, prompt_only: bool = False) -> bytes:
    """The passphrase as UTF-8 bytes: `$BUREAU_PASSPHRASE`, else a prompt on a terminal.

    With `confirm` (choosing a new passphrase), a person is asked twice and a mismatch is
    refused; the environment variable is taken as given. An empty passphrase is refused.
    """
    from_env = None if prompt_only else os.environ.get(ENV_VAR)
    if from_env is not None:
        return _checked(from_env)
    if not at_terminal():
        raise PassphraseRequired(f"a passphrase is needed: set ${ENV_VAR} or run interactively")
    first = getpass.getpass("New passphrase: " if confirm else "Passphrase: ")
    if confirm:
        second = getpass.getpass("Repeat the passphrase: ")
        if first != second:
            raise PassphraseMismatch("the two passphrases differ: nothing was changed")
    return _checked(first)


def at_terminal() -> bool:
    """Whether a person can answer a prompt (stdin is a terminal)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached stdin
        return False


def _checked(text: str) -> bytes:
    if not text:
        raise EmptyPassphrase("an empty passphrase is not allowed")
    return text.encode("utf-8")
