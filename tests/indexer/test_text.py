"""Text extraction: what the indexer reads from a DOCX or a PDF, and why it sometimes cannot."""

from __future__ import annotations

import copy
import io
import logging
import zipfile

import docx
import pypdf
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import text
from indexer.text import Extracted, extract
from tests.factories import make_docx, pdf_bytes

NOTICE = "关于开展春季校园安全检查的通知"


def docx_bytes(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def paragraphs_docx(*paragraphs: str) -> docx.document.Document:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    return document


def add_run_xml(paragraph, inner: str) -> None:
    run = parse_xml(f"<w:r {nsdecls('w', 'wp', 'a')}>{inner}</w:r>")
    paragraph._p.append(run)


def text_box(words: str) -> str:
    """A text box as Word writes it: DrawingML for new readers, VML for old ones."""
    content = f"<w:txbxContent><w:p><w:r><w:t>{words}</w:t></w:r></w:p></w:txbxContent>"
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    vml = "urn:schemas-microsoft-com:vml"
    return (
        f'<mc:AlternateContent xmlns:mc="{mc}" xmlns:wps="{wps}" xmlns:v="{vml}">'
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
        f'<a:graphicData uri="{wps}"><wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp>'
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent>"
    )


def pdf_of_pages(*pages: bytes) -> bytes:
    writer = pypdf.PdfWriter()
    for page in pages:
        writer.append(pypdf.PdfReader(io.BytesIO(page)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(words: str, user: str, owner: str | None, algorithm: str = "RC4-128") -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(words))))
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# DOCX --------------------------------------------------------------------------------------


def test_docx_paragraphs_are_lines_in_order():
    data = docx_bytes(paragraphs_docx("First paragraph.", "Second paragraph.", "Third."))

    assert extract(data, "docx") == Extracted(
        text="First paragraph.\nSecond paragraph.\nThird.\n", unavailable=None
    )


def test_docx_made_by_the_factory_is_read(tmp_path):
    data = make_docx(tmp_path / "notice.docx", text="School safety inspections").read_bytes()

    assert extract(data, "docx").text == "School safety inspections\n"


def test_chinese_text_round_trips():
    data = docx_bytes(paragraphs_docx(NOTICE, "各中小学：请于三月底前完成自查。"))

    assert extract(data, "docx").text == f"{NOTICE}\n各中小学：请于三月底前完成自查。\n"


def test_docx_table_cells_are_tab_separated_and_rows_are_lines():
    document = paragraphs_docx("Before the table.")
    table = document.add_table(rows=2, cols=2)
    for (row, col), words in {(0, 0): "A1", (0, 1): "B1", (1, 0): "A2", (1, 1): "B2"}.items():
        table.cell(row, col).text = words
    document.add_paragraph("After the table.")

    got = extract(docx_bytes(document), "docx").text

    assert got == "Before the table.\nA1\tB1\nA2\tB2\nAfter the table.\n"


def test_docx_nested_table_text_is_read_in_its_cell():
    document = docx.Document()
    outer = document.add_table(rows=1, cols=3)
    outer.cell(0, 0).text = "Outer left"
    inner = outer.cell(0, 1).add_table(rows=2, cols=1)
    inner.cell(0, 0).text = "Inner top"
    inner.cell(1, 0).text = "Inner bottom"
    outer.cell(0, 2).text = "Outer right"

    got = extract(docx_bytes(document), "docx").text

    words = ["Outer left", "Inner top", "Inner bottom", "Outer right"]
    assert [got.find(w) for w in words] == sorted(got.find(w) for w in words)
    assert all(got.count(w) == 1 for w in words)
    assert "Inner bottomOuter" not in got


def test_docx_header_comes_before_the_body_and_footer_after():
    document = paragraphs_docx("The body.")
    document.sections[0].header.paragraphs[0].text = "Education Bureau"
    document.sections[0].footer.paragraphs[0].text = "Page footer"

    got = extract(docx_bytes(document), "docx").text

    assert got == "Education Bureau\nThe body.\nPage footer\n"


def test_docx_header_used_by_two_sections_is_read_once():
    document = paragraphs_docx("Section one.")
    document.sections[0].header.paragraphs[0].text = "Shared header"
    document.add_section()
    document.add_paragraph("Section two.")
    reference = document.sections[0]._sectPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}headerReference"
    )
    document.sections[1]._sectPr.insert(0, copy.deepcopy(reference))

    got = extract(docx_bytes(document), "docx").text

    assert got == "Shared header\nSection one.\nSection two.\n"


def test_docx_text_box_is_read_once_where_it_is_anchored():
    document = docx.Document()
    paragraph = document.add_paragraph("Before the box.")
    add_run_xml(paragraph, text_box("Inside the box"))
    paragraph.add_run("After the box.")

    got = extract(docx_bytes(document), "docx").text

    assert got == "Before the box.\nInside the box\nAfter the box.\n"


