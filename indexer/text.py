"""The readable text of a stored document, for the full-text index.

The indexer calls `extract` for every filed document, on its bytes or a stream, never a
path: a document decrypted in memory must never be written to disk in plaintext. Content
is hostile until proven otherwise (damaged uploads, scans, encrypted PDFs, zip bombs), so
`extract` never raises for bad content; it returns an `Extracted` with no text and a short
reason an archivist can read, and the document is simply not searchable by its text.

DOCX text is read from its WordprocessingML in reading order: the headers, the body
(paragraphs, tables, text boxes), the footnotes and endnotes, then the footers. PDF text
is pypdf's, page by page.
"""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PACKAGE_URI, PackURI
from docx.opc.phys_pkg import PhysPkgReader
from docx.opc.pkgreader import _SerializedRelationships
from docx.oxml.parser import parse_xml
from lxml.etree import _Element
from pypdf import PasswordType, PdfReader

from archive import screening
from archive.errors import BadInput

MAX_CHARS = 2_000_000
"""The most text kept from one document, so a huge file cannot exhaust memory."""

_MAX_XML_PART = 16 * 2**20
"""The largest XML part of a DOCX whose text is read (16 MiB, a few thousand pages): the part
is parsed whole with lxml, which needs several times its size in memory."""

_MAX_REASON = 200


@dataclass(frozen=True)
class Extracted:
    """A document's text, or why there is none."""

    text: str
    unavailable: str | None
    truncated: bool = False


def extract(data: bytes | BinaryIO, rendition: str) -> Extracted:
    """The text of a document given as bytes or a binary stream; `rendition` is docx or pdf.

    A seekable stream is read whole, from its start (a PDF or a zip is found from its
    end); any other stream is read from where it stands. The stream is not closed.
    """
    extractor = _EXTRACTORS.get(rendition)
    if extractor is None:
        return _unavailable(f"no text extraction for {rendition} files")
    stream = _seekable(data)
    if _is_empty(stream):
        return _unavailable("the file is empty")
    return extractor(stream)


def _seekable(data: bytes | BinaryIO) -> BinaryIO:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(data)
    if data.seekable():
        return data
    return io.BytesIO(data.read())


def _is_empty(stream: BinaryIO) -> bool:
    here = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return end == 0


def _unavailable(reason: str) -> Extracted:
    return Extracted(text="", unavailable=reason)


def _reason(exc: BaseException) -> str:
    """The first line of an exception's message, short enough for a table cell."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return line if len(line) <= _MAX_REASON else line[: _MAX_REASON - 1] + "…"


class _Text:
    """Text gathered in reading order, cut off at MAX_CHARS."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._size = 0
        self.blank = True
        self.truncated = False

    def add(self, text: str) -> None:
        if not text or self.truncated:
            return
        room = MAX_CHARS - self._size
        if len(text) > room:
            text, self.truncated = text[:room], True
        self._pieces.append(text)
        self._size += len(text)
        self.blank = self.blank and not text.strip()

    def end_line(self) -> None:
        """Start a new line, unless one was just started."""
        if self._pieces and not self._pieces[-1].endswith("\n"):
            self.add("\n")

    def end_with(self, ending: str, replacing: str) -> None:
        """End the text with `ending`, in place of a trailing `replacing` character."""
        if self._pieces and self._pieces[-1].endswith(replacing):
            self._pieces[-1] = self._pieces[-1][:-1]
            self._size -= 1
        self.add(ending)

    def result(self) -> Extracted:
        text = "".join(self._pieces)
        return Extracted(text=text, unavailable=None, truncated=self.truncated)


# DOCX ------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

_TEXT = {_W + "t", _M + "t"}
_SKIPPED = {
    _W + name
    for name in (
        "pPr", "rPr", "sectPr", "tblPr", "tblPrEx", "trPr", "tcPr", "tblGrid", "sdtPr",
        "sdtEndPr", "delText", "instrText", "delInstrText", "moveFrom", "footnoteRef",
        "endnoteRef",
    )
}  # fmt: skip
_CHARACTERS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "noBreakHyphen": "-"}
_LINE_BREAKS = {_W + "br", _W + "cr"}
_NOT_NOTES = {"separator", "continuationSeparator", "continuationNotice"}
_REFERENCES = {_W + "headerReference": "header", _W + "footerReference": "footer"}


def _docx(stream: BinaryIO) -> Extracted:
    try:
        refused = _screen_zip(stream)
        if refused:
            return _unavailable(refused)
        out = _docx_text(stream)
    except Exception as exc:  # a damaged or hostile package fails in many library-specific ways
        return _unavailable(f"not a valid DOCX: {_reason(exc)}")
    if out.blank:
        return _unavailable("the document has no text")
    return out.result()


