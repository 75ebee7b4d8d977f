"""Fixity and the audit trail: tampering with stored files, catalog rows or the trail is found."""

from __future__ import annotations

import os

import pytest

from tests import catalog_sql
from tests.conftest import Bureau
from tests.factories import make_docx

NOTICE = ["--kind", "notice", "--dept", "BGS", "--retention", "D30", "--date", "2026-03-04"]


@pytest.fixture
def three(bureau: Bureau, tmp_path):
    return [
        bureau.json("file", make_docx(tmp_path / f"{n}.docx", f"text {n}", f"Notice {n}"), *NOTICE)
        for n in range(3)
    ]


def sql(bureau: Bureau, statement: str, *params) -> None:
    catalog_sql.execute(bureau.root, statement, *params)


def problems(bureau: Bureau) -> list[dict]:
    result = bureau.fails(1, "audit", "verify", "--json")
    report = result.json()
    assert report["ok"] is False
    return report["problems"]


def test_an_untouched_archive_verifies_clean(bureau: Bureau, three):
    report = bureau.json("audit", "verify")
    head = report.pop("head")
    assert report == {
        "ok": True,
        "problems": [],
        "items": 3,
        "cleaned": 0,
        "authenticated": True,
    }
    assert head == {"seq": 8, "hash": bureau.json("audit", "log")[-1]["hash"]}


def test_a_changed_stored_file_is_reported_with_its_item(bureau: Bureau, three):
    blob = next((bureau.root / "store").rglob(three[1]["sha256"]))
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes() + b"x")
    found = problems(bureau)
    assert [(p["kind"], p["item"]) for p in found] == [("corrupt_file", three[1]["id"])]


def test_a_deleted_stored_file_is_reported(bureau: Bureau, three):
    next((bureau.root / "store").rglob(three[0]["sha256"])).unlink()
    assert [p["kind"] for p in problems(bureau)] == ["missing_file"]


def test_an_edited_audit_entry_is_detected(bureau: Bureau, three):
    sql(bureau, "UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    assert any("entry 2" in p["detail"] and "altered" in p["detail"] for p in problems(bureau))


def test_removing_the_newest_audit_entries_is_detected(bureau: Bureau, three):
    sql(bureau, "DELETE FROM audit WHERE seq >= 3")
    details = " ".join(p["detail"] for p in problems(bureau))
    assert "the newest" in details


def test_removing_an_entry_in_the_middle_is_detected(bureau: Bureau, three):
    sql(bureau, "DELETE FROM audit WHERE seq = 2")
    assert any(p["kind"] == "audit_chain" for p in problems(bureau))


def test_reordering_audit_entries_is_detected(bureau: Bureau, three):
    sql(bureau, "UPDATE audit SET seq = -seq WHERE seq IN (2, 3)")
    sql(bureau, "UPDATE audit SET seq = 3 WHERE seq = -2")
    sql(bureau, "UPDATE audit SET seq = 2 WHERE seq = -3")
    assert any(p["kind"] == "audit_chain" for p in problems(bureau))


def test_a_catalog_row_changed_behind_the_programs_back_is_detected(bureau: Bureau, three):
    sql(bureau, "UPDATE items SET sha256 = ? WHERE id = ?", "0" * 64, three[2]["id"])
    assert {p["item"] for p in problems(bureau)} == {three[2]["id"]}


def test_a_catalog_row_deleted_behind_the_programs_back_is_detected(bureau: Bureau, three):
    sql(bureau, "DELETE FROM files WHERE item_id = ?", three[0]["id"])
    sql(bureau, "DELETE FROM items WHERE id = ?", three[0]["id"])
    assert [(p["kind"], p["item"]) for p in problems(bureau)] == [("missing_item", three[0]["id"])]


def test_an_item_inserted_without_an_audit_entry_is_detected(bureau: Bureau, three):
    sql(bureau, "UPDATE audit SET item_id = 'X' WHERE item_id = ?", three[0]["id"])
    kinds = {p["kind"] for p in problems(bureau)}
    assert "unrecorded_item" in kinds


def test_the_text_report_lists_each_problem_with_its_item(bureau: Bureau, three):
    next((bureau.root / "store").rglob(three[0]["sha256"])).unlink()
    result = bureau.fails(1, "audit", "verify")
    assert three[0]["archive_code"] in result.out and "FAILED" in result.out


def test_the_audit_log_shows_every_filing_in_order(bureau: Bureau, three):
    log = bureau.json("audit", "log")
    assert [e["action"] for e in log] == [
        "init",
        "user_add",
        "user_password",
        "pki",
        "password_rehash",  # the test home's cheaper password cost, applied at sign-in
        "file",
        "file",
        "file",
    ]
    assert [e["seq"] for e in log] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert all(e["actor"] == "tester" for e in log)
    assert bureau.json("audit", "log", "--limit", "1")[0]["seq"] == log[-1]["seq"]