def test_docx_deleted_text_is_skipped_and_inserted_text_kept():
    document = docx.Document()
    paragraph = document.add_paragraph("Kept ")
    paragraph._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="1" w:author="A"><w:r><w:delText>withdrawn </w:delText>'
            "</w:r></w:del>"
        )
    )
    paragraph._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="2" w:author="A"><w:r><w:t>added</w:t></w:r></w:ins>'
        )
    )

    assert extract(docx_bytes(document), "docx").text == "Kept added\n"


def test_docx_tabs_and_line_breaks_keep_words_apart():
    document = docx.Document()
    run = document.add_paragraph().add_run("Name")
    run.add_tab()
    run.add_text("Zhang San")
    run.add_break()
    run.add_text("Next line")

    assert extract(docx_bytes(document), "docx").text == "Name\tZhang San\nNext line\n"


def test_docx_field_codes_are_skipped_but_their_results_kept():
    document = docx.Document()
    paragraph = document.add_paragraph("Page ")
    add_run_xml(paragraph, '<w:fldChar w:fldCharType="begin"/>')
    add_run_xml(paragraph, "<w:instrText> PAGE </w:instrText>")
    add_run_xml(paragraph, '<w:fldChar w:fldCharType="separate"/>')
    add_run_xml(paragraph, "<w:t>3</w:t>")
    add_run_xml(paragraph, '<w:fldChar w:fldCharType="end"/>')

    assert extract(docx_bytes(document), "docx").text == "Page 3\n"


