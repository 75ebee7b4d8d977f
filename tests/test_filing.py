"""Filing: one document (and its attachments) becomes one numbered, immutable item."""

from __future__ import annotations

from tests.conftest import Bureau
from tests.factories import make_docx, make_pdf

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


def test_filing_a_docx_gives_an_item_with_an_archival_code(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "n.docx", title="Notice on spring safety inspections")
    item = bureau.json("file", doc, *NOTICE)
    assert item["archive_code"] == "J042-WS·2026-D30-BGS-0001"
    assert item["title"] == "Notice on spring safety inspections"
    assert (item["kind"], item["dept"], item["date"]) == ("notice", "BGS", "2026-03-04")
    assert item["classification"] == "internal"
    assert item["retention"] == "D30"
    assert item["status"] == "filed"
    assert item["supersedes"] is None and item["duplicate_of"] is None
    assert isinstance(item["id"], str) and len(item["sha256"]) == 64


def test_item_numbers_are_sequential_within_fonds_year_retention_and_department(
    bureau: Bureau, tmp_path
):
    def code(name: str, *args: str) -> str:
        doc = make_docx(tmp_path / name, text=name, title=name)
        return bureau.json("file", doc, "--kind", "notice", *args)["archive_code"]

    assert code("a.docx", "--dept", "BGS", "--retention", "Y", "--date", "2026-01-02").endswith(
        "2026-Y-BGS-0001"
    )
    assert code("b.docx", "--dept", "BGS", "--retention", "Y", "--date", "2026-05-02").endswith(
        "2026-Y-BGS-0002"
    )
    assert code("c.docx", "--dept", "RSK", "--retention", "Y", "--date", "2026-05-02").endswith(
        "2026-Y-RSK-0001"
    )
    assert code("d.docx", "--dept", "BGS", "--retention", "D10", "--date", "2026-05-02").endswith(
        "2026-D10-BGS-0001"
    )
    assert code("e.docx", "--dept", "BGS", "--retention", "Y", "--date", "2025-12-31").endswith(
        "2025-Y-BGS-0001"
    )


def test_metadata_missing_on_the_command_line_is_read_from_docx_properties(
    bureau: Bureau, tmp_path
):
    doc = make_docx(
        tmp_path / "m.docx",
        title="Minutes of the bureau's office meeting",
        custom={
            "bureau.kind": "minutes",
            "bureau.dept": "BGS",
            "bureau.date": "2026-02-10",
            "bureau.retention": "Y",
            "bureau.classification": "confidential",
            "bureau.doc_no": "市教办〔2026〕3号",
        },
    )
    item = bureau.json("file", doc)
    assert item["kind"] == "minutes"
    assert item["classification"] == "confidential"
    assert item["doc_no"] == "市教办〔2026〕3号"
    assert item["archive_code"] == "J042-WS·2026-Y-BGS-0001"


def test_metadata_missing_on_the_command_line_is_read_from_pdf_document_information(
    bureau: Bureau, tmp_path
):
    pdf = make_pdf(
        tmp_path / "b.pdf",
        info={
            "Title": "2026年度部门预算",
            "bureau.dept": "JCK",
            "CreationDate": "D:20260115093000+08'00'",
        },
    )
    item = bureau.json("file", pdf, "--kind", "budget", "--retention", "D30")
    assert item["title"] == "2026年度部门预算"
    assert item["dept"] == "JCK"
    assert item["date"] == "2026-01-15"


def test_the_command_line_overrides_what_the_document_says(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "o.docx", title="Old title", custom={"bureau.dept": "RSK"})
    item = bureau.json("file", doc, *NOTICE, "--title", "New title")
    assert (item["title"], item["dept"]) == ("New title", "BGS")


def test_a_missing_required_field_is_named(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "x.docx", title="No kind")
    result = bureau.fails(
        2, "file", doc, "--dept", "BGS", "--retention", "D10", "--date", "2026-01-01"
    )
    assert "missing kind" in result.err
    assert bureau.json("list") == []


