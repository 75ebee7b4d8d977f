"""What every route shares: who the visitor is, the home opened for them, the posted
form checked for its CSRF token, and a page rendered in the visitor's language.

A route reads its input, calls one service inside `acting(request)`, and renders what it
returns. It decides nothing about permissions: the service does, and the errors it raises
become pages here (a missing or unseeable item is the same plain 404).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from archive.errors import BadInput
from bureau.services import signin
from bureau.services.session import Archive
from bureau.services.signin import HeldKeys
from bureau.services.websessions import Session, Sessions
from bureau.web.i18n import translator

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # HTML autoescaped

MAX_UPLOAD = 20 * 1024 * 1024  # bytes in one request (a batch sheet, a few sealed PDFs)
MAX_FILES = 20  # files in one form
MAX_FIELDS = 2000  # fields in one form (a budget's table rows)


@dataclass
class Server:
    """What the running server holds: the home, its keys unlocked once, the sessions, the
    sign-in throttle, and whether cookies are Secure."""

    root: str
    keys: HeldKeys
    sessions: Sessions
    throttle: signin.Throttle
    secure_cookies: bool = False


class NotSignedIn(Exception):
    """The page needs a signed-in visitor (answered by a redirect to /login)."""


class CsrfRefused(Exception):
    """A form came back without this session's CSRF token (HTTP 403)."""


def server(request: Request) -> Server:
    return request.app.state.server


def session(request: Request) -> Session:
    """The visitor's session (every request has one: see app.sessions_middleware)."""
    return request.state.session


def identity(request: Request) -> signin.Identity:
    """The signed-in user of this request as the session remembers them; NotSignedIn if
    nobody is. Routes act inside `acting`, which also checks that the session still holds."""
    found = session(request).identity
    if found is None:
        raise NotSignedIn()
    return found


@contextmanager
def acting(request: Request) -> Iterator[Archive]:
    """The home opened for the signed-in user, closed afterwards. A session whose user was
    disabled or whose password changed ends here, and the visitor signs in again."""
    here = server(request)
    try:
        archive = signin.open_for(here.root, identity(request), here.keys)
    except signin.SessionEnded:
        here.sessions.end(session(request))
        raise NotSignedIn() from None
    with archive:
        role = archive.user.role
        if role != identity(request).role:  # changed by an administrator since sign-in
            session(request).identity = replace(identity(request), role=role)
        yield archive


async def posted(request: Request) -> FormData:
    """The posted form, once its CSRF token is this session's (CsrfRefused otherwise).
    Uploads are limited in number and size (app.BodyLimit caps the whole request)."""
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    given = form.get("csrf_token")
    expected = session(request).csrf
    if not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise CsrfRefused()
    return form


Posted = Annotated[FormData, Depends(posted)]  # a route's parameter: the checked form


def text(form: FormData, name: str, default: str = "") -> str:
    """A text field of `form` ('' if absent); BadInput if a file came in its place."""
    value = form.get(name, default)
    if isinstance(value, UploadFile):
        raise BadInput(f"{name}: expected text, not a file")
    return value


def uploads(form: FormData, name: str) -> list[UploadFile]:
    """The files sent under `name` (empty file inputs left out)."""
    return [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """`template` rendered for this visitor: their language, identity, CSRF token and menu."""
    visitor = session(request)
    who = visitor.identity
    context.update(
        request=request,
        t=translator(visitor.lang),
        lang=visitor.lang,
        csrf_token=visitor.csrf,
        visitor=who,
        can=signin.permissions(who.role) if who else frozenset(),
        flashes=_take_flashes(visitor),
    )
    return templates.TemplateResponse(request, template, context, status_code=status)


def new_session(request: Request, identity: signin.Identity | None = None) -> None:
    """Replace the visitor's session by a new one (at sign-in and sign-out), keeping the
    language: the old token stops working at once (app.sessions_middleware sends the new)."""
    here = server(request)
    old = session(request)
    here.sessions.end(old)
    token, fresh = here.sessions.start(old.lang, identity)
    request.state.new_token = token
    request.state.session = fresh


def flash(request: Request, key: str) -> None:
    """A message (a text key) shown once on the next page this visitor sees."""
    session(request).flashes.append(key)


def _take_flashes(visitor: Session) -> list[str]:
    taken, visitor.flashes = visitor.flashes, []
    return taken


def redirect(path: str) -> RedirectResponse:
    """After a POST: see `path` (303, so a reload does not post again)."""
    return RedirectResponse(path, status_code=303)


def login_redirect(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return redirect("/login?next=" + quote(target, safe=""))
