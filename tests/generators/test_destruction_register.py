"""The destruction register (销毁清册): the template checks, its samples generate through the
real CLI into a fresh home, 300 rows generate with the header row repeated on every page and
no row split, and a row missing a required column is refused naming it."""

from __future__ import annotations

import datetime
import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.shared import Length
from pypdf import PdfReader

from bureau.services.generate import find_template, generate_one
from generators.catalog import Template
from generators.fields import FieldErrors, validate
from generators.render import format_date
from tests.conftest import Bureau

ROOT = Path(__file__).resolve().parents[2]
NAME = "destruction-register"
FOLDER = ROOT / "templates" / NAME
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
COLUMNS = ["archive_code", "doc_no", "title", "category", "date", "retention", "due"]


def sample_path(lang: str) -> Path:
    return FOLDER / ("sample.yaml" if lang == "en" else f"sample.{lang}.yaml")


def sample(lang: str) -> dict:
    return yaml.safe_load(sample_path(lang).read_text(encoding="utf-8"))


def data_file(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def rows(count: int) -> list[dict]:
    """`count` register rows; every seventh is classified and has no document number."""
    out = []
    for n in range(1, count + 1):
        classified = n % 7 == 0
        out.append(
            {
                "archive_code": f"J042-WS·2016-D10-BGS-{n:04d}",
                "doc_no": "" if classified or n % 3 == 0 else f"CEB-BGS [2016] No. {n}",
                "title": "[classified]" if classified else f"Routine record number {n}",
                "category": f"WS-{n % 12 + 1:02d}",
                "date": datetime.date(2016, 1, 1) + datetime.timedelta(days=n),
                "retention": "D10",
                "due": "2026-12-31",
            }
        )
    return out


def generate(bureau: Bureau, data: Path, *extra: str) -> dict:
    return bureau.json("generate", NAME, "--data", data, "--dept", "BGS", *extra)


def fetch_docx(bureau: Bureau, item: dict, tmp_path: Path) -> bytes:
    out = tmp_path / f"{item['id']}.docx"
    bureau.ok("get", item["id"], "--rendition", "docx", "--out", out)
    return out.read_bytes()


def document_text(data: bytes) -> str:
    """Every paragraph's text, in table cells too (the signature block is a nested table)."""
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    tables = list(document.tables)
    while tables:
        table = tables.pop(0)
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                tables += cell.tables
    return "\n".join(parts)


def register_table(data: bytes):
    """The items table: the one whose first header cell is 序号 / No."""
    document = docx.Document(io.BytesIO(data))
    return next(t for t in document.tables if t.rows[0].cells[0].text in ("No.", "序号"))


@pytest.fixture(scope="module")
def template() -> Template:
    from generators.catalog import load_template

    return load_template(FOLDER)


# ----------------------------------------------------------------------------- the template


def test_templates_check_passes(bureau: Bureau):
    result = bureau.ok("templates", "check", FOLDER)
    assert result.out.strip().endswith(": OK")


def test_what_the_template_declares(template: Template):
    assert template.title == {"en": "Destruction register", "zh": "销毁清册"}
    assert template.kind == "disposal-register"
    assert template.languages == ("en", "zh")
    assert template.classification == "internal"
    assert template.retention == "Y"
    assert template.departments == ("BGS",)
    assert template.numbered is False
    assert [(f.name, f.type, f.required) for f in template.fields] == [
        ("list_id", "text", True),
        ("as_of", "date", True),
        ("proposed_by", "text", True),
        ("proposed_at", "text", True),
        ("approved_by", "text", True),
        ("approved_at", "text", True),
        ("executed_by", "text", True),
        ("executed_at", "text", True),
        ("count", "integer", True),
        ("items", "table", True),
    ]
    columns = template.field("items").columns
    assert [(c.name, c.type, c.required) for c in columns] == [
        ("archive_code", "text", True),
        ("doc_no", "text", False),
        ("title", "text", True),
        ("category", "text", False),
        ("date", "date", True),
        ("retention", "text", True),
        ("due", "date", True),
    ]
    assert next(c for c in columns if c.name == "retention").choices == ("Y", "D30", "D10")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_samples_are_realistic(lang):
    data = sample(lang)
    assert 3 <= len(data["items"]) <= 5 and data["count"] == len(data["items"])
    wording = "（涉密文件，题名随密钥销毁）" if lang == "zh" else "[classified]"
    classified = [r for r in data["items"] if r["title"] == wording]
    assert classified and all(r["doc_no"] == "" for r in classified)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_layout_is_landscape_a4_with_a_repeating_header_and_whole_rows(template, lang):
    path = template.docx_path(lang)
    section = docx.Document(str(path)).sections[0]
    assert (round(Length(section.page_width).mm), round(Length(section.page_height).mm)) == (
        297,
        210,
    )
    with zipfile.ZipFile(path) as package:
        body = package.read("word/document.xml").decode()
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", body, flags=re.S)
    items = next(t for t in tables if "entry in items" in t)
    table_rows = re.findall(r"<w:tr>.*?</w:tr>", items)
    assert "<w:tblHeader/>" in table_rows[0]
    assert all("<w:cantSplit/>" in row for row in table_rows)
    assert "{{ loop.index }}" in items
    assert ("监销人" if lang == "zh" else "Supervisor of destruction") in body


def test_chinese_version_names_the_gb_fonts_on_every_run(template):
    with zipfile.ZipFile(template.docx_path("zh")) as package:
        parts = [n for n in package.namelist() if re.match(r"word/(document|footer\d*)\.xml", n)]
        for part in parts:
            xml = package.read(part).decode()
            runs = [r for r in re.findall(r"<w:r>.*?</w:r>", xml) if "<w:t" in r]
            assert runs and all(
                re.search('w:eastAsia="(仿宋_GB2312|方正小标宋简体|黑体)"', run) for run in runs
            ), part


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_committed_docx_matches_the_build_script(template, lang):
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools" / "build_templates.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)

    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = [
                n for n in package.namelist() if re.match(r"word/(document|footer\d*)\.xml", n)
            ]
            return {n: package.read(n) for n in names}

    committed = template.docx_path(lang).read_bytes()
    assert parts(module.build(NAME, lang)) == parts(committed), (
        f"run .venv/bin/python tools/build_templates.py {NAME}"
    )


