"""Photos named in a data file or a batch sheet: found, checked, and sized for a photo box.

A field of type ``image`` (the teacher qualification certificate's ``photo``) holds the
name of an image file. Its value is a path relative to the folder of the file the data came
from (``generate --data``'s YAML/JSON file, or ``--batch``'s sheet), so a sheet and its
photos travel together as one folder. Because that sheet may come from anyone, the name
may not reach elsewhere: an absolute path, or one whose ``..`` climbs out of the folder
(through a symbolic link too), is refused, as is anything that is not a regular file.

The file must be a JPEG or PNG by its content (the first bytes, then Pillow reading the
whole picture), at most :data:`MAX_BYTES` and :data:`MAX_PIXELS`: a photo on a certificate
is small, and a decompression bomb must cost nothing. What is placed is fitted into
:data:`BOX_MM`, the photo box's inside, keeping its proportions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path, PurePath

MAX_BYTES = 5 << 20  # 5 MiB; a certificate photo is some 50-500 kB
MAX_PIXELS = 40_000_000  # width x height; a 40-megapixel picture is already absurd here
BOX_MM = (30.0, 40.0)  # the largest the picture is placed: width, height in millimetres

_SIGNATURES = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}


class PhotoProblem(ValueError):
    """Why a named photo cannot be used (one line, for the field's error)."""


@dataclass(frozen=True)
class Photo:
    """A checked picture: its name as given, its bytes, its format and its size in pixels."""

    name: str
    data: bytes
    format: str  # "jpeg" or "png"
    pixels: tuple[int, int]

    def size_mm(self) -> tuple[float, float]:
        """Width and height in millimetres, fitted into BOX_MM with its proportions kept."""
        width, height = self.pixels
        scale = min(BOX_MM[0] / width, BOX_MM[1] / height)
        return (width * scale, height * scale)

    def __str__(self) -> str:  # what a title or a listing shows of it
        return self.name


def load(name: str, base: Path | None) -> Photo:
    """The photo `name` names, relative to `base` (the data file's folder); PhotoProblem
    saying why it cannot be used."""
    if base is None:
        raise PhotoProblem("a photo can only be named in a data file or a batch sheet")
    given = PurePath(name)
    if given.is_absolute() or name.startswith(("/", "\\")) or ":" in given.parts[0]:
        raise PhotoProblem(f"{name!r}: give the photo's path relative to the data file's folder")
    folder = base.resolve()
    path = (folder / given).resolve()
    if not path.is_relative_to(folder):
        raise PhotoProblem(f"{name!r}: the photo must be inside the data file's folder")
    if not path.exists():
        raise PhotoProblem(f"{name!r}: no such file beside the data file")
    if not path.is_file():
        raise PhotoProblem(f"{name!r}: not a regular file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise PhotoProblem(f"{name!r}: {size >> 20} MiB; a photo may be at most {MAX_BYTES >> 20}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PhotoProblem(f"{name!r}: cannot read it: {exc.strerror or exc}") from None
    kind = next((k for sig, k in _SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise PhotoProblem(f"{name!r}: not a JPEG or PNG picture (by its content)")
    return Photo(name, data, kind, _pixels(name, data, kind))


def _pixels(name: str, data: bytes, kind: str) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=[kind.upper()]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoProblem(f"{name!r}: {width} x {height} pixels is too large a picture")
            image.load()  # the whole picture decodes: not cut short, not damaged
    except PhotoProblem:
        raise
    except Exception as exc:  # Pillow raises many types for damaged pictures
        first = str(exc).strip().splitlines()
        reason = first[0] if first else type(exc).__name__
        raise PhotoProblem(f"{name!r}: the {kind.upper()} picture is damaged ({reason})") from None
    if width < 1 or height < 1:
        raise PhotoProblem(f"{name!r}: the picture is empty")
    return (width, height)
