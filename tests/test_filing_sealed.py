"""Filing sealed PDFs from outside: only a seal that verifies against the home's own root
makes an item sealed, and only the revision that seal covers is believed for metadata.

The PDFs are written by hand (tests.factories), sealed with the home's own seal through
`bureau sign`, and then changed the way another tool would: pypdf incremental updates, a
flipped byte, a signature by a signer from another PKI.
"""

from __future__ import annotations

import json
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.xmp import XmpInformation

from archive.workers import WORTH_IT
from seals.sign import sign_pdf
from tests.factories import make_docx, make_pdf, pdf_bytes
from tests.intake import holdings, last_filing, refused, run
from tests.seals.conftest import build_pki

SEALED_INFO = {
    "Title": "Notice on spring safety inspections",
    "bureau.kind": "notice",
    "bureau.dept": "BGS",
    "bureau.date": "2026-03-04",
    "bureau.doc_no": "CEB-BGS [2026] No. 12",
    "bureau.classification": "internal",
}
SIDECAR = "kind: notice\ndept: BGS\ntitle: Inspections\ndate: 2026-03-04\nretention: D30\n"


@pytest.fixture
def home(bureau, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the stamp-font cache
    return bureau.root


@pytest.fixture
def sealed(home, tmp_path) -> Path:
    """A PDF with bureau metadata, sealed by the home's General Office (BGS)."""
    plain = make_pdf(tmp_path / "plain.pdf", "Spring safety inspections", info=SEALED_INFO)
    out = tmp_path / "sealed.pdf"
    result = run(home, "sign", plain, "--dept", "BGS", "--out", out)
    assert result.code == 0, result.err
    return out


def rewrite_info(pdf: Path, out: Path, **values: str) -> Path:
    """An incremental update that changes only the document information dictionary."""
    writer = PdfWriter(pdf, incremental=True)
    writer.add_metadata({f"/{key.replace('_', '.', 1)}": v for key, v in values.items()})
    with out.open("wb") as stream:
        writer.write(stream)
    return out


def file_json(home: Path, path: Path, *args: str) -> tuple[dict, str]:
    result = run(home, "file", path, *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out), result.err


def test_a_pdf_sealed_by_the_bureau_is_filed_as_sealed_with_its_metadata(home, sealed):
    item, err = file_json(home, sealed)
    assert item["sealed"] is True
    assert (item["doc_no"], item["dept"], item["kind"]) == (
        "CEB-BGS [2026] No. 12",
        "BGS",
        "notice",
    )
    assert err == ""


def test_metadata_rewritten_after_the_seal_is_ignored(home, sealed, tmp_path):
    forged = rewrite_info(
        sealed,
        tmp_path / "forged.pdf",
        bureau_doc_no="CEB-BGS [2026] No. 99",
        bureau_dept="JJK",
        bureau_classification="public",
    )
    item, _ = file_json(home, forged)
    assert item["sealed"] is True
    assert (item["doc_no"], item["dept"], item["classification"]) == (
        "CEB-BGS [2026] No. 12",
        "BGS",
        "internal",
    )


def test_the_ignored_metadata_is_named_in_the_trail_and_on_stderr(home, sealed, tmp_path):
    forged = rewrite_info(sealed, tmp_path / "forged.pdf", bureau_doc_no="No. 99", Title="Fake")
    _, err = file_json(home, forged)
    assert last_filing(home)["ignored_after_seal"] == ["bureau.doc_no", "title"]
    assert "bureau.doc_no, title" in err and "ignored" in err


def set_xmp_title(writer: PdfWriter, title: str) -> None:
    xmp = XmpInformation.create()
    xmp.dc_title = {"x-default": title}
    writer.xmp_metadata = xmp


def test_an_xmp_title_rewritten_after_the_seal_is_ignored(home, tmp_path):
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf_bytes("Hello", {"bureau.kind": "notice"}))))
    set_xmp_title(writer, "Sealed XMP title")  # no /Title: the XMP title is the title
    plain = tmp_path / "plain.pdf"
    writer.write(plain)
    sealed = tmp_path / "sealed.pdf"
    assert run(home, "sign", plain, "--dept", "BGS", "--out", sealed).code == 0
    update = PdfWriter(sealed, incremental=True)
    set_xmp_title(update, "Forged XMP title")
    forged = tmp_path / "forged.pdf"
    update.write(forged)
    item, _ = file_json(home, forged, "--dept", "BGS", "--date", "2026-03-04")
    assert item["title"] == "Sealed XMP title" and item["sealed"] is True
    assert last_filing(home)["ignored_after_seal"] == ["title"]


