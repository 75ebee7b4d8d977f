"""The project's exception types.

Every error a user can cause, or a check can find, is one of these. Library code raises
them with a message meant for the person at the terminal; only the CLI edge turns them
into a line on stderr and an exit code.
"""

from __future__ import annotations


class BureauError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code = 1


class BadInput(BureauError):
    """The user asked for something invalid: bad usage, a bad file, an unknown value (exit 2)."""

    exit_code = 2


class NotFound(BadInput):
    """A reference (id, archival code, document number, template name) names nothing."""


class KeyRequired(BadInput):
    """The command needs the passphrase (it writes to the audit trail or reads encrypted
    content) and none was given."""


class HomeError(BadInput):
    """The data home is missing, already exists, or is from a newer program."""


class OperationFailed(BureauError):
    """The operation was valid but could not be completed (exit 1)."""


class IntegrityError(OperationFailed):
    """Stored content or the audit trail does not match what was recorded (exit 1)."""


class IndexUnusable(BadInput):
    """The search index is damaged, from another schema, or locked by another writer."""


class IndexBusy(IndexUnusable):
    """Another process holds the index's writer or watcher lock."""
