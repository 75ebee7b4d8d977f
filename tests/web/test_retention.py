"""/retention on the web: what is due as of a day, the holds in force, and holding,
releasing and reviewing an item — for the roles the services allow, refused to others."""

from __future__ import annotations

from tests.web.conftest import Web
from tests.web.keeping_support import HOSTILE, audit_actions, file_old, shown


def test_an_archivist_sees_what_is_due_with_its_category_period_and_due_date(web: Web):
    old = file_old(web, "Letter of 2000")
    file_old(web, "Letter of this decade", 2024)
    page = web.signed_in("arc").get("/retention")
    assert page.status_code == 200
    row = page.text.split(f'id="due-{old["id"]}"')[1].split("</tr>")[0]
    for value in (old["archive_code"], "Letter of 2000", "WS-GEN-12", "D10", "2011-01-01", "销毁"):
        assert value in row
    assert "Letter of this decade" not in page.text


def test_the_due_list_is_shown_as_of_the_day_asked_for(web: Web):
    file_old(web, "Letter of 2000")
    visitor = web.signed_in("arc")
    assert "Letter of 2000" not in visitor.get("/retention?as_of=2010-12-31").text
    assert "Letter of 2000" in visitor.get("/retention?as_of=2011-01-01").text


def test_a_day_that_is_no_date_is_refused_with_a_clear_message(web: Web):
    page = web.signed_in("arc").get("/retention?as_of=2011-13-45")
    assert page.status_code == 400
    assert "invalid date '2011-13-45': no such day" in shown(page)
    assert "Traceback" not in page.text


def test_an_administrator_sees_the_retention_page_too(web: Web):
    file_old(web, "Letter of 2000")
    page = web.signed_in("tester").get("/retention")
    assert page.status_code == 200 and "Letter of 2000" in page.text


def test_a_secretary_and_an_auditor_are_refused_the_retention_page(web: Web):
    for name in ("sec", "aud"):
        page = web.signed_in(name).get("/retention")
        assert page.status_code == 403
        assert "may not see what is due" in shown(page)


