"""Backups of a home whose catalog is in PostgreSQL: the catalog exported at one snapshot
into the same SQLite form an embedded home's backup holds, so `backup verify` and restore
are unchanged; a restore gives an embedded home."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from archive import catalog, catalogcopy, pgcatalog
from tests.conftest import Bureau
from tests.postgres.filed import two_items


def test_a_backup_verifies_and_restores_as_an_embedded_home(pg_bureau: Bureau, tmp_path: Path):
    items = two_items(pg_bureau, tmp_path)
    pg_bureau.ok("retention", "hold", items[0]["id"], "--reason", "kept for the inquiry")
    report = pg_bureau.json("backup", tmp_path / "backups")
    assert report["items"] == 2
    checked = Bureau(tmp_path / "unused", tmp_path).json("backup", "verify", tmp_path / "backups")
    assert checked["ok"], checked
    restored = Bureau(tmp_path / "restored", tmp_path)
    assert restored.json("restore", tmp_path / "backups")["items"] == 2
    assert restored.json("info", "--json")["catalog"] == "sqlite"
    assert (tmp_path / "restored" / "catalog.sqlite").is_file()
    assert restored.json("list") == pg_bureau.json("list")
    restored.ok("get", items[1]["id"], "--out", tmp_path / "b-restored.docx")
    assert (tmp_path / "b-restored.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    assert restored.json("audit", "verify")["ok"]


def test_a_restored_home_moves_into_postgresql_again(
    pg_bureau: Bureau, pg_url: str, tmp_path: Path
):
    two_items(pg_bureau, tmp_path)
    pg_bureau.ok("backup", tmp_path / "backups")
    restored = Bureau(tmp_path / "restored", tmp_path)
    restored.ok("restore", tmp_path / "backups")
    moved = restored.json("catalog", "copy", "--to", pg_url)
    assert moved["tables"]["items"] == 2
    assert restored.json("info", "--json")["catalog"] == "postgresql"
    assert restored.json("audit", "verify")["ok"]


def test_the_export_holds_every_table_as_the_catalog_does(pg_bureau: Bureau, tmp_path: Path):
    two_items(pg_bureau, tmp_path)
    url = pg_bureau.json("info", "--json")["catalog_location"]
    with (
        closing(pgcatalog.connect(url)) as source,
        closing(sqlite3.connect(tmp_path / "export.sqlite", isolation_level=None)) as copy,
    ):
        catalogcopy.export_to_sqlite(source, copy)
        assert not source.in_transaction
        assert catalog.schema_version(copy) == catalog.SCHEMA_VERSION
        for table in catalogcopy.tables():
            assert catalogcopy.summary(copy, table) == catalogcopy.summary(source, table)
