"""Sealing: PAdES profile, certification then approval, the visible seal, placement, refusals."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import DocumentSecurityStore

from archive.errors import BadInput
from seals.placement import SEAL_SIZE, SealBox, find_seal_box
from seals.sign import BadPdf, SealUnusable, check_seal_usable, sign_pdf
from tests.seals import pdfs
from tests.seals.conftest import DAY, NOW, YEAR


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf), strict=False)


def _widget(reader: PdfFileReader, field_name: str):
    for sig in reader.embedded_signatures:
        if sig.field_name == field_name:
            return sig.sig_field
    raise AssertionError(field_name)


def test_first_seal_certifies_pades_b_lt(pki):
    pdf = pdfs.text_pdf()
    sealed = sign_pdf(pdf, pki.material(pki.office), reason="Issued")
    reader = _reader(sealed)
    (sig,) = reader.embedded_signatures
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.md_algorithm == "sha256"
    assert sig.docmdp_level == MDPPerm.FILL_FORMS
    assert reader.root["/Perms"]["/DocMDP"]["/Reason"] == "Issued"
    assert sig.signer_cert.serial_number == pki.office.cert.serial_number
    dss = DocumentSecurityStore.read_dss(reader)  # B-LT: chain and CRL in the DSS
    assert len(dss.crls) == 1
    assert {c.serial_number for c in dss.load_certs()} >= {pki.root.cert.serial_number}
    assert sealed.startswith(pdf)  # an incremental update; the original bytes are untouched


def test_second_seal_is_an_incremental_approval(pki):
    first = sign_pdf(pdfs.text_pdf(), pki.material(pki.office))
    second = sign_pdf(first, pki.material(pki.finance, stamp_text="市教育局财务处"))
    assert second.startswith(first)
    sigs = _reader(second).embedded_signatures
    assert [s.field_name for s in sigs] == ["Seal1", "Seal2"]
    assert sigs[0].docmdp_level == MDPPerm.FILL_FORMS
    assert sigs[1].docmdp_level is None  # approval
    with pytest.raises(BadPdf, match="already signed"):
        sign_pdf(first, pki.material(pki.finance), certify=True)


def test_visible_seal_on_last_page_at_placement(pki):
    pdf = pdfs.text_pdf([pdfs.NOTICE_LINES[:2], pdfs.NOTICE_LINES])
    box = SealBox(1, 400, 250, 519, 369)
    sealed = sign_pdf(pdf, pki.material(pki.office), placement=box)
    reader = _reader(sealed)
    widget = _widget(reader, "Seal1")
    assert [round(float(v)) for v in widget["/Rect"]] == [400, 250, 519, 369]
    last_page = reader.root["/Pages"]["/Kids"][1].get_object()
    assert any(a.get_object() is widget or a.get_object() == widget for a in last_page["/Annots"])


def _appearance_fonts(widget) -> list:
    """The fonts used by the widget's normal appearance, following nested form XObjects."""
    found, todo = [], [widget["/AP"]["/N"]]
    while todo:
        xobj = todo.pop()
        resources = xobj.get("/Resources", {})
        found.extend(f.get_object() for f in resources.get("/Font", {}).values())
        todo.extend(
            x.get_object()
            for x in resources.get("/XObject", {}).values()
            if x.get_object().get("/Subtype") == "/Form"
        )
    return found


def _images(widget) -> list:
    found, todo = [], [widget["/AP"]["/N"]]
    while todo:
        xobj = todo.pop()
        for x in xobj.get("/Resources", {}).get("/XObject", {}).values():
            x = x.get_object()
            (found if x.get("/Subtype") == "/Image" else todo).append(x)
    return found