# ----------------------------------------------------------------------------- validation


def test_an_empty_or_absent_document_number_is_accepted(template):
    data = sample("en")
    data["items"][0]["doc_no"] = ""
    del data["items"][1]["doc_no"]
    values = validate(template, data)
    assert [row["doc_no"] for row in values["items"][:2]] == ["", ""]


def test_an_unknown_retention_or_a_bad_date_is_named(template):
    data = sample("en")
    data["items"][0]["retention"] = "D5"
    data["items"][2]["due"] = "2026/12/31"
    with pytest.raises(FieldErrors) as caught:
        validate(template, data)
    assert [e.field for e in caught.value.errors] == ["items[1].retention", "items[3].due"]


# ----------------------------------------------------------------------------- generation


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_sample_generates_a_register_with_every_row(bureau: Bureau, tmp_path, lang):
    item = generate(bureau, sample_path(lang), "--lang", lang)
    data = sample(lang)
    assert item["template"] == NAME and item["kind"] == "disposal-register"
    assert item["dept"] == "BGS" and item["retention"] == "Y"
    assert item["classification"] == "internal" and not item["doc_no"]
    heading = "销毁清册" if lang == "zh" else "Destruction register"
    assert item["title"] == f"{heading} {data['list_id']}"
    text = document_text(fetch_docx(bureau, item, tmp_path))
    classified = "（涉密文件，题名随密钥销毁）" if lang == "zh" else "[classified]"
    assert heading in text and data["list_id"] in text and classified in text
    for row in data["items"]:
        assert row["archive_code"] in text and row["title"] in text
        if row["doc_no"]:
            assert row["doc_no"] in text
    for key in ("proposed_by", "approved_by", "executed_by", "executed_at"):
        assert data[key] in text
    assert format_date(data["as_of"], lang) in text
    assert ("监销人" if lang == "zh" else "Supervisor of destruction") in text


def test_rows_are_numbered_in_the_order_given(bureau: Bureau, tmp_path):
    item = generate(bureau, sample_path("zh"), "--lang", "zh")
    table = register_table(fetch_docx(bureau, item, tmp_path))
    codes = [r["archive_code"] for r in sample("zh")["items"]]
    body = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in body] == [str(n) for n in range(1, len(codes) + 1)]
    assert [r[1] for r in body] == codes
    assert [c.text for c in table.rows[0].cells][:4] == ["序号", "档号", "文号", "题名"]


