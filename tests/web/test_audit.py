"""/integrity runs the archive's whole check on request; /audit lists the audit trail,
newest first, filtered and in pages. Both are the auditor's (and administrator's) only."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from bureau.services import auditing
from tests.factories import make_docx
from tests.web.conftest import Web

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]
HOSTILE = "<script>alert(1)</script>"


def filed(web: Web, tmp_path: Path, title: str, *extra: str) -> dict:
    doc = make_docx(tmp_path / f"{len(list(tmp_path.iterdir()))}.docx", f"text of {title}", title)
    return web.bureau.json("file", doc, *NOTICE, "--title", title, *extra)


def rows_of(page: str) -> list[str]:
    """The trail table's rows, as their HTML."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>.*?</tr>", body, re.S)


# -- /integrity --------------------------------------------------------------------------------


def test_the_integrity_page_offers_the_check_without_running_it(web: Web):
    page = web.signed_in("aud").get("/integrity")
    assert page.status_code == 200
    assert 'action="/integrity"' in page.text and "检查通过" not in page.text


def test_the_check_of_a_sound_archive_is_ok(web: Web, tmp_path: Path):
    filed(web, tmp_path, "Spring inspections")
    page = web.signed_in("aud").submit("/integrity")
    assert page.status_code == 200
    assert "检查通过：未发现问题" in page.text
    assert "已核验，完好" in page.text  # the trail's MACs were checked with the held keys


def test_the_check_lists_what_was_changed_behind_the_programs_back(web: Web, tmp_path: Path):
    item = filed(web, tmp_path, "Spring inspections")
    conn = sqlite3.connect(web.root / "catalog.sqlite")
    conn.execute("UPDATE items SET title = ? WHERE id = ?", (HOSTILE, item["id"]))
    conn.commit()
    conn.close()
    page = web.signed_in("aud").submit("/integrity")
    assert page.status_code == 200
    assert "检查未通过" in page.text
    assert item["archive_code"] in page.text
    assert "changed outside the program" in page.text
    assert HOSTILE not in page.text


@pytest.mark.parametrize("who", ["sec", "arc"])
def test_roles_that_may_not_audit_cannot_run_the_check(web: Web, who: str):
    visitor = web.signed_in(who)
    assert visitor.get("/integrity").status_code == 403
    assert visitor.submit("/integrity").status_code == 403


def test_the_check_needs_the_csrf_token(web: Web):
    answer = web.signed_in("aud").post("/integrity", follow_redirects=False)
    assert answer.status_code == 403 and "检查通过" not in answer.text


def test_the_integrity_page_needs_a_signed_in_visitor(web: Web):
    answer = web.client().get("/integrity", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


# -- /audit ------------------------------------------------------------------------------------


def test_the_trail_lists_entries_newest_first(web: Web, tmp_path: Path):
    first = filed(web, tmp_path, "First notice")
    second = filed(web, tmp_path, "Second notice")
    page = web.signed_in("aud").get("/audit")
    assert page.status_code == 200
    seqs = [int(s) for s in re.findall(r'<td class="seq">(\d+)</td>', page.text)]
    assert seqs and seqs == sorted(seqs, reverse=True)
    assert page.text.index(second["archive_code"]) < page.text.index(first["archive_code"])


def test_an_entry_shows_time_actor_action_item_and_detail(web: Web, tmp_path: Path):
    item = filed(web, tmp_path, "Spring inspections")
    page = web.signed_in("aud").get("/audit", params={"action": "file"})
    [row] = rows_of(page.text)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row)
    assert ">tester<" in row and "<code>file</code>" in row
    assert item["archive_code"] in row and item["sha256"] in row


def test_a_hostile_value_in_a_detail_is_shown_as_text(web: Web, tmp_path: Path):
    item = filed(web, tmp_path, HOSTILE)
    web.bureau.ok("retention", "hold", item["id"], "--reason", f"audit {HOSTILE}")
    page = web.signed_in("aud").get("/audit").text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(("field", "value"), [("actor", "sec"), ("action", "user_add")])
def test_a_filter_keeps_only_the_matching_entries(web: Web, tmp_path, field, value):
    admins = filed(web, tmp_path, "Administrator's notice")
    doc = make_docx(tmp_path / "sec.docx", "text", "Secretary's notice")
    as_sec = {"BUREAU_USER": "sec"}
    secs = web.bureau.ok("file", doc, *NOTICE, "--title", "A notice", "--json", env=as_sec).json()
    page = web.signed_in("aud").get("/audit", params={field: value}).text
    rows = rows_of(page)
    assert rows and all(value in row for row in rows)
    assert admins["archive_code"] not in page
    assert (secs["archive_code"] in page) == (field == "actor")


