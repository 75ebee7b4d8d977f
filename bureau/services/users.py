"""The people of a data home: who they are, their role, clearance and department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.access import ROLES, User
from archive.errors import NotFound
from archive.service import Archive
from archive.vocab import CLASSIFICATIONS


def list_users(archive: Archive) -> list[User]:
    archive.require("users", "list users")
    return archive.users()


def add(
    archive: Archive,
    name: str,
    role: str,
    clearance: str,
    dept: str | None,
    password: str,
    display_name: str | None = None,
) -> User:
    """A new user with their first password and, optionally, the name people read."""
    archive.require("users", "add users")
    return archive.add_user(name, role, clearance, dept, password, display_name)


def set_password(archive: Archive, name: str, password: str) -> None:
    """A new password for `name`: an administrator sets anyone's, a user their own."""
    if name != archive.user.name:
        archive.require("users", "set other users' passwords")
    archive.set_password(name, password)


def change(archive: Archive, name: str, **changes: Any) -> User:
    """Change a user's role, clearance, department or whether they are enabled."""
    archive.require("users", "change users")
    return archive.change_user(name, **changes)


@dataclass(frozen=True)
class Choices:
    """What a form about users offers: the roles, the clearance levels and the departments
    (code, Chinese name, English name)."""

    roles: tuple[str, ...]
    levels: tuple[str, ...]
    departments: tuple[tuple[str, str, str], ...]


def choices(archive: Archive) -> Choices:
    archive.require("users", "manage users")
    return Choices(
        ROLES,
        CLASSIFICATIONS,
        tuple((d.code, d.name_zh, d.name_en) for d in archive.config.departments),
    )


def find(archive: Archive, name: str) -> User:
    """The user called `name` (enabled or not); NotFound if there is none."""
    archive.require("users", "see users")
    for user in archive.users():
        if user.name == name:
            return user
    raise NotFound(f"unknown user {name!r}")
