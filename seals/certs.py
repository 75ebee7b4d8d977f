"""Small facts about X.509 certificates and the times they carry, as the seal PKI needs
them: who issued a certificate, whether a key is its key, how serials and names are spelled,
and UTC times to the whole second as X.509 stores them."""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer`'s key signed `cert` (names alone prove nothing)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def same_key(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    """Whether `key` is the private half of `cert`'s public key."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki)


def pem_all(certs: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def dn(name: x509.Name) -> str:
    """RFC 4514 text of `name`, spelling out serialNumber (which has no standard short name)."""
    return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"})


def serial_hex(serial: int) -> str:
    """A serial number as the PKI names files and records by it: upper-case hex."""
    return f"{serial:X}"


def utc(now: datetime | None) -> datetime:
    """`now` (naive means UTC) or the current time, in UTC, to the whole second as X.509
    stores it."""
    at = datetime.now(UTC) if now is None else now
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.replace(microsecond=0)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
