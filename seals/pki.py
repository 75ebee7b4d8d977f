"""The data home's own small certification authority for departmental electronic seals.

Each data home has one root CA; each department has one current seal certificate (issued
by that CA, or imported from a real CA as PKCS#12) whose key signs the department's official
PDFs. Superseded certificates are kept so old signatures still verify; revoked ones are
listed in the CA's CRL, which is embedded in each signature because validation is offline.

On-disk layout, under the data home's `keys/` folder:

    ca/root.pem              the root CA certificate (PEM)
    ca/root.key.pem          its private key, PKCS#8 encrypted with the home passphrase
    ca/crl.der               the current CRL (DER), signed by the root
    ca/revoked.json          every revocation: serial, department, date, reason
    ca/pki.json              the organisation's names (for seals issued later)
    seals/<DEPT>/dept.json   the department's code and names
    seals/<DEPT>/cert.pem    the current seal certificate: the one file that says which
                             seal is current, so replacing it is the commit point
    seals/<DEPT>/<SERIAL>.key.pem    the current certificate's key (encrypted PKCS#8)
    seals/<DEPT>/<SERIAL>.chain.pem  imported seals only: the issuing CA's chain
    seals/<DEPT>/seal.png    the seal's picture
    seals/<DEPT>/history/<SERIAL>.pem  earlier certificates (+ <SERIAL>.chain.pem)

<SERIAL> is the certificate serial number in upper-case hex. A new key is always written
under its own serial before `cert.pem` is replaced, so a kill at any moment leaves the
department with a matching certificate and key; the old key is deleted only afterwards.
Every file is written atomically (temporary file in the same folder, fsync, rename, fsync
of the folder); private keys are mode 0600 and never stored in clear. Changes take an
exclusive lock on `keys/` itself, so two commands never interleave their writes.

Revocation writes `revoked.json` (the record) first, then the CRL, then the department's
replacement seal; a CRL missing an entry of the record is re-issued by the next
`signing_material`, and a seal left revoked by a kill is refused until renewed or revoked
again. Seal certificates name the root (a directoryName) as their CRL distribution point:
nothing fetches it, but pyHanko consults a supplied CRL only for certificates that declare
one, so without it a revoked seal would still validate.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from archive.codes import DEPT_RE
from archive.errors import BadInput, IntegrityError, NotFound, OperationFailed
from seals.material import SealMaterial
from seals.stamp import draw_seal, find_cjk_font

ROOT_YEARS = 20
SEAL_YEARS = 5
CRL_DAYS = 30
BACKDATE = timedelta(minutes=5)  # certificates start a little early to absorb clock skew
REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}
STATUSES = ("active", "imported", "revoked", "expired", "not_yet_valid", "superseded")
_FORMAT = 1


class NoPki(BadInput):
    """The data home has no seal PKI yet."""


class PkiExists(BadInput):
    """`create_pki` was asked to create a PKI where there already is one."""


class WrongPassphrase(BadInput):
    """The passphrase does not decrypt the home's private keys."""


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

    All or nothing: everything is built in a staging folder inside `keys_dir`, then moved
    into place (`seals/` first, then `ca/`, whose arrival marks the PKI as present; a
    `seals/` without `ca/` is a leftover of an interrupted run and is replaced).
    PkiExists if there already is a PKI.
    """
    at = _utc(now)
    org_en, org_zh = org_en.strip(), org_zh.strip()
    if not org_en and not org_zh:
        raise BadInput("the organisation needs a name to put on its seals")
    _check_passphrase(passphrase)
    depts = [_checked_dept(code, en, zh) for code, en, zh in departments]
    codes = [d["code"] for d in depts]
    if len(set(codes)) != len(codes):
        raise BadInput("each department may appear only once in the seal PKI")
    font = find_cjk_font()  # fail before any work if the seal pictures cannot be drawn
    keys_dir = Path(keys_dir)
    try:
        keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OperationFailed(f"{keys_dir}: cannot create the keys folder: {exc.strerror}") from exc
    with _lock(keys_dir):
        if (keys_dir / "ca").exists():
            raise PkiExists(f"{keys_dir}: a seal PKI already exists there")
        for leftover in keys_dir.glob(".pki-staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(dir=keys_dir, prefix=".pki-staging-"))
        try:
            _build(staging, org_en, org_zh, depts, passphrase, at, font)
            _move_into_place(staging, keys_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _build(
    staging: Path,
    org_en: str,
    org_zh: str,
    depts: list[dict[str, str]],
    passphrase: bytes,
    at: datetime,
    font: Path,
) -> None:
    ca_dir, seals_dir = staging / "ca", staging / "seals"
    ca_dir.mkdir(mode=0o700)
    seals_dir.mkdir(mode=0o700)
    org = {"format": _FORMAT, "org_en": org_en, "org_zh": org_zh, "created": _iso(at)}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    root = _root_certificate(ca_key, org_en or org_zh, org_zh, at)
    _write(ca_dir / "pki.json", _json_bytes(org))
    _write(ca_dir / "root.pem", root.public_bytes(serialization.Encoding.PEM))
    _write(ca_dir / "root.key.pem", _encrypt(ca_key, passphrase), private=True)
    _write(ca_dir / "revoked.json", _json_bytes({"revoked": []}))
    _write(ca_dir / "crl.der", _issue_crl(ca_key, root, [], 1, at))
    for dept in depts:
        folder = seals_dir / dept["code"]
        folder.mkdir(mode=0o700)
        (folder / "history").mkdir(mode=0o700)
        _write(folder / "dept.json", _json_bytes(dept))
        key, cert = _new_seal(ca_key, root, org, dept, at)
        _write(folder / f"{_hex(cert.serial_number)}.key.pem", _encrypt(key, passphrase), True)
        _write(folder / "cert.pem", cert.public_bytes(serialization.Encoding.PEM))
        draw_seal(
            org_zh or org_en,
            folder / "seal.png",
            centre_text=dept["name_zh"] or dept["name_en"],
            font_path=font,
        )


def _move_into_place(staging: Path, keys_dir: Path) -> None:
    seals, ca = keys_dir / "seals", keys_dir / "ca"
    if seals.is_dir() and not seals.is_symlink():
        shutil.rmtree(seals)  # an interrupted creation's; `ca/` is absent (checked under lock)
    placed_seals = False
    try:
        os.rename(staging / "seals", seals)
        placed_seals = True
        os.rename(staging / "ca", ca)
        _fsync_dir(keys_dir)
    except OSError as exc:
        if placed_seals:
            shutil.rmtree(seals, ignore_errors=True)
        raise OperationFailed(
            f"{keys_dir}: cannot put the new seal PKI in place: {exc.strerror or exc}"
        ) from exc


# --- an existing PKI ------------------------------------------------------------------


class Pki:
    """The seal PKI of one data home, opened from its `keys/` folder."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = Path(keys_dir)
        self.ca_dir = self.keys_dir / "ca"
        self.seals_dir = self.keys_dir / "seals"
        if not (self.ca_dir / "root.pem").is_file():
            raise NoPki("no PKI in this data home: run bureau upgrade")

    # reading ---------------------------------------------------------------------------

    def root_cert(self) -> x509.Certificate:
        """The root CA certificate: the trust anchor for every bureau seal."""
        return _load_cert(self.ca_dir / "root.pem")

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
        _write(path, self.root_pem())
        return path

    def crl(self) -> bytes:
        """The current CRL (DER)."""
        return _read(self.ca_dir / "crl.der")

    def revoked_serials(self) -> dict[int, tuple[datetime, str]]:
        """Every revoked serial number with its revocation date (UTC) and reason name."""
        return {
            int(entry["serial"], 16): (_parse_iso(entry["date"]), entry["reason"])
            for entry in self._revocations()
        }

    def departments(self) -> list[str]:
        """The codes of the departments that have a seal, sorted."""
        if not self.seals_dir.is_dir():
            return []
        return sorted(p.name for p in self.seals_dir.iterdir() if (p / "cert.pem").is_file())

    def seals(self, *, history: bool = False, now: datetime | None = None) -> list[SealInfo]:
        """Each department's current seal; with `history`, also every earlier certificate."""
        at = _utc(now)
        revoked = {e["serial"]: e for e in self._revocations()}
        root = self.root_cert()
        out: list[SealInfo] = []
        for dept in self.departments():
            out.append(self._info(dept, self._current_cert(dept), True, at, revoked, root))
            if history:
                for cert in self._history(dept):
                    out.append(self._info(dept, cert, False, at, revoked, root))
        return out

    def seal(self, dept: str, *, now: datetime | None = None) -> SealInfo:
        """The current seal of `dept`."""
        code = self._dept(dept)
        revoked = {e["serial"]: e for e in self._revocations()}
        return self._info(
            code, self._current_cert(code), True, _utc(now), revoked, self.root_cert()
        )

    def all_certificates(self) -> list[x509.Certificate]:
        """Every seal certificate ever installed, current and superseded, for verifiers."""
        certs: list[x509.Certificate] = []
        for dept in self.departments():
            certs.append(self._current_cert(dept))
            certs.extend(self._history(dept))
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
        code = self._dept(dept)
        at = _utc(now)
        cert, _key_path, key_data = self._current_pair(code)
        self._refuse_unusable(code, cert, at)
        key = _decrypt(key_data, passphrase)
        if not _same_key(key, cert):
            raise IntegrityError(f"seal {code}: the key does not match the certificate")
        root = self.root_cert()
        if _issued_by(cert, root):
            if self._crl_needs_refresh(at):
                with _lock(self.keys_dir):
                    if self._crl_needs_refresh(at):
                        self._reissue_crl(self._ca_key(passphrase), at)
            chain: tuple[x509.Certificate, ...] = (root,)
            crls: tuple[bytes, ...] = (self.crl(),)
        else:
            chain = tuple(_load_certs(self._chain_path(code, cert)))
            crls = ()
        image = self.seals_dir / code / "seal.png"
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
        code = self._dept(dept)
        at = _utc(now)
        with _lock(self.keys_dir):
            ca_key = self._ca_key(passphrase)
            self._sweep()
            self._install_bureau_seal(code, ca_key, passphrase, at)
        return self.seal(code, now=at)

    def revoke(
        self, dept: str, reason: str, passphrase: bytes, *, now: datetime | None = None
    ) -> SealInfo:
        """Revoke the current seal of `dept` for `reason` (an RFC 5280 reason name) and
        issue it a new one so it can keep sealing; returns the new seal."""
        code = self._dept(dept)
        if reason not in REASONS:
            raise BadInput(f"unknown revocation reason {reason!r}: use one of {', '.join(REASONS)}")
        at = _utc(now)
        with _lock(self.keys_dir):
            ca_key = self._ca_key(passphrase)
            self._sweep()
            cert = self._current_cert(code)
            root = self.root_cert()
            if not _issued_by(cert, root):
                raise BadInput(
                    f"seal {code} was issued by {_dn(cert.issuer)}, not by this "
                    "home's CA: ask that CA to revoke it, then renew to replace it"
                )
            revocations = self._revocations()
            serial = _hex(cert.serial_number)
            if all(e["serial"] != serial for e in revocations):
                revocations.append(
                    {"serial": serial, "dept": code, "date": _iso(at), "reason": reason}
                )
                _write(self.ca_dir / "revoked.json", _json_bytes({"revoked": revocations}))
            self._reissue_crl(ca_key, at)
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
        code = self._dept(dept)
        at = _utc(now)
        key, cert, chain = _read_p12(Path(p12_path), p12_password, at)
        with _lock(self.keys_dir):
            self._ca_key(passphrase)  # proves the passphrase before anything is written
            self._sweep()
            current = self._current_cert(code)
            if current == cert:
                return self.seal(code, now=at)
            if current.serial_number == cert.serial_number:
                raise BadInput(
                    f"{p12_path}: its certificate has the serial number of the current seal "
                    f"of {code}; replace that seal first (renew), then import"
                )
            self._install(code, key, cert, chain, passphrase)
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
        at = _utc(now)
        org = json.loads(_read(self.ca_dir / "pki.json"))
        font = find_cjk_font()
        with _lock(self.keys_dir):
            folder = self.seals_dir / dept["code"]
            if (folder / "cert.pem").exists():
                raise BadInput(f"department {dept['code']} already has a seal")
            ca_key = self._ca_key(passphrase)
            (folder / "history").mkdir(mode=0o700, parents=True, exist_ok=True)
            _write(folder / "dept.json", _json_bytes(dept))
            draw_seal(
                org["org_zh"] or org["org_en"],
                folder / "seal.png",
                centre_text=dept["name_zh"] or dept["name_en"],
                font_path=font,
            )
            key, cert = _new_seal(ca_key, self.root_cert(), org, dept, at)
            self._install(dept["code"], key, cert, [], passphrase)
        return self.seal(dept["code"], now=at)

    def change_passphrase(self, old: bytes, new: bytes) -> None:
        """Re-encrypt every private key (seals first, the CA's last) with `new`.

        Each key file is replaced atomically by its re-encrypted copy, so at every moment
        each key opens with one of the two passphrases. If the run is interrupted, run it
        again with the same two passphrases: keys already re-encrypted are accepted as
        such. WrongPassphrase, with nothing changed, if some key opens with neither.
        """
        _check_passphrase(new)
        with _lock(self.keys_dir):
            files = [self._current_pair(d)[1:] for d in self.departments()]
            files.append((self.ca_dir / "root.key.pem", _read(self.ca_dir / "root.key.pem")))
            keys = []
            for path, data in files:
                try:
                    keys.append((path, _decrypt(data, old)))
                except WrongPassphrase:
                    keys.append((path, _decrypt(data, new)))  # done by an interrupted run
            for path, key in keys:
                _write(path, _encrypt(key, new), private=True)
            self._sweep()

    # internals -------------------------------------------------------------------------

    def _dept(self, dept: str) -> str:
        code = dept.strip().upper()
        if not DEPT_RE.match(code) or not (self.seals_dir / code / "cert.pem").is_file():
            known = ", ".join(self.departments()) or "none"
            raise NotFound(f"no seal for department {dept!r}: seals exist for {known}")
        return code

    def _current_cert(self, code: str) -> x509.Certificate:
        return _load_cert(self.seals_dir / code / "cert.pem")

    def _current_pair(self, code: str) -> tuple[x509.Certificate, Path, bytes]:
        """The current certificate, its key file and that file's (encrypted) bytes, read
        consistently even while another process replaces them: the old key is deleted only
        after the new certificate is in, so a vanished key means "read cert.pem again"."""
        for _attempt in range(3):
            cert = self._current_cert(code)
            key_path = self.seals_dir / code / f"{_hex(cert.serial_number)}.key.pem"
            try:
                return cert, key_path, key_path.read_bytes()
            except FileNotFoundError:
                continue
        raise IntegrityError(f"seal {code}: the key of the current certificate is missing")

    def _chain_path(self, code: str, cert: x509.Certificate) -> Path:
        return self.seals_dir / code / f"{_hex(cert.serial_number)}.chain.pem"

    def _history(self, code: str) -> list[x509.Certificate]:
        folder = self.seals_dir / code / "history"
        if not folder.is_dir():
            return []
        paths = [p for p in folder.glob("*.pem") if not p.name.endswith(".chain.pem")]
        return sorted((_load_cert(p) for p in paths), key=lambda c: c.not_valid_before_utc)

    def _revocations(self) -> list[dict[str, str]]:
        try:
            return list(json.loads(_read(self.ca_dir / "revoked.json"))["revoked"])
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError(f"{self.ca_dir / 'revoked.json'}: not a revocation list") from exc

    def _ca_key(self, passphrase: bytes) -> PrivateKeyTypes:
        return _decrypt(_read(self.ca_dir / "root.key.pem"), passphrase)

    def _info(
        self,
        dept: str,
        cert: x509.Certificate,
        current: bool,
        at: datetime,
        revoked: dict[str, dict[str, str]],
        root: x509.Certificate,
    ) -> SealInfo:
        serial = _hex(cert.serial_number)
        entry = revoked.get(serial) if _issued_by(cert, root) else None
        if entry is not None:
            status = "revoked"
        elif at > cert.not_valid_after_utc:
            status = "expired"
        elif at < cert.not_valid_before_utc:
            status = "not_yet_valid"
        elif not current:
            status = "superseded"
        elif not _issued_by(cert, root):
            status = "imported"
        else:
            status = "active"
        return SealInfo(
            dept=dept,
            subject=_dn(cert.subject),
            serial=serial,
            issuer=_dn(cert.issuer),
            not_before=_iso(cert.not_valid_before_utc),
            not_after=_iso(cert.not_valid_after_utc),
            status=status,
            current=current,
            fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
            revoked_at=entry["date"] if entry else None,
            revocation_reason=entry["reason"] if entry else None,
        )

    def _refuse_unusable(self, code: str, cert: x509.Certificate, at: datetime) -> None:
        serial = _hex(cert.serial_number)
        if _issued_by(cert, self.root_cert()):
            for entry in self._revocations():
                if entry["serial"] == serial:
                    raise SealRevoked(
                        f"the seal of {code} (serial {serial}) was revoked on "
                        f"{entry['date']}: renew it before sealing"
                    )
        if at > cert.not_valid_after_utc:
            raise SealExpired(
                f"the seal of {code} expired on {_iso(cert.not_valid_after_utc)}: renew it"
            )
        if at < cert.not_valid_before_utc:
            raise SealExpired(
                f"the seal of {code} is not valid before {_iso(cert.not_valid_before_utc)}"
            )

    def _crl_needs_refresh(self, at: datetime) -> bool:
        crl = x509.load_der_x509_crl(self.crl())
        last, nxt = crl.last_update_utc, crl.next_update_utc
        if nxt is None or at >= last + (nxt - last) / 2:
            return True
        listed = {_hex(r.serial_number) for r in crl}
        return any(e["serial"] not in listed for e in self._revocations())

    def _reissue_crl(self, ca_key: PrivateKeyTypes, at: datetime) -> None:
        old = x509.load_der_x509_crl(self.crl())
        try:
            number = old.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except x509.ExtensionNotFound:
            number = 0
        crl = _issue_crl(ca_key, self.root_cert(), self._revocations(), number + 1, at)
        _write(self.ca_dir / "crl.der", crl)

    def _install_bureau_seal(
        self, code: str, ca_key: PrivateKeyTypes, passphrase: bytes, at: datetime
    ) -> None:
        org = json.loads(_read(self.ca_dir / "pki.json"))
        dept = json.loads(_read(self.seals_dir / code / "dept.json"))
        key, cert = _new_seal(ca_key, self.root_cert(), org, dept, at)
        self._install(code, key, cert, [], passphrase)

    def _install(
        self,
        code: str,
        key: PrivateKeyTypes,
        cert: x509.Certificate,
        chain: list[x509.Certificate],
        passphrase: bytes,
    ) -> None:
        """Make `cert` the current seal of `code`: new key (and chain) first, the old
        certificate into the history, then `cert.pem` (the commit), then the old key."""
        folder = self.seals_dir / code
        old = self._current_pair(code)[:2] if (folder / "cert.pem").is_file() else None
        serial = _hex(cert.serial_number)
        _write(folder / f"{serial}.key.pem", _encrypt(key, passphrase), private=True)
        if chain:
            _write(folder / f"{serial}.chain.pem", _pem_all(chain))
        if old is not None:
            self._keep_in_history(code, old[0])
        _write(folder / "cert.pem", cert.public_bytes(serialization.Encoding.PEM))
        if old is not None:
            old[1].unlink(missing_ok=True)
            self._chain_path(code, old[0]).unlink(missing_ok=True)
        _fsync_dir(folder)

    def _keep_in_history(self, code: str, cert: x509.Certificate) -> None:
        """Copy `cert` (and its chain, if imported) into the department's history, named by
        serial (plus a fingerprint if another issuer used the same serial)."""
        history = self.seals_dir / code / "history"
        history.mkdir(mode=0o700, exist_ok=True)
        pem = cert.public_bytes(serialization.Encoding.PEM)
        name = _hex(cert.serial_number)
        if (history / f"{name}.pem").exists() and _read(history / f"{name}.pem") != pem:
            name = f"{name}-{cert.fingerprint(hashes.SHA256()).hex()[:12]}"
        _write(history / f"{name}.pem", pem)
        chain = self._chain_path(code, cert)
        if chain.is_file():
            _write(history / f"{name}.chain.pem", _read(chain))

    def _sweep(self) -> None:
        """Remove what interrupted writes left (temporary files, keys of seals that never
        became current). Called under the lock, when no write is in flight."""
        seal_dirs = [p for p in self.seals_dir.glob("*") if p.is_dir()]
        for folder in [self.ca_dir, *seal_dirs, *(p / "history" for p in seal_dirs)]:
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        for code in self.departments():
            cert = self._current_cert(code)
            keep = {f"{_hex(cert.serial_number)}.key.pem", f"{_hex(cert.serial_number)}.chain.pem"}
            for path in (self.seals_dir / code).glob("*.pem"):
                if path.name.endswith((".key.pem", ".chain.pem")) and path.name not in keep:
                    path.unlink(missing_ok=True)


