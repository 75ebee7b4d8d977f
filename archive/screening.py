"""Screening: is a file from outside safe and well-formed enough to file?

Everything `bureau file` and the inbox take in comes from outside the program: a scanner, a
mail export, a colleague, an attacker. Before any of its metadata is believed or any byte of
it stored, it is screened here, with fixed limits (the constants below) that bound the time
and memory any input can cost. A file that fails is refused with a BadInput that says why;
one that passes may still carry active content (JavaScript, launch actions, embedded
files), which is not refused - an archive must keep what was sent - but named, so the item
says what it holds.

The rules, and why:

* Names. A file name must be valid UTF-8 without control characters: the catalog, the
  audit trail and every listing hold it as text, and a name that cannot be written there
  cannot be filed faithfully.
* PDF. The file must end in `%%EOF` (only whitespace may follow): a PDF whose last
  revision was cut short still opens in lenient readers, which silently fall back to an
  older revision or rebuild the cross-references by guessing, and then the archive would
  hold one document while claiming another. It must then parse with pypdf in strict mode,
  and every object reachable from its trailer must load (that walk also finds the active
  content); at most `MAX_PDF_OBJECTS` objects are walked.
* DOCX. A DOCX is a ZIP; before anything is inflated, its directory must show at most
  `MAX_ZIP_MEMBERS` members, no member inflating more than `MAX_RATIO` times its
  compressed size (once it is over `RATIO_FLOOR`, since tiny parts compress oddly), the
  whole no more than `MAX_RATIO` times the file (plus `RATIO_FLOOR`) and never more than
  `MAX_UNZIPPED`. zipfile never inflates a member past its declared size, so the declared
  sizes bound the work. The XML parts that are read are streamed through expat, never
  held whole: no DTD is allowed (OOXML has none; a DTD is how entity bombs start) and
  elements nest at most `MAX_XML_DEPTH` deep (libxml2's default limit: python-docx and the
  indexer, which read the document later through lxml, could not read it deeper anyway;
  real documents nest a few dozen deep). Property parts (`docProps/*.xml`) are small by
  nature and are refused above `MAX_PROPERTY_PART`.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from archive.errors import BadInput

MAX_RATIO = 100
"""The most a DOCX member (or the whole package) may inflate, relative to its compressed
size. Real Office parts deflate 3-20:1; zip bombs rely on ratios of 1000:1 and more."""

RATIO_FLOOR = 1 << 20
"""Members inflating to at most this (1 MiB) are not held to MAX_RATIO: a small, highly
repetitive XML part can legitimately compress better than 100:1, and 1 MiB costs nothing."""

MAX_UNZIPPED = 256 << 20
"""The most a whole DOCX may inflate to (256 MiB), however well it is compressed."""

MAX_ZIP_MEMBERS = 10_000
"""The most members a DOCX may have; a real document has tens, images included."""

MAX_XML_DEPTH = 256
"""The deepest element nesting accepted in a DOCX part (libxml2's default limit, which lxml
and so python-docx apply when reading it later)."""

KEEP_BYTES = 4 << 20
"""The largest member `check_members` hands back whole; a larger one is read again."""

MAX_PROPERTY_PART = 1 << 20
"""The largest docProps part read (1 MiB): properties are a few hundred bytes."""

MAX_PDF_OBJECTS = 500_000
"""The most PDF objects walked when screening a PDF; a 1000-page report has tens of
thousands. Above it the file is refused as too complex to screen."""

EOF_WINDOW = 1024
"""How far from a PDF's end `%%EOF` is looked for (the PDF standard's own window)."""

_XML_PARTS = ("[Content_Types].xml", "word/document.xml")
PROPERTY_PARTS = ("docProps/core.xml", "docProps/custom.xml")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# -- names ----------------------------------------------------------------------------------


def check_name(name: str, what: str = "file name") -> None:
    """Refuse a name that is not valid UTF-8 or holds control characters (a line break, say)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(
            f"{printable(name)}: the {what} is not valid UTF-8: rename the file"
        ) from None
    if _CONTROL.search(name):
        raise BadInput(f"{printable(name)}: the {what} contains control characters: rename it")


