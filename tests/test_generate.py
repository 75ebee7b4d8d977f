"""`bureau generate`: templates + data -> numbered documents filed with their renditions."""

from __future__ import annotations

import csv
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader

from generators.docprops import read_custom_properties
from tests.conftest import Bureau

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ISSUER = {
    "notice": "BGS",
    "approval": "BGS",
    "budget": "JCK",
    "certificate-graduation": "ZCK",
    "certificate-teacher-qualification": "JXX",
    "destruction-register": "BGS",
}


def sample(name: str, lang: str = "en") -> Path:
    return TEMPLATES / name / ("sample.yaml" if lang == "en" else f"sample.{lang}.yaml")


def data_file(tmp_path: Path, data: dict, name: str = "data.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def fetch(bureau: Bureau, ref: str, tmp_path: Path, rendition: str) -> Path:
    out = tmp_path / f"out-{rendition}-{abs(hash(ref))}.{rendition}"
    bureau.ok("get", ref, "--rendition", rendition, "--out", out, "--force")
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", sorted(ISSUER))
def test_every_template_generates_its_sample_in_both_languages(bureau, tmp_path, name, lang):
    item = bureau.json(
        "generate", name, "--data", sample(name, lang), "--dept", ISSUER[name], "--lang", lang
    )
    assert item["template"] == name and item["renditions"] == ["docx"]
    values = yaml.safe_load(sample(name, lang).read_text(encoding="utf-8"))
    text = docx_text(fetch(bureau, item["id"], tmp_path, "docx"))
    for key in ("title", "holder_name", "applicant"):
        if key in values:
            assert str(values[key]) in text
    if item["doc_no"]:
        assert item["doc_no"].replace(" ", "") in text.replace(" ", "")


def test_a_generated_notice_carries_its_number_and_metadata(bureau: Bureau, tmp_path):
    item = bureau.json(
        "generate", "notice", "--data", sample("notice", "zh"), "--dept", "BGS", "--lang", "zh"
    )
    assert item["doc_no"].startswith("市教办〔") and item["doc_no"].endswith("〕1号")
    props = read_custom_properties(fetch(bureau, item["id"], tmp_path, "docx").read_bytes())
    assert props["bureau.doc_no"] == item["doc_no"]
    assert props["bureau.template"] == "notice"
    assert props["bureau.dept"] == "BGS"
    assert props["bureau.classification"] == "internal"
    assert bureau.json("show", item["doc_no"])["id"] == item["id"]


def test_pdf_output_is_the_official_rendition_and_shows_the_chinese_title(bureau, tmp_path):
    item = bureau.json(
        "generate",
        "notice",
        "--data",
        sample("notice", "zh"),
        "--dept",
        "BGS",
        "--lang",
        "zh",
        "--pdf",
    )
    assert item["renditions"] == ["pdf", "docx"]
    assert [f["official"] for f in item["files"]] == [True, False]
    pdf = fetch(bureau, item["id"], tmp_path, "pdf")
    reader = PdfReader(str(pdf))
    title = yaml.safe_load(sample("notice", "zh").read_text(encoding="utf-8"))["title"]
    # LibreOffice sets Latin digits a little apart from Chinese (2027 年): compare unspaced
    text = "".join(page.extract_text() for page in reader.pages)
    assert title in "".join(text.split())
    assert reader.metadata["/bureau.doc_no"] == item["doc_no"]
    assert reader.metadata["/Title"] == title
    bureau.ok("get", item["id"], "--out", tmp_path / "official.pdf")
    assert (tmp_path / "official.pdf").read_bytes()[:5] == b"%PDF-"


def test_budget_totals_are_computed_exactly(bureau: Bureau, tmp_path):
    rows = [{"category": "Basic", "item": f"line {n}", "amount": "0.10"} for n in range(3)]
    rows.append({"category": "Projects", "item": "roof", "amount": "1234567.895"})
    data = data_file(tmp_path, {"year": 2027, "items": rows})
    item = bureau.json("generate", "budget", "--data", data, "--dept", "JCK")
    text = docx_text(fetch(bureau, item["id"], tmp_path, "docx"))
    assert "0.30" in text and "1,234,567.90" in text and "1,234,568.20" in text


def test_values_are_data_never_template_code(bureau: Bureau, tmp_path):
    hostile = "{{ 7*7 }} {% for x in y %} & < > \" ' 🎓 第二行"
    data = yaml.safe_load(sample("notice").read_text(encoding="utf-8"))
    data["title"] = hostile
    item = bureau.json("generate", "notice", "--data", data_file(tmp_path, data), "--dept", "BGS")
    text = docx_text(fetch(bureau, item["id"], tmp_path, "docx"))
    assert hostile in text and "49" not in text.split(hostile)[0][-5:]
    assert item["title"] == hostile


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": None}, "field 'title'"),
        ({"colour": "red"}, "field 'colour'"),
        ({"urgency": "whenever"}, "field 'urgency'"),
        ({"attachments": {"not": "a list"}}, "field 'attachments'"),
    ],
)
def test_bad_data_names_the_field_and_files_nothing(bureau, tmp_path, change, message):
    data = yaml.safe_load(sample("notice").read_text(encoding="utf-8"))
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    result = bureau.fails(
        2, "generate", "notice", "--data", data_file(tmp_path, data), "--dept", "BGS"
    )
    assert message in result.err
    assert bureau.json("list") == [] and bureau.json("numbers") == []


