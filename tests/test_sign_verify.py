"""Seals end to end: generate --sign, bureau sign, bureau verify, and audit verify."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from seals.stamp import organ_seal
from tests import rendered
from tests.conftest import Bureau

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
NOTICE_ZH = TEMPLATES / "notice" / "sample.zh.yaml"


@pytest.fixture(scope="module")
def generated_and_sealed(
    tmp_path_factory: pytest.TempPathFactory, pristine_home: Path
) -> tuple[Path, dict]:
    """A home in which `generate --pdf --sign` made a sealed notice, once per module (the
    LibreOffice conversion takes seconds); every test using it works on a copy of its own."""
    folder = tmp_path_factory.mktemp("sealed")
    root = folder / "home"
    shutil.copytree(pristine_home, root, symlinks=True)
    item = Bureau(root, folder).json(
        "generate",
        "notice",
        "--data",
        NOTICE_ZH,
        "--dept",
        "BGS",
        "--lang",
        "zh",
        "--pdf",
        "--sign",
    )
    return root, item


@pytest.fixture
def sealed(bureau: Bureau, generated_and_sealed: tuple[Path, dict], tmp_path) -> tuple[dict, Path]:
    """The test's home is a copy of that home; the sealed PDF is taken out with `get`."""
    root, item = generated_and_sealed
    shutil.rmtree(bureau.root)
    shutil.copytree(root, bureau.root, symlinks=True)
    out = tmp_path / "sealed.pdf"
    bureau.ok("get", item["id"], "--out", out)
    return item, out


def test_generate_sign_files_the_sealed_pdf_as_the_official_rendition(bureau, sealed):
    item, out = sealed
    assert item["sealed"] is True and item["renditions"] == ["pdf", "docx"]
    [report] = bureau.json("verify", out)
    assert report["indication"] == "TOTAL_PASSED"
    [signature] = report["signatures"]
    assert signature["dept"] and "General Office" in signature["dept"]
    assert signature["intact"] is True and signature["trusted"] is True
    assert signature["revoked"] is False
    keys = {
        "signer",
        "dept",
        "serial",
        "signing_time",
        "timestamp",
        "indication",
        "subindication",
        "intact",
        "trusted",
        "revoked",
        "coverage",
        "modifications",
    }
    assert keys <= set(signature)


def test_the_text_report_is_readable_and_exit_0(bureau: Bureau, sealed):
    result = bureau.ok("verify", sealed[1])
    assert "TOTAL_PASSED" in result.out and "Signer" in result.out


def test_sign_needs_pdf(bureau: Bureau):
    result = bureau.fails(2, "generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--sign")
    assert "--pdf" in result.err


def test_sealing_a_filed_item_files_a_new_version(bureau: Bureau, tmp_path):
    item = bureau.json(
        "generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--lang", "zh", "--pdf"
    )
    assert item["sealed"] is False
    version = bureau.json("sign", item["doc_no"], "--dept", "BGS")
    assert version["supersedes"] == item["id"] and version["sealed"] is True
    assert version["doc_no"] == item["doc_no"]
    assert bureau.json("show", item["id"])["status"] == "superseded"
    assert bureau.json("show", item["doc_no"])["id"] == version["id"]
    bureau.ok("get", version["id"], "--out", tmp_path / "v.pdf")
    assert bureau.json("verify", tmp_path / "v.pdf")[0]["indication"] == "TOTAL_PASSED"


def test_a_co_issuing_departments_second_seal_keeps_both_valid(bureau: Bureau, sealed, tmp_path):
    item, _ = sealed
    second = bureau.json("sign", item["id"], "--dept", "JJK")
    bureau.ok("get", second["id"], "--out", tmp_path / "two.pdf")
    [report] = bureau.json("verify", tmp_path / "two.pdf")
    assert len(report["signatures"]) == 2
    assert [s["indication"] for s in report["signatures"]] == ["TOTAL_PASSED", "TOTAL_PASSED"]