def test_chinese_stamp_text_uses_an_embedded_cjk_font(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office, stamp_text="市教育局办公室"))
    widget = _widget(_reader(sealed), "Seal1")
    (font,) = _appearance_fonts(widget)
    assert font["/Subtype"] == "/Type0"
    assert "NotoSerifCJK" in str(font["/BaseFont"])
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"]
    assert "/FontFile3" in descriptor or "/FontFile2" in descriptor  # embedded (a subset)
    cmap = font["/ToUnicode"].data.decode("latin-1")
    codes = {int(h, 16) for h in re.findall(r"<([0-9A-Fa-f]{4})>\s*$", cmap, re.M)}
    assert {ord(ch) for ch in "市教育局办公室"} <= codes
    (image,) = _images(widget)
    assert "/SMask" in image  # the seal PNG keeps its transparent background


def test_stamp_text_the_font_cannot_show_is_refused(pki):
    with pytest.raises(SealUnusable, match="lacks: 😀"):
        sign_pdf(pdfs.text_pdf(), pki.material(pki.office, stamp_text="办公室 😀"))


def test_seal_without_text_is_picture_only(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office, stamp_text=""))
    widget = _widget(_reader(sealed), "Seal1")
    assert len(_images(widget)) == 1 and _appearance_fonts(widget) == []
    with pytest.raises(SealUnusable, match="neither a picture nor a text"):
        sign_pdf(pdfs.text_pdf(), pki.material(pki.office, stamp_text=" ", image=False))


def test_seal_without_picture_is_text_only(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office, image=False))
    widget = _widget(_reader(sealed), "Seal1")
    assert _images(widget) == []
    assert len(_appearance_fonts(widget)) == 1


def test_libreoffice_pdf_seal_over_organ_and_date(pki, libreoffice_pdf):
    box = find_seal_box(libreoffice_pdf, ["市教育局办公室", "2026年11月27日"])
    fallback = find_seal_box(libreoffice_pdf, ["not on the page"])
    assert box is not None and fallback is not None
    assert box.page == 0
    assert box.width == pytest.approx(SEAL_SIZE) == pytest.approx(42 * 72 / 25.4)
    assert box != fallback
    sealed = sign_pdf(libreoffice_pdf, pki.material(pki.office), placement=box)
    second = sign_pdf(sealed, pki.material(pki.finance, stamp_text="市教育局财务处"))
    reader = _reader(second)
    first_rect = [float(v) for v in _widget(reader, "Seal1")["/Rect"]]
    second_rect = [float(v) for v in _widget(reader, "Seal2")["/Rect"]]
    assert second_rect[2] <= first_rect[0]  # the co-issuer's seal goes beside, not on top


def test_placement_centres_on_organ_and_date_slightly_up():
    pdf = pdfs.text_pdf()  # "City Education Bureau" at y=300, "27 November 2026" at y=280
    box = find_seal_box(pdf, ["City Education Bureau", "27 November 2026"])
    assert box is not None and box.page == 0
    centre_y = (box.y1 + box.y2) / 2
    assert box.y1 < 280 and box.y2 > 312  # covers both lines
    assert 296 < centre_y < 330  # centred on them, nudged up
    assert box.x1 < 390 < 495 < box.x2
    date_only = find_seal_box(pdf, ["27November2026"])  # whitespace is ignored
    assert date_only is not None and date_only.y1 < 280 < date_only.y2


def test_placement_fallbacks():
    text = pdfs.text_pdf()
    box = find_seal_box(text, ["市教育局"])
    assert box is not None
    assert box.x2 == pytest.approx(520.8, abs=1)  # right edge of the text
    assert box.y1 == pytest.approx(280, abs=1)  # lowest line
    empty = pdfs.text_pdf([[]])
    box = find_seal_box(empty, ["anything"])
    assert box is not None
    assert box.x2 == pytest.approx(595.28 - 26 * 72 / 25.4, abs=0.5)
    assert find_seal_box(b"not a pdf", ["x"]) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.floats(min_value=0, max_value=560),
    y=st.floats(min_value=0, max_value=820),
    text=st.sampled_from(["City Education Bureau", "27 November 2026", "Office"]),
)
def test_placement_stays_on_the_page_and_over_the_anchor(x, y, text):
    pdf = pdfs.text_pdf([[(x, y, text)]])
    box = find_seal_box(pdf, [text])
    assert box is not None
    assert 0 <= box.x1 < box.x2 <= 595.28 + 1e-6
    assert 0 <= box.y1 < box.y2 <= 841.89 + 1e-6
    assert box.width == pytest.approx(SEAL_SIZE)
    assert box.y1 <= y <= box.y2  # the anchor's baseline is under the seal
    assert box.x1 <= x + 20 and box.x2 >= x  # and so is the start of its line


