"""Who may do what: users, their roles and their clearance.

The rules live here, below every front door, so the command line and the web pages to come
apply the same ones. A user may act only as their role allows, and sees only items at or
below their clearance (and, for a secretary, only their own department's): an item above
it is answered exactly as one that does not exist.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive.errors import BadInput, NotFound
from archive.vocab import CLASSIFICATIONS
from archive.vocab import classification as parse_level

ROLES = ("secretary", "archivist", "auditor", "admin")

# What each role may do. `own-dept` permissions are limited to the user's department.
PERMISSIONS: dict[str, frozenset[str]] = {
    "secretary": frozenset({"generate", "seal", "file", "read", "get", "search"}),
    "archivist": frozenset(
        {"file", "read", "get", "search", "watch", "index", "classify", "retention"}
    ),
    "auditor": frozenset({"verify", "audit", "read", "get", "search"}),
}
PERMISSIONS["admin"] = frozenset(
    set().union(*PERMISSIONS.values())
    | {"users", "keys", "seals", "approve", "declassify", "backup", "restore"}
)
DEPARTMENT_BOUND = frozenset({"secretary"})
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class Forbidden(BadInput):
    """The user's role or clearance does not allow the operation."""


@dataclass(frozen=True)
class Visibility:
    """Which items exist for a user: the one visibility rule, as a Python check and as the
    SQL filter and index filter built from the same two facts (so they cannot disagree).

    An item is visible when its classification is one of `levels` and, for a department-
    bound role, when it belongs to `dept`.
    """

    levels: tuple[str, ...]
    dept: str | None  # only this department's items; None: every department

    def sees(self, classification: str, dept: str) -> bool:
        return classification in self.levels and (self.dept is None or dept == self.dept)

    def sql(self, table: str = "") -> tuple[str, list[str]]:
        """A WHERE clause (and its parameters) keeping only the visible items' rows."""
        column = f"{table}." if table else ""
        clause = f"{column}classification IN ({','.join('?' * len(self.levels))})"
        if self.dept is None:
            return clause, list(self.levels)
        return f"{clause} AND {column}dept = ?", [*self.levels, self.dept]


@dataclass(frozen=True)
class User:
    name: str
    role: str
    clearance: str
    dept: str | None
    enabled: bool
    created_at: str
    created_by: str
    # argon2id, encoded; None for a user of a home from before passwords. Never shown.
    password_hash: str | None = field(default=None, repr=False, compare=False)
    display_name: str | None = None  # the name people read (张伟); None: the login name

    @property
    def shown_name(self) -> str:
        """The name a person reads: the display name, else the login name."""
        return self.display_name or self.name

    def may(self, permission: str) -> bool:
        return self.enabled and permission in PERMISSIONS[self.role]

    def require(self, permission: str, what: str | None = None) -> None:
        """Forbidden unless the role allows `permission`."""
        if not self.may(permission):
            raise Forbidden(
                f"user {self.name!r} ({self.role}) may not {what or permission}: "
                "ask an administrator"
            )

    def levels(self) -> tuple[str, ...]:
        """The classification levels this user is cleared for."""
        return CLASSIFICATIONS[: CLASSIFICATIONS.index(self.clearance) + 1]

    def visibility(self) -> Visibility:
        """What exists for this user: items at or below their clearance (and, for a
        secretary, of their own department only)."""
        bound = self.role in DEPARTMENT_BOUND
        return Visibility(self.levels(), (self.dept or "") if bound else None)

    def sees(self, classification: str, dept: str) -> bool:
        """Whether an item of `classification` in `dept` exists for this user at all."""
        return self.visibility().sees(classification, dept)

    def require_dept(self, dept: str, what: str) -> None:
        if self.role in DEPARTMENT_BOUND and dept != self.dept:
            raise Forbidden(
                f"user {self.name!r} is a secretary of {self.dept} and may not {what} for {dept}"
            )

    def require_level(self, level: str, what: str) -> None:
        if level not in self.levels():
            raise Forbidden(f"user {self.name!r} is not cleared for {level}: may not {what}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "clearance": self.clearance,
            "dept": self.dept,
            "enabled": self.enabled,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "display_name": self.display_name,
        }