def test_the_item_filter_takes_an_archival_code(web: Web, tmp_path: Path):
    one = filed(web, tmp_path, "Spring inspections")
    two = filed(web, tmp_path, "Autumn inspections")
    web.bureau.ok("retention", "hold", one["id"], "--reason", "court case")
    page = web.signed_in("aud").get("/audit", params={"item": one["archive_code"]}).text
    rows = rows_of(page)
    assert len(rows) >= 2 and all(one["id"] in row for row in rows)
    assert "court case" in page and two["archive_code"] not in page


def test_the_date_range_is_read_in_the_homes_time_zone(web: Web, tmp_path: Path):
    item = filed(web, tmp_path, "Spring inspections")
    visitor = web.signed_in("aud")
    assert rows_of(visitor.get("/audit", params={"until": "2000-01-01"}).text) == []
    assert rows_of(visitor.get("/audit", params={"since": "2999-01-01"}).text) == []
    everything = visitor.get("/audit", params={"since": "2000-01-01", "until": "2999-12-31"})
    assert item["archive_code"] in everything.text


def test_a_bad_date_is_a_clear_message(web: Web):
    page = web.signed_in("aud").get("/audit", params={"since": "yesterday"})
    assert page.status_code == 400 and "YYYY-MM-DD" in page.text


def test_a_range_that_ends_before_it_starts_is_a_clear_message(web: Web):
    page = web.signed_in("aud").get("/audit", params={"since": "2026-02-01", "until": "2026-01-01"})
    assert page.status_code == 400 and "ends before it starts" in page.text


def test_the_trail_comes_in_pages(web: Web, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(auditing, "PAGE_SIZE", 3)
    codes = [filed(web, tmp_path, f"Notice {n}")["archive_code"] for n in range(4)]
    visitor = web.signed_in("aud")
    first = visitor.get("/audit", params={"action": "file"}).text
    assert "第 1/" in first and 'href="/audit?action=file&amp;page=2"' in first
    second = visitor.get("/audit", params={"action": "file", "page": "2"}).text
    assert codes[0] in second and codes[0] not in first and codes[3] in first


@pytest.mark.parametrize("number", ["-1", "x", str(10**30)])
def test_a_bad_page_number_is_a_clear_message(web: Web, number: str):
    page = web.signed_in("aud").get("/audit", params={"page": number})
    assert page.status_code == 400 and "Traceback" not in page.text


@pytest.mark.parametrize(("field", "day"), [("until", "9999-12-31"), ("since", "0001-01-01")])
def test_a_date_at_the_end_of_the_calendar_is_no_error(web: Web, field: str, day: str):
    page = web.signed_in("aud").get("/audit", params={field: day})
    assert page.status_code in (200, 400) and "Traceback" not in page.text


def test_entries_about_items_above_ones_clearance_are_left_out(web: Web, tmp_path: Path):
    secret = filed(web, tmp_path, "Secret plan", "--classification", "secret")
    notice = filed(web, tmp_path, "Open notice")
    auditor = web.signed_in("aud").get("/audit").text  # cleared for internal
    assert notice["id"] in auditor and secret["id"] not in auditor
    assert secret["id"] in web.signed_in("tester").get("/audit").text


def test_a_hidden_items_trail_is_not_found_by_naming_it(web: Web, tmp_path: Path):
    secret = filed(web, tmp_path, "Secret plan", "--classification", "secret")
    for ref in (secret["id"], secret["archive_code"]):
        page = web.signed_in("aud").get("/audit", params={"item": ref})
        assert page.status_code == 200 and rows_of(page.text) == []


@pytest.mark.parametrize("who", ["sec", "arc"])
def test_roles_that_may_not_audit_cannot_read_the_trail(web: Web, who: str):
    assert web.signed_in(who).get("/audit").status_code == 403


def test_the_trail_needs_a_signed_in_visitor(web: Web):
    answer = web.client().get("/audit", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_pages_have_no_inline_script_or_style(web: Web, tmp_path: Path):
    filed(web, tmp_path, HOSTILE)
    visitor = web.signed_in("aud")
    for page in (
        visitor.get("/integrity").text,
        visitor.submit("/integrity").text,
        visitor.get("/audit").text,
    ):
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)
