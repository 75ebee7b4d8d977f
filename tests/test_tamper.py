"""An intruder who can write the data home's files but lacks the passphrase.

Every change here is made with the sqlite3 module directly on the home's catalog, as such
an intruder would. Each must be found by `audit verify` (with the passphrase) and must not
be obeyed by an access decision; a legitimate history of operations must verify clean.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import audit, fixity
from archive.filing import FilingRequest, Source
from archive.service import Archive
from tests.conftest import Bureau, Result
from tests.factories import make_docx

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]
CHANGED = "catalog row differs from the audit trail (changed outside the program)"


@pytest.fixture
def three(bureau: Bureau, tmp_path: Path) -> list[dict]:
    return [
        bureau.json("file", make_docx(tmp_path / f"{n}.docx", f"text {n}", f"Notice {n}"), *NOTICE)
        for n in range(3)
    ]


def sql(bureau: Bureau, statement: str, *params: object) -> None:
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    conn.execute(statement, params)
    conn.commit()
    conn.close()


def rows(bureau: Bureau, statement: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    try:
        return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


def failed_verify(bureau: Bureau) -> tuple[str, list[dict]]:
    """The text report and the JSON problems of a verify that must fail."""
    text = bureau.fails(1, "audit", "verify").out
    report = bureau.fails(1, "audit", "verify", "--json").json()
    assert report["ok"] is False
    return text, report["problems"]


def without_passphrase(bureau: Bureau, *args: object) -> Result:
    return bureau(*args, env={"BUREAU_PASSPHRASE": None})


# -- catalog facts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE items SET title = 'Something else' WHERE id = ?",
        "UPDATE items SET filed_by = 'mallory' WHERE id = ?",
        "UPDATE items SET due = '2027-01-01' WHERE id = ?",
        "UPDATE items SET classification = 'public' WHERE id = ?",
        "UPDATE files SET name = 'other.docx' WHERE item_id = ?",
        "UPDATE files SET sha256 = '" + "0" * 64 + "' WHERE item_id = ?",
    ],
    ids=["title", "filed_by", "due", "classification", "file name", "file sha256"],
)
def test_a_changed_catalog_fact_is_named_with_its_item(bureau: Bureau, three, change: str):
    sql(bureau, change, three[1]["id"])
    text, found = failed_verify(bureau)
    assert f"{three[1]['archive_code']}: {CHANGED}" in text
    assert {p["item"] for p in found if p["kind"] == "state_mismatch"} == {three[1]["id"]}


def test_a_changed_or_removed_hold_is_named_with_its_item(bureau: Bureau, three):
    bureau.ok("retention", "hold", three[0]["id"], "--reason", "audit of the 2025 accounts")
    sql(bureau, "UPDATE holds SET reason = 'nothing' WHERE item_id = ?", three[0]["id"])
    text, _ = failed_verify(bureau)
    assert f"{three[0]['archive_code']}: {CHANGED}" in text
    sql(bureau, "DELETE FROM holds WHERE item_id = ?", three[0]["id"])
    text, _ = failed_verify(bureau)
    assert f"{three[0]['archive_code']}: {CHANGED}" in text


# -- the trail itself ---------------------------------------------------------------------------


def cut_newest(bureau: Bureau, count: int) -> None:
    """Delete the newest `count` entries and point the head at the last one kept."""
    (last,) = rows(bureau, "SELECT MAX(seq) FROM audit")[0]
    keep = last - count
    sql(bureau, "DELETE FROM audit WHERE seq > ?", keep)
    (hash_,) = rows(bureau, "SELECT hash FROM audit WHERE seq = ?", keep)[0]
    sql(bureau, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", keep, hash_)


def test_cutting_off_the_newest_entries_and_rewriting_the_head_says_how_many(bureau: Bureau, three):
    cut_newest(bureau, 2)
    text, found = failed_verify(bureau)
    assert "head record is not authenticated" in text
    assert "at least 2 audit entries (the newest, 7–8) are missing" in text
    assert three[2]["archive_code"] in text  # filed (catalog) but its entry is gone


def test_a_head_given_the_newest_entrys_own_mac_is_still_refused(bureau: Bureau, three):
    cut_newest(bureau, 1)
    (mac,) = rows(bureau, "SELECT mac FROM audit ORDER BY seq DESC LIMIT 1")[0]
    sql(bureau, "UPDATE audit_head SET mac = ? WHERE id = 1", mac)
    text, _ = failed_verify(bureau)
    assert "head record is not authenticated" in text
    assert "at least 1 audit entry (the newest, 8–8) is missing" in text


def recompute_chain(bureau: Bureau) -> None:
    """Renumber the entries from 1 and recompute every hash, the head and the state table's
    references, as an intruder without the key can."""
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    conn.row_factory = sqlite3.Row
    entries = conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    conn.execute("DELETE FROM audit")
    prev = audit.GENESIS
    renumbered = {e["seq"]: seq for seq, e in enumerate(entries, start=1)}
    for old, new in sorted(renumbered.items()):
        conn.execute("UPDATE states SET seq = ? WHERE seq = ?", (new, old))
    for seq, e in enumerate(entries, start=1):
        digest = audit.entry_hash(
            seq, e["at"], e["actor"], e["action"], e["item_id"], e["detail"], prev, e["states"]
        )
        conn.execute(
            "INSERT INTO audit (seq, at, actor, action, item_id, detail, prev_hash, hash, "
            "states, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                e["at"],
                e["actor"],
                e["action"],
                e["item_id"],
                e["detail"],
                prev,
                digest,
                e["states"],
                e["mac"],
            ),
        )
        prev = digest
    conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (len(entries), prev))
    conn.commit()
    conn.close()


def test_erasing_an_item_and_recomputing_the_whole_chain_is_detected(bureau: Bureau, three):
    gone = three[0]
    for statement in (
        "DELETE FROM files WHERE item_id = ?",
        "DELETE FROM items WHERE id = ?",
        "DELETE FROM audit WHERE item_id = ?",
        "DELETE FROM states WHERE subject = 'item:' || ?",
    ):
        sql(bureau, statement, gone["id"])
    recompute_chain(bureau)
    result = without_passphrase(bureau, "audit", "verify")
    assert result.code == 0  # without the key, a consistent rewrite cannot be told
    assert "authentication was not checked" in result.out
    text, _ = failed_verify(bureau)
    assert "audit entries are not authenticated" in text
    assert "head record is not authenticated" in text


def test_a_forged_entry_is_detected(bureau: Bureau, three):
    head_seq, head_hash = rows(bureau, "SELECT seq, hash FROM audit_head")[0]
    seq, at, detail = head_seq + 1, "2026-03-05T00:00:00.000000Z", "{}"
    digest = audit.entry_hash(seq, at, "mallory", "user_add", None, detail, head_hash, "{}")
    sql(
        bureau,
        "INSERT INTO audit (seq, at, actor, action, item_id, detail, prev_hash, hash, states) "
        "VALUES (?, ?, 'mallory', 'user_add', NULL, ?, ?, ?, '{}')",
        seq,
        at,
        detail,
        head_hash,
        digest,
    )
    sql(bureau, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, digest)
    text, _ = failed_verify(bureau)
    assert (
        f"1 audit entry is not authenticated (a missing or wrong MAC: written or changed "
        f"outside the program): entries {seq}" in text
    )


# -- access decisions -----------------------------------------------------------------------


def add_user(bureau: Bureau, name: str, role: str, clearance: str) -> None:
    bureau.ok("users", "add", name, "--role", role, "--clearance", clearance)


def test_a_secret_item_declassified_through_sqlite_is_refused_not_read(
    bureau: Bureau, tmp_path: Path
):
    secret = bureau.json(
        "file",
        make_docx(tmp_path / "s.docx", "exam answers", "Exam"),
        *NOTICE,
        "--classification",
        "secret",
    )
    add_user(bureau, "ivy", "archivist", "internal")
    sql(bureau, "UPDATE items SET classification = 'internal' WHERE id = ?", secret["id"])
    out = tmp_path / "out.docx"
    result = bureau.fails(1, "--user", "ivy", "get", secret["id"], "--out", out)
    assert "changed outside the program" in result.err and not out.exists()
    result = bureau.fails(1, "--user", "ivy", "show", secret["id"])
    assert "exam" not in result.out.lower() and "changed outside the program" in result.err
    text, _ = failed_verify(bureau)
    assert f"{secret['archive_code']}: {CHANGED}" in text


def test_a_clearance_raised_through_sqlite_is_refused_and_reported(bureau: Bureau, tmp_path: Path):
    secret = bureau.json(
        "file",
        make_docx(tmp_path / "s.docx", "exam answers", "Exam"),
        *NOTICE,
        "--classification",
        "secret",
    )
    add_user(bureau, "ivy", "archivist", "internal")
    sql(bureau, "UPDATE users SET clearance = 'top-secret' WHERE name = 'ivy'")
    out = tmp_path / "out.docx"
    result = bureau.fails(1, "--user", "ivy", "get", secret["id"], "--out", out)
    assert "user ivy" in result.err and "changed outside the program" in result.err
    assert not out.exists()
    text, _ = failed_verify(bureau)
    assert f"user ivy: {CHANGED}" in text


def test_a_tampered_item_is_not_changed_further(bureau: Bureau, three):
    sql(bureau, "UPDATE items SET classification = 'public' WHERE id = ?", three[0]["id"])
    before = rows(bureau, "SELECT seq, hash FROM audit_head")
    for command in (
        ("retention", "hold", three[0]["id"], "--reason", "inquiry"),
        ("classify", three[0]["id"], "confidential"),
    ):
        result = bureau.fails(1, *command)
        assert "changed outside the program" in result.err, command
    assert rows(bureau, "SELECT seq, hash FROM audit_head") == before


# -- without the passphrase -----------------------------------------------------------------


def test_without_the_passphrase_writes_are_refused_and_reads_verify_unauthenticated(
    bureau: Bureau, three, tmp_path: Path
):
    before = rows(bureau, "SELECT seq, hash FROM audit_head")
    for command in (
        ("file", make_docx(tmp_path / "x.docx", "more", "More"), *NOTICE),
        ("get", three[0]["id"], "--out", tmp_path / "out.docx"),
        ("retention", "hold", three[0]["id"], "--reason", "inquiry"),
    ):
        done = without_passphrase(bureau, *command)
        assert done.code == 2, (command, done.err)
        assert "$BUREAU_PASSPHRASE" in done.err and len(done.err.splitlines()) == 1
    assert not (tmp_path / "out.docx").exists()
    assert rows(bureau, "SELECT seq, hash FROM audit_head") == before
    for command in (("list",), ("show", three[0]["id"])):
        assert without_passphrase(bureau, *command).code == 0, command
    done = without_passphrase(bureau, "audit", "verify", "--json")
    report = json.loads(done.out)
    assert (done.code, report["ok"], report["authenticated"]) == (0, True, None)
    assert report["head"] == {"seq": before[0][0], "hash": before[0][1]}


# -- a legitimate history verifies clean -------------------------------------------------------


def test_a_legitimate_history_of_operations_verifies_clean(
    bureau: Bureau, three, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    first = three[0]
    fixed = make_docx(tmp_path / "fixed.docx", "text 0 corrected", "Notice 0")
    bureau.ok("file", fixed, *NOTICE, "--supersedes", first["id"])
    bureau.ok("classify", three[1]["id"], "secret")
    bureau.ok("classify", three[1]["id"], "internal")
    bureau.ok("retention", "hold", three[2]["id"], "--reason", "inquiry")
    bureau.ok("retention", "release", three[2]["id"])
    bureau.ok("users", "add", "li", "--role", "admin", "--clearance", "secret")
    bureau.ok("users", "set-role", "li", "archivist")
    bureau.ok("users", "set-clearance", "li", "confidential")
    bureau.ok("users", "disable", "li")
    bureau.ok("users", "enable", "li")
    bureau.ok("keys", "rotate")
    monkeypatch.setenv("BUREAU_NEW_PASSPHRASE", "another passphrase")
    bureau.ok("keys", "change-passphrase")
    monkeypatch.setenv("BUREAU_PASSPHRASE", "another passphrase")
    bureau.ok("backup", tmp_path / "backup")
    report = bureau.json("audit", "verify")
    assert (report["ok"], report["authenticated"], report["problems"]) == (True, True, [])
    restored = Bureau(tmp_path / "restored", tmp_path)
    restored.ok("restore", tmp_path / "backup")
    report = restored.json("audit", "verify")
    assert (report["ok"], report["authenticated"], report["problems"]) == (True, True, [])


# -- any single-byte change of the trail --------------------------------------------------------

TEXT_COLUMNS = ("at", "actor", "action", "detail", "prev_hash", "hash", "states", "mac")


@pytest.fixture
def filed(archive: Archive, tmp_path: Path) -> Archive:
    for n in range(2):
        doc = make_docx(tmp_path / f"{n}.docx", f"text {n}", f"Notice {n}")
        archive.file(
            FilingRequest(
                documents=[Source(doc)],
                kind="notice",
                dept="BGS",
                date="2026-03-04",
                retention="D30",
            )
        )
    return archive


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_single_byte_change_of_an_audit_column_is_detected(filed: Archive, data):
    conn = filed.conn
    key = filed.audit_key()
    (count,) = conn.execute("SELECT COUNT(*) FROM audit").fetchone()
    table = data.draw(st.sampled_from(["audit", "audit_head"]))
    if table == "audit":
        seq = data.draw(st.integers(1, count))
        column = data.draw(st.sampled_from(TEXT_COLUMNS))
        where, param = "seq = ?", seq
    else:
        column = data.draw(st.sampled_from(["hash", "mac", "seq"]))
        where, param = "id = ?", 1
    (value,) = conn.execute(f"SELECT {column} FROM {table} WHERE {where}", (param,)).fetchone()
    if isinstance(value, int):
        changed: object = value + data.draw(st.sampled_from([-1, 1, 2]))
    else:
        at = data.draw(st.integers(0, len(value) - 1))
        new = data.draw(
            st.characters(min_codepoint=32, max_codepoint=126).filter(lambda c: c != value[at])
        )
        changed = value[:at] + new + value[at + 1 :]
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (changed, param))
        problems, _ = fixity.check(conn, filed.store, key)
    finally:
        conn.execute("ROLLBACK")
    assert problems, (table, column, param, value, changed)
    assert fixity.check(conn, filed.store, key)[0] == []


# -- a trail stripped of its MACs is not taken for an old one --------------------------------


def strip_and_rechain(bureau: Bureau, erase: str) -> None:
    """Erase an item, remove every MAC and recompute the whole SHA-256 chain: what a trail
    from before authentication looks like, made by someone without the passphrase."""
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    conn.row_factory = sqlite3.Row
    for table in ("files", "items"):
        column = "item_id" if table == "files" else "id"
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (erase,))
    conn.execute("DELETE FROM states WHERE subject = ?", ("item:" + erase,))
    conn.execute("DELETE FROM audit WHERE item_id = ?", (erase,))
    prev, seq = audit.GENESIS, 0
    for e in conn.execute("SELECT * FROM audit ORDER BY seq").fetchall():
        seq += 1
        digest = audit.entry_hash(
            seq, e["at"], e["actor"], e["action"], e["item_id"], e["detail"], prev, e["states"]
        )
        conn.execute(
            "UPDATE audit SET seq = ?, prev_hash = ?, hash = ?, mac = NULL WHERE seq = ?",
            (seq, prev, digest, e["seq"]),
        )
        prev = digest
    conn.execute("UPDATE audit_head SET seq = ?, hash = ?, mac = NULL", (seq, prev))
    conn.commit()
    conn.close()


def test_a_new_homes_key_ring_records_that_its_trail_is_authenticated(bureau: Bureau):
    ring = json.loads((bureau.root / "keys" / "master.json").read_text(encoding="utf-8"))
    assert ring["format"] == 2


def test_a_trail_stripped_of_its_macs_is_refused_not_vouched_for(
    bureau: Bureau, three: list[dict], tmp_path: Path
):
    strip_and_rechain(bureau, three[1]["id"])
    more = make_docx(tmp_path / "more.docx", "more text", "More")
    refused = bureau.fails(1, "file", more, *NOTICE)
    assert "lost its authentication" in refused.err
    report = bureau.fails(1, "audit", "verify", "--json").json()
    assert any("lost its authentication" in p["detail"] for p in report["problems"])
    conn = sqlite3.connect(bureau.root / "catalog.sqlite")
    actions = [r[0] for r in conn.execute("SELECT action FROM audit")]
    conn.close()
    assert "audit_authenticate" not in actions


def test_the_ring_cannot_be_set_back_to_an_older_format_without_the_passphrase(bureau: Bureau):
    path = bureau.root / "keys" / "master.json"
    ring = json.loads(path.read_text(encoding="utf-8"))
    ring["format"] = 1
    path.write_text(json.dumps(ring), encoding="utf-8")
    refused = bureau.fails(2, "audit", "verify")
    assert "wrong passphrase" in refused.err and "altered" in refused.err
