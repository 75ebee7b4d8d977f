"""What each revision added after a signature changed, in words an auditor can check.

pyHanko's difference analysis answers "is this allowed?"; it does not say what an allowed
revision did, and it treats a rewritten document information dictionary or XMP packet as a
harmless update. An auditor still wants to see it: a sealed notice whose /Title was changed
afterwards verifies, but the report must say so. This module reads the revisions themselves
(pyHanko's cross-reference history) and classifies every object each revision wrote:

* ``metadata``: the document information dictionary (/Info) or the XMP metadata stream;
* ``bookkeeping``: only /ModDate or /Producer of /Info, which every incremental save (a
  later seal, the validation data of B-LT) rewrites by itself;
* ``annotations``: annotations other than form widgets (comments, stamps, links, files);
* ``form fields``: form fields and their widgets, values and appearances;
* ``pages``: the page tree, page dictionaries, content streams and page resources;
* ``signatures``: signature fields and signature values (a later signature or timestamp);
* ``validation data``: the document security store (certificates, CRLs, OCSP responses);
* ``other``: anything else (the catalog's other entries, actions, name trees, stray objects).

Nothing here judges; :mod:`seals.verify` decides pass or fail. Never raises for a damaged
revision: what cannot be read is reported as ``other``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

METADATA = "metadata"
ANNOTATIONS = "annotations"
FORM_FIELDS = "form fields"
PAGES = "pages"
SIGNATURES = "signatures"
VALIDATION_DATA = "validation data"
BOOKKEEPING = "bookkeeping"
_WRITER_KEYS = {"/ModDate", "/Producer"}
OTHER = "other"

_MAX_OBJECTS = 20_000  # bound on the objects walked per revision (a hostile file is finite)
_STRUCTURE = ("/XRef", "/ObjStm")
_INFO = "document information dictionary"  # cross-reference and object streams: how, not what

_CATALOG_KEYS = {
    "/Metadata": (METADATA, "XMP metadata"),
    "/DSS": (VALIDATION_DATA, "document security store"),
    "/AcroForm": (FORM_FIELDS, "the form"),
    "/Pages": (PAGES, "the page tree"),
    "/Perms": (SIGNATURES, "signature permissions"),
}


@dataclass(frozen=True)
class Change:
    """One thing a revision changed: its kind (see the module docstring) and what it was."""

    kind: str
    what: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "what": self.what}


@dataclass
class RevisionChanges:
    """Everything one revision (numbered from 0, the original file) changed."""

    revision: int
    changes: list[Change]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(change.kind for change in self.changes))

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "kinds": self.kinds,
            "changes": [change.to_json() for change in self.changes],
        }

    def describe(self) -> str:
        return "; ".join(f"{c.kind}: {c.what}" for c in self.changes) or "nothing"


def changes_after(reader: PdfFileReader, signed_revision: int) -> list[RevisionChanges]:
    """Every revision after ``signed_revision``, with what it changed."""
    total = reader.xrefs.total_revisions
    return [revision_changes(reader, k) for k in range(signed_revision + 1, total)]


def revision_changes(reader: PdfFileReader, revision: int) -> RevisionChanges:
    """What revision ``revision`` (> 0) changed relative to the one before it."""
    found: list[Change] = []
    try:
        old = reader.get_historical_resolver(revision - 1)
        new = reader.get_historical_resolver(revision)
        written = sorted(reader.xrefs.explicit_refs_in_revision(revision), key=_key)
        roles = _roles(new)
        root_ref = _ref(new.trailer_view.raw_get("/Root"))
    except Exception as exc:  # a damaged revision still gets a line
        return RevisionChanges(revision, [Change(OTHER, f"unreadable revision ({_first(exc)})")])

    found.extend(_info_changes(old, new))
    for ref in written:
        if root_ref is not None and _same(ref, root_ref):
            found.extend(_catalog_changes(old, new))
            continue
        role = roles.get(_key(ref))
        if role == (METADATA, "XMP metadata"):
            found.append(_xmp_change(old, new))
        elif role is not None and role[0] == PAGES and role[1].startswith("page "):
            change = _page_change(old, new, ref, role[1])
            if change is not None:
                found.append(change)
        elif role is not None and role[1] != _INFO:
            found.append(Change(*role))
        elif role is not None:
            continue
        else:
            change = _unplaced(new, ref)
            if change is not None:
                found.append(change)
    return RevisionChanges(revision, list(dict.fromkeys(found)))


# -- where each object sits in a revision ----------------------------------------------------


def _key(ref: generic.Reference) -> tuple[int, int]:
    return (ref.idnum, ref.generation)


def _same(a: generic.Reference, b: generic.Reference) -> bool:
    return _key(a) == _key(b)


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _ref(obj: Any) -> generic.Reference | None:
    if isinstance(obj, generic.IndirectObject):
        return obj.reference
    return None


def _raw(container: Any, key: Any) -> Any:
    try:
        return container.raw_get(key)
    except Exception:
        return None


def _resolve(obj: Any) -> Any:
    try:
        return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj
    except Exception:
        return None


def _walk(start: Any, budget: list[int]) -> Iterator[tuple[tuple[int, int], Any]]:
    """Every indirect object reachable from ``start`` (its reference key and the object)."""
    stack, seen = [start], set()
    while stack and budget[0] > 0:
        budget[0] -= 1
        item = stack.pop()
        ref = _ref(item)
        if ref is not None:
            if _key(ref) in seen:
                continue
            seen.add(_key(ref))
            item = _resolve(item)
            yield _key(ref), item
        if isinstance(item, generic.DictionaryObject):
            stack.extend(_raw(item, k) for k in item if k not in ("/Parent", "/P"))
        elif isinstance(item, generic.ArrayObject):
            stack.extend(_raw(item, i) for i in range(len(item)))


def _roles(new: HistoricalResolver) -> dict[tuple[int, int], tuple[str, str]]:
    """Map every object of the revision that has a known place to (kind, description)."""
    roles: dict[tuple[int, int], tuple[str, str]] = {}
    budget = [_MAX_OBJECTS]

    def claim(start: Any, kind: str, what: str) -> None:
        for key, _obj in _walk(start, budget):
            roles.setdefault(key, (kind, what))

    root = _resolve(new.trailer_view.raw_get("/Root"))
    if not isinstance(root, generic.DictionaryObject):
        return roles
    info = _raw(new.trailer_view, "/Info") if "/Info" in new.trailer_view else None
    if info is not None:
        claim(info, METADATA, _INFO)  # reported entry by entry by _info_changes
    if "/Metadata" in root:
        claim(_raw(root, "/Metadata"), METADATA, "XMP metadata")
    if "/DSS" in root:
        claim(_raw(root, "/DSS"), VALIDATION_DATA, "document security store")

    # the form first, so that widgets count as fields and not as annotations
    form = _resolve(_raw(root, "/AcroForm")) if "/AcroForm" in root else None
    if isinstance(form, generic.DictionaryObject):
        for field_ref in _fields(form, budget):
            field = _resolve(field_ref)
            name = _field_name(field)
            if _is_signature_field(field):
                claim(field_ref, SIGNATURES, f"signature field {name}")
            else:
                claim(field_ref, FORM_FIELDS, f"field {name}")
        claim(_raw(form, "/Fields"), FORM_FIELDS, "the form's field list")
        if "/DR" in form:
            claim(_raw(form, "/DR"), FORM_FIELDS, "the form's resources")

    for number, page_ref in enumerate(_pages(root, budget), 1):
        page = _resolve(page_ref)
        if not isinstance(page, generic.DictionaryObject):
            continue
        key = _ref(page_ref)
        if key is not None:
            roles.setdefault(_key(key), (PAGES, f"page {number}"))
        annots = _raw(page, "/Annots") if "/Annots" in page else None
        annot_list = _resolve(annots)
        if _ref(annots) is not None:
            roles.setdefault(_key(_ref(annots)), (ANNOTATIONS, f"annotations of page {number}"))
        if isinstance(annot_list, generic.ArrayObject):
            for i in range(len(annot_list)):
                annot_ref = _raw(annot_list, i)
                annot = _resolve(annot_ref)
                subtype = (
                    str(annot.get("/Subtype", "/Annot")).lstrip("/")
                    if isinstance(annot, generic.DictionaryObject)
                    else "annotation"
                )
                claim(annot_ref, ANNOTATIONS, f"{subtype} annotation on page {number}")
        for content_key in ("/Contents", "/Resources"):
            if content_key in page:
                claim(
                    _raw(page, content_key),
                    PAGES,
                    f"{'content' if content_key == '/Contents' else 'resources'} of page {number}",
                )
    claim(_raw(root, "/Pages"), PAGES, "the page tree")
    return roles


def _fields(form: generic.DictionaryObject, budget: list[int]) -> list[Any]:
    out, stack = [], [_raw(form, "/Fields")]
    listed = _resolve(stack.pop())
    if isinstance(listed, generic.ArrayObject):
        stack.extend(_raw(listed, i) for i in range(len(listed)))
    seen = set()
    while stack and budget[0] > 0:
        budget[0] -= 1
        item = stack.pop()
        ref = _ref(item)
        if ref is None or _key(ref) in seen:
            continue
        seen.add(_key(ref))
        out.append(item)
        field = _resolve(item)
        kids = (
            _resolve(_raw(field, "/Kids")) if isinstance(field, generic.DictionaryObject) else None
        )
        if isinstance(kids, generic.ArrayObject):
            stack.extend(_raw(kids, i) for i in range(len(kids)))
    return out


def _field_name(field: Any) -> str:
    parts, seen = [], 0
    while isinstance(field, generic.DictionaryObject) and seen < 32:
        seen += 1
        if "/T" in field:
            parts.append(str(field["/T"]))
        field = _resolve(_raw(field, "/Parent")) if "/Parent" in field else None
    return ".".join(reversed(parts)) or "(unnamed)"


def _is_signature_field(field: Any) -> bool:
    seen = 0
    while isinstance(field, generic.DictionaryObject) and seen < 32:
        seen += 1
        if "/FT" in field:
            return field.get("/FT") == "/Sig"
        field = _resolve(_raw(field, "/Parent")) if "/Parent" in field else None
    return False


def _pages(root: generic.DictionaryObject, budget: list[int]) -> list[Any]:
    """The page dictionaries' references, in page order (depth-first through /Kids)."""
    out, stack, seen = [], [_raw(root, "/Pages")], set()
    while stack and budget[0] > 0:
        budget[0] -= 1
        item = stack.pop()
        ref = _ref(item)
        if ref is not None:
            if _key(ref) in seen:
                continue
            seen.add(_key(ref))
        node = _resolve(item)
        if not isinstance(node, generic.DictionaryObject):
            continue
        kids = _resolve(_raw(node, "/Kids")) if "/Kids" in node else None
        if isinstance(kids, generic.ArrayObject):
            stack.extend(reversed([_raw(kids, i) for i in range(len(kids))]))
        else:
            out.append(item)
    return out


