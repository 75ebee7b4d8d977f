"""`bureau catalog copy --to postgresql://…`: an embedded home's catalog moved into an empty
PostgreSQL database, verified, and the home switched to it; on any failure the home stays
on SQLite as it was."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from archive import pgcatalog
from tests import catalog_sql
from tests.conftest import Bureau
from tests.factories import make_docx
from tests.pg_server import PgServer
from tests.postgres.filed import NOTICE, two_items


@pytest.fixture
def embedded(pristine_home: Path, tmp_path: Path) -> Bureau:
    """A fresh home with its catalog in its own SQLite file (the default)."""
    shutil.copytree(pristine_home, tmp_path / "home", symlinks=True)
    return Bureau(tmp_path / "home", tmp_path)


def fill(bureau: Bureau, folder: Path) -> list[dict]:
    """Two items (one encrypted), a hold and a second user: a bit of every table."""
    filed = two_items(bureau, folder)
    bureau.ok("retention", "hold", filed[0]["id"], "--reason", "audit of 2026")
    bureau.ok(
        "users", "add", "li", "--role", "secretary", "--clearance", "internal", "--dept", "BGS"
    )
    return filed


def settings(bureau: Bureau) -> dict:
    return yaml.safe_load((bureau.root / "config.yaml").read_text(encoding="utf-8"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_catalog_moves_verified_and_the_home_then_uses_it(
    embedded: Bureau, pg_url: str, tmp_path: Path
):
    filed = fill(embedded, tmp_path)
    before = embedded.json("list")
    moved = embedded.json("catalog", "copy", "--to", pg_url)
    assert moved["catalog"] == "postgresql" and moved["to"] == pg_url
    assert moved["tables"]["items"] == 2 and moved["tables"]["holds"] == 1
    assert moved["tables"]["audit"] > 5 and moved["rows"] == sum(moved["tables"].values())
    assert embedded.json("info", "--json")["catalog"] == "postgresql"
    assert settings(embedded)["catalog"] == pg_url
    assert embedded.json("list") == before
    embedded.ok("get", filed[1]["id"], "--out", tmp_path / "b-again.docx")
    assert (tmp_path / "b-again.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    assert embedded.json("audit", "verify")["ok"]


def test_after_the_move_numbers_and_ids_continue_where_sqlite_left_them(
    embedded: Bureau, pg_url: str, tmp_path: Path
):
    filed = fill(embedded, tmp_path)
    embedded.ok("catalog", "copy", "--to", pg_url)
    third = embedded.json("file", make_docx(tmp_path / "c.docx", "text c", "Charlie"), *NOTICE)
    assert third["archive_code"].endswith("BGS-0003")
    embedded.ok("retention", "hold", filed[1]["id"], "--reason", "a second hold")
    assert embedded.json("audit", "verify")["ok"]


def test_the_old_catalog_file_is_kept_read_only(embedded: Bureau, pg_url: str, tmp_path: Path):
    fill(embedded, tmp_path)
    embedded.ok("catalog", "copy", "--to", pg_url)
    catalog_file = embedded.root / "catalog.sqlite"
    assert catalog_file.is_file()
    assert catalog_file.stat().st_mode & 0o222 == 0


def test_a_database_that_is_not_empty_is_refused_and_the_home_stays_on_sqlite(
    embedded: Bureau, pg_url: str, tmp_path: Path
):
    fill(embedded, tmp_path)
    pgcatalog.create(pg_url).close()
    kept = digest(embedded.root / "catalog.sqlite")
    result = embedded.fails(2, "catalog", "copy", "--to", pg_url)
    assert "not empty" in result.err and len(result.err.strip().splitlines()) == 1
    assert settings(embedded)["catalog"] == "sqlite"
    assert digest(embedded.root / "catalog.sqlite") == kept
    assert len(embedded.json("list")) == 2


def test_an_unreachable_server_is_refused_and_the_home_stays_on_sqlite(
    embedded: Bureau, pg_url: str, pg_server: PgServer
):
    unreachable = pg_url.replace(f":{pg_server.port}/", ":1/")
    result = embedded.fails(2, "catalog", "copy", "--to", unreachable)
    assert "cannot reach the catalog at postgresql://bureau@127.0.0.1:1/" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert settings(embedded)["catalog"] == "sqlite"


def test_only_an_administrator_moves_the_catalog(embedded: Bureau, pg_url: str, tmp_path: Path):
    fill(embedded, tmp_path)
    result = embedded.fails(2, "catalog", "copy", "--to", pg_url, env={"BUREAU_USER": "li"})
    assert "move the catalog" in result.err
    assert settings(embedded)["catalog"] == "sqlite"
    with closing(pgcatalog.connect(pg_url)) as conn:
        assert conn.tables() == []


def test_a_copy_killed_in_the_middle_leaves_the_database_empty_and_the_home_on_sqlite(
    embedded: Bureau, pg_url: str, pg_server: PgServer, tmp_path: Path
):
    fill(embedded, tmp_path)
    kept = digest(embedded.root / "catalog.sqlite")
    database = pg_url.rsplit("/", 1)[1]
    with closing(pg_server.admin(database)) as blocker:
        blocker.execute("SELECT pg_advisory_lock(%s)", (pgcatalog.WRITER_LOCK,))
        copying = subprocess.Popen(
            embedded.command("catalog", "copy", "--to", pg_url),
            cwd=tmp_path,
            env=embedded.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until_waiting_for_the_writer_lock(blocker, copying)
        copying.send_signal(signal.SIGKILL)
        copying.wait(timeout=60)
    assert settings(embedded)["catalog"] == "sqlite"
    assert digest(embedded.root / "catalog.sqlite") == kept
    with closing(pgcatalog.connect(pg_url)) as conn:
        assert conn.tables() == []
    assert embedded.json("catalog", "copy", "--to", pg_url)["tables"]["items"] == 2


def _wait_until_waiting_for_the_writer_lock(admin, process: subprocess.Popen) -> None:
    """The copy has begun its transaction and waits for the writer lock the test holds."""
    while process.poll() is None:
        waiting = admin.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'bureau' "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError(f"the copy ended ({process.returncode}) before reaching the lock")


@pytest.mark.parametrize("target", ["sqlite", "mysql://bureau@db/bureau"])
def test_only_a_postgresql_url_is_a_place_to_copy_to(embedded: Bureau, target: str):
    result = embedded.fails(2, "catalog", "copy", "--to", target)
    assert "postgresql://" in result.err and len(result.err.strip().splitlines()) == 1
    assert settings(embedded)["catalog"] == "sqlite"


def test_a_home_already_on_postgresql_is_not_copied_again(pg_bureau: Bureau, pg_url: str):
    result = pg_bureau.fails(2, "catalog", "copy", "--to", pg_url)
    assert "already in PostgreSQL" in result.err


def test_a_catalog_holding_text_postgresql_cannot_store_is_not_moved(
    embedded: Bureau, pg_url: str, tmp_path: Path
):
    fill(embedded, tmp_path)
    catalog_sql.execute(
        embedded.root, "UPDATE users SET display_name = ? WHERE name = 'li'", "a\x00b"
    )
    result = embedded.fails(2, "catalog", "copy", "--to", pg_url)
    assert "table users holds a value PostgreSQL cannot store" in result.err
    assert settings(embedded)["catalog"] == "sqlite"
    with closing(pgcatalog.connect(pg_url)) as conn:
        assert conn.tables() == []
