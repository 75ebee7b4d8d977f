"""Signing in and out, the interface language, the home page and one's own password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.errors import BadInput
from bureau.services import signin
from bureau.services.signin import SignInFailed
from bureau.services.websessions import LANGUAGES
from bureau.web import pages

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    with pages.acting(request):
        who = pages.identity(request)
    return pages.render(request, "home.html", title="home.title", who=who)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if pages.session(request).identity is not None:
        return pages.redirect(local(next))
    return pages.render(request, "login.html", title="login.title", next=local(next))


@router.post("/login")
def login(request: Request, form: pages.Posted) -> Response:
    name = pages.text(form, "username").strip()
    password = pages.text(form, "password")
    target = local(pages.text(form, "next", "/"))
    here = pages.server(request)
    address = request.client.host if request.client else "unknown"
    try:
        found = signin.sign_in(here.root, name, password, here.keys, here.throttle, address)
    except signin.TooManyAttempts as exc:
        page = _login_page(request, name, target, "login.throttled", 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except SignInFailed:
        return _login_page(request, name, target, "login.refused", 401)
    pages.new_session(request, found)
    return pages.redirect(target)


def _login_page(request: Request, name: str, target: str, error: str, status: int) -> Response:
    return pages.render(
        request,
        "login.html",
        status,
        title="login.title",
        next=target,
        username=name,
        error=error,
    )


@router.post("/logout")
def logout(request: Request, form: pages.Posted) -> Response:
    pages.new_session(request)
    return pages.redirect("/login")


@router.post("/lang")
def language(request: Request, form: pages.Posted) -> Response:
    lang = pages.text(form, "lang")
    if lang in LANGUAGES:
        pages.session(request).lang = lang
    return pages.redirect(local(pages.text(form, "next", "/")))


@router.get("/account")
def account(request: Request) -> Response:
    with pages.acting(request):
        pass
    return pages.render(request, "account.html", title="account.title")


@router.post("/account/password")
def change_password(request: Request, form: pages.Posted) -> Response:
    current = pages.text(form, "current")
    new = pages.text(form, "new")
    if new != pages.text(form, "repeat"):
        return _account_page(request, "account.differ")
    try:
        with pages.acting(request) as archive:
            found = signin.change_own_password(archive, current, new)
    except SignInFailed:
        return _account_page(request, "account.wrong", status=403)
    except BadInput as exc:
        return _account_page(request, None, str(exc))
    here = pages.server(request)
    here.sessions.end_others(found.name)
    pages.new_session(request, found)
    pages.flash(request, "account.changed")
    return pages.redirect("/account")


def _account_page(
    request: Request, error: str | None, message: str = "", status: int = 400
) -> Response:
    return pages.render(
        request, "account.html", status, title="account.title", error=error, message=message
    )


def local(target: str) -> str:
    """`target` if it is a path on this server, else "/" (no redirect to other sites)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
