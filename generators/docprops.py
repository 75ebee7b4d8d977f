"""Document properties inside a DOCX package, and writing the package reproducibly.

Custom properties (docProps/custom.xml) carry the archive's metadata (document number,
template, classification...) inside the file itself, where Word shows them under
File > Properties and a later reader can find them without the archive database.
Every package written here has fixed zip timestamps, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

from lxml import etree

from archive.errors import BadInput

CUSTOM_PART = "docProps/custom.xml"
CORE_PART = "docProps/core.xml"
CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"

CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DC_NS = "http://purl.org/dc/elements/1.1/"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
# The format id Office uses for user-defined properties.
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def repack(docx: bytes, replace: Mapping[str, bytes] | None = None) -> bytes:
    """`docx` rewritten with `replace` parts swapped in (or added), at fixed timestamps.

    [Content_Types].xml stays first, as some readers expect; other parts keep their order.
    """
    replace = dict(replace or {})
    try:
        source = zipfile.ZipFile(io.BytesIO(docx))
        names = source.namelist()
    except zipfile.BadZipFile:
        raise BadInput("not a DOCX file (not a zip package)") from None
    order = sorted(names, key=lambda name: name != CONTENT_TYPES)
    order += [name for name in replace if name not in names]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in order:
            data = replace[name] if name in replace else source.read(name)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data, compresslevel=1)  # fast: level 6 saves little on XML
    return out.getvalue()


def set_custom_properties(docx: bytes, props: Mapping[str, str], title: str | None = None) -> bytes:
    """`docx` with docProps/custom.xml holding exactly `props` (text values), and the core
    title set to `title` when given. An existing custom.xml is replaced, not merged."""
    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(props.items(), start=2):
        if not isinstance(name, str) or not name.strip():
            raise BadInput(f"a document property needs a name, got {name!r}")
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property")
        prop.set("fmtid", FMTID)
        prop.set("pid", str(pid))
        prop.set("name", name)
        text = etree.SubElement(prop, f"{{{VT_NS}}}lpwstr")
        try:
            text.text = str(value)
        except ValueError:
            raise BadInput(f"document property {name!r} holds characters XML cannot") from None
    parts = _read_parts(docx, (CONTENT_TYPES, ROOT_RELS, CORE_PART))
    replace = {
        CUSTOM_PART: _xml_bytes(root),
        CONTENT_TYPES: _with_override(parts[CONTENT_TYPES]),
        ROOT_RELS: _with_relationship(parts[ROOT_RELS]),
    }
    if title is not None and parts.get(CORE_PART):
        replace[CORE_PART] = _with_title(parts[CORE_PART], title)
    return repack(docx, replace)


def read_custom_properties(docx: bytes) -> dict[str, str]:
    """The custom properties of `docx` as name → text ({} when it has none)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        if CUSTOM_PART not in package.namelist():
            return {}
        root = etree.fromstring(package.read(CUSTOM_PART))
    out: dict[str, str] = {}
    for prop in root.findall(f"{{{CUSTOM_NS}}}property"):
        value = next(iter(prop), None)
        out[prop.get("name", "")] = (value.text or "") if value is not None else ""
    return out


def read_title(docx: bytes) -> str:
    """The core-properties title of `docx` ("" when unset)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        if CORE_PART not in package.namelist():
            return ""
        root = etree.fromstring(package.read(CORE_PART))
    node = root.find(f"{{{DC_NS}}}title")
    return (node.text or "") if node is not None else ""


def _read_parts(docx: bytes, names: tuple[str, ...]) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            present = set(package.namelist())
            return {name: package.read(name) for name in names if name in present} | {
                name: b"" for name in names if name not in present
            }
    except zipfile.BadZipFile:
        raise BadInput("not a DOCX file (not a zip package)") from None


def _with_override(content_types: bytes) -> bytes:
    root = etree.fromstring(content_types)
    for node in root.findall(f"{{{CT_NS}}}Override"):
        if node.get("PartName") == f"/{CUSTOM_PART}":
            root.remove(node)
    override = etree.SubElement(root, f"{{{CT_NS}}}Override")
    override.set("PartName", f"/{CUSTOM_PART}")
    override.set("ContentType", CUSTOM_TYPE)
    return _xml_bytes(root)


def _with_relationship(rels: bytes) -> bytes:
    root = etree.fromstring(rels)
    ids = set()
    for node in list(root.findall(f"{{{REL_NS}}}Relationship")):
        if node.get("Type") == CUSTOM_REL:
            root.remove(node)
        else:
            ids.add(node.get("Id"))
    number = 1
    while f"rId{number}" in ids:
        number += 1
    rel = etree.SubElement(root, f"{{{REL_NS}}}Relationship")
    rel.set("Id", f"rId{number}")
    rel.set("Type", CUSTOM_REL)
    rel.set("Target", CUSTOM_PART)
    return _xml_bytes(root)


def _with_title(core: bytes, title: str) -> bytes:
    root = etree.fromstring(core)
    node = root.find(f"{{{DC_NS}}}title")
    if node is None:
        node = etree.SubElement(root, f"{{{DC_NS}}}title")
    try:
        node.text = title
    except ValueError:
        raise BadInput("the document title holds characters XML cannot") from None
    return _xml_bytes(root)


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