def test_sign_a_pdf_file_into_out(bureau: Bureau, tmp_path):
    item = bureau.json(
        "generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--lang", "zh", "--pdf"
    )
    plain = tmp_path / "plain.pdf"
    bureau.ok("get", item["id"], "--out", plain)
    bureau.ok("sign", plain, "--dept", "BGS", "--out", tmp_path / "out.pdf")
    assert bureau.json("verify", tmp_path / "out.pdf")[0]["indication"] == "TOTAL_PASSED"
    bureau.fails(2, "sign", plain, "--dept", "BGS", "--out", tmp_path / "out.pdf")


def test_an_unsigned_pdf_is_no_signature_found(bureau: Bureau, tmp_path):
    item = bureau.json("generate", "notice", "--data", NOTICE_ZH, "--dept", "BGS", "--pdf")
    bureau.ok("get", item["id"], "--out", tmp_path / "plain.pdf")
    result = bureau("verify", tmp_path / "plain.pdf", "--json")
    assert result.code == 1 and result.json()[0]["indication"] == "NO_SIGNATURE_FOUND"


def test_a_byte_changed_after_sealing_fails(bureau: Bureau, sealed, tmp_path):
    _, out = sealed
    data = bytearray(out.read_bytes())
    spot = data.find(b"stream") + 40
    data[spot] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = bureau("verify", tampered, "--json")
    assert result.code == 1 and result.json()[0]["indication"] == "TOTAL_FAILED"


