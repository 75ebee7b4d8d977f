"""A data home's own life: creating one, bringing an older one up to date, and cleaning
what interrupted filings left in its store."""

from __future__ import annotations

import shutil
from typing import Any

from archive import home, passwords
from archive.backends import (
    EMBEDDED_CATALOG,
    LOCAL_STORE,
    catalog_kind,
    catalog_setting,
    store_kind,
    store_setting,
)
from archive.errors import HomeError
from archive.service import Archive
from bureau.services import sealing
from bureau.services.session import Actor


def create(
    root: str | None,
    actor: Actor,
    org: str | None,
    fonds: str,
    lang: str,
    catalog_at: str = EMBEDDED_CATALOG,
    store_at: str = LOCAL_STORE,
) -> dict[str, Any]:
    """A new data home with its keys and one seal per department; the acting user becomes
    its first administrator. HomeError if a home (or anything else) is already there.
    `catalog_at` and `store_at` (archive/backends.py) are checked before anything is asked."""
    catalog_at, store_at = catalog_setting(catalog_at), store_setting(store_at)
    data_home = home.resolve(root)
    if data_home.root.exists() and any(data_home.root.iterdir()):
        raise HomeError(f"{data_home.root}: a data home (or other files) already exists there")
    passphrase = actor.passphrase()  # both before anything is created
    password = passwords.check_new(actor.password())
    with Archive.init(
        data_home,
        org=org,
        fonds=fonds,
        lang=lang,
        actor=actor.name,
        passphrase=lambda: passphrase,
        catalog_at=catalog_at,
        store_at=store_at,
    ) as archive:
        try:
            archive.set_password(archive.actor, password)
            sealing.ensure_pki(archive, passphrase)
        except BaseException:
            shutil.rmtree(data_home.root, ignore_errors=True)  # ours, made a moment ago
            raise
        return {
            "home": str(data_home.root),
            "fonds": archive.config.fonds,
            "seals": len(archive.config.departments),
            "admin": archive.actor,
            "catalog": catalog_kind(catalog_at),
            "store": store_kind(store_at),
        }


def info(archive: Archive) -> dict[str, Any]:
    """Where this home keeps its catalog, files and index, and its schema version: what an
    operator checks on each server. Never a secret: the settings hold none."""
    settings = archive.config
    return {
        "home": str(archive.home.root),
        "fonds": settings.fonds,
        "catalog": catalog_kind(settings.catalog),
        "catalog_location": (
            str(archive.home.catalog_path)
            if settings.catalog == EMBEDDED_CATALOG
            else settings.catalog
        ),
        "store": store_kind(settings.store),
        "store_location": (
            str(archive.home.store_path) if settings.store == LOCAL_STORE else settings.store
        ),
        "index": settings.index_engine,
        "schema_version": archive.schema_version(),
    }


def move_catalog(archive: Archive, url: str) -> dict[str, Any]:
    """Move the home's catalog from its SQLite file into the empty PostgreSQL database at
    `url`, verified, and switch the home to it (administrators only). The SQLite file is
    kept, read-only, until removed by hand."""
    archive.require("users", "move the catalog")
    from archive import catalogcopy  # psycopg loads only for PostgreSQL

    sums = catalogcopy.move_to_postgresql(archive, url)
    return {
        "catalog": "postgresql",
        "to": url,
        "tables": {s.table: s.rows for s in sums},
        "rows": sum(s.rows for s in sums),
        "kept": str(archive.home.catalog_path),
    }


def upgrade(archive: Archive) -> dict[str, Any]:
    """Bring a home made by an older release up to date: its master key, an authenticated
    audit trail, and a seal for every department. Its search index's engine is reported,
    not changed: switching rebuilds the index (`bureau index rebuild --engine tantivy`),
    which takes a while on a large home."""
    archive.require("users", "upgrade the data home")
    added = []
    if archive.ensure_master_key():
        added.append("master key")
    if archive.prepare_trail():
        added.append("audit trail authenticated")
    if not sealing.has_pki(archive) or _missing_seals(archive):
        sealing.ensure_pki(archive, archive.vault.secret())
        added.append("seals")
    return {
        "schema_version": archive.schema_version(),
        "added": added,
        "without_password": archive.users_without_password(),
        "index_engine": archive.config.index_engine,
    }


def _missing_seals(archive: Archive) -> bool:
    have = set(sealing.pki(archive).departments())
    return any(d.code not in have for d in archive.config.departments)


def sweep(archive: Archive, grace: float | None = None) -> list[str]:
    """Remove what interrupted filings left in the store, older than `grace` seconds
    (default: the home's configured grace)."""
    archive.require("index", "clean the store")
    return archive.sweep(archive.config.orphan_grace_seconds if grace is None else grace)
