"""A small PKI of the tests' own (independent of ``seals.authority``), seal materials and test PDFs.

Everything but the TSA is EC P-256 and built in memory with ``cryptography``:

* the bureau root CA, and seal certificates it issued (KeyUsage digitalSignature +
  nonRepudiation): two departments in good standing, one expired two years ago, one revoked
  30 days before "now", one revoked 5 days before "now";
* a time-stamping authority under the same root (RSA: pyHanko's DummyTimeStamper is RSA-only);
* an "unknown" CA whose subject is byte-for-byte the bureau root's, with a seal certificate
  named like the real General Office seal: a look-alike that must not chain to the bureau;
* CRLs: the current one (listing both revoked seals) and older ones used at signing time.

``NOW`` is fixed at import so every test sees the same clock.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from seals.material import SealMaterial
from tests.seals import pdfs

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
YEAR = timedelta(days=365)

BUREAU = "City Education Bureau"


def _name(cn: str, org: str = BUREAU, ou: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
    ]
    if ou:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


@dataclass
class Issued:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate


@dataclass
class Ca:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    revoked: dict[int, datetime] = field(default_factory=dict)  # serial -> revocation time

    def issue(
        self,
        subject: x509.Name,
        *,
        not_before: datetime,
        not_after: datetime,
        tsa: bool = False,
    ) -> Issued:
        # pyHanko's DummyTimeStamper signs with RSA only, so the TSA alone gets an RSA key
        key = (
            rsa.generate_private_key(65537, 2048)
            if tsa
            else ec.generate_private_key(ec.SECP256R1())
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if tsa:
            builder = builder.add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                critical=True,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)
        else:
            builder = builder.add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
        return Issued(key, builder.sign(self.key, hashes.SHA256()))

    def crl(self, *, this_update: datetime, next_update: datetime) -> bytes:
        """A DER CRL issued at ``this_update`` listing what was revoked by then."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(this_update)
            .next_update(next_update)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
        )
        for serial, when in self.revoked.items():
            if when <= this_update:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(serial)
                    .revocation_date(when)
                    .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), False)
                    .build()
                )
        crl = builder.sign(self.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)


def make_root(cn: str = f"{BUREAU} Root CA") -> Ca:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(cn)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 10 * YEAR)
        .not_valid_after(NOW + 20 * YEAR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return Ca(key, cert)


@dataclass
class Pki:
    root: Ca
    unknown_root: Ca
    office: Issued  # General Office, good standing
    finance: Issued  # Finance Department, good standing (co-issuer)
    expired: Issued  # valid NOW-3y .. NOW-2y
    revoked_early: Issued  # revoked NOW-30d
    revoked_late: Issued  # revoked NOW-5d
    lookalike: Issued  # issued by unknown_root, same names as office
    tsa: Issued
    seal_png: Path

    def crl(self, at: datetime = NOW - timedelta(hours=1), valid_for: timedelta = 7 * DAY) -> bytes:
        return self.root.crl(this_update=at, next_update=at + valid_for)

    @property
    def current_crl(self) -> bytes:
        return self.crl()

    def material(
        self,
        who: Issued,
        *,
        dept: str = "General Office",
        stamp_text: str = "市教育局办公室",
        crls: tuple[bytes, ...] | None = None,
        image: bool = True,
    ) -> SealMaterial:
        ca = self.unknown_root if who is self.lookalike else self.root
        return SealMaterial(
            dept=dept,
            key=who.key,
            cert=who.cert,
            chain=(ca.cert,),
            crls=(ca.crl(this_update=NOW - DAY, next_update=NOW + 7 * DAY),)
            if crls is None
            else crls,
            image=self.seal_png if image else None,
            stamp_text=stamp_text,
        )


def _seal_png(path: Path) -> Path:
    """A red round seal with a star, on a transparent background (like a department's)."""
    from PIL import Image, ImageDraw

    size = 400
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (220, 20, 20, 255)
    draw.ellipse((10, 10, size - 10, size - 10), outline=red, width=16)
    cx, cy, r_out, r_in = size / 2, size / 2, 70, 28
    import math

    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=red)
    img.save(path)
    return path


def build_pki(workdir: Path) -> Pki:
    """The whole test PKI; ``workdir`` receives the seal picture."""
    root = make_root()
    unknown_root = make_root()  # same subject, different key: a look-alike CA
    ok_from, ok_to = NOW - YEAR, NOW + 5 * YEAR

    def seal(ou: str, ca: Ca = root, **kw) -> Issued:
        validity = {"not_before": ok_from, "not_after": ok_to} | kw
        return ca.issue(_name(f"{ou} Seal", ou=ou), **validity)

    revoked_early = seal("Personnel Department")
    revoked_late = seal("Facilities Department")
    root.revoked[revoked_early.cert.serial_number] = NOW - 30 * DAY
    root.revoked[revoked_late.cert.serial_number] = NOW - 5 * DAY
    return Pki(
        root=root,
        unknown_root=unknown_root,
        office=seal("General Office"),
        finance=seal("Finance Department"),
        expired=seal("Archive Office", not_before=NOW - 3 * YEAR, not_after=NOW - 2 * YEAR),
        revoked_early=revoked_early,
        revoked_late=revoked_late,
        lookalike=seal("General Office", ca=unknown_root),
        tsa=root.issue(
            _name("Bureau Time Stamping Authority"),
            not_before=NOW - 3 * YEAR,
            not_after=NOW + 5 * YEAR,
            tsa=True,
        ),
        seal_png=_seal_png(workdir / "seal.png"),
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def bomb() -> bytes:
    """A few hundred bytes that inflate to 320 MiB (see ``pdfs.bomb_pdf``)."""
    return pdfs.bomb_pdf()


@pytest.fixture(scope="session")
def libreoffice_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A one-page notice made by LibreOffice from a DOCX, with organ name and Chinese date."""
    workdir = tmp_path_factory.mktemp("lo")
    docx = pdfs.notice_docx(workdir / "notice.docx")
    profile = workdir / "profile"
    try:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(workdir),
                str(docx),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env={"HOME": str(workdir), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
    except (OSError, subprocess.SubprocessError) as exc:  # pragma: no cover - environment
        pytest.fail(f"LibreOffice conversion failed (installed by `make setup`): {exc}")
    return (workdir / "notice.pdf").read_bytes()


@pytest.fixture(scope="session", autouse=True)
def _font_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the stamp-font cache (see ``seals.sign.stamp_font_file``) out of the user's home."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def timestamper(pki: Pki):
    """An in-process TSA (pyHanko's DummyTimeStamper) whose certificate chains to the root."""
    return make_timestamper(pki)


def make_timestamper(pki: Pki, at: datetime | None = None):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    def der(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.DER)

    key = pki.tsa.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(der(pki.tsa.cert)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key),
        certs_to_embed=[asn1_x509.Certificate.load(der(pki.root.cert))],
        fixed_dt=at,
    )
