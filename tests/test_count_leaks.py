"""Users see counts only of what they may see.

Items above a user's clearance are absent, and so is any number that would betray them:
how many a disposal proposal left out, how many items `audit verify` checked, the gaps
their document numbers would leave in a department's series.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from archive import home
from archive.service import Archive
from tests.conftest import PASSPHRASE, Bureau
from tests.test_confidential import add_user, blob_path, catalog_rows
from tests.test_retention import TEMPLATES, TODAY, letter, propose, seed


def generate(bureau: Bureau, tmp_path: Path, level: str, lang: str = "en") -> dict:
    data = yaml.safe_load((TEMPLATES / "notice" / "sample.yaml").read_text(encoding="utf-8"))
    data["title"] = f"Notice on the {level} matters"
    path = tmp_path / f"{level}-{lang}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return bureau.json(
        "generate", "notice", "--data", path, "--dept", "BGS", "--lang", lang,
        "--classification", level,
    )  # fmt: skip


def test_classified_documents_are_numbered_in_a_series_of_their_own(bureau: Bureau, tmp_path: Path):
    first = generate(bureau, tmp_path, "internal")
    secret = generate(bureau, tmp_path, "secret")
    secret_zh = generate(bureau, tmp_path, "confidential", lang="zh")
    second = generate(bureau, tmp_path, "internal", lang="zh")
    year = TODAY.year
    assert first["doc_no"] == f"CEB-BGS [{year}] No. 1"
    assert second["doc_no"] == f"市教办〔{year}〕2号"
    assert secret["doc_no"] == f"CEB-BGS-C [{year}] No. 1"
    assert secret_zh["doc_no"] == f"市教办密〔{year}〕2号"


def test_a_user_not_cleared_for_classified_documents_sees_a_register_without_gaps(
    bureau: Bureau, tmp_path: Path
):
    made = [generate(bureau, tmp_path, level) for level in ("internal", "secret", "internal")]
    add_user(bureau, "ivy", "auditor", "internal")
    seen = bureau.json("--user", "ivy", "numbers")
    assert [n["n"] for n in seen] == [1, 2]
    assert [n["doc_no"] for n in seen] == [made[0]["doc_no"], made[2]["doc_no"]]
    assert len(bureau.json("numbers")) == 3


def test_a_void_number_of_the_classified_series_is_not_shown_to_the_uncleared(
    bureau: Bureau, tmp_path: Path
):
    generate(bureau, tmp_path, "internal")
    with Archive.open(home.DataHome(bureau.root), "tester", lambda: PASSPHRASE.encode()) as a:
        number = a.allocate_number("BGS", "notice", "en", classification="secret")
        a.void_number(number, "the exam was moved")
    add_user(bureau, "ivy", "auditor", "internal")
    assert [n["status"] for n in bureau.json("--user", "ivy", "numbers")] == ["used"]
    assert {n["status"] for n in bureau.json("numbers")} == {"used", "void"}


def test_a_disposal_proposal_leaves_out_what_the_proposer_may_not_see_without_a_word(
    bureau: Bureau, tmp_path: Path
):
    plain, secret = seed(
        bureau,
        tmp_path / "docs",
        letter("Plain letter", 2001),
        letter("Secret letter", 2001, classification="secret"),
    )
    add_user(bureau, "amy", "archivist", "internal")
    result = bureau("--user", "amy", "retention", "dispose", "--as-of", str(TODAY), "--json")
    assert result.code == 0, result.err
    proposal = result.json()
    assert [i["archive_code"] for i in proposal["items"]] == [plain["archive_code"]]
    assert result.err == ""
    assert secret["archive_code"] not in result.out and "clearance" not in result.out

    cleared = propose(bureau)
    assert [i["archive_code"] for i in cleared["items"]] == [secret["archive_code"]]


def test_an_auditor_counts_only_the_items_they_may_see(bureau: Bureau, tmp_path: Path):
    seed(
        bureau,
        tmp_path / "docs",
        letter("Plain letter", 2020),
        letter("Secret letter", 2020, classification="secret"),
        letter("Another letter", 2021),
    )
    add_user(bureau, "ivy", "auditor", "internal")
    assert bureau.json("audit", "verify")["items"] == 3
    report = bureau.json("--user", "ivy", "audit", "verify")
    assert (report["ok"], report["problems"], report["items"]) == (True, [], 2)


def test_a_problem_above_the_auditors_clearance_fails_the_check_without_naming_the_item(
    bureau: Bureau, tmp_path: Path
):
    _, secret = seed(
        bureau,
        tmp_path / "docs",
        letter("Plain letter", 2020),
        letter("Secret letter", 2020, classification="secret"),
    )
    [(sha,)] = catalog_rows(
        bureau, "SELECT stored_sha256 FROM files WHERE item_id = ?", [secret["id"]]
    )
    stored = blob_path(bureau, sha)
    stored.chmod(0o600)
    stored.write_bytes(b"damaged")
    add_user(bureau, "ivy", "auditor", "internal")

    result = bureau.fails(1, "--user", "ivy", "audit", "verify", "--json")
    report = result.json()
    assert report["ok"] is False and report["items"] == 1
    assert [p["kind"] for p in report["problems"]] == ["above_clearance"]
    assert secret["archive_code"] not in result.out + result.err
    assert secret["id"] not in result.out + result.err

    text = bureau.fails(1, "--user", "ivy", "audit", "verify")
    assert "above your clearance" in text.out + text.err
    full = bureau.fails(1, "audit", "verify", "--json").json()
    assert [p["archive_code"] for p in full["problems"]] == [secret["archive_code"]]
