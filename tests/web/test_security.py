"""What every answer carries and what no request may do: security headers, no inline
script, body limits, unknown pages as plain 404s."""

from __future__ import annotations

import re

from tests.web.conftest import Web


def test_every_answer_carries_the_security_headers(web: Web):
    for answer in (web.client().get("/login"), web.signed_in().get("/"), web.client().get("/x")):
        headers = answer.headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script_or_style(web: Web):
    for page in (web.client().get("/login").text, web.signed_in().get("/").text):
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page)


def test_an_unknown_page_is_a_plain_404(web: Web):
    answer = web.signed_in().get("/no/such/page")
    assert answer.status_code == 404 and "未找到" in answer.text


def test_a_body_over_the_limit_is_refused_before_it_is_read(web: Web):
    visitor = web.signed_in()
    answer = visitor.post("/login", content=b"x" * 10, headers={"content-length": "999999999"})
    assert answer.status_code == 413


def test_a_chunked_body_over_the_limit_is_refused(web: Web):
    from bureau.web import pages

    def chunks():
        for _ in range(pages.MAX_UPLOAD // 65536 + 2):
            yield b"a" * 65536

    answer = web.signed_in().post(
        "/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 413


def test_a_name_is_shown_as_text_not_markup(web: Web):
    answer = web.client().sign_in("<script>alert(1)</script>", "wrong")
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_the_static_files_are_served(web: Web):
    answer = web.client().get("/static/app.css")
    assert answer.status_code == 200 and "text/css" in answer.headers["content-type"]
