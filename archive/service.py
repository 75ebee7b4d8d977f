"""The archive's operations on a data home, as one object, in parts a reader can find.

`Archive` is an open home acting for one user (archive/opened.py) with its operations:
filing and retrieval (records), the number register, users (people), the master key
(rekeying), classification (classifying), retention and disposition (disposing), and
backups and checks (checks). The service layer (bureau/services) calls these and makes
every permission decision; what the acting user may not see is answered here as if it
did not exist.
"""

from __future__ import annotations

from archive.checks import Checks, VerifyReport
from archive.classifying import Classifying
from archive.disposing import Disposition
from archive.opened import default_actor
from archive.people import People
from archive.records import Records
from archive.register import NumberRegister
from archive.rekeying import Rekeying


class Archive(Records, NumberRegister, People, Rekeying, Classifying, Disposition, Checks):
    """An open data home with every operation on it."""


__all__ = ["Archive", "VerifyReport", "default_actor"]
