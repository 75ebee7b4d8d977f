"""The fallback of search: a query's words required, not every bigram of what was typed.

Chinese is typed without spaces, and the words of a query often stand apart in the
document (教育经费 for a text about 教育专项经费). A query whose words stand together in
no document is searched again with its words anywhere; one whose words stand together in
few documents also finds those where they stand close. Documents with the words together
rank first, then close ones. Each test runs on both engines, through
`indexer.search.search` with the searcher's clearance, as `bureau search` does.
"""

from __future__ import annotations

import pytest

from archive.access import Visibility
from indexer.analysis import doc_no_key, words
from indexer.documents import blind_token
from indexer.generations import IndexDir
from indexer.request import SearchRequest
from indexer.search import Results, search

ENGINES = ["tantivy", "whoosh"]
EVERY_LEVEL = ("public", "internal", "confidential", "secret")

# key: (title, body, dept, classification)
DOCS = {
    "together": ("教育经费预算说明", "本年度教育经费预算总额为12亿元。", "JCK", "internal"),
    "close": (
        "专项资金下达通知",
        "市财政局下达教育专项经费，用于改善办学条件。",
        "JCK",
        "internal",
    ),
    "far": (
        "食堂管理办法",
        "教育系统各校食堂应当公开收支，每月公示一次，接受师生监督，经费单独核算。",
        "JCK",
        "public",
    ),
    "half": ("教育宣传计划", "本年度教育宣传以校园开放日为主。", "SXK", "public"),
    "secret_close": ("考务安排", "考试中心的教育考试专项经费另行下达。", "JCK", "secret"),
    "other_dept": ("体育场地建设", "全市学校体育教育场地经费，由体卫艺科统筹。", "TWY", "internal"),
    "new_teachers": ("岗前培训通知", "新任教师须参加岗前培训，时间为八月。", "JXX", "internal"),
    "bus_close": ("开学准备通知", "开学前完成校车运行安全检查。", "BGS", "internal"),
    "bus_far": (
        "交通管理办法",
        "校车由交通公司统一调度，家长须按时接送学生，学校门口禁止停车，雨雪天气注意出行安全。",
        "BGS",
        "public",
    ),
    "bus_secret": ("事故报告", "校车发生刮擦，无人员伤亡，安全隐患已排除。", "BGS", "secret"),
    "en_pieces": ("Playground plan", "The summer works cover the old playground.", "JCK", "public"),
    "long_word": ("工作要点", "本市中小学校园安全检查工作要点如下。", "BGS", "internal"),
    "encrypted": ("改造通知", "下达教育专项经费用于校车改造，注意安全。", "JCK", "secret"),
}
BLIND_KEY = b"k" * 32


def fields(key: str) -> dict:
    title, body, dept, level = DOCS[key]
    return {
        "id": key.upper().replace("_", "").ljust(26, "0"),
        "archive_code": f"J042-WS·2026-D30-{dept}-{list(DOCS).index(key) + 1:04d}",
        "title": title,
        "body": body,
        "kind": "notice",
        "dept": dept,
        "year": 2026,
        "date": "2026-03-01",
        "classification": level,
        "retention": "D30",
        "sealed": False,
        "encrypted": False,
        "status": "filed",
        "text": "available",
        "text_reason": "",
        "doc_no": f"市教财〔2026〕{list(DOCS).index(key) + 1}号",
        "doc_no_key": doc_no_key(f"市教财〔2026〕{list(DOCS).index(key) + 1}号"),
    } | (blind(title, body) if key == "encrypted" else {})


def blind(title: str, body: str) -> dict:
    """What `index_fields` makes of an encrypted item: blind tokens, nothing readable."""
    tokens = [blind_token(BLIND_KEY, term) for term in [*words(title), *words(body)]]
    return {"title": "", "body": "", "encrypted": True, "blind": " ".join(tokens)}


@pytest.fixture(scope="module", params=ENGINES)
def index_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> IndexDir:
    found = IndexDir(tmp_path_factory.mktemp(f"fallback-{request.param}") / "index")
    building = found.start_generation(request.param)
    engine = found.open(building, readonly=False)
    writer = engine.writer()
    for key in DOCS:
        writer.add(fields(key))
    writer.commit()
    engine.close()
    found.finish_generation(building, position=0)
    return found


def results(
    index_dir: IndexDir,
    text: str,
    seen: Visibility | None = None,
    blind_key: bytes | None = None,
    **options,
) -> Results:
    visibility = seen or Visibility(levels=EVERY_LEVEL, dept=None)
    request = SearchRequest(text, limit=100, **options).seen_by(visibility, blind_key)
    return search(index_dir, request)


