"""The teacher qualification certificate's photo: a `photo` column names a JPEG or PNG
beside the data file or batch sheet, and the picture fills the photo box; a name that
reaches elsewhere, or a file that is not a picture, is refused in one line.

Refusals need no PDF (the data is checked before anything is made); one certificate is
converted to see where the picture lands.
"""

from __future__ import annotations

import csv
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests import rendered
from tests.conftest import Bureau

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
TEMPLATE = "certificate-teacher-qualification"
BLUE = (40, 90, 220)  # the test photo's background, found again on the rendered page


def picture(path: Path, fmt: str = "JPEG", size: tuple[int, int] = (300, 420)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, BLUE).save(path, fmt)
    return path


def data_with(folder: Path, photo: object) -> Path:
    data = yaml.safe_load((TEMPLATES / TEMPLATE / "sample.zh.yaml").read_text(encoding="utf-8"))
    data["photo"] = photo
    path = folder / "teacher.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def generate(bureau: Bureau, data: Path, *extra: object):
    return bureau("generate", TEMPLATE, "--data", data, "--dept", "JXX", "--lang", "zh", *extra)


def media_in(bureau: Bureau, item_id: str, tmp_path: Path) -> list[str]:
    out = tmp_path / "out.docx"
    bureau.ok("get", item_id, "--rendition", "docx", "--out", out, "--force")
    with zipfile.ZipFile(out) as package:
        return [n for n in package.namelist() if n.startswith("word/media/")]


def test_a_photo_named_beside_the_data_file_goes_into_the_docx(bureau, tmp_path):
    picture(tmp_path / "photos" / "chen.png", "PNG")
    result = generate(bureau, data_with(tmp_path, "photos/chen.png"), "--json")
    assert result.code == 0, result.err
    assert media_in(bureau, result.json()["id"], tmp_path) == ["word/media/image1.png"]


def test_without_a_photo_the_box_keeps_its_placeholder(bureau, tmp_path):
    result = generate(bureau, data_with(tmp_path, None), "--json")
    assert result.code == 0, result.err
    assert media_in(bureau, result.json()["id"], tmp_path) == []


def test_a_batch_sheet_names_photos_relative_to_its_own_folder(bureau, tmp_path):
    sheet_folder = tmp_path / "sheets"
    picture(sheet_folder / "photos" / "a.jpg")
    sample = yaml.safe_load((TEMPLATES / TEMPLATE / "sample.zh.yaml").read_text(encoding="utf-8"))
    sheet = sheet_folder / "teachers.csv"
    with sheet.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, [*sample, "photo"])
        writer.writeheader()
        writer.writerow({**sample, "certificate_number": "A1", "photo": "photos/a.jpg"})
        writer.writerow({**sample, "certificate_number": "A2", "photo": ""})
    summary = bureau.json("generate", TEMPLATE, "--batch", sheet, "--dept", "JXX", "--lang", "zh")
    assert summary["generated"] == 2 and summary["failed"] == []
    with_photo, without = summary["items"]
    assert media_in(bureau, with_photo["id"], tmp_path) == ["word/media/image1.jpg"]
    assert media_in(bureau, without["id"], tmp_path) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("/etc/hostname", "relative to the data file's folder"),
        ("../outside.jpg", "must be inside the data file's folder"),
        ("photos/../../outside.jpg", "must be inside the data file's folder"),
        ("photos/missing.jpg", "no such file"),
        ("photos", "not a regular file"),
        ("photos/text.jpg", "not a JPEG or PNG picture"),
        ("photos/cut.jpg", "picture is damaged"),
        (42, "must be the name of a JPEG or PNG file"),
    ],
)
def test_a_photo_that_cannot_be_used_is_refused_in_one_line(bureau, tmp_path, name, message):
    folder = tmp_path / "data"
    picture(tmp_path / "outside.jpg")
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "text.jpg").write_text("not a picture", encoding="utf-8")
    whole = BytesIO()
    Image.new("RGB", (300, 420), BLUE).save(whole, "JPEG")
    (folder / "photos" / "cut.jpg").write_bytes(whole.getvalue()[:400])
    result = bureau.fails(2, *generate_args(data_with(folder, name)))
    assert "field 'photo'" in result.err and message in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert bureau.json("list") == []


def generate_args(data: Path) -> list[object]:
    return ["generate", TEMPLATE, "--data", data, "--dept", "JXX", "--lang", "zh"]


def test_a_symbolic_link_out_of_the_folder_is_refused(bureau, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "link.jpg").symlink_to(picture(tmp_path / "elsewhere" / "p.jpg"))
    result = bureau.fails(2, *generate_args(data_with(folder, "link.jpg")))
    assert "must be inside the data file's folder" in result.err


def test_a_photo_over_the_size_limit_is_refused(bureau, tmp_path, monkeypatch):
    from generators import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    picture(tmp_path / "big.png", "PNG", (600, 800))
    (tmp_path / "big.png").write_bytes((tmp_path / "big.png").read_bytes() + b"\0" * 2000)
    result = bureau.fails(2, *generate_args(data_with(tmp_path, "big.png")))
    assert "a photo may be at most" in result.err


def test_the_photo_fills_the_photo_box_in_the_pdf(bureau, tmp_path):
    picture(tmp_path / "chen.jpg")
    result = generate(bureau, data_with(tmp_path, "chen.jpg"), "--pdf", "--json")
    assert result.code == 0, result.err
    out = tmp_path / "teacher.pdf"
    bureau.ok("get", result.json()["id"], "--out", out)
    pdf = out.read_bytes()
    words = rendered.words(pdf)
    assert not any(w.text == "照片" for w in words)  # the placeholder gave way
    dpi = 50
    page = rendered.render_page(pdf, 0, dpi, keep_as="certificate-teacher-qualification-photo")
    scale = dpi / 72
    blue = [
        (x, y)
        for x in range(0, page.width, 2)
        for y in range(0, page.height, 2)
        if all(abs(a - b) < 40 for a, b in zip(page.getpixel((x, y)), BLUE, strict=True))
    ]
    assert blue, "the photo is not on the page"
    left = max(w.x2 for w in words if w.text.startswith("3301"))  # the ID number's cell
    top = min(w.y1 for w in words if w.text == "姓名")
    bottom = max(w.y2 for w in words if w.text == "证书号码")
    assert min(x for x, _ in blue) > left * scale  # right of the particulars: in the box
    assert top * scale - 15 < min(y for _, y in blue)
    assert max(y for _, y in blue) < bottom * scale + 15
