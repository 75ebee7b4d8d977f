"""Search as an archivist uses it: `bureau search` over one corpus of English and Chinese
documents filed and indexed once for the whole module, by each index engine in turn.

The corpus is built with the real command (`bureau init`, `bureau file`, `bureau watch`),
run by its entry point in the test's process (see tests/conftest.py). The searches run
`bureau.cli.main` in-process too, which is the same code a user's command runs but without
starting Python each time, so the many searches stay fast; one search runs in a new process.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from bureau.cli import main
from tests.conftest import Bureau, Result
from tests.factories import make_docx, make_pdf

BUREAU_EN = "Issued by the City Education Bureau."
BUREAU_ZH = "市教育局 City Education Bureau"


@dataclass(frozen=True)
class Doc:
    key: str
    title: str
    body: str
    kind: str
    dept: str
    date: str
    retention: str = "D30"
    classification: str = "internal"
    doc_no: str | None = None
    pdf: bool = False
    supersedes: str | None = None  # the key of the document this one corrects

    @property
    def year(self) -> int:
        return int(self.date[:4])


CORPUS = [
    Doc(
        "inspection",
        "Notice on the spring safety inspection",
        "All schools shall complete the spring term safety inspections before April. "
        f"Fire exits and canteens will be checked. {BUREAU_EN}",
        "notice",
        "BGS",
        "2026-03-04",
        doc_no="CEB-BGS [2026] No. 12",
    ),
    Doc(
        "en_decoy",  # cites the number above in its text, and has the next number
        "Reply on classroom repairs",
        "This reply follows CEB-BGS [2026] No. 12 and answers CEB BGS 2026 No 12 point by "
        f"point: 12 classrooms need repairs in 2026. {BUREAU_EN}",
        "approval",
        "BGS",
        "2026-05-20",
        doc_no="CEB-BGS [2026] No. 13",
    ),
    Doc(
        "spring_apart",  # "spring" and "term", but not the phrase
        "Term calendar",
        f"The term begins after the spring festival holiday. {BUREAU_EN}",
        "notice",
        "JJK",
        "2025-02-01",
        retention="D10",
        classification="public",
    ),
    Doc(
        "title_word",
        "Playground renovation plan",
        f"Works start in July and finish before the autumn term. {BUREAU_EN}",
        "plan",
        "JCK",
        "2024-05-10",
        retention="D10",
    ),
    Doc(
        "body_word",
        "Summer works schedule",
        f"The summer schedule covers the playground, the library and two laboratories. {BUREAU_EN}",
        "plan",
        "JCK",
        "2024-06-10",
        retention="D10",
    ),
    Doc(
        "budget",
        "Annual budget 2025",
        "Annual budget of the Planning and Finance Department: canteen subsidies for 2025. "
        "City Education Bureau",
        "budget",
        "JCK",
        "2025-01-15",
        retention="Y",
        classification="confidential",
        pdf=True,
    ),
    Doc(
        "hygiene",
        "Canteen hygiene rules",
        "Canteen hygiene rules for primary schools. City Education Bureau",
        "notice",
        "JJK",
        "2024-09-01",
        retention="D10",
        classification="public",
        pdf=True,
    ),
    Doc(
        "exam",
        "Examination paper custody",
        "Examination papers are kept in the strongroom until the exam day. " + BUREAU_EN,
        "notice",
        "JJK",
        "2026-06-01",
        retention="Y",
        classification="secret",
    ),
    Doc(
        "training",
        "Notice on the teacher training schedule",
        f"Teacher training runs from 3 to 7 August. {BUREAU_EN}",
        "notice",
        "RSK",
        "2025-07-01",
    ),
    Doc(
        "training_fix",
        "Notice on the teacher training schedule (corrected)",
        f"Teacher training runs from 10 to 14 August; the dates were corrected. {BUREAU_EN}",
        "notice",
        "RSK",
        "2025-07-10",
        supersedes="training",
    ),
    Doc(
        "zh_safety",
        "关于开展校园安全检查的通知",
        f"各学校要认真开展安全检查工作，确保师生安全。{BUREAU_ZH}",
        "notice",
        "BGS",
        "2026-04-10",
        doc_no="市教办〔2026〕12号",
    ),
    Doc(
        "zh_decoy",  # 安全 and 检查 apart, and cites the number above
        "关于食堂管理的通知",
        f"根据市教办〔2026〕12号文件精神，安全是第一位的。卫生部门将检查食堂。{BUREAU_ZH}",
        "notice",
        "BGS",
        "2026-04-20",
        doc_no="市教办〔2026〕13号",
    ),
    Doc(
        "zh_teacher",
        "2025年教师资格认定公告",
        f"申请教师资格的人员须于六月底前提交材料。{BUREAU_ZH}",
        "announcement",
        "RSK",
        "2025-06-01",
        retention="Y",
    ),
    Doc(
        "zh_teacher_apart",  # 教师 and 资格 apart
        "教师培训安排",
        f"全体教师参加培训，培训合格者取得相应资格证明。{BUREAU_ZH}",
        "notice",
        "RSK",
        "2023-08-15",
        retention="D10",
    ),
    Doc(
        "zh_funds",  # 教育 and 经费 close, not together: 教育专项经费
        "关于下达专项资金的通知",
        f"市财政局下达教育专项经费，用于改善办学条件。{BUREAU_ZH}",
        "notice",
        "JCK",
        "2025-03-20",
    ),
    Doc(
        "zh_funds_far",  # 经费 here, 教育 only far away (in 市教育局)
        "食堂账目公开办法",
        f"各校食堂经费应当公开，每月公示一次收支情况，接受师生和家长的监督。{BUREAU_ZH}",
        "notice",
        "JCK",
        "2025-04-02",
        classification="public",
    ),
]
DOCS = {doc.key: doc for doc in CORPUS}
ALL = set(DOCS)

HIT_KEYS = {
    "id",
    "archive_code",
    "doc_no",
    "title",
    "date",
    "dept",
    "snippet",
    "score",
    "kind",
    "classification",
    "status",
    "sealed",
    "text",
    "text_reason",
}


class Corpus:
    """The filed and indexed corpus, and `bureau search` run against it."""

    def __init__(self, bureau: Bureau, items: dict[str, dict]) -> None:
        self.bureau = bureau
        self.items = items
        self.by_id = {item["id"]: key for key, item in items.items()}

    def run(self, *args: object) -> Result:
        """`bureau --home HOME search ARGS...`, in-process."""
        out, err = io.StringIO(), io.StringIO()
        user = self.bureau.env()["BUREAU_USER"]
        argv = ["--home", str(self.bureau.root), "--user", user, "search", *map(str, args)]
        secrets = {"BUREAU_PASSPHRASE": self.bureau.env()["BUREAU_PASSPHRASE"]}
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            mock.patch.dict(os.environ, secrets),
        ):
            try:
                code = main(argv)
            except SystemExit as exit_:  # argparse
                code = exit_.code if isinstance(exit_.code, int) else 1
        return Result(code, out.getvalue(), err.getvalue())

    def json(self, *args: object) -> dict:
        result = self.run(*args, "--json")
        assert result.code == 0, (args, result.code, result.err)
        return result.json()

    def keys(self, *args: object) -> list[str]:
        """The corpus keys of the hits, in rank order (all on one page)."""
        return [self.by_id[hit["id"]] for hit in self.json(*args, "--limit", "100")["hits"]]

    def found(self, *args: object) -> set[str]:
        return set(self.keys(*args))

    def hit(self, key: str, *args: object) -> dict:
        for hit in self.json(*args, "--limit", "100")["hits"]:
            if hit["id"] == self.items[key]["id"]:
                return hit
        raise AssertionError(f"{key} not found by {args}")


def file_doc(bureau: Bureau, folder: Path, doc: Doc, items: dict[str, dict]) -> dict:
    if doc.pdf:
        path = make_pdf(folder / f"{doc.key}.pdf", doc.body, info={"Title": doc.title})
    else:
        path = make_docx(folder / f"{doc.key}.docx", doc.body, title=doc.title)
    args: list[object] = [
        "file",
        path,
        "--kind",
        doc.kind,
        "--dept",
        doc.dept,
        "--title",
        doc.title,
        "--date",
        doc.date,
        "--retention",
        doc.retention,
        "--classification",
        doc.classification,
    ]
    if doc.doc_no:
        args += ["--doc-no", doc.doc_no]
    if doc.supersedes:
        args += ["--supersedes", items[doc.supersedes]["id"]]
    return bureau.json(*args)


ENGINES = ["tantivy", "whoosh"]


@pytest.fixture(scope="module", params=ENGINES)
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pristine_home: Path
) -> Corpus:
    """The corpus in a home whose index is built by each engine in turn: every search
    below must behave the same on both."""
    folder = tmp_path_factory.mktemp(f"search-corpus-{request.param}")
    root = folder / "home"
    shutil.copytree(pristine_home, root, symlinks=True)  # a home made by `bureau init`
    bureau = Bureau(root, folder)
    bureau.ok("index", "rebuild", "--engine", request.param)
    assert bureau.json("index", "status")["engine"] == request.param
    items: dict[str, dict] = {}
    for doc in CORPUS:
        items[doc.key] = file_doc(bureau, folder, doc, items)
    bureau.ok("watch", "--once", "--settle", "0")
    return Corpus(bureau, items)


def where(**conditions: object) -> set[str]:
    """The keys of the corpus documents whose fields equal `conditions`."""
    return {d.key for d in CORPUS if all(getattr(d, k) == v for k, v in conditions.items())}


# The corpus itself


def test_every_filed_document_is_indexed_and_nothing_is_pending(corpus: Corpus):
    result = corpus.json("bureau", "--limit", "100")
    assert result["total"] == len(CORPUS)
    assert {corpus.by_id[h["id"]] for h in result["hits"]} == ALL
    assert result["pending"] == 0


# Words: English stemming, Chinese bigram phrases


def test_an_english_word_finds_its_other_inflections(corpus: Corpus):
    assert "inspection" in corpus.found("inspections")
    assert corpus.found("inspection") == corpus.found("inspections") == {"inspection"}
    assert corpus.found("canteen") == {"inspection", "budget", "hygiene"}  # canteens, Canteen


def test_english_words_match_regardless_of_case(corpus: Corpus):
    assert corpus.found("PLAYGROUND") == corpus.found("playground") == {"title_word", "body_word"}


def test_full_width_letters_in_a_query_find_the_ascii_word(corpus: Corpus):
    assert corpus.found("ＰＬＡＹＧＲＯＵＮＤ") == {"title_word", "body_word"}


def test_several_words_are_all_required(corpus: Corpus):
    assert corpus.found("canteen hygiene") == {"hygiene"}


def test_a_chinese_word_finds_the_documents_where_its_characters_stand_together(
    corpus: Corpus,
):
    assert corpus.found("安全检查") == {"zh_safety"}  # not zh_decoy: 安全 … 检查 apart
    assert corpus.found("教师资格") == {"zh_teacher"}  # not zh_teacher_apart: 教师 … 资格


def test_a_chinese_word_of_two_characters_finds_every_document_with_it(corpus: Corpus):
    assert corpus.found("安全") == {"zh_safety", "zh_decoy"}
    assert corpus.found("资格") == {"zh_teacher", "zh_teacher_apart"}


def test_a_chinese_word_of_odd_length_is_found_as_a_whole(corpus: Corpus):
    assert corpus.found("教师资") == {"zh_teacher"}


def test_a_single_chinese_character_finds_the_words_it_begins(corpus: Corpus):
    assert corpus.found("检") == {"zh_safety", "zh_decoy"}


def test_a_single_chinese_character_is_found_at_the_end_of_a_sentence(corpus: Corpus):
    """材料 stands only before 。 in zh_teacher, so 料 begins no bigram there."""
    assert corpus.found("料") == {"zh_teacher"}


def test_a_chinese_query_whose_words_stand_apart_finds_them_when_nothing_has_them_together(
    corpus: Corpus,
):
    """No document says 教育经费; zh_funds says 教育专项经费: each word of the query is there."""
    assert corpus.found("教育经费") == {"zh_funds", "zh_funds_far"}


def test_the_document_where_the_words_stand_closer_ranks_first(corpus: Corpus):
    assert corpus.keys("教育经费") == ["zh_funds", "zh_funds_far"]


def test_a_chinese_query_loosened_still_requires_every_character_with_a_neighbour(
    corpus: Corpus,
):
    """育经 only joins 教育 and 经费; but 教育局经费 needs 局 beside 育 or 经: 市教育局 has it."""
    assert corpus.found("教育局经费") == {"zh_funds", "zh_funds_far"}
    assert corpus.found("教育专款") == set()  # 专款 is nowhere


def test_words_found_together_are_not_loosened(corpus: Corpus):
    assert corpus.found("专项经费") == {"zh_funds"}
    assert corpus.found("安全检查") == {"zh_safety"}


def test_a_quoted_chinese_phrase_is_never_loosened(corpus: Corpus):
    assert corpus.found('"教育经费"') == set()


def test_an_english_word_of_several_pieces_is_loosened_to_all_of_them(corpus: Corpus):
    """`summer-playground` is two pieces, never adjacent: both are required, apart."""
    assert corpus.found("summer-playground") == {"body_word"}
    assert corpus.found("summer-laboratories") == {"body_word"}
    assert corpus.found("summer-canteen") == set()


def test_chinese_and_english_words_combine_in_one_query(corpus: Corpus):
    assert corpus.found("安全检查 bureau") == {"zh_safety"}


# Ranking


def test_a_word_in_the_title_ranks_above_the_same_word_only_in_the_text(corpus: Corpus):
    assert corpus.keys("playground") == ["title_word", "body_word"]


def test_a_chinese_word_in_the_title_ranks_above_the_same_word_only_in_the_text(
    corpus: Corpus,
):
    assert corpus.keys("资格") == ["zh_teacher", "zh_teacher_apart"]


@pytest.mark.parametrize(
    "typed",
    [
        "CEB-BGS [2026] No. 12",
        "ceb-bgs〔2026〕no.12",
        "CEB BGS 2026 No 12",
        "CEB-BGS［2026］No．12",
        "CEB-BGS (2026) No. 12",
    ],
)
def test_an_english_document_number_as_typed_finds_that_document_first(corpus: Corpus, typed: str):
    keys = corpus.keys(typed)
    assert keys[0] == "inspection"


def test_an_english_document_number_typed_as_several_arguments_finds_it_first(corpus: Corpus):
    keys = corpus.keys("CEB-BGS", "[2026]", "No.", "12")
    assert keys[0] == "inspection"


def test_an_english_document_number_ranks_first_above_a_document_citing_it(corpus: Corpus):
    keys = corpus.keys("CEB BGS 2026 No 12")
    assert keys[0] == "inspection" and "en_decoy" in keys


@pytest.mark.parametrize(
    "typed",
    ["市教办〔2026〕12号", "市教办[2026]12号", "市教办（2026）12号", "市教办 〔2026〕 12 号"],
)
def test_a_chinese_document_number_as_typed_finds_that_document_first(corpus: Corpus, typed: str):
    keys = corpus.keys(typed)
    assert keys[0] == "zh_safety"


@pytest.mark.parametrize("typed", ["市教办〔2026〕12号", "12号"])
def test_a_chinese_document_number_also_finds_the_documents_citing_it_in_their_text(
    corpus: Corpus, typed: str
):
    """zh_decoy says 根据市教办〔2026〕12号文件精神: the number is followed by more Chinese."""
    assert corpus.found(typed) == {"zh_safety", "zh_decoy"}


def test_the_next_document_number_finds_its_own_document_first(corpus: Corpus):
    assert corpus.keys("CEB-BGS [2026] No. 13")[0] == "en_decoy"
    assert corpus.keys("市教办〔2026〕13号")[0] == "zh_decoy"


def test_an_archival_code_as_printed_finds_that_item_first(corpus: Corpus):
    code = corpus.items["zh_decoy"]["archive_code"]
    assert "·" in code
    assert corpus.keys(code)[0] == "zh_decoy"


@pytest.mark.parametrize("dot", [".", "・", "．"])
def test_an_archival_code_typed_with_another_dot_finds_that_item_first(corpus: Corpus, dot: str):
    code = corpus.items["zh_decoy"]["archive_code"].replace("·", dot)
    assert corpus.keys(code)[0] == "zh_decoy"
    assert corpus.keys(code.lower())[0] == "zh_decoy"


def test_an_item_id_finds_that_item_first(corpus: Corpus):
    assert corpus.keys(corpus.items["budget"]["id"])[0] == "budget"


# Query syntax


def test_a_quoted_phrase_requires_its_words_together(corpus: Corpus):
    assert corpus.found('"spring term"') == {"inspection"}
    assert corpus.found("spring term") == {"inspection", "spring_apart"}


def test_and_requires_both_words(corpus: Corpus):
    assert corpus.found("canteen AND budget") == {"budget"}


def test_or_accepts_either_word(corpus: Corpus):
    assert corpus.found("hygiene OR playground") == {"hygiene", "title_word", "body_word"}


def test_not_excludes_a_word(corpus: Corpus):
    assert corpus.found("canteen NOT budget") == {"inspection", "hygiene"}


def test_boolean_operators_group_with_brackets(corpus: Corpus):
    assert corpus.found("(hygiene OR playground) AND schedule") == {"body_word"}


def test_boolean_operators_work_with_chinese_words(corpus: Corpus):
    assert corpus.found("安全 NOT 检查工作") == {"zh_decoy"}
    assert corpus.found("安全检查 OR 教师资格") == {"zh_safety", "zh_teacher"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dept:BGS", where(dept="BGS")),
        ("dept:bgs", where(dept="BGS")),
        ("kind:notice", where(kind="notice")),
        ("type:budget", where(kind="budget")),
        ("year:2025", where(year=2025)),
        ("level:confidential", where(classification="confidential")),
        ("title:playground", {"title_word"}),
        ("title:安全检查", {"zh_safety"}),
        ("dept:RSK 教师", {"zh_teacher", "zh_teacher_apart"}),
    ],
)
def test_field_value_searches_that_field(corpus: Corpus, query: str, expected: set[str]):
    assert corpus.found(query) == expected


def test_code_field_finds_an_item_by_its_archival_code(corpus: Corpus):
    code = corpus.items["hygiene"]["archive_code"]
    assert corpus.found(f'code:"{code}"') == {"hygiene"}


def test_a_prefix_wildcard_finds_every_word_it_begins(corpus: Corpus):
    assert corpus.found("inspect*") == {"inspection"}
    assert corpus.found("play*") == {"title_word", "body_word"}


# Filters


def test_dept_filter_restricts_to_that_department(corpus: Corpus):
    assert corpus.found("bureau", "--dept", "JCK") == where(dept="JCK")
    assert corpus.found("bureau", "--dept", "jck") == where(dept="JCK")


def test_kind_filter_restricts_to_that_kind(corpus: Corpus):
    assert corpus.found("bureau", "--kind", "plan") == where(kind="plan")
    assert corpus.found("bureau", "--kind", "NOTICE") == where(kind="notice")


def test_year_filter_restricts_to_that_year(corpus: Corpus):
    assert corpus.found("bureau", "--year", "2025") == where(year=2025)


def test_date_range_filter_includes_both_ends(corpus: Corpus):
    found = corpus.found("bureau", "--from", "2025-01-15", "--to", "2025-07-01")
    assert found == {d.key for d in CORPUS if "2025-01-15" <= d.date <= "2025-07-01"}
    assert found >= {"budget", "training"}


def test_a_one_day_range_finds_that_days_documents(corpus: Corpus):
    assert corpus.found("bureau", "--from", "2026-03-04", "--to", "2026-03-04") == {"inspection"}


def test_from_alone_and_to_alone_are_open_ended(corpus: Corpus):
    assert corpus.found("bureau", "--from", "2026-04-10") == {
        d.key for d in CORPUS if d.date >= "2026-04-10"
    }
    assert corpus.found("bureau", "--to", "2024-05-10") == {
        d.key for d in CORPUS if d.date <= "2024-05-10"
    }


def test_classification_filter_restricts_to_that_level(corpus: Corpus):
    assert corpus.found("bureau", "--classification", "public") == where(classification="public")
    assert corpus.found("bureau", "--classification", "机密") == where(classification="secret")


def test_filters_combine(corpus: Corpus):
    assert corpus.found("bureau", "--dept", "BGS", "--year", "2026", "--kind", "approval") == {
        "en_decoy"
    }


def test_the_total_counts_only_what_the_filters_let_through_beyond_the_first_page(
    corpus: Corpus,
):
    for args in (("--classification", "public"), ("--dept", "BGS")):
        result = corpus.json("bureau", *args, "--limit", "1")
        assert result["total"] == len(corpus.found("bureau", *args)), args
        assert result["pages"] == result["total"]


def test_a_filter_that_excludes_everything_finds_nothing(corpus: Corpus):
    result = corpus.json("playground", "--dept", "RSK")
    assert (result["total"], result["hits"], result["pages"]) == (0, [], 0)


# Order and pages


def test_sort_by_date_gives_the_newest_first(corpus: Corpus):
    hits = corpus.json("bureau", "--sort", "date", "--limit", "100")["hits"]
    dates = [h["date"] for h in hits]
    assert len(dates) == len(CORPUS)
    assert dates == sorted(dates, reverse=True)


def test_sort_by_date_applies_across_pages(corpus: Corpus):
    first = corpus.json("bureau", "--sort", "date", "--limit", "5")["hits"]
    second = corpus.json("bureau", "--sort", "date", "--limit", "5", "--page", "2")["hits"]
    dates = [h["date"] for h in first + second]
    assert dates == sorted((d.date for d in CORPUS), reverse=True)[:10]


def test_pages_split_the_results_and_the_second_page_has_the_rest(corpus: Corpus):
    first = corpus.json("bureau", "--limit", "10")
    second = corpus.json("bureau", "--limit", "10", "--page", "2")
    assert first["total"] == second["total"] == len(CORPUS)
    assert (first["page"], first["pages"], second["page"], second["pages"]) == (1, 2, 2, 2)
    assert len(first["hits"]) == 10 and len(second["hits"]) == len(CORPUS) - 10
    ids = [h["id"] for h in first["hits"] + second["hits"]]
    assert len(set(ids)) == len(ids) == len(CORPUS)


def test_the_default_limit_is_twenty(corpus: Corpus):
    result = corpus.json("bureau")
    assert len(result["hits"]) == min(20, len(CORPUS))


def test_a_page_past_the_end_has_no_hits_and_the_same_total(corpus: Corpus):
    result = corpus.json("bureau", "--limit", "10", "--page", "5")
    assert result["hits"] == []
    assert (result["total"], result["page"], result["pages"]) == (len(CORPUS), 5, 2)


def test_a_page_past_the_end_says_so_in_text(corpus: Corpus):
    result = corpus.run("bureau", "--limit", "10", "--page", "5")
    assert result.code == 0
    assert "past the last page" in result.out


# What a hit says


def test_the_json_has_the_documented_keys(corpus: Corpus):
    result = corpus.json("inspection")
    assert set(result) == {"total", "hits", "suggestion", "page", "pages", "pending"}
    assert result["hits"] and all(set(h) == HIT_KEYS for h in result["hits"])


def test_a_hit_carries_the_items_metadata(corpus: Corpus):
    hit = corpus.hit("inspection", "inspection")
    item = corpus.items["inspection"]
    assert hit["id"] == item["id"] and hit["archive_code"] == item["archive_code"]
    assert (hit["doc_no"], hit["title"], hit["date"], hit["dept"]) == (
        "CEB-BGS [2026] No. 12",
        "Notice on the spring safety inspection",
        "2026-03-04",
        "BGS",
    )
    assert (hit["kind"], hit["classification"], hit["status"], hit["sealed"]) == (
        "notice",
        "internal",
        "filed",
        False,
    )
    assert (hit["text"], hit["text_reason"]) == ("available", None)
    assert isinstance(hit["score"], float) and hit["score"] > 0


def test_a_hit_without_a_document_number_has_null_doc_no(corpus: Corpus):
    assert corpus.hit("hygiene", "hygiene")["doc_no"] is None


def test_the_snippet_highlights_the_matched_word_as_written(corpus: Corpus):
    snippet = corpus.hit("inspection", "inspection")["snippet"]
    assert "**inspections**" in snippet


def test_the_snippet_of_a_pdf_highlights_the_match(corpus: Corpus):
    assert "**subsidies**" in corpus.hit("budget", "subsidy")["snippet"]


def test_the_snippet_highlights_a_chinese_word_as_one_span(corpus: Corpus):
    snippet = corpus.hit("zh_safety", "安全检查")["snippet"]
    assert "**安全检查**" in snippet
    assert "****" not in snippet


def test_the_snippet_highlights_every_word_of_the_query(corpus: Corpus):
    snippet = corpus.hit("hygiene", "canteen hygiene")["snippet"]
    assert "**Canteen**" in snippet and "**hygiene**" in snippet


def test_a_document_found_by_its_title_alone_still_has_a_snippet(corpus: Corpus):
    snippet = corpus.hit("title_word", "renovation")["snippet"]
    assert snippet.startswith("Works start in July")


def test_text_output_lists_code_title_and_snippet(corpus: Corpus):
    result = corpus.run("playground")
    assert result.code == 0
    assert "2 document(s) found" in result.out
    assert corpus.items["title_word"]["archive_code"] in result.out
    assert "Playground renovation plan" in result.out
    assert "**playground**" in result.out
    assert result.err == ""  # nothing pending: no note


# Did you mean


def test_a_misspelled_word_finding_nothing_suggests_the_indexed_spelling(corpus: Corpus):
    result = corpus.json("inspecton")
    assert (result["total"], result["suggestion"]) == (0, "inspection")


def test_a_misspelled_word_among_correct_ones_is_respelled_in_place(corpus: Corpus):
    result = corpus.json("spring inspecton")
    assert (result["total"], result["suggestion"]) == (0, "spring inspection")


def test_query_operators_are_kept_when_a_word_is_respelled(corpus: Corpus):
    result = corpus.json("inspecton NOT budget")
    assert (result["total"], result["suggestion"]) == (0, "inspection NOT budget")


def test_field_names_are_kept_when_a_word_is_respelled(corpus: Corpus):
    result = corpus.json("dept:BGS inspecton")
    assert (result["total"], result["suggestion"]) == (0, "dept:BGS inspection")


def test_two_swapped_letters_suggest_the_word_they_misspell(corpus: Corpus):
    result = corpus.json("spring trem")
    assert (result["total"], result["suggestion"]) == (0, "spring term")


def test_text_output_offers_the_suggestion(corpus: Corpus):
    result = corpus.run("inspecton")
    assert result.code == 0
    assert "did you mean: inspection" in result.out


def test_a_query_with_hits_has_no_suggestion(corpus: Corpus):
    result = corpus.json("inspection")
    assert result["total"] > 0 and result["suggestion"] is None


def test_a_word_with_no_near_spelling_has_no_suggestion(corpus: Corpus):
    result = corpus.json("zqxjvwk")
    assert (result["total"], result["suggestion"]) == (0, None)


def test_a_suggestion_is_only_made_if_it_finds_something_within_the_filters(corpus: Corpus):
    result = corpus.json("inspecton", "--dept", "RSK")
    assert (result["total"], result["suggestion"]) == (0, None)


# Malformed queries and bad options


@pytest.mark.parametrize(
    "query",
    [
        '"spring',
        'spring"',
        "(safety",
        "safety)",
        "a AND (b",
        "[2026",
        "2026]",
        "title:",
        "title:(",
        "dept:",
        "year:abc",
        "year:[2024 TO",
        "*",
        "?",
        "AND",
        "OR",
        "NOT",
        "NOT NOT",
        "^2",
        "safety^",
        "'",
        "{",
        "\\",
        "《安全",
        "〔2026",
        "ＡＮＤ",
    ],
)
def test_a_malformed_query_never_fails_with_a_traceback(corpus: Corpus, query: str):
    result = corpus.run(query, "--json")
    assert result.code in (0, 2), (result.code, result.err)
    if result.code == 0:
        data = result.json()
        assert data["total"] >= 0 and len(data["hits"]) <= data["total"]
    else:
        assert len(result.err.strip().splitlines()) == 1
        assert result.err.startswith("bureau: error:")


def test_an_unbalanced_quote_is_searched_as_the_words(corpus: Corpus):
    assert corpus.found('"spring term') == corpus.found("spring term")


def test_an_unbalanced_bracket_is_searched_as_the_words(corpus: Corpus):
    assert corpus.found("(canteen hygiene") == {"hygiene"}


def test_a_year_range_in_a_query_restricts_the_years(corpus: Corpus):
    assert corpus.found("year:[2024 TO 2025]") == {d.key for d in CORPUS if d.year in (2024, 2025)}


@pytest.mark.parametrize(
    "options",
    [
        ["--limit", "0"],
        ["--limit", "-1"],
        ["--limit", "1001"],
        ["--limit", "ten"],
        ["--page", "0"],
        ["--page", "-2"],
        ["--from", "2026-05-01", "--to", "2026-04-01"],
        ["--from", "2026-13-01"],
        ["--to", "2026-02-30"],
        ["--from", "yesterday"],
        ["--year", "twenty"],
        ["--dept", "XYZ"],
        ["--classification", "ultra"],
        ["--sort", "title"],
    ],
)
def test_a_bad_option_is_refused_in_one_line(corpus: Corpus, options: list[str]):
    result = corpus.run("bureau", *options)
    assert result.code == 2, (result.code, result.err)
    assert len(result.err.strip().splitlines()) == 1
    assert result.out == ""


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_is_refused_in_one_line(corpus: Corpus, query: str):
    result = corpus.run(query)
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1


def test_a_bad_option_error_names_the_option(corpus: Corpus):
    assert "--limit" in corpus.run("bureau", "--limit", "0").err
    assert "--page" in corpus.run("bureau", "--page", "0").err
    assert "XYZ" in corpus.run("bureau", "--dept", "XYZ").err


def test_the_real_command_searches_the_corpus(corpus: Corpus):
    """The same search through a new process, exactly as a user runs it."""
    result = corpus.bureau.real.json("search", "安全检查")
    assert [h["id"] for h in result["hits"]] == [corpus.items["zh_safety"]["id"]]


# Corrections


def test_a_corrected_document_and_its_correction_are_both_found(corpus: Corpus):
    assert corpus.found("teacher training") == {"training", "training_fix"}


def test_the_status_tells_the_superseded_document_from_its_correction(corpus: Corpus):
    assert corpus.hit("training", "teacher training")["status"] == "superseded"
    assert corpus.hit("training_fix", "teacher training")["status"] == "filed"


# Pending: homes of their own, since these change what is filed


def file_note(bureau: Bureau, tmp_path: Path, name: str) -> dict:
    doc = make_docx(tmp_path / f"{name}.docx", f"A note about {name} and lanterns.", title=name)
    return bureau.json(
        "file",
        doc,
        "--kind",
        "notice",
        "--dept",
        "BGS",
        "--retention",
        "D10",
        "--date",
        "2026-01-05",
    )


def test_a_home_whose_index_was_never_built_finds_nothing_and_counts_pending(
    bureau: Bureau, tmp_path: Path
):
    file_note(bureau, tmp_path, "first")
    file_note(bureau, tmp_path, "second")
    result = bureau.json("search", "lanterns")
    assert (result["total"], result["hits"], result["pending"]) == (0, [], 2)


def test_a_filed_document_is_pending_until_the_watcher_indexes_it(bureau: Bureau, tmp_path: Path):
    file_note(bureau, tmp_path, "first")
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("search", "lanterns")["pending"] == 0
    late = file_note(bureau, tmp_path, "second")

    result = bureau.json("search", "lanterns")
    assert result["pending"] >= 1
    assert late["id"] not in [h["id"] for h in result["hits"]]
    text = bureau.ok("search", "lanterns")
    assert "not in the index yet" in text.err and "bureau watch" in text.err

    bureau.ok("watch", "--once", "--settle", "0")
    result = bureau.json("search", "lanterns")
    assert result["pending"] == 0
    assert late["id"] in [h["id"] for h in result["hits"]]
    assert bureau.ok("search", "lanterns").err == ""


def test_a_correction_filed_after_indexing_marks_the_original_superseded(
    bureau: Bureau, tmp_path: Path
):
    original = file_note(bureau, tmp_path, "original")
    bureau.ok("watch", "--once", "--settle", "0")
    fixed = make_docx(tmp_path / "fixed.docx", "A corrected note about lanterns.", title="fixed")
    correction = bureau.json(
        "file",
        fixed,
        "--kind",
        "notice",
        "--dept",
        "BGS",
        "--retention",
        "D10",
        "--date",
        "2026-01-06",
        "--supersedes",
        original["id"],
    )
    bureau.ok("watch", "--once", "--settle", "0")
    statuses = {h["id"]: h["status"] for h in bureau.json("search", "lanterns")["hits"]}
    assert statuses == {original["id"]: "superseded", correction["id"]: "filed"}