# --- certificates, keys and CRLs ------------------------------------------------------


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
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
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
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .add_extension(_crl_distribution_point(root), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return key, cert


def _crl_distribution_point(root: x509.Certificate) -> x509.CRLDistributionPoints:
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


def _issue_crl(
    ca_key: PrivateKeyTypes,
    root: x509.Certificate,
    revocations: list[dict[str, str]],
    number: int,
    at: datetime,
) -> bytes:
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
            .revocation_date(_parse_iso(entry["date"]))
        )
        if entry["reason"] != "unspecified":  # RFC 5280 5.3.1: omit rather than say it
            revoked = revoked.add_extension(x509.CRLReason(REASONS[entry["reason"]]), False)
        builder = builder.add_revoked_certificate(revoked.build())
    crl = builder.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    return crl.public_bytes(serialization.Encoding.DER)


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
    if not _same_key(key, cert):
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
        raise BadInput(f"{path}: the certificate expired on {_iso(cert.not_valid_after_utc)}")
    if at < cert.not_valid_before_utc:
        raise BadInput(
            f"{path}: the certificate is not valid before {_iso(cert.not_valid_before_utc)}"
        )
    return key, cert, _order_chain(cert, list(extra))


def _order_chain(cert: x509.Certificate, pool: list[x509.Certificate]) -> list[x509.Certificate]:
    """The issuers of `cert` found in `pool`, nearest first, up to a self-signed root."""
    chain: list[x509.Certificate] = []
    current = cert
    while True:
        issuer = next((c for c in pool if c not in chain and _issued_by(current, c)), None)
        if issuer is None or issuer == current:
            return chain
        chain.append(issuer)
        if issuer.subject == issuer.issuer:
            return chain
        current = issuer


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _same_key(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki)