def role(value: str) -> str:
    text = value.strip().lower()
    if text not in ROLES:
        raise BadInput(f"unknown role {value!r}: use one of {', '.join(ROLES)}")
    return text


def get(conn: sqlite3.Connection, name: str) -> User:
    """The user called `name`; NotFound if there is none, Forbidden if disabled."""
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(
            f"unknown user {name!r}: an administrator adds users with `bureau users add`"
        )
    user = _user(row)
    if not user.enabled:
        raise Forbidden(f"user {name!r} is disabled")
    return user


def lookup(conn: sqlite3.Connection, name: str) -> User | None:
    """The user called `name`, enabled or not; None if there is none."""
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return _user(row) if row is not None else None


def all_users(conn: sqlite3.Connection) -> list[User]:
    return [_user(r) for r in conn.execute("SELECT * FROM users ORDER BY name")]


def add(
    conn: sqlite3.Connection,
    name: str,
    role_name: str,
    clearance: str,
    dept: str | None,
    by: str,
    now: datetime,
    password_hash: str | None = None,
    display_name: str | None = None,
) -> User:
    """Insert a user (inside the caller's write transaction)."""
    if not NAME_RE.match(name):
        raise BadInput(
            f"invalid user name {name!r}: letters, digits, '.', '_', '@', '-' (at most 64)"
        )
    role_name = role(role_name)
    level = parse_level(clearance)
    if role_name in DEPARTMENT_BOUND and not dept:
        raise BadInput("a secretary belongs to a department: give --dept CODE")
    shown = checked_display_name(display_name) if display_name is not None else None
    if conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
        raise BadInput(f"user {name!r} already exists")
    conn.execute(
        "INSERT INTO users (name, role, clearance, dept, enabled, created_at, created_by, "
        "password_hash, display_name) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
        (name, role_name, level, dept, now.isoformat(timespec="seconds"), by, password_hash, shown),
    )
    return get(conn, name)


def update(conn: sqlite3.Connection, name: str, **changes: Any) -> User:
    """Change a user's role, clearance, department or enabled flag."""
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(f"unknown user {name!r}")
    current = _user(row)
    new_role = role(changes["role"]) if "role" in changes else current.role
    dept = changes.get("dept", current.dept)
    if new_role in DEPARTMENT_BOUND and not dept:
        raise BadInput("a secretary belongs to a department: give --dept CODE")
    conn.execute(
        "UPDATE users SET role = ?, clearance = ?, dept = ?, enabled = ? WHERE name = ?",
        (
            new_role,
            parse_level(changes["clearance"]) if "clearance" in changes else current.clearance,
            dept,
            int(changes.get("enabled", current.enabled)),
            name,
        ),
    )
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return _user(row)


def set_password(conn: sqlite3.Connection, name: str, password_hash: str) -> None:
    """Store a user's new password hash (inside the caller's write transaction)."""
    if (
        conn.execute(
            "UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)
        ).rowcount
        != 1
    ):
        raise NotFound(f"unknown user {name!r}")


def _user(row: sqlite3.Row) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        clearance=row["clearance"],
        dept=row["dept"],
        enabled=bool(row["enabled"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        password_hash=row["password_hash"] if "password_hash" in row.keys() else None,  # noqa: SIM118
        display_name=row["display_name"] if "display_name" in row.keys() else None,  # noqa: SIM118
    )


MAX_DISPLAY_NAME = 64


def checked_display_name(value: str) -> str:
    """A display name as given, trimmed; BadInput for an empty one, one too long, or one
    holding control characters (it is printed in registers and listings)."""
    text = " ".join(value.split())
    if not text:
        raise BadInput("--display-name: give a name, not blanks")
    if len(text) > MAX_DISPLAY_NAME:
        raise BadInput(f"--display-name: at most {MAX_DISPLAY_NAME} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise BadInput("--display-name: control or unassigned characters are not allowed")
    return text
