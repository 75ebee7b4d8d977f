"""Verification: one test per indication, the report formats, and bad files."""

from __future__ import annotations

import json
import resource
import time
from datetime import timedelta

import pytest
from pyhanko.sign.ades.report import AdESFailure

from seals.report import (
    DISALLOWED_MODIFICATION,
    FORMAT_FAILURE,
    INDETERMINATE,
    NO_SIGNATURE_FOUND,
    TOTAL_FAILED,
    TOTAL_PASSED,
    FileReport,
    UnreadablePdf,
)
from seals.sign import sign_pdf
from seals.verify import verify_pdf
from tests.seals import pdfs
from tests.seals.conftest import DAY, NOW, YEAR, make_timestamper

SIGNATURE_KEYS = {
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


def check(pki, data: bytes, **kw) -> FileReport:
    kw.setdefault("trust_roots", [])
    kw.setdefault("bureau_roots", [pki.root.cert])
    kw.setdefault("current_crls", [pki.current_crl])
    report = verify_pdf(data, name="notice.pdf", **kw)
    json.dumps(report.to_json())  # always serialisable
    assert report.to_text()
    return report


def verdicts(report: FileReport) -> list[tuple[str, str | None]]:
    return [(s.indication, s.subindication) for s in report.signatures]


@pytest.fixture(scope="module")
def sealed(pki) -> bytes:
    return sign_pdf(pdfs.text_pdf(), pki.material(pki.office))


@pytest.fixture(scope="module")
def co_sealed(pki, sealed) -> bytes:
    return sign_pdf(sealed, pki.material(pki.finance, stamp_text="市教育局财务处"))


def test_valid_seal_passes(pki, sealed):
    report = check(pki, sealed)
    assert (report.indication, report.subindication) == (TOTAL_PASSED, None)
    assert report.passed and not report.unreadable and report.exit_code == 0
    data = report.to_json()
    assert set(data) >= {"file", "indication", "subindication", "signatures", "error"}
    (sig,) = data["signatures"]
    assert set(sig) >= SIGNATURE_KEYS
    assert sig["signer"] == "City Education Bureau"
    assert sig["dept"] == "General Office"
    assert sig["serial"] == format(pki.office.cert.serial_number, "x")
    assert sig["intact"] is True and sig["trusted"] is True and sig["revoked"] is False
    assert sig["kind"] == "certification"
    assert sig["timestamp"] is None and sig["signing_time"].endswith("Z")
    assert sig["coverage"].startswith("entire revision")  # the DSS update comes after
    assert sig["modifications"] == "validation data and timestamps only"


def test_byte_flipped_in_signed_range_is_hash_failure(pki, sealed):
    tampered = pdfs.flip_byte(sealed, b"Spring Term")
    report = check(pki, tampered)
    assert verdicts(report) == [(TOTAL_FAILED, "HASH_FAILURE")]
    assert report.signatures[0].intact is False
    assert (report.indication, report.subindication) == (TOTAL_FAILED, "HASH_FAILURE")


@pytest.mark.parametrize(
    ("tamper", "what"),
    [
        (pdfs.add_page_content, "disallowed"),
        (pdfs.add_freetext_annotation, "annotation (FreeText)"),
        (pdfs.swap_page, "disallowed"),
    ],
)
def test_changes_after_signing_fail_although_intact_and_trusted(pki, sealed, tamper, what):
    report = check(pki, tamper(sealed))
    (sig,) = report.signatures
    assert sig.intact and sig.valid and sig.trusted
    assert (sig.indication, sig.subindication) == (TOTAL_FAILED, DISALLOWED_MODIFICATION)
    assert what in sig.modifications and sig.modifications.startswith("disallowed")
    assert report.indication == TOTAL_FAILED


def test_co_issuer_seal_after_certification_both_pass(pki, co_sealed):
    report = check(pki, co_sealed)
    assert verdicts(report) == [(TOTAL_PASSED, None), (TOTAL_PASSED, None)]
    first, second = report.signatures
    assert (first.kind, second.kind) == ("certification", "approval")
    assert first.modifications == "further signatures"
    assert "later revision" in first.coverage
    assert second.dept == "Finance Department"
    assert report.passed


def test_annotation_after_co_issuer_seal_fails_both(pki, co_sealed):
    # the certification's "fill forms and sign" binds the approval signature too
    report = check(pki, pdfs.add_freetext_annotation(co_sealed))
    assert verdicts(report) == [(TOTAL_FAILED, DISALLOWED_MODIFICATION)] * 2


def test_garbled_signature_container_is_format_failure(pki, sealed, co_sealed):
    # overwrite the start of the second seal's CMS blob (outside any signed range)
    at = co_sealed.index(b"/Contents <3082", len(sealed)) + len(b"/Contents <")
    garbled = co_sealed[:at] + b"00" * 8 + co_sealed[at + 16 :]
    report = check(pki, garbled)
    assert [s.field for s in report.signatures] == ["Seal1", "Seal2"]
    assert report.signatures[1].indication == TOTAL_FAILED
    assert report.signatures[1].subindication == "FORMAT_FAILURE"
    assert (report.indication, report.subindication) == (TOTAL_FAILED, "FORMAT_FAILURE")


def test_lookalike_ca_has_no_chain(pki):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.lookalike))
    report = check(pki, sealed)
    (sig,) = report.signatures
    assert (sig.indication, sig.subindication) == (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
    assert (sig.signer, sig.dept) == ("City Education Bureau", "General Office")  # looks alike
    assert sig.trusted is False and sig.intact is True
    assert sig.revoked is None


def test_one_bad_signature_among_two(pki, sealed):
    both = sign_pdf(sealed, pki.material(pki.lookalike))
    report = check(pki, both)
    assert verdicts(report) == [(TOTAL_PASSED, None), (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")]
    assert (report.indication, report.subindication) == (
        INDETERMINATE,
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    assert not report.passed and report.exit_code == 1
    text = report.to_text()
    assert text.count("[1] Seal1") == 1 and text.count("[2] Seal2") == 1


def test_seal_used_after_its_revocation_is_revoked(pki):
    # the signer used a CRL from before the revocation (still inside its validity window)
    old_crl = pki.crl(at=NOW - 31 * DAY, valid_for=60 * DAY)
    material = pki.material(pki.revoked_early, crls=(old_crl,))
    sealed = sign_pdf(pdfs.text_pdf(), material, now=NOW - DAY)
    report = check(pki, sealed)
    (sig,) = report.signatures
    assert (sig.indication, sig.subindication) == (TOTAL_FAILED, "REVOKED")
    assert sig.revoked is True and "REVOKED" in sig.revocation
    assert any("after the revocation" in d for d in sig.details)


def test_seal_revoked_after_signing_without_timestamp_is_indeterminate(pki):
    material = pki.material(pki.revoked_late, crls=(pki.crl(at=NOW - 11 * DAY),))
    sealed = sign_pdf(pdfs.text_pdf(), material, now=NOW - 10 * DAY)
    report = check(pki, sealed)
    (sig,) = report.signatures
    assert (sig.indication, sig.subindication) == (INDETERMINATE, "REVOKED_NO_POE")
    assert sig.revoked is True
    # before the bureau's current CRL is known, the same file passes (the DSS CRL is clean)
    earlier = check(pki, sealed, current_crls=[], at=NOW - 9 * DAY)
    assert earlier.indication == TOTAL_PASSED


def test_seal_revoked_after_a_trusted_timestamp_passes(pki):
    material = pki.material(pki.revoked_late, crls=(pki.crl(at=NOW - 11 * DAY),))
    tsa = make_timestamper(pki, at=NOW - 10 * DAY)
    sealed = sign_pdf(pdfs.text_pdf(), material, now=NOW - 10 * DAY, timestamper=tsa)
    report = check(pki, sealed)
    sig, doc_ts = report.signatures
    assert (sig.indication, sig.subindication) == (TOTAL_PASSED, None)
    assert sig.timestamp == NOW - 10 * DAY
    assert sig.revoked is True and "good when used" in sig.revocation
    assert any("judged as of the timestamp" in d for d in sig.details)
    assert doc_ts.kind == "document timestamp" and doc_ts.indication == TOTAL_PASSED


def test_expired_seal_needs_proof_of_existence(pki):
    signed_at = NOW - 2 * YEAR - 180 * DAY
    material = pki.material(pki.expired, crls=(pki.crl(at=signed_at - DAY, valid_for=30 * DAY),))
    sealed = sign_pdf(pdfs.text_pdf(), material, now=signed_at)
    now = check(pki, sealed)
    assert verdicts(now) == [(INDETERMINATE, "OUT_OF_BOUNDS_NO_POE")]
    back_then = check(pki, sealed, at=signed_at + timedelta(hours=1))
    assert verdicts(back_then) == [(TOTAL_PASSED, None)]


def test_unsigned_pdf(pki):
    report = check(pki, pdfs.text_pdf())
    assert (report.indication, report.signatures, report.error) == (NO_SIGNATURE_FOUND, [], None)
    assert "no signature" in report.to_text()


def test_timestamp_is_reported(pki, timestamper):
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office), timestamper=timestamper)
    report = check(pki, sealed)
    sig, doc_ts = report.signatures
    assert sig.timestamp is not None
    assert sig.to_json()["timestamp"].endswith("Z")
    assert doc_ts.kind == "document timestamp" and doc_ts.signer == "City Education Bureau"
    assert report.passed
    assert "Timestamp:     " + sig.to_json()["timestamp"] in report.to_text()


def test_other_trust_root_is_soft_fail(pki, sealed):
    # the same root, presented as someone else's CA: no revocation source, so not checked
    report = check(pki, sealed, trust_roots=[pki.root.cert], bureau_roots=[], current_crls=[])
    (sig,) = report.signatures
    assert (sig.indication, sig.revoked) == (TOTAL_PASSED, None)
    assert sig.revocation.startswith("not checked")


def test_bureau_seal_without_current_revocation_data_is_try_later(pki):
    # revocation is never optional for the bureau's seals: no CRL at all ...
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office, crls=()))
    report = check(pki, sealed, current_crls=[])
    assert verdicts(report) == [(INDETERMINATE, "TRY_LATER")]
    assert report.signatures[0].revoked is None
    assert check(pki, sealed).passed  # ... until the bureau's current CRL is supplied
    # ... or only an out-of-date one, embedded when the seal was made
    signed_at = NOW - 10 * DAY
    stale = pki.crl(at=signed_at - timedelta(hours=1), valid_for=timedelta(hours=2))
    sealed = sign_pdf(pdfs.text_pdf(), pki.material(pki.office, crls=(stale,)), now=signed_at)
    assert verdicts(check(pki, sealed, current_crls=[])) == [(INDETERMINATE, "TRY_LATER")]
    assert check(pki, sealed, current_crls=[], at=signed_at).passed


