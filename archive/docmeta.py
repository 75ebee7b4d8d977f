"""What a document says about itself, and whether it is what its extension claims.

Filing reads metadata the command line did not give from the document: DOCX core and
custom properties, PDF document information and XMP. The custom property names below are
the ones the generators write, so a generated document files itself.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from archive import screening
from archive.errors import BadInput
from archive.pdfa import Report as PdfaReport
from archive.pdfa import check_reader as check_pdfa
from archive.screening import printable

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MEDIA_TYPE = "application/pdf"

# Custom property names (DOCX docProps/custom.xml, PDF document information /bureau.*).
PROPERTY_PREFIX = "bureau."
PROPERTY_KEYS = (
    "kind",
    "dept",
    "title",
    "date",
    "classification",
    "retention",
    "doc_no",
    "template",
)

_CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


@dataclass
class DocInfo:
    """A validated document: its kind of file and the metadata found inside it."""

    rendition: str
    media_type: str
    properties: dict[str, str] = field(default_factory=dict)
    signed: bool = False  # it has a filled signature field (whoever signed it)
    active_content: list[str] = field(default_factory=list)  # screening.ACTIVE_KINDS
    ignored_after_seal: list[str] = field(default_factory=list)  # properties changed after it
    pdfa: PdfaReport | None = None  # for a PDF: its PDF/A claim and the basic checks' findings


def rendition_of(path: Path) -> str:
    """The rendition name for a file name (`docx`, `pdf`, or its lower-case extension)."""
    return path.suffix.lower().lstrip(".") or "bin"


def inspect(path: Path, name: str | None = None, signed_length: int | None = None) -> DocInfo:
    """Screen a .docx or .pdf and read its metadata; BadInput saying what is wrong.

    `name` is the name it will be recorded under (default: the path's). `signed_length`,
    for a PDF whose bureau seal was verified, is where the sealed revision ends: metadata
    is read from those bytes only, and what later revisions changed is ignored (and named
    in `ignored_after_seal`).
    """
    name = name or path.name
    _check_readable(path, name)
    kind = rendition_of(Path(name))
    if kind == "docx":
        return DocInfo("docx", DOCX_MEDIA_TYPE, _docx_properties(path, printable(name)))
    if kind == "pdf":
        return _pdf_info(path, printable(name), signed_length)
    raise BadInput(f"{printable(name)}: only .docx and .pdf documents can be filed")


def inspect_attachment(path: Path, name: str | None = None) -> DocInfo:
    """Attachments may be any non-empty file; DOCX and PDF ones are screened like documents."""
    name = name or path.name
    kind = rendition_of(Path(name))
    if kind in ("docx", "pdf"):
        return inspect(path, name)
    _check_readable(path, name)
    return DocInfo(kind, "application/octet-stream")


def _check_readable(path: Path, name: str) -> None:
    screening.check_name(name)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise BadInput(f"{printable(str(path))}: no such file") from exc
    except OSError as exc:
        raise BadInput(f"{printable(str(path))}: cannot read: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise BadInput(f"{printable(str(path))}: not a regular file")
    if size == 0:
        raise BadInput(f"{printable(name)}: the file is empty")


def _docx_properties(path: Path, name: str) -> dict[str, str]:
    """Screen the package (see archive.screening: no zip bomb, every member's CRC, the main
    parts well-formed and not nested too deep) and read its properties.

    Parsing with the standard library's expat, streamed, rather than opening the document
    with python-docx, keeps filing fast and its memory bounded whatever the input.
    """
    with path.open("rb") as stream:
        if stream.read(4) != b"PK\x03\x04":
            raise BadInput(f"{name}: not a DOCX file (it is not a ZIP package)")
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise BadInput(f"{name}: not a DOCX file (no word/document.xml)")
            screening.check_zip(package, path.stat().st_size, name)
            kept = screening.check_members(package, name, keep=_READ_PARTS)
            for part in _MAIN_PARTS:
                with _part(package, part, kept) as stream:
                    screening.check_xml(stream, part, name)
            parts = {
                part: _property_part(package, part, name, kept)
                for part in screening.PROPERTY_PARTS
                if part in names
            }
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
        raise BadInput(f"{name}: corrupt DOCX: {_reason(exc)}") from exc
    props = _docx_core(parts.get("docProps/core.xml"))
    props.update(_docx_custom(parts.get("docProps/custom.xml")))
    return props


_MAIN_PARTS = ("[Content_Types].xml", "word/document.xml")
_READ_PARTS = frozenset(_MAIN_PARTS + screening.PROPERTY_PARTS)


def _part(package: zipfile.ZipFile, part: str, kept: dict[str, bytes]) -> BinaryIO:
    """A part's bytes as `check_members` kept them, else inflated again from the package."""
    return io.BytesIO(kept[part]) if part in kept else package.open(part)


def _property_part(
    package: zipfile.ZipFile, part: str, name: str, kept: dict[str, bytes]
) -> ET.Element:
    """A docProps part, screened (small, no DTD, shallow) before it is parsed whole."""
    if package.getinfo(part).file_size > screening.MAX_PROPERTY_PART:
        raise BadInput(f"{name}: refused: {part} is larger than a property part can be")
    data = kept[part] if part in kept else package.read(part)
    screening.check_xml(io.BytesIO(data), part, name)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise BadInput(f"{name}: corrupt DOCX: {part}: {exc}") from exc


_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"


def _docx_core(root: ET.Element | None) -> dict[str, str]:
    if root is None:
        return {}
    props: dict[str, str] = {}
    title = root.findtext(f"{_DC}title")
    if title and title.strip():
        props["title"] = title.strip()
    created = (root.findtext(f"{_DCTERMS}created") or "").strip()
    if created:
        try:
            moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment and moment.year > 1900:
            if moment.tzinfo is None:  # W3CDTF without a zone: OOXML means UTC
                moment = moment.replace(tzinfo=UTC)
            props["created"] = moment.isoformat()
    return props


def _docx_custom(root: ET.Element | None) -> dict[str, str]:
    if root is None:
        return {}
    props = {}
    for prop in root.iter(f"{_CUSTOM_NS}property"):
        key = (prop.get("name") or "").strip()
        if key.startswith(PROPERTY_PREFIX) and key[len(PROPERTY_PREFIX) :] in PROPERTY_KEYS:
            value = "".join(prop.itertext()).strip()
            if value:
                props[key[len(PROPERTY_PREFIX) :]] = value
    return props


def _pdf_info(path: Path, name: str, signed_length: int | None) -> DocInfo:
    """Screen a PDF (archive.screening: complete, strictly parseable, active content named)
    and read its metadata, from the sealed revision when `signed_length` says where it ends."""
    with path.open("rb") as stream:
        head = stream.read(1024)
        if b"%PDF-" not in head:
            raise BadInput(f"{name}: not a PDF file (no %PDF header)")
    screening.check_pdf_end(path)
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with path.open("rb") as stream:
            reader = PdfReader(stream, strict=True)
            if reader.is_encrypted:
                raise BadInput(f"{name}: the PDF is encrypted; file an unencrypted copy")
            if len(reader.pages) == 0:
                raise BadInput(f"{name}: the PDF has no pages")
            active = screening.active_content(reader, name)
            conformance = check_pdfa(reader, head[head.index(b"%PDF-") :])
            signed = _has_signature(reader)
            props = _pdf_metadata(reader)
            ignored: list[str] = []
            if signed_length is not None:
                window = io.BufferedReader(_Window(stream, signed_length))
                sealed_props = _pdf_metadata(PdfReader(window, strict=True))
                ignored = sorted(
                    _property_name(key)
                    for key in props.keys() | sealed_props.keys()
                    if props.get(key) != sealed_props.get(key)
                )
                props = sealed_props
    except BadInput:
        raise
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        zlib.error,
    ) as exc:
        raise BadInput(f"{name}: unparseable PDF: {_reason(exc)}") from exc
    return DocInfo("pdf", PDF_MEDIA_TYPE, props, signed, active, ignored, conformance)


