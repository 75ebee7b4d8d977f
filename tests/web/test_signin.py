"""Signing in on the web: a real password, one answer for every failure, sessions that
end on the server, and a slowdown after repeated failures."""

from __future__ import annotations

from archive import home
from archive.service import Archive
from tests.conftest import PASSPHRASE, PASSWORD
from tests.web.conftest import CSRF, Web


def failures(web: Web) -> list[dict]:
    return [e for e in web.bureau.json("audit", "log") if e["action"] == "signin_failed"]


def test_pages_need_a_signed_in_visitor(web: Web):
    answer = web.client().get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2F"


def test_the_right_password_signs_in_and_shows_the_home_page(web: Web):
    visitor = web.client()
    answer = visitor.sign_in("sec")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    page = visitor.get("/")
    assert page.status_code == 200 and "sec" in page.text


def test_a_wrong_password_is_refused_and_recorded(web: Web):
    answer = web.client().sign_in("sec", "not the password")
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text
    (entry,) = failures(web)
    assert entry["detail"] == {"name": "sec", "via": "web", "reason": "wrong password"}


def test_an_unknown_user_reads_the_same_as_a_wrong_password(web: Web):
    unknown = web.client().sign_in("nobody")
    wrong = web.client().sign_in("sec", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert same_page(unknown.text.replace("nobody", "sec"), wrong.text)


def same_page(one: str, other: str) -> bool:
    return CSRF.sub("", one) == CSRF.sub("", other)


def test_a_user_without_a_password_cannot_sign_in_on_the_web(web: Web):
    """A user of a home from before passwords (added without one, in the archive itself)."""
    with Archive.open(home.DataHome(web.root), "tester", lambda: PASSPHRASE.encode()) as archive:
        archive.add_user("nopw", "auditor", "public", None)
    answer = web.client().sign_in("nopw", "anything at all")
    assert answer.status_code == 401
    assert failures(web)[-1]["detail"]["reason"] == "the user has no password"


def test_the_form_without_its_csrf_token_is_refused(web: Web):
    visitor = web.client()
    answer = visitor.post("/login", data={"username": "sec", "password": PASSWORD})
    assert answer.status_code == 403
    assert visitor.get("/", follow_redirects=False).status_code == 303


def test_a_token_from_another_session_is_refused(web: Web):
    token = web.client().csrf()
    visitor = web.client()
    answer = visitor.post(
        "/login", data={"username": "sec", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 403


def test_the_session_cookie_is_http_only_and_same_site(web: Web):
    answer = web.client().get("/login")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_secure_cookies_are_marked_secure(web: Web):
    web.server.secure_cookies = True
    assert "Secure" in web.client().get("/login").headers["set-cookie"]


def test_signing_in_replaces_the_session_token(web: Web):
    visitor = web.client()
    visitor.get("/login")
    before = visitor.cookies["bureau_session"]
    visitor.sign_in("sec")
    assert visitor.cookies["bureau_session"] != before


def test_signing_out_ends_the_session_on_the_server(web: Web):
    visitor = web.signed_in("sec")
    copied = visitor.cookies["bureau_session"]
    assert visitor.submit("/logout").status_code == 303
    thief = web.client()
    thief.cookies.set("bureau_session", copied)
    assert thief.get("/", follow_redirects=False).status_code == 303


def test_a_session_ends_after_inactivity(web: Web):
    now = [1000.0]
    web.server.sessions.clock = lambda: now[0]
    visitor = web.signed_in("sec")
    assert visitor.get("/").status_code == 200
    now[0] += web.server.sessions.idle + 1
    assert visitor.get("/", follow_redirects=False).status_code == 303


def test_a_password_change_ends_the_users_other_sessions(web: Web):
    other = web.signed_in("sec")
    visitor = web.signed_in("sec")
    answer = visitor.submit(
        "/account/password",
        {"current": PASSWORD, "new": "a brand new password", "repeat": "a brand new password"},
    )
    assert answer.status_code == 303
    assert visitor.get("/").status_code == 200
    assert other.get("/", follow_redirects=False).status_code == 303
    assert web.client().sign_in("sec", "a brand new password").status_code == 303


def test_a_password_set_from_the_command_line_ends_web_sessions(web: Web):
    visitor = web.signed_in("sec")
    web.bureau.ok("users", "set-password", "sec", env={"BUREAU_NEW_PASSWORD": "set by admin!"})
    assert visitor.get("/", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out(web: Web):
    visitor = web.signed_in("sec")
    web.bureau.ok("users", "disable", "sec")
    assert visitor.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_current_password_changes_nothing(web: Web):
    visitor = web.signed_in("sec")
    answer = visitor.submit(
        "/account/password", {"current": "wrong one", "new": "whatever12", "repeat": "whatever12"}
    )
    assert answer.status_code == 403
    assert web.client().sign_in("sec").status_code == 303


def test_five_failures_for_one_name_answer_429(web: Web):
    for n in range(5):
        assert web.client(f"10.0.0.{n}").sign_in("sec", "wrong").status_code == 401
    blocked = web.client("10.0.0.99").sign_in("sec", PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert web.client("10.0.0.99").sign_in("arc").status_code == 303


def test_five_failures_from_one_address_answer_429(web: Web):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        web.client("10.1.1.1").sign_in(name, "wrong")
    assert web.client("10.1.1.1").sign_in("sec").status_code == 429
    assert web.client("10.1.1.2").sign_in("sec").status_code == 303


def test_sign_in_is_allowed_again_once_failures_age_out(web: Web):
    now = [0.0]
    web.server.throttle.clock = lambda: now[0]
    for _ in range(5):
        web.client().sign_in("sec", "wrong")
    assert web.client().sign_in("sec").status_code == 429
    now[0] += 15 * 60 + 1
    assert web.client().sign_in("sec").status_code == 303


def test_the_login_redirect_never_leaves_the_site(web: Web):
    visitor = web.client()
    fields = {"username": "sec", "password": PASSWORD, "next": "//evil.example/x"}
    assert visitor.submit("/login", fields).headers["location"] == "/"


def test_the_language_switch_is_kept_in_the_session(web: Web):
    visitor = web.signed_in("sec")
    assert "检索" in visitor.get("/").text
    visitor.submit("/lang", {"lang": "en", "next": "/"})
    page = visitor.get("/").text
    assert "Search" in page and 'lang="en"' in page


def test_a_changed_role_shows_in_the_menu_at_the_next_page(web: Web):
    visitor = web.signed_in("sec")
    assert 'href="/audit"' not in visitor.get("/").text
    web.bureau.ok("users", "set-role", "sec", "auditor")
    assert 'href="/audit"' in visitor.get("/").text
