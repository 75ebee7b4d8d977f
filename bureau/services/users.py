"""The people of a data home: who they are, their role, clearance and department."""

from __future__ import annotations

from typing import Any

from archive.access import User
from archive.service import Archive


def list_users(archive: Archive) -> list[User]:
    archive.require("users", "list users")
    return archive.users()


def add(
    archive: Archive, name: str, role: str, clearance: str, dept: str | None, password: str
) -> User:
    """A new user with their first password."""
    archive.require("users", "add users")
    return archive.add_user(name, role, clearance, dept, password)


def set_password(archive: Archive, name: str, password: str) -> None:
    """A new password for `name`: an administrator sets anyone's, a user their own."""
    if name != archive.user.name:
        archive.require("users", "set other users' passwords")
    archive.set_password(name, password)


def change(archive: Archive, name: str, **changes: Any) -> User:
    """Change a user's role, clearance, department or whether they are enabled."""
    archive.require("users", "change users")
    return archive.change_user(name, **changes)
