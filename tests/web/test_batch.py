"""Generating a batch from the web: a sheet uploaded (checked by its content), the batch
run in the background with its progress polled, the counts, the failed rows and their
report at the end, and each batch seen only by the user who started it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook

from tests.factories import make_docx
from tests.web.conftest import Visitor, Web
from tests.web.secretary_support import notice_sheet, wait_for

CHOICES = {"template": "notice", "dept": "BGS", "lang": "zh", "classification": "internal"}


def start(visitor: Visitor, content: bytes, name: str = "notices.csv", **changes: str):
    form = {**CHOICES, **changes}
    return visitor.submit("/batch", form, files={"sheet": (name, content, "text/csv")})


def started(visitor: Visitor, content: bytes, name: str = "notices.csv", **changes: str) -> str:
    """The path of the batch's page, once it has finished."""
    answer = start(visitor, content, name, **changes)
    assert answer.status_code == 303, answer.text
    path = answer.headers["location"]
    assert re.fullmatch(r"/batch/[\w-]+", path)
    wait_for(visitor, path)
    return path


def xlsx(*rows: tuple[str, ...]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_batch_form_offers_the_templates_and_a_sheet_upload(web: Web):
    page = web.signed_in("sec").get("/batch?template=approval")
    assert page.status_code == 200
    assert '<option value="approval" selected>' in page.text
    assert 'type="file" id="sheet" name="sheet"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert re.findall(r'<option value="([A-Z]+)"', page.text) == ["BGS"]


def test_roles_that_may_not_generate_get_no_batch_form(web: Web):
    visitor = web.signed_in("arc")
    assert visitor.get("/batch").status_code == 403
    assert start(visitor, notice_sheet("一")).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(web: Web):
    for path in ("/batch", "/batch/abc", "/batch/abc/status"):
        answer = web.client().get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_an_upload_without_its_csrf_token_is_refused(web: Web):
    visitor = web.signed_in("sec")
    files = {"sheet": ("a.csv", notice_sheet("一"), "text/csv")}
    assert visitor.post("/batch", data=CHOICES, files=files).status_code == 403


def test_a_csv_batch_makes_a_document_per_row_and_reports_the_failed_row(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("关于甲的通知", "", "关于丙的通知"))
    status = visitor.get(path + "/status").json()
    assert status == {
        "state": "finished",
        "done": 3,
        "total": 3,
        "generated": 2,
        "failed": 1,
        "error": "",
    }
    page = visitor.get(path)
    assert "已生成 2 份" in page.text and "1 行出错" in page.text
    assert re.search(r"<td>3</td><td>title</td><td>is required</td>", page.text)
    assert page.text.count('href="/generate/items/') == 2
    assert "关于丙的通知" in page.text
    assert len(web.bureau.json("list")) == 2


def test_the_row_error_report_downloads_as_csv(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("关于甲的通知", ""))
    report = visitor.get(path + "/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows == [["row", "field", "reason"], ["3", "title", "is required"]]


def test_a_batch_with_no_failed_rows_has_no_report(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("关于甲的通知", "关于乙的通知", "关于丙的通知"))
    assert "errors.csv" not in visitor.get(path).text
    assert visitor.get(path + "/errors.csv").status_code == 404


def test_an_xlsx_batch_is_read_too(web: Web):
    sheet = xlsx(("title", "recipients", "body"), ("关于甲的通知", "各校", "正文。"))
    visitor = web.signed_in("sec")
    path = started(visitor, sheet, name="notices.xlsx")
    assert visitor.get(path + "/status").json()["generated"] == 1


def test_the_upload_is_judged_by_its_content_not_its_name(web: Web):
    visitor = web.signed_in("sec")
    sheet = xlsx(("title", "recipients", "body"), ("关于甲的通知", "各校", "正文。"))
    path = started(visitor, sheet, name="notices.csv")  # an XLSX, whatever its name says
    assert visitor.get(path + "/status").json()["generated"] == 1


def test_a_file_that_is_not_a_sheet_is_refused_clearly(web: Web, tmp_path):
    visitor = web.signed_in("sec")
    docx = make_docx(tmp_path / "a.docx", "text").read_bytes()
    for name, content, why in (
        ("a.xlsx", docx, "not an XLSX workbook"),
        ("a.csv", b"%PDF-1.7\n\xff\xfe\x00\x01binary", "neither an XLSX workbook nor UTF-8"),
        ("a.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old .xls"),
    ):
        answer = start(visitor, content, name)
        assert answer.status_code == 400 and "Traceback" not in answer.text
        assert why in answer.text, name
    assert web.bureau.json("numbers") == []


def test_a_sheet_without_the_templates_fields_fails_every_row_not_the_server(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("甲", header=("heading", "recipients", "body")))
    status = visitor.get(path + "/status").json()
    assert status["state"] == "finished" and status["generated"] == 0 and status["failed"] == 1


def test_no_file_is_asked_for(web: Web):
    answer = web.signed_in("sec").submit("/batch", CHOICES)
    assert answer.status_code == 400 and "请选择要上传的表格文件" in answer.text


def test_a_secretary_cannot_start_a_batch_for_another_department(web: Web):
    answer = start(web.signed_in("sec"), notice_sheet("一"), dept="JCK")
    assert answer.status_code == 403
    assert web.bureau.json("numbers") == []


def test_a_batch_is_seen_only_by_the_user_who_started_it(web: Web):
    path = started(web.signed_in("sec"), notice_sheet("关于甲的通知", ""))
    other = web.signed_in("tester")
    for suffix in ("", "/status", "/errors.csv"):
        assert other.get(path + suffix).status_code == 404


def test_the_progress_page_polls_with_script_and_reloads_without(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("关于甲的通知"))
    page = visitor.get(path).text
    assert '<script src="/static/secretary.js"></script>' in page
    assert f'data-status="{path}/status"' in page
    assert re.search(r'<progress id="progress" max="1" value="1">', page)
    assert "http-equiv" not in page  # finished: nothing reloads any more


def test_a_hostile_value_in_a_sheet_is_shown_as_text(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("<script>alert(1)</script>"))
    page = visitor.get(path).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_sheet_with_no_header_or_no_rows_is_refused_by_its_name(web: Web):
    visitor = web.signed_in("sec")
    for content, why in ((b",,\n1,2,3\n", "no header row"), (b"title,body\n", "no data rows")):
        answer = start(visitor, content, "mine.csv")
        assert answer.status_code == 400 and why in answer.text
        assert "mine.csv" in answer.text and "bureau-batch-" not in answer.text


def test_a_templates_example_sheet_names_its_fields_and_makes_a_document(web: Web):
    visitor = web.signed_in("tester")
    assert 'href="/generate/budget/example.csv"' in visitor.get("/batch").text
    sheet = visitor.get("/generate/budget/example.csv")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    header, example = csv.reader(io.StringIO(sheet.content.decode("utf-8-sig")))
    assert header == ["year", "department_name", "items", "notes"]
    assert example[2].startswith('[{"category": "基本支出"')  # a table as JSON
    path = started(visitor, sheet.content, "budget.csv", template="budget", dept="JCK")
    assert visitor.get(path + "/status").json()["generated"] == 1


def test_an_example_sheet_is_refused_to_those_who_may_not_generate(web: Web):
    assert web.signed_in("aud").get("/generate/notice/example.csv").status_code == 403


@pytest.mark.slow
def test_a_sealed_pdf_batch_shows_its_progress_while_it_runs(web: Web):
    visitor = web.signed_in("sec")
    sheet = notice_sheet("关于甲的通知", "关于乙的通知", "关于丙的通知")
    answer = start(visitor, sheet, pdf="on", seal="on")
    path = answer.headers["location"]
    running = visitor.get(path).text  # LibreOffice takes seconds to start
    assert '<noscript><meta http-equiv="refresh"' in running
    assert 'data-state="running"' in running and 'max="3"' in running
    assert wait_for(visitor, path)["generated"] == 3
    filed = web.bureau.json("list")
    assert len(filed) == 3
    assert all(item["sealed"] and item["renditions"] == ["pdf", "docx"] for item in filed)


def test_all_or_nothing_makes_nothing_when_a_row_is_bad(web: Web):
    visitor = web.signed_in("sec")
    path = started(visitor, notice_sheet("关于甲的通知", ""), all_or_nothing="on")
    status = visitor.get(path + "/status").json()
    assert status["state"] == "finished" and status["generated"] == 0 and status["failed"] == 1
    assert web.bureau.json("list") == [] and web.bureau.json("numbers") == []
