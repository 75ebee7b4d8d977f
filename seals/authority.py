"""The data home's own small certification authority for departmental electronic seals.

Each data home has one root CA; each department has one current seal certificate (issued
by that CA, or imported from a real CA as PKCS#12) whose key signs the department's official
PDFs. Superseded certificates are kept so old signatures still verify; revoked ones are
listed in the CA's CRL (seals.revocation). Where and how the files are kept is
seals.keystore's business.

Revocation writes the record, then the CRL, then the department's replacement seal; a seal
left revoked by a kill is refused until renewed or revoked again. Seal certificates name the
root (a directoryName) as their CRL distribution point: nothing fetches it, but pyHanko
consults a supplied CRL only for certificates that declare one, so without it a revoked seal
would still validate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from archive import atomic, keyfiles
from archive.codes import DEPT_RE
from archive.errors import BadInput, IntegrityError, OperationFailed
from seals.certs import dn, iso, issued_by, parse_iso, same_key, serial_hex, utc
from seals.keystore import (
    KeyStore,
    check_passphrase,
    decrypt,
    encrypt,
    json_bytes,
    load_certs,
    staging,
)
from seals.material import SealMaterial
from seals.revocation import REASONS, Revocations, crl_distribution_point, issue_crl
from seals.stamp import draw_seal, find_cjk_font

ROOT_YEARS = 20
SEAL_YEARS = 5
BACKDATE = timedelta(minutes=5)  # certificates start a little early to absorb clock skew
STATUSES = ("active", "imported", "revoked", "expired", "not_yet_valid", "superseded")
_FORMAT = 1


class SealRevoked(BadInput):
    """The department's seal certificate has been revoked."""


class SealExpired(BadInput):
    """The department's seal certificate is outside its validity period."""


@dataclass(frozen=True)
class SealInfo:
    """What a person needs to know about one seal certificate."""

    dept: str
    subject: str  # RFC 4514
    serial: str  # upper-case hex, no separators
    issuer: str  # RFC 4514
    not_before: str  # ISO 8601 UTC
    not_after: str
    status: str  # one of STATUSES; history entries are never "active"
    current: bool  # the department's current seal (False: a superseded certificate)
    fingerprint: str  # SHA-256 of the certificate's DER, lower-case hex
    revoked_at: str | None = None
    revocation_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- creating a PKI -------------------------------------------------------------------


def create_pki(
    keys_dir: Path,
    org_en: str,
    org_zh: str,
    departments: Sequence[tuple[str, str, str]],
    passphrase: bytes,
    *,
    now: datetime | None = None,
) -> None:
    """Create the root CA, an empty CRL and one seal (key, certificate, picture) for each
    department `(code, name_en, name_zh)` under `keys_dir`.

    All or nothing: everything is built in a staging folder, then moved into place
    (seals.keystore.staging). PkiExists if there already is a PKI.
    """
    at = utc(now)
    org_en, org_zh = org_en.strip(), org_zh.strip()
    if not org_en and not org_zh:
        raise BadInput("the organisation needs a name to put on its seals")
    check_passphrase(passphrase)
    depts = [_checked_dept(code, en, zh) for code, en, zh in departments]
    codes = [d["code"] for d in depts]
    if len(set(codes)) != len(codes):
        raise BadInput("each department may appear only once in the seal PKI")
    font = find_cjk_font()  # fail before any work if the seal pictures cannot be drawn
    with staging(Path(keys_dir)) as folder:
        _build(folder, org_en, org_zh, depts, passphrase, at, font)