def test_an_unreadable_file_is_exit_2_and_the_others_are_still_reported(bureau, sealed, tmp_path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    result = bureau("verify", sealed[1], junk, "--json")
    assert result.code == 2 and "Traceback" not in result.err
    reports = result.json()
    assert [r["indication"] for r in reports][0] == "TOTAL_PASSED"
    assert reports[1]["error"]


def test_a_seal_revoked_after_signing_no_longer_passes(bureau: Bureau, sealed):
    item, out = sealed
    bureau.ok("seals", "revoke", "BGS", "--reason", "key_compromise")
    result = bureau("verify", out, "--json")
    assert result.code == 1
    report = result.json()[0]
    assert report["indication"] != "TOTAL_PASSED"
    assert report["signatures"][0]["revoked"] is True
    verify = bureau("audit", "verify", "--json")
    assert verify.code == 1
    assert [p["kind"] for p in verify.json()["problems"]] == ["seal_invalid"]


def test_the_exported_root_lets_an_auditor_verify_without_the_data_home(bureau, sealed, tmp_path):
    root = tmp_path / "root.pem"
    bureau.ok("seals", "export-root", root)
    elsewhere = Bureau(tmp_path / "no-home", tmp_path)
    result = elsewhere("verify", sealed[1], "--trust-root", root, "--json")
    assert result.code == 0, result.out
    assert elsewhere("verify", sealed[1], "--json").json()[0]["indication"] == "INDETERMINATE"


def test_verify_at_a_past_moment_and_a_malformed_moment(bureau: Bureau, sealed):
    assert bureau("verify", sealed[1], "--at", "yesterday").code == 2
    past = bureau("verify", sealed[1], "--at", "2020-01-01T00:00:00", "--json")
    assert past.code == 1 and past.json()[0]["indication"] == "INDETERMINATE"


def test_audit_verify_reverifies_sealed_items(bureau: Bureau, sealed):
    assert bureau.json("audit", "verify")["ok"] is True


def test_a_pdf_signed_elsewhere_without_a_dss_verifies_instead_of_an_internal_error(
    bureau: Bureau, tmp_path
):
    from tests.seals import foreign

    agency = foreign.build_foreign_pki()
    signed = tmp_path / "licence.pdf"
    signed.write_bytes(foreign.sign(foreign.blank_pdf(), agency.signer, agency.intermediate))
    root = tmp_path / "agency-root.pem"
    root.write_bytes(agency.root.pem)
    result = bureau("verify", signed, "--trust-root", root)
    assert result.code == 0, result.err
    assert "internal error" not in result.err and "TOTAL_PASSED" in result.out
    untrusted = bureau.fails(1, "verify", signed, "--json")
    assert untrusted.json()[0]["subindication"] == "NO_CERTIFICATE_CHAIN_FOUND"


def test_the_report_lists_what_changed_after_a_seal_and_any_active_content(bureau: Bureau, sealed):
    [report] = bureau.json("verify", sealed[1])
    assert report["active_content"] == []
    [signature] = report["signatures"]
    # the seal's own revision is followed by the one embedding its chain and CRL (B-LT)
    assert [r["revision"] for r in signature["changes_after"]] == [2]
    assert "validation data" in signature["changes_after"][0]["kinds"]
    assert "Revision 2:" in bureau.ok("verify", sealed[1]).out


def test_the_text_under_a_seal_stays_dark(sealed):
    """The seal is multiplied onto the page like ink: the organ's name and the date under
    it stay black (an opaque picture would turn them red, or hide them)."""
    _, out = sealed
    pdf = out.read_bytes()
    [seal] = rendered.seal_boxes(pdf)
    height = rendered.page_height(pdf, seal.page)
    before = rendered.render_page(rendered.first_revision(pdf), seal.page, 100)
    after = rendered.render_page(pdf, seal.page, 100, keep_as="sealed-notice-zh")
    crop = seal.pixels(after, height, 100)
    text = [
        i for i, (r, g, b) in enumerate(before.crop(crop).get_flattened_data()) if max(r, g, b) < 80
    ]
    assert len(text) > 200  # the organ's name and the date are under the seal
    sealed_pixels = list(after.crop(crop).get_flattened_data())
    still_dark = [i for i in text if sealed_pixels[i][0] < 100]
    assert len(still_dark) >= 0.98 * len(text)
    red = [p for p in sealed_pixels if p[0] > 180 and p[1] < 80]
    assert len(red) > 500  # and the seal is there, red


def test_the_seal_ring_reads_the_issuing_organs_full_name(sealed):
    """The seal's picture is the one drawn for the organ as the document signs it
    (Config.organ: 市教育局办公室), with no second line of stamp text across it."""
    _, out = sealed
    reader = PdfReader(out)
    widget = next(
        a.get_object() for a in reader.pages[-1]["/Annots"] if a.get_object().get("/FT") == "/Sig"
    )
    images, fonts, todo = [], [], [widget["/AP"]["/N"].get_object()]
    while todo:
        form = todo.pop()
        resources = form.get("/Resources", {})
        fonts.extend(resources.get("/Font", {}).values())
        for x in resources.get("/XObject", {}).values():
            x = x.get_object()
            (images if x.get("/Subtype") == "/Image" else todo).append(x)
    [image] = images
    assert fonts == []
    drawn = Image.open(organ_seal("市教育局办公室")).getchannel("A")
    assert image["/SMask"].get_object().get_data() == drawn.tobytes()


TEACHER_ZH = TEMPLATES / "certificate-teacher-qualification" / "sample.zh.yaml"


def test_generate_sign_says_sealed_only_of_an_item_whose_pdf_carries_the_seal(bureau: Bureau):
    args = ("generate", "certificate-teacher-qualification", "--data", TEACHER_ZH)
    args += ("--dept", "JXX", "--lang", "zh", "--pdf")
    plain = bureau.ok(*args)
    assert "sealed" not in plain.out
    # the same certificate again, sealed this time: its DOCX is the one already filed
    result = bureau.fails(2, *args, "--sign")
    assert "already filed unsealed as" in result.err and "bureau sign" in result.err
    assert len(bureau.json("list")) == 1


def test_generate_sign_reports_the_seal_it_filed(bureau: Bureau):
    result = bureau.ok(
        "generate", "certificate-teacher-qualification", "--data", TEACHER_ZH, "--dept", "JXX",
        "--lang", "zh", "--pdf", "--sign",
    )  # fmt: skip
    assert result.out.strip().endswith("sealed by JXX")
    [item] = bureau.json("list")
    assert bureau.json("show", item["id"])["sealed"] is True
