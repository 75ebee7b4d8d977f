"""The certificates as printed and sealed: the ID number never wraps, the teacher
qualification certificate has its photo box and its seal at the issuing place, over the
issuing organ's name and the date, clear of the grid.

Made once per module with `bureau generate --pdf --sign`; pages kept under test-artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests import rendered
from tests.conftest import Bureau

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def _sample(name: str) -> dict:
    return yaml.safe_load((TEMPLATES / name / "sample.zh.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory, pristine_home: Path) -> dict:
    folder = tmp_path_factory.mktemp("certificates")
    root = folder / "home"
    shutil.copytree(pristine_home, root, symlinks=True)
    bureau = Bureau(root, folder)
    made = {}
    for name, dept in (
        ("certificate-graduation", "ZCK"),
        ("certificate-teacher-qualification", "JXX"),
    ):
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(_sample(name), allow_unicode=True), encoding="utf-8")
        item = bureau.json(
            "generate", name, "--data", path, "--dept", dept, "--lang", "zh", "--pdf", "--sign"
        )
        bureau.ok("get", item["id"], "--out", folder / f"{name}.pdf")
        pdf = (folder / f"{name}.pdf").read_bytes()
        rendered.render_page(pdf, 0, 60, keep_as=f"{name}-zh")
        made[name] = pdf
    return made


def test_the_graduates_id_number_is_printed_on_one_line(certificates):
    number = str(_sample("certificate-graduation")["id_number"])
    lines = [text for _, _, text in rendered.lines(certificates["certificate-graduation"])]
    assert any(number in line for line in lines), lines


def test_the_teacher_certificate_has_a_photo_box_beside_the_particulars(certificates):
    words = rendered.words(certificates["certificate-teacher-qualification"])
    photo = next(w for w in words if w.text == "照片")
    name_label = next(w for w in words if w.text == "姓名")
    assert photo.x1 > name_label.x1 + 400  # at the grid's right end


def test_the_teacher_certificate_seal_is_at_the_issuing_place_over_its_organ(certificates):
    pdf = certificates["certificate-teacher-qualification"]
    [seal] = rendered.seal_boxes(pdf)
    height = rendered.page_height(pdf, 0)
    words = rendered.words(pdf)
    # the organ's name is printed twice: in the grid (认定机构) and at the issuing place
    organ = max((w for w in words if w.text == "市教育局教师进修学校"), key=lambda w: w.y1)
    grid_foot = max(w.y2 for w in words if w.text.startswith("认定机构"))
    seal_top = height - seal.y2
    assert seal_top > grid_foot  # clear of the grid
    centre_x, _ = seal.centre
    assert organ.x1 < centre_x < organ.x2  # over the organ's name
    assert centre_x > 0.6 * rendered.page_width(pdf, 0)  # bottom right
    assert height - seal.y1 > organ.y2  # reaching down over the name (and the date below)
