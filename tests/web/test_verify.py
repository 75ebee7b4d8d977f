"""/verify: an auditor (or administrator) uploads PDFs and reads each one's verdict, as a
page or as the JSON report `bureau verify --json` gives; nobody else may."""

from __future__ import annotations

import re

import pytest

from bureau.web import pages
from tests.web.auditor_support import NOT_A_PDF, foreign_pdf, sealed_pdf, tampered
from tests.web.conftest import Web

__all__ = ["foreign_pdf", "sealed_pdf"]  # fixtures


def pdfs(*named: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, data, "application/pdf")) for name, data in named]


def verified(web: Web, *named: tuple[str, bytes], who: str = "aud", json: bool = False):
    path = "/verify?format=json" if json else "/verify"
    return web.signed_in(who).submit(path, files=pdfs(*named))


def test_the_auditor_sees_the_upload_form(web: Web):
    page = web.signed_in("aud").get("/verify")
    assert page.status_code == 200
    assert 'type="file" name="files"' in page.text and "multiple" in page.text
    assert 'enctype="multipart/form-data"' in page.text


@pytest.mark.parametrize("who", ["sec", "arc"])
def test_roles_that_may_not_verify_are_refused(web: Web, who: str, sealed_pdf: bytes):
    visitor = web.signed_in(who)
    assert visitor.get("/verify").status_code == 403
    answer = visitor.submit("/verify", files=pdfs(("a.pdf", sealed_pdf)))
    assert answer.status_code == 403


def test_a_visitor_not_signed_in_is_sent_to_sign_in(web: Web):
    answer = web.client().get("/verify", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_post_without_the_csrf_token_is_refused(web: Web, sealed_pdf: bytes):
    visitor = web.signed_in("aud")
    answer = visitor.post("/verify", files=pdfs(("a.pdf", sealed_pdf)))
    assert answer.status_code == 403
    assert "TOTAL_PASSED" not in answer.text


def test_a_pdf_sealed_by_the_bureau_passes_with_its_signer_and_time(web: Web, sealed_pdf):
    page = verified(web, ("notice.pdf", sealed_pdf))
    assert page.status_code == 200
    assert "notice.pdf" in page.text
    assert "TOTAL_PASSED" in page.text and "验证通过" in page.text
    assert "General Office" in page.text  # the department on the seal
    assert "签章时间" in page.text and "盖章后未改动" in page.text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page.text)  # the signing time


def test_a_pdf_changed_after_sealing_fails(web: Web, sealed_pdf: bytes):
    page = verified(web, ("changed.pdf", tampered(sealed_pdf)))
    assert page.status_code == 200
    assert "TOTAL_FAILED" in page.text and "TOTAL_PASSED" not in page.text
    assert "验证未通过" in page.text and "盖章后已改动" in page.text


def test_a_file_that_is_no_pdf_is_a_format_failure_not_an_error(web: Web):
    page = verified(web, ("program.pdf", NOT_A_PDF))
    assert page.status_code == 200
    assert "FORMAT_FAILURE" in page.text and "无法作为 PDF 读取" in page.text
    assert "Traceback" not in page.text


def test_a_pdf_sealed_by_a_foreign_key_is_not_trusted(web: Web, foreign_pdf: bytes):
    page = verified(web, ("agency.pdf", foreign_pdf))
    assert page.status_code == 200
    assert "TOTAL_PASSED" not in page.text
    assert "INDETERMINATE" in page.text and "NO_CERTIFICATE_CHAIN_FOUND" in page.text
    assert "Provincial Department of Human Resources" in page.text
    assert "证书不受信任" in page.text


def test_several_files_get_one_report_each_in_order(web: Web, sealed_pdf, foreign_pdf):
    page = verified(
        web,
        ("1-sealed.pdf", sealed_pdf),
        ("2-changed.pdf", tampered(sealed_pdf)),
        ("3-junk.pdf", NOT_A_PDF),
        ("4-foreign.pdf", foreign_pdf),
    )
    text = page.text
    order = [text.index(name) for name in ("1-sealed", "2-changed", "3-junk", "4-foreign")]
    assert order == sorted(order)
    assert "1 个通过" in text and "2 个未通过" in text and "1 个无法确定或未签章" in text


def test_the_json_report_is_the_command_lines(web: Web, sealed_pdf: bytes):
    answer = verified(web, ("notice.pdf", sealed_pdf), ("junk.pdf", NOT_A_PDF), json=True)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert "attachment" in answer.headers["content-disposition"]
    sealed, junk = answer.json()
    assert sealed["file"] == "notice.pdf" and sealed["indication"] == "TOTAL_PASSED"
    [signature] = sealed["signatures"]
    assert signature["intact"] is True and signature["trusted"] is True
    assert {"signer", "dept", "signing_time", "changes_after"} <= set(signature)
    assert (junk["indication"], junk["subindication"]) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert junk["error"]


