"""Schema migrations: an older data home is brought up to date in place, losing nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from archive import audit, catalog
from archive.migrations import MIGRATIONS
from tests.conftest import Bureau
from tests.factories import make_docx


def downgrade_to_schema_1(path) -> None:
    """Make the catalog look as the first release left it (before the number register):
    its trail chained with the first release's hash formula, without MACs or states, and no
    master key ring (it came with encryption, in schema 4)."""
    (Path(path).parent / "keys" / "master.json").unlink()
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    prev = audit.GENESIS
    for e in conn.execute("SELECT * FROM audit ORDER BY seq").fetchall():
        digest = audit.entry_hash(
            e["seq"], e["at"], e["actor"], e["action"], e["item_id"], e["detail"], prev
        )
        conn.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, e["seq"])
        )
        prev = digest
    conn.execute("UPDATE audit_head SET hash = ?", (prev,))
    for statement in (
        "DROP TABLE states",
        "ALTER TABLE audit DROP COLUMN states",
        "ALTER TABLE audit DROP COLUMN mac",
        "ALTER TABLE audit_head DROP COLUMN mac",
        "DROP TABLE disposal_items",
        "DROP TABLE disposal_lists",
        "DROP TABLE reviews",
        "DROP TABLE holds",
        "DROP TABLE categories",
        "DROP INDEX items_due",
        "DROP INDEX items_category",
        *(
            f"ALTER TABLE items DROP COLUMN {column}"
            for column in ("category", "due", "retention_override", "disposal_list", "disposed_at")
        ),
        "DELETE FROM meta WHERE key = 'schedule_digest'",
        "DROP TABLE web_sessions",
        "DROP TABLE signin_failures",
        "DROP TABLE users",
        "DROP TABLE item_keys",
        "DROP INDEX files_stored_sha256",
        "ALTER TABLE files DROP COLUMN stored_sha256",
        "ALTER TABLE files DROP COLUMN stored_size",
        "ALTER TABLE items DROP COLUMN encrypted",
        "ALTER TABLE items DROP COLUMN declassify_on",
    ):
        conn.execute(statement)
    conn.execute("DROP TABLE doc_numbers")
    conn.execute("ALTER TABLE items DROP COLUMN sealed")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


def test_an_older_home_is_upgraded_in_place_keeping_its_items(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "old.docx", title="Filed by the first release")
    item = bureau.json(
        "file", doc, "--kind", "notice", "--dept", "BGS", "--retention", "Y", "--date", "2026-01-05"
    )
    downgrade_to_schema_1(bureau.root / "catalog.sqlite")
    assert bureau.json("upgrade")["schema_version"] == len(MIGRATIONS)
    upgraded = bureau.json("show", item["id"])
    assert upgraded["sha256"] == item["sha256"]
    # filed before the schedule: given the category that matches, keeping its own period
    assert (upgraded["category"], upgraded["due"]) == ("WS-GEN-11", None)
    assert upgraded["retention_override"] is True
    assert bureau.json("audit", "verify")["ok"] is True
    actions = [e["action"] for e in bureau.json("audit", "log")]
    # the first user after the upgrade is admin
    assert actions[-3:] == ["upgrade", "schedule", "user_add"]


def test_an_older_home_is_upgraded_on_first_use_by_any_command(bureau: Bureau):
    downgrade_to_schema_1(bureau.root / "catalog.sqlite")
    bureau.ok("list")
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    assert catalog.schema_version(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT COUNT(*) FROM doc_numbers").fetchone()[0] == 0


def test_an_older_homes_trail_is_authenticated_once_by_upgrade(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "old.docx", title="Filed by the first release")
    bureau.json("file", doc, "--kind", "notice", "--dept", "BGS", "--date", "2026-01-05")
    downgrade_to_schema_1(bureau.root / "catalog.sqlite")
    bureau.ok("upgrade")  # its own upgrade entry authenticates the trail first
    actions = [e["action"] for e in bureau.json("audit", "log")]
    assert actions.count("audit_authenticate") == 1
    assert actions.index("audit_authenticate") < actions.index("upgrade")
    report = bureau.json("audit", "verify")
    assert (report["ok"], report["authenticated"]) == (True, True)
    bureau.ok("upgrade")
    assert [e["action"] for e in bureau.json("audit", "log")].count("audit_authenticate") == 1
    ring = json.loads((bureau.root / "keys" / "master.json").read_text(encoding="utf-8"))
    assert ring["format"] == 2  # from now on a trail without MACs is a stripped one


def test_an_older_trail_already_broken_is_not_authenticated(bureau: Bureau, tmp_path):
    doc = make_docx(tmp_path / "old.docx", title="Filed by the first release")
    bureau.json("file", doc, "--kind", "notice", "--dept", "BGS", "--date", "2026-01-05")
    downgrade_to_schema_1(bureau.root / "catalog.sqlite")
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    conn.commit()
    conn.close()
    result = bureau.fails(1, "upgrade")
    assert "cannot be authenticated" in result.err and "entry 2" in result.err
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM audit WHERE mac IS NOT NULL").fetchone()[0] == 0
    conn.close()


def test_an_older_homes_users_act_unchecked_until_an_administrator_sets_their_passwords(
    bureau: Bureau,
):
    downgrade_to_schema_1(bureau.root / "catalog.sqlite")
    assert bureau.json("upgrade")["without_password"] == ["tester"]
    warned = bureau.ok("list", env={"BUREAU_PASSWORD": "anything at all"})
    assert "has no password yet" in warned.err and "users set-password tester" in warned.err
    bureau.ok("users", "set-password", "tester")
    assert bureau.json("upgrade")["without_password"] == []
    assert "wrong password" in bureau.fails(2, "list", env={"BUREAU_PASSWORD": "nope"}).err
    assert bureau.json("audit", "verify")["ok"] is True
