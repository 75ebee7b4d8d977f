"""The bureau's seals put together: the PKI in a data home, sealing PDFs and items, and
verification for auditors. Spans the archive (items, audit trail) and `seals/`.
"""

from __future__ import annotations

from pathlib import Path

from archive import audit, catalog
from archive.errors import BadInput
from archive.service import Archive
from seals.pki import NoPki, Pki, SealInfo, create_pki


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


def renew(archive: Archive, dept: str, passphrase: bytes) -> SealInfo:
    code = archive.config.department(dept).code
    info = pki(archive).renew(code, passphrase)
    _record(archive, "seal_renew", None, {"dept": code, "serial": info.serial})
    return info


def revoke(archive: Archive, dept: str, reason: str, passphrase: bytes) -> SealInfo:
    code = archive.config.department(dept).code
    old = pki(archive).seal(code)
    info = pki(archive).revoke(code, reason, passphrase)
    detail = {"dept": code, "revoked": old.serial, "reason": reason, "serial": info.serial}
    _record(archive, "seal_revoke", None, detail)
    return info


def import_p12(
    archive: Archive, dept: str, path: Path, p12_password: bytes | None, passphrase: bytes
) -> SealInfo:
    code = archive.config.department(dept).code
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    info = pki(archive).import_p12(code, path, p12_password, passphrase)
    _record(archive, "seal_import", None, {"dept": code, "serial": info.serial})
    return info


def stamp_text(archive: Archive, dept: str, lang: str) -> str:
    """The text of a department's stamp: the issuing organ as GB/T 9704 signs documents."""
    department = archive.config.department(dept)
    if lang == "zh":
        return f"{archive.config.org_zh}{department.name_zh}"
    return f"{department.name_en}, {archive.config.org_en}"


def _record(archive: Archive, action: str, item: str | None, detail: dict) -> None:
    with catalog.write(archive.conn):
        audit.append(archive.conn, archive.actor, action, item, detail)