def _build(
    staged: Path,
    org_en: str,
    org_zh: str,
    depts: list[dict[str, str]],
    passphrase: bytes,
    at: datetime,
    font: Path,
) -> None:
    ca_dir, seals_dir = staged / "ca", staged / "seals"
    org = {"format": _FORMAT, "org_en": org_en, "org_zh": org_zh, "created": iso(at)}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    root = _root_certificate(ca_key, org_en or org_zh, org_zh, at)
    keyfiles.write(ca_dir / "pki.json", json_bytes(org))
    keyfiles.write(ca_dir / "root.pem", root.public_bytes(serialization.Encoding.PEM))
    keyfiles.write(ca_dir / "root.key.pem", encrypt(ca_key, passphrase), private=True)
    keyfiles.write(ca_dir / "revoked.json", json_bytes({"revoked": []}))
    keyfiles.write(ca_dir / "crl.der", issue_crl(ca_key, root, [], 1, at))
    for dept in depts:
        folder = seals_dir / dept["code"]
        folder.mkdir(mode=keyfiles.FOLDER_MODE)
        (folder / "history").mkdir(mode=keyfiles.FOLDER_MODE)
        keyfiles.write(folder / "dept.json", json_bytes(dept))
        key, cert = _new_seal(ca_key, root, org, dept, at)
        serial = serial_hex(cert.serial_number)
        keyfiles.write(folder / f"{serial}.key.pem", encrypt(key, passphrase), private=True)
        keyfiles.write(folder / "cert.pem", cert.public_bytes(serialization.Encoding.PEM))
        draw_seal(
            org_zh or org_en,
            folder / "seal.png",
            centre_text=dept["name_zh"] or dept["name_en"],
            font_path=font,
        )


# --- an existing PKI ------------------------------------------------------------------


