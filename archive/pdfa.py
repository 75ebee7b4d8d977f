"""Does a PDF claim PDF/A, and do the basic PDF/A requirements hold?

GB/T 18894 and DA/T 47 ask for PDF/A (ISO 19005) for electronic records kept for decades.
A full validator (veraPDF) checks hundreds of rules; none runs here, so this module checks
the few that decide whether a file can still be read as it looks in fifty years, and that
the archive's own steps (metadata, sealing) are most likely to break:

* the XMP packet claims a part and conformance level (pdfaid:part, pdfaid:conformance);
* the header says PDF 1.x (parts 1 to 3 are based on PDF 1.4 and 1.7);
* an output intent of subtype GTS_PDFA1 carries an ICC profile, so colours have a meaning;
* every font is embedded (Type 3 fonts are drawn by the file itself);
* the file is not encrypted, and holds no JavaScript and no launch actions;
* each document information entry with an XMP equivalent (Title, Author, Subject,
  Keywords, Creator, Producer, CreationDate, ModDate) agrees with it (archive.xmp).

A file without a claim is reported with ``claims`` None and not ``ok``: it is not PDF/A
whatever else holds. The checks walk every object reachable from the trailer, at most
:data:`MAX_OBJECTS` of them; an unreadable file is a problem, never an exception.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from archive import screening, xmp
from archive.screening import MAX_PDF_OBJECTS

MAX_OBJECTS = MAX_PDF_OBJECTS  # as many as filing's screening walks (archive.screening)
FORBIDDEN = frozenset({"javascript", "launch"})  # active content PDF/A does not allow

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class Report:
    """What the check found: the claim ("2B", "1A", ... or None) and the problems."""

    claims: str | None
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.claims is not None and not self.problems

    def to_json(self) -> dict[str, object]:
        return {"claims": self.claims, "ok": self.ok, "problems": list(self.problems)}

    @classmethod
    def from_json(cls, data: object) -> Report | None:
        if not isinstance(data, dict):
            return None
        claims = data.get("claims")
        problems = data.get("problems") or []
        return cls(claims if isinstance(claims, str) else None, tuple(str(p) for p in problems))


def check(pdf: bytes) -> Report:
    """Check ``pdf`` (the whole file) against the basic PDF/A requirements."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:  # the file boundary: a damaged file is a finding, not a crash
        return Report(None, (f"unreadable: {_first_line(exc)}",))
    return check_reader(reader, pdf[:16])


def check_reader(reader, header: bytes) -> Report:
    """Check the PDF a pypdf ``reader`` has open; ``header`` is the file's first bytes."""
    try:
        if reader.is_encrypted:
            return Report(None, ("the PDF is encrypted",))
        return _check(reader, header)
    except Exception as exc:  # the file boundary: a damaged file is a finding, not a crash
        return Report(None, (f"unreadable: {_first_line(exc)}",))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check(reader, header: bytes) -> Report:
    problems: list[str] = []
    root = reader.trailer["/Root"].get_object()
    claims, values = _claim(root, problems)
    if claims and not claims.startswith("4") and not header.startswith(b"%PDF-1."):
        problems.append(f"the header is {header[:8].decode('latin-1')!r}, not PDF 1.x")
    _check_output_intent(root, problems)
    fonts, active = _walk(reader, problems)
    problems.extend(f"font not embedded: {name}" for name in sorted(fonts))
    problems.extend(f"active content: {kind}" for kind in sorted(active))
    if values is not None:
        _check_agreement(reader, values, problems)
    return Report(claims, tuple(problems))


def _claim(root, problems: list[str]) -> tuple[str | None, dict | None]:
    """The pdfaid claim ("2B") and the XMP values; problems noted when it is missing."""
    ref = root.get("/Metadata")
    if ref is None:
        problems.append("no XMP metadata (so no PDF/A claim)")
        return None, None
    try:
        values = xmp.read(ref.get_object().get_data())
    except (xmp.XmpError, ValueError) as exc:
        problems.append(f"the XMP metadata cannot be read: {exc}")
        return None, None
    part = values.get((xmp.PDFAID, "part"), "").strip()
    conformance = values.get((xmp.PDFAID, "conformance"), "").strip().upper()
    if not part:
        problems.append("the XMP metadata claims no PDF/A part (pdfaid:part)")
        return None, values
    if part not in ("1", "2", "3", "4"):
        problems.append(f"the XMP metadata claims an unknown PDF/A part: {part}")
    if part != "4" and conformance not in ("A", "B", "U"):
        problems.append(f"the PDF/A conformance level is {conformance or 'missing'}")
    return f"{part}{conformance}", values


def _check_output_intent(root, problems: list[str]) -> None:
    intents = root.get("/OutputIntents")
    for ref in intents.get_object() if intents is not None else []:
        intent = ref.get_object()
        if intent.get("/S") != "/GTS_PDFA1":
            continue
        profile = intent.get("/DestOutputProfile")
        data = profile.get_object().get_data() if profile is not None else b""
        if data[36:40] == b"acsp":  # the ICC profile signature
            return
        problems.append("the PDF/A output intent has no ICC profile")
        return
    problems.append("no PDF/A output intent (GTS_PDFA1)")


def _walk(reader, problems: list[str]) -> tuple[set[str], set[str]]:
    """Every object reachable from the trailer: the names of fonts not embedded and the
    kinds of active content PDF/A forbids (javascript, launch) found."""
    fonts: set[str] = set()
    active: set[str] = set()
    try:
        for node in screening.dictionaries(reader):
            active.update(set(screening.active_in(node)) & FORBIDDEN)
            _font_not_embedded(node, fonts)
    except screening.TooManyObjects:
        problems.append(f"more than {MAX_OBJECTS} objects: not all were checked")
    return fonts, active


def _font_not_embedded(node, fonts: set[str]) -> None:
    if node.get("/Type") != "/Font" or node.get("/Subtype") in ("/Type0", "/Type3"):
        return  # a Type0 font's glyphs are in its descendant, which is checked itself
    descriptor = node.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    if not any(key in descriptor for key in _FONT_FILES):
        fonts.add(str(node.get("/BaseFont", "(unnamed)")).lstrip("/"))


def _check_agreement(reader, values: dict, problems: list[str]) -> None:
    info_ref = reader.trailer.get("/Info")
    info = info_ref.get_object() if info_ref is not None else {}
    for key, (namespace, name, kind) in xmp.EQUIVALENTS.items():
        if key not in info:
            continue
        ours = str(info[key]).strip()
        theirs = values.get((namespace, name))
        label = f"{xmp.PREFIXES[namespace]}:{name}"
        if theirs is None:
            if ours:
                problems.append(f"{key[1:]} is in the document information but not in XMP")
            continue
        agree = _same_moment(ours, theirs) if kind == "date" else ours == theirs.strip()
        if not agree:
            problems.append(f"{key[1:]} differs from the XMP {label}: {ours!r} / {theirs!r}")


def _same_moment(pdf_text: str, xmp_text: str) -> bool:
    ours, theirs = xmp.pdf_date(pdf_text), xmp.parse_xmp_date(xmp_text)
    if ours is None or theirs is None:
        return False
    if (ours.tzinfo is None) != (theirs.tzinfo is None):
        return ours.replace(tzinfo=None) == theirs.replace(tzinfo=None)
    return ours == theirs
