"""/users: the administrator lists the users, adds them with a first password, changes
their role, clearance, department and whether they may sign in, and sets their passwords.
A disabled user, or one given a new password, is signed out everywhere."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.web.conftest import Web

NEW = "a new password for them"


def add(web: Web, name: str = "lin", role: str = "archivist", **fields: str):
    data = {"name": name, "role": role, "clearance": "internal", "dept": "", "password": NEW}
    data.update(fields)
    data.setdefault("repeat", data["password"])
    return web.signed_in("tester").submit("/users", data)


def change(web: Web, name: str, **fields: str):
    data = {"role": "auditor", "clearance": "internal", "dept": "", "enabled": "yes"}
    data.update(fields)
    return web.signed_in("tester").submit(f"/users/{name}", data)


def test_the_list_shows_every_user_with_role_clearance_dept_and_state(web: Web):
    page = web.signed_in("tester").get("/users")
    assert page.status_code == 200
    for name in ("tester", "sec", "arc", "aud"):
        assert f'href="/users/{name}"' in page.text
    row = page.text.split('href="/users/sec"')[0].rsplit("<tr", 1)[1]
    assert "秘书" in row and "内部" in row and "BGS" in row and "启用" in row and "已设置" in row


def test_the_list_never_shows_a_password_hash(web: Web):
    assert "argon2" not in web.signed_in("tester").get("/users").text


@pytest.mark.parametrize("who", ["sec", "arc", "aud"])
def test_only_an_administrator_sees_the_users(web: Web, who: str):
    visitor = web.signed_in(who)
    assert visitor.get("/users").status_code == 403
    assert visitor.get("/users/sec").status_code == 403


@pytest.mark.parametrize("who", ["sec", "aud"])
def test_only_an_administrator_changes_users(web: Web, who: str):
    visitor = web.signed_in(who)
    data = {"name": "x1", "role": "admin", "clearance": "top-secret", "password": NEW}
    assert visitor.submit("/users", {**data, "repeat": NEW}).status_code == 403
    assert (
        visitor.submit(
            f"/users/{who}", {"role": "admin", "clearance": "top-secret", "enabled": "yes"}
        ).status_code
        == 403
    )
    assert visitor.submit("/users/sec/password", {"new": NEW, "repeat": NEW}).status_code == 403
    assert web.bureau.json("users", "list")[-1]["name"] != "x1"


def test_the_users_page_needs_a_signed_in_visitor(web: Web):
    answer = web.client().get("/users", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_changes_need_the_csrf_token(web: Web):
    visitor = web.signed_in("tester")
    data = {"name": "lin", "role": "auditor", "clearance": "internal", "password": NEW}
    assert visitor.post("/users", data={**data, "repeat": NEW}).status_code == 403
    assert visitor.post("/users/sec", data={"role": "admin"}).status_code == 403
    assert visitor.post("/users/sec/password", data={"new": NEW, "repeat": NEW}).status_code == 403
    assert "lin" not in {u["name"] for u in web.bureau.json("users", "list")}


def test_an_added_user_can_sign_in_with_their_first_password(web: Web):
    answer = add(web, "lin", "archivist", clearance="secret")
    assert answer.status_code == 303 and answer.headers["location"] == "/users"
    [lin] = [u for u in web.bureau.json("users", "list") if u["name"] == "lin"]
    assert (lin["role"], lin["clearance"], lin["enabled"]) == ("archivist", "secret", True)
    visitor = web.client()
    assert visitor.sign_in("lin", NEW).status_code == 303
    assert visitor.get("/").status_code == 200


def test_a_secretary_is_added_with_a_department(web: Web):
    assert add(web, "wang", "secretary", dept="BGS").status_code == 303
    [wang] = [u for u in web.bureau.json("users", "list") if u["name"] == "wang"]
    assert wang["dept"] == "BGS"


def test_a_secretary_without_a_department_is_refused_with_the_reason(web: Web):
    page = add(web, "wang", "secretary")
    assert page.status_code == 400 and "belongs to a department" in page.text
    assert 'value="wang"' in page.text  # what was typed is kept


def test_a_taken_name_is_refused_with_the_reason(web: Web):
    page = add(web, "sec", "archivist")
    assert page.status_code == 400 and "already exists" in page.text


def test_a_short_password_is_refused_with_the_reason(web: Web):
    page = add(web, "lin", password="short")
    assert page.status_code == 400 and "at least" in page.text


def test_two_different_passwords_are_refused(web: Web):
    page = add(web, "lin", password=NEW, repeat=NEW + "!")
    assert page.status_code == 400 and "两次输入的密码不一致" in page.text


def test_a_hostile_name_is_refused_and_shown_as_text(web: Web):
    page = add(web, "<script>alert(1)</script>")
    assert page.status_code == 400
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_role_clearance_and_department_are_changed(web: Web):
    answer = change(web, "arc", role="secretary", clearance="confidential", dept="BGS")
    assert answer.status_code == 303 and answer.headers["location"] == "/users/arc"
    [arc] = [u for u in web.bureau.json("users", "list") if u["name"] == "arc"]
    assert (arc["role"], arc["clearance"], arc["dept"]) == ("secretary", "confidential", "BGS")


def test_the_users_page_shows_the_saved_state(web: Web):
    change(web, "arc", role="auditor", clearance="secret")
    page = web.signed_in("tester").get("/users/arc").text
    assert '<option value="auditor" selected>' in page
    assert '<option value="secret" selected>' in page


def test_a_disabled_user_loses_their_session_and_cannot_sign_in(web: Web):
    aud = web.signed_in("aud")
    assert aud.get("/audit").status_code == 200
    answer = change(web, "aud", role="auditor", enabled="")
    assert answer.status_code == 303
    ended = aud.get("/audit", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    assert web.client().sign_in("aud").status_code == 401


def test_an_enabled_user_may_sign_in_again(web: Web):
    change(web, "aud", role="auditor", enabled="")
    change(web, "aud", role="auditor", enabled="yes")
    assert web.client().sign_in("aud").status_code == 303


def test_the_last_administrator_cannot_be_demoted(web: Web):
    page = change(web, "tester", role="auditor", clearance="top-secret")
    assert page.status_code == 400 and "no enabled administrator" in page.text
    [tester] = [u for u in web.bureau.json("users", "list") if u["name"] == "tester"]
    assert tester["role"] == "admin"


def test_an_unknown_user_is_a_404(web: Web):
    visitor = web.signed_in("tester")
    assert visitor.get("/users/nobody").status_code == 404
    assert change(web, "nobody").status_code == 404


def test_a_new_password_ends_the_users_sessions_and_is_theirs(web: Web):
    sec = web.signed_in("sec")
    answer = web.signed_in("tester").submit("/users/sec/password", {"new": NEW, "repeat": NEW})
    assert answer.status_code == 303 and answer.headers["location"] == "/users/sec"
    ended = sec.get("/", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    assert web.client().sign_in("sec", PASSWORD).status_code == 401
    assert web.client().sign_in("sec", NEW).status_code == 303


def test_a_new_password_must_be_typed_twice_alike(web: Web):
    visitor = web.signed_in("tester")
    page = visitor.submit("/users/sec/password", {"new": NEW, "repeat": "something else"})
    assert page.status_code == 400 and "两次输入的密码不一致" in page.text
    assert web.client().sign_in("sec", PASSWORD).status_code == 303


def test_a_too_short_new_password_is_refused_with_the_reason(web: Web):
    page = web.signed_in("tester").submit(
        "/users/sec/password", {"new": "short", "repeat": "short"}
    )
    assert page.status_code == 400 and "at least" in page.text


def test_ones_own_password_is_changed_on_the_account_page(web: Web):
    page = web.signed_in("tester").get("/users/tester").text
    assert 'href="/account"' in page and 'action="/users/tester/password"' not in page


def test_the_pages_have_no_inline_script_or_style(web: Web):
    visitor = web.signed_in("tester")
    for page in (visitor.get("/users").text, visitor.get("/users/sec").text):
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)