@pytest.mark.parametrize(
    ("amount", "message"), [("-5", "amount"), ("abc", "amount"), ("1e999999", "amount")]
)
def test_a_negative_or_non_numeric_amount_is_refused(bureau, tmp_path, amount, message):
    data = {"year": 2027, "items": [{"category": "A", "item": "x", "amount": amount}]}
    result = bureau.fails(
        2, "generate", "budget", "--data", data_file(tmp_path, data), "--dept", "JCK"
    )
    assert message in result.err and bureau.json("list") == []


def test_a_malformed_date_is_refused(bureau: Bureau, tmp_path):
    data = yaml.safe_load(sample("certificate-graduation").read_text(encoding="utf-8"))
    data["issue_date"] = "2027/07/01"
    result = bureau.fails(
        2,
        "generate",
        "certificate-graduation",
        "--data",
        data_file(tmp_path, data),
        "--dept",
        "ZCK",
    )
    assert "issue_date" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nosuch", "--data", "{sample}", "--dept", "BGS"), "no template"),
        (("budget", "--data", "{sample}", "--dept", "BGS"), "issued by JCK"),
        (("notice", "--data", "{sample}", "--dept", "XXX"), "unknown department"),
        (("notice", "--data", "missing.yaml", "--dept", "BGS"), "no such file"),
        (("notice", "--data", "data.txt", "--dept", "BGS"), ".yaml or .json"),
        (("notice", "--data", "broken.json", "--dept", "BGS"), "not valid JSON"),
        (("notice", "--data", "list.yaml", "--dept", "BGS"), "must be a mapping"),
    ],
)
def test_bad_generate_requests_are_one_line_exit_2(bureau, tmp_path, args, message):
    (tmp_path / "data.txt").write_text("x")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    args = [a.replace("{sample}", str(sample("budget"))) for a in args]
    result = bureau.fails(2, "generate", *args)
    assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_concurrent_generators_never_share_a_document_number(bureau: Bureau, tmp_path):
    data = yaml.safe_load(sample("notice").read_text(encoding="utf-8"))

    def generate(n: int) -> str:
        data_n = dict(data, title=f"Notice {n}")
        path = data_file(tmp_path, data_n, f"d{n}.yaml")
        return bureau.real.json("generate", "notice", "--data", path, "--dept", "BGS")["doc_no"]

    with ThreadPoolExecutor(max_workers=5) as pool:  # five processes at once
        numbers = list(pool.map(generate, range(10)))
    assert sorted(int(n.split("No. ")[1]) for n in numbers) == list(range(1, 11))