def test_word_hybrid_xref_pdf_verifies(pki):
    sealed = sign_pdf(pdfs.word_like_pdf(), pki.material(pki.office))
    assert check(pki, sealed).passed


def test_libreoffice_pdf_verifies(pki, libreoffice_pdf):
    sealed = sign_pdf(libreoffice_pdf, pki.material(pki.office))
    assert check(pki, sealed).passed


@pytest.mark.parametrize(
    "kind", ["garbage", "empty", "truncated", "encrypted", "xref", "bomb", "too-large"]
)
def test_unreadable_files_get_a_per_file_verdict(pki, sealed, kind, request):
    data = {
        "garbage": lambda: b"\x89PNG\r\n\x1a\n not a PDF",
        "empty": lambda: b"",
        "truncated": lambda: pdfs.truncated(sealed),
        "encrypted": lambda: pdfs.encrypted(pdfs.text_pdf()),
        "xref": lambda: pdfs.broken_xref(pdfs.text_pdf()),
        "bomb": lambda: request.getfixturevalue("bomb"),
        "too-large": lambda: sealed,
    }[kind]()
    limit = {"max_bytes": 1000} if kind == "too-large" else {}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    report = check(pki, data, **limit)
    assert time.monotonic() - started < 10
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 300  # the bomb inflates to 320 MiB if nobody stops it
    assert report.unreadable and report.error and "\n" not in report.error
    assert report.exit_code == 2 == UnreadablePdf.exit_code
    assert (report.indication, report.subindication) == (TOTAL_FAILED, "FORMAT_FAILURE")
    assert report.to_json()["error"] == report.error
    assert f"Error: {report.error}" in report.to_text()


def test_the_reports_format_failure_is_pyhankos() -> None:
    assert AdESFailure.FORMAT_FAILURE.name == FORMAT_FAILURE