def test_the_json_report_is_what_bureau_verify_json_says(web: Web, sealed_pdf, tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(sealed_pdf)
    [expected] = web.bureau.json("verify", path)
    [answered] = verified(web, ("notice.pdf", sealed_pdf), json=True).json()
    assert answered == expected | {"file": "notice.pdf"}


def test_a_seal_is_validated_as_of_a_past_moment(web: Web, sealed_pdf: bytes):
    visitor = web.signed_in("aud")
    files = pdfs(("notice.pdf", sealed_pdf))
    [past] = visitor.submit("/verify?format=json", {"at": "2020-01-01T00:00"}, files).json()
    assert past["indication"] == "INDETERMINATE"  # the seal's certificate was not yet issued
    page = visitor.submit("/verify", {"at": "2020-01-01T00:00"}, files).text
    assert "2020-01-01T00:00" in page and "TOTAL_PASSED" not in page


def test_a_malformed_moment_is_a_clear_message(web: Web, sealed_pdf: bytes):
    answer = web.signed_in("aud").submit(
        "/verify", {"at": "yesterday"}, files=pdfs(("notice.pdf", sealed_pdf))
    )
    assert answer.status_code == 400 and "YYYY-MM-DDTHH:MM" in answer.text
    assert 'value="yesterday"' in answer.text


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59", "0001-01-01T00:00"])
def test_a_moment_at_the_ends_of_the_calendar_is_no_error(web: Web, sealed_pdf, moment):
    files = pdfs(("notice.pdf", sealed_pdf))
    answer = web.signed_in("aud").submit("/verify", {"at": moment}, files)
    assert answer.status_code in (200, 400) and "TOTAL_PASSED" not in answer.text


def test_the_json_report_names_no_server_path(web: Web, sealed_pdf: bytes, tmp_path):
    answer = verified(web, ("notice.pdf", sealed_pdf), json=True)
    assert "/tmp" not in answer.text and "bureau-verify-" not in answer.text


def test_the_administrator_may_verify_too(web: Web, sealed_pdf: bytes):
    page = verified(web, ("notice.pdf", sealed_pdf), who="tester")
    assert page.status_code == 200 and "TOTAL_PASSED" in page.text


def test_a_file_name_is_shown_as_text_not_markup(web: Web):
    page = verified(web, ("<img src=x onerror=alert(1)>.pdf", NOT_A_PDF))
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page.text


def test_a_file_name_with_a_path_is_never_used_as_one(web: Web, sealed_pdf: bytes):
    answer = verified(web, ("../../etc/passwd", sealed_pdf), json=True)
    [report] = answer.json()
    assert report["file"] == "passwd" and report["indication"] == "TOTAL_PASSED"


def test_the_report_reads_in_english_too(web: Web, sealed_pdf: bytes):
    visitor = web.signed_in("aud")
    visitor.submit("/lang", {"lang": "en", "next": "/verify"})
    page = visitor.submit("/verify", files=pdfs(("notice.pdf", sealed_pdf)))
    assert "Passed" in page.text and "unchanged since sealing" in page.text


def test_posting_no_file_asks_for_one(web: Web):
    answer = web.signed_in("aud").submit("/verify", files=[("files", ("", b"", ""))])
    assert answer.status_code == 400
    assert "请选择要验证的 PDF 文件" in answer.text


def test_an_upload_over_the_limit_is_refused(web: Web):
    big = b"%PDF-1.7\n" + b"0" * pages.MAX_UPLOAD
    answer = verified(web, ("big.pdf", big))
    assert answer.status_code == 413


def test_more_files_than_a_form_may_carry_are_refused(web: Web):
    many = [(f"{n}.pdf", NOT_A_PDF) for n in range(pages.MAX_FILES + 1)]
    answer = verified(web, *many)
    assert answer.status_code == 400 and "FORMAT_FAILURE" not in answer.text


def test_the_uploads_are_removed_after_the_request(web: Web, sealed_pdf, monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    verified(web, ("notice.pdf", sealed_pdf))
    assert not list(tmp_path.glob("bureau-verify-*"))


def test_the_page_has_no_inline_script_or_style(web: Web, sealed_pdf: bytes):
    page = verified(web, ("notice.pdf", sealed_pdf)).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
