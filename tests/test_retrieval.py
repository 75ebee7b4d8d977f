"""Retrieval: show, get and list, by id, archival code or document number."""

from __future__ import annotations

import os

import pytest

from tests.conftest import Bureau
from tests.factories import make_docx, make_pdf

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


@pytest.fixture
def filed(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "n.docx", title="Notice on teacher qualification")
    return bureau.json("file", doc, *NOTICE, "--doc-no", "市教办〔2026〕12号")


@pytest.mark.parametrize(
    "ref", ["id", "archive_code", "J042-WS.2026-D30-BGS-0001", "市教办〔2026〕12号"]
)
def test_show_finds_an_item_by_id_code_or_document_number(bureau: Bureau, filed, ref):
    typed = filed.get(ref, ref)
    assert bureau.json("show", typed)["id"] == filed["id"]


def test_get_writes_exactly_the_filed_bytes(bureau: Bureau, filed, tmp_path):
    out = tmp_path / "copy.docx"
    bureau.ok("get", filed["archive_code"], "--out", out)
    assert out.read_bytes() == (tmp_path / "n.docx").read_bytes()


def test_get_into_a_directory_uses_the_recorded_name(bureau: Bureau, filed, tmp_path):
    target = tmp_path / "outdir"
    target.mkdir()
    bureau.ok("get", filed["id"], "--out", target)
    assert (target / "n.docx").is_file()


def test_get_refuses_to_replace_a_file_unless_forced(bureau: Bureau, filed, tmp_path):
    out = tmp_path / "exists.docx"
    out.write_text("keep me")
    bureau.fails(2, "get", filed["id"], "--out", out)
    assert out.read_text() == "keep me"
    bureau.ok("get", filed["id"], "--out", out, "--force")
    assert out.read_bytes() == (tmp_path / "n.docx").read_bytes()


def test_get_refuses_corrupted_content_and_writes_nothing(bureau: Bureau, filed, tmp_path):
    blob = next((bureau.root / "store").rglob(filed["sha256"]))
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    out = tmp_path / "bad.docx"
    result = bureau.fails(1, "get", filed["id"], "--out", out)
    assert "corrupted" in result.err
    assert not out.exists()
    assert not list(tmp_path.glob(".*.part"))


def test_get_of_a_missing_rendition_says_which_exist(bureau: Bureau, filed, tmp_path):
    result = bureau.fails(2, "get", filed["id"], "--rendition", "pdf", "--out", tmp_path / "x.pdf")
    assert "has no pdf rendition" in result.err and "docx" in result.err


def test_show_of_an_unknown_reference_is_exit_2(bureau: Bureau):
    assert "no item" in bureau.fails(2, "show", "J042-WS·2026-D30-BGS-0999").err


def test_list_filters_by_department_kind_and_year(bureau: Bureau, tmp_path):
    def file(name, kind, dept, day):
        doc = make_pdf(tmp_path / f"{name}.pdf", text=name)
        bureau.ok(
            "file",
            doc,
            "--title",
            name,
            "--kind",
            kind,
            "--dept",
            dept,
            "--retention",
            "D10",
            "--date",
            day,
        )

    file("a", "notice", "BGS", "2025-06-01")
    file("b", "notice", "RSK", "2026-06-01")
    file("c", "budget", "JCK", "2026-06-01")
    file("d", "notice", "BGS", "2026-06-01")
    titles = lambda *args: [i["title"] for i in bureau.json("list", *args)]  # noqa: E731
    assert titles() == ["a", "d", "c", "b"]
    assert titles("--dept", "bgs") == ["a", "d"]
    assert titles("--kind", "Notice") == ["a", "d", "b"]
    assert titles("--year", "2026", "--kind", "notice") == ["d", "b"]
    assert titles("--limit", "2") == ["a", "d"]


def test_list_without_limit_returns_every_item(bureau: Bureau, tmp_path):
    for n in range(25):
        bureau.ok(
            "file",
            make_pdf(tmp_path / f"{n}.pdf", text=f"doc {n}"),
            "--title",
            f"t{n}",
            "--kind",
            "letter",
            "--dept",
            "BGS",
            "--retention",
            "D10",
            "--date",
            "2026-01-01",
        )
    assert len(bureau.json("list")) == 25


def test_retrievals_are_recorded_in_the_audit_trail(bureau: Bureau, filed, tmp_path):
    bureau.ok("get", filed["id"], "--out", tmp_path / "c.docx")
    actions = [e["action"] for e in bureau.json("audit", "log", "--item", filed["id"])]
    assert actions == ["file", "retrieve"]


def test_json_output_is_exactly_one_document(bureau: Bureau, filed):
    import json

    for args in (("list",), ("show", filed["id"]), ("audit", "verify"), ("audit", "log")):
        json.loads(bureau.ok(*args, "--json").out)
