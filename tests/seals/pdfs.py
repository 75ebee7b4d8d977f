"""Test PDFs built by the tests themselves: pypdf pages with text, a hand-written PDF writer
for cross-reference streams, Word-style hybrid files and decompression bombs, a DOCX for
LibreOffice, and ways of breaking or tampering with a PDF.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

A4 = (595.28, 841.89)

# (x, y, text) in PDF points; a plain string is put on the next line at the left margin.
Line = str | tuple[float, float, str]

NOTICE_LINES: list[Line] = [
    "Notice on the Spring Term Examination Schedule",
    "All schools shall complete the registration before 15 December 2026.",
    "Contact the General Office for questions.",
    (380, 300, "City Education Bureau"),
    (390, 280, "27 November 2026"),
]


def _escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def content_stream(lines: Sequence[Line], *, top: float = 770) -> bytes:
    """A Helvetica 12 pt content stream showing ``lines`` (uncompressed, so tests can poke it)."""
    ops = [b"BT /F1 12 Tf"]
    y = top
    for line in lines:
        if isinstance(line, str):
            x, ly, text = 72.0, y, line
            y -= 20
        else:
            x, ly, text = line
        ops.append(b"1 0 0 1 %.2f %.2f Tm (%s) Tj" % (x, ly, _escape(text)))
    ops.append(b"ET")
    return b"\n".join(ops)


def text_pdf(pages: Sequence[Sequence[Line]] = (NOTICE_LINES,), size=A4) -> bytes:
    """A pypdf-made PDF with Helvetica text, one page per entry of ``pages``."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(*size)
        stream = DecodedStreamObject()
        stream.set_data(content_stream(lines))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(pdf: bytes, password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.encrypt(password, algorithm="AES-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(pdf: bytes) -> bytes:
    return pdf[: len(pdf) // 2]


def broken_xref(pdf: bytes) -> bytes:
    """Point ``startxref`` into the middle of nowhere and garble the table itself."""
    head, _, _ = pdf.rpartition(b"startxref")
    head = head.replace(b"xref\n", b"xerf\n")
    return head + b"startxref\n7\n%%EOF\n"


def flip_byte(data: bytes, needle: bytes, *, after: int = 0) -> bytes:
    """Change one byte inside the first occurrence of ``needle`` (at or after ``after``)."""
    at = data.index(needle, after) + len(needle) // 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# -- a hand-written PDF writer: xref tables, xref streams, hybrids, object streams ----------


def stream_obj(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def _deflate_chunks(chunks: Iterable[bytes]) -> bytes:
    comp = zlib.compressobj(9)
    out = [comp.compress(chunk) for chunk in chunks]
    out.append(comp.flush())
    return b"".join(out)


def raw_pdf(
    objects: dict[int, bytes],
    *,
    root: int,
    xref: str = "table",
    compressed: Iterable[int] = (),
    bomb_padding: int = 0,
    info: int | None = None,
) -> bytes:
    """Write ``objects`` (number -> body) as a PDF by hand.

    ``xref`` is "table" (classic), "stream" (cross-reference stream) or "hybrid" (a classic
    table plus ``/XRefStm``, as Word writes them). Objects in ``compressed`` go into an object
    stream. ``bomb_padding`` appends that many spaces to the object stream's decoded data and
    deflates it twice: a few hundred bytes on disk that inflate without bound.
    """
    compressed = sorted(compressed)
    refs = b"/Root %d 0 R" % root + (b" /Info %d 0 R" % info if info else b"")
    if compressed and xref == "table":
        raise ValueError("object streams need a cross-reference stream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    size = max(objects) + 1
    offsets: dict[int, int] = {}
    for num in sorted(set(objects) - set(compressed)):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    in_stream: dict[int, tuple[int, int]] = {}
    if compressed:
        stm_num, size = size, size + 1
        header, body, pos = [], b"", 0
        for index, num in enumerate(compressed):
            header.append(b"%d %d" % (num, pos))
            piece = objects[num] + b"\n"
            body += piece
            pos += len(piece)
            in_stream[num] = (stm_num, index)
        head = b" ".join(header) + b"\n"
        decoded = head + body
        extra = b"/Type /ObjStm /N %d /First %d" % (len(compressed), len(head))
        if bomb_padding:
            chunk = b" " * (1 << 24)
            pieces = [decoded] + [chunk] * (bomb_padding // len(chunk))
            data = zlib.compress(_deflate_chunks(pieces), 9)
            extra += b" /Filter [/FlateDecode /FlateDecode]"
        else:
            data = zlib.compress(decoded)
            extra += b" /Filter /FlateDecode"
        offsets[stm_num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (stm_num, stream_obj(data, extra))
    if xref == "table":
        return bytes(out + _xref_table(offsets, size, refs, len(out)))
    xs_num, size = size, size + 1
    xs_offset = len(out)
    rows = []
    for num in range(size):
        if num == xs_num:
            rows.append((1, xs_offset, 0))
        elif num in in_stream:
            rows.append((2, *in_stream[num]))
        elif num in offsets and xref == "stream":
            rows.append((1, offsets[num], 0))
        else:
            rows.append((0, 0, 0 if num else 0xFFFF))
    table = b"".join(bytes([t]) + a.to_bytes(4, "big") + b.to_bytes(2, "big") for t, a, b in rows)
    extra = b"/Type /XRef /Size %d /W [1 4 2] %s" % (size, refs)
    out += b"%d 0 obj\n%s\nendobj\n" % (xs_num, stream_obj(table, extra))
    if xref == "stream":
        return bytes(out + b"startxref\n%d\n%%%%EOF\n" % xs_offset)
    # hybrid: the classic table lists the plain objects, /XRefStm the compressed ones
    trailer = refs + b" /XRefStm %d" % xs_offset
    return bytes(out + _xref_table(offsets, size, trailer, len(out)))


def _xref_table(offsets: dict[int, int], size: int, trailer: bytes, at: int) -> bytes:
    rows = [b"0000000000 65535 f \n"]
    for num in range(1, size):
        if num in offsets:
            rows.append(b"%010d 00000 n \n" % offsets[num])
        else:
            rows.append(b"0000000000 65535 f \n")
    table = b"xref\n0 %d\n" % size + b"".join(rows)
    return table + b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, at)


def word_like_pdf(lines: Sequence[Line] = NOTICE_LINES, *, xref: str = "hybrid") -> bytes:
    """A PDF shaped like Word's output: hybrid cross-references, font and info dictionaries
    in an object stream, catalog/pages/page/content as plain objects."""
    content = content_stream(lines)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Lang (zh-CN) >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        4: stream_obj(content),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        6: b"<< /Producer (Microsoft\\256 Word for Microsoft 365) >>",
    }
    return raw_pdf(objects, root=1, xref=xref, compressed=[5, 6], info=6)


def bomb_pdf(padding: int = 320 * (1 << 20)) -> bytes:
    """A PDF whose catalog lives in a doubly deflated object stream inflating to ``padding``+
    bytes: any reader that resolves the catalog must decode it."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] >>",
    }
    return raw_pdf(objects, root=1, xref="stream", compressed=[1, 2, 3], bomb_padding=padding)


# -- a DOCX for LibreOffice ----------------------------------------------------------------


def notice_docx(path: Path) -> Path:
    """A short Chinese notice: title, body, then organ name and date at the right."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()

    def para(text: str, *, right: bool = False, size: int = 16) -> None:
        p = doc.add_paragraph()
        if right:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.name = "Noto Serif CJK SC"
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")

    para("关于做好2027年春季学期考试安排的通知", size=22)
    para("各区教育局、各直属学校：")
    para("请于2026年12月15日前完成报名工作。具体事项请与局办公室联系。")
    for _ in range(3):
        para("")
    para("市教育局办公室", right=True)
    para("2026年11月27日", right=True)
    doc.save(path)
    return path


# -- changes after signing, made the way an attacker's tool would: incremental updates -----


def _incremental(pdf: bytes, change) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def add_page_content(pdf: bytes, text: str = "PAID IN FULL", page: int = 0) -> bytes:
    """Append a content stream drawing ``text`` on ``page``."""
    from pyhanko.pdf_utils import generic

    def change(writer) -> None:
        data = b"BT /F1 24 Tf 72 400 Td (%s) Tj ET" % _escape(text)
        writer.add_stream_to_page(page, writer.add_object(generic.StreamObject(stream_data=data)))

    return _incremental(pdf, change)


def add_freetext_annotation(pdf: bytes, text: str = "Amount: 9,000,000", page: int = 0) -> bytes:
    """Lay a FreeText annotation (with its own appearance) over the page's text."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    def change(writer) -> None:
        page_ref = writer.root["/Pages"]["/Kids"].raw_get(page)
        appearance = writer.add_object(
            generic.StreamObject(
                {
                    pdf_name("/Type"): pdf_name("/XObject"),
                    pdf_name("/Subtype"): pdf_name("/Form"),
                    pdf_name("/BBox"): generic.ArrayObject(
                        map(generic.NumberObject, (0, 0, 300, 40))
                    ),
                },
                stream_data=b"1 1 1 rg 0 0 300 40 re f 0 g BT /Helv 14 Tf 4 14 Td (%s) Tj ET"
                % _escape(text),
            )
        )
        annot = writer.add_object(
            generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/Annot"),
                    pdf_name("/Subtype"): pdf_name("/FreeText"),
                    pdf_name("/Rect"): generic.ArrayObject(
                        map(generic.NumberObject, (72, 740, 372, 780))
                    ),
                    pdf_name("/Contents"): generic.TextStringObject(text),
                    pdf_name("/DA"): generic.TextStringObject("/Helv 14 Tf 0 g"),
                    pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): appearance}),
                }
            )
        )
        writer.register_annotation(page_ref, annot)

    return _incremental(pdf, change)


def swap_page(pdf: bytes, lines: Sequence[Line] = ("A different page",)) -> bytes:
    """Replace the first page by a new one (same size, other text)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    def change(writer) -> None:
        pages = writer.root["/Pages"]
        old = pages["/Kids"][0].get_object()
        content = writer.add_object(generic.StreamObject(stream_data=content_stream(lines)))
        new = writer.add_object(
            generic.DictionaryObject(
                {
                    pdf_name("/Type"): pdf_name("/Page"),
                    pdf_name("/Parent"): old.raw_get("/Parent"),
                    pdf_name("/MediaBox"): old["/MediaBox"],
                    pdf_name("/Resources"): old["/Resources"],
                    pdf_name("/Contents"): content,
                }
            )
        )
        pages["/Kids"][0] = new
        writer.update_container(pages["/Kids"])

    return _incremental(pdf, change)
