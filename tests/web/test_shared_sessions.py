"""Sessions live in the catalog: every server on one archive knows them, a restart keeps
them, and the catalog holds no token a thief could use."""

from __future__ import annotations

import sqlite3

from bureau.services.signin import Throttle
from bureau.services.websessions import IDLE, Sessions
from bureau.web.app import create_app
from bureau.web.pages import Server
from tests.web.conftest import Visitor, Web


def second_server(web: Web) -> Visitor:
    """A second server on the same archive (its own sessions object, as another process has)."""
    other = Server(
        web.root.as_posix(), web.server.keys, Sessions(str(web.root)), web.server.throttle
    )
    return Visitor(create_app(other), client=("testclient", 50000))


def test_a_session_opened_on_one_server_is_known_to_another(web: Web):
    visitor = web.signed_in("sec")
    elsewhere = second_server(web)
    elsewhere.cookies.set("bureau_session", visitor.cookies["bureau_session"])
    answer = elsewhere.get("/", follow_redirects=False)
    assert answer.status_code == 200
    assert "sec" in answer.text


def test_signing_out_on_one_server_ends_the_session_on_every_server(web: Web):
    visitor = web.signed_in("sec")
    cookie = visitor.cookies["bureau_session"]
    elsewhere = second_server(web)
    elsewhere.cookies.set("bureau_session", cookie)
    assert elsewhere.submit("/logout").status_code == 303
    assert visitor.get("/", follow_redirects=False).status_code == 303


def test_the_language_chosen_on_one_server_shows_on_another(web: Web):
    visitor = web.signed_in("sec")
    assert visitor.submit("/lang", {"lang": "en", "next": "/"}).status_code == 303
    elsewhere = second_server(web)
    elsewhere.cookies.set("bureau_session", visitor.cookies["bureau_session"])
    assert 'lang="en"' in elsewhere.get("/").text


def test_a_restarted_server_keeps_its_visitors_signed_in(web: Web):
    visitor = web.signed_in("arc")
    web.server.sessions = Sessions(str(web.root))
    assert visitor.get("/", follow_redirects=False).status_code == 200


def test_the_catalog_keeps_no_token_only_its_hash(web: Web):
    visitor = web.signed_in("sec")
    token = visitor.cookies["bureau_session"]
    dump = "\n".join(sqlite3.connect(web.root / "catalog.sqlite").iterdump())
    assert token not in dump
    assert "web_sessions" in dump


def test_ended_sessions_are_removed_from_the_catalog(web: Web):
    now = [10_000_000.0]
    sessions = Sessions(str(web.root), clock=lambda: now[0])
    sessions.start()
    _, kept = sessions.start()
    now[0] += IDLE + 1
    sessions.start()
    assert sessions.purge() >= 2
    conn = sqlite3.connect(web.root / "catalog.sqlite")
    assert (
        conn.execute("SELECT COUNT(*) FROM web_sessions WHERE key = ?", (kept.key,)).fetchone()[0]
        == 0
    )


def test_failed_sign_ins_on_one_server_count_on_every_server(web: Web):
    for _ in range(5):
        assert web.client().sign_in("sec", "not the password").status_code == 401
    other = Server(
        web.root.as_posix(), web.server.keys, Sessions(str(web.root)), Throttle(str(web.root))
    )
    elsewhere = Visitor(create_app(other), client=("testclient", 50000))
    assert elsewhere.sign_in("sec").status_code == 429