def _screen_zip(stream: BinaryIO) -> str | None:
    """Why the package must not be inflated, if it must not: filing's zip-bomb limits (from
    its directory alone; zipfile never reads past a member's declared size), and no XML part
    too large to parse. lxml's default parser refuses nesting deeper than 256 by itself."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    with zipfile.ZipFile(stream) as package:
        try:
            screening.check_zip(package, size, "the DOCX")
        except BadInput as exc:
            return str(exc)
        for member in package.infolist():
            if member.filename.lower().endswith(".xml") and member.file_size > _MAX_XML_PART:
                limit = _MAX_XML_PART // 2**20
                part = screening.printable(member.filename)
                return f"the DOCX is too large to read its text ({part} is over {limit} MiB)"
    stream.seek(0)
    return None


def _docx_text(stream: BinaryIO) -> _Text:
    package = _TextParts(stream)
    try:
        body = package.xml(package.main)
        headers, footers = package.headers_and_footers(body)
        parts = [*map(package.xml, headers), body, *map(package.xml, package.notes())]
        out = _Text()
        for root in [*parts, *map(package.xml, footers)]:
            _DocxWalker(out).walk(root)
    finally:
        package.close()
    return out


class _TextParts:
    """The parts of a DOCX package that hold its text, each read and parsed only when asked.

    python-docx's `Package.open` parses every XML part (styles, numbering, settings, themes)
    which is most of the cost of reading a generated document; its OPC reader is used here
    directly to read just the main document, the headers and footers it references, and
    the notes.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.reader = PhysPkgReader(stream)
        package_rels = self._rels(PACKAGE_URI)
        self.main = next(
            r.target_partname
            for r in package_rels
            if r.reltype == RT.OFFICE_DOCUMENT and not r.is_external
        )
        self.main_rels = {r.rId: r for r in self._rels(self.main) if not r.is_external}

    def close(self) -> None:
        self.reader.close()

    def _rels(self, source: PackURI) -> _SerializedRelationships:
        return _SerializedRelationships.load_from_xml(
            source.baseURI, self.reader.rels_xml_for(source)
        )

    def xml(self, partname: PackURI) -> _Element:
        return parse_xml(self.reader.blob_for(partname))

    def headers_and_footers(self, body: _Element) -> tuple[list[PackURI], list[PackURI]]:
        """Each header and footer part the sections use, once, in section order."""
        found: dict[str, dict[str, PackURI]] = {"header": {}, "footer": {}}
        for section in body.iter(_W + "sectPr"):
            for reference in section:
                rel = self.main_rels.get(reference.get(_R + "id"))
                if reference.tag in _REFERENCES and rel is not None:
                    partname = rel.target_partname
                    found[_REFERENCES[reference.tag]].setdefault(str(partname), partname)
        return list(found["header"].values()), list(found["footer"].values())

    def notes(self) -> list[PackURI]:
        """The footnotes and endnotes parts, if the document has them."""
        return [
            rel.target_partname
            for kind in ("footnotes", "endnotes")
            for rel in self.main_rels.values()
            if rel.reltype == _RT + kind
        ]


class _DocxWalker:
    """Walks WordprocessingML in document order, writing what a reader sees."""

    def __init__(self, out: _Text) -> None:
        self.out = out

    def walk(self, element: _Element) -> None:
        for child in element:
            if self.out.truncated:
                return
            self._visit(child)

    def _visit(self, element: _Element) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            return
        if tag in _TEXT:
            self.out.add(element.text or "")
        elif tag in _CHARACTERS:
            self.out.add(_CHARACTERS[tag])
        elif tag in _LINE_BREAKS:
            self.out.end_line()
        elif tag == _MC + "AlternateContent":
            self._alternative(element)
        elif tag in (_W + "footnote", _W + "endnote"):
            if element.get(_W + "type") not in _NOT_NOTES:
                self.walk(element)
        else:
            self._container(tag, element)

    def _container(self, tag: str, element: _Element) -> None:
        if tag == _W + "txbxContent":
            self.out.end_line()
        self.walk(element)
        if tag in (_W + "p", _W + "txbxContent"):
            self.out.end_line()
        elif tag == _W + "tc":
            self.out.end_with("\t", replacing="\n")
        elif tag == _W + "tr":
            self.out.end_with("\n", replacing="\t")

    def _alternative(self, element: _Element) -> None:
        """Word stores a text box twice, as DrawingML and as VML: read the first with text."""
        for branch in element:
            if branch.tag in (_MC + "Choice", _MC + "Fallback") and _has_text(branch):
                self.walk(branch)
                return


def _has_text(element: _Element) -> bool:
    return next(element.iter(*_TEXT), None) is not None


# PDF -------------------------------------------------------------------------------------


def _pdf(stream: BinaryIO) -> Extracted:
    with _quiet_pypdf:
        try:
            reader, problem = _open_pdf(stream)
            if problem:
                return _unavailable(problem)
            count = len(reader.pages)
        except Exception as exc:  # pypdf raises many types on damaged or hostile files
            return _unavailable(f"not a valid PDF: {_reason(exc)}")
        if count == 0:
            return _unavailable("the PDF has no pages")
        return _pdf_pages(reader, count)


class _QuietPypdf:
    """pypdf logs every oddity of a damaged file; the reason returned says enough.

    Counted, so that extractions in several threads restore the level only when the last
    one ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._level = logging.NOTSET

    def __enter__(self) -> None:
        logger = logging.getLogger("pypdf")
        with self._lock:
            if self._users == 0:
                self._level = logger.level
                logger.setLevel(logging.ERROR)
            self._users += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                logging.getLogger("pypdf").setLevel(self._level)


_quiet_pypdf = _QuietPypdf()


def _open_pdf(stream: BinaryIO) -> tuple[PdfReader, str | None]:
    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        return reader, "the PDF is encrypted"
    return reader, None


def _pdf_pages(reader: PdfReader, count: int) -> Extracted:
    out = _Text()
    failure: Exception | None = None
    for number in range(count):
        try:
            page = reader.pages[number].extract_text() or ""
        except Exception as exc:  # one bad page must not cost the others
            failure = failure or exc
            continue
        if page.strip():
            if not out.blank:
                out.add("\n")
            out.add(page)
        if out.truncated:
            break
    if not out.blank:
        return out.result()
    if failure is not None:
        return _unavailable(f"could not read the PDF's text: {_reason(failure)}")
    return _unavailable("no text layer (a scanned image?)")


_EXTRACTORS = {"docx": _docx, "pdf": _pdf}
