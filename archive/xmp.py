"""The XMP packet of a PDF and the document information dictionary it must agree with.

PDF/A (ISO 19005-2, 6.6.2.3) lets a file keep its document information dictionary only if
each entry there has an equivalent XMP property with the same value: /Title is dc:title,
/Author dc:creator, /Producer pdf:Producer, /CreationDate xmp:CreateDate and so on. Whoever
writes the one must write the other. :func:`sync` does that for a packet that may spread
its properties over several rdf:Description elements (LibreOffice writes one per schema)
or set them as attributes (pyHanko does), keeping every other property - the PDF/A claim
(pdfaid:part, pdfaid:conformance) above all - as it was. :func:`read` gives the values
back for comparison (archive.pdfa).

Packets are parsed with the standard library's expat; a packet with a document type
declaration (XMP has none; entity bombs need one) or over :data:`MAX_PACKET` bytes is not
parsed at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from xml.dom import minidom
from xml.parsers.expat import ExpatError

MAX_PACKET = 4 << 20  # bytes; real packets are a few kB

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
PDF = "http://ns.adobe.com/pdf/1.3/"
XMP = "http://ns.adobe.com/xap/1.0/"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
PREFIXES = {RDF: "rdf", DC: "dc", PDF: "pdf", XMP: "xmp", PDFAID: "pdfaid"}

# Info key -> (namespace, property, XMP type): "alt" a language alternative (x-default),
# "seq" an ordered array of one entry, "text" a simple value, "date" an XMP date.
EQUIVALENTS: dict[str, tuple[str, str, str]] = {
    "/Title": (DC, "title", "alt"),
    "/Author": (DC, "creator", "seq"),
    "/Subject": (DC, "description", "alt"),
    "/Keywords": (PDF, "Keywords", "text"),
    "/Creator": (XMP, "CreatorTool", "text"),
    "/Producer": (PDF, "Producer", "text"),
    "/CreationDate": (XMP, "CreateDate", "date"),
    "/ModDate": (XMP, "ModifyDate", "date"),
}


class XmpError(ValueError):
    """The packet is not XMP that can be read (not XML, no rdf:RDF, too large)."""


def _parse(packet: bytes) -> minidom.Document:
    if len(packet) > MAX_PACKET:
        raise XmpError(f"the XMP packet is larger than {MAX_PACKET >> 20} MiB")
    if b"<!doctype" in packet.lower():  # XMP has none; a DTD is how entity bombs start
        raise XmpError("the XMP packet has a document type declaration")
    try:
        document = minidom.parseString(packet)
    except ExpatError as exc:
        raise XmpError(f"the XMP packet is not XML: {exc}") from None
    if not document.getElementsByTagNameNS(RDF, "RDF"):
        raise XmpError("the XMP packet has no rdf:RDF element")
    return document


def _descriptions(document: minidom.Document) -> list[minidom.Element]:
    return list(document.getElementsByTagNameNS(RDF, "Description"))


def read(packet: bytes) -> dict[tuple[str, str], str]:
    """The simple values of the packet's properties, keyed by (namespace, name): a language
    alternative gives its x-default (else first) entry, an array its entries joined by
    ", ". Raises :class:`XmpError` for a packet that cannot be read."""
    values: dict[tuple[str, str], str] = {}
    for description in _descriptions(_parse(packet)):
        for index in range(description.attributes.length):
            attribute = description.attributes.item(index)
            if attribute.namespaceURI not in (None, RDF, "http://www.w3.org/2000/xmlns/"):
                values[(attribute.namespaceURI, attribute.localName)] = attribute.value
        for child in description.childNodes:
            if child.nodeType == child.ELEMENT_NODE and child.namespaceURI != RDF:
                values[(child.namespaceURI, child.localName)] = _value_of(child)
    return values


def _value_of(element: minidom.Element) -> str:
    items = list(element.getElementsByTagNameNS(RDF, "li"))
    if not items:
        return _text(element)
    preferred = [li for li in items if li.getAttribute("xml:lang") == "x-default"]
    if element.getElementsByTagNameNS(RDF, "Alt"):
        return _text((preferred or items)[0])
    return ", ".join(_text(li) for li in items)


def _text(element: minidom.Element) -> str:
    return "".join(n.data for n in element.childNodes if n.nodeType == n.TEXT_NODE).strip()


def sync(packet: bytes, info: Mapping[str, str]) -> bytes:
    """The packet with each Info entry's XMP equivalent set to the entry's value (dates
    converted from PDF to XMP form); every other property is kept. An entry whose value is
    empty removes its equivalent."""
    document = _parse(packet)
    descriptions = _descriptions(document)
    if not descriptions:
        rdf = document.getElementsByTagNameNS(RDF, "RDF")[0]
        first = document.createElementNS(RDF, "rdf:Description")
        first.setAttributeNS(RDF, "rdf:about", "")
        rdf.appendChild(first)
        descriptions = [first]
    for key, (namespace, name, kind) in EQUIVALENTS.items():
        if key not in info:
            continue
        for description in descriptions:
            _remove(description, namespace, name)
        value = str(info[key] or "").strip()
        if kind == "date" and value:
            value = xmp_date(value) or ""
        if value:
            descriptions[0].appendChild(_property(document, namespace, name, kind, value))
    return _serialise(document)


def _remove(description: minidom.Element, namespace: str, name: str) -> None:
    if description.hasAttributeNS(namespace, name):
        description.removeAttributeNS(namespace, name)
    for child in list(description.childNodes):
        if child.nodeType == child.ELEMENT_NODE and (child.namespaceURI, child.localName) == (
            namespace,
            name,
        ):
            description.removeChild(child)


def _property(
    document: minidom.Document, namespace: str, name: str, kind: str, value: str
) -> minidom.Element:
    element = document.createElementNS(namespace, f"{PREFIXES[namespace]}:{name}")
    element.setAttribute(f"xmlns:{PREFIXES[namespace]}", namespace)
    if kind in ("alt", "seq"):
        container = document.createElementNS(RDF, "rdf:Alt" if kind == "alt" else "rdf:Seq")
        item = document.createElementNS(RDF, "rdf:li")
        if kind == "alt":
            item.setAttribute("xml:lang", "x-default")
        item.appendChild(document.createTextNode(value))
        container.appendChild(item)
        element.appendChild(container)
    else:
        element.appendChild(document.createTextNode(value))
    return element


def _serialise(document: minidom.Document) -> bytes:
    """The packet without an XML declaration (the xpacket wrapper is kept), and marked
    read-only (end="r"): it carries no padding to be edited in place."""
    parts = []
    for node in document.childNodes:
        pi = node.nodeType == node.PROCESSING_INSTRUCTION_NODE
        if pi and node.target == "xpacket" and node.data.strip().startswith("end"):
            node.data = 'end="r"'
        parts.append(node.toxml(encoding="utf-8"))
    return b"\n".join(parts)


_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
    r"(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?'?$"
)


def pdf_date(text: str) -> datetime | None:
    """A PDF date string (D:YYYYMMDDHHmmSS+HH'mm', later parts optional; LibreOffice writes
    a stray apostrophe after Z) as a datetime (naive when it names no zone), else None."""
    match = _PDF_DATE.match(str(text).strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zulu, sign, tz_hour, tz_minute = match.groups()
    zone = None
    if zulu:
        zone = UTC
    elif sign:
        offset = timedelta(hours=int(tz_hour), minutes=int(tz_minute or 0))
        zone = timezone(offset if sign == "+" else -offset)
    try:
        return datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None


def parse_xmp_date(text: str) -> datetime | None:
    """An XMP (ISO 8601) date as a datetime, else None."""
    value = str(text).strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def xmp_date(pdf_text: str) -> str | None:
    """A PDF date string in XMP form (2026-12-07T03:07:13Z), else None."""
    moment = pdf_date(pdf_text)
    if moment is None:
        return None
    if moment.tzinfo is UTC:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()