def test_classification_and_retention_accept_chinese_and_any_case(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "s.docx", title="Exam arrangements")
    item = bureau.json(
        "file",
        doc,
        "--kind",
        "notice",
        "--dept",
        "JJK",
        "--date",
        "2026-05-01",
        "--retention",
        "d30",
        "--classification",
        "绝密",
    )
    assert (item["classification"], item["retention"]) == ("top-secret", "D30")


def test_filing_the_same_content_again_reports_the_existing_item(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "d.docx", title="Once")
    first = bureau.json("file", doc, *NOTICE)
    again = bureau.json("file", doc, *NOTICE)
    assert again["duplicate_of"] == first["id"]
    assert again["archive_code"] == first["archive_code"]
    assert len(bureau.json("list")) == 1


def test_allow_duplicate_files_identical_content_as_a_new_item_stored_once(
    bureau: Bureau, tmp_path
):
    doc = make_docx(tmp_path / "d.docx", title="Twice")
    first = bureau.json("file", doc, *NOTICE)
    second = bureau.json("file", doc, *NOTICE, "--allow-duplicate")
    assert second["duplicate_of"] is None and second["id"] != first["id"]
    blobs = [p for p in (bureau.root / "store").rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_attachments_are_filed_with_the_document_as_one_item(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "main.docx", title="Notice with attachments")
    table = make_pdf(tmp_path / "附件1 名单.pdf", text="List of schools")
    sheet = tmp_path / "schedule.xlsx"
    sheet.write_bytes(b"PK not really checked for attachments of other types")
    item = bureau.json("file", doc, *NOTICE, "--attach", table, "--attach", sheet)
    roles = [(f["role"], f["name"]) for f in item["files"]]
    assert roles == [
        ("document", "main.docx"),
        ("attachment", "附件1 名单.pdf"),
        ("attachment", "schedule.xlsx"),
    ]
    assert [f["official"] for f in item["files"]] == [True, False, False]


def test_a_correction_supersedes_the_item_and_both_stay_retrievable(bureau: Bureau, tmp_path):
    first = bureau.json("file", make_docx(tmp_path / "v1.docx", "v1", "Notice"), *NOTICE)
    second = bureau.json(
        "file",
        make_docx(tmp_path / "v2.docx", "v2", "Notice (corrected)"),
        *NOTICE,
        "--supersedes",
        first["archive_code"],
    )
    assert second["supersedes"] == first["id"]
    old = bureau.json("show", first["id"])
    assert old["status"] == "superseded" and old["superseded_by"] == second["id"]
    bureau.ok("get", first["id"], "--out", tmp_path / "old.docx")
    bureau.ok("get", second["id"], "--out", tmp_path / "new.docx")
    assert (tmp_path / "old.docx").read_bytes() == (tmp_path / "v1.docx").read_bytes()


def test_an_item_already_superseded_cannot_be_superseded_again(bureau: Bureau, tmp_path):
    first = bureau.json("file", make_docx(tmp_path / "v1.docx", "v1", "N"), *NOTICE)
    bureau.json(
        "file", make_docx(tmp_path / "v2.docx", "v2", "N"), *NOTICE, "--supersedes", first["id"]
    )
    result = bureau.fails(
        2, "file", make_docx(tmp_path / "v3.docx", "v3", "N"), *NOTICE, "--supersedes", first["id"]
    )
    assert "already superseded" in result.err


def test_filed_content_is_stored_read_only(bureau: Bureau, tmp_path):
    item = bureau.json("file", make_docx(tmp_path / "r.docx", title="R"), *NOTICE)
    blob = next(p for p in (bureau.root / "store").rglob(item["sha256"]))
    assert blob.stat().st_mode & 0o222 == 0


def test_an_exact_copy_without_metadata_is_reported_as_the_filed_item(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "n.docx", text="copied around by mail")
    first = bureau.json("file", doc, *NOTICE, "--title", "Original")
    copy = bureau.json("file", doc)
    assert copy["duplicate_of"] == first["id"] and copy["archive_code"] == first["archive_code"]
    assert len(bureau.json("list")) == 1
