"""What a reader of a PDF sees: pages rendered by poppler (`pdftoppm`), seal widgets' boxes,
the fonts `pdffonts` lists, and the lines of text with their positions (`pdftotext -bbox`).

Tests of layout assert on these rather than on the DOCX, because the PDF is the official
rendition and LibreOffice decides the layout. Rendered pages are also kept under
test-artifacts/ (git-ignored) so that a person can look at what the tests looked at.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MM = 72 / 25.4


def render_page(pdf: bytes, page: int, dpi: int = 100, keep_as: str = "") -> Image.Image:
    """Page `page` (0-based) as an RGB image; also saved as test-artifacts/KEEP_AS.png."""
    assert shutil.which("pdftoppm"), "poppler-utils is not installed: run `make setup` as root"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        number = str(page + 1)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", number, "-l", number, "-png", "-singlefile"]
            + [str(source), str(Path(tmp) / "out")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        image = Image.open(Path(tmp) / "out.png").convert("RGB")
        image.load()
    if keep_as:
        ARTIFACTS.mkdir(exist_ok=True)
        image.save(ARTIFACTS / f"{keep_as}.png")
    return image


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, origin lower left, on page `page` (0-based)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    def pixels(self, image: Image.Image, page_height: float, dpi: int) -> tuple[int, ...]:
        """The box as a pixel crop rectangle (left, upper, right, lower) of a rendering."""
        scale = dpi / 72
        return (
            round(self.x1 * scale),
            round((page_height - self.y2) * scale),
            round(self.x2 * scale),
            round((page_height - self.y1) * scale),
        )


def seal_boxes(pdf: bytes) -> list[Box]:
    """The rectangles of the signature widgets (the visible seals), in the order signed."""
    reader = PdfReader(BytesIO(pdf))
    boxes = []
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget" and annot.get("/FT") == "/Sig":
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                boxes.append(Box(index, min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return boxes


def page_height(pdf: bytes, page: int) -> float:
    return float(PdfReader(BytesIO(pdf)).pages[page].mediabox.height)


def page_width(pdf: bytes, page: int) -> float:
    return float(PdfReader(BytesIO(pdf)).pages[page].mediabox.width)


def first_revision(pdf: bytes) -> bytes:
    """The PDF as it was before any incremental update (before the first seal)."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF")
    return pdf[:end] + b"\n"


def fonts(pdf: bytes) -> list[dict[str, str]]:
    """`pdffonts`' table: each font's name (subset tag removed), type and embedded flag."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        out = subprocess.run(
            ["pdffonts", str(source)], check=True, capture_output=True, text=True, timeout=60
        ).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) < 7:
            continue
        name = re.sub(r"^[A-Z]{6}\+", "", parts[0])
        rows.append({"name": name, "emb": parts[-5]})
    return rows


@dataclass(frozen=True)
class Word:
    """One word (a run of text without spaces) `pdftotext -bbox` found, in points from the
    page's top left as poppler reports them."""

    page: int
    text: str
    x1: float
    y1: float
    x2: float
    y2: float


def words(pdf: bytes) -> list[Word]:
    """Every word of every page with its box (pdftotext -bbox)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox", str(source), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    found, page = [], -1
    pattern = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    )
    for line in out.splitlines():
        if "<page " in line:
            page += 1
            continue
        match = pattern.search(line)
        if match:
            x1, y1, x2, y2 = (float(match[i]) for i in range(1, 5))
            found.append(Word(page, html.unescape(match[5]), x1, y1, x2, y2))
    return found


def lines(pdf: bytes) -> list[tuple[int, float, str]]:
    """The text of each line: (page, top in points, the line's words joined without spaces),
    words grouped by their top edge to within 2 pt, lines in reading order."""
    grouped: dict[tuple[int, float], list[Word]] = {}
    for word in words(pdf):
        key = next(
            (k for k in grouped if k[0] == word.page and abs(k[1] - word.y1) < 2),
            (word.page, word.y1),
        )
        grouped.setdefault(key, []).append(word)
    return [
        (page, top, "".join(w.text for w in sorted(ws, key=lambda w: w.x1)))
        for (page, top), ws in sorted(grouped.items())
    ]