def test_three_hundred_rows_generate_with_the_header_repeated(bureau: Bureau, tmp_path):
    data = sample("en")
    data["items"] = rows(300)
    data["count"] = 300
    item = generate(bureau, data_file(tmp_path, data))
    content = fetch_docx(bureau, item, tmp_path)
    table = register_table(content)
    assert len(table.rows) == 301
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(f"{W}tblHeader") is not None
    assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows)
    assert all(row._tr.trPr.find(f"{W}tblHeader") is None for row in table.rows[1:])
    cells = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [c[0] for c in cells] == [str(n) for n in range(1, 301)]
    assert cells[-2][:3] == ["299", "J042-WS·2016-D10-BGS-0299", "CEB-BGS [2016] No. 299"]
    assert cells[-1][:4] == ["300", "J042-WS·2016-D10-BGS-0300", "", "Routine record number 300"]
    text = document_text(content)
    for row in data["items"]:
        assert row["archive_code"] in text and row["title"] in text


def test_the_pdf_repeats_the_header_on_every_page(bureau: Bureau, tmp_path):
    """LibreOffice lays 300 rows over several landscape pages, each headed by the header row."""
    data = sample("zh")
    data["items"] = rows(300)
    data["count"] = 300
    item = generate(bureau, data_file(tmp_path, data), "--lang", "zh", "--pdf")
    assert item["renditions"] == ["pdf", "docx"]
    out = tmp_path / "register.pdf"
    bureau.ok("get", item["id"], "--out", out)
    pages = PdfReader(str(out)).pages
    assert len(pages) > 3
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in pages)
    texts = [" ".join(page.extract_text().split()) for page in pages]
    assert all("序号" in text and "到期日期" in text for text in texts)
    assert "J042-WS·2016-D10-BGS-0300" in texts[-1] and "监销人" in texts[-1]


@pytest.mark.parametrize("column", ["archive_code", "title", "date", "retention", "due"])
def test_a_row_missing_a_required_column_is_refused(bureau: Bureau, tmp_path, column):
    data = sample("en")
    del data["items"][1][column]
    result = bureau.fails(2, "generate", NAME, "--data", data_file(tmp_path, data), "--dept", "BGS")
    assert f"items[2].{column}" in result.err and "is required" in result.err
    assert bureau.json("list") == []


def test_only_the_general_office_issues_it(bureau: Bureau):
    result = bureau.fails(2, "generate", NAME, "--data", sample_path("en"), "--dept", "JCK")
    assert "issued by BGS" in result.err


def test_generate_one_from_code_with_python_values(archive):
    """As the disposal code calls it: a dict of Python values, dates and datetimes included."""
    data = {
        "list_id": "01JDQ7M3ZK8X4T2N9C5V6B0RWE",
        "as_of": datetime.date(2026, 12, 31),
        "proposed_by": "王芳",
        "proposed_at": datetime.datetime(2026, 11, 20, 9, 30),
        "approved_by": "李国强",
        "approved_at": "2026-11-24 16:05",
        "executed_by": "王芳",
        "executed_at": datetime.datetime(2026, 11, 27, 10, 12, 5),
        "count": 2,
        "items": [
            {
                "archive_code": "J042-WS·2016-D10-BGS-0001",
                "doc_no": None,
                "title": "[classified]",
                "category": "WS-01",
                "date": datetime.date(2016, 3, 1),
                "retention": "D10",
                "due": datetime.date(2026, 12, 31),
            },
            {
                "archive_code": "J042-WS·2016-D30-BGS-0002",
                "doc_no": "市教办〔2016〕2号",
                "title": "关于某事项的通知",
                "category": "WS-02",
                "date": datetime.date(2016, 3, 2),
                "retention": "D30",
                "due": datetime.date(2026, 12, 31),
            },
        ],
    }
    template = find_template(archive, NAME)
    result = generate_one(archive, template, data, "BGS", "zh", None, pdf=False)
    item = result.item
    assert item.to_json()["title"] == "销毁清册 01JDQ7M3ZK8X4T2N9C5V6B0RWE"
    text = document_text(archive.read_content(item, item.rendition("docx")))
    assert "2026-11-20T09:30:00" in text and "2026-11-27T10:12:05" in text
    assert "2026年12月31日" in text and "共2件" in text
    assert "[classified]" in text and "市教办〔2016〕2号" in text