def test_a_number_whose_pdf_failed_is_void_with_the_reason(bureau: Bureau, tmp_path):
    fake = tmp_path / "fake-soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(0o755)
    os.environ["BUREAU_SOFFICE"] = str(fake)
    try:
        result = bureau("generate", "notice", "--data", sample("notice"), "--dept", "BGS", "--pdf")
    finally:
        del os.environ["BUREAU_SOFFICE"]
    assert result.code == 1 and "Traceback" not in result.err
    [entry] = bureau.json("numbers")
    assert entry["status"] == "void" and "PDF" in entry["reason"]
    assert bureau.json("list") == []
    item = bureau.json("generate", "notice", "--data", sample("notice"), "--dept", "BGS")
    assert item["doc_no"].endswith("No. 2")


def grads_csv(path: Path, rows: int, bad: dict[int, tuple[str, str]] | None = None) -> Path:
    header = [
        "holder_name",
        "sex",
        "birth_date",
        "id_number",
        "school",
        "programme",
        "study_start",
        "study_end",
        "certificate_number",
        "issue_date",
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, header)
        writer.writeheader()
        for n in range(rows):
            row = {
                "holder_name": f"学生{n}",
                "sex": "男",
                "birth_date": "2008-03-05",
                "id_number": "330102200803050012",
                "school": "某市第一职业高级中学",
                "programme": "数控技术应用",
                "study_start": "2024-09-01",
                "study_end": "2027-06-30",
                "certificate_number": f"C{n:06d}",
                "issue_date": "2026-07-01",
            }
            if bad and n in bad:
                row[bad[n][0]] = bad[n][1]
            writer.writerow(row)
    return path


def test_a_batch_generates_one_document_per_row(bureau: Bureau, tmp_path):
    summary = bureau.json(
        "generate",
        "certificate-graduation",
        "--batch",
        grads_csv(tmp_path / "g.csv", 12),
        "--dept",
        "ZCK",
        "--lang",
        "zh",
    )
    assert summary["generated"] == 12 and summary["failed"] == []
    assert len(summary["items"]) == 12
    assert len(bureau.json("list", "--kind", "certificate")) == 12
    assert not (tmp_path / "g.errors.csv").exists()


def test_invalid_rows_are_reported_by_spreadsheet_row_and_the_rest_generated(bureau, tmp_path):
    path = grads_csv(tmp_path / "g.csv", 6, {1: ("birth_date", "2008-02-30"), 4: ("sex", "")})
    result = bureau(
        "generate", "certificate-graduation", "--batch", path, "--dept", "ZCK", "--json"
    )
    assert result.code == 1
    summary = result.json()
    assert summary["generated"] == 4
    assert [(f["row"], f["field"]) for f in summary["failed"]] == [(3, "birth_date"), (6, "sex")]
    errors = list(csv.DictReader(io.StringIO((tmp_path / "g.errors.csv").read_text("utf-8-sig"))))
    assert [(e["row"], e["field"]) for e in errors] == [("3", "birth_date"), ("6", "sex")]


def test_all_or_nothing_generates_nothing_when_a_row_is_invalid(bureau: Bureau, tmp_path):
    path = grads_csv(tmp_path / "g.csv", 5, {2: ("issue_date", "soon")})
    result = bureau(
        "generate",
        "certificate-graduation",
        "--batch",
        path,
        "--dept",
        "ZCK",
        "--all-or-nothing",
        "--json",
    )
    assert result.code == 2
    assert result.json()["generated"] == 0 and result.json()["failed"][0]["row"] == 4
    assert bureau.json("list") == []