def test_the_retention_page_needs_a_signed_in_visitor(web: Web):
    answer = web.client().get("/retention", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fretention"


def test_a_hold_is_placed_with_its_reason_and_listed_among_the_holds_in_force(web: Web):
    old = file_old(web, "Letter of 2000")
    visitor = web.signed_in("arc")
    answer = visitor.submit(
        "/retention/hold", {"ref": old["id"], "reason": "audit of the 2025 accounts", "as_of": ""}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/retention"
    page = visitor.get("/retention")
    holds = page.text.split('id="holds"')[1]
    assert old["archive_code"] in holds and "audit of the 2025 accounts" in holds
    assert "已冻结" in page.text  # the flash
    (entry,) = audit_actions(web, "hold")
    assert entry["actor"] == "arc" and entry["detail"]["reason"] == "audit of the 2025 accounts"


def test_an_item_not_yet_due_on_hold_is_listed_among_the_holds_in_force(web: Web):
    young = file_old(web, "Letter of 2024", 2024)
    web.bureau.ok("retention", "hold", young["id"], "--reason", "an inquiry")
    page = web.signed_in("arc").get("/retention")
    assert f'id="held-{young["id"]}"' in page.text and "an inquiry" in page.text


def test_releasing_ends_the_holds_and_the_page_returns_to_its_day(web: Web):
    old = file_old(web, "Letter of 2000")
    web.bureau.ok("retention", "hold", old["id"], "--reason", "litigation")
    visitor = web.signed_in("arc")
    answer = visitor.submit("/retention/release", {"ref": old["id"], "as_of": "2020-01-01"})
    assert answer.headers["location"] == "/retention?as_of=2020-01-01"
    page = visitor.get("/retention")
    assert f'id="held-{old["id"]}"' not in page.text
    assert web.bureau.json("show", old["id"])["holds"] == []


def test_releasing_an_item_not_on_hold_says_so(web: Web):
    old = file_old(web, "Letter of 2000")
    page = web.signed_in("arc").submit("/retention/release", {"ref": old["id"]})
    assert page.status_code == 400 and "is not on hold" in page.text


def test_a_hold_without_a_reason_is_refused_with_a_clear_message(web: Web):
    old = file_old(web, "Letter of 2000")
    page = web.signed_in("arc").submit("/retention/hold", {"ref": old["id"], "reason": "  "})
    assert page.status_code == 400 and "a hold needs a reason" in page.text
    assert web.bureau.json("show", old["id"])["holds"] == []


def test_a_hostile_reason_is_shown_as_text(web: Web):
    old = file_old(web, "Letter of 2000")
    visitor = web.signed_in("arc")
    visitor.submit("/retention/hold", {"ref": old["id"], "reason": HOSTILE})
    page = visitor.get("/retention")
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_hostile_title_is_shown_as_text(web: Web):
    file_old(web, HOSTILE)
    page = web.signed_in("arc").get("/retention")
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text


def test_a_hold_without_the_csrf_token_is_refused(web: Web):
    old = file_old(web, "Letter of 2000")
    visitor = web.signed_in("arc")
    answer = visitor.post("/retention/hold", data={"ref": old["id"], "reason": "x"})
    assert answer.status_code == 403
    assert web.bureau.json("show", old["id"])["holds"] == []


def test_a_secretary_may_not_hold_an_item(web: Web):
    old = file_old(web, "Letter of 2000")
    answer = web.signed_in("sec").submit("/retention/hold", {"ref": old["id"], "reason": "x"})
    assert answer.status_code == 403
    assert web.bureau.json("show", old["id"])["holds"] == []


def test_holding_an_unknown_item_is_a_plain_404(web: Web):
    answer = web.signed_in("arc").submit("/retention/hold", {"ref": "NOPE", "reason": "x"})
    assert answer.status_code == 404


def test_a_review_keeps_an_item_longer_or_lets_it_be_disposed_of(web: Web):
    keep = file_old(web, "Audit kept", 1990, kind="audit", dept="JCK")
    drop = file_old(web, "Audit dropped", 1991, kind="audit", dept="JCK")
    visitor = web.signed_in("arc")
    page = visitor.get("/retention")
    assert "鉴定为可销毁" in page.text.split(f'id="due-{keep["id"]}"')[1].split("</tr>")[0]

    extended = visitor.submit(
        "/retention/review", {"ref": keep["id"], "decision": "extend", "years": "5"}
    )
    assert extended.status_code == 303
    assert web.bureau.json("show", keep["id"])["due"] == "2026-01-01"  # 1991 + 30 + 5
    visitor.submit("/retention/review", {"ref": drop["id"], "decision": "dispose"})
    after = visitor.get("/retention").text
    assert "已鉴定：可销毁" in after.split(f'id="due-{drop["id"]}"')[1].split("</tr>")[0]
    assert [e["detail"]["decision"] for e in audit_actions(web, "review")] == ["extend", "dispose"]


def test_a_review_with_a_bad_number_of_years_is_refused_with_a_clear_message(web: Web):
    item = file_old(web, "Audit", 1990, kind="audit", dept="JCK")
    visitor = web.signed_in("arc")
    for years, said in (("many", "not a whole number"), ("500", "1 to 100 years")):
        page = visitor.submit(
            "/retention/review", {"ref": item["id"], "decision": "extend", "years": years}
        )
        assert page.status_code == 400 and said in page.text


def test_a_review_of_an_item_that_ends_in_destruction_is_refused(web: Web):
    old = file_old(web, "Letter of 2000")
    page = web.signed_in("arc").submit(
        "/retention/review", {"ref": old["id"], "decision": "dispose"}
    )
    assert page.status_code == 400 and "not review" in page.text


def test_release_and_review_without_the_csrf_token_are_refused(web: Web):
    item = file_old(web, "Audit", 1990, kind="audit", dept="JCK")
    web.bureau.ok("retention", "hold", item["id"], "--reason", "an inquiry")
    visitor = web.signed_in("arc")
    assert visitor.post("/retention/release", data={"ref": item["id"]}).status_code == 403
    review = {"ref": item["id"], "decision": "dispose"}
    assert visitor.post("/retention/review", data=review).status_code == 403
    assert web.bureau.json("show", item["id"])["holds"] != []
    assert audit_actions(web, "review") == []


def test_a_hostile_day_is_refused_and_shown_as_text(web: Web):
    page = web.signed_in("arc").get("/retention", params={"as_of": HOSTILE})
    assert page.status_code == 400
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text
