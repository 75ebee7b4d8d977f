"""Where the seal PKI keeps its files: the layout under the data home's `keys/` folder, the
private keys encrypted with the home passphrase, and how files change without a kill ever
leaving a department with a certificate but no key.

On-disk layout, under `keys/`:

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
Every file is written atomically, private keys 0600 and never in clear, and every change
holds the one lock of `keys/` (all three as archive.keyfiles decides them for the folder),
so two commands, or a seal change and a master key rotation, never interleave their writes.
A new PKI is built in a staging folder and moved into place whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from archive import atomic, keyfiles
from archive.codes import DEPT_RE
from archive.errors import BadInput, IntegrityError, NotFound, OperationFailed
from seals.certs import pem_all, serial_hex


class NoPki(BadInput):
    """The data home has no seal PKI yet."""


class PkiExists(BadInput):
    """`create_pki` was asked to create a PKI where there already is one."""


class WrongPassphrase(BadInput):
    """The passphrase does not decrypt the home's private keys."""


# --- a new PKI ------------------------------------------------------------------------


@contextmanager
def staging(keys_dir: Path) -> Iterator[Path]:
    """Under the lock of `keys_dir`, a staging folder in which to build `ca/` and `seals/`;
    when the block ends without error they are moved into place (`seals/` first, then
    `ca/`, whose arrival marks the PKI as present; a `seals/` without `ca/` is a leftover
    of an interrupted run and is replaced). PkiExists if there already is a PKI."""
    keys_dir = Path(keys_dir)
    with keyfiles.exclusive(keys_dir, wait=True):
        if (keys_dir / "ca").exists():
            raise PkiExists(f"{keys_dir}: a seal PKI already exists there")
        for leftover in keys_dir.glob(".pki-staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(dir=keys_dir, prefix=".pki-staging-"))
        try:
            (folder / "ca").mkdir(mode=keyfiles.FOLDER_MODE)
            (folder / "seals").mkdir(mode=keyfiles.FOLDER_MODE)
            yield folder
            _move_into_place(folder, keys_dir)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _move_into_place(staged: Path, keys_dir: Path) -> None:
    seals, ca = keys_dir / "seals", keys_dir / "ca"
    if seals.is_dir() and not seals.is_symlink():
        shutil.rmtree(seals)  # an interrupted creation's; `ca/` is absent (checked under lock)
    placed_seals = False
    try:
        os.rename(staged / "seals", seals)
        placed_seals = True
        os.rename(staged / "ca", ca)
        atomic.fsync_dir(keys_dir)
    except OSError as exc:
        if placed_seals:
            shutil.rmtree(seals, ignore_errors=True)
        raise OperationFailed(
            f"{keys_dir}: cannot put the new seal PKI in place: {exc.strerror or exc}"
        ) from exc


# --- an existing PKI ------------------------------------------------------------------


class KeyStore:
    """The files of one home's seal PKI: reading them, and changing them under the lock."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = Path(keys_dir)
        self.ca_dir = self.keys_dir / "ca"
        self.seals_dir = self.keys_dir / "seals"
        if not (self.ca_dir / "root.pem").is_file():
            raise NoPki("no PKI in this data home: run bureau upgrade")

    def lock(self) -> AbstractContextManager[None]:
        """The `keys/` folder's one lock, waited for: held for each change to the PKI."""
        return keyfiles.exclusive(self.keys_dir, wait=True)

    def departments(self) -> list[str]:
        """The codes of the departments that have a seal, sorted."""
        if not self.seals_dir.is_dir():
            return []
        return sorted(p.name for p in self.seals_dir.iterdir() if (p / "cert.pem").is_file())

    def dept(self, dept: str) -> str:
        """The code of `dept` if it has a seal; NotFound naming those that do if not."""
        code = dept.strip().upper()
        if not DEPT_RE.match(code) or not (self.seals_dir / code / "cert.pem").is_file():
            known = ", ".join(self.departments()) or "none"
            raise NotFound(f"no seal for department {dept!r}: seals exist for {known}")
        return code

    def root_cert(self) -> x509.Certificate:
        return load_cert(self.ca_dir / "root.pem")

    def ca_key(self, passphrase: bytes) -> PrivateKeyTypes:
        """The root's private key; WrongPassphrase if `passphrase` does not open it."""
        return decrypt(read(self.ca_dir / "root.key.pem"), passphrase)

    def organisation(self) -> dict[str, Any]:
        return json.loads(read(self.ca_dir / "pki.json"))

    def department_names(self, code: str) -> dict[str, str]:
        return json.loads(read(self.seals_dir / code / "dept.json"))

    def current_cert(self, code: str) -> x509.Certificate:
        return load_cert(self.seals_dir / code / "cert.pem")

    def current_pair(self, code: str) -> tuple[x509.Certificate, Path, bytes]:
        """The current certificate, its key file and that file's (encrypted) bytes, read
        consistently even while another process replaces them: the old key is deleted only
        after the new certificate is in, so a vanished key means "read cert.pem again"."""
        for _attempt in range(3):
            cert = self.current_cert(code)
            key_path = self.seals_dir / code / f"{serial_hex(cert.serial_number)}.key.pem"
            try:
                return cert, key_path, key_path.read_bytes()
            except FileNotFoundError:
                continue
        raise IntegrityError(f"seal {code}: the key of the current certificate is missing")

    def chain_path(self, code: str, cert: x509.Certificate) -> Path:
        return self.seals_dir / code / f"{serial_hex(cert.serial_number)}.chain.pem"

    def history(self, code: str) -> list[x509.Certificate]:
        """The department's earlier certificates, oldest first."""
        folder = self.seals_dir / code / "history"
        if not folder.is_dir():
            return []
        paths = [p for p in folder.glob("*.pem") if not p.name.endswith(".chain.pem")]
        return sorted((load_cert(p) for p in paths), key=lambda c: c.not_valid_before_utc)

    def picture(self, code: str) -> Path:
        return self.seals_dir / code / "seal.png"

    # changing (each under the lock) --------------------------------------------------------

    def add_department(self, dept: dict[str, str]) -> Path:
        """The folder of a department new to the PKI, with its names written; its seal is
        then `install`ed."""
        folder = self.seals_dir / dept["code"]
        (folder / "history").mkdir(mode=keyfiles.FOLDER_MODE, parents=True, exist_ok=True)
        keyfiles.write(folder / "dept.json", json_bytes(dept))
        return folder

    def install(
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
        old = self.current_pair(code)[:2] if (folder / "cert.pem").is_file() else None
        serial = serial_hex(cert.serial_number)
        keyfiles.write(folder / f"{serial}.key.pem", encrypt(key, passphrase), private=True)
        if chain:
            keyfiles.write(folder / f"{serial}.chain.pem", pem_all(chain))
        if old is not None:
            self._keep_in_history(code, old[0])
        keyfiles.write(folder / "cert.pem", cert.public_bytes(serialization.Encoding.PEM))
        if old is not None:
            old[1].unlink(missing_ok=True)
            self.chain_path(code, old[0]).unlink(missing_ok=True)
        atomic.fsync_dir(folder)

    def change_passphrase(self, old: bytes, new: bytes) -> None:
        """Re-encrypt every private key (seals first, the CA's last) with `new`.

        Each key file is replaced atomically by its re-encrypted copy, so at every moment
        each key opens with one of the two passphrases. If the run is interrupted, run it
        again with the same two passphrases: keys already re-encrypted are accepted as
        such. WrongPassphrase, with nothing changed, if some key opens with neither.
        """
        check_passphrase(new)
        with self.lock():
            files = [self.current_pair(d)[1:] for d in self.departments()]
            files.append((self.ca_dir / "root.key.pem", read(self.ca_dir / "root.key.pem")))
            keys = []
            for path, data in files:
                try:
                    keys.append((path, decrypt(data, old)))
                except WrongPassphrase:
                    keys.append((path, decrypt(data, new)))  # done by an interrupted run
            for path, key in keys:
                keyfiles.write(path, encrypt(key, new), private=True)
            self.sweep()

    def sweep(self) -> None:
        """Remove what interrupted writes left (temporary files, keys of seals that never
        became current). Called under the lock, when no write is in flight."""
        seal_dirs = [p for p in self.seals_dir.glob("*") if p.is_dir()]
        for folder in [self.ca_dir, *seal_dirs, *(p / "history" for p in seal_dirs)]:
            for pattern in (".*.part", ".*.tmp"):  # .tmp: left by releases before atomic.py
                for tmp in folder.glob(pattern):
                    tmp.unlink(missing_ok=True)
        for code in self.departments():
            serial = serial_hex(self.current_cert(code).serial_number)
            keep = {f"{serial}.key.pem", f"{serial}.chain.pem"}
            for path in (self.seals_dir / code).glob("*.pem"):
                if path.name.endswith((".key.pem", ".chain.pem")) and path.name not in keep:
                    path.unlink(missing_ok=True)

    def _keep_in_history(self, code: str, cert: x509.Certificate) -> None:
        """Copy `cert` (and its chain, if imported) into the department's history, named by
        serial (plus a fingerprint if another issuer used the same serial)."""
        history = self.seals_dir / code / "history"
        history.mkdir(mode=keyfiles.FOLDER_MODE, exist_ok=True)
        pem = cert.public_bytes(serialization.Encoding.PEM)
        name = serial_hex(cert.serial_number)
        if (history / f"{name}.pem").exists() and read(history / f"{name}.pem") != pem:
            name = f"{name}-{cert.fingerprint(hashes.SHA256()).hex()[:12]}"
        keyfiles.write(history / f"{name}.pem", pem)
        chain = self.chain_path(code, cert)
        if chain.is_file():
            keyfiles.write(history / f"{name}.chain.pem", read(chain))


# --- private keys ---------------------------------------------------------------------


def check_passphrase(passphrase: bytes) -> None:
    if not isinstance(passphrase, bytes) or not passphrase:
        raise BadInput("an empty passphrase is not allowed")


def encrypt(key: PrivateKeyTypes, passphrase: bytes) -> bytes:
    """`key` as encrypted PKCS#8 PEM, the only form in which a private key is stored."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def decrypt(data: bytes, passphrase: bytes) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise WrongPassphrase("wrong passphrase") from exc


# --- files ----------------------------------------------------------------------------


def read(path: Path) -> bytes:
    """A file of the PKI; IntegrityError if it is missing."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise IntegrityError(f"{path}: missing from the seal PKI") from exc


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(read(path))
    except ValueError as exc:
        raise IntegrityError(f"{path}: not a readable certificate") from exc


def load_certs(path: Path) -> list[x509.Certificate]:
    if not path.is_file():
        return []
    try:
        return x509.load_pem_x509_certificates(read(path))
    except ValueError as exc:
        raise IntegrityError(f"{path}: not a readable certificate chain") from exc