def keys(index_dir: IndexDir, text: str, seen: Visibility | None = None, **options) -> list[str]:
    by_id = {fields(key)["id"]: key for key in DOCS}
    return [by_id[hit.id] for hit in results(index_dir, text, seen, **options).hits]


def test_words_typed_together_find_the_document_that_has_them_apart_but_close(index_dir):
    assert "close" in keys(index_dir, "教育经费")


def test_the_document_with_all_the_words_together_ranks_above_those_with_them_apart(index_dir):
    found = keys(index_dir, "教育经费")
    assert found[0] == "together"
    assert found.index("together") < found.index("close")


def test_while_some_document_has_the_words_together_those_far_apart_are_not_found(index_dir):
    """`far` has 教育 at its start and 经费 at its end: not close, so not the same words."""
    assert set(keys(index_dir, "教育经费")) == {"together", "close", "secret_close", "other_dept"}


def test_a_long_word_found_together_in_few_documents_still_finds_them(index_dir):
    """Its first and last pieces stand 11 apart even together: farther than `close`."""
    assert keys(index_dir, "中小学校园安全检查工作要点") == ["long_word"]


def test_a_document_with_only_some_of_the_words_is_never_found(index_dir):
    assert "half" not in keys(index_dir, "教育经费")
    assert keys(index_dir, "教育专款") == []  # 专款 is nowhere


def test_a_query_whose_words_are_all_absent_finds_nothing(index_dir):
    assert keys(index_dir, "招生计划") == []
    assert results(index_dir, "招生计划").total == 0


def test_with_the_words_together_nowhere_they_are_found_anywhere_close_ones_first(index_dir):
    found = keys(index_dir, "校车安全")
    assert found[0] == "bus_close" and set(found) == {"bus_close", "bus_far", "bus_secret"}


def test_a_one_character_word_at_the_start_of_a_query_is_found_beside_any_character(index_dir):
    """新教师培训: 新 stands in 新任, not beside 教."""
    assert keys(index_dir, "新教师培训") == ["new_teachers"]


def test_english_pieces_are_all_required_and_found_apart(index_dir):
    assert keys(index_dir, "summer-playground") == ["en_pieces"]
    assert keys(index_dir, "summer-library") == []


def test_a_quoted_phrase_never_falls_back(index_dir):
    assert keys(index_dir, '"校车安全"') == []


def test_snippets_mark_the_words_found_close(index_dir):
    hit = next(h for h in results(index_dir, "教育经费").hits if h.title == DOCS["close"][0])
    assert "**教育**专项**经费**" in hit.snippet


def test_snippets_mark_the_words_found_anywhere(index_dir):
    hit = next(h for h in results(index_dir, "校车安全").hits if h.title == DOCS["bus_far"][0])
    assert hit.snippet.startswith("**校车**由") and "出行**安全**" in hit.snippet


def test_an_item_above_the_searchers_clearance_never_appears_through_the_fallback(index_dir):
    cleared = Visibility(levels=("public", "internal", "confidential"), dept=None)
    assert set(keys(index_dir, "教育经费", cleared)) == {"together", "close", "other_dept"}
    assert keys(index_dir, "校车安全", cleared) == ["bus_close", "bus_far"]
    assert results(index_dir, "校车安全", cleared).total == 2


def test_a_department_bound_searcher_sees_only_that_department_through_the_fallback(index_dir):
    assert keys(index_dir, "教育经费", Visibility(levels=EVERY_LEVEL, dept="TWY")) == ["other_dept"]
    bgs = Visibility(levels=("public", "internal"), dept="BGS")
    assert keys(index_dir, "校车安全", bgs) == ["bus_close", "bus_far"]


def test_filters_apply_on_the_fallback_path(index_dir):
    assert set(keys(index_dir, "教育经费", dept="JCK")) == {"together", "close", "secret_close"}
    assert keys(index_dir, "校车安全", classification="public") == ["bus_far"]


def test_an_encrypted_item_is_found_through_the_fallback_by_its_blind_tokens(index_dir):
    assert "encrypted" in keys(index_dir, "教育经费", blind_key=BLIND_KEY)  # close
    assert "encrypted" in keys(index_dir, "校车安全", blind_key=BLIND_KEY)  # apart
    assert "encrypted" not in keys(index_dir, "校车安全")


def test_an_exact_document_number_still_comes_first(index_dir):
    assert keys(index_dir, "市教财〔2026〕2号")[0] == "close"