def test_a_batch_from_xlsx_with_pdf_output(bureau: Bureau, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    rows = list(csv.reader(grads_csv(tmp_path / "g.csv", 3).open(encoding="utf-8")))
    for row in rows:
        sheet.append(row)
    workbook.save(tmp_path / "g.xlsx")
    summary = bureau.json(
        "generate",
        "certificate-graduation",
        "--batch",
        tmp_path / "g.xlsx",
        "--dept",
        "ZCK",
        "--lang",
        "zh",
        "--pdf",
    )
    assert summary["generated"] == 3
    assert all(item["renditions"] == ["pdf", "docx"] for item in summary["items"])


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00garbage", b"holder_name\n"])
def test_a_bad_batch_file_is_exit_2(bureau: Bureau, tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = bureau.fails(2, "generate", "certificate-graduation", "--batch", path, "--dept", "ZCK")
    assert len(result.err.strip().splitlines()) == 1


def test_the_number_register_lists_used_and_void_numbers(bureau: Bureau, tmp_path):
    bureau.json("generate", "notice", "--data", sample("notice"), "--dept", "BGS")
    register = bureau.json("numbers", "--year", str(__import__("datetime").date.today().year))
    assert [(n["status"], n["n"]) for n in register] == [("used", 1)]
    assert "used" in bureau.ok("numbers").out


def test_templates_list_and_show(bureau: Bureau):
    listed = bureau.json("templates", "list")
    assert {t["name"] for t in listed} >= set(ISSUER)
    assert all({"name", "title", "languages"} <= set(t) for t in listed)
    shown = bureau.json("templates", "show", "notice")
    assert shown["name"] == "notice"
    names = {f["name"] for f in shown["fields"]}
    assert {"title", "recipients", "body"} <= names
    assert all(
        {"name", "type", "required", "description", "example"} <= set(f) for f in shown["fields"]
    )


def copy_template(tmp_path: Path, new_name: str) -> Path:
    import shutil

    target = tmp_path / new_name
    shutil.copytree(TEMPLATES / "notice", target)
    fields = (target / "fields.yaml").read_text(encoding="utf-8")
    (target / "fields.yaml").write_text(
        fields.replace("name: notice", f"name: {new_name}", 1), encoding="utf-8"
    )
    return target


def test_templates_check_passes_a_good_template_and_add_installs_it(bureau, tmp_path):
    folder = copy_template(tmp_path, "circular")
    assert "OK" in bureau.ok("templates", "check", folder).out
    bureau.ok("templates", "add", folder)
    assert "circular" in {t["name"] for t in bureau.json("templates", "list")}
    item = bureau.json("generate", "circular", "--data", sample("notice"), "--dept", "SXK")
    assert item["template"] == "circular"


def test_templates_check_reports_an_undeclared_field_and_exits_1(bureau, tmp_path):
    folder = copy_template(tmp_path, "circular")
    fields = yaml.safe_load((folder / "fields.yaml").read_text(encoding="utf-8"))
    fields["fields"] = [f for f in fields["fields"] if f["name"] != "recipients"]
    (folder / "fields.yaml").write_text(yaml.safe_dump(fields, allow_unicode=True), "utf-8")
    result = bureau.fails(1, "templates", "check", folder)
    assert "recipients" in result.out
    bureau.fails(2, "templates", "add", folder)


def test_a_built_in_template_cannot_be_replaced_by_add(bureau: Bureau):
    result = bureau.fails(2, "templates", "add", TEMPLATES / "notice")
    assert "built in" in result.err


def test_json_summary_of_a_batch_is_one_document(bureau: Bureau, tmp_path):
    out = bureau.ok(
        "generate",
        "certificate-graduation",
        "--batch",
        grads_csv(tmp_path / "g.csv", 2),
        "--dept",
        "ZCK",
        "--json",
    ).out
    assert json.loads(out)["generated"] == 2


def test_hostile_values_give_a_docx_and_pdf_libreoffice_opens_showing_them(bureau, tmp_path):
    data = yaml.safe_load(sample("notice", "zh").read_text(encoding="utf-8"))
    data["title"] = "关于<审计> & \"复核\" 'A&B' {{ 7*7 }} 的通知 🎓"
    data["body"] = "一、总体要求\n" + ("很长的正文。" * 1700) + "\n{% for x in y %}"
    item = bureau.json(
        "generate",
        "notice",
        "--data",
        data_file(tmp_path, data),
        "--dept",
        "BGS",
        "--lang",
        "zh",
        "--pdf",
    )
    text = docx_text(fetch(bureau, item["id"], tmp_path, "docx"))
    assert data["title"] in text and "{% for x in y %}" in text
    assert text.count("很长的正文。") == 1700
    pdf_text = "".join(
        p.extract_text() for p in PdfReader(str(fetch(bureau, item["id"], tmp_path, "pdf"))).pages
    )
    assert "关于<审计> & \"复核\" 'A&B' {{ 7*7 }} 的通知" in pdf_text
    assert "{% for x in y %}" in pdf_text


def test_missing_libreoffice_says_how_to_install_it_and_uses_no_number(bureau, tmp_path):
    os.environ["BUREAU_SOFFICE"] = str(tmp_path / "no-such-soffice")
    try:
        result = bureau("generate", "notice", "--data", sample("notice"), "--dept", "BGS", "--pdf")
    finally:
        del os.environ["BUREAU_SOFFICE"]
    assert result.code == 1 and "apt-get install libreoffice" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert bureau.json("numbers") == [] and bureau.json("list") == []


def test_a_user_who_may_not_generate_is_told_so_first_even_when_sealing(bureau: Bureau):
    bureau.ok("users", "add", "aud", "--role", "auditor", "--clearance", "internal")
    result = bureau.fails(
        2, "--user", "aud", "generate", "notice", "--data", sample("notice"),
        "--dept", "BGS", "--pdf", "--sign",
    )  # fmt: skip
    assert "may not generate documents" in result.err
    assert bureau.json("numbers") == []  # nothing was reserved


def _all_paragraph_text(path: Path) -> list[str]:
    """Every paragraph's text in the DOCX body, nested tables included (the header mark)."""
    document = docx.Document(str(path))
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return [
        "".join(t.text or "" for t in p.iter(f"{namespace}t"))
        for p in document.element.body.iter(f"{namespace}p")
    ]


def _set_mark(bureau: Bureau, dept: str, mark: object) -> None:
    path = bureau.root / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in config["departments"]:
        if entry["code"] == dept:
            entry["mark"] = mark
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def test_the_header_mark_names_the_issuing_department_by_default(bureau, tmp_path):
    item = bureau.json(
        "generate", "notice", "--data", sample("notice", "zh"), "--dept", "JJK", "--lang", "zh"
    )
    text = _all_paragraph_text(fetch(bureau, item["id"], tmp_path, "docx"))
    assert "市教育局基础教育科文件" in text


def test_the_header_mark_is_the_departments_configured_one(bureau, tmp_path):
    _set_mark(bureau, "BGS", {"zh": "市教育局", "en": "City Education Bureau"})
    zh = bureau.json(
        "generate", "notice", "--data", sample("notice", "zh"), "--dept", "BGS", "--lang", "zh"
    )
    en = bureau.json("generate", "notice", "--data", sample("notice"), "--dept", "BGS")
    assert "市教育局文件" in _all_paragraph_text(fetch(bureau, zh["id"], tmp_path, "docx"))
    assert "City Education Bureau" in _all_paragraph_text(fetch(bureau, en["id"], tmp_path, "docx"))


def test_a_malformed_mark_setting_is_named(bureau):
    _set_mark(bureau, "BGS", "市教育局")
    result = bureau.fails(2, "templates", "list")
    assert "mark" in result.err and len(result.err.strip().splitlines()) == 1
