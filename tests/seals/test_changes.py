"""seals.changes: what each revision after a signature changed, kind by kind."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm

from seals.changes import changes_after, revision_changes
from seals.report import TOTAL_PASSED
from seals.sign import sign_pdf
from seals.verify import verify_pdf
from tests.seals import foreign, pdfs


@pytest.fixture(scope="module")
def fpki() -> foreign.ForeignPki:
    return foreign.build_foreign_pki()


@pytest.fixture(scope="module")
def certified(fpki) -> bytes:
    return foreign.sign(
        foreign.blank_pdf(), fpki.signer, fpki.intermediate, certify=MDPPerm.FILL_FORMS
    )


def after_first_signature(pdf: bytes) -> list[dict]:
    reader = PdfFileReader(BytesIO(pdf))
    emb = reader.embedded_signatures[0]
    return [rev.to_json() for rev in changes_after(reader, emb.signed_revision)]


def test_nothing_after_the_signature_means_no_revisions(certified):
    assert after_first_signature(certified) == []


@pytest.mark.parametrize(
    ("change", "kind", "what"),
    [
        (foreign.rewrite_info, "metadata", "document information dictionary (/Author"),
        (foreign.rewrite_xmp, "metadata", "XMP metadata"),
        (foreign.fill_field, "form fields", "field Applicant"),
        (foreign.add_text_annotation, "annotations", "Text annotation on page 1"),
        (foreign.change_page_content, "pages", "page 1 (/Contents)"),
    ],
    ids=["info", "xmp", "form", "annotation", "content"],
)
def test_each_kind_of_change_is_named(certified, change, kind, what):
    [revision] = after_first_signature(change(certified))
    assert revision["revision"] == 2 and kind in revision["kinds"]
    assert any(c["kind"] == kind and c["what"].startswith(what) for c in revision["changes"])


def test_a_metadata_rewrite_says_nothing_but_metadata(certified):
    for change in (foreign.rewrite_info, foreign.rewrite_xmp):
        [revision] = after_first_signature(change(certified))
        assert revision["kinds"] == ["metadata"]


def test_a_later_signature_and_its_validation_data_are_named(fpki, certified):
    second = foreign.sign(certified, fpki.second_signer, fpki.intermediate, field="Second")
    with_crl = foreign.with_crl(second, fpki.crl, fpki.intermediate)
    signature, dss = after_first_signature(with_crl)
    assert "signatures" in signature["kinds"]
    assert any(c["what"] == "signature field Second" for c in signature["changes"])
    assert "validation data" in dss["kinds"] and "pages" not in dss["kinds"]


def test_an_info_rewrite_of_a_bureau_seal_is_shown_in_the_report(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office))
    report = verify_pdf(
        foreign.rewrite_info(sealed),
        name="notice.pdf",
        trust_roots=[],
        bureau_roots=[pki.root.cert],
        current_crls=[pki.current_crl],
    )
    assert report.indication == TOTAL_PASSED
    last = report.signatures[0].changes_after[-1]
    assert last.kinds == ["metadata"] and "/Title" in last.describe()
    assert "document information dictionary" in report.to_text()


def test_a_damaged_revision_is_reported_not_raised(certified):
    reader = PdfFileReader(BytesIO(foreign.rewrite_info(certified)), strict=False)
    assert revision_changes(reader, 99).changes[0].kind == "other"


def test_the_dates_a_later_save_refreshes_in_xmp_are_bookkeeping_not_metadata(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office))
    report = verify_pdf(
        sealed,
        name="notice.pdf",
        trust_roots=[],
        bureau_roots=[pki.root.cert],
        current_crls=[pki.current_crl],
    )
    [dss] = report.signatures[0].changes_after
    assert "metadata" not in dss.kinds and "validation data" in dss.kinds
    assert report.signatures[0].modifications == "validation data and timestamps only"


def test_an_xmp_rewrite_of_a_bureau_seal_names_the_properties_and_the_summary_says_so(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office))
    report = verify_pdf(
        foreign.rewrite_xmp(sealed),
        name="notice.pdf",
        trust_roots=[],
        bureau_roots=[pki.root.cert],
        current_crls=[pki.current_crl],
    )
    last = report.signatures[0].changes_after[-1]
    assert last.kinds == ["metadata"] and "dc:title" in last.describe()
    assert report.signatures[0].modifications == "metadata (allowed by the signature)"
    assert "Changes after: metadata (allowed by the signature)" in report.to_text()
