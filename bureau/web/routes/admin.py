"""The administrator's pages: the users of the home, their role, clearance, department,
whether they may sign in, and their passwords.

A user disabled, or given a new password, here loses every web session at once (and any
session elsewhere at its next request: signin.open_for compares the password stamp)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.access import Forbidden, User
from archive.errors import BadInput
from bureau.services import users
from bureau.services.session import Archive
from bureau.web import pages

router = APIRouter()


@router.get("/users")
def user_list(request: Request) -> Response:
    with pages.acting(request) as archive:
        return _list_page(request, archive)


@router.post("/users")
def add_user(request: Request, form: pages.Posted) -> Response:
    entered = {
        name: pages.text(form, name).strip() for name in ("name", "role", "clearance", "dept")
    }
    password = pages.text(form, "password")
    with pages.acting(request) as archive:
        if password != pages.text(form, "repeat"):
            return _list_page(request, archive, 400, entered, error="users.differ")
        try:
            users.add(
                archive,
                entered["name"],
                entered["role"],
                entered["clearance"],
                entered["dept"] or None,
                password,
            )
        except Forbidden:
            raise
        except BadInput as exc:  # a taken or invalid name, a weak password, no department
            return _list_page(request, archive, 400, entered, message=str(exc))
    pages.flash(request, "users.added")
    return pages.redirect("/users")


def _list_page(
    request: Request,
    archive: Archive,
    status: int = 200,
    entered: dict[str, str] | None = None,
    **context: object,
) -> Response:
    return pages.render(
        request,
        "users.html",
        status,
        title="users.title",
        people=users.list_users(archive),
        choices=users.choices(archive),
        entered=entered or {},
        **context,
    )


@router.get("/users/{name}")
def user_page(request: Request, name: str) -> Response:
    with pages.acting(request) as archive:
        return _user_page(request, archive, users.find(archive, name))


@router.post("/users/{name}")
def change_user(request: Request, name: str, form: pages.Posted) -> Response:
    """Role, clearance, department and whether the user may sign in, as the form has them."""
    dept = pages.text(form, "dept").strip()
    changes: dict[str, Any] = {
        "role": pages.text(form, "role").strip(),
        "clearance": pages.text(form, "clearance").strip(),
        "dept": dept or None,
        "enabled": pages.text(form, "enabled") == "yes",
    }
    with pages.acting(request) as archive:
        user = users.find(archive, name)
        try:
            changed = users.change(archive, name, **changes)
        except Forbidden:
            raise
        except BadInput as exc:  # the last administrator, a secretary without department
            return _user_page(request, archive, user, 400, change_error=str(exc))
    if not changed.enabled:
        pages.server(request).sessions.end_others(name)
    pages.flash(request, "users.changed")
    return pages.redirect(f"/users/{quote(name)}")


@router.post("/users/{name}/password")
def set_password(request: Request, name: str, form: pages.Posted) -> Response:
    """A new password for the user; every session they had ends."""
    new = pages.text(form, "new")
    with pages.acting(request) as archive:
        user = users.find(archive, name)
        if new != pages.text(form, "repeat"):
            return _user_page(request, archive, user, 400, password_key="users.differ")
        try:
            users.set_password(archive, name, new)
        except Forbidden:
            raise
        except BadInput as exc:  # too short, too common
            return _user_page(request, archive, user, 400, password_error=str(exc))
    pages.server(request).sessions.end_others(name)
    pages.flash(request, "users.password_set")
    return pages.redirect(f"/users/{quote(name)}")


def _user_page(
    request: Request, archive: Archive, user: User, status: int = 200, **context: object
) -> Response:
    return pages.render(
        request,
        "users_edit.html",
        status,
        title="users.edit_title",
        person=user,
        choices=users.choices(archive),
        **context,
    )
