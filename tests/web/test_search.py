"""The search page: `bureau search` in a browser, finding and counting only what the
visitor may see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web import archivist_support as docs
from tests.web.conftest import Web


@pytest.fixture
def filed(web: Web, tmp_path: Path) -> dict[str, dict]:
    return docs.filed_set(web, tmp_path)


def hit_ids(page: str) -> list[str]:
    return re.findall(r'<h3><a href="/items/([0-9A-Z]{26})">', page)


def total(page: str) -> str:
    found = re.search(r'id="search-total">\s*(.*?)\s*(?:<span|</p>)', page, re.S)
    assert found, "no total on the page"
    return found.group(1)


def test_the_form_shows_without_a_query(web: Web):
    answer = web.signed_in("arc").get("/search")
    assert answer.status_code == 200
    assert 'name="q"' in answer.text and 'method="get"' in answer.text
    assert "search-total" not in answer.text


def test_finds_a_filed_document_by_chinese_words(web: Web, filed: dict):
    answer = web.signed_in("arc").get("/search", params={"q": "安全检查"})
    assert answer.status_code == 200
    assert hit_ids(answer.text) == [filed["safety"]["id"]]
    assert total(answer.text) == "共找到 1 份文件"


def test_finds_a_filed_document_by_english_words(web: Web, filed: dict):
    answer = web.signed_in("arc").get("/search", params={"q": "hygiene"})
    assert hit_ids(answer.text) == [filed["canteen"]["id"]]


def test_finds_a_document_by_its_number(web: Web, filed: dict):
    answer = web.signed_in("sec").get("/search", params={"q": "教办〔2026〕12号"})
    assert hit_ids(answer.text)[0] == filed["safety"]["id"]


def test_a_hit_shows_code_number_title_date_department_and_a_marked_snippet(web: Web, filed: dict):
    page = web.signed_in("arc").get("/search", params={"q": "安全检查"}).text
    item = filed["safety"]
    assert item["archive_code"] in page
    assert "教办〔2026〕12号" in page
    assert docs.SAFETY in page
    assert "2026-03-04" in page
    assert "办公室" in page  # BGS, by its name
    assert re.search(r'<p class="snippet">[^<]*<mark>[^<]*安全[^<]*</mark>', page)


def test_the_secretary_does_not_find_the_secret_item_nor_count_it(web: Web, filed: dict):
    for visitor, expected in (("arc", 2), ("sec", 1)):
        page = web.signed_in(visitor).get("/search", params={"q": "canteen"}).text
        assert len(hit_ids(page)) == expected, visitor
        assert total(page) == f"共找到 {expected} 份文件"
    page = web.signed_in("sec").get("/search", params={"q": "canteen"}).text
    assert filed["secret"]["id"] not in page and docs.SECRET not in page


def test_the_secretary_finds_nothing_when_only_the_secret_item_matches(web: Web, filed: dict):
    page = web.signed_in("sec").get("/search", params={"q": "examinations"}).text
    assert hit_ids(page) == []
    assert "没有找到" in page and filed["secret"]["archive_code"] not in page


def test_a_secretary_of_a_department_without_documents_finds_none_of_others(web: Web, filed: dict):
    web.bureau.ok(
        "users", "add", "rsk", "--role", "secretary", "--clearance", "internal", "--dept", "RSK"
    )
    page = web.signed_in("rsk").get("/search", params={"q": "canteen"}).text
    assert hit_ids(page) == [] and filed["canteen"]["archive_code"] not in page


def test_a_filter_matching_nothing_does_not_widen_a_secretarys_search(
    web: Web, filed: dict, tmp_path: Path
):
    other = docs.file(web, tmp_path, "Personnel canteen rota", "canteen rota", dept="RSK")
    docs.index(web)
    page = web.signed_in("sec").get("/search", params={"q": "canteen", "year": "1999"}).text
    assert other["id"] not in page and hit_ids(page) == []


def test_the_archivist_finds_the_secret_item(web: Web, filed: dict):
    page = web.signed_in("arc").get("/search", params={"q": "examinations"}).text
    assert hit_ids(page) == [filed["secret"]["id"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"year": "2025"}, ["canteen"]),
        ({"from": "2026-01-01"}, ["secret"]),
        ({"to": "2025-12-31"}, ["canteen"]),
        ({"classification": "secret"}, ["secret"]),
        pytest.param({"dept": "RSK"}, []),
        ({"dept": "BGS", "kind": "notice"}, ["canteen", "secret"]),
        pytest.param({"kind": "budget"}, []),
    ],
)
def test_filters_narrow_the_hits(web: Web, filed: dict, filters: dict, expected: list[str]):
    page = web.signed_in("arc").get("/search", params={"q": "canteen", **filters}).text
    assert sorted(hit_ids(page)) == sorted(filed[name]["id"] for name in expected)


def test_sorting_by_date_puts_the_newest_first(web: Web, filed: dict):
    page = web.signed_in("arc").get("/search", params={"q": "canteen", "sort": "date"}).text
    assert hit_ids(page) == [filed["secret"]["id"], filed["canteen"]["id"]]


def test_paging_shows_a_page_at_a_time_and_a_larger_page_shows_more(web: Web, tmp_path: Path):
    ids = [
        docs.file(web, tmp_path, f"Playground report {n}", f"playground report number {n}")["id"]
        for n in range(23)
    ]
    docs.index(web)
    visitor = web.signed_in("arc")
    first = visitor.get("/search", params={"q": "playground"}).text
    assert len(hit_ids(first)) == 20
    assert total(first) == "共找到 23 份文件"
    assert "第 1 / 2 页" in first
    assert 'id="next-page"' in first and 'id="previous-page"' not in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = visitor.get(next_link).text
    assert len(hit_ids(second)) == 3
    assert 'id="previous-page"' in second and 'id="next-page"' not in second
    assert sorted(hit_ids(first) + hit_ids(second)) == sorted(ids)
    larger = visitor.get("/search", params={"q": "playground", "limit": "50"}).text
    assert len(hit_ids(larger)) == 23 and 'id="next-page"' not in larger


def test_a_page_past_the_last_says_so(web: Web, filed: dict):
    page = web.signed_in("arc").get("/search", params={"q": "hygiene", "page": "5"}).text
    assert hit_ids(page) == [] and "已超出最后一页" in page


def test_a_misspelt_word_gets_a_suggestion(web: Web, filed: dict):
    page = web.signed_in("arc").get("/search", params={"q": "hygene"}).text
    assert hit_ids(page) == []
    assert re.search(r'id="suggestion">hygiene</a>', page)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("year", "twenty", "年度须为四位数字"),
        ("from", "2026-02-30", "日期须写作"),
        ("page", "0", "页码须为正整数"),
        ("page", "-1", "页码须为正整数"),
        ("dept", "NOPE", "没有这个部门"),
        ("classification", "ultra", "没有这个密级"),
        ("sort", "title", "不支持这种排序"),
        ("limit", "100000", "每页条数只能是"),
    ],
)
def test_bad_filters_give_a_clear_message(web: Web, field: str, value: str, message: str):
    answer = web.signed_in("arc").get("/search", params={"q": "canteen", field: value})
    assert answer.status_code == 400
    assert message in answer.text and "Traceback" not in answer.text


def test_dates_in_the_wrong_order_are_refused(web: Web):
    params = {"q": "x", "from": "2026-05-01", "to": "2026-01-01"}
    answer = web.signed_in("arc").get("/search", params=params)
    assert answer.status_code == 400 and "起始日期晚于截止日期" in answer.text


def test_every_role_that_may_search_may_use_the_page(web: Web, filed: dict):
    for name in ("tester", "arc", "sec", "aud"):
        answer = web.signed_in(name).get("/search", params={"q": "canteen"})
        assert answer.status_code == 200, name
        assert filed["canteen"]["id"] in answer.text, name


def test_signed_out_visitors_are_sent_to_sign_in(web: Web):
    answer = web.client().get("/search?q=canteen", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fsearch%3Fq%3Dcanteen"


def test_a_hostile_title_and_query_show_as_text(web: Web, tmp_path: Path):
    hostile = "<script>alert(1)</script> canteen"
    docs.file(web, tmp_path, hostile, "a canteen <b>bold</b> ** claim")
    docs.index(web)
    page = web.signed_in("arc").get("/search", params={"q": 'canteen "><script>x()</script>'})
    assert "<script>alert(1)</script>" not in page.text and "<script>x()" not in page.text
    page = web.signed_in("arc").get("/search", params={"q": "canteen"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_snippets_mark_only_the_marked_words():
    from bureau.web.routes.archivist_search import marked

    assert marked("a **<b>** c") == "a <mark>&lt;b&gt;</mark> c"
    assert marked("x ** y") == "x ** y"
    assert marked("**一** and **二**") == "<mark>一</mark> and <mark>二</mark>"
    assert marked("<script>") == "&lt;script&gt;"


def test_items_filed_since_the_index_was_built_are_counted_as_pending(
    web: Web, filed: dict, tmp_path: Path
):
    docs.file(web, tmp_path, "Late canteen memo", "late canteen memo")
    page = web.signed_in("arc").get("/search", params={"q": "canteen"}).text
    assert "有 1 份已归档文件尚未编入索引" in page


def test_the_search_page_has_no_inline_script_or_style(web: Web, filed: dict):
    page = web.signed_in("arc").get("/search", params={"q": "canteen"}).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)


def test_the_page_speaks_english_when_asked(web: Web, filed: dict):
    visitor = web.signed_in("arc")
    visitor.submit("/lang", {"lang": "en", "next": "/search"})
    page = visitor.get("/search", params={"q": "canteen"}).text
    assert "2 document(s) found" in page and "General Office" in page