def printable(text: str) -> str:
    """`text` safe to print on any terminal: undecodable bytes and controls escaped."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


# -- PDF ------------------------------------------------------------------------------------

ACTIVE_KINDS = ("javascript", "launch", "embedded_file")


def check_pdf_end(path: Path) -> None:
    """Refuse a PDF whose last revision is incomplete: it must end in %%EOF."""
    with path.open("rb") as stream:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(max(0, size - EOF_WINDOW))
        tail = stream.read()
    if not tail.rstrip(b"\r\n\t\f \x00").endswith(b"%%EOF"):
        raise BadInput(
            f"{printable(path.name)}: unparseable PDF: it does not end with %%EOF "
            "(cut short in a copy or download?); file a complete copy"
        )


class TooManyObjects(Exception):
    """A PDF with more than MAX_PDF_OBJECTS objects reachable from its trailer."""


def dictionaries(reader: object) -> Iterator[dict]:
    """Every dictionary reachable from a pypdf reader's trailer, each object loaded once
    (so a broken cross-reference fails here); TooManyObjects past MAX_PDF_OBJECTS. What
    filing screens for and what the PDF/A check (archive/pdfa.py) looks at walk this."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]  # type: ignore[attr-defined]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise TooManyObjects()
        if isinstance(node, DictionaryObject):
            yield node
            for key, value in node.items():
                if key not in ("/Parent", "/P"):  # back-links: reached from above anyway
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def active_content(reader: object, name: str) -> list[str]:
    """What active content a strictly-read PDF holds, walking every object reachable from
    its trailer: a subset of ACTIVE_KINDS, in that order. BadInput if the walk goes past
    MAX_PDF_OBJECTS."""
    found: set[str] = set()
    try:
        for node in dictionaries(reader):
            found.update(active_in(node))
    except TooManyObjects:
        raise BadInput(
            f"{name}: refused: the PDF has more than {MAX_PDF_OBJECTS} objects to screen"
        ) from None
    return [kind for kind in ACTIVE_KINDS if kind in found]


def active_in(node: dict) -> Iterator[str]:
    """The kinds of active content one PDF dictionary is (ACTIVE_KINDS)."""
    action = node.get("/S")
    if "/JS" in node or action == "/JavaScript" or "/JavaScript" in node:
        yield "javascript"
    if action == "/Launch":
        yield "launch"
    if (
        "/EmbeddedFiles" in node
        or node.get("/Type") == "/EmbeddedFile"
        or node.get("/Subtype") == "/FileAttachment"
    ):
        yield "embedded_file"


# -- DOCX -----------------------------------------------------------------------------------


def check_zip(package: zipfile.ZipFile, size: int, name: str) -> None:
    """Refuse a ZIP whose directory promises a bomb, before inflating anything.

    `size` is the ZIP file's size in bytes.
    """
    members = package.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise BadInput(f"{name}: refused: more than {MAX_ZIP_MEMBERS} parts in the package")
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise BadInput(
                f"{name}: refused as a zip bomb: {printable(info.filename)} would inflate "
                f"{info.file_size // max(1, info.compress_size)} times (the limit is {MAX_RATIO})"
            )
    if total > MAX_UNZIPPED:
        raise BadInput(f"{name}: refused: it would inflate to more than {MAX_UNZIPPED >> 20} MiB")
    if total > MAX_RATIO * size + RATIO_FLOOR:
        raise BadInput(
            f"{name}: refused as a zip bomb: it would inflate {total // max(1, size)} times "
            f"its size (the limit is {MAX_RATIO})"
        )


def check_members(
    package: zipfile.ZipFile, name: str, keep: Collection[str] = ()
) -> dict[str, bytes]:
    """Inflate every member in chunks, checking its CRC (zipfile does at each member's end).

    The members named in `keep` that inflate to at most KEEP_BYTES are returned whole (the
    last of a name, as `ZipFile.open` would pick), so that the parts read next are not
    inflated a second time.
    """
    kept: dict[str, bytes] = {}
    for info in package.infolist():
        try:
            with package.open(info) as member:
                if info.filename in keep and info.file_size <= KEEP_BYTES:
                    kept[info.filename] = member.read(KEEP_BYTES + 1)
                while member.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise BadInput(
                f"{name}: corrupt DOCX: {printable(info.filename)} is damaged ({_first(exc)})"
            ) from exc
    return kept


def check_xml(stream: BinaryIO, part: str, name: str) -> None:
    """Stream one XML part through expat: well-formed, no DTD, nesting within MAX_XML_DEPTH."""
    _parse(stream, part, name)


class _Refused(Exception):
    pass


def _parse(stream: BinaryIO, part: str, name: str) -> None:
    parser = expat.ParserCreate()
    depth = 0

    def start(_tag: str, _attrs: dict) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _Refused(f"elements nested more than {MAX_XML_DEPTH} deep")

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_: object) -> None:
        raise _Refused("it declares a DTD, which an Office document never does")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.ParseFile(stream)
    except _Refused as exc:
        raise BadInput(f"{name}: refused: {part}: {exc}") from None
    except expat.ExpatError as exc:
        raise BadInput(f"{name}: corrupt DOCX: {part}: {exc}") from None


def _first(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
