"""Active content in a PDF: JavaScript, launch actions and embedded files.

A seal vouches for the bytes it covers, not for what a viewer does with them: a sealed PDF
that runs JavaScript on opening, launches a program or carries an attached file is not a
plain document, and an auditor (or the filing path) must be told so even when every
signature passes. :func:`active_content` walks everything reachable from the trailer (the
catalog's name trees and /OpenAction, pages, annotations and their actions, form fields)
with a bound on the objects visited, and returns one line per finding. It never raises.
"""

from __future__ import annotations

from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

MAX_OBJECTS = 50_000  # objects visited at most; a hostile file cannot make this unbounded
MAX_FINDINGS = 20

JAVASCRIPT = "JavaScript"
LAUNCH = "launch action"
EMBEDDED_FILE = "embedded file"
FILE_ATTACHMENT = "file attachment annotation"


def active_content(reader: PdfFileReader) -> list[str]:
    """What active content the document (its newest revision) carries, e.g.
    ``["JavaScript at /Root/OpenAction", "embedded file at /Root/Names/EmbeddedFiles"]``;
    empty when there is none. Each line is the kind of content and where it was found."""
    found: dict[str, None] = {}
    try:
        start = reader.trailer.raw_get("/Root")
    except Exception:
        return []
    stack: list[tuple[Any, str]] = [(start, "/Root")]
    seen: set[tuple[int, int]] = set()
    reported: list[tuple[str, str]] = []  # an attachment's file spec and stream: one finding
    budget = MAX_OBJECTS
    while stack and budget > 0 and len(found) < MAX_FINDINGS:
        budget -= 1
        item, path = stack.pop()
        if isinstance(item, generic.IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except Exception:
                continue
        if isinstance(item, generic.DictionaryObject):
            for kind in _kinds(item, path):
                where = path or "/"
                if not any(k == kind and where.startswith(w) for k, w in reported):
                    reported.append((kind, where))
                    found.setdefault(f"{kind} at {where}", None)
            for key in list(item.keys()):
                if key in ("/Parent", "/P", "/Prev", "/Encrypt"):
                    continue
                try:
                    stack.append((item.raw_get(key), f"{path}{key}"))
                except Exception:
                    continue
        elif isinstance(item, generic.ArrayObject):
            for index in range(len(item)):
                try:
                    stack.append((item.raw_get(index), f"{path}[{index}]"))
                except Exception:
                    continue
    return list(found)


def active_content_of(data: bytes) -> list[str]:
    """:func:`active_content` for raw bytes; an unreadable file has none that can be found."""
    from io import BytesIO

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            return []
        return active_content(reader)
    except Exception:
        return []


def _kinds(obj: generic.DictionaryObject, path: str) -> list[str]:
    kinds = []
    try:
        action = obj.get("/S")
        if "/JS" in obj or action == "/JavaScript" or path.endswith("/Names/JavaScript"):
            kinds.append(JAVASCRIPT)
        if action == "/Launch":
            kinds.append(LAUNCH)
        if obj.get("/Type") == "/EmbeddedFile" or "/EF" in obj:
            kinds.append(EMBEDDED_FILE)
        if path.endswith("/Names/EmbeddedFiles"):
            kinds.append(EMBEDDED_FILE)
        if obj.get("/Subtype") == "/FileAttachment":
            kinds.append(FILE_ATTACHMENT)
    except Exception:
        pass
    return kinds