# -- describing one written object -------------------------------------------------------------


def _info_changes(old: HistoricalResolver, new: HistoricalResolver) -> list[Change]:
    """The document information dictionary, if the revision changed its entries."""
    before, after = _info_dict(old), _info_dict(new)
    if before == after:
        return []
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    kind = BOOKKEEPING if set(keys) <= _WRITER_KEYS else METADATA
    return [Change(kind, "document information dictionary (" + ", ".join(keys) + ")")]


_XMP = "http://ns.adobe.com/xap/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# what a writer refreshes on every save, whoever saves
_XMP_ROUTINE = {
    f"{{{_XMP}}}ModifyDate",
    f"{{{_XMP}}}MetadataDate",
    "{http://ns.adobe.com/pdf/1.3/}Producer",
    "{http://ns.adobe.com/xap/1.0/mm/}InstanceID",
}
_XMP_LIMIT = 4 * 1024 * 1024


def _xmp_change(old: HistoricalResolver, new: HistoricalResolver) -> Change:
    """The XMP packet: `metadata` naming the properties that differ, or `bookkeeping` when
    only the save's own dates, producer and instance id moved."""
    before, after = _xmp_properties(old), _xmp_properties(new)
    if before is None or after is None:
        return Change(METADATA, "XMP metadata")
    changed = sorted(_short(k) for k in set(before) | set(after) if before.get(k) != after.get(k))
    meaningful = [k for k in changed if k not in {_short(r) for r in _XMP_ROUTINE}]
    if not changed:
        return Change(BOOKKEEPING, "XMP metadata (rewritten unchanged)")
    kind = METADATA if meaningful else BOOKKEEPING
    return Change(kind, "XMP metadata (" + ", ".join(meaningful or changed) + ")")


