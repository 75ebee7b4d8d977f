"""The analyzer: how mixed Chinese and English text becomes index terms, and how a document
number is reduced to the key it is matched by however it is typed."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from whoosh.analysis import LowercaseFilter

from indexer.analysis import (
    MixedTokenizer,
    doc_no_key,
    index_terms,
    is_cjk,
    mixed_analyzer,
    spelling_words,
    words,
)


def spans(text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar) for t in mixed_analyzer()(text, chars=True)]


# English


def test_english_plural_and_singular_share_one_stemmed_term():
    assert words("inspections") == words("inspection") == words("Inspecting")


def test_english_is_lowercased():
    assert words("SAFETY Notice") == words("safety notice")


def test_full_width_letters_and_digits_fold_to_ascii():
    assert words("ＡＢＣ１２") == ["abc12"]
    assert words("ＣＡＮＴＥＥＮ") == words("canteen")


def test_numbers_are_kept_as_terms():
    assert words("2026 No. 12") == ["2026", "no", "12"]


def test_punctuation_and_underscores_separate_words():
    assert words("fire_exit, canteen-hygiene!") == ["fire", "exit", "canteen", "hygien"]


# Chinese


def test_a_chinese_run_becomes_overlapping_bigrams():
    assert words("安全检查") == ["安全", "全检", "检查"]


def test_a_single_chinese_character_is_one_token():
    assert words("号") == ["号"]
    assert words("第 号 文") == ["第", "号", "文"]


def test_chinese_punctuation_breaks_a_run():
    assert words("安全，检查") == ["安全", "检查"]


def test_mixed_text_gives_words_and_bigrams_in_order():
    assert words("关于2026年spring term安全检查") == [
        "关于",
        "2026",
        "年",
        "spring",
        "term",
        "安全",
        "全检",
        "检查",
    ]


def test_positions_count_bigrams_so_contiguous_characters_have_consecutive_positions():
    positions = [t.pos for t in mixed_analyzer()("开展 安全检查", positions=True)]
    assert positions == [0, 1, 2, 3]


def test_is_cjk():
    assert is_cjk("安全") and is_cjk("号")
    assert not is_cjk("") and not is_cjk("安全a") and not is_cjk("abc")


# Character offsets point into the original text


def test_offsets_of_english_words_point_at_what_was_written():
    text = "Spring INSPECTIONS begin."
    assert [(text[s:e], term) for term, s, e in spans(text)] == [
        ("Spring", "spring"),
        ("INSPECTIONS", "inspect"),
        ("begin", "begin"),
    ]


def test_offsets_of_chinese_bigrams_point_at_their_two_characters():
    text = "各校开展安全检查。"
    for term, start, end in spans(text):
        assert text[start:end] == term


def test_offsets_of_full_width_words_point_at_the_full_width_original():
    text = "编号ＡＢＣ１２号"
    found = {term: text[s:e] for term, s, e in spans(text)}
    assert found["abc12"] == "ＡＢＣ１２"


def test_offsets_in_mixed_text():
    text = "Notice 关于 safety 安全检查 of 2026"
    for term, start, end in spans(text):
        original = text[start:end]
        if is_cjk(term):
            assert original == term
        else:
            assert original.lower().startswith(term[:3])


# Document numbers


@pytest.mark.parametrize(
    "typed",
    [
        "ceb-bgs〔2026〕no.12",
        "CEB BGS 2026 No 12",
        "CEB-BGS[2026]No.12",
        "ＣＥＢ－ＢＧＳ［２０２６］Ｎｏ．１２",
    ],
)
def test_an_english_document_number_has_one_key_however_typed(typed: str):
    assert doc_no_key(typed) == doc_no_key("CEB-BGS [2026] No. 12")


@pytest.mark.parametrize(
    "typed", ["市教办[2026]12号", "市教办（2026）12号", "市教办 (2026) 12 号", "市教办【2026】12号"]
)
def test_a_chinese_document_number_has_one_key_however_typed(typed: str):
    assert doc_no_key(typed) == doc_no_key("市教办〔2026〕12号")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("CEB-BGS [2026] No. 12", "CEB-BGS [2026] No. 13"),
        ("CEB-BGS [2026] No. 12", "CEB-BGS [2026] No. 1"),
        ("CEB-BGS [2026] No. 12", "CEB-BGS [2025] No. 12"),
        ("CEB-BGS [2026] No. 12", "CEB-RSK [2026] No. 12"),
        ("CEB-BGS [2026] No. 12", "CEB-BGS-L [2026] No. 12"),
        ("市教办〔2026〕12号", "市教办〔2026〕13号"),
        ("市教办〔2026〕12号", "市教办函〔2026〕12号"),
        ("市教办〔2026〕12号", "CEB-BGS [2026] No. 12"),
    ],
)
def test_different_document_numbers_have_different_keys(one: str, other: str):
    assert doc_no_key(one) != doc_no_key(other)


def test_a_document_number_key_of_only_punctuation_is_empty():
    assert doc_no_key(" [ ]-〔〕. ") == ""


# Properties


@settings(max_examples=300)
@given(st.text())
@example("A¨")  # NFKC gives "A \u0308"; removing the space leaves an uncomposed "a\u0308"
def test_doc_no_key_is_idempotent(text: str):
    key = doc_no_key(text)
    assert doc_no_key(key) == key


_MIXED = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("安全检查教师资格市教办〔〕（）号年ＡＢＣ１２ abcXYZ-.,。 \n\t"),
    )
)


@settings(max_examples=300)
@given(_MIXED)
def test_tokenizing_never_raises_and_offsets_stay_within_the_text(text: str):
    previous_start = 0
    for term, start, end in spans(text):
        assert term
        assert 0 <= start < end <= len(text)
        assert start >= previous_start
        previous_start = start


@settings(max_examples=300)
@given(_MIXED)
def test_each_unstemmed_token_is_its_original_text_folded(text: str):
    """Unstemmed, a word's token is exactly what was written, NFKC-folded and lowercased, and
    a CJK token is exactly the characters written; so highlighting marks the right text."""
    analyzer = MixedTokenizer() | LowercaseFilter()
    for token in analyzer(text, chars=True):
        original = text[token.startchar : token.endchar]
        if is_cjk(original):
            assert token.text == original
        else:
            assert token.text == unicodedata.normalize("NFKC", original).lower()


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1))
def test_a_word_token_casefolded_is_found_in_its_original_casefolded(text: str):
    analyzer = MixedTokenizer() | LowercaseFilter()
    for token in analyzer(text, chars=True):
        original = text[token.startchar : token.endchar]
        if not is_cjk(original):
            folded = unicodedata.normalize("NFKC", original).casefold()
            assert token.text.casefold() in folded


_WRITING = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            "安全检查教师资格市教办〔〕（）号年ＡＢＣ１２ abcXYZ-.,。 \n\t"
            "inspections teachers running ÉCOLE Straße ﬁ ½ ⑴ ΐ ﺰ ﱞ ͺ ㈠ 한국어 カタカナ 𠀀𠀁"
        ),
    )
)


@settings(max_examples=1000)
@given(_WRITING)
@example("ﱞ ﺰ ͺ ﷺ")  # NFKC makes a space inside these words
@example("Inspections INSPECTING inspected canteen's canteens")
def test_the_fast_writing_analysis_makes_exactly_the_analyzers_terms(text: str):
    """The writing path's one-pass analysis is the analyzer's, term for term: a document
    written with it is found by every query the analyzer makes."""
    assert index_terms(text) == (words(text), spelling_words(text))


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
@example("Inspections, INSPECTING_inspected 2026 No.12 canteen's")
def test_the_fast_analysis_of_ascii_text_makes_exactly_the_analyzers_terms(text: str):
    assert index_terms(text) == (words(text), spelling_words(text))
