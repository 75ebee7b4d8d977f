"""Where the seal goes on the page, following GB/T 9704-2012 (党政机关公文格式) § 7.3.5.1.

The standard puts the red seal "端正、居中下压发文机关署名和成文日期": upright, centred over
the issuing organ's name and the date, pressing down on both so that they sit in the seal's
centre, slightly below it. We find those lines on the last page from the text positions pypdf
reports, and centre a 42 mm square (a common size for an organ's round seal) on them, nudged
up. If neither is on the page, the seal goes to the lower right of the page's text area (or of
the GB/T 9704 type area on an empty page), which is where a signature block would be.

Coordinates are PDF user-space points with the origin at the lower left of the page.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader

log = logging.getLogger(__name__)
# pypdf warns about every oddity it tolerates; placement is best effort, keep them off stderr
logging.getLogger("pypdf").addHandler(logging.NullHandler())

MM = 72 / 25.4
SEAL_SIZE = 42 * MM  # side of the seal's square box, in points
# Nudge the seal up by this fraction of its size, so the organ name and the date sit
# slightly below its centre as GB/T 9704 asks.
_UP = 0.08
# Anchors further below the first than this many of its line heights are not pressed on.
_NEAR_LINES = 3
# GB/T 9704 A4 margins below and right of the type area (156 x 225 mm), for empty pages.
_MARGIN_BOTTOM, _MARGIN_RIGHT = 35 * MM, 26 * MM


@dataclass(frozen=True)
class SealBox:
    """A rectangle on one page (0-based index) in PDF points: lower left (x1, y1), upper
    right (x2, y2)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)

    def overlaps(self, other: SealBox) -> bool:
        return (
            self.page == other.page
            and self.x1 < other.x2
            and other.x1 < self.x2
            and self.y1 < other.y2
            and other.y1 < self.y2
        )

    def shifted(self, dx: float, dy: float = 0.0) -> SealBox:
        return SealBox(self.page, self.x1 + dx, self.y1 + dy, self.x2 + dx, self.y2 + dy)


@dataclass
class _Line:
    """Text shown on one baseline: its text, left/right extent (estimated) and font size."""

    y: float
    x1: float
    x2: float
    size: float
    parts: list[tuple[float, str]]

    @property
    def text(self) -> str:
        return "".join(text for _, text in sorted(self.parts, key=lambda p: p[0]))


