"""Joint issue (联合行文, GB/T 9704 7.2.4 and 7.3.5.2): `generate --co-issuer DEPT` names every
organ in the header mark and the signature block, the issuer first; each department's seal,
when it seals, sits over its own name, the seals side by side and not touching."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests import rendered
from tests.conftest import Bureau

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NOTICE_ZH = TEMPLATES / "notice" / "sample.zh.yaml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraphs(path: Path) -> list[str]:
    """Every paragraph's text in the DOCX body, nested tables (the joint mark) included."""
    body = docx.Document(str(path)).element.body
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p")]


def _joint(bureau: Bureau, *extra: object) -> dict:
    return bureau.json(
        "generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--lang", "zh",
        "--co-issuer", "JJK", *extra,
    )  # fmt: skip


def test_the_header_mark_names_each_organ_issuer_first_then_文件(bureau: Bureau, tmp_path):
    item = _joint(bureau)
    bureau.ok("get", item["id"], "--rendition", "docx", "--out", tmp_path / "joint.docx")
    text = _paragraphs(tmp_path / "joint.docx")
    mark = text.index("市教育局办公室")
    assert text[mark + 1] == "市教育局基础教育科" and text[mark + 2] == "文件"


def test_the_signature_block_names_every_organ_in_order(bureau: Bureau, tmp_path):
    item = _joint(bureau)
    bureau.ok("get", item["id"], "--rendition", "docx", "--out", tmp_path / "joint.docx")
    text = [t.strip() for t in _paragraphs(tmp_path / "joint.docx")]
    assert "市教育局办公室市教育局基础教育科" in text  # one line, a tab between


def test_each_departments_seal_sits_over_its_own_name_without_touching(bureau, tmp_path):
    item = _joint(bureau, "--pdf", "--sign")
    second = bureau.json("sign", item["doc_no"], "--dept", "JJK")
    bureau.ok("get", second["id"], "--out", tmp_path / "joint.pdf")
    pdf = (tmp_path / "joint.pdf").read_bytes()
    office, section = rendered.seal_boxes(pdf)
    rendered.render_page(pdf, office.page, 60, keep_as="joint-zh-2")
    height = rendered.page_height(pdf, office.page)
    words = [w for w in rendered.words(pdf) if w.page == office.page]
    for seal, organ in ((office, "市教育局办公室"), (section, "市教育局基础教育科")):
        middle = height - seal.centre[1]  # poppler measures from the top
        name = min((w for w in words if w.text == organ), key=lambda w: abs(w.y1 - middle))
        assert name.x1 < seal.centre[0] < name.x2, organ
        assert abs(name.y1 - middle) < 40, organ
    assert office.x2 < section.x1  # the issuer's first, on the left; they do not touch
    [report] = bureau.json("verify", tmp_path / "joint.pdf")
    assert [s["indication"] for s in report["signatures"]] == ["TOTAL_PASSED", "TOTAL_PASSED"]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--co-issuer", "BGS"), "issues a document once"),
        (("--co-issuer", "JJK", "--co-issuer", "jjk"), "issues a document once"),
        (("--co-issuer", "XYZ"), "unknown department"),
    ],
)
def test_a_bad_co_issuer_is_refused(bureau: Bureau, extra, says):
    result = bureau.fails(
        2, "generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--lang", "zh", *extra
    )
    assert says in result.err
    assert bureau.json("list") == []


def test_a_template_without_a_joint_signature_block_cannot_be_issued_jointly(bureau: Bureau):
    data = TEMPLATES / "certificate-graduation" / "sample.zh.yaml"
    result = bureau.fails(
        2, "generate", "certificate-graduation", "--data", data, "--dept", "ZCK",
        "--lang", "zh", "--co-issuer", "JJK",
    )  # fmt: skip
    assert "cannot be issued jointly" in result.err
