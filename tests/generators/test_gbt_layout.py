"""The official documents' PDF read against GB/T 9704-2012 (../shared/domain.md): fonts by
style, 28 characters a full line, 22 lines a page, closing punctuation inside the text
block, the red rule 4 mm under the document number, headings kept with what follows.

The PDFs are made once per module through `bureau generate --pdf` (LibreOffice takes
seconds); each page looked at is kept under test-artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests import rendered
from tests.conftest import Bureau

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
MM = 72 / 25.4
LEFT, TEXT_WIDTH, TOP = 28 * MM, 156 * MM, 37 * MM
RIGHT = LEFT + TEXT_WIDTH
LINE_PITCH = 225 * MM / 22


def _sample(name: str, lang: str) -> dict:
    path = TEMPLATES / name / ("sample.yaml" if lang == "en" else f"sample.{lang}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# A body of Chinese characters only (no Latin digits, no punctuation inside the lines), long
# enough to fill the rest of page 1 and all of page 2, so full lines can be counted.
PLAIN = "教育" * 60 + "。"
# A paragraph whose 27th character, a full stop, would hang past the right edge.
EDGE = "教" * 25 + "。" + "育" * 30 + "。"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, pristine_home: Path) -> dict[str, bytes]:
    """The Chinese and English sample notices and a long Chinese one, as filed PDFs."""
    folder = tmp_path_factory.mktemp("gbt")
    root = folder / "home"
    shutil.copytree(pristine_home, root, symlinks=True)
    bureau = Bureau(root, folder)
    long_notice = _sample("notice", "zh") | {"body": "\n".join([EDGE] + [PLAIN] * 8)}
    made = {}
    for key, name, dept, lang, data in (
        ("zh", "notice", "BGS", "zh", _sample("notice", "zh")),
        ("en", "notice", "BGS", "en", _sample("notice", "en")),
        ("long", "notice", "BGS", "zh", long_notice),
        ("budget", "budget", "JCK", "zh", _sample("budget", "zh")),
        ("approval", "approval", "BGS", "zh", _sample("approval", "zh")),
    ):
        path = folder / f"{key}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        item = bureau.json(
            "generate", name, "--data", path, "--dept", dept, "--lang", lang, "--pdf"
        )
        bureau.ok("get", item["id"], "--out", folder / f"{key}.pdf")
        made[key] = (folder / f"{key}.pdf").read_bytes()
    return made


def _body_lines(pdf: bytes, page: int) -> list[tuple[float, float, float, str]]:
    """(top, left, right, text) of each line of page `page` between the text block's edges."""
    out = []
    grouped: dict[float, list[rendered.Word]] = {}
    for word in rendered.words(pdf):
        if word.page != page:
            continue
        key = next((k for k in grouped if abs(k - word.y1) < 2), word.y1)
        grouped.setdefault(key, []).append(word)
    for top, found in sorted(grouped.items()):
        found.sort(key=lambda w: w.x1)
        out.append((top, found[0].x1, found[-1].x2, "".join(w.text for w in found)))
    return out


def test_chinese_text_is_set_in_the_gb_styles_free_stand_ins_never_a_japanese_face(pdfs):
    names = {row["name"] for row in rendered.fonts(pdfs["zh"])}
    # 仿宋 body, 小标宋 title and mark (the bold Song), 黑体 and 楷体 headings
    assert {"FandolFang-Regular", "FandolSong-Bold", "FandolHei-Regular", "FandolKai-Regular"} <= (
        names
    )
    assert not [n for n in names if "jp" in n.lower() or "kr" in n.lower()]
    assert all(row["emb"] == "yes" for row in rendered.fonts(pdfs["zh"]))


def test_english_text_is_set_in_times_new_romans_metric_twin(pdfs):
    names = {row["name"] for row in rendered.fonts(pdfs["en"])}
    assert "LiberationSerif" in names
    assert not [n for n in names if "DejaVu" in n]


def test_a_full_line_of_chinese_body_text_holds_28_characters(pdfs):
    rendered.render_page(pdfs["long"], 1, 60, keep_as="notice-zh-long-2")
    plain = [line for line in _body_lines(pdfs["long"], 1) if set(line[3]) <= set("教育")]
    full = [text for _, left, _, text in plain if abs(left - LEFT) < 2]
    assert len(full) >= 10
    assert {len(text) for text in full} == {28}


def test_a_page_of_body_text_holds_22_lines(pdfs):
    page_height = rendered.page_height(pdfs["long"], 1)
    block = [line for line in _body_lines(pdfs["long"], 1) if line[0] < page_height - 35 * MM]
    body = [top for top, _, _, text in block if set(text) <= set("教育。")]
    assert len(block) == len(body)  # the page holds nothing but the body
    assert len(body) == 22
    gaps = {round(b - a, 1) for a, b in zip(body, body[1:], strict=False)}
    assert gaps <= {round(LINE_PITCH, 1), round(LINE_PITCH, 1) + 0.1, round(LINE_PITCH, 1) - 0.1}


def test_closing_punctuation_stays_inside_the_text_block(pdfs):
    for page in (0, 1):
        for _, _, right, text in _body_lines(pdfs["long"], page):
            assert right <= RIGHT + 0.5, text


def test_the_red_rule_is_4_mm_under_the_document_number(pdfs):
    dpi = 300
    page = rendered.render_page(pdfs["zh"], 0, dpi, keep_as="notice-zh-1-300dpi")
    pixels = page.load()
    width, height = page.size

    def red_share(y: int) -> float:
        reds = sum(1 for x in range(0, width, 4) if pixels[x, y][0] > 180 and pixels[x, y][1] < 90)
        return reds / (width / 4)

    rule = next(y for y in range(height // 6, height // 2) if red_share(y) > 0.5)
    number_foot = max(
        y for y in range(rule - 300, rule) if any(max(pixels[x, y]) < 100 for x in range(width))
    )
    gap_mm = (rule - number_foot) / dpi * 25.4
    assert 3.7 <= gap_mm <= 4.3


def test_the_issuing_authority_mark_names_the_issuing_department(pdfs):
    lines = [text for _, _, _, text in _body_lines(pdfs["zh"], 0)]
    assert "市教育局办公室文件" in lines


@pytest.mark.parametrize("key", ["zh", "en", "budget", "approval"])
def test_the_signature_never_stands_alone_on_a_page(pdfs, key):
    """GB/T 9704 7.3.5: a paragraph of the text goes over with the issuing organ and date."""
    pdf = pdfs[key]
    last = rendered.words(pdf)[-1].page
    rendered.render_page(pdf, last, 60, keep_as=f"signature-page-{key}")
    organ = "市教育局办公室" if key != "budget" else "市教育局计划财务科（审计科）"
    if key == "en":
        organ = "General Office, City Education Bureau"
    lines = [text for page, _, text in rendered.lines(pdf) if page == last]
    signature = next(i for i, text in enumerate(lines) if text == organ.replace(" ", ""))
    assert signature >= 1, lines  # some text of the document comes before it on its page
