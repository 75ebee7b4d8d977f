"""The seal PKI: a root CA, one seal per department, renewal, revocation, import, and the
passphrase that protects every private key. Everything runs on real files in tmp_path."""

from __future__ import annotations

import io
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfWriter

import seals.keystore as keystore_module
from archive import keyfiles
from archive.config import default_config
from archive.errors import BadInput, OperationFailed
from seals.authority import Pki, SealExpired, SealRevoked, create_pki
from seals.keystore import NoPki, PkiExists, WrongPassphrase
from seals.material import SealMaterial

PASS = b"correct horse battery staple"
WRONG = b"not the passphrase"
DEPARTMENTS = [
    (d["code"], d["name"]["en"], d["name"]["zh"])
    for d in default_config(None, "J042", "en")["departments"]
]
DER = serialization.Encoding.DER


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PKI made once per module; each test works on its own copy."""
    keys = tmp_path_factory.mktemp("template") / "keys"
    create_pki(keys, "City Education Bureau", "市教育局", DEPARTMENTS, PASS)
    return keys


@pytest.fixture
def keys(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "keys"
    shutil.copytree(template, copy)
    return copy


@pytest.fixture
def pki(keys: Path) -> Pki:
    return Pki(keys)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- creation -------------------------------------------------------------------------


def test_create_lists_one_active_seal_per_department(pki: Pki) -> None:
    seals = pki.seals()
    assert [s.dept for s in seals] == sorted(code for code, _, _ in DEPARTMENTS)
    assert {s.status for s in seals} == {"active"}
    assert len({s.serial for s in seals}) == len(DEPARTMENTS)
    for info in seals:
        assert info.serial == info.serial.upper() and ":" not in info.serial
        assert f"serialNumber={info.dept}" in info.subject
        assert info.not_after.endswith("Z")
        assert {"dept", "subject", "serial", "not_after", "status"} <= set(info.to_json())


def test_seal_certificates_carry_signing_key_usage_and_chain_to_the_root(pki: Pki) -> None:
    root = pki.root_cert()
    for cert in pki.all_certificates():
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical
        assert usage.value.digital_signature and usage.value.content_commitment
        assert not usage.value.key_cert_sign
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        cert.verify_directly_issued_by(root)
        validity = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert timedelta(days=5 * 365) <= validity <= timedelta(days=5 * 366)


def test_root_is_a_ca_limited_to_issuing_seals(pki: Pki) -> None:
    root = pki.root_cert()
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    orgs = [a.value for a in root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    assert orgs == ["City Education Bureau", "市教育局"]
    assert root.not_valid_after_utc - root.not_valid_before_utc >= timedelta(days=20 * 365)


def test_initial_crl_is_empty_and_signed_by_the_root(pki: Pki) -> None:
    crl = x509.load_der_x509_crl(pki.crl())
    assert len(crl) == 0
    assert crl.is_signature_valid(pki.root_cert().public_key())
    assert pki.revoked_serials() == {}


def test_private_keys_are_encrypted_and_private(keys: Path) -> None:
    key_files = sorted(keys.rglob("*.key.pem"))
    assert len(key_files) == len(DEPARTMENTS) + 1
    for path in key_files:
        assert path.stat().st_mode & 0o777 == 0o600
        data = path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):
            serialization.load_pem_private_key(data, password=None)
        serialization.load_pem_private_key(data, password=PASS)


def test_passphrase_appears_in_no_file(keys: Path) -> None:
    for name, data in snapshot(keys).items():
        assert PASS not in data, name


def test_each_department_gets_a_seal_picture(pki: Pki, keys: Path) -> None:
    for code, _, _ in DEPARTMENTS:
        assert (keys / "seals" / code / "seal.png").read_bytes().startswith(b"\x89PNG")


def test_create_twice_is_refused(keys: Path) -> None:
    before = snapshot(keys)
    with pytest.raises(PkiExists):
        create_pki(keys, "Other", "其他", DEPARTMENTS, PASS)
    assert snapshot(keys) == before


def test_create_refuses_an_empty_passphrase(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        create_pki(tmp_path / "keys", "City Education Bureau", "市教育局", DEPARTMENTS, b"")
    assert not (tmp_path / "keys" / "ca").exists()


def test_opening_a_home_without_pki_says_to_upgrade(tmp_path: Path) -> None:
    with pytest.raises(NoPki, match="run bureau upgrade"):
        Pki(tmp_path)


def test_create_that_cannot_move_into_place_leaves_no_pki(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "seals").write_text("in the way")  # the staging rename will fail
    with pytest.raises(OperationFailed):
        create_pki(keys, "City Education Bureau", "市教育局", DEPARTMENTS, PASS)
    assert sorted(p.name for p in keys.iterdir()) == ["seals"]
    assert (keys / "seals").read_text() == "in the way"
    with pytest.raises(NoPki):
        Pki(keys)


def test_create_failing_at_the_last_rename_removes_what_it_placed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys"
    real_rename = os.rename

    def rename(src, dst):
        if Path(dst).name == "ca":
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(keystore_module.os, "rename", rename)
    with pytest.raises(OperationFailed):
        create_pki(keys, "City Education Bureau", "市教育局", DEPARTMENTS, PASS)
    assert list(keys.iterdir()) == []


def test_create_after_a_kill_between_renames_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys"
    real_rename = os.rename

    def killed(src, dst):
        if Path(dst).name == "ca":
            raise KeyboardInterrupt  # like a kill: nothing of ours gets to clean up
        return real_rename(src, dst)

    monkeypatch.setattr(keystore_module.os, "rename", killed)
    with pytest.raises(KeyboardInterrupt):
        create_pki(keys, "City Education Bureau", "市教育局", DEPARTMENTS, PASS)
    with pytest.raises(NoPki):
        Pki(keys)
    monkeypatch.setattr(keystore_module.os, "rename", real_rename)
    create_pki(keys, "City Education Bureau", "市教育局", DEPARTMENTS, PASS)
    assert len(Pki(keys).seals()) == len(DEPARTMENTS)
    assert sorted(p.name for p in keys.iterdir()) == ["ca", "seals"]


# --- signing material -----------------------------------------------------------------


def test_signing_material_holds_matching_key_chain_crl_and_picture(pki: Pki) -> None:
    material = pki.signing_material("bgs", PASS, "市教育局办公室")
    assert material.dept == "BGS"
    assert material.stamp_text == "市教育局办公室"
    assert material.cert == pki.store.current_cert("BGS")
    assert material.chain == (pki.root_cert(),)
    assert material.crls == (pki.crl(),)
    assert material.image is not None and material.image.name == "seal.png"
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert material.key.public_key().public_bytes(
        DER, spki
    ) == material.cert.public_key().public_bytes(DER, spki)


def test_signing_material_can_seal_a_pdf_that_pyhanko_validates(pki: Pki) -> None:
    material = pki.signing_material("BGS", PASS, "办公室")
    pdf = seal_pdf(material)
    status = validate(pdf, pki.root_cert(), [pki.crl()])
    assert status.bottom_line is True


def test_a_pdf_sealed_before_revocation_fails_with_the_new_crl(pki: Pki) -> None:
    material = pki.signing_material("BGS", PASS, "办公室")
    pdf = seal_pdf(material)
    pki.revoke("BGS", "key_compromise", PASS)
    status = validate(pdf, pki.root_cert(), [pki.crl()])
    assert status.bottom_line is False
    assert status.revoked


def test_unknown_department_is_refused(pki: Pki) -> None:
    with pytest.raises(BadInput, match="no seal for department"):
        pki.signing_material("XYZ", PASS, "")


def test_signing_material_refuses_wrong_passphrase_and_writes_nothing(pki: Pki, keys: Path) -> None:
    before = snapshot(keys)
    with pytest.raises(WrongPassphrase, match="^wrong passphrase$"):
        pki.signing_material("BGS", WRONG, "")
    assert snapshot(keys) == before


def test_signing_material_refuses_an_expired_seal(pki: Pki) -> None:
    info = pki.seals()[0]
    later = datetime.fromisoformat(info.not_after) + timedelta(days=1)
    with pytest.raises(SealExpired, match="expired"):
        pki.signing_material(info.dept, PASS, "", now=later)
    assert pki.seal(info.dept, now=later).status == "expired"


def test_signing_material_refuses_a_seal_not_yet_valid(pki: Pki) -> None:
    info = pki.seals()[0]
    earlier = datetime.fromisoformat(info.not_before) - timedelta(days=1)
    with pytest.raises(SealExpired, match="not valid before"):
        pki.signing_material(info.dept, PASS, "", now=earlier)


def test_signing_material_refuses_a_revoked_seal_left_by_an_interrupted_revoke(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Pki, "_install_bureau_seal", crash)
    with pytest.raises(KeyboardInterrupt):
        pki.revoke("BGS", "key_compromise", PASS)
    monkeypatch.undo()
    assert pki.seal("BGS").status == "revoked"
    with pytest.raises(SealRevoked, match="revoked"):
        pki.signing_material("BGS", PASS, "")
    assert pki.revoke("BGS", "key_compromise", PASS).status == "active"
    pki.signing_material("BGS", PASS, "")


def test_signing_material_reissues_a_crl_past_half_its_life(pki: Pki) -> None:
    first = x509.load_der_x509_crl(pki.crl())
    soon = first.last_update_utc + timedelta(days=10)
    pki.signing_material("BGS", PASS, "", now=soon)
    assert pki.crl() == first.public_bytes(DER)

    later = first.last_update_utc + timedelta(days=16)
    material = pki.signing_material("BGS", PASS, "", now=later)
    fresh = x509.load_der_x509_crl(pki.crl())
    assert material.crls == (pki.crl(),)
    assert fresh.last_update_utc == later
    assert crl_number(fresh) == crl_number(first) + 1
    assert fresh.is_signature_valid(pki.root_cert().public_key())


def test_signing_material_reissues_a_crl_missing_a_revocation(pki: Pki, keys: Path) -> None:
    stale = pki.crl()
    pki.revoke("RSK", "superseded", PASS)
    (keys / "ca" / "crl.der").write_bytes(stale)  # as if killed before the CRL was written
    pki.signing_material("BGS", PASS, "")
    assert len(x509.load_der_x509_crl(pki.crl())) == 1


# --- renewal and revocation -----------------------------------------------------------


def test_renew_gives_a_new_serial_and_keeps_the_old_certificate(pki: Pki, keys: Path) -> None:
    old = pki.seal("JJK")
    new = pki.renew("JJK", PASS)
    assert new.serial != old.serial and new.status == "active"
    serials = {f"{c.serial_number:X}" for c in pki.all_certificates()}
    assert {old.serial, new.serial} <= serials
    assert (keys / "seals" / "JJK" / "history" / f"{old.serial}.pem").is_file()
    assert not (keys / "seals" / "JJK" / f"{old.serial}.key.pem").exists()
    history = {s.serial: s.status for s in pki.seals(history=True) if s.dept == "JJK"}
    assert history == {old.serial: "superseded", new.serial: "active"}


def test_renew_does_not_revoke(pki: Pki) -> None:
    pki.renew("JJK", PASS)
    assert pki.revoked_serials() == {}


def test_renew_with_wrong_passphrase_changes_nothing(pki: Pki, keys: Path) -> None:
    before = snapshot(keys)
    with pytest.raises(WrongPassphrase):
        pki.renew("JJK", WRONG)
    assert snapshot(keys) == before


def test_revoke_lists_the_serial_in_the_crl_with_reason_and_date(pki: Pki) -> None:
    old = pki.seal("RSK")
    when = datetime(2027, 3, 4, 5, 6, 7, tzinfo=UTC)
    pki.revoke("RSK", "key_compromise", PASS, now=when)
    crl = x509.load_der_x509_crl(pki.crl())
    assert crl.is_signature_valid(pki.root_cert().public_key())
    entry = crl.get_revoked_certificate_by_serial_number(int(old.serial, 16))
    assert entry is not None
    assert entry.revocation_date_utc == when
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    assert pki.revoked_serials() == {int(old.serial, 16): (when, "key_compromise")}


def test_revoke_issues_a_new_active_seal(pki: Pki) -> None:
    old = pki.seal("RSK")
    new = pki.revoke("RSK", "affiliation_changed", PASS)
    assert new.serial != old.serial and new.status == "active" and new.current
    history = {s.serial: s for s in pki.seals(history=True) if s.dept == "RSK"}
    assert history[old.serial].status == "revoked"
    assert history[old.serial].revocation_reason == "affiliation_changed"
    pki.signing_material("RSK", PASS, "")


def test_revoke_refuses_an_unknown_reason(pki: Pki, keys: Path) -> None:
    before = snapshot(keys)
    with pytest.raises(BadInput, match="unknown revocation reason"):
        pki.revoke("RSK", "lost it", PASS)
    assert snapshot(keys) == before


def test_revoke_with_wrong_passphrase_changes_nothing(pki: Pki, keys: Path) -> None:
    before = snapshot(keys)
    with pytest.raises(WrongPassphrase):
        pki.revoke("RSK", "superseded", WRONG)
    assert snapshot(keys) == before


# --- importing a seal from a real CA --------------------------------------------------


def test_import_p12_replaces_the_seal_and_keeps_its_chain(pki: Pki, tmp_path: Path) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, cert = make_p12(tmp_path, ca_key, ca_cert, password=b"p12-secret")
    old = pki.seal("BGS")
    info = pki.import_p12("BGS", p12, b"p12-secret", PASS)
    assert info.status == "imported" and info.serial == f"{cert.serial_number:X}"
    material = pki.signing_material("BGS", PASS, "")
    assert material.cert == cert
    assert material.chain == (ca_cert,)
    assert material.crls == ()
    assert old.serial in {f"{c.serial_number:X}" for c in pki.all_certificates()}
    status = validate(seal_pdf(material), ca_cert, [])
    assert status.bottom_line is True


def test_imported_key_is_encrypted_with_the_home_passphrase(
    pki: Pki, keys: Path, tmp_path: Path
) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, cert = make_p12(tmp_path, ca_key, ca_cert, password=b"p12-secret")
    pki.import_p12("BGS", p12, b"p12-secret", PASS)
    key_file = keys / "seals" / "BGS" / f"{cert.serial_number:X}.key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    serialization.load_pem_private_key(key_file.read_bytes(), password=PASS)
    for name, data in snapshot(keys).items():
        assert b"p12-secret" not in data, name


def test_import_p12_refuses_a_certificate_without_seal_key_usage(
    pki: Pki, keys: Path, tmp_path: Path
) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, _ = make_p12(tmp_path, ca_key, ca_cert, password=b"pw", signing_usage=False)
    before = snapshot(keys)
    with pytest.raises(BadInput, match="nonRepudiation"):
        pki.import_p12("BGS", p12, b"pw", PASS)
    assert snapshot(keys) == before


def test_import_p12_refuses_a_wrong_p12_password(pki: Pki, keys: Path, tmp_path: Path) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, _ = make_p12(tmp_path, ca_key, ca_cert, password=b"pw")
    before = snapshot(keys)
    with pytest.raises(BadInput, match="wrong password"):
        pki.import_p12("BGS", p12, b"nope", PASS)
    assert snapshot(keys) == before


def test_import_p12_refuses_a_file_that_is_not_pkcs12(pki: Pki, tmp_path: Path) -> None:
    bogus = tmp_path / "seal.p12"
    bogus.write_bytes(b"%PDF-1.7 not a key store")
    with pytest.raises(BadInput, match="not a PKCS#12 file"):
        pki.import_p12("BGS", bogus, None, PASS)


def test_import_p12_refuses_wrong_home_passphrase(pki: Pki, keys: Path, tmp_path: Path) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, _ = make_p12(tmp_path, ca_key, ca_cert, password=b"pw")
    before = snapshot(keys)
    with pytest.raises(WrongPassphrase):
        pki.import_p12("BGS", p12, b"pw", WRONG)
    assert snapshot(keys) == before


def test_revoke_refuses_an_imported_seal(pki: Pki, tmp_path: Path) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, _ = make_p12(tmp_path, ca_key, ca_cert, password=b"pw")
    pki.import_p12("BGS", p12, b"pw", PASS)
    with pytest.raises(BadInput, match="ask that CA to revoke it"):
        pki.revoke("BGS", "key_compromise", PASS)


def test_renew_replaces_an_imported_seal_with_a_bureau_seal(pki: Pki, tmp_path: Path) -> None:
    ca_key, ca_cert = make_ca("Real Trust Services CA")
    p12, cert = make_p12(tmp_path, ca_key, ca_cert, password=b"pw")
    pki.import_p12("BGS", p12, b"pw", PASS)
    assert pki.renew("BGS", PASS).status == "active"
    assert pki.signing_material("BGS", PASS, "").chain == (pki.root_cert(),)
    assert cert in pki.all_certificates()


# --- the passphrase -------------------------------------------------------------------


def test_change_passphrase_then_only_the_new_one_works(pki: Pki) -> None:
    new = b"a brand new passphrase"
    pki.change_passphrase(PASS, new)
    with pytest.raises(WrongPassphrase):
        pki.signing_material("BGS", PASS, "")
    with pytest.raises(WrongPassphrase):
        pki.renew("BGS", PASS)
    pki.signing_material("BGS", new, "")
    pki.renew("BGS", new)


def test_change_passphrase_with_wrong_old_one_changes_nothing(pki: Pki, keys: Path) -> None:
    before = snapshot(keys)
    with pytest.raises(WrongPassphrase):
        pki.change_passphrase(WRONG, b"whatever")
    assert snapshot(keys) == before


def test_change_passphrase_interrupted_can_be_run_again(
    pki: Pki, keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = b"a brand new passphrase"
    real_write = keyfiles.write
    written: list[Path] = []

    def write(path, data, private=False):
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(path)
        real_write(path, data, private)

    monkeypatch.setattr(keyfiles, "write", write)
    with pytest.raises(KeyboardInterrupt):
        pki.change_passphrase(PASS, new)
    monkeypatch.undo()
    for path in sorted(keys.rglob("*.key.pem")):  # every key opens with one of the two
        data = path.read_bytes()
        try:
            serialization.load_pem_private_key(data, password=PASS)
        except ValueError:
            serialization.load_pem_private_key(data, password=new)
    pki.change_passphrase(PASS, new)
    for path in sorted(keys.rglob("*.key.pem")):
        serialization.load_pem_private_key(path.read_bytes(), password=new)


# --- the root and the department list -------------------------------------------------


def test_export_root_writes_pem_and_refuses_to_overwrite(pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "root.pem"
    pki.export_root(out)
    assert x509.load_pem_x509_certificate(out.read_bytes()) == pki.root_cert()
    out.write_text("something else")
    with pytest.raises(BadInput, match="already exists"):
        pki.export_root(out)
    assert out.read_text() == "something else"
    pki.export_root(out, overwrite=True)
    assert out.read_bytes() == pki.root_pem()


def test_add_department_gives_a_new_department_its_seal(pki: Pki, keys: Path) -> None:
    info = pki.add_department("XXK", "Information Section", "信息科", PASS)
    assert info.status == "active" and "XXK" in pki.departments()
    assert (keys / "seals" / "XXK" / "seal.png").is_file()
    dept = json.loads((keys / "seals" / "XXK" / "dept.json").read_text())
    assert dept == {"code": "XXK", "name_en": "Information Section", "name_zh": "信息科"}
    with pytest.raises(BadInput, match="already has a seal"):
        pki.add_department("XXK", "Information Section", "信息科", PASS)


# --- helpers --------------------------------------------------------------------------


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(DER))


def seal_pdf(material: SealMaterial) -> bytes:
    """Sign a one-page PDF with `material`, converting keys to asn1crypto in memory."""
    key = asn1_keys.PrivateKeyInfo.load(
        material.key.private_bytes(
            DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=as_asn1(material.cert),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([as_asn1(c) for c in material.chain]),
    )
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    blank = io.BytesIO()
    writer.write(blank)
    blank.seek(0)
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(blank), signers.PdfSignatureMetadata(field_name="Seal"), signer
    )
    return out.getvalue()


def validate(pdf: bytes, root: x509.Certificate, crls: list[bytes]):
    context = ValidationContext(trust_roots=[as_asn1(root)], crls=crls, allow_fetching=False)
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(signature, context)


def make_ca(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(key_usage(cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_p12(
    folder: Path,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    *,
    password: bytes,
    signing_usage: bool = True,
) -> tuple[Path, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "City Education Bureau"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "General Office"),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            key_usage(signing=signing_usage, key_encipherment=not signing_usage), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    path = folder / "seal.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, cert, [ca_cert], serialization.BestAvailableEncryption(password)
        )
    )
    return path, cert


def key_usage(
    *, signing: bool = False, cert_sign: bool = False, key_encipherment: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
