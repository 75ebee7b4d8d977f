"""`bureau verify` on PDFs signed elsewhere: pyHanko's own signing API with its defaults (no
document security store), a foreign agency's PKI, blank PDFs from pypdf (see foreign.py).

Each case runs the real command in-process, once for the text report and once with --json,
and checks the ETSI EN 319 102-1 indication and sub-indication. Where the sub-indication is
a judgement, the test also asks pyHanko's own validation (:func:`pyhanko_says`) and names
what it said.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from bureau.cli import main
from tests.seals import foreign
from tests.seals.foreign import ForeignPki

PASSED, FAILED, INDETERMINATE = "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"


@dataclass
class Outcome:
    code: int
    report: dict  # the file's object in the --json array
    text: str
    err: str

    @property
    def verdict(self) -> tuple[str, str | None]:
        return self.report["indication"], self.report["subindication"]

    @property
    def signatures(self) -> list[dict]:
        return self.report["signatures"]


@pytest.fixture(scope="session")
def fpki() -> ForeignPki:
    return foreign.build_foreign_pki()


@pytest.fixture(scope="session")
def blank() -> bytes:
    return foreign.blank_pdf()


@pytest.fixture(scope="session")
def pems(tmp_path_factory: pytest.TempPathFactory, fpki: ForeignPki) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("roots")
    out = {}
    for label, holder in (("root", fpki.root), ("untrusted", fpki.untrusted_root)):
        out[label] = folder / f"{label}.pem"
        out[label].write_bytes(holder.pem)
    return out


@pytest.fixture
def verify(tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Run `bureau [--home H] verify FILE ARGS...` in-process, as text and as --json.
    Without ``home`` the command runs with a --home that does not exist: no data home."""
    monkeypatch.delenv("BUREAU_HOME", raising=False)
    monkeypatch.setenv("BUREAU_USER", "tester")

    def run(pdf: bytes, *args: object, home: Path | None = None) -> Outcome:
        path = tmp_path / "signed.pdf"
        path.write_bytes(pdf)
        base = ["--home", str(home or tmp_path / "no-home"), "verify", str(path), *map(str, args)]
        code = main(base)
        text, err = capsys.readouterr()
        json_code = main([*base, "--json"])
        out, json_err = capsys.readouterr()
        assert json_code == code
        for stream in (err, json_err):
            assert "internal error" not in stream and "Traceback" not in stream
        [report] = json.loads(out)
        assert report["indication"] in text  # the text report says the same
        return Outcome(code, report, text, err)

    return run


def pyhanko_says(pdf: bytes, *roots: foreign.Holder, crls: tuple[bytes, ...] = ()) -> str | None:
    """pyHanko's own verdict on the first signature (its default difference policy, no
    fetching): the name of its AdES sub-indication, ``DISALLOWED`` for a modification its
    difference analysis rejects, or None when it finds nothing wrong."""
    from asn1crypto import crl as asn1_crl

    reader = PdfFileReader(BytesIO(pdf))
    context = ValidationContext(
        trust_roots=[foreign._asn1_cert(r.cert) for r in roots],
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
        allow_fetching=False,
    )
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    if status.docmdp_ok is False or isinstance(status.diff_result, SuspiciousModification):
        return "DISALLOWED"
    if status.trust_problem_indic is not None:
        return status.trust_problem_indic.name
    return None


# -- plain signatures and trust ---------------------------------------------------------------


def test_a_plain_signature_without_a_dss_passes_with_the_signers_root(verify, fpki, blank, pems):
    signed = foreign.sign(blank, fpki.signer, fpki.intermediate)
    outcome = verify(signed, "--trust-root", pems["root"])
    assert outcome.code == 0 and outcome.verdict == (PASSED, None)
    [sig] = outcome.signatures
    assert sig["kind"] == "approval" and sig["signer"] == foreign.AGENCY
    assert sig["intact"] and sig["valid"] and sig["trusted"]
    assert sig["changes_after"] == [] and outcome.report["active_content"] == []
    assert "TOTAL_PASSED" in outcome.text and "Licensing" not in outcome.err


