"""An item's page and its downloads: what the visitor may see, and a plain 404 for what
they may not, exactly as for what does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web import archivist_support as docs
from tests.web.conftest import Web


@pytest.fixture
def filed(web: Web, tmp_path: Path) -> dict[str, dict]:
    return docs.filed_set(web, tmp_path)


def test_the_item_page_shows_its_metadata(web: Web, filed: dict):
    item = filed["safety"]
    answer = web.signed_in("arc").get(f"/items/{item['id']}")
    assert answer.status_code == 200
    page = answer.text
    for shown in (item["archive_code"], "教办〔2026〕12号", docs.SAFETY, "2026-03-04", "办公室"):
        assert shown in page
    assert "内部" in page  # its classification
    assert "30 年" in page  # its retention period


def test_the_item_is_found_by_its_archival_code_and_document_number(web: Web, filed: dict):
    item = filed["safety"]
    visitor = web.signed_in("arc")
    for ref in (item["archive_code"], "教办〔2026〕12号", item["id"].lower()):
        answer = visitor.get(f"/items/{ref}")
        assert answer.status_code == 200, ref
        assert item["id"] in answer.text


def test_the_item_page_links_each_rendition_for_download(web: Web, filed: dict):
    item = filed["canteen"]
    page = web.signed_in("arc").get(f"/items/{item['id']}").text
    assert f'href="/items/{item["id"]}/download?file=docx"' in page


def test_a_download_is_the_exact_bytes_filed(web: Web, filed: dict, tmp_path: Path):
    item = filed["canteen"]
    out = tmp_path / "out.docx"
    web.bureau.ok("get", item["id"], "--out", out)
    answer = web.signed_in("arc").get(f"/items/{item['id']}/download?file=docx")
    assert answer.status_code == 200
    assert answer.content == out.read_bytes()
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_download_of_the_official_rendition_needs_no_file_named(web: Web, filed: dict):
    item = filed["safety"]
    answer = web.signed_in("sec").get(f"/items/{item['id']}/download")
    assert answer.status_code == 200 and answer.content.startswith(b"PK")


def test_a_secret_download_is_decrypted_for_the_cleared(web: Web, filed: dict):
    item = filed["secret"]
    answer = web.signed_in("arc").get(f"/items/{item['id']}/download")
    assert answer.status_code == 200 and answer.content.startswith(b"PK")


def test_a_download_is_recorded_in_the_audit_trail(web: Web, filed: dict):
    item = filed["canteen"]
    web.signed_in("arc").get(f"/items/{item['id']}/download")
    entries = web.bureau.json("audit", "log", "--item", item["id"])
    assert [e["actor"] for e in entries if e["action"] == "retrieve"] == ["arc"]


def test_the_file_name_is_safe_and_keeps_its_unicode_form():
    from bureau.web.routes.archivist_items import attachment

    header = attachment('../../通知 "一".docx', "docx")
    assert header.startswith('attachment; filename="')
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert "/" not in fallback and ".." not in fallback and fallback.endswith(".docx")
    assert "filename*=UTF-8''%E9%80%9A%E7%9F%A5%20%22%E4%B8%80%22.docx" in header
    assert attachment("C:\\x\\\r\nevil.pdf", "pdf").count("\n") == 0
    assert 'filename="document.pdf"' in attachment("..", "pdf")


def test_the_secret_item_is_a_404_for_the_secretary_and_shown_to_the_archivist(
    web: Web, filed: dict
):
    item = filed["secret"]
    assert web.signed_in("sec").get(f"/items/{item['id']}").status_code == 404
    answer = web.signed_in("arc").get(f"/items/{item['id']}")
    assert answer.status_code == 200 and docs.SECRET in answer.text


def test_a_hidden_item_looks_exactly_like_a_missing_one(web: Web, filed: dict):
    hidden = filed["secret"]
    missing = "01" + "Z" * 24
    visitor = web.signed_in("sec")
    for path in ("/items/{}", "/items/{}/download", "/items/{}/download?file=docx"):
        seen = visitor.get(path.format(hidden["id"]))
        absent = visitor.get(path.format(missing))
        assert seen.status_code == absent.status_code == 404
        assert docs.without_token(seen.text).replace(hidden["id"], "REF") == docs.without_token(
            absent.text
        ).replace(missing, "REF")
    by_code = visitor.get(f"/items/{hidden['archive_code']}")
    assert (
        by_code.status_code == 404
        and hidden["archive_code"] not in by_code.text.replace("%C2%B7", "·").split("<main>")[1]
    )


def test_another_departments_item_is_a_404_for_a_secretary(web: Web, tmp_path: Path):
    other = docs.file(web, tmp_path, "Personnel notice", "staff changes", dept="RSK")
    visitor = web.signed_in("sec")
    assert visitor.get(f"/items/{other['id']}").status_code == 404
    assert visitor.get(f"/items/{other['id']}/download").status_code == 404


@pytest.mark.parametrize(
    "file",
    ["../../config.yaml", "/etc/passwd", "..", "docx/../../catalog.sqlite", "pdf%00", "x" * 40],
)
def test_a_file_named_by_a_path_is_not_found(web: Web, filed: dict, file: str):
    item = filed["canteen"]
    answer = web.signed_in("arc").get(f"/items/{item['id']}/download", params={"file": file})
    assert answer.status_code == 404
    assert b"PK" not in answer.content[:2] and b"fonds" not in answer.content


@pytest.mark.parametrize(
    "ref", ["..%2F..%2Fconfig.yaml", "%2Fetc%2Fpasswd", "%2E%2E", "catalog.sqlite", "%00"]
)
def test_an_item_named_by_a_path_is_not_found(web: Web, filed: dict, ref: str):
    visitor = web.signed_in("arc")
    for path in (f"/items/{ref}", f"/items/{ref}/download"):
        answer = visitor.get(path)
        assert answer.status_code in (404, 400), path
        assert "fonds" not in answer.text and "Traceback" not in answer.text


def test_a_rendition_the_item_lacks_is_not_found(web: Web, filed: dict):
    item = filed["canteen"]
    answer = web.signed_in("arc").get(f"/items/{item['id']}/download?file=pdf")
    assert answer.status_code == 404


def test_versions_list_the_earlier_and_later_documents(web: Web, filed: dict, tmp_path: Path):
    first = filed["canteen"]
    second = docs.file(
        web, tmp_path, "Canteen results, corrected", "corrected text", "--supersedes", first["id"]
    )
    page = web.signed_in("arc").get(f"/items/{first['id']}").text
    assert f'href="/items/{second["id"]}"' in page and "Canteen results, corrected" in page
    assert "已被新版本取代" in page
    page = web.signed_in("arc").get(f"/items/{second['id']}").text
    assert f'href="/items/{first["id"]}"' in page
    assert f'href="/items/{first["id"]}/download"' in page


def test_a_version_the_visitor_may_not_see_is_left_out(web: Web, filed: dict, tmp_path: Path):
    first = filed["canteen"]
    secret = docs.file(
        web,
        tmp_path,
        "Secret correction",
        "hidden correction",
        "--supersedes",
        first["id"],
        "--classification",
        "secret",
    )
    page = web.signed_in("sec").get(f"/items/{first['id']}").text
    assert secret["id"] not in page and "Secret correction" not in page


def test_holds_and_the_due_date_are_shown(web: Web, filed: dict):
    item = filed["canteen"]
    web.bureau.ok("retention", "hold", item["id"], "--reason", "Audit <2026> inquiry")
    page = web.signed_in("arc").get(f"/items/{item['id']}").text
    assert "冻结中" in page and "Audit &lt;2026&gt; inquiry" in page
    shown = web.bureau.json("show", item["id"])
    if shown["due"]:
        assert shown["due"] in page


def test_the_audit_trail_is_shown_to_those_who_may_read_it(web: Web, filed: dict):
    item = filed["canteen"]
    assert "审计记录" in web.signed_in("aud").get(f"/items/{item['id']}").text
    assert "审计记录" in web.signed_in("tester").get(f"/items/{item['id']}").text
    page = web.signed_in("aud").get(f"/items/{item['id']}").text
    trail = page.split("审计记录")[1]
    assert "<td>file</td>" in trail and "<td>tester</td>" in trail


def test_the_audit_section_is_absent_for_roles_that_may_not_read_the_trail(web: Web, filed: dict):
    for name in ("arc", "sec"):
        answer = web.signed_in(name).get(f"/items/{filed['canteen']['id']}")
        assert answer.status_code == 200 and "审计记录" not in answer.text


def test_a_hostile_title_shows_as_text(web: Web, tmp_path: Path):
    item = docs.file(web, tmp_path, "<script>alert(1)</script>", "harmless text")
    page = web.signed_in("arc").get(f"/items/{item['id']}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_signed_out_visitors_are_sent_to_sign_in(web: Web, filed: dict):
    item = filed["canteen"]
    for path in (f"/items/{item['id']}", f"/items/{item['id']}/download"):
        answer = web.client().get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_the_item_page_has_no_inline_script_or_style(web: Web, filed: dict):
    page = web.signed_in("aud").get(f"/items/{filed['safety']['id']}").text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)


def test_the_item_page_speaks_english_when_asked(web: Web, filed: dict):
    visitor = web.signed_in("aud")
    visitor.submit("/lang", {"lang": "en", "next": "/"})
    page = visitor.get(f"/items/{filed['canteen']['id']}").text
    assert "Archival code" in page and "30 years" in page and "Audit trail" in page
