"""Revoking seals: the PKI's record of revocations (`ca/revoked.json`) and the CRL the root
signs from it (`ca/crl.der`), which travels inside each signature because validation is
offline.

Revocation writes the record first, then the CRL; a CRL missing an entry of the record (a
kill in between) is re-issued by the next sealing (`needs_refresh`), and so is one past
half its lifetime, so the CRL embedded in a seal is always fresh.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from archive import keyfiles
from archive.errors import IntegrityError
from seals.certs import iso, parse_iso, serial_hex
from seals.keystore import KeyStore, json_bytes, read

CRL_DAYS = 30
REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


class Revocations:
    """The revocation record and CRL of one PKI (read any time, changed under its lock)."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self.record_path = store.ca_dir / "revoked.json"
        self.crl_path = store.ca_dir / "crl.der"

    def entries(self) -> list[dict[str, str]]:
        """Every revocation: serial (upper-case hex), dept, date (ISO 8601 UTC), reason."""
        try:
            return list(json.loads(read(self.record_path))["revoked"])
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError(f"{self.record_path}: not a revocation list") from exc

    def by_serial(self) -> dict[str, dict[str, str]]:
        return {e["serial"]: e for e in self.entries()}

    def crl(self) -> bytes:
        """The current CRL (DER)."""
        return read(self.crl_path)

    def record(self, serial: str, dept: str, at: datetime, reason: str) -> None:
        """Add `serial` to the record (once); the CRL is re-issued separately."""
        entries = self.entries()
        if all(e["serial"] != serial for e in entries):
            entries.append({"serial": serial, "dept": dept, "date": iso(at), "reason": reason})
            keyfiles.write(self.record_path, json_bytes({"revoked": entries}))

    def needs_refresh(self, at: datetime) -> bool:
        """Whether the CRL is past half its lifetime at `at` or misses a recorded revocation."""
        crl = x509.load_der_x509_crl(self.crl())
        last, nxt = crl.last_update_utc, crl.next_update_utc
        if nxt is None or at >= last + (nxt - last) / 2:
            return True
        listed = {serial_hex(r.serial_number) for r in crl}
        return any(e["serial"] not in listed for e in self.entries())

    def reissue(self, ca_key: PrivateKeyTypes, at: datetime) -> None:
        """A new CRL of every recorded revocation, numbered after the current one."""
        old = x509.load_der_x509_crl(self.crl())
        try:
            number = old.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except x509.ExtensionNotFound:
            number = 0
        crl = issue_crl(ca_key, self.store.root_cert(), self.entries(), number + 1, at)
        keyfiles.write(self.crl_path, crl)


def issue_crl(
    ca_key: PrivateKeyTypes,
    root: x509.Certificate,
    revocations: list[dict[str, str]],
    number: int,
    at: datetime,
) -> bytes:
    """A CRL (DER) signed by the root, valid CRL_DAYS from `at`."""
    ca_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(at)
        .next_update(at + timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
    )
    for entry in revocations:
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(entry["serial"], 16))
            .revocation_date(parse_iso(entry["date"]))
        )
        if entry["reason"] != "unspecified":  # RFC 5280 5.3.1: omit rather than say it
            revoked = revoked.add_extension(x509.CRLReason(REASONS[entry["reason"]]), False)
        builder = builder.add_revoked_certificate(revoked.build())
    crl = builder.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    return crl.public_bytes(serialization.Encoding.DER)


def crl_distribution_point(root: x509.Certificate) -> x509.CRLDistributionPoints:
    """Names the root as where the CRL comes from. Nothing fetches it (validation is offline,
    the CRL travels in the signature), but a declared distribution point is what makes
    pyHanko's default revocation modes check a supplied CRL at all."""
    point = x509.DistributionPoint(
        full_name=[x509.DirectoryName(root.subject)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])