def test_word_hybrid_xref_pdf_signs(pki):
    pdf = pdfs.word_like_pdf()
    assert _reader(pdf).xrefs.hybrid_xrefs_present
    sealed = sign_pdf(pdf, pki.material(pki.office))
    assert len(_reader(sealed).embedded_signatures) == 1
    stream_pdf = pdfs.word_like_pdf(xref="stream")
    assert len(_reader(sign_pdf(stream_pdf, pki.material(pki.office))).embedded_signatures) == 1


def test_timestamped_seal_is_b_lta(pki, timestamper):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office), timestamper=timestamper)
    sigs = _reader(sealed).embedded_signatures
    assert [s.sig_object_type for s in sigs] == ["/Sig", "/DocTimeStamp"]
    unsigned = sigs[0].signer_info["unsigned_attrs"]
    assert any(a["type"].native == "signature_time_stamp_token" for a in unsigned)


@pytest.mark.parametrize(
    ("who", "now", "message"),
    [
        ("revoked_early", NOW, "revoked on"),
        ("revoked_late", NOW, "revoked on"),
        ("expired", NOW, "expired on"),
        ("office", NOW - 2 * YEAR, "not valid until"),
    ],
)
def test_unusable_seal_is_refused_before_writing(pki, who, now, message):
    material = pki.material(getattr(pki, who))
    with pytest.raises(SealUnusable, match=message) as caught:
        sign_pdf(pdfs.text_pdf(), material, now=now)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


def test_revocation_in_the_future_of_now_does_not_block(pki):
    # signing before the revocation date with today's CRL is allowed: the seal was good then
    material = pki.material(pki.revoked_late)
    check_seal_usable(material, NOW - 10 * DAY)
    sealed = sign_pdf(pdfs.text_pdf(), material, now=NOW - 10 * DAY)
    assert len(_reader(sealed).embedded_signatures) == 1


def test_mismatched_key_is_refused(pki):
    material = pki.material(pki.office)
    wrong = type(material)(**{**material.__dict__, "key": pki.finance.key})
    with pytest.raises(SealUnusable, match="does not match"):
        sign_pdf(pdfs.text_pdf(), wrong)


def test_placement_outside_the_document_is_bad_input(pki):
    with pytest.raises(BadInput, match="page 5"):
        sign_pdf(pdfs.text_pdf(), pki.material(pki.office), placement=SealBox(4, 0, 0, 100, 100))


@pytest.mark.parametrize("kind", ["garbage", "empty", "truncated", "encrypted", "xref", "bomb"])
def test_bad_pdf_is_refused_with_one_line(pki, kind, request):
    good = pdfs.text_pdf()
    data = {
        "garbage": lambda: b"PK\x03\x04 this is a zip, not a PDF",
        "empty": lambda: b"",
        "truncated": lambda: pdfs.truncated(good),
        "encrypted": lambda: pdfs.encrypted(good),
        "xref": lambda: pdfs.broken_xref(good),
        "bomb": lambda: request.getfixturevalue("bomb"),
    }[kind]()
    started = time.monotonic()
    with pytest.raises(BadPdf) as caught:
        sign_pdf(data, pki.material(pki.office))
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert message and "\n" not in message and "Traceback" not in message
    assert caught.value.exit_code == 2


def test_naive_now_is_utc(pki):
    sealed = sign_pdf(
        pdfs.text_pdf(),
        pki.material(pki.office),
        now=(NOW - timedelta(hours=1)).replace(tzinfo=None),
    )
    (sig,) = _reader(sealed).embedded_signatures
    assert sig.self_reported_timestamp == NOW - timedelta(hours=1)
