"""Real documents for the benchmarks and the tests: DOCX through python-docx, PDF written
byte by byte. (They live here, not under tests/, so that bench/ does not import the tests;
tests/factories.py gives the tests the same functions.)

The PDFs are small but complete (catalog, page, font, content stream, xref, trailer, and
an optional document information dictionary), so pypdf reads their text and metadata as it
would a real one.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part


def make_docx(
    path: Path,
    text: str = "A notice about school safety inspections.",
    title: str | None = None,
    custom: dict[str, str] | None = None,
) -> Path:
    """A DOCX with one paragraph, an optional core title and custom properties."""
    document = docx.Document()
    document.add_paragraph(text)
    document.core_properties.title = title or ""
    if custom:
        _add_custom_properties(document, custom)
    document.save(str(path))
    return path


def _add_custom_properties(document: docx.document.Document, props: dict[str, str]) -> None:
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    fmtid = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
    body = "".join(
        f'<property fmtid="{fmtid}" pid="{pid}" name="{_xml(k)}"><vt:lpwstr>{_xml(v)}</vt:lpwstr>'
        "</property>"
        for pid, (k, v) in enumerate(props.items(), start=2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{ns}" xmlns:vt="{vt}">{body}</Properties>'
    )
    part = Part(
        PackURI("/docProps/custom.xml"),
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
        xml.encode("utf-8"),
        document.part.package,
    )
    document.part.package.relate_to(part, RT.CUSTOM_PROPERTIES)


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def make_pdf(
    path: Path,
    text: str = "Annual budget of the Planning and Finance Department",
    info: dict[str, str] | None = None,
) -> Path:
    """A one-page PDF showing `text` (ASCII) with an optional information dictionary."""
    path.write_bytes(pdf_bytes(text, info))
    return path


def pdf_bytes(
    text: str = "Hello",
    info: dict[str, str] | None = None,
    lines: list[tuple[float, float, str]] | None = None,
) -> bytes:
    """`text` at the top left, or each of `lines` (x, y, text) where it says."""
    placed = lines or [(72, 720, text)]
    stream = " ".join(f"BT /F1 12 Tf {x} {y} Td ({_escape(t)}) Tj ET" for x, y, t in placed).encode(
        "latin-1"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if info:
        entries = " ".join(f"/{k} {_pdf_string(v)}" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
    return assemble_pdf(objects, info=bool(info))


def assemble_pdf(objects: list[bytes], info: bool = False) -> bytes:
    """A PDF file of ``objects``, numbered from 1 (the first is the catalog), with its
    cross-reference table and trailer; with ``info``, the last object is the document
    information dictionary."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % len(objects)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf_string(value: str) -> str:
    """A PDF text string: UTF-16BE with BOM, as hex, so any language round-trips."""
    return "<FEFF" + value.encode("utf-16-be").hex().upper() + ">"
