"""Hostile files and values at the front door: each is refused with exit 2 and one line on
stderr, and leaves nothing behind (no item, no stored blob, no audit entry); or, for active
content, is filed with that content named.

The files are made by other tools (python-docx, zipfile, pypdf) or by hand, byte by byte.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from archive import screening
from tests.factories import make_docx, make_pdf, pdf_bytes
from tests.intake import GOOD, holdings, last_filing, refused, run
from tests.seals import pdfs

MIB = 1 << 20


@pytest.fixture
def home(bureau) -> Path:
    return bureau.root


def refused_and_untouched(home: Path, *args: object) -> str:
    before = holdings(home)
    result = refused(home, "file", *args)
    assert holdings(home) == before
    return result.err


# -- names and values that are not text ------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_refused(home, tmp_path):
    path = tmp_path / os.fsdecode(b"\xff\xfe.pdf")
    make_pdf(path)
    err = refused_and_untouched(home, path, *GOOD)
    assert "not valid UTF-8" in err and "\\xff\\xfe.pdf" in err


def test_a_title_given_as_undecodable_bytes_is_refused(home, tmp_path):
    path = make_pdf(tmp_path / "ok.pdf")
    args = [a if a != "A title" else os.fsdecode(b"Budget \xe9t\xe9") for a in GOOD]
    err = refused_and_untouched(home, path, *args)
    assert "--title" in err and "not valid UTF-8" in err


def test_an_attachment_whose_name_is_not_utf8_is_refused(home, tmp_path):
    document = make_pdf(tmp_path / "ok.pdf")
    attachment = tmp_path / os.fsdecode(b"list\xff.txt")
    attachment.write_bytes(b"names")
    refused_and_untouched(home, document, *GOOD, "--attach", attachment)


def with_core_title(docx: Path, raw_title: bytes) -> Path:
    """`docx` with its docProps/core.xml title replaced by raw bytes, as another tool wrote it."""
    source = zipfile.ZipFile(io.BytesIO(docx.read_bytes()))
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                start = data.index(b"<dc:title") if b"<dc:title" in data else -1
                assert start >= 0
                end = data.index(b"</dc:title>") + len(b"</dc:title>")
                data = data[:start] + b"<dc:title>" + raw_title + b"</dc:title>" + data[end:]
            out.writestr(info, data)
    return docx


@pytest.mark.parametrize(
    "raw_title",
    [b"Title \xed\xa0\x80 half a pair", b"Title &#xD800; escaped", b"Bell &#x7; char"],
    ids=["lone-surrogate-bytes", "surrogate-reference", "invalid-xml-char"],
)
def test_a_docx_title_that_is_not_valid_xml_text_is_refused(home, tmp_path, raw_title):
    docx = with_core_title(make_docx(tmp_path / "d.docx", title="placeholder"), raw_title)
    args = [a for a in GOOD if a not in ("--title", "A title")]
    err = refused_and_untouched(home, docx, *args)
    assert "corrupt DOCX: docProps/core.xml" in err


def test_a_docx_with_a_part_twice_is_read_from_the_copy_a_zip_reader_opens(home, tmp_path):
    docx = make_docx(tmp_path / "d.docx", title="First")
    core = zipfile.ZipFile(docx).read("docProps/core.xml")
    with warnings.catch_warnings(), zipfile.ZipFile(docx, "a", zipfile.ZIP_DEFLATED) as out:
        warnings.simplefilter("ignore")  # "Duplicate name": the point of the test
        out.writestr("docProps/core.xml", core.replace(b">First<", b">Second<"))
    assert zipfile.ZipFile(docx).read("docProps/core.xml") == core.replace(b"First", b"Second")
    args = [a for a in GOOD if a not in ("--title", "A title")]
    result = run(home, "file", docx, *args, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["title"] == "Second"


def test_a_docx_title_with_a_c1_control_character_is_refused(home, tmp_path):
    docx = with_core_title(make_docx(tmp_path / "d.docx", title="placeholder"), b"Next&#x85;line")
    args = [a for a in GOOD if a not in ("--title", "A title")]
    err = refused_and_untouched(home, docx, *args)
    assert "invalid title" in err


# -- PDFs that are cut short or broken ----------------------------------------------------------


def test_a_pdf_without_its_final_eof_is_refused(home, tmp_path):
    path = tmp_path / "cut.pdf"
    path.write_bytes(pdf_bytes("Hello")[:-7])
    err = refused_and_untouched(home, path, *GOOD)
    assert "does not end with %%EOF" in err


def test_a_pdf_whose_last_revision_is_cut_short_is_refused(home, tmp_path):
    """A lenient reader would fall back to the first revision and file that instead."""
    original = pdf_bytes("Hello", {"Title": "First"})
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.add_metadata({"/Title": "Second"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    path = tmp_path / "cut.pdf"
    path.write_bytes(updated[: len(original) + (len(updated) - len(original)) // 2])
    assert PdfReader(path, strict=False).pages  # what a lenient reader would have accepted
    refused_and_untouched(home, path, *GOOD)


def test_a_pdf_with_a_broken_cross_reference_table_is_refused(home, tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(pdfs.broken_xref(pdf_bytes("Hello")))
    err = refused_and_untouched(home, path, *GOOD)
    assert "unparseable PDF" in err


def test_a_pdf_whose_objects_are_not_where_the_xref_says_is_refused(home, tmp_path):
    shifted = pdf_bytes("Hello").replace(b"%PDF-1.7\n", b"%PDF-1.7\n% inserted line\n", 1)
    path = tmp_path / "shifted.pdf"
    path.write_bytes(shifted)
    refused_and_untouched(home, path, *GOOD)


def test_a_sealed_pdf_missing_its_final_bytes_is_refused(home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    plain = make_pdf(tmp_path / "plain.pdf")
    sealed = tmp_path / "sealed.pdf"
    assert run(home, "sign", plain, "--dept", "BGS", "--out", sealed).code == 0
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(sealed.read_bytes()[:-100])
    refused_and_untouched(home, cut, *GOOD)


# -- active content: filed, and named ---------------------------------------------------------


def with_javascript(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_open_action(JavaScript("app.alert('hello');"))
    return _written(writer)


def with_attachment(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_attachment("payload.exe", b"MZ not really")
    return _written(writer)


def with_launch(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "kinds"),
    [
        (with_javascript, ["javascript"]),
        (with_attachment, ["embedded_file"]),
        (with_launch, ["launch"]),
        (lambda d: with_attachment(with_javascript(d)), ["javascript", "embedded_file"]),
    ],
    ids=["javascript", "embedded-file", "launch", "both"],
)
def test_active_content_is_filed_and_named(home, tmp_path, make, kinds):
    path = tmp_path / "active.pdf"
    path.write_bytes(make(pdf_bytes("Hello")))
    result = run(home, "file", path, *GOOD, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["active_content"] == kinds
    assert last_filing(home)["active_content"] == kinds
    assert "active content" in result.err


def test_show_names_the_active_content_an_item_was_filed_with(home, tmp_path):
    path = tmp_path / "active.pdf"
    path.write_bytes(with_javascript(pdf_bytes("Hello")))
    filed = json.loads(run(home, "file", path, *GOOD, "--json").out)
    shown = run(home, "show", filed["archive_code"], "--json")
    assert json.loads(shown.out)["active_content"] == ["javascript"]
    text = run(home, "show", filed["archive_code"]).out
    assert "ACTIVE CONTENT  javascript (not vouched for by any seal)" in text


def test_a_plain_pdf_has_no_active_content(home, tmp_path):
    result = run(home, "file", make_pdf(tmp_path / "plain.pdf"), *GOOD, "--json")
    assert json.loads(result.out)["active_content"] == []
    assert "active_content" not in last_filing(home)
    shown = run(home, "show", json.loads(result.out)["id"], "--json")
    assert json.loads(shown.out)["active_content"] == []
    assert "ACTIVE CONTENT" not in run(home, "show", json.loads(result.out)["id"]).out


def test_an_attachment_with_javascript_is_named_too(home, tmp_path):
    attachment = tmp_path / "annex.pdf"
    attachment.write_bytes(with_javascript(pdf_bytes("Annex")))
    result = run(home, "file", make_pdf(tmp_path / "main.pdf"), *GOOD, "--attach", attachment)
    assert result.code == 0, result.err
    assert last_filing(home)["active_content"] == ["javascript"]


# -- DOCX bombs ---------------------------------------------------------------------------------


def docx_with(path: Path, member: str, chunks, size: int, stored: bool = False) -> Path:
    """A DOCX (python-docx's) with one more member of `size` bytes written from `chunks`,
    or with that member replaced if it exists."""
    base = zipfile.ZipFile(io.BytesIO(make_docx(path.with_suffix(".base.docx")).read_bytes()))
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in base.infolist():
            if info.filename != member:
                out.writestr(info, base.read(info))
        entry = zipfile.ZipInfo(member)
        entry.compress_type = method
        entry.file_size = size
        with out.open(entry, "w", force_zip64=True) as stream:
            for chunk in chunks:
                stream.write(chunk)
    return path


def deep_xml(depth: int):
    yield b'<?xml version="1.0" encoding="UTF-8"?>'
    yield b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
    for _ in range(depth // 10_000):
        yield b"<a>" * 10_000
    for _ in range(depth // 10_000):
        yield b"</a>" * 10_000
    yield b"</w:document>"


DEPTH = 10**6
DEEP_SIZE = len(b"".join(deep_xml(0))) + 7 * DEPTH


@pytest.fixture(scope="module")
def deep_docx(tmp_path_factory) -> Path:
    """word/document.xml nested 10^6 deep, stored uncompressed so no ratio gives it away."""
    path = tmp_path_factory.mktemp("deep") / "deep.docx"
    return docx_with(path, "word/document.xml", deep_xml(DEPTH), DEEP_SIZE, stored=True)


@pytest.fixture(scope="module")
def bomb_docx(tmp_path_factory) -> Path:
    """A DOCX whose one extra part inflates to just under 1 GiB of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    return docx_with(path, "word/media/image1.png", [bytes(MIB)] * 1023, 1023 * MIB)


def test_xml_nested_a_million_deep_is_refused(home, deep_docx):
    err = refused_and_untouched(home, deep_docx, *GOOD)
    assert f"nested more than {screening.MAX_XML_DEPTH} deep" in err


def test_a_docx_that_inflates_to_almost_a_gib_is_refused_as_a_bomb(home, bomb_docx):
    err = refused_and_untouched(home, bomb_docx, *GOOD)
    assert "zip bomb" in err and "word/media/image1.png" in err


def test_many_small_parts_that_inflate_too_far_together_are_refused(home, tmp_path):
    path = make_docx(tmp_path / "many.docx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as out:
        for n in range(200):  # each 1 MiB (under the per-part floor), 200 MiB in all
            out.writestr(f"word/media/pad{n}.bin", bytes(MIB))
    err = refused_and_untouched(home, path, *GOOD)
    assert "zip bomb" in err and "times its size" in err


def test_an_attached_bomb_is_refused_like_a_document(home, tmp_path, bomb_docx):
    document = make_pdf(tmp_path / "main.pdf")
    err = refused_and_untouched(home, document, *GOOD, "--attach", bomb_docx)
    assert "zip bomb" in err


def peak_rss_of_filing(bureau, path: Path) -> tuple[int, str]:
    """Run `bureau file PATH` in a fresh process: its peak RSS in MiB (VmHWM, the process's
    own high-water mark: ru_maxrss would carry over the forking test worker's) and stderr."""
    script = (
        "import sys; from bureau.cli import main; code = main(sys.argv[1:]); "
        "print(next(line.split()[1] for line in open('/proc/self/status') "
        "if line.startswith('VmHWM:')), file=sys.stderr); sys.exit(code)"
    )
    command = [sys.executable, "-c", script, "--home", str(bureau.root), "file", str(path), *GOOD]
    done = subprocess.run(command, env=bureau.env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    return int(done.stderr.strip().splitlines()[-1]) // 1024, done.stderr


@pytest.mark.parametrize("fixture", ["bomb_docx", "deep_docx"])
def test_filing_a_hostile_docx_stays_under_300_mb(bureau, request, fixture):
    peak, err = peak_rss_of_filing(bureau, request.getfixturevalue(fixture))
    assert "Traceback" not in err
    assert peak < 300, f"peak RSS {peak} MiB"


# -- sidecars -------------------------------------------------------------------------------


SIDECARS = {
    "not-utf8": b"kind: notice\ntitle: Budget \xe9t\xe9\n",
    "alias-bomb": b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b]\ntitle: *c\n",
    "alias": b"kind: &k notice\ntitle: *k\n",
    "huge-value": b"title: " + b"x" * 5000 + b"\n",
    "tag": b"title: !!python/object:os.system echo\n",
}


@pytest.mark.parametrize("name", sorted(SIDECARS))
def test_a_hostile_sidecar_rejects_its_file_with_a_reason(bureau, tmp_path, name):
    inbox = bureau.root / "inbox"
    make_pdf(inbox / "report.pdf")
    (inbox / "report.pdf.meta.yaml").write_bytes(SIDECARS[name])
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("list") == []
    reason = (inbox / "rejected" / "report.pdf.reason.txt").read_text(encoding="utf-8")
    assert "report.pdf.meta.yaml" in reason
    assert (inbox / "rejected" / "report.pdf.meta.yaml").read_bytes() == SIDECARS[name]


def test_a_file_with_an_undecodable_name_in_the_inbox_is_rejected(bureau):
    inbox = bureau.root / "inbox"
    make_pdf(inbox / os.fsdecode(b"scan\xff.pdf"))
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("list") == []
    reason = inbox / "rejected" / os.fsdecode(b"scan\xff.pdf.reason.txt")
    assert "not valid UTF-8" in reason.read_text(encoding="utf-8")
