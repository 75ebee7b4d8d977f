"""Snippets: passages of a hit's text with the query's words marked as written."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from indexer.analysis import words
from indexer.snippets import SNIPPET_CHARS, SURROUND, opening, snippet


def marked(text: str) -> list[str]:
    return re.findall(r"\*\*(.+?)\*\*", text)


def test_an_english_word_is_marked_in_every_inflection_the_analyzer_stems_alike():
    text = "Inspections of canteens: the inspector inspected each canteen."
    assert marked(snippet(text, set(words("inspection canteen")))) == [
        "Inspections",
        "canteens",
        "inspected",
        "canteen",
    ]


def test_a_word_inside_another_word_is_not_marked():
    assert marked(snippet("Works start in July; art classes follow.", {"art"})) == ["art"]


def test_a_chinese_word_is_marked_as_one_span():
    text = "各学校要认真开展安全检查工作，确保师生安全。"
    assert (
        snippet(text, set(words("安全检查")))
        == "各学校要认真开展**安全检查**工作，确保师生**安全**。"
    )


def test_a_lone_chinese_term_is_marked_only_where_it_stands_alone():
    assert marked(snippet("第12号 号码", set(words("号")))) == ["号"]


def test_full_width_letters_are_marked_as_written():
    assert marked(snippet("见ＰＬＡＹＧＲＯＵＮＤ规划", {"playground"})) == ["ＰＬＡＹＧＲＯＵＮＤ"]


def test_a_text_without_the_words_shows_its_opening():
    text = "Works start in July.   The playground reopens in September."
    assert snippet(text, {"budget"}) == opening(text) == " ".join(text.split())


def test_a_long_text_shows_the_passage_around_its_match_without_cutting_words():
    text = "lorem ipsum " * 200 + "the annual budget is approved " + "dolor sit " * 200
    found = snippet(text, {"budget"})
    assert "**budget**" in found
    assert len(found) <= SNIPPET_CHARS + 2 * SURROUND + 4
    assert all(word in {"lorem", "ipsum", "dolor", "sit", "the", "annual", "is", "approved"}
               for word in found.replace("**", "").split() if word != "budget")  # fmt: skip


def test_at_most_two_passages_are_shown_those_with_most_matches_in_text_order():
    far = " filler" * 40
    text = f"one budget{far} two budget budget budget{far} three budget budget{far} end"
    found = snippet(text, {"budget"})
    assert found.count(" … ") == 1
    assert found.index("two") < found.index("three") and "one" not in found


@given(st.text(alphabet="ab 安全检查Ｂ-", max_size=300), st.sampled_from(["ab", "安全", "b"]))
def test_every_marked_span_is_a_term_the_query_looks_for(text: str, word: str):
    for span in marked(snippet(text, {word})):
        assert word in words(span)


def test_a_word_written_in_compatibility_letters_is_marked_as_the_index_matched_it():
    assert marked(snippet("the ﬁnal budget", set(words("final")))) == ["ﬁnal"]


@given(
    st.text(alphabet="abİﬁ①é 安全检查Ｂ2-，。…", max_size=100),
    st.text(alphabet="abİﬁ①é安全检查Ｂ2", min_size=1, max_size=6),
)
def test_a_short_text_holding_a_word_of_the_query_has_it_marked(text: str, typed: str):
    wanted = set(words(typed))
    if wanted & set(words(text)):
        assert "**" in snippet(text, wanted)
