"""The web interface under test: the real application over a real data home, driven over
HTTP in-process (FastAPI's TestClient); tests/browser drives it in Chromium.

`web` is a data home (a copy of the session's pristine one) with one user of each role,
every one with the test password; `web.client()` is a fresh visitor, and
`web.signed_in(name)` one who has signed in through the real /login form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bureau.services import signin
from bureau.services.websessions import Sessions
from bureau.web.app import create_app
from bureau.web.pages import Server
from tests.conftest import PASSPHRASE, PASSWORD, Bureau

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

USERS = {  # name: (role, clearance, department)
    "sec": ("secretary", "internal", "BGS"),
    "arc": ("archivist", "secret", None),
    "aud": ("auditor", "internal", None),
}


class Visitor(TestClient):
    """One browser: its cookies, and forms posted with the CSRF token of its session."""

    def csrf(self) -> str:
        page = self.get("/login")
        found = CSRF.search(page.text)
        if found is None:  # signed in: /login redirects home, which carries the token too
            found = CSRF.search(self.get("/").text)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def submit(self, path: str, data: dict | None = None, files=None, **kwargs):
        """POST a form as the page would: with this session's CSRF token."""
        fields = {"csrf_token": self.csrf(), **(data or {})}
        return self.post(path, data=fields, files=files, follow_redirects=False, **kwargs)

    def sign_in(self, name: str, password: str = PASSWORD):
        return self.submit("/login", {"username": name, "password": password})


class Web:
    def __init__(self, bureau: Bureau) -> None:
        self.bureau = bureau
        self.root = bureau.root
        self.server = Server(
            str(bureau.root),
            signin.unlock(str(bureau.root), PASSPHRASE.encode()),
            Sessions(str(bureau.root)),
            signin.Throttle(str(bureau.root)),
        )
        self.app = create_app(self.server)

    def client(self, address: str = "testclient") -> Visitor:
        return Visitor(self.app, client=(address, 50000))

    def signed_in(self, name: str = "tester") -> Visitor:
        visitor = self.client()
        answer = visitor.sign_in(name)
        assert answer.status_code == 303, answer.text
        return visitor


@pytest.fixture
def web(bureau: Bureau) -> Web:
    for name, (role, clearance, dept) in USERS.items():
        extra = ["--dept", dept] if dept else []
        bureau.ok("users", "add", name, "--role", role, "--clearance", clearance, *extra)
    return Web(bureau)


@pytest.fixture
def root(web: Web) -> Path:
    return web.root
