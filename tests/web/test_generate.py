"""Generating one document from the web: the templates a user may use, the form made
from a template's fields, its errors beside the fields, the document filed and its
renditions downloaded; the preview (LibreOffice, slow) renders without numbering."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.web.conftest import Web
from tests.web.secretary_support import notice_form


def generated_id(answer) -> str:
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/generate/items/([^/]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


# -- the templates ---------------------------------------------------------------------------


def test_a_secretary_sees_the_templates_their_department_may_issue(web: Web):
    page = web.signed_in("sec").get("/generate")
    assert page.status_code == 200
    assert 'href="/generate/notice"' in page.text and 'href="/generate/approval"' in page.text
    assert "/generate/budget" not in page.text  # issued by JCK only
    assert "通知" in page.text and "办公室" in page.text


def test_the_templates_page_speaks_english_when_asked(web: Web):
    visitor = web.signed_in("sec")
    visitor.submit("/lang", {"lang": "en", "next": "/generate"})
    page = visitor.get("/generate")
    assert "Generate a document" in page.text and "Notice" in page.text


def test_roles_that_may_not_generate_are_refused(web: Web):
    for name in ("arc", "aud"):
        visitor = web.signed_in(name)
        assert visitor.get("/generate").status_code == 403
        assert visitor.get("/generate/notice").status_code == 403
        answer = visitor.submit("/generate/notice", notice_form(action="generate"))
        assert answer.status_code == 403
    assert web.bureau.json("numbers") == []


def test_signed_out_visitors_are_sent_to_sign_in(web: Web):
    visitor = web.client()
    for path in ("/generate", "/generate/notice", "/generate/items/x/pdf"):
        answer = visitor.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_an_unknown_template_is_not_found(web: Web):
    assert web.signed_in("sec").get("/generate/no-such-template").status_code == 404


def test_a_template_another_department_issues_is_refused_to_a_secretary(web: Web):
    assert web.signed_in("sec").get("/generate/budget").status_code == 403


# -- the form ---------------------------------------------------------------------------------


def test_the_form_has_an_input_of_the_right_kind_for_every_field(web: Web):
    page = web.signed_in("sec").get("/generate/approval").text
    assert re.search(r'<input type="text" id="field.title" name="field.title"[^>]*required', page)
    assert re.search(r'<input type="date" id="field.application_date"', page)
    assert re.search(r'<textarea id="field.decision"', page)
    assert re.search(r'<textarea id="field.conditions"', page)  # a list: one item a line
    assert "每行一项" in page
    assert '<script src="/static/secretary.js"></script>' in page


def test_a_choice_field_is_a_select_of_its_choices(web: Web):
    page = web.signed_in("sec").get("/generate/notice").text
    select = re.search(r'<select id="field.urgency".*?</select>', page, re.S).group(0)
    assert '<option value="特急">' in select and '<option value="Urgent">' in select


def test_a_secretary_may_issue_only_for_their_department_and_clearance(web: Web):
    page = web.signed_in("sec").get("/generate/notice").text
    dept = re.search(r'<select name="dept".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([A-Z]+)"', dept) == ["BGS"]
    levels = re.search(r'<select name="classification".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="([a-z-]+)"', levels) == ["public", "internal"]
    assert 'name="seal"' in page and 'name="pdf"' in page


def test_a_budget_offers_table_rows_and_a_number_input(web: Web):
    page = web.signed_in("tester").get("/generate/budget").text
    for row in range(3):
        assert f'name="field.items.{row}.category"' in page
        assert f'name="field.items.{row}.amount"' in page
    assert 'name="field.items.3.category"' not in page
    assert 'class="secondary add-row" data-table="field.items" hidden' in page
    assert re.search(r'inputmode="numeric" id="field.year"', page)


def test_a_form_posted_without_its_csrf_token_is_refused(web: Web):
    visitor = web.signed_in("sec")
    answer = visitor.post("/generate/notice", data=notice_form(action="generate"))
    assert answer.status_code == 403
    assert web.bureau.json("numbers") == []


def test_a_missing_required_field_is_marked_beside_it_and_the_values_are_kept(web: Web):
    visitor = web.signed_in("sec")
    answer = visitor.submit(
        "/generate/notice", notice_form(**{"field.recipients": "", "action": "generate"})
    )
    assert answer.status_code == 400 and "Traceback" not in answer.text
    error = re.search(r'id="error-field.recipients">([^<]*)<', answer.text)
    assert error and error.group(1) == "此项必填"
    assert "关于做好春季开学工作的通知" in answer.text  # what was typed is still there
    assert web.bureau.json("numbers") == [] and web.bureau.json("list") == []


def test_a_bad_date_is_marked_beside_its_field(web: Web):
    form = {
        "dept": "BGS",
        "lang": "en",
        "classification": "public",
        "action": "generate",
        "field.title": "Reply",
        "field.applicant": "Mingde",
        "field.application_date": "2026-02-30",
        "field.matter": "a school",
        "field.decision": "Approved.",
        "field.legal_basis": "Article 12",
        "field.right_of_appeal": "60 days",
    }
    answer = web.signed_in("sec").submit("/generate/approval", form)
    assert answer.status_code == 400
    assert re.search(r'id="error-field.application_date">请填写有效日期', answer.text)
    assert 'value="2026-02-30"' in answer.text


def test_a_bad_amount_in_a_budget_row_is_marked_in_its_cell(web: Web):
    form = {
        "dept": "JCK",
        "lang": "zh",
        "classification": "internal",
        "action": "generate",
        "field.year": "2027",
        "field.items.0.category": "基本支出",
        "field.items.0.item": "人员经费",
        "field.items.0.amount": "1200.00",
        "field.items.1.category": "",  # an empty row is left out
        "field.items.2.category": "项目支出",
        "field.items.2.item": "校舍",
        "field.items.2.amount": "12x",
    }
    answer = web.signed_in("tester").submit("/generate/budget", form)
    assert answer.status_code == 400
    # the bad row is shown as the second row, its cell marked, its value kept
    cell = re.search(
        r'name="field.items.1.amount" value="12x"[^>]*>\s*<p class="field-error">([^<]*)<',
        answer.text,
    )
    assert cell and cell.group(1) == "请填写数字，如 1234.50"
    assert 'name="field.items.0.amount" value="1200.00"' in answer.text


def test_a_bad_year_is_marked_beside_its_field(web: Web):
    form = {
        "dept": "JCK",
        "action": "generate",
        "field.year": "next year",
        "field.items.0.category": "a",
        "field.items.0.item": "b",
        "field.items.0.amount": "1",
    }
    answer = web.signed_in("tester").submit("/generate/budget", form)
    assert answer.status_code == 400
    assert re.search(r'id="error-field.year">请填写整数', answer.text)


# -- generating -------------------------------------------------------------------------------


def test_generating_files_the_document_and_shows_its_number_and_code(web: Web):
    visitor = web.signed_in("sec")
    item_id = generated_id(visitor.submit("/generate/notice", notice_form(action="generate")))
    [filed] = web.bureau.json("list")
    assert filed["id"] == item_id and filed["dept"] == "BGS" and filed["renditions"] == ["docx"]
    page = visitor.get(f"/generate/items/{item_id}")
    assert page.status_code == 200
    assert "公文已生成并归档" in page.text
    assert f'<dd id="doc-no">{filed["doc_no"]}</dd>' in page.text
    assert f'<dd id="archive-code">{filed["archive_code"]}</dd>' in page.text
    assert f'href="/generate/items/{item_id}/docx"' in page.text


def test_the_docx_downloads_through_the_archive(web: Web):
    visitor = web.signed_in("sec")
    item_id = generated_id(visitor.submit("/generate/notice", notice_form(action="generate")))
    answer = visitor.get(f"/generate/items/{item_id}/docx")
    assert answer.status_code == 200 and answer.content.startswith(b"PK")
    assert "attachment;" in answer.headers["content-disposition"]
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    trail = web.bureau.json("audit", "log")
    assert any(e["action"] == "retrieve" and e["item_id"] == item_id for e in trail)


def test_a_hostile_value_is_shown_as_text_on_the_result_page(web: Web):
    visitor = web.signed_in("sec")
    form = notice_form(**{"field.title": "<script>alert(1)</script>", "action": "generate"})
    page = visitor.get(f"/generate/items/{generated_id(visitor.submit('/generate/notice', form))}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_secretary_cannot_issue_for_another_department_and_no_number_is_used(web: Web):
    answer = web.signed_in("sec").submit(
        "/generate/notice", notice_form(dept="JCK", action="generate")
    )
    assert answer.status_code == 403
    assert web.bureau.json("numbers") == [] and web.bureau.json("list") == []


def test_a_secretary_cannot_issue_above_their_clearance(web: Web):
    form = notice_form(classification="secret", action="generate")
    assert web.signed_in("sec").submit("/generate/notice", form).status_code == 403
    assert web.bureau.json("numbers") == []


def test_sealing_needs_the_pdf(web: Web):
    answer = web.signed_in("sec").submit(
        "/generate/notice", notice_form(seal="on", action="generate")
    )
    assert answer.status_code == 400 and "the seal is put on the PDF" in answer.text


def test_another_departments_document_is_not_found_for_a_secretary(web: Web):
    form = notice_form(dept="JCK", action="generate")
    item_id = generated_id(web.signed_in("tester").submit("/generate/notice", form))
    visitor = web.signed_in("sec")
    assert visitor.get(f"/generate/items/{item_id}").status_code == 404
    assert visitor.get(f"/generate/items/{item_id}/docx").status_code == 404


def test_only_the_pdf_and_docx_renditions_are_offered(web: Web):
    visitor = web.signed_in("sec")
    item_id = generated_id(visitor.submit("/generate/notice", notice_form(action="generate")))
    assert visitor.get(f"/generate/items/{item_id}/pdf").status_code == 404  # none was made
    assert visitor.get(f"/generate/items/{item_id}/exe").status_code == 404


# -- with LibreOffice -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_preview_is_the_pdf_inline_with_no_number_taken_and_nothing_filed(web: Web):
    visitor = web.signed_in("sec")
    answer = visitor.submit("/generate/notice", notice_form(action="preview", pdf="on"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "关于做好春季开学工作的通知" in text
    assert "×号" in text  # the number's placeholder
    assert web.bureau.json("numbers") == [] and web.bureau.json("list") == []


@pytest.mark.slow
def test_generating_with_the_seal_files_the_sealed_pdf_and_the_docx(web: Web):
    visitor = web.signed_in("sec")
    form = notice_form(action="generate", pdf="on", seal="on")
    item_id = generated_id(visitor.submit("/generate/notice", form))
    [filed] = web.bureau.json("list")
    assert filed["sealed"] is True and filed["renditions"] == ["pdf", "docx"]
    page = visitor.get(f"/generate/items/{item_id}")
    assert "已盖章" in page.text and f'href="/generate/items/{item_id}/pdf"' in page.text
    pdf = visitor.get(f"/generate/items/{item_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert PdfReader(io.BytesIO(pdf.content)).get_fields() is not None  # the seal's signature


def test_a_hostile_value_comes_back_escaped_when_the_form_is_shown_again(web: Web):
    hostile = '"><script>alert(1)</script>'
    form = notice_form(**{"field.title": hostile, "field.body": "", "action": "generate"})
    answer = web.signed_in("sec").submit("/generate/notice", form)
    assert answer.status_code == 400
    assert "<script>alert(1)</script>" not in answer.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text


def test_the_secretarys_pages_have_no_inline_script_or_style(web: Web):
    visitor = web.signed_in("tester")
    for path in ("/generate", "/generate/budget", "/batch"):
        page = visitor.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"\son[a-z]+=", page), path


def test_a_preview_with_a_missing_field_shows_the_form_with_the_error(web: Web):
    form = notice_form(**{"field.body": "", "action": "preview"})
    answer = web.signed_in("sec").submit("/generate/notice", form)
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert re.search(r'id="error-field.body">此项必填', answer.text)


def test_an_image_field_is_left_out_of_the_form(web):
    page = web.signed_in("tester").get("/generate/certificate-teacher-qualification").text
    assert 'name="field.photo"' not in page and 'name="field.holder_name"' in page
