"""The picture of a department's official seal: a red round stamp on a transparent ground.

The layout follows a Chinese official seal (公章): an outer ring, a five-pointed star in the
centre, the organisation's name set clockwise along the upper arc with every character
turned to face the centre, and an optional horizontal line (the department) under the
star. Everything is drawn as one coverage mask at three times the size and scaled down, so
the edges are smooth and every visible pixel has exactly the seal's red; the same inputs
give the same PNG bytes.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from archive import atomic
from archive.errors import BadInput, OperationFailed
from seals.cache import cache_dir

SEAL_RED = (230, 0, 18)  # #E60012, the customary vermilion of an official seal
_SUPERSAMPLE = 3
_PICTURE_VERSION = 1  # raise when the drawing changes, so cached pictures are redrawn
_MAX_ARC_DEGREES = 236.0  # the name never runs further round than this
_MIN_ARC_DEGREES = 120.0  # a short name is spread out to fill the arc, as on a real seal
_FONT_PATTERNS = (
    "Noto Serif CJK SC:style=Bold",
    "Noto Sans CJK SC:style=Bold",
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
)
_FALLBACK_GLOBS = (
    "/usr/share/fonts/**/NotoSerifCJK*.tt[cf]",
    "/usr/share/fonts/**/NotoSansCJK*.tt[cf]",
)


def find_cjk_font() -> Path:
    """A font file that can set Simplified Chinese, preferring Noto Serif CJK SC Bold.

    Asks fontconfig (`fc-match`, then `fc-list :lang=zh-cn`), then looks where Debian puts
    the Noto CJK fonts. BadInput saying what to install if there is none.
    """
    found = _fontconfig_cjk_font() or _packaged_cjk_font()
    if found is None:
        raise BadInput("no Chinese (CJK) font found: install fonts-noto-cjk")
    return found


def draw_seal(
    org: str,
    out: Path,
    *,
    size_px: int = 600,
    centre_text: str = "",
    font_path: Path | None = None,
) -> Path:
    """Draw the seal of `org` (with `centre_text` under the star) as a PNG at `out`.

    The file is written atomically (a reader never sees half a picture); returns `out`.
    """
    org = org.strip()
    centre_text = centre_text.strip()
    if not org:
        raise BadInput("a seal needs the organisation's name")
    if not 64 <= size_px <= 4000:
        raise BadInput(f"seal size {size_px} px is out of range: use 64 to 4000")
    path = Path(font_path) if font_path is not None else find_cjk_font()
    if not path.is_file():
        raise BadInput(f"{path}: font file not found")
    mask = _seal_mask(org, centre_text, size_px, path)
    image = Image.new("RGBA", (size_px, size_px), (*SEAL_RED, 0))
    image.putalpha(mask)
    _save_png(image, Path(out))
    return Path(out)


def organ_seal(organ: str, *, size_px: int = 600) -> Path:
    """The seal picture whose ring reads `organ`, the issuing organ's full name exactly as
    the document signs it (archive.config.Config.organ), star in the middle.

    Drawn once per name and font, then kept in the seal cache (seals.cache): a department's
    documents all carry the same seal, and a renamed organ gets its new name on its seal.
    """
    organ = organ.strip()
    font = find_cjk_font()
    stat = font.stat()
    key = hashlib.sha256(
        f"{_PICTURE_VERSION}|{organ}|{size_px}|{font}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    ).hexdigest()
    target = cache_dir("pictures") / f"seal-{key[:24]}.png"
    if not target.is_file():
        draw_seal(organ, target, size_px=size_px, font_path=font)
    return target


def _seal_mask(org: str, centre_text: str, size_px: int, font_path: Path) -> Image.Image:
    """The seal's coverage (0 = transparent, 255 = ink), drawn large and scaled down."""
    big = size_px * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    centre = big / 2
    outer = big * 0.48
    ring = big * 0.036
    draw.ellipse(
        (centre - outer, centre - outer, centre + outer, centre + outer),
        outline=255,
        width=round(ring),
    )
    _draw_star(draw, centre, centre, big * 0.155)
    _draw_arc_text(mask, org, centre, outer - ring, font_path)
    if centre_text:
        _draw_centre_text(draw, centre_text, centre, centre + big * 0.215, outer * 1.0, font_path)
    return mask.resize((size_px, size_px), Image.Resampling.LANCZOS)


