"""Every route of the application, whoever wrote it: none answers a visitor who has not
signed in, and none takes a form without the session's CSRF token."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from fastapi.routing import APIRoute

from bureau.web.app import AREAS
from tests.web.conftest import Web

OPEN = {"/login"}  # the only pages a visitor who has not signed in may see


def routes(method: str) -> list[str]:
    """The paths of every route of every area answering `method`."""
    paths = {
        route.path
        for area in AREAS
        for route in import_module(f"bureau.web.routes.{area}").router.routes
        if isinstance(route, APIRoute) and method in route.methods
    }
    return sorted(paths)


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


@pytest.mark.parametrize("path", routes("GET"))
def test_no_page_answers_a_visitor_who_has_not_signed_in(web: Web, path: str):
    if path in OPEN:
        return
    answer = web.client().get(concrete(path), follow_redirects=False)
    assert answer.status_code == 303, (path, answer.status_code)
    assert answer.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", routes("POST"))
def test_no_form_is_taken_without_its_csrf_token(web: Web, path: str):
    visitor = web.signed_in("tester")
    answer = visitor.post(concrete(path), data={"x": "1"}, follow_redirects=False)
    assert answer.status_code == 403, (path, answer.status_code)


@pytest.mark.parametrize("path", routes("POST"))
def test_no_form_is_taken_from_a_visitor_who_has_not_signed_in(web: Web, path: str):
    if path in OPEN | {"/lang", "/logout"}:
        return
    visitor = web.client()
    answer = visitor.submit(concrete(path), {"x": "1"})
    assert answer.status_code == 303, (path, answer.status_code)
    assert answer.headers["location"].startswith("/login")
