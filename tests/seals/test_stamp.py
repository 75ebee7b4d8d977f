"""The seal picture: a red round stamp on a transparent ground, with CJK text that renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import seals.stamp as stamp
from archive.errors import BadInput
from seals.stamp import SEAL_RED, draw_seal, find_cjk_font


def opened(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def rgba_pixels(image: Image.Image) -> list[tuple[int, ...]]:
    data = image.convert("RGBA").tobytes()
    return [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]


def test_cjk_font_is_found() -> None:
    font = find_cjk_font()
    assert font.is_file()
    assert "CJK" in font.name


def test_seal_is_a_png_with_a_transparent_ground(tmp_path: Path) -> None:
    out = draw_seal("市教育局", tmp_path / "seal.png", size_px=300, centre_text="办公室")
    image = opened(out)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (300, 300)
    alpha = image.getchannel("A")
    for corner in [(0, 0), (299, 0), (0, 299), (299, 299)]:
        assert alpha.getpixel(corner) == 0
    assert alpha.getpixel((150, 150)) == 255  # the star's centre is ink


def test_visible_pixels_are_seal_red(tmp_path: Path) -> None:
    image = opened(draw_seal("市教育局", tmp_path / "seal.png", size_px=300, centre_text="办公室"))
    visible = [px for px in rgba_pixels(image) if px[3] > 0]
    assert len(visible) > 0.05 * 300 * 300
    red = [px for px in visible if px[0] > 180 and px[1] < 60 and px[2] < 80]
    assert len(red) / len(visible) > 0.95
    assert visible[0][:3] == SEAL_RED


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    first = draw_seal("市教育局", tmp_path / "a.png", size_px=200, centre_text="人事科")
    second = draw_seal("市教育局", tmp_path / "b.png", size_px=200, centre_text="人事科")
    assert first.read_bytes() == second.read_bytes()


def test_different_chinese_names_draw_differently(tmp_path: Path) -> None:
    """Missing glyphs would all draw as the same box, so two names would look alike."""
    one = opened(draw_seal("市教育局", tmp_path / "a.png", size_px=200))
    other = opened(draw_seal("省教育厅", tmp_path / "b.png", size_px=200))
    assert one.tobytes() != other.tobytes()


def test_centre_text_adds_ink_below_the_star(tmp_path: Path) -> None:
    plain = opened(draw_seal("市教育局", tmp_path / "a.png", size_px=200))
    titled = opened(draw_seal("市教育局", tmp_path / "b.png", size_px=200, centre_text="办公室"))
    band = (50, 130, 150, 165)  # under the star, inside the ring
    plain_ink = sum(plain.getchannel("A").crop(band).tobytes())
    titled_ink = sum(titled.getchannel("A").crop(band).tobytes())
    assert titled_ink > plain_ink + 1000


def test_long_names_still_fit_inside_the_ring(tmp_path: Path) -> None:
    out = draw_seal(
        "某某市教育局思想政治工作和宣传科",
        tmp_path / "seal.png",
        size_px=300,
        centre_text="思想政治工作和宣传科",
    )
    alpha = opened(out).getchannel("A")
    assert alpha.getbbox() is not None
    left, top, right, bottom = alpha.getbbox()
    assert left >= 0 and top >= 0 and right <= 300 and bottom <= 300


def test_empty_organisation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        draw_seal("  ", tmp_path / "seal.png")
    assert not (tmp_path / "seal.png").exists()


def test_missing_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamp, "_fontconfig_cjk_font", lambda: None)
    monkeypatch.setattr(stamp, "_packaged_cjk_font", lambda: None)
    with pytest.raises(BadInput, match="install fonts-noto-cjk"):
        find_cjk_font()