def test_docx_footnotes_follow_the_body_without_separators():
    document = paragraphs_docx("The body.")
    w = nsdecls("w")
    notes = (
        f"<w:footnotes {w}>"
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t>A footnote.</w:t>'
        "</w:r></w:p></w:footnote></w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        notes.encode(),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    document.sections[0].footer.paragraphs[0].text = "Footer"

    assert extract(docx_bytes(document), "docx").text == "The body.\nA footnote.\nFooter\n"


def test_docx_without_text_is_unavailable():
    data = docx_bytes(paragraphs_docx("", "   "))

    assert extract(data, "docx") == Extracted(text="", unavailable="the document has no text")


@pytest.mark.parametrize(
    "data",
    [b"\x8f\x00 random bytes \xff" * 20, pdf_bytes("a PDF, not a DOCX")],
    ids=["random-bytes", "a-pdf"],
)
def test_docx_that_is_not_a_zip_is_unavailable(data):
    assert extract(data, "docx") == Extracted(
        text="", unavailable="not a valid DOCX: File is not a zip file"
    )


def test_docx_zip_without_its_document_is_unavailable(tmp_path):
    whole = make_docx(tmp_path / "whole.docx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            if name != "word/document.xml":
                target.writestr(name, source.read(name))

    got = extract(buffer.getvalue(), "docx")

    assert got.text == ""
    assert got.unavailable.startswith("not a valid DOCX: ")
    assert "word/document.xml" in got.unavailable


def test_docx_cut_in_half_is_unavailable(tmp_path):
    whole = make_docx(tmp_path / "whole.docx").read_bytes()

    got = extract(whole[: len(whole) // 2], "docx")

    assert got.text == ""
    assert got.unavailable.startswith("not a valid DOCX: ")


def test_docx_whose_xml_part_is_too_large_to_parse_is_unavailable(monkeypatch):
    monkeypatch.setattr(text, "_MAX_XML_PART", 1000)

    got = extract(docx_bytes(paragraphs_docx("Small, but over the limit here. " * 40)), "docx")

    assert got.text == ""
    assert got.unavailable.startswith("the DOCX is too large to read its text")


def test_a_docx_zip_bomb_is_unavailable_without_being_inflated():
    buffer = io.BytesIO(docx_bytes(paragraphs_docx("A notice.")))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/zeros.bin", bytes(64 << 20))  # 64 MiB, ~1000:1

    got = extract(buffer.getvalue(), "docx")

    assert got.text == ""
    assert "zip bomb" in got.unavailable


def test_docx_text_is_cut_at_max_chars(monkeypatch):
    monkeypatch.setattr(text, "MAX_CHARS", 10)

    got = extract(docx_bytes(paragraphs_docx("0123456789abcdef", "more")), "docx")

    assert got == Extracted(text="0123456789", unavailable=None, truncated=True)


# PDF ---------------------------------------------------------------------------------------


def test_pdf_text_is_read():
    got = extract(pdf_bytes("Annual budget of the Planning and Finance Department"), "pdf")

    assert got == Extracted(
        text="Annual budget of the Planning and Finance Department", unavailable=None
    )


def test_pdf_lines_are_read_top_to_bottom():
    data = pdf_bytes(lines=[(72, 720, "First line"), (72, 700, "Second line")])

    assert extract(data, "pdf").text.splitlines() == ["First line", "Second line"]


def test_pdf_pages_are_joined_with_newlines():
    data = pdf_of_pages(pdf_bytes("Page one"), pdf_bytes("Page two"))

    assert extract(data, "pdf").text == "Page one\nPage two"


def test_pdf_without_a_text_layer_is_unavailable():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)

    assert extract(buffer.getvalue(), "pdf") == Extracted(
        text="", unavailable="no text layer (a scanned image?)"
    )


def test_unparseable_pdf_is_unavailable():
    got = extract(b"%PDF-1.4 garbage", "pdf")

    assert got.text == ""
    assert got.unavailable.startswith("not a valid PDF: ")


def test_pdf_with_a_user_password_is_unavailable():
    data = encrypted_pdf("Confidential budget", user="secret", owner=None)

    assert extract(data, "pdf") == Extracted(text="", unavailable="the PDF is encrypted")


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_pdf_encrypted_with_only_an_owner_password_is_read(algorithm):
    data = encrypted_pdf("Open to all readers", user="", owner="owner", algorithm=algorithm)

    assert extract(data, "pdf").text == "Open to all readers"


def test_pdf_page_that_fails_does_not_lose_the_others(monkeypatch):
    original = pypdf.PageObject.extract_text

    def failing_on_bad_pages(page, *args, **kwargs):
        words = original(page, *args, **kwargs)
        if "BAD" in words:
            raise ValueError("broken content stream")
        return words

    monkeypatch.setattr(pypdf.PageObject, "extract_text", failing_on_bad_pages)
    data = pdf_of_pages(pdf_bytes("Good one"), pdf_bytes("BAD"), pdf_bytes("Good two"))

    assert extract(data, "pdf").text == "Good one\nGood two"


def test_pdf_whose_every_page_fails_is_unavailable_with_the_reason(monkeypatch):
    def failing(page, *args, **kwargs):
        raise ValueError("broken content stream\nwith details")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", failing)

    assert extract(pdf_bytes("Lost"), "pdf") == Extracted(
        text="", unavailable="could not read the PDF's text: broken content stream"
    )


def test_pdf_text_is_cut_at_max_chars(monkeypatch):
    monkeypatch.setattr(text, "MAX_CHARS", 12)
    data = pdf_of_pages(pdf_bytes("Page one"), pdf_bytes("Page two"), pdf_bytes("Page three"))

    assert extract(data, "pdf") == Extracted(text="Page one\nPag", unavailable=None, truncated=True)


def test_damaged_pdf_is_read_without_pypdf_log_noise(caplog):
    data = pdf_bytes("Still readable").replace(b"startxref\n", b"startxref\n9")
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level

    with caplog.at_level(logging.DEBUG):
        got = extract(data, "pdf")

    assert got.text == "Still readable"
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert pypdf_logger.level == level


# Any file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rendition", ["docx", "pdf"])
def test_empty_file_is_unavailable(rendition):
    assert extract(b"", rendition) == Extracted(text="", unavailable="the file is empty")


def test_rendition_without_extraction_is_unavailable():
    assert extract(b"plain text", "txt") == Extracted(
        text="", unavailable="no text extraction for txt files"
    )


@pytest.mark.parametrize(
    "rendition, data",
    [("docx", docx_bytes(paragraphs_docx(NOTICE))), ("pdf", pdf_bytes("A notice"))],
)
def test_a_stream_reads_the_same_as_bytes(rendition, data):
    stream = io.BytesIO(data)

    assert extract(stream, rendition) == extract(data, rendition)
    assert not stream.closed


def test_an_open_file_is_read(tmp_path):
    path = make_docx(tmp_path / "notice.docx", text=NOTICE)

    with path.open("rb") as stream:
        assert extract(stream, "docx").text == f"{NOTICE}\n"


class _OneWay(io.RawIOBase):
    """A stream that cannot seek, like a decrypting pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_stream_that_cannot_seek_is_read():
    assert extract(_OneWay(pdf_bytes("Decrypted in memory")), "pdf").text == "Decrypted in memory"


def _damaged(document: bytes) -> st.SearchStrategy[bytes]:
    """`document` cut short or with a run of bytes overwritten."""
    cut = st.integers(0, len(document)).map(lambda n: document[:n])
    overwritten = st.tuples(st.integers(0, len(document)), st.binary(min_size=1, max_size=64)).map(
        lambda at: document[: at[0]] + at[1] + document[at[0] + len(at[1]) :]
    )
    return cut | overwritten


_DOCX = docx_bytes(paragraphs_docx(NOTICE, "Body text"))
_PDF = pdf_bytes("Body text")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=2048) | _damaged(_DOCX) | _damaged(_PDF),
    rendition=st.sampled_from(["docx", "pdf"]),
)
def test_any_bytes_give_an_extracted_and_never_raise(data, rendition):
    got = extract(data, rendition)

    assert isinstance(got, Extracted)
    assert (got.text == "") == (got.unavailable is not None)
    assert got.unavailable is None or "\n" not in got.unavailable
