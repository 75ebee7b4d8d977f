"""`bureau seals`: the departments' seal certificates, as an administrator manages them."""

from __future__ import annotations

import datetime as dt
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

from tests.conftest import Bureau


def serial_of(bureau: Bureau, dept: str) -> str:
    return next(s["serial"] for s in bureau.json("seals", "list") if s["dept"] == dept)


def test_seals_list_has_the_public_keys(bureau: Bureau):
    for seal in bureau.json("seals", "list"):
        assert {"dept", "subject", "serial", "not_after", "status"} <= set(seal)
        assert "City Education Bureau" in seal["subject"]


def test_renew_issues_a_new_certificate(bureau: Bureau):
    before = serial_of(bureau, "BGS")
    renewed = bureau.json("seals", "renew", "BGS")
    assert renewed["serial"] != before and renewed["status"] == "active"
    assert serial_of(bureau, "BGS") == renewed["serial"]
    assert bureau.json("audit", "log", "--limit", "1")[0]["action"] == "seal_renew"


def test_revoke_lists_the_serial_in_the_crl_and_issues_a_new_seal(bureau: Bureau):
    before = serial_of(bureau, "JCK")
    new = bureau.json("seals", "revoke", "JCK", "--reason", "key_compromise")
    assert new["serial"] != before and new["status"] == "active"
    crl = x509.load_der_x509_crl((bureau.root / "keys" / "ca" / "crl.der").read_bytes())
    entry = crl.get_revoked_certificate_by_serial_number(int(before, 16))
    assert entry is not None
    entry_log = bureau.json("audit", "log", "--limit", "1")[0]
    assert entry_log["action"] == "seal_revoke" and entry_log["detail"]["revoked"] == before


def test_revoke_needs_an_rfc_5280_reason(bureau: Bureau):
    bureau.fails(2, "seals", "revoke", "JCK", "--reason", "because")


def test_a_wrong_passphrase_changes_nothing(bureau: Bureau):
    before = serial_of(bureau, "BGS")
    os.environ["BUREAU_PASSPHRASE"] = "not the passphrase"
    try:
        result = bureau("seals", "renew", "BGS")
    finally:
        del os.environ["BUREAU_PASSPHRASE"]
    assert result.code == 2 and "wrong passphrase" in result.err
    assert serial_of(bureau, "BGS") == before


def test_export_root_writes_pem_and_will_not_overwrite(bureau: Bureau, tmp_path):
    out = tmp_path / "root.pem"
    bureau.ok("seals", "export-root", out)
    root = x509.load_pem_x509_certificate(out.read_bytes())
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    bureau.fails(2, "seals", "export-root", out)


def test_an_unknown_department_is_exit_2(bureau: Bureau):
    bureau.fails(2, "seals", "renew", "NOPE")


def _p12(tmp_path, key_usage: bool = True) -> tuple:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Provincial CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=900))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "General Office")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    data = pkcs12.serialize_key_and_certificates(
        b"bgs", key, cert, [ca], BestAvailableEncryption(b"p12-secret")
    )
    path = tmp_path / "bgs.p12"
    path.write_bytes(data)
    return path, cert


def test_import_replaces_the_seal_with_a_certificate_from_a_real_ca(bureau: Bureau, tmp_path):
    path, cert = _p12(tmp_path)
    os.environ["BUREAU_P12_PASSWORD"] = "p12-secret"
    try:
        imported = bureau.json("seals", "import", "BGS", path)
    finally:
        del os.environ["BUREAU_P12_PASSWORD"]
    assert imported["status"] == "imported"
    assert int(serial_of(bureau, "BGS"), 16) == cert.serial_number


def test_import_refuses_a_certificate_without_seal_key_usage(bureau: Bureau, tmp_path):
    path, _ = _p12(tmp_path, key_usage=False)
    os.environ["BUREAU_P12_PASSWORD"] = "p12-secret"
    try:
        result = bureau("seals", "import", "BGS", path)
    finally:
        del os.environ["BUREAU_P12_PASSWORD"]
    assert result.code == 2 and "Traceback" not in result.err