def test_without_its_root_a_foreign_signature_has_no_chain(verify, fpki, blank):
    signed = foreign.sign(blank, fpki.signer, fpki.intermediate)
    outcome = verify(signed)
    assert outcome.code == 1 and outcome.verdict == (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
    assert pyhanko_says(signed) == "NO_CERTIFICATE_CHAIN_FOUND"


def test_a_signer_from_a_ca_nobody_trusts_has_no_chain(verify, fpki, blank, pems):
    signed = foreign.sign(blank, fpki.untrusted_signer, fpki.untrusted_root)
    outcome = verify(signed, "--trust-root", pems["root"])
    assert outcome.verdict == (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
    assert outcome.signatures[0]["trusted"] is False and "not trusted" in outcome.text


def test_an_expired_signer_without_proof_of_existence_is_out_of_bounds(verify, fpki, blank, pems):
    signed = foreign.sign(blank, fpki.expired, fpki.intermediate)
    outcome = verify(signed, "--trust-root", pems["root"])
    # pyHanko: the certificate expired before the validation time, and nothing proves the
    # signature existed while it was valid
    assert pyhanko_says(signed, fpki.root) == "OUT_OF_BOUNDS_NO_POE"
    assert outcome.verdict == (INDETERMINATE, "OUT_OF_BOUNDS_NO_POE")
    assert outcome.code == 1


def test_a_revoked_signer_with_its_crl_embedded_is_revoked(verify, fpki, blank, pems):
    signed = foreign.with_crl(
        foreign.sign(blank, fpki.revoked, fpki.intermediate), fpki.crl, fpki.intermediate
    )
    outcome = verify(signed, "--trust-root", pems["root"])
    # pyHanko alone says REVOKED_NO_POE (revoked, no proof the signature is older than the
    # revocation); the signer's own claimed signing time is after the revocation, which the
    # README counts as proof: TOTAL_FAILED/REVOKED
    assert pyhanko_says(signed, fpki.root, crls=(fpki.crl,)) == "REVOKED_NO_POE"
    assert outcome.verdict == (FAILED, "REVOKED")
    [sig] = outcome.signatures
    assert sig["revoked"] is True and sig["revocation"].startswith("REVOKED")
    assert any("after the revocation" in d for d in sig["details"])


def test_a_revoked_signer_without_its_crl_is_soft_fail_and_says_so(verify, fpki, blank, pems):
    signed = foreign.sign(blank, fpki.revoked, fpki.intermediate)
    outcome = verify(signed, "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None)
    assert outcome.signatures[0]["revocation"].startswith("not checked")
    assert "not checked" in outcome.text


# -- certification levels: an allowed and a disallowed change each ----------------------------

LEVELS = {1: MDPPerm.NO_CHANGES, 2: MDPPerm.FILL_FORMS, 3: MDPPerm.ANNOTATE}


def _timestamped(pdf: bytes, fpki: ForeignPki) -> bytes:
    return foreign.document_timestamp(pdf, foreign.timestamper(fpki.tsa, fpki.root))


@pytest.mark.parametrize(
    ("level", "change", "kind"),
    [
        (1, _timestamped, "signatures"),  # a document timestamp is allowed even at level 1
        (2, lambda pdf, _: foreign.fill_field(pdf), "form fields"),
        (3, lambda pdf, _: foreign.fill_field(pdf), "form fields"),
    ],
    ids=["level-1-document-timestamp", "level-2-form-fill", "level-3-form-fill"],
)
def test_an_allowed_change_after_certification_passes_and_is_listed(
    verify, fpki, blank, pems, level, change, kind
):
    certified = foreign.sign(blank, fpki.signer, fpki.intermediate, certify=LEVELS[level])
    changed = change(certified, fpki)
    outcome = verify(changed, "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None) and outcome.code == 0
    first = outcome.signatures[0]
    assert first["kind"] == "certification"
    [revision] = first["changes_after"]
    assert kind in revision["kinds"]
    assert f"Revision {revision['revision']}:" in outcome.text


@pytest.mark.parametrize(
    ("level", "change"),
    [
        (1, foreign.fill_field),
        (2, foreign.add_text_annotation),
        (2, foreign.change_page_content),
        (3, foreign.change_page_content),
    ],
    ids=["level-1-form-fill", "level-2-annotation", "level-2-page-content", "level-3-content"],
)
def test_a_disallowed_change_after_certification_fails(verify, fpki, blank, pems, level, change):
    certified = foreign.sign(blank, fpki.signer, fpki.intermediate, certify=LEVELS[level])
    changed = change(certified)
    outcome = verify(changed, "--trust-root", pems["root"])
    assert pyhanko_says(changed, fpki.root) == "DISALLOWED"
    assert outcome.verdict == (FAILED, "DISALLOWED_MODIFICATION") and outcome.code == 1
    assert outcome.signatures[0]["changes_after"], "the change itself is listed"


def test_an_annotation_after_level_3_fails_as_pyhanko_judges_it(verify, fpki, blank, pems):
    """ISO 32000 lets a level-3 certification be annotated, but pyHanko's difference analysis
    has no rule that explains a new annotation (its policy is stricter than Acrobat's): it
    rejects the revision, and verify follows pyHanko rather than guess."""
    certified = foreign.sign(blank, fpki.signer, fpki.intermediate, certify=MDPPerm.ANNOTATE)
    changed = foreign.add_text_annotation(certified)
    outcome = verify(changed, "--trust-root", pems["root"])
    assert pyhanko_says(changed, fpki.root) == "DISALLOWED"
    assert outcome.verdict == (FAILED, "DISALLOWED_MODIFICATION")
    [revision] = outcome.signatures[0]["changes_after"]
    assert "annotations" in revision["kinds"]


# -- several signatures, timestamps ----------------------------------------------------------


def test_two_signers_are_both_reported_and_the_file_gets_the_worst(verify, fpki, blank, pems):
    first = foreign.sign(blank, fpki.signer, fpki.intermediate)
    both_trusted = foreign.sign(first, fpki.second_signer, fpki.intermediate, field="Signature2")
    outcome = verify(both_trusted, "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None)
    assert [s["field"] for s in outcome.signatures] == ["Signature1", "Signature2"]
    assert outcome.signatures[0]["changes_after"][0]["kinds"][-1] == "signatures"

    one_untrusted = foreign.sign(
        first, fpki.untrusted_signer, fpki.untrusted_root, field="Signature2"
    )
    outcome = verify(one_untrusted, "--trust-root", pems["root"])
    assert [s["indication"] for s in outcome.signatures] == [PASSED, INDETERMINATE]
    assert outcome.verdict == (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
    assert outcome.text.count("Signature2") >= 1 and outcome.code == 1


def test_a_document_timestamp_from_a_test_tsa_is_verified(verify, fpki, blank, pems):
    signed = foreign.sign(blank, fpki.signer, fpki.intermediate)
    stamped = _timestamped(signed, fpki)
    outcome = verify(stamped, "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None)
    signature, stamp = outcome.signatures
    assert stamp["kind"] == "document timestamp" and stamp["timestamp"]
    assert stamp["trusted"] is True and signature["indication"] == PASSED
    assert "document timestamp" in outcome.text


def test_a_signature_timestamp_is_reported(verify, fpki, blank, pems):
    tsa = foreign.timestamper(fpki.tsa, fpki.root)
    signed = foreign.sign(blank, fpki.signer, fpki.intermediate, tsa=tsa)
    outcome = verify(signed, "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None)
    assert outcome.signatures[0]["timestamp"]


# -- a look-alike of the bureau's own root ----------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, pristine_home: Path) -> Path:
    """A copy of a data home made by `bureau init` (its own root CA)."""
    target = tmp_path / "home"
    shutil.copytree(pristine_home, target, symlinks=True)
    return target


@pytest.fixture
def lookalike(home: Path, tmp_path: Path, capsys, monkeypatch) -> tuple[bytes, Path, Path]:
    """A PDF signed under a CA with exactly the home's root name and another key; the home's
    root exported (as an auditor gets it) and the look-alike's root, as PEM files."""
    monkeypatch.setenv("BUREAU_USER", "tester")
    bureau_root = tmp_path / "bureau-root.pem"
    assert main(["--home", str(home), "seals", "export-root", str(bureau_root)]) == 0
    capsys.readouterr()
    ca, signer = foreign.lookalike_of(bureau_root.read_bytes())
    namesake_root = tmp_path / "namesake-root.pem"
    namesake_root.write_bytes(ca.pem)
    return foreign.sign(foreign.blank_pdf(), signer, ca), bureau_root, namesake_root


def test_a_lookalike_of_the_bureau_root_never_passes_with_or_without_a_home(
    verify, home, lookalike
):
    signed, bureau_root, _ = lookalike
    with_home = verify(signed, home=home)
    without_home = verify(signed, "--trust-root", bureau_root)
    for outcome in (with_home, without_home):
        assert outcome.verdict == (INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
        assert outcome.signatures[0]["trusted"] is False


def test_trusting_a_namesake_root_gives_one_answer_with_or_without_a_home(verify, home, lookalike):
    """An auditor who passes the other CA's own root trusts that key: the verdict depends on
    the keys trusted, never on names, so it is the same with the bureau's home at hand; there
    the report warns that the name is the bureau's and the key is not."""
    signed, _, namesake_root = lookalike
    with_home = verify(signed, "--trust-root", namesake_root, home=home)
    without_home = verify(signed, "--trust-root", namesake_root)
    assert with_home.verdict == without_home.verdict == (PASSED, None)
    assert any("not one of the bureau's seals" in d for d in with_home.signatures[0]["details"])
    assert "not one of the bureau's seals" in with_home.text


# -- what changed after signing, and active content -------------------------------------------


@pytest.mark.parametrize(
    ("rewrite", "what"),
    [(foreign.rewrite_info, "document information dictionary"), (foreign.rewrite_xmp, "XMP")],
    ids=["info", "xmp"],
)
def test_a_metadata_only_update_after_sealing_is_shown(verify, fpki, blank, pems, rewrite, what):
    certified = foreign.sign(blank, fpki.signer, fpki.intermediate, certify=MDPPerm.FILL_FORMS)
    outcome = verify(rewrite(certified), "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None)  # allowed: pyHanko accepts metadata updates
    [revision] = outcome.signatures[0]["changes_after"]
    assert revision["kinds"] == ["metadata"]
    assert what in revision["changes"][0]["what"]
    assert "metadata:" in outcome.text and what in outcome.text


@pytest.mark.parametrize(
    ("kind", "finding"),
    [
        ("javascript", "JavaScript at /Root/Names/JavaScript"),
        ("open-action", "JavaScript at /Root/OpenAction"),
        ("launch", "launch action"),
        ("embedded-file", "embedded file at /Root/Names/EmbeddedFiles"),
        ("file-attachment", "file attachment annotation"),
    ],
)
def test_active_content_in_a_sealed_pdf_is_reported(verify, fpki, pems, kind, finding):
    signed = foreign.sign(foreign.active_pdf(kind), fpki.signer, fpki.intermediate)
    outcome = verify(signed, "--trust-root", pems["root"])
    assert outcome.verdict == (PASSED, None)  # the seal holds; the warning goes beside it
    assert any(finding in line for line in outcome.report["active_content"])
    assert "WARNING: active content" in outcome.text and finding in outcome.text