class Pki:
    """The seal PKI of one data home, opened from its `keys/` folder (NoPki if it has none)."""

    def __init__(self, keys_dir: Path) -> None:
        self.store = KeyStore(keys_dir)
        self.keys_dir = self.store.keys_dir
        self.revocations = Revocations(self.store)

    # reading ---------------------------------------------------------------------------

    def root_cert(self) -> x509.Certificate:
        """The root CA certificate: the trust anchor for every bureau seal."""
        return self.store.root_cert()

    def root_pem(self) -> bytes:
        return self.root_cert().public_bytes(serialization.Encoding.PEM)

    def export_root(self, path: Path, *, overwrite: bool = False) -> Path:
        """Write the root certificate as PEM to `path` (atomically); BadInput if a file is
        already there and `overwrite` is not set."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise BadInput(f"{path}: already exists; not replaced")
        if not path.parent.is_dir():
            raise BadInput(f"{path.parent}: folder not found")
        try:
            atomic.write_bytes(path, self.root_pem(), mode=keyfiles.PUBLIC_MODE)
        except OSError as exc:
            raise OperationFailed(f"{path}: cannot write: {exc.strerror or exc}") from exc
        return path

    def crl(self) -> bytes:
        """The current CRL (DER)."""
        return self.revocations.crl()

    def revoked_serials(self) -> dict[int, tuple[datetime, str]]:
        """Every revoked serial number with its revocation date (UTC) and reason name."""
        return {
            int(entry["serial"], 16): (parse_iso(entry["date"]), entry["reason"])
            for entry in self.revocations.entries()
        }

    def departments(self) -> list[str]:
        """The codes of the departments that have a seal, sorted."""
        return self.store.departments()

    def seals(self, *, history: bool = False, now: datetime | None = None) -> list[SealInfo]:
        """Each department's current seal; with `history`, also every earlier certificate."""
        at = utc(now)
        revoked = self.revocations.by_serial()
        root = self.root_cert()
        out: list[SealInfo] = []
        for dept in self.departments():
            out.append(_info(dept, self.store.current_cert(dept), True, at, revoked, root))
            if history:
                for cert in self.store.history(dept):
                    out.append(_info(dept, cert, False, at, revoked, root))
        return out

    def seal(self, dept: str, *, now: datetime | None = None) -> SealInfo:
        """The current seal of `dept`."""
        code = self.store.dept(dept)
        cert = self.store.current_cert(code)
        return _info(code, cert, True, utc(now), self.revocations.by_serial(), self.root_cert())

    def all_certificates(self) -> list[x509.Certificate]:
        """Every seal certificate ever installed, current and superseded, for verifiers."""
        certs: list[x509.Certificate] = []
        for dept in self.departments():
            certs.append(self.store.current_cert(dept))
            certs.extend(self.store.history(dept))
        return certs

    # signing ---------------------------------------------------------------------------

    def signing_material(
        self, dept: str, passphrase: bytes, stamp_text: str, *, now: datetime | None = None
    ) -> SealMaterial:
        """Everything needed to seal a PDF as `dept` at `now`.

        Refuses a revoked seal (SealRevoked) or one outside its validity (SealExpired);
        WrongPassphrase if the key does not decrypt. Re-issues the CRL first when it is past
        half its lifetime or misses a revocation, so the embedded CRL is fresh.
        """
        code = self.store.dept(dept)
        at = utc(now)
        cert, _key_path, key_data = self.store.current_pair(code)
        self._refuse_unusable(code, cert, at)
        key = decrypt(key_data, passphrase)
        if not same_key(key, cert):
            raise IntegrityError(f"seal {code}: the key does not match the certificate")
        root = self.root_cert()
        if issued_by(cert, root):
            if self.revocations.needs_refresh(at):
                with self.store.lock():
                    if self.revocations.needs_refresh(at):
                        self.revocations.reissue(self.store.ca_key(passphrase), at)
            chain: tuple[x509.Certificate, ...] = (root,)
            crls: tuple[bytes, ...] = (self.crl(),)
        else:
            chain = tuple(load_certs(self.store.chain_path(code, cert)))
            crls = ()
        image = self.store.picture(code)
        return SealMaterial(
            dept=code,
            key=key,
            cert=cert,
            chain=chain,
            crls=crls,
            image=image if image.is_file() else None,
            stamp_text=stamp_text,
        )

    # changing --------------------------------------------------------------------------

    def renew(self, dept: str, passphrase: bytes, *, now: datetime | None = None) -> SealInfo:
        """Give `dept` a new key pair and certificate. The old certificate moves to the
        history (not revoked: what it sealed stays valid) and its key is deleted."""
        code = self.store.dept(dept)
        at = utc(now)
        with self.store.lock():
            ca_key = self.store.ca_key(passphrase)
            self.store.sweep()
            self._install_bureau_seal(code, ca_key, passphrase, at)
        return self.seal(code, now=at)

    def revoke(
        self, dept: str, reason: str, passphrase: bytes, *, now: datetime | None = None
    ) -> SealInfo:
        """Revoke the current seal of `dept` for `reason` (an RFC 5280 reason name) and
        issue it a new one so it can keep sealing; returns the new seal."""
        code = self.store.dept(dept)
        if reason not in REASONS:
            raise BadInput(f"unknown revocation reason {reason!r}: use one of {', '.join(REASONS)}")
        at = utc(now)
        with self.store.lock():
            ca_key = self.store.ca_key(passphrase)
            self.store.sweep()
            cert = self.store.current_cert(code)
            if not issued_by(cert, self.root_cert()):
                raise BadInput(
                    f"seal {code} was issued by {dn(cert.issuer)}, not by this "
                    "home's CA: ask that CA to revoke it, then renew to replace it"
                )
            self.revocations.record(serial_hex(cert.serial_number), code, at, reason)
            self.revocations.reissue(ca_key, at)
            self._install_bureau_seal(code, ca_key, passphrase, at)
        return self.seal(code, now=at)

    def import_p12(
        self,
        dept: str,
        p12_path: Path,
        p12_password: bytes | None,
        passphrase: bytes,
        *,
        now: datetime | None = None,
    ) -> SealInfo:
        """Make a certificate from a real CA (a PKCS#12 file with its key and chain) the
        seal of `dept`. The key is re-encrypted with the home passphrase; the generated
        certificate it replaces goes to the history."""
        code = self.store.dept(dept)
        at = utc(now)
        key, cert, chain = _read_p12(Path(p12_path), p12_password, at)
        with self.store.lock():
            self.store.ca_key(passphrase)  # proves the passphrase before anything is written
            self.store.sweep()
            current = self.store.current_cert(code)
            if current == cert:
                return self.seal(code, now=at)
            if current.serial_number == cert.serial_number:
                raise BadInput(
                    f"{p12_path}: its certificate has the serial number of the current seal "
                    f"of {code}; replace that seal first (renew), then import"
                )
            self.store.install(code, key, cert, chain, passphrase)
        return self.seal(code, now=at)

    def add_department(
        self,
        code: str,
        name_en: str,
        name_zh: str,
        passphrase: bytes,
        *,
        now: datetime | None = None,
    ) -> SealInfo:
        """Give a department that has no seal yet (one added to the configuration after
        the PKI was created) its seal: key, certificate and picture."""
        dept = _checked_dept(code, name_en, name_zh)
        at = utc(now)
        org = self.store.organisation()
        font = find_cjk_font()
        with self.store.lock():
            if (self.store.seals_dir / dept["code"] / "cert.pem").exists():
                raise BadInput(f"department {dept['code']} already has a seal")
            ca_key = self.store.ca_key(passphrase)
            folder = self.store.add_department(dept)
            draw_seal(
                org["org_zh"] or org["org_en"],
                folder / "seal.png",
                centre_text=dept["name_zh"] or dept["name_en"],
                font_path=font,
            )
            key, cert = _new_seal(ca_key, self.root_cert(), org, dept, at)
            self.store.install(dept["code"], key, cert, [], passphrase)
        return self.seal(dept["code"], now=at)

    def change_passphrase(self, old: bytes, new: bytes) -> None:
        """Re-encrypt every private key of the PKI with `new` (seals.keystore)."""
        self.store.change_passphrase(old, new)

    # internals -------------------------------------------------------------------------

    def _refuse_unusable(self, code: str, cert: x509.Certificate, at: datetime) -> None:
        serial = serial_hex(cert.serial_number)
        if issued_by(cert, self.root_cert()):
            entry = self.revocations.by_serial().get(serial)
            if entry is not None:
                raise SealRevoked(
                    f"the seal of {code} (serial {serial}) was revoked on "
                    f"{entry['date']}: renew it before sealing"
                )
        if at > cert.not_valid_after_utc:
            raise SealExpired(
                f"the seal of {code} expired on {iso(cert.not_valid_after_utc)}: renew it"
            )
        if at < cert.not_valid_before_utc:
            raise SealExpired(
                f"the seal of {code} is not valid before {iso(cert.not_valid_before_utc)}"
            )

    def _install_bureau_seal(
        self, code: str, ca_key: PrivateKeyTypes, passphrase: bytes, at: datetime
    ) -> None:
        org = self.store.organisation()
        dept = self.store.department_names(code)
        key, cert = _new_seal(ca_key, self.root_cert(), org, dept, at)
        self.store.install(code, key, cert, [], passphrase)


