"""Users' passwords: hashed with argon2id, stored in the standard encoded form.

The encoded form (`$argon2id$v=19$m=65536,t=3,p=4$salt$hash`) names the algorithm and its
cost, so the cost can be raised later: a hash made at a lower cost than the home's
configuration is replaced at the user's next successful sign-in. The cost is the home's
`password_hashing` setting (`time_cost`, `memory_kib`, `parallelism`); the default is
argon2-cffi's, the low-memory profile of RFC 9106 (64 MiB, 3 passes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from archive.errors import BadInput, HomeError

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; this keeps a pasted file out


@dataclass(frozen=True)
class Cost:
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism
        )


def cost(setting: Any) -> Cost:
    """The cost from a home's `password_hashing` setting (absent: the default); HomeError
    naming what is wrong otherwise."""
    if setting is None:
        return Cost()
    if not isinstance(setting, dict) or set(setting) - {"time_cost", "memory_kib", "parallelism"}:
        raise HomeError(
            "password_hashing: give time_cost, memory_kib and parallelism (whole numbers)"
        )
    values = dict(setting)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values.values()):
        raise HomeError("password_hashing: time_cost, memory_kib and parallelism must be >= 1")
    found = Cost(**values)
    if found.memory_kib < 8 * found.parallelism:
        raise HomeError("password_hashing: memory_kib must be at least 8 × parallelism")
    return found


def check_new(password: str) -> str:
    """`password` if it may be a user's password; BadInput saying why not."""
    if len(password) < MIN_LENGTH:
        raise BadInput(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise BadInput(f"a password has at most {MAX_LENGTH} characters")
    if not password.strip():
        raise BadInput("a password cannot be only spaces")
    return password


def hashed(password: str, at: Cost) -> str:
    return at.hasher().hash(password)


def matches(encoded: str, password: str) -> bool:
    """Whether `password` is the one `encoded` was made from (a damaged hash matches none)."""
    try:
        return Cost().hasher().verify(encoded, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def outdated(encoded: str, at: Cost) -> bool:
    """Whether `encoded` was made at another cost than `at` (re-hash at the next sign-in)."""
    try:
        return at.hasher().check_needs_rehash(encoded)
    except (InvalidHashError, ValueError):
        return True


def stamp(encoded: str | None) -> str:
    """A short fingerprint of a user's stored hash. A signed-in session keeps the stamp it
    was opened with; any change of the password (re-hashing included) changes it, and so
    ends every session opened before, in every process, without a list of sessions."""
    return hashlib.sha256((encoded or "").encode()).hexdigest()[:32]
