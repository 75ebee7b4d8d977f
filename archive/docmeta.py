"""What a document says about itself, and whether it is what its extension claims.

Filing reads metadata the command line did not give from the document: DOCX core and
custom properties, PDF document information and XMP. The custom property names below are
the ones the generators write, so a generated document files itself.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from archive.errors import BadInput

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

MAX_UNCOMPRESSED = 1 << 30  # a DOCX that inflates past 1 GiB is refused as a zip bomb
_CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


@dataclass
class DocInfo:
    """A validated document: its kind of file and the metadata found inside it."""

    rendition: str
    media_type: str
    properties: dict[str, str] = field(default_factory=dict)
    sealed: bool = False


def rendition_of(path: Path) -> str:
    """The rendition name for a file name (`docx`, `pdf`, or its lower-case extension)."""
    return path.suffix.lower().lstrip(".") or "bin"


def inspect(path: Path) -> DocInfo:
    """Validate a .docx or .pdf and read its metadata; BadInput saying what is wrong."""
    _check_readable(path)
    kind = rendition_of(path)
    if kind == "docx":
        return DocInfo("docx", DOCX_MEDIA_TYPE, _docx_properties(path))
    if kind == "pdf":
        properties, sealed = _pdf_properties(path)
        return DocInfo("pdf", PDF_MEDIA_TYPE, properties, sealed)
    raise BadInput(f"{path.name}: only .docx and .pdf documents can be filed")


def inspect_attachment(path: Path) -> DocInfo:
    """Attachments may be any non-empty file; DOCX and PDF ones must be valid."""
    kind = rendition_of(path)
    if kind in ("docx", "pdf"):
        return inspect(path)
    _check_readable(path)
    return DocInfo(kind, "application/octet-stream")


def _check_readable(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file") from exc
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise BadInput(f"{path}: not a regular file")
    if size == 0:
        raise BadInput(f"{path.name}: the file is empty")


def _docx_properties(path: Path) -> dict[str, str]:
    """Check the package (every member's CRC, the main parts well-formed) and read its properties.

    Parsing the parts with the standard library's expat, rather than opening the document
    with python-docx, keeps filing fast; the checks are the ones a reader would fail on.
    """
    with path.open("rb") as stream:
        if stream.read(4) != b"PK\x03\x04":
            raise BadInput(f"{path.name}: not a DOCX file (it is not a ZIP package)")
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise BadInput(f"{path.name}: not a DOCX file (no word/document.xml)")
            if sum(info.file_size for info in package.infolist()) > MAX_UNCOMPRESSED:
                raise BadInput(f"{path.name}: refused: it would inflate to more than 1 GiB")
            bad = package.testzip()
            if bad is not None:
                raise BadInput(f"{path.name}: corrupt DOCX: {bad} is damaged")
            parts = {
                name: _parse_part(package, name, path.name)
                for name in ("[Content_Types].xml", "word/document.xml", *_PROPERTY_PARTS)
                if name in names
            }
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise BadInput(f"{path.name}: corrupt DOCX: {_reason(exc)}") from exc
    props = _docx_core(parts.get("docProps/core.xml"))
    props.update(_docx_custom(parts.get("docProps/custom.xml")))
    return props


_PROPERTY_PARTS = ("docProps/core.xml", "docProps/custom.xml")


def _parse_part(package: zipfile.ZipFile, name: str, filename: str) -> ET.Element:
    try:
        return ET.fromstring(package.read(name))
    except ET.ParseError as exc:
        raise BadInput(f"{filename}: corrupt DOCX: {name}: {exc}") from exc


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


def _pdf_properties(path: Path) -> tuple[dict[str, str], bool]:
    with path.open("rb") as stream:
        head = stream.read(1024)
    if b"%PDF-" not in head:
        raise BadInput(f"{path.name}: not a PDF file (no %PDF header)")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            raise BadInput(f"{path.name}: the PDF is encrypted; file an unencrypted copy")
        if len(reader.pages) == 0:
            raise BadInput(f"{path.name}: the PDF has no pages")
        info = reader.metadata or {}
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
        sealed = _has_signature(reader)
    except BadInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise BadInput(f"{path.name}: unparseable PDF: {_reason(exc)}") from exc
    return props, sealed


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