def _encrypt(key: PrivateKeyTypes, passphrase: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def _decrypt(data: bytes, passphrase: bytes) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise WrongPassphrase("wrong passphrase") from exc


def _check_passphrase(passphrase: bytes) -> None:
    if not isinstance(passphrase, bytes) or not passphrase:
        raise BadInput("an empty passphrase is not allowed")


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


def _load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(_read(path))
    except ValueError as exc:
        raise IntegrityError(f"{path}: not a readable certificate") from exc


def _load_certs(path: Path) -> list[x509.Certificate]:
    if not path.is_file():
        return []
    try:
        return x509.load_pem_x509_certificates(_read(path))
    except ValueError as exc:
        raise IntegrityError(f"{path}: not a readable certificate chain") from exc


def _pem_all(certs: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _dn(name: x509.Name) -> str:
    """RFC 4514 text of `name`, spelling out serialNumber (which has no standard short name)."""
    return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"})


def _hex(serial: int) -> str:
    return f"{serial:X}"


# --- time ------------------------------------------------------------------------------


def _utc(now: datetime | None) -> datetime:
    """`now` (naive means UTC) or the current time, in UTC, to the whole second as X.509
    stores it."""
    at = datetime.now(UTC) if now is None else now
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.replace(microsecond=0)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# --- files -----------------------------------------------------------------------------


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise IntegrityError(f"{path}: missing from the seal PKI") from exc


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Replace `path` with `data` atomically; 0600 if `private`, else 0644."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _lock(keys_dir: Path) -> Iterator[None]:
    """An exclusive lock on the keys folder itself, held for one change to the PKI."""
    fd = os.open(keys_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