def _pdf_metadata(reader: object) -> dict[str, str]:
    """The document information (/Title, /CreationDate, /bureau.*) and the XMP title."""
    info = reader.metadata or {}  # type: ignore[attr-defined]
    props: dict[str, str] = {}
    for key in PROPERTY_KEYS:
        value = info.get(f"/{PROPERTY_PREFIX}{key}")
        if value and str(value).strip():
            props[key] = str(value).strip()
    title = info.get("/Title")
    if "title" not in props and title and str(title).strip():
        props["title"] = str(title).strip()
    if "title" not in props:
        props.update(_xmp_title(reader))
    created = info.get("/CreationDate")
    if created:
        parsed = _pdf_date(str(created))
        if parsed:
            props["created"] = parsed
    return props


def _property_name(key: str) -> str:
    """How a metadata key is named to the user: the custom property name where it is one."""
    return key if key in ("title", "created") else PROPERTY_PREFIX + key


class _Window(io.RawIOBase):
    """The first `length` bytes of a file, as a file of its own: a PDF's signed revision
    (a signature's byte range ends where its revision does) is a complete PDF."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        count = min(len(buffer), self._length - self._pos)
        if count <= 0:
            return 0
        self._stream.seek(self._pos)
        data = self._stream.read(count)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def _has_signature(reader: object) -> bool:
    """Whether the PDF has a filled signature field (a seal)."""
    fields = reader.get_fields() or {}  # type: ignore[attr-defined]
    return any(f.get("/FT") == "/Sig" and f.get("/V") is not None for f in fields.values())


def _xmp_title(reader: object) -> dict[str, str]:
    try:
        xmp = reader.xmp_metadata  # type: ignore[attr-defined]
        titles = xmp.dc_title if xmp else None
    except Exception:  # XMP is optional and often malformed; the document is still valid
        return {}
    if titles:
        value = titles.get("x-default") or next(iter(titles.values()), "")
        if value and value.strip():
            return {"title": value.strip()}
    return {}


_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")


def _pdf_date(text: str) -> str | None:
    match = _PDF_DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2] or 1), int(match[3] or 1)).isoformat()
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
