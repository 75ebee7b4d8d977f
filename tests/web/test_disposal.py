"""Disposal lists on the web and their two-person rule: an archivist proposes, another
person — an administrator, typing their own password again — approves, and only then is
the list executed (behind a page that says what will be destroyed)."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.web.conftest import Web
from tests.web.keeping_support import (
    HOSTILE,
    TODAY,
    audit_actions,
    file_old,
    list_id_of,
    shown,
)


def proposed_by(web: Web, name: str = "arc") -> str:
    """A list proposed on the web by `name` as of today; its id."""
    answer = web.signed_in(name).submit("/disposal", {"as_of": TODAY.isoformat()})
    assert answer.status_code == 303, answer.text
    return list_id_of(answer.headers["location"])


def status_of(web: Web, list_id: str) -> str:
    return web.bureau.json("retention", "lists", list_id)["status"]


def test_the_full_two_person_flow_proposes_approves_by_password_and_executes(web: Web):
    old = file_old(web, "Letter of 2000")
    file_old(web, "Letter of 2024", 2024)
    arc, tester = web.signed_in("arc"), web.signed_in("tester")

    answer = arc.submit("/disposal", {"as_of": TODAY.isoformat()})
    list_id = list_id_of(answer.headers["location"])
    page = arc.get(f"/disposal/{list_id}")
    assert page.status_code == 200
    assert old["archive_code"] in page.text and "Letter of 2024" not in page.text
    assert "待批准" in page.text and 'name="password"' not in page.text  # no form for arc

    refused = arc.submit(f"/disposal/{list_id}/approve", {"password": PASSWORD})
    assert refused.status_code == 403 and status_of(web, list_id) == "proposed"

    form = tester.get(f"/disposal/{list_id}")
    assert 'name="password"' in form.text
    approved = tester.submit(f"/disposal/{list_id}/approve", {"password": PASSWORD})
    assert approved.status_code == 303
    assert status_of(web, list_id) == "approved"
    (entry,) = audit_actions(web, "dispose_approve")
    assert entry["actor"] == "tester"

    confirm = arc.get(f"/disposal/{list_id}/execute")
    assert confirm.status_code == 200 and "不可撤销" in confirm.text
    assert web.bureau.json("show", old["id"])["status"] == "filed"  # a GET destroys nothing
    done = arc.submit(f"/disposal/{list_id}/execute", {"confirm": list_id})
    assert done.status_code == 200 and "本次销毁 1 件" in done.text
    listed = web.bureau.json("retention", "lists", list_id)
    assert listed["status"] == "executed"
    assert (listed["proposed_by"], listed["approved_by"], listed["executed_by"]) == (
        "arc",
        "tester",
        "arc",
    )
    assert web.bureau.json("show", old["id"])["status"] == "disposed"


def test_the_proposer_cannot_approve_their_own_list(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web, "tester")
    visitor = web.signed_in("tester")
    assert "此清册由您提出" in visitor.get(f"/disposal/{list_id}").text
    refused = visitor.submit(f"/disposal/{list_id}/approve", {"password": PASSWORD})
    assert refused.status_code == 400
    assert "two-person rule" in shown(refused) and "another administrator" in shown(refused)
    assert status_of(web, list_id) == "proposed"


def test_a_wrong_password_does_not_approve_and_is_recorded_as_a_failed_sign_in(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    refused = web.signed_in("tester").submit(
        f"/disposal/{list_id}/approve", {"password": "not my password"}
    )
    assert refused.status_code == 403
    assert "密码错误，未批准" in refused.text
    assert status_of(web, list_id) == "proposed"
    (failed,) = audit_actions(web, "signin_failed")
    assert failed["detail"] == {"name": "tester", "via": "web", "reason": "wrong password"}


def test_an_archivist_may_not_approve_even_with_their_password(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web, "tester")
    refused = web.signed_in("arc").submit(f"/disposal/{list_id}/approve", {"password": PASSWORD})
    assert refused.status_code == 403 and "may not approve disposal lists" in shown(refused)
    assert status_of(web, list_id) == "proposed"


def test_an_approval_without_the_csrf_token_is_refused(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    visitor = web.signed_in("tester")
    answer = visitor.post(f"/disposal/{list_id}/approve", data={"password": PASSWORD})
    assert answer.status_code == 403
    assert status_of(web, list_id) == "proposed"


def test_an_unapproved_list_cannot_be_executed(web: Web):
    old = file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    visitor = web.signed_in("arc")
    assert "尚未批准" in visitor.get(f"/disposal/{list_id}/execute").text
    refused = visitor.submit(f"/disposal/{list_id}/execute", {"confirm": list_id})
    assert refused.status_code == 400 and "must be approved" in shown(refused)
    assert web.bureau.json("show", old["id"])["status"] == "filed"


def test_executing_needs_the_confirmation_of_the_execute_page(web: Web):
    old = file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    web.signed_in("tester").submit(f"/disposal/{list_id}/approve", {"password": PASSWORD})
    refused = web.signed_in("arc").submit(f"/disposal/{list_id}/execute", {})
    assert refused.status_code == 400 and "not confirmed" in shown(refused)
    assert web.bureau.json("show", old["id"])["status"] == "filed"


def test_a_list_is_withdrawn_and_its_items_may_be_proposed_again(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    visitor = web.signed_in("arc")
    answer = visitor.submit(f"/disposal/{list_id}/cancel")
    assert answer.status_code == 303 and status_of(web, list_id) == "cancelled"
    again = visitor.submit(f"/disposal/{list_id}/cancel")
    assert again.status_code == 400 and "cannot be cancelled" in shown(again)
    assert list_id_of(visitor.submit("/disposal", {"as_of": TODAY.isoformat()}).headers["location"])


def test_the_lists_page_shows_each_list_with_its_state(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    page = web.signed_in("arc").get("/disposal")
    assert page.status_code == 200
    row = page.text.split(f'href="/disposal/{list_id}"')[1].split("</tr>")[0]
    assert "待批准" in row and "arc" in row


def test_proposing_when_nothing_is_due_says_so(web: Web):
    visitor = web.signed_in("arc")
    answer = visitor.submit("/disposal", {"as_of": "2005-01-01"})
    assert answer.headers["location"] == "/disposal"
    assert "没有可销毁的档案" in visitor.get("/disposal").text


def test_proposing_as_of_no_date_is_refused_with_a_clear_message(web: Web):
    page = web.signed_in("arc").submit("/disposal", {"as_of": "yesterday"})
    assert page.status_code == 400 and "write it as YYYY-MM-DD" in page.text


def test_a_hostile_title_on_a_list_is_shown_as_text(web: Web):
    file_old(web, HOSTILE)
    list_id = proposed_by(web)
    page = web.signed_in("arc").get(f"/disposal/{list_id}")
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text


def test_a_secretary_and_an_auditor_are_refused_the_disposal_pages(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    for name in ("sec", "aud"):
        visitor = web.signed_in(name)
        for path in ("/disposal", f"/disposal/{list_id}", f"/disposal/{list_id}/execute"):
            assert visitor.get(path).status_code == 403, (name, path)
        assert visitor.submit("/disposal", {"as_of": TODAY.isoformat()}).status_code == 403
        assert visitor.submit(f"/disposal/{list_id}/cancel").status_code == 403
    assert status_of(web, list_id) == "proposed"


def test_an_unknown_list_is_a_plain_404(web: Web):
    assert web.signed_in("arc").get("/disposal/01HZZZZZZZZZZZZZZZZZZZZZZZ").status_code == 404


def test_the_disposal_pages_need_a_signed_in_visitor(web: Web):
    answer = web.client().get("/disposal", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fdisposal"


def test_guessing_the_approval_password_is_slowed_down_like_a_sign_in(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    visitor = web.signed_in("tester")
    for _ in range(5):
        wrong = visitor.submit(f"/disposal/{list_id}/approve", {"password": "a guess"})
        assert wrong.status_code == 403
    throttled = visitor.submit(f"/disposal/{list_id}/approve", {"password": PASSWORD})
    assert throttled.status_code == 429 and "登录失败次数过多" in throttled.text
    assert status_of(web, list_id) == "proposed"


def test_items_above_the_readers_clearance_are_counted_not_shown(web: Web):
    file_old(web, "Letter of 2000")
    file_old(web, "Top secret letter", 2001, classification="top-secret")
    list_id = proposed_by(web, "tester")  # cleared for top-secret: both are on the list
    assert "Top secret letter" in web.signed_in("tester").get(f"/disposal/{list_id}").text
    page = web.signed_in("arc").get(f"/disposal/{list_id}")  # cleared for secret
    assert "Letter of 2000" in page.text and "Top secret letter" not in page.text
    assert "清册中的档案（2 件）" in page.text and "另有 1 件档案超出您的查看权限" in page.text


def test_every_disposal_form_without_the_csrf_token_is_refused(web: Web):
    file_old(web, "Letter of 2000")
    list_id = proposed_by(web)
    visitor = web.signed_in("tester")
    for path in ("/disposal", f"/disposal/{list_id}/cancel", f"/disposal/{list_id}/execute"):
        answer = visitor.post(path, data={"as_of": TODAY.isoformat(), "confirm": list_id})
        assert answer.status_code == 403, path
    assert len(web.bureau.json("retention", "lists")) == 1
    assert status_of(web, list_id) == "proposed"
