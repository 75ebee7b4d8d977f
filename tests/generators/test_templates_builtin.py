"""The built-in templates: complete folders, domain rules, GB/T 9704 page and fonts, and DOCX
files that tools/build_templates.py rebuilds byte for byte."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Length

from generators.catalog import builtin_templates_dir

NAMES = [
    "notice",
    "approval",
    "budget",
    "certificate-graduation",
    "certificate-teacher-qualification",
    "destruction-register",
]
FILES = ["fields.yaml", "template.docx", "template.zh.docx", "sample.yaml", "sample.zh.yaml"]
ROOT = Path(__file__).resolve().parents[2]
# GB/T 9704's faces by the names an office's Word knows (fontconfig maps them for the PDF)
GB_FACES = "(仿宋_GB2312|方正小标宋简体|黑体|楷体_GB2312)"


@pytest.fixture(scope="module")
def build_module():
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools" / "build_templates.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_exactly_the_six_builtin_templates_exist(builtin):
    assert sorted(builtin) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_template_folder_is_complete(name):
    folder = builtin_templates_dir() / name
    assert [f for f in FILES if not (folder / f).is_file()] == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_samples_fill_every_field(builtin, name, lang):
    template = builtin[name]
    sample = template.load_sample(lang)
    # except an image field: it names a file beside the data (a photo), and a sample is one
    # file, copied and installed alone; without it the certificate shows its placeholder
    filled = [f for f in template.fields if f.type != "image"]
    assert [f.name for f in filled if sample.get(f.name) in (None, "", [])] == []


@pytest.mark.parametrize(
    ("name", "departments", "numbered"),
    [
        ("notice", (), True),
        ("approval", ("BGS", "ZCK"), True),
        ("budget", ("JCK",), True),
        ("certificate-graduation", ("ZCK",), False),
        ("certificate-teacher-qualification", ("JXX",), False),
        ("destruction-register", ("BGS",), False),
    ],
)
def test_departments_and_numbering_follow_the_domain_table(builtin, name, departments, numbered):
    template = builtin[name]
    assert template.departments == departments
    assert template.numbered is numbered


def test_certificates_require_a_certificate_number(builtin):
    for name in ("certificate-graduation", "certificate-teacher-qualification"):
        assert builtin[name].field("certificate_number").required


def test_budget_is_computed_and_amounts_cannot_be_negative(builtin):
    budget = builtin["budget"]
    assert budget.compute == "budget"
    amount = next(c for c in budget.field("items").columns if c.name == "amount")
    assert amount.type == "decimal" and amount.min == 0


@pytest.mark.parametrize("name", ["notice", "approval", "budget"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_official_documents_use_the_gbt_9704_page(builtin, name, lang):
    section = docx.Document(str(builtin[name].docx_path(lang))).sections[0]

    def mm(length: int) -> float:
        return round(Length(length).mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    assert (mm(width), mm(height)) == (156, 225)


@pytest.mark.parametrize("name", NAMES)
def test_chinese_templates_name_the_gb_fonts_on_every_run(builtin, name):
    with zipfile.ZipFile(builtin[name].docx_path("zh")) as package:
        parts = [n for n in package.namelist() if re.match(r"word/(document|footer\d*)\.xml", n)]
        for part in parts:
            xml = package.read(part).decode()
            runs = [r for r in re.findall(r"<w:r>.*?</w:r>", xml) if "<w:t" in r]
            assert all(re.search(f'w:eastAsia="{GB_FACES}"', run) for run in runs), part


@pytest.mark.parametrize("name", ["notice", "approval"])
def test_notice_like_templates_have_red_mark_seal_anchor_and_page_numbers(builtin, name):
    with zipfile.ZipFile(builtin[name].docx_path("zh")) as package:
        styles = package.read("word/styles.xml").decode()
        body = package.read("word/document.xml").decode()
        footers = "".join(
            package.read(n).decode() for n in package.namelist() if n.startswith("word/footer")
        )
    assert 'w:styleId="SealAnchor"' in styles
    assert 'w:name="SealAnchor"' in body
    assert "{{ doc.marks[0] }}文件" in body
    assert 'w:color w:val="FF0000"' in styles
    assert "PAGE" in footers and "—" in footers


def test_budget_template_table_repeats_header_and_keeps_rows_whole(builtin):
    with zipfile.ZipFile(builtin["budget"].docx_path("en")) as package:
        body = package.read("word/document.xml").decode()
    table = body[body.index("<w:tbl>") : body.index("</w:tbl>")]
    rows = re.findall(r"<w:tr>.*?</w:tr>", table)
    assert "<w:tblHeader/>" in rows[0]
    assert all("<w:cantSplit/>" in row for row in rows)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_committed_docx_matches_the_build_script(builtin, build_module, name, lang):
    """The layout parts (not the zip bytes, which vary with zlib) are what the script makes."""

    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = [
                n for n in package.namelist() if re.match(r"word/(document|footer\d*)\.xml", n)
            ]
            return {n: package.read(n) for n in names}

    committed = builtin[name].docx_path(lang).read_bytes()
    assert parts(build_module.build(name, lang)) == parts(committed), (
        "run .venv/bin/python tools/build_templates.py and commit the result"
    )


def test_build_output_opens_in_python_docx(build_module):
    document = docx.Document(io.BytesIO(build_module.build("notice", "zh")))
    assert any("{{ title }}" in p.text for p in document.paragraphs)
