"""Every user error: one clear line on stderr, exit 2, no traceback, nothing filed."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import Bureau
from tests.factories import make_docx, pdf_bytes

GOOD = [
    "--kind",
    "notice",
    "--dept",
    "BGS",
    "--retention",
    "D30",
    "--date",
    "2026-03-04",
    "--title",
    "A title",
]


def truncated_docx(tmp_path):
    data = make_docx(tmp_path / "whole.docx").read_bytes()
    return data[: len(data) // 2]


def damaged_docx(tmp_path):
    data = bytearray(make_docx(tmp_path / "whole.docx").read_bytes())
    start = data.find(b"word/document.xml") + 40
    data[start : start + 30] = b"\x00" * 30
    return bytes(data)


def zip_without_document(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


FILES = {
    "empty.pdf": lambda tmp: b"",
    "text.docx": lambda tmp: b"this is plain text, not a DOCX",
    "text.pdf": lambda tmp: b"this is plain text, not a PDF",
    "a-docx-named.pdf": lambda tmp: make_docx(tmp / "x.docx").read_bytes(),
    "truncated.docx": truncated_docx,
    "damaged.docx": damaged_docx,
    "other-zip.docx": zip_without_document,
    "garbage.pdf": lambda tmp: b"%PDF-1.7\n" + bytes(range(256)) * 20,
    "truncated.pdf": lambda tmp: pdf_bytes("Hello")[:120],
    "notes.txt": lambda tmp: b"plain notes",
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_file_that_is_not_a_valid_document_is_refused(bureau: Bureau, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(FILES[name](tmp_path))
    result = bureau.fails(2, "file", path, *GOOD)
    assert_one_line_and_nothing_filed(bureau, result)
    assert name in result.err


def test_a_missing_file_is_refused(bureau: Bureau, tmp_path):
    result = bureau.fails(2, "file", tmp_path / "nowhere.docx", *GOOD)
    assert_one_line_and_nothing_filed(bureau, result)
    assert "no such file" in result.err


def test_a_directory_is_not_a_document(bureau: Bureau, tmp_path):
    (tmp_path / "folder.pdf").mkdir()
    assert_one_line_and_nothing_filed(
        bureau, bureau.fails(2, "file", tmp_path / "folder.pdf", *GOOD)
    )


def test_a_bad_attachment_refuses_the_whole_item(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "ok.docx")
    bad = tmp_path / "att.pdf"
    bad.write_bytes(b"not a pdf")
    result = bureau.fails(2, "file", doc, *GOOD, "--attach", bad)
    assert_one_line_and_nothing_filed(bureau, result)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--dept", "XYZ", "unknown department"),
        ("--classification", "very-secret", "unknown classification"),
        ("--retention", "D20", "unknown retention"),
        ("--date", "04/03/2026", "malformed date"),
        ("--date", "2026-02-30", "no such day"),
        ("--date", "2026-3-4", "malformed date"),
        ("--date", "2999-01-01", "in the future"),
        ("--title", "   ", "missing title"),
        ("--title", "bell\x07", "control characters"),
        ("--kind", "x" * 65, "longer than"),
        ("--supersedes", "J042-WS·2026-D30-BGS-0042", "no item"),
    ],
)
def test_a_bad_metadata_value_is_named(bureau: Bureau, tmp_path, option, value, message):
    doc = make_docx(tmp_path / "ok.docx")
    args = list(GOOD)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    result = bureau.fails(2, "file", doc, *args)
    assert_one_line_and_nothing_filed(bureau, result)
    assert message in result.err


@pytest.mark.parametrize(
    "args",
    [
        ("file",),
        ("list", "--limit", "0"),
        ("list", "--year", "twenty"),
        ("show",),
        ("get", "X"),
        ("frobnicate",),
        ("audit",),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(bureau: Bureau, args):
    result = bureau.fails(2, *args)
    assert len(result.err.strip().splitlines()) == 1


def assert_one_line_and_nothing_filed(bureau: Bureau, result) -> None:
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.startswith("bureau: error: ")
    assert bureau.json("list") == []
    assert [p for p in (bureau.root / "store").rglob("*") if p.is_file()] == []
