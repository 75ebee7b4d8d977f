"""The bureau's seals put together: the PKI in a data home, sealing PDFs and items, and
verification for auditors. Spans the archive (items, audit trail) and `seals/`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography import x509
from pyhanko.sign.timestamps import TimeStamper

from archive import atomic, audit, catalog
from archive.errors import BadInput, BureauError
from archive.filing import FiledResult, FilingRequest, Source
from archive.fixity import Problem
from archive.service import Archive
from bureau.services import documents as filing
from seals.authority import Pki, SealInfo, create_pki
from seals.keystore import NoPki
from seals.material import SealMaterial
from seals.placement import clear_of_seals, find_seal_box
from seals.report import FileReport
from seals.sign import sign_pdf
from seals.stamp import organ_seal
from seals.verify import verify_pdf


def keys_dir(archive: Archive) -> Path:
    return archive.home.folder("keys")


def has_pki(archive: Archive) -> bool:
    try:
        Pki(keys_dir(archive))
    except NoPki:
        return False
    return True


def ensure_pki(archive: Archive, passphrase: bytes) -> bool:
    """Create the home's PKI (root CA, one seal per department) if it has none; add seals
    for departments configured since. Returns whether anything was created."""
    keys = keys_dir(archive)
    keys.mkdir(exist_ok=True)
    departments = [(d.code, d.name_en, d.name_zh) for d in archive.config.departments]
    created = False
    if not has_pki(archive):
        create_pki(keys, archive.config.org_en, archive.config.org_zh, departments, passphrase)
        created = True
    pki = Pki(keys)
    for code, name_en, name_zh in departments:
        if code not in pki.departments():
            pki.add_department(code, name_en, name_zh, passphrase)
            created = True
    if created:
        _record(archive, "pki", None, {"seals": [s.serial for s in pki.seals()]})
    return created


def pki(archive: Archive) -> Pki:
    return Pki(keys_dir(archive))


def seals(archive: Archive) -> list[SealInfo]:
    """Every department's seal certificate, current and past."""
    return pki(archive).seals()


def export_root(archive: Archive, path: Path, overwrite: bool = False) -> Path:
    """The root certificate as PEM, for verifiers outside the bureau."""
    archive.require("verify", "export the root certificate")
    return pki(archive).export_root(path, overwrite=overwrite)


def renew(archive: Archive, dept: str) -> SealInfo:
    """A new key and certificate for a department's seal."""
    archive.require("seals", "renew seals")
    passphrase = archive.vault.secret()
    code = archive.config.department(dept).code
    info = pki(archive).renew(code, passphrase)
    _record(archive, "seal_renew", None, {"dept": code, "serial": info.serial})
    return info


def revoke(archive: Archive, dept: str, reason: str) -> SealInfo:
    """Revoke a department's seal (its certificate goes on the CRL) and issue a new one."""
    archive.require("seals", "revoke seals")
    passphrase = archive.vault.secret()
    code = archive.config.department(dept).code
    old = pki(archive).seal(code)
    info = pki(archive).revoke(code, reason, passphrase)
    detail = {"dept": code, "revoked": old.serial, "reason": reason, "serial": info.serial}
    _record(archive, "seal_revoke", None, detail)
    return info


def import_p12(archive: Archive, dept: str, path: Path, p12_password: bytes | None) -> SealInfo:
    """Replace a department's seal with a key and certificate from another CA."""
    archive.require("seals", "import seals")
    passphrase = archive.vault.secret()
    code = archive.config.department(dept).code
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    info = pki(archive).import_p12(code, path, p12_password, passphrase)
    _record(archive, "seal_import", None, {"dept": code, "serial": info.serial})
    return info


def _record(archive: Archive, action: str, item: str | None, detail: dict) -> None:
    with catalog.write(archive.conn):
        audit.append(archive.conn, archive.actor, action, item, detail)


# -- sealing -----------------------------------------------------------------------------


def timestamper(archive: Archive) -> TimeStamper | None:
    """The configured timestamp authority (`timestamp_url`), if any."""
    url = archive.config.extra.get("timestamp_url")
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(str(url))


def sealer(archive: Archive) -> Sealer:
    """A sealer for the acting user, who must be allowed to seal (`generate --sign`)."""
    archive.require("seal", "seal documents")
    return Sealer(archive, archive.vault.secret())


class Sealer:
    """Seals PDFs for departments of one data home, loading each seal's key once."""

    def __init__(self, archive: Archive, passphrase: bytes) -> None:
        self.archive = archive
        self.passphrase = passphrase
        self._materials: dict[tuple[str, str], SealMaterial] = {}

    def material(self, dept: str, lang: str) -> SealMaterial:
        """The department's seal for documents in `lang`: its ring reads the issuing organ's
        full name as the document signs it (`Config.organ`, the one organ-name rule)."""
        code = self.archive.config.department(dept).code
        if (code, lang) not in self._materials:
            organ = self.archive.config.organ(code, lang)
            material = pki(self.archive).signing_material(code, self.passphrase, organ)
            self._materials[(code, lang)] = dataclasses.replace(
                material, image=organ_seal(organ), ring_text=organ
            )
        return self._materials[(code, lang)]

    def seal(self, pdf: bytes, dept: str, lang: str, anchors: Sequence[str] = ()) -> bytes:
        """`pdf` with the department's seal over its issuing organ and date (GB/T 9704)."""
        material = self.material(dept, lang)
        box = find_seal_box(pdf, [a for a in anchors if a]) if anchors else None
        if box is not None:
            box = clear_of_seals(pdf, box)
        return sign_pdf(pdf, material, placement=box, timestamper=timestamper(self.archive))