def _xmp_properties(resolver: HistoricalResolver) -> dict[str, list[str]] | None:
    """Each XMP property (as a qualified name) with its values, or None if unreadable."""
    from lxml import etree  # only when a revision rewrote XMP

    try:
        stream = resolver.root["/Metadata"]
        data = stream.data[:_XMP_LIMIT]
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        tree = etree.fromstring(data, parser)
    except Exception:
        return None
    found: dict[str, list[str]] = {}
    for description in tree.iter(f"{{{_RDF}}}Description"):
        for name, value in description.attrib.items():
            if not name.startswith(f"{{{_RDF}}}"):
                found.setdefault(name, []).append(value)
        for prop in description:
            if isinstance(prop.tag, str):
                texts = [t.strip() for t in prop.itertext() if t.strip()]
                found.setdefault(prop.tag, []).extend(texts or [str(sorted(prop.attrib.items()))])
    return found


def _short(qualified: str) -> str:
    """`{ns}Name` as `prefix:Name` for the namespaces an auditor knows, else `Name`."""
    prefixes = {
        _XMP: "xmp",
        "http://purl.org/dc/elements/1.1/": "dc",
        "http://ns.adobe.com/pdf/1.3/": "pdf",
        "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    }
    namespace, _, local = (
        qualified[1:].partition("}") if qualified.startswith("{") else ("", "", qualified)
    )
    prefix = prefixes.get(namespace)
    return f"{prefix}:{local}" if prefix else local


def _info_dict(resolver: HistoricalResolver) -> dict[str, str]:
    try:
        info = resolver.trailer_view["/Info"]
    except Exception:
        return {}
    if not isinstance(info, generic.DictionaryObject):
        return {}
    out = {}
    for key in info:
        try:
            out[str(key)] = str(info[key])
        except Exception:
            out[str(key)] = "?"
    return out


def _catalog_changes(old: HistoricalResolver, new: HistoricalResolver) -> list[Change]:
    try:
        before, after = old.root, new.root
    except Exception:
        return [Change(OTHER, "the document catalog")]
    changed = sorted(
        key
        for key in set(before.keys()) | set(after.keys())
        if _raw(before, key) != _raw(after, key)
    )
    found = []
    for key in changed:
        kind, what = _CATALOG_KEYS.get(key, (OTHER, f"document catalog entry {key}"))
        if key in ("/Pages", "/AcroForm", "/DSS") and key in before and key in after:
            continue  # the same object, rewritten: its contents are reported on their own
        found.append(Change(kind, what))
    return found


def _page_change(
    old: HistoricalResolver, new: HistoricalResolver, ref: generic.Reference, label: str
) -> Change | None:
    """A rewritten page dictionary: only its annotation list, or the page itself."""
    try:
        before, after = old(ref).get_object(), new(ref).get_object()
        changed = {
            key
            for key in set(before.keys()) | set(after.keys())
            if _raw(before, key) != _raw(after, key)
        }
    except Exception:
        return Change(PAGES, label)
    if changed <= {"/Annots"}:
        # the annotations added are reported one by one (a widget as its field); only a
        # removal shows here
        removed = _annot_keys(before) - _annot_keys(after)
        if removed:
            return Change(ANNOTATIONS, f"{len(removed)} annotation(s) removed from {label}")
        return None
    return Change(PAGES, f"{label} ({', '.join(sorted(changed))})")


def _annot_keys(page: Any) -> set[tuple[int, int]]:
    annots = _resolve(_raw(page, "/Annots")) if "/Annots" in page else None
    if not isinstance(annots, generic.ArrayObject):
        return set()
    return {_key(r) for i in range(len(annots)) if (r := _ref(_raw(annots, i))) is not None}


def _unplaced(new: HistoricalResolver, ref: generic.Reference) -> Change | None:
    try:
        obj = new(ref).get_object()
    except Exception:
        return Change(OTHER, f"object {ref.idnum} (unreadable)")
    if isinstance(obj, generic.DictionaryObject):
        typ = obj.get("/Type")
        if typ in _STRUCTURE:
            return None
        if typ in ("/Sig", "/DocTimeStamp"):
            return Change(SIGNATURES, "a signature value")
        if typ == "/Metadata":
            return Change(METADATA, "an XMP metadata stream")
        if typ == "/Annot":
            return Change(ANNOTATIONS, f"an unattached {obj.get('/Subtype', 'annotation')}")
        if "/JS" in obj or obj.get("/S") in ("/JavaScript", "/Launch"):
            return Change(OTHER, f"an action ({obj.get('/S')}, object {ref.idnum})")
        if typ is not None:
            return Change(OTHER, f"a {str(typ).lstrip('/')} object ({ref.idnum})")
    return Change(OTHER, f"object {ref.idnum}")