def test_a_seal_by_a_signer_from_another_pki_is_not_a_bureau_seal(home, tmp_path):
    pki = build_pki(tmp_path)
    plain = make_pdf(tmp_path / "plain.pdf", info=SEALED_INFO).read_bytes()
    foreign = tmp_path / "foreign.pdf"
    foreign.write_bytes(sign_pdf(plain, pki.material(pki.office)))
    item, err = file_json(home, foreign)
    assert item["sealed"] is False
    assert "not a valid bureau seal" in err
    assert last_filing(home)["unsealed_signature"].startswith("INDETERMINATE")


def test_a_broken_seal_is_filed_as_unsealed_and_audit_verify_stays_green(home, sealed, tmp_path):
    data = bytearray(sealed.read_bytes())
    spot = data.index(b"Spring safety inspections") + 3  # inside the signed page content
    data[spot] ^= 0x01
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(data))
    item, err = file_json(home, broken)
    assert item["sealed"] is False and "filed as unsealed" in err
    assert last_filing(home)["unsealed_signature"].startswith("TOTAL_FAILED")
    assert run(home, "audit", "verify").code == 0


def test_require_seal_refuses_a_broken_seal_and_files_nothing(home, sealed, tmp_path):
    data = bytearray(sealed.read_bytes())
    data[data.index(b"Spring safety inspections") + 3] ^= 0x01
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(data))
    before = holdings(home)
    result = refused(home, "file", broken, "--require-seal")
    assert "not sealed by the bureau" in result.err
    assert holdings(home) == before


def test_require_seal_refuses_an_unsealed_pdf(home, tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", info=SEALED_INFO)
    before = holdings(home)
    refused(home, "file", plain, "--require-seal")
    assert holdings(home) == before


def test_require_seal_files_a_pdf_whose_seal_verifies(home, sealed):
    item, _ = file_json(home, sealed, "--require-seal")
    assert item["sealed"] is True


def test_the_inbox_takes_metadata_from_the_sealed_revision(bureau, home, sealed, tmp_path):
    forged = rewrite_info(sealed, tmp_path / "forged.pdf", bureau_doc_no="No. 99")
    shutil.copy(forged, home / "inbox" / "forged.pdf")
    bureau.ok("watch", "--once", "--settle", "0")
    [item] = bureau.json("list")
    assert item["doc_no"] == "CEB-BGS [2026] No. 12" and item["sealed"] is True


def test_the_inbox_honours_require_seal_in_a_sidecar(bureau, home, tmp_path):
    plain = make_pdf(home / "inbox" / "plain.pdf", info=SEALED_INFO)
    (home / "inbox" / "plain.pdf.meta.yaml").write_text("require-seal: true\n")
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("list") == []
    reason = (home / "inbox" / "rejected" / "plain.pdf.reason.txt").read_text()
    assert "not sealed by the bureau" in reason
    assert not plain.exists()


def test_a_sealed_pdf_in_a_batch_screened_by_worker_processes_is_filed_as_sealed(
    bureau, home, sealed, tmp_path
):
    forged = rewrite_info(sealed, tmp_path / "forged.pdf", bureau_doc_no="No. 99")
    shutil.copy(forged, home / "inbox" / "forged.pdf")
    for n in range(WORTH_IT):
        make_docx(home / "inbox" / f"n{n}.docx", text=f"notice {n}")
        (home / "inbox" / f"n{n}.docx.meta.yaml").write_text(SIDECAR)
    bureau.ok("watch", "--once", "--settle", "0")
    listed = bureau.json("list")
    [pdf] = [i for i in listed if i["doc_no"]]
    assert pdf["doc_no"] == "CEB-BGS [2026] No. 12" and pdf["sealed"] is True
    assert len(listed) == WORTH_IT + 1 and not any(i["sealed"] for i in listed if i != pdf)
