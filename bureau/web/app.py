"""The web application: FastAPI with server-rendered pages over the service layer.

`create_app` joins the routes of each area (bureau/web/routes), the session of every
visitor, the limits on what a request may carry, the security headers of every answer,
and the pages the project's errors become.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.access import Forbidden
from archive.errors import BadInput, BureauError, IntegrityError, NotFound
from bureau.web import pages
from bureau.web.pages import CsrfRefused, NotSignedIn, Server

AREAS = ("account", "secretary", "archivist", "keeping", "auditor", "admin")
COOKIE = "bureau_session"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(server: Server) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.server = server
    for area in AREAS:
        app.include_router(import_module(f"bureau.web.routes.{area}").router)
    app.mount("/static", StaticFiles(directory=pages.HERE / "static"), name="static")
    app.middleware("http")(sessions_middleware)
    app.add_middleware(BodyLimit, limit=pages.MAX_UPLOAD)
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
    return app


async def sessions_middleware(request: Request, call_next: Any) -> Response:
    """Give every request its session (a new anonymous one for a new visitor) and every
    answer its security headers and, when the session was replaced, its new cookie."""
    server: Server = request.app.state.server
    found = await run_in_threadpool(server.sessions.get, request.cookies.get(COOKIE))
    if found is None:
        token, found = await run_in_threadpool(server.sessions.start)
        request.state.new_token = token
    request.state.session = found
    as_read = server.sessions.snapshot(found)
    response: Response = await call_next(request)
    await run_in_threadpool(server.sessions.keep, request.state.session, as_read)
    token = getattr(request.state, "new_token", None)
    if token:
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=server.secure_cookies,
            path="/",
        )
    response.headers.update(HEADERS)
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


class TooLarge(Exception):
    """A request body over the server's limit (HTTP 413)."""


class BodyLimit:
    """Refuse request bodies over `limit` bytes: by their declared length at once, and by
    counting what arrives (a body sent in chunks declares none)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = Response("request too large", status_code=413)
            await response(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge()
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except Exception:  # TooLarge, maybe wrapped by a middleware's task group
            if seen <= self.limit or started:
                raise
            await Response("request too large", status_code=413)(scope, receive, send)


def _error(status: int, title: str, explanation: str | None = None):
    """A handler answering `status` with an error page: the text of `explanation` if
    given (it tells nothing about the case), else the error's own message."""

    def handler(request: Request, exc: Exception) -> Response:
        return pages.render(
            request,
            "error.html",
            status,
            title=title,
            explanation=explanation,
            message="" if explanation else str(exc),
        )

    return handler


def _not_signed_in(request: Request, exc: Exception) -> Response:
    return pages.login_redirect(request)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _error(404, "error.not_found", "error.not_found_text")(request, exc)
    return _error(exc.status_code, "error.bad_request")(request, exc)


HANDLERS: dict[type[Exception], Any] = {
    NotSignedIn: _not_signed_in,
    CsrfRefused: _error(403, "error.forbidden", "error.csrf"),
    NotFound: _error(404, "error.not_found", "error.not_found_text"),
    Forbidden: _error(403, "error.forbidden"),
    TooLarge: _error(413, "error.too_large", "error.too_large"),
    MultiPartException: _error(400, "error.bad_request"),
    IntegrityError: _error(409, "error.bad_request"),
    BadInput: _error(400, "error.bad_request"),
    BureauError: _error(500, "error.bad_request"),
    HTTPException: _http,
}