def _draw_star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    """A filled five-pointed star with one point straight up."""
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=255)


def _draw_arc_text(
    mask: Image.Image, text: str, centre: float, inside: float, font_path: Path
) -> None:
    """Set `text` clockwise along the upper arc, centred on the top, each glyph upright to
    the circle (its foot towards the centre)."""
    size = round(inside * (0.32 if len(text) <= 5 else 0.27))
    while True:
        font = _font(font_path, size)
        advances = [font.getlength(ch) * 1.08 for ch in text]
        radius = inside - size * 0.72
        span = math.degrees((sum(advances) - advances[-1] / 2 - advances[0] / 2) / radius)
        if span <= _MAX_ARC_DEGREES or size <= 8:
            break
        size = max(8, round(size * 0.92))
    spread = 1.0
    if len(text) > 1 and span > 0:
        spread = max(1.0, min(_MIN_ARC_DEGREES, span * 2.2) / span)
    angle = -span * spread / 2
    for index, ch in enumerate(text):
        if index:
            angle += spread * math.degrees((advances[index - 1] + advances[index]) / 2 / radius)
        if not ch.strip():
            continue
        glyph = _glyph(ch, font, size)
        turned = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.sin(math.radians(angle)) - turned.width / 2
        y = centre - radius * math.cos(math.radians(angle)) - turned.height / 2
        mask.paste(255, (round(x), round(y)), turned)


def _draw_centre_text(
    draw: ImageDraw.ImageDraw, text: str, cx: float, cy: float, max_width: float, font_path: Path
) -> None:
    """One horizontal line centred at (cx, cy), shrunk to fit inside the ring."""
    size = round(max_width * 0.16)
    font = _font(font_path, size)
    while font.getlength(text) > max_width and size > 8:
        size = max(8, round(size * 0.92))
        font = _font(font_path, size)
    draw.text((cx, cy), text, fill=255, font=font, anchor="mm")


def _glyph(ch: str, font: ImageFont.FreeTypeFont, size: int) -> Image.Image:
    """One character, centred on a square transparent tile big enough to turn freely."""
    side = round(size * 1.6)
    tile = Image.new("L", (side, side), 0)
    ImageDraw.Draw(tile).text((side / 2, side / 2), ch, fill=255, font=font, anchor="mm")
    return tile


@lru_cache(maxsize=64)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """`path` at `size`; for a font collection, the Simplified Chinese face if it has one."""
    try:
        first = ImageFont.truetype(str(path), size, index=0)
    except OSError as exc:
        raise BadInput(f"{path}: not a font Pillow can read") from exc
    if path.suffix.lower() != ".ttc" or (first.getname()[0] or "").endswith(" SC"):
        return first
    for index in range(1, 16):
        try:
            face = ImageFont.truetype(str(path), size, index=index)
        except OSError:
            break
        if (face.getname()[0] or "").endswith(" SC"):
            return face
    return first


def _fontconfig_cjk_font() -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    for pattern in _FONT_PATTERNS:
        family = pattern.split(":")[0]
        found = _run(["fc-match", pattern, "--format=%{file}\n%{family}"])
        if found and "\n" in found:
            file, families = found.split("\n", 1)
            if family in families and Path(file).is_file():
                return Path(file)
    listed = _run(["fc-list", ":lang=zh-cn", "file"]) or ""
    files = sorted(line.rstrip(": ").strip() for line in listed.splitlines() if line.strip())
    return next((Path(f) for f in files if Path(f).is_file()), None)


def _packaged_cjk_font() -> Path | None:
    for pattern in _FALLBACK_GLOBS:
        matches = sorted(Path("/").glob(pattern.lstrip("/")))
        if matches:
            return matches[0]
    return None


def _run(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _save_png(image: Image.Image, out: Path) -> None:
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent}: folder not found")
    try:
        with atomic.replacing(out, mode=0o644) as stream:
            image.save(stream, format="PNG", optimize=False)
    except OSError as exc:
        raise OperationFailed(f"{out}: cannot write the seal picture: {exc.strerror}") from exc
