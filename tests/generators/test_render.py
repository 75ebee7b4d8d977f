"""Rendering: builtin samples in both languages, hostile values, budget arithmetic, fonts,
the sandbox, document properties, and one LibreOffice conversion."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from generators import compute
from generators.catalog import Template, load_template
from generators.docprops import read_custom_properties, read_title, set_custom_properties
from generators.fields import FieldErrors, validate
from generators.render import (
    DocContext,
    TemplateError,
    classification_mark,
    format_date,
    format_decimal,
    render_docx,
    split_paragraphs,
    zh_numeral,
)
from tests.generators.conftest import all_text, context, to_pdf

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BUILTIN = [
    (name, lang)
    for name in (
        "notice",
        "approval",
        "budget",
        "certificate-graduation",
        "certificate-teacher-qualification",
    )
    for lang in ("en", "zh")
]


def expected_texts(template: Template, values: dict, lang: str) -> list[str]:
    """The pieces of each value that must appear in the rendered document."""
    out: list[str] = []
    for field in template.fields:
        value = values[field.name]
        if field.type == "text":
            out += [line.strip() for line in value.split("\n") if line.strip()]
        elif field.type == "date" and value:
            out.append(format_date(value, lang))
        elif field.type == "integer" and value is not None:
            out.append(str(value))
        elif field.type == "list":
            out += value
        elif field.type == "table":
            for row in value:
                for cell in row.values():
                    if isinstance(cell, Decimal):
                        out.append(format_decimal(cell))
                    elif cell:
                        out.append(str(cell))
    return out


def render_sample(template: Template, lang: str, **doc: object) -> tuple[dict, bytes]:
    values = validate(template, template.load_sample(lang))
    return values, render_docx(template, values, context(lang, **doc), lang)


@pytest.mark.parametrize(("name", "lang"), BUILTIN)
def test_builtin_sample_renders_with_every_value(builtin, name, lang):
    template = builtin[name]
    values, data = render_sample(template, lang)
    text = all_text(data)
    missing = [piece for piece in expected_texts(template, values, lang) if piece not in text]
    assert missing == []


@pytest.mark.parametrize(("name", "lang"), BUILTIN)
def test_builtin_sample_leaves_no_template_syntax(builtin, name, lang):
    _, data = render_sample(builtin[name], lang)
    assert not re.search(r"\{[{%#]|[}%#]\}", all_text(data))


def test_notice_shows_document_context(builtin):
    _, data = render_sample(
        builtin["notice"], "zh", copy_number="000123", classification_mark="秘密★10年"
    )
    text = all_text(data)
    for piece in ("某市教育局文件", "市教办〔2026〕12号", "2026年11月27日", "000123", "秘密★10年"):
        assert piece in text
    assert "2026年11月27日印发" in text


def test_english_notice_formats_the_date_in_words(builtin):
    _, data = render_sample(builtin["notice"], "en")
    assert "27 November 2026" in all_text(data)


def test_notice_body_headings_get_heading_styles(builtin):
    _, data = render_sample(builtin["notice"], "zh")
    styles = {p.text: p.style.name for p in docx.Document(io.BytesIO(data)).paragraphs}
    assert styles["一、总体要求"] == "GB Heading 1"
    assert styles["二、教学安排"] == "GB Heading 1"
    assert styles["各校要于2027年2月20日前完成开学各项准备工作，并报基础教育科。"] == "GB Body"
    # the last paragraph goes over to the next page with the signature block, if need be
    assert styles["开学第一天课表、教材全部到位。"] == "GB Body Kept With Next"


def test_a_heading_on_its_own_line_keeps_with_the_next_paragraph(builtin):
    _, data = render_sample(builtin["notice"], "zh")
    paragraphs = docx.Document(io.BytesIO(data)).paragraphs
    heading = next(p for p in paragraphs if p.text == "一、总体要求")
    assert heading.style.paragraph_format.keep_with_next is True


def test_a_run_in_heading_is_a_body_paragraph_led_by_the_heading_face(builtin):
    """（一）加强领导。各校要…… : a page may end after it; its head is set in 楷体."""
    _, data = render_sample(builtin["notice"], "zh")
    paragraphs = docx.Document(io.BytesIO(data)).paragraphs
    run_in = next(p for p in paragraphs if p.text.startswith("（一）开展安全检查。"))
    assert run_in.style.name == "GB Body"
    assert run_in.runs[0].text == "（一）开展安全检查。"
    assert run_in.runs[0].style.name == "GB Heading 2 Char"


def test_notice_has_a_seal_anchor_before_the_issuing_organ(builtin):
    _, data = render_sample(builtin["notice"], "zh")
    paragraphs = docx.Document(io.BytesIO(data)).paragraphs
    index = next(i for i, p in enumerate(paragraphs) if p.style.name == "SealAnchor")
    assert paragraphs[index + 1].text.strip() == "某市教育局"
    assert paragraphs[index]._p.find(f"{W}bookmarkStart").get(f"{W}name") == "SealAnchor"


def test_optional_parts_vanish_when_empty(builtin):
    template = builtin["notice"]
    values = validate(template, {"title": "T", "recipients": "R", "body": "B"})
    text = all_text(render_docx(template, values, context("zh"), "zh"))
    assert "附件" not in text and "抄送" not in text and "（）" not in text


HOSTILE = [
    "A & B < C > D \" E ' F",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{%p endfor %}",
    "{# comment #}",
    "{_{ x }_} {_% y %_}",
    "</w:t></w:r><w:r><w:t>injected",
    "]]><![CDATA[",
    "emoji 😀👩‍🏫 and 中文 and עברית",
    "\\n backslash-n and \\t",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_value_appears_literally(builtin, value):
    template = builtin["notice"]
    values = validate(
        template, {"title": value, "recipients": value, "body": value, "copied_to": [value]}
    )
    data = render_docx(template, values, context("en"), "en")
    text = all_text(data)
    assert text.count(value) >= 3
    assert "49" not in text.replace("2026", "")


def test_newline_inside_a_single_line_value_keeps_the_xml_valid(builtin):
    template = builtin["notice"]
    values = validate(template, {"title": "line one\nline two", "recipients": "R", "body": "B"})
    data = render_docx(template, values, context("zh"), "zh")
    assert "line one\nline two" in all_text(data)


def test_ten_thousand_characters_render_whole(builtin):
    template = builtin["notice"]
    long = "长" * 5000 + "x" * 5000
    values = validate(template, {"title": "T", "recipients": "R", "body": long})
    assert long in all_text(render_docx(template, values, context("zh"), "zh"))


def test_hostile_document_context_is_escaped_too(builtin):
    _, data = render_sample(builtin["notice"], "en", org="A&B <Org> {{ doc }}")
    assert "A&B <Org> {{ doc }}" in all_text(data)


def test_rendering_is_deterministic(builtin):
    assert render_sample(builtin["budget"], "zh")[1] == render_sample(builtin["budget"], "zh")[1]


def test_zh_docx_names_the_gb_fonts_in_styles_and_runs(builtin):
    _, data = render_sample(builtin["notice"], "zh")
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        styles = package.read("word/styles.xml").decode()
        body = package.read("word/document.xml").decode()
    for face in ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"):
        assert f'w:eastAsia="{face}"' in styles
    assert "eastAsiaTheme" not in styles.split("</w:docDefaults>")[0]
    runs = re.findall(r"<w:r>.*?</w:r>", body)
    assert runs and all("w:eastAsia=" in run for run in runs if "<w:t" in run)


# ----------------------------------------------------------------------------- budget


def test_budget_subtotals_and_total_are_exact(builtin):
    template = builtin["budget"]
    items = [
        {"category": "A", "item": "x", "amount": "0.1"},
        {"category": "A", "item": "y", "amount": "0.2"},
    ]
    values = validate(template, {"year": 2027, "items": items})
    computed = compute.run("budget", values)
    assert computed["groups"][0]["subtotal"] == Decimal("0.30")
    assert computed["total"] == Decimal("0.30")
    text = all_text(render_docx(template, values, context("en"), "en"))
    assert "0.30" in text and "0.30000000000000004" not in text


def test_budget_groups_by_category_in_first_seen_order():
    items = [
        {"category": "B", "item": "1", "amount": Decimal("1")},
        {"category": "A", "item": "2", "amount": Decimal("2")},
        {"category": "B", "item": "3", "amount": Decimal("3")},
    ]
    groups = compute.budget({"items": items})["groups"]
    assert [g["category"] for g in groups] == ["B", "A"]
    assert [i["item"] for i in groups[0]["items"]] == ["1", "3"]
    assert [g["subtotal"] for g in groups] == [Decimal("4.00"), Decimal("2.00")]


def test_budget_rounds_half_up_to_cents():
    groups = compute.budget({"items": [{"category": "A", "item": "x", "amount": Decimal("0.125")}]})
    assert groups["total"] == Decimal("0.13")


def test_budget_many_items_total(builtin):
    template = builtin["budget"]
    items = [{"category": f"C{i % 7}", "item": f"i{i}", "amount": "0.01"} for i in range(1000)]
    values = validate(template, {"year": 2027, "items": items})
    assert compute.run("budget", values)["total"] == Decimal("10.00")
    assert "10.00" in all_text(render_docx(template, values, context("zh"), "zh"))


def test_budget_negative_or_non_numeric_amount_names_field_and_row():
    items = [
        {"category": "A", "item": "x", "amount": "5"},
        {"category": "A", "item": "y", "amount": "-1"},
        {"category": "A", "item": "z", "amount": "abc"},
    ]
    with pytest.raises(FieldErrors) as caught:
        compute.budget({"items": items})
    assert [str(e) for e in caught.value.errors] == [
        "field 'items[2].amount': must not be negative, got -1",
        "field 'items[3].amount': must be a number, got 'abc'",
    ]


cents = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCDE"), cents), max_size=60))
def test_budget_total_equals_sum_of_subtotals_equals_sum_of_amounts(rows):
    items = [{"category": c, "item": "i", "amount": a} for c, a in rows]
    result = compute.budget({"items": items})
    subtotals = sum((g["subtotal"] for g in result["groups"]), Decimal(0))
    assert result["total"] == subtotals == sum((a for _, a in rows), Decimal(0))


def test_budget_table_repeats_its_header_and_rows_do_not_split(builtin):
    _, data = render_sample(builtin["budget"], "zh")
    table = docx.Document(io.BytesIO(data)).tables[0]
    rows = table._tbl.findall(f"{W}tr")
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert all(row.find(f"{W}trPr/{W}cantSplit") is not None for row in rows)
    assert len(rows) == 1 + 6 + 2 + 1  # header, items, subtotals, total


# ----------------------------------------------------------------------------- helpers


def test_paragraphs_detect_chinese_heading_levels():
    text = "一、总则\n（一）范围。适用于全市。\n1. 学校\n（1）小学\n正文"
    found = [(p.level, p.head, p.tail) for p in split_paragraphs(text, "zh")]
    assert found == [
        (1, "一、总则", ""),
        (2, "（一）范围。", "适用于全市。"),
        (3, "1. 学校", ""),
        (4, "（1）小学", ""),
        (0, "", "正文"),
    ]


def test_paragraphs_detect_english_heading_levels():
    text = "1. Scope\n1.1 Schools. All of them.\n(a) Primary\n\nBody 1.5 times"
    found = [(p.level, p.head) for p in split_paragraphs(text, "en")]
    assert found == [(1, "1. Scope"), (2, "1.1 Schools."), (3, "(a) Primary"), (0, "")]


def test_number_and_date_formats():
    assert format_date(datetime.date(2026, 1, 5), "zh") == "2026年1月5日"
    assert format_date(datetime.date(2026, 1, 5), "en") == "5 January 2026"
    assert format_decimal(Decimal("1234567")) == "1,234,567.00"
    assert format_decimal(Decimal("0.005")) == "0.01"
    assert [zh_numeral(n) for n in (1, 10, 12, 20, 99)] == ["一", "十", "十二", "二十", "九十九"]
    assert classification_mark("confidential", "zh") == "秘密★10年"
    assert classification_mark("internal", "zh") == ""


def test_sandbox_blocks_python_internals(make_template):
    template = load_template(make_template(en=["{{ title.__class__.__mro__ }}"]))
    values = validate(template, {"title": "x", "body": "y"})
    with pytest.raises(TemplateError, match="sandbox"):
        render_docx(template, values, context("en"), "en")


def test_undeclared_name_in_template_is_a_template_error(make_template):
    template = load_template(make_template(en=["{{ nonsense }}"]))
    values = validate(template, {"title": "x", "body": "y"})
    with pytest.raises(TemplateError, match="nonsense"):
        render_docx(template, values, context("en"), "en")


def test_rendering_a_language_the_template_lacks_is_bad_input(builtin):
    template = builtin["notice"]
    values = validate(template, template.load_sample("en"))
    with pytest.raises(Exception, match="no 'fr' version"):
        render_docx(template, values, DocContext(date=datetime.date(2026, 1, 1), lang="fr"), "fr")


# ----------------------------------------------------------------------------- properties


def test_custom_properties_round_trip_and_title(builtin):
    _, data = render_sample(builtin["notice"], "zh")
    props = {"document_number": "市教办〔2026〕12号", "template": "notice", "note": "<&>"}
    out = set_custom_properties(data, props, title="关于开学的通知")
    assert read_custom_properties(out) == props
    assert read_title(out) == "关于开学的通知"
    assert docx.Document(io.BytesIO(out)).core_properties.title == "关于开学的通知"


def test_custom_properties_replace_existing_ones(builtin):
    _, data = render_sample(builtin["notice"], "en")
    once = set_custom_properties(data, {"a": "1", "b": "2"})
    twice = set_custom_properties(once, {"c": "3"})
    assert read_custom_properties(twice) == {"c": "3"}
    with zipfile.ZipFile(io.BytesIO(twice)) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("_rels/.rels").decode()
        assert package.namelist().count("docProps/custom.xml") == 1
    assert types.count("/docProps/custom.xml") == 1
    assert rels.count("custom-properties") == 1


def test_custom_properties_are_deterministic(builtin):
    _, data = render_sample(builtin["notice"], "en")
    assert set_custom_properties(data, {"a": "1"}) == set_custom_properties(data, {"a": "1"})


# ----------------------------------------------------------------------------- LibreOffice


@pytest.fixture(scope="module")
def pdfs(builtin, tmp_path_factory):
    """The zh notice and both certificates in both languages, converted in one soffice run."""
    folder = tmp_path_factory.mktemp("pdf")
    files = []
    for name, lang in [("notice", "zh")] + [
        (n, lang)
        for n in ("certificate-graduation", "certificate-teacher-qualification")
        for lang in ("en", "zh")
    ]:
        path = folder / f"{name}.{lang}.docx"
        path.write_bytes(render_sample(builtin[name], lang)[1])
        files.append(path)
    return to_pdf(files, folder / "out")


@pytest.mark.slow
def test_zh_notice_pdf_carries_the_chinese_title_in_an_sc_font(pdfs):
    path = pdfs["notice.zh"]
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "关于做好2027年春季学期开学工作的通知" in text.replace(" ", "")
    assert shutil.which("pdffonts"), "poppler-utils is installed by `make setup`"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "FandolSong-Bold" in fonts  # 方正小标宋简体's stand-in, a Simplified Chinese face


@pytest.mark.slow
@pytest.mark.parametrize(
    "stem",
    [
        f"{name}.{lang}"
        for name in ("certificate-graduation", "certificate-teacher-qualification")
        for lang in ("en", "zh")
    ],
)
def test_certificates_fit_on_one_page(pdfs, stem):
    assert len(PdfReader(pdfs[stem]).pages) == 1