def _mult(m: Sequence[float], n: Sequence[float]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    g, h, i, j, k, l_ = n
    return (
        a * g + b * i,
        a * h + b * j,
        c * g + d * i,
        c * h + d * j,
        e * g + f * i + k,
        e * h + f * j + l_,
    )


def _text_width(text: str, size: float) -> float:
    """An estimate (pypdf gives positions, not widths): full width for CJK, half for Latin."""
    return sum(size if ord(ch) >= 0x2E80 else 0.55 * size for ch in text)


def _lines(page) -> list[_Line]:
    lines: list[_Line] = []

    def visit(text: str, cm, tm, font_dict, font_size) -> None:
        if not text or not text.strip():
            return
        m = _mult(tm, cm)
        x, y = m[4], m[5]
        size = abs(font_size) * math.hypot(m[2], m[3]) or 12.0
        for piece in text.splitlines():
            if not piece.strip():
                continue
            width = _text_width(piece, size)
            for line in lines:
                if abs(line.y - y) <= max(2.0, 0.3 * size):
                    line.x1, line.x2 = min(line.x1, x), max(line.x2, x + width)
                    line.size = max(line.size, size)
                    line.parts.append((x, piece))
                    break
            else:
                lines.append(_Line(y, x, x + width, size, [(x, piece)]))

    page.extract_text(visitor_text=visit)
    return lines


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _extent(line: _Line, anchor: str) -> tuple[float, float]:
    """Where `anchor` lies on `line` from left to right: the whole line when it is the
    anchor, else the text pieces it begins (two organs' names share a line in a joint
    document's signature block), else the whole line."""
    if _squash(line.text) == anchor:
        return line.x1, line.x2
    parts = sorted(line.parts, key=lambda p: p[0])
    for start, (x, _) in enumerate(parts):
        text = ""
        for _, piece in parts[start:]:
            text += _squash(piece)
            if text.startswith(anchor):
                return x, x + _text_width(anchor, line.size)
            if not anchor.startswith(text):
                break
    return line.x1, line.x2


def _square(page: int, cx: float, cy: float, mediabox) -> SealBox:
    """A SEAL_SIZE square centred on (cx, cy), moved inside the page if it sticks out."""
    half = SEAL_SIZE / 2
    left, bottom, right, top = (float(v) for v in mediabox)
    cx = min(max(cx, left + half), right - half)
    cy = min(max(cy, bottom + half), top - half)
    return SealBox(page, cx - half, cy - half, cx + half, cy + half)


def find_seal_box(pdf: bytes, anchors: Sequence[str]) -> SealBox | None:
    """Where the seal goes on the last page of ``pdf``.

    ``anchors`` are the texts to seal over: the issuing organ's name and the date as printed
    (e.g. "市教育局办公室", "2026年11月27日" or "27 November 2026"). Whitespace is ignored
    when matching. A line that is exactly the anchor wins over one that merely contains it
    (the colophon's "市教育局办公室 2026年11月27日印发" holds both anchors too), and among
    equals the lowest line wins (the signature block comes last).
    Returns None only when the PDF cannot be read or has no pages.
    """
    try:
        reader = PdfReader(BytesIO(pdf))
        count = len(reader.pages)
        if count == 0:
            return None
        index = count - 1
        page = reader.pages[index]
        mediabox = page.mediabox
        mediabox = (mediabox.left, mediabox.bottom, mediabox.right, mediabox.top)
    except Exception as exc:  # pypdf raises many kinds on a broken file
        log.debug("cannot read PDF for seal placement: %s", exc)
        return None
    try:
        lines = _lines(page)
    except Exception as exc:  # undecodable content: place without text positions
        log.debug("cannot extract text positions: %s", exc)
        lines = []

    wanted = [_squash(a) for a in anchors if a and _squash(a)]
    exact = {a: [line for line in lines if _squash(line.text) == a] for a in wanted}
    # A line that is exactly an anchor (the date, as the signature block prints it) is
    # where the signature block ends: other anchors are looked for just above it.
    foot = min((line.y for found in exact.values() for line in found), default=None)
    hits: list[tuple[_Line, float, float]] = []  # the line, and the anchor's extent on it
    for anchor in wanted:
        matching = exact[anchor] or [line for line in lines if anchor in _squash(line.text)]
        if matching:
            above = [line for line in matching if foot is not None and line.y >= foot]
            best = min(above or matching, key=lambda line: line.y)
            if all(best is not hit[0] for hit in hits):
                hits.append((best, *_extent(best, anchor)))
    if hits:
        # Across: centred on the first anchor found (the organ's name: in a joint document
        # each organ's seal sits over its own name). Down: over it and the other anchors
        # (the date) within a few lines below it, pressing on both.
        first, x1, x2 = hits[0]
        near = [line for line, _, _ in hits if abs(line.y - first.y) <= _NEAR_LINES * first.size]
        bottom = min(line.y for line in near)
        top = max(line.y + line.size for line in near)
        cy = (bottom + top) / 2 + _UP * SEAL_SIZE
        return _square(index, (x1 + x2) / 2, cy, mediabox)

    if not lines:
        return fallback_box(index, mediabox)
    right_edge = max(line.x2 for line in lines)
    low = min(line.y for line in lines)
    return _square(index, right_edge - SEAL_SIZE / 2, low + SEAL_SIZE / 2, mediabox)


def clear_of_seals(pdf: bytes, box: SealBox) -> SealBox:
    """`box` moved left until it covers no seal already on its page: a co-issuing
    department's seal goes beside the first, right to left, as joint documents place them."""
    taken = occupied_boxes(pdf, box.page)
    for _ in range(4):
        if not any(box.overlaps(other) for other in taken):
            break
        box = box.shifted(-(SEAL_SIZE + 8))
    return box


def fallback_box(page: int, mediabox: Sequence[float]) -> SealBox:
    """The lower right corner of the GB/T 9704 type area of a page with no usable text."""
    left, bottom, right, top = (float(v) for v in mediabox)
    cx = right - _MARGIN_RIGHT - SEAL_SIZE / 2
    cy = bottom + _MARGIN_BOTTOM + SEAL_SIZE / 2
    return _square(page, cx, cy, (left, bottom, right, top))


def occupied_boxes(pdf: bytes, page: int) -> list[SealBox]:
    """The rectangles of signature widgets already on ``page`` (earlier seals)."""
    boxes: list[SealBox] = []
    try:
        annots = PdfReader(BytesIO(pdf)).pages[page].get("/Annots") or []
        for ref in annots:
            annot = ref.get_object()
            kind = annot.get("/FT") or annot.get("/Parent", {}).get("/FT")
            if annot.get("/Subtype") == "/Widget" and kind == "/Sig" and "/Rect" in annot:
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                boxes.append(SealBox(page, min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    except Exception as exc:  # placement is best effort; the seal is still made
        log.debug("cannot list signature widgets: %s", exc)
    return boxes