def _info(
    dept: str,
    cert: x509.Certificate,
    current: bool,
    at: datetime,
    revoked: dict[str, dict[str, str]],
    root: x509.Certificate,
) -> SealInfo:
    serial = serial_hex(cert.serial_number)
    entry = revoked.get(serial) if issued_by(cert, root) else None
    if entry is not None:
        status = "revoked"
    elif at > cert.not_valid_after_utc:
        status = "expired"
    elif at < cert.not_valid_before_utc:
        status = "not_yet_valid"
    elif not current:
        status = "superseded"
    elif not issued_by(cert, root):
        status = "imported"
    else:
        status = "active"
    return SealInfo(
        dept=dept,
        subject=dn(cert.subject),
        serial=serial,
        issuer=dn(cert.issuer),
        not_before=iso(cert.not_valid_before_utc),
        not_after=iso(cert.not_valid_after_utc),
        status=status,
        current=current,
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        revoked_at=entry["date"] if entry else None,
        revocation_reason=entry["reason"] if entry else None,
    )


# --- issuing certificates -------------------------------------------------------------


def _root_certificate(
    key: ec.EllipticCurvePrivateKey, org_en: str, org_zh: str, at: datetime
) -> x509.Certificate:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_en)]
    if org_zh and org_zh != org_en:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_zh))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, _cn(f"{org_en} Seal Root CA")))
    name = x509.Name(attrs)
    start = at - BACKDATE
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * ROOT_YEARS + ROOT_YEARS // 4))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _new_seal(
    ca_key: PrivateKeyTypes,
    root: x509.Certificate,
    org: dict[str, Any],
    dept: dict[str, str],
    at: datetime,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A fresh P-256 key and its seal certificate, valid SEAL_YEARS (within the root's)."""
    key = ec.generate_private_key(ec.SECP256R1())
    org_en, org_zh = org["org_en"] or org["org_zh"], org["org_zh"]
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_en)]
    if org_zh and org_zh != org_en:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_zh))
    name_en = dept["name_en"] or dept["name_zh"]
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, name_en))
    if dept["name_zh"] and dept["name_zh"] != name_en:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, dept["name_zh"]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, _cn(f"{name_en} Seal")))
    attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, dept["code"]))
    start = at - BACKDATE
    end = min(start + timedelta(days=365 * SEAL_YEARS + 1), root.not_valid_after_utc)
    if end <= at:
        raise OperationFailed("the root CA has expired: no seal can be issued under it")
    ca_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .add_extension(crl_distribution_point(root), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return key, cert


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """A root signs certificates and CRLs; a seal signs documents (and vouches for them)."""
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _read_p12(
    path: Path, password: bytes | None, at: datetime
) -> tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]:
    """The key, certificate and (ordered, issuer first) chain of a seal PKCS#12 file, or
    BadInput saying why it cannot be a seal."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: file not found") from exc
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{path}: not a PKCS#12 file, or the wrong password for it") from exc
    if key is None or cert is None:
        raise BadInput(f"{path}: the PKCS#12 file must hold both a certificate and its key")
    if not isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        raise BadInput(f"{path}: unsupported key type for a seal (use RSA or EC)")
    if not same_key(key, cert):
        raise BadInput(f"{path}: the key does not belong to the certificate")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        missing = [
            name
            for name, present in (
                ("digitalSignature", usage.digital_signature),
                ("nonRepudiation", usage.content_commitment),
            )
            if not present
        ]
    except x509.ExtensionNotFound:
        missing = ["digitalSignature", "nonRepudiation"]
    if missing:
        raise BadInput(
            f"{path}: the certificate cannot make seals: it lacks the {' and '.join(missing)} "
            "key usage"
        )
    if at > cert.not_valid_after_utc:
        raise BadInput(f"{path}: the certificate expired on {iso(cert.not_valid_after_utc)}")
    if at < cert.not_valid_before_utc:
        raise BadInput(
            f"{path}: the certificate is not valid before {iso(cert.not_valid_before_utc)}"
        )
    return key, cert, _order_chain(cert, list(extra))


def _order_chain(cert: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
    """The issuers of `cert` found in `pool`, nearest first, up to a self-signed root."""
    chain: list[x509.Certificate] = []
    current = cert
    while True:
        issuer = next((c for c in pool if c not in chain and issued_by(current, c)), None)
        if issuer is None or issuer == current:
            return chain
        chain.append(issuer)
        if issuer.subject == issuer.issuer:
            return chain
        current = issuer


def _checked_dept(code: str, name_en: str, name_zh: str) -> dict[str, str]:
    code, name_en, name_zh = code.strip().upper(), name_en.strip(), name_zh.strip()
    if not DEPT_RE.match(code):
        raise BadInput(f"invalid department code {code!r}: a capital letter then letters/digits")
    if not name_en and not name_zh:
        raise BadInput(f"department {code} needs a name for its seal")
    return {"code": code, "name_en": name_en, "name_zh": name_zh}


def _cn(text: str) -> str:
    """A common name within X.520's 64-character bound."""
    return text if len(text) <= 64 else text[:63] + "…"