def sign_file(archive: Archive, source: Path, dept: str, out: Path, force: bool) -> Path:
    """Seal a PDF on disk (not filed) into `out`, written atomically."""
    archive.require("seal", "seal documents")
    if out.exists() and not force:
        raise BadInput(f"{out}: already exists (use --force to replace it)")
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{source}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{source}: not a file") from None
    sealed = Sealer(archive, archive.vault.secret()).seal(data, dept, archive.config.language)
    _write_atomically(out, sealed)
    code = archive.config.department(dept).code
    detail = {"dept": code, "source_sha256": _sha(data), "sha256": _sha(sealed)}
    _record(archive, "seal", None, detail)
    return out


def sign_item(archive: Archive, ref: str, dept: str) -> FiledResult:
    """Seal an item's official PDF and file the sealed PDF as a new version of the item."""
    archive.require("seal", "seal documents")
    item = archive.resolve(ref)
    official = item.official
    if official.rendition != "pdf":
        raise BadInput(
            f"{item.archive_code} has no PDF to seal: its official rendition is "
            f"{official.rendition} (generate with --pdf, or file a PDF)"
        )
    content = archive.read_content(item, official)
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in item.title) else "en"
    # over the sealing department's own name: in a joint document each organ seals its own
    sealed = Sealer(archive, archive.vault.secret()).seal(
        content, dept, lang, _anchors(archive, dept, item.date, lang)
    )
    with tempfile.TemporaryDirectory(prefix="bureau-sign-") as tmp:
        pdf_path = Path(tmp) / official.name
        pdf_path.write_bytes(sealed)
        documents = [Source(pdf_path, official.name)]
        docx = item.rendition("docx")
        if docx:
            docx_path = Path(tmp) / "rendition.docx"
            docx_path.write_bytes(archive.read_content(item, docx))
            documents.append(Source(docx_path, docx.name))
        request = FilingRequest(
            documents=documents,
            official="pdf",
            kind=item.kind,
            dept=item.dept,
            title=item.title,
            date=item.date,
            classification=item.classification,
            retention=item.retention,
            category=item.category,
            doc_no=item.doc_no,
            template=item.template,
            supersedes=item.id,
        )
        return filing.file_generated(archive, request)


def _anchors(archive: Archive, dept: str, day: str, lang: str) -> list[str]:
    """The texts a seal overlaps: the issuing organ and the date, as the templates print them."""
    from datetime import date

    from generators.render import format_date

    return [archive.config.organ(dept, lang), format_date(date.fromisoformat(day), lang)]


# -- verification ----------------------------------------------------------------------------


def verify_files(
    archive: Archive | None,
    paths: Sequence[Path],
    extra_roots: Sequence[Path],
    at: datetime | None,
) -> list[FileReport]:
    """Verify each PDF against the bureau's root (when there is a home) and `extra_roots`.
    Without a home anybody may verify: only the roots they give are trusted."""
    if archive is not None:
        archive.require("verify", "verify PDFs")
    trust = [_load_root(p) for p in extra_roots]
    bureau_roots: list[x509.Certificate] = []
    crls: list[bytes] = []
    known: list[x509.Certificate] = []
    if archive is not None and has_pki(archive):
        home_pki = pki(archive)
        bureau_roots, crls, known = (
            [home_pki.root_cert()],
            [home_pki.crl()],
            home_pki.all_certificates(),
        )
    reports = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = f"cannot read the file: {exc.strerror or exc}"
            reports.append(FileReport(str(path), "TOTAL_FAILED", "FORMAT_FAILURE", error=reason))
            continue
        reports.append(
            verify_pdf(
                data,
                name=str(path),
                trust_roots=trust,
                bureau_roots=bureau_roots,
                current_crls=crls,
                at=at,
                known_certs=known,
            )
        )
    return reports


def reverify_sealed(archive: Archive) -> list[Problem]:
    """Every sealed item whose official PDF no longer verifies, as fixity problems."""
    if not has_pki(archive):
        return []
    home_pki = pki(archive)
    roots, crls, known = [home_pki.root_cert()], [home_pki.crl()], home_pki.all_certificates()
    problems = []
    for item in archive.sealed_items():
        try:
            content = archive.read_content(item, item.official)
        except BureauError:
            continue  # the fixity check reports the file itself (or the key is not at hand)
        report = verify_pdf(
            content,
            name=item.archive_code,
            trust_roots=(),
            bureau_roots=roots,
            current_crls=crls,
            known_certs=known,
        )
        if not report.passed:
            problems.append(
                Problem(
                    "seal_invalid",
                    f"its seal does not verify: {report.indication}"
                    + (f"/{report.subindication}" if report.subindication else ""),
                    item.id,
                    item.archive_code,
                )
            )
    return problems


def _load_root(path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the trust root: {exc.strerror or exc}") from None
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            raise BadInput(f"{path}: not a certificate (PEM or DER)") from None


def _write_atomically(out: Path, data: bytes) -> None:
    if not out.parent.is_dir():
        raise BadInput(f"{out.parent}: no such directory")
    atomic.write_bytes(out, data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
