"""Retention and disposition, end to end: due dates at filing, the schedule and its changes,
holds and reviews, the two-person rule, executing a disposal list (tombstones, the store,
the index, the destruction register), an interrupted execution, crypto-shredding in
backups, and transfer to the state archives as a BagIt bag.

Every command under test runs as a user would run it (`bureau ...`, by the command's entry
point in the test's process: see tests/conftest.py), and the interrupted execution in a
process of its own, killed. Items and users that a test only needs as its starting point
are put in place through the archive's service layer (the same code the command calls).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import yaml

from archive import home
from archive.filing import FilingRequest, Source
from archive.service import Archive
from bureau.services.disposal import execute as execute_in_process
from tests import catalog_sql
from tests.conftest import PASSPHRASE, PASSWORD, Bureau
from tests.factories import make_docx
from tests.test_confidential import blob_path, catalog_exec, catalog_rows
from tests.test_generate import docx_text, fetch

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"
BUILTIN_SCHEDULE = REPO / "retention_rules" / "schedule.yaml"
# "today" as the archive sees it: in the home's time zone (Asia/Shanghai by default)
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()


# -- helpers ---------------------------------------------------------------------------------


def a_docx(folder: Path, name: str, text: str | None = None) -> Path:
    """A DOCX whose text (and so content) is unique to `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_docx(folder / f"{name}.docx", text=text or f"The text of {name}.", title=name)


def file_cli(bureau: Bureau, path: Path, kind: str, dept: str, when: str, title: str, *extra):
    """`bureau file` with its item JSON."""
    return bureau.json(
        "file", path, "--kind", kind, "--dept", dept, "--date", when, "--title", title, *extra
    )


@contextmanager
def opened(bureau: Bureau, user: str = "tester") -> Iterator[Archive]:
    """The home through the service layer, as `user`, with the passphrase."""
    passphrase = PASSPHRASE.encode()
    with Archive.open(home.DataHome(bureau.root), user, lambda: passphrase) as archive:
        yield archive


def seed(bureau: Bureau, folder: Path, *specs: dict) -> list[dict]:
    """File each spec (kind, dept, date, title; optional classification, retention,
    doc_no, category, path, allow_duplicate) in-process; their item JSON."""
    filed = []
    with opened(bureau) as archive:
        for n, spec in enumerate(specs):
            path = spec.get("path") or a_docx(folder, f"{spec['title']}-{n}")
            request = FilingRequest(
                documents=[Source(path)],
                kind=spec["kind"],
                dept=spec.get("dept", "BGS"),
                title=spec["title"],
                date=spec["date"],
                classification=spec.get("classification"),
                retention=spec.get("retention"),
                doc_no=spec.get("doc_no"),
                category=spec.get("category"),
                allow_duplicate=spec.get("allow_duplicate", False),
            )
            filed.append(archive.file(request).item.to_json())
    return filed


def letter(title: str, year: int, **more) -> dict:
    """A letter (WS-GEN-12, D10, destroy) of 5 May `year`."""
    return {"kind": "letter", "title": title, "date": f"{year}-05-05", **more}


def add_admin(bureau: Bureau, name: str = "li") -> None:
    with opened(bureau) as archive:
        archive.add_user(name, "admin", "top-secret", None, PASSWORD)


def propose(bureau: Bureau, as_of: date | str = TODAY) -> dict:
    return bureau.json("retention", "dispose", "--as-of", str(as_of))


def approve(bureau: Bureau, list_id: str, user: str = "li") -> dict:
    return bureau.json("--user", user, "retention", "approve", list_id)


def codes_of(items: list[dict]) -> set[str]:
    return {i["archive_code"] for i in items}


def by_id(bureau: Bureau) -> dict[str, dict]:
    """Every item, by id (`bureau list --json`)."""
    return {i["id"]: i for i in bureau.json("list")}


def one_line_error(result) -> str:
    message = result.err.strip()
    assert message and "\n" not in message, result.err
    return message


def home_schedule(bureau: Bureau, edit: Callable[[list[dict]], object]) -> Path:
    """The built-in schedule copied into the home's own `retention_rules/`, edited there."""
    rules = yaml.safe_load(BUILTIN_SCHEDULE.read_text(encoding="utf-8"))["rules"]
    edit(rules)
    folder = bureau.root / "retention_rules"
    folder.mkdir(exist_ok=True)
    path = folder / "schedule.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}, allow_unicode=True), encoding="utf-8")
    return path


def rule(rules: list[dict], code: str) -> dict:
    return next(r for r in rules if r["code"] == code)


def set_retention(code: str, period: str) -> Callable[[list[dict]], None]:
    def edit(rules: list[dict]) -> None:
        rule(rules, code)["retention"] = period

    return edit


def found_by(bureau: Bureau, query: str) -> set[str]:
    """The ids of the items a search finds."""
    results = bureau.json("search", query, "--limit", "50")
    assert results["total"] == len(results["hits"]), results
    return {hit["id"] for hit in results["hits"]}


def dispose_entries(bureau: Bureau) -> dict[str, int]:
    """The number of `dispose` audit entries per item."""
    rows = catalog_rows(
        bureau, "SELECT item_id, COUNT(*) FROM audit WHERE action = 'dispose' GROUP BY item_id"
    )
    return dict(rows)


# -- 1. due dates at filing ------------------------------------------------------------------


def test_filing_sets_the_due_date_from_the_category_and_records_a_retention_override(
    bureau: Bureau, tmp_path: Path
):
    docs = tmp_path / "docs"
    end_of_year = file_cli(
        bureau, a_docx(docs, "l1"), "letter", "BGS", "2026-12-31", "Letter of 31 December"
    )
    new_year = file_cli(bureau, a_docx(docs, "l2"), "letter", "BGS", "2027-01-01", "New year")
    leap = file_cli(bureau, a_docx(docs, "n1"), "notice", "JJK", "2024-02-29", "Leap-day notice")
    decision = file_cli(bureau, a_docx(docs, "d1"), "decision", "BGS", "2026-03-04", "Decision")
    short = a_docx(docs, "n2")
    shorter = file_cli(bureau, short, "notice", "BGS", "2026-03-04", "Short", "--retention", "D10")

    assert (end_of_year["category"], end_of_year["retention"]) == ("WS-GEN-12", "D10")
    assert end_of_year["due"] == "2037-01-01"
    assert new_year["due"] == "2038-01-01"
    assert (leap["category"], leap["retention"], leap["due"]) == ("WS-GEN-11", "D30", "2055-01-01")
    assert (decision["category"], decision["retention"]) == ("WS-GEN-18", "Y")
    assert decision["due"] is None
    for item in (end_of_year, new_year, leap, decision):
        assert item["retention_override"] is False
        assert item["holds"] == [] and item["status"] == "filed"

    assert (shorter["category"], shorter["retention"]) == ("WS-GEN-11", "D10")
    assert shorter["due"] == "2037-01-01" and shorter["retention_override"] is True
    assert "-D10-" in shorter["archive_code"]
    trail = bureau.json("audit", "log")
    filing = [e for e in trail if e["action"] == "file" and e["item_id"] == shorter["id"]]
    assert len(filing) == 1
    assert filing[0]["detail"]["retention_override"] == {"category": "D30", "given": "D10"}
    assert filing[0]["detail"]["category"] == "WS-GEN-11"
    plain = next(e for e in trail if e["action"] == "file" and e["item_id"] == leap["id"])
    assert "retention_override" not in plain["detail"]


# -- 2. matching a category ------------------------------------------------------------------


def matching(rules: list[dict], kind: str, template: str | None, dept: str) -> list[dict]:
    """The rules `bureau retention rules --json` says cover (kind, template, dept)."""
    return [
        r
        for r in rules
        if (not r["kinds"] or kind in r["kinds"])
        and (not r["depts"] or dept in r["depts"])
        and (not r["templates"] or template in r["templates"])
    ]


def test_every_builtin_templates_sample_is_filed_in_the_one_category_that_matches_it(
    bureau: Bureau,
):
    rules = bureau.json("retention", "rules")
    templates = sorted(p.parent.name for p in TEMPLATES.glob("*/fields.yaml"))
    assert {"notice", "approval", "budget", "destruction-register"} <= set(templates)
    for name in templates:
        fields = yaml.safe_load((TEMPLATES / name / "fields.yaml").read_text(encoding="utf-8"))
        dept = (fields["departments"] or ["BGS"])[0]
        item = bureau.json(
            "generate", name, "--data", TEMPLATES / name / "sample.yaml", "--dept", dept
        )
        found = matching(rules, fields["kind"], name, dept)
        assert len(found) == 1, (name, dept, [r["code"] for r in found])
        assert item["template"] == name and item["kind"] == fields["kind"]
        assert item["category"] == found[0]["code"], name
        assert item["retention"] == found[0]["retention"], name
        assert item["retention_override"] is False, name


def test_a_kind_no_category_covers_needs_category_and_an_unknown_category_is_refused(
    bureau: Bureau, tmp_path: Path
):
    docs = tmp_path / "docs"
    path = a_docx(docs, "odd")
    meta = ("--dept", "BGS", "--date", "2026-03-04", "--title", "Memo")
    no_rule = bureau.fails(2, "file", path, "--kind", "memorandum", *meta)
    assert "--category" in one_line_error(no_rule)
    unknown = bureau.fails(2, "file", path, "--kind", "notice", *meta, "--category", "NOPE")
    assert "NOPE" in one_line_error(unknown)
    assert bureau.json("list") == []  # nothing half-filed

    chosen = bureau.json("file", path, "--kind", "notice", *meta, "--category", "WS-GEN-12")
    assert (chosen["category"], chosen["retention"]) == ("WS-GEN-12", "D10")
    assert chosen["kind"] == "notice"
    assert chosen["due"] == "2037-01-01" and chosen["retention_override"] is False
    assert "-D10-" in chosen["archive_code"]


# -- 3. the schedule ---------------------------------------------------------------------------


def test_retention_rules_lists_every_category_and_check_passes_on_the_builtin_schedule(
    bureau: Bureau,
):
    rules = bureau.json("retention", "rules")
    assert isinstance(rules, list) and len(rules) >= 30
    for entry in rules:
        assert {"code", "title", "retention", "action", "kinds", "depts"} <= set(entry)
        assert entry["retention"] in ("Y", "D30", "D10")
        assert entry["action"] in ("destroy", "review", "transfer")
        assert isinstance(entry["kinds"], list) and isinstance(entry["depts"], list)
    codes = [r["code"] for r in rules]
    assert len(codes) == len(set(codes))
    by_code = {r["code"]: r for r in rules}
    assert (by_code["WS-GEN-11"]["retention"], by_code["WS-GEN-11"]["action"]) == ("D30", "destroy")
    assert (by_code["WS-FIN-06"]["retention"], by_code["WS-FIN-06"]["action"]) == ("D30", "review")
    assert (by_code["WS-GEN-18"]["retention"], by_code["WS-GEN-18"]["action"]) == ("Y", "transfer")

    check = bureau.json("retention", "check")
    assert check["ok"] is True and check["rules"] == len(rules)
    assert check["files"] == [str(BUILTIN_SCHEDULE)]


def add_rule(rules: list[dict], **entry) -> None:
    rules.append(
        {
            "code": "WS-GEN-99",
            "title": "Extra",
            "title_zh": "其他",
            "retention": "D10",
            "action": "destroy",
            "basis": "a test",
        }
        | entry
    )


def test_a_bad_home_schedule_is_refused_naming_the_file_and_the_rule(bureau: Bureau):
    def unknown_key(rules):
        rule(rules, "WS-GEN-12")["keep"] = "forever"

    def duplicate_code(rules):
        add_rule(rules, code="WS-GEN-12", kinds=["memorandum"])

    def bad_period(rules):
        rule(rules, "WS-GEN-12")["retention"] = "D15"

    def overlapping(rules):
        add_rule(rules, kinds=["letter"], depts=["JJK"])

    def uncovered_template(rules):
        rules.remove(rule(rules, "WS-GEN-11"))

    cases = [
        (unknown_key, ["WS-GEN-12", "keep"]),
        (duplicate_code, ["WS-GEN-12", "duplicate"]),
        (bad_period, ["WS-GEN-12", "D15"]),
        (overlapping, ["WS-GEN-99", "WS-GEN-12", "overlap"]),
        (uncovered_template, ["notice"]),
    ]
    for edit, named in cases:
        path = home_schedule(bureau, edit)
        message = one_line_error(bureau.fails(2, "retention", "check"))
        assert str(path) in message, (edit.__name__, message)
        for word in named:
            assert word in message, (edit.__name__, word, message)


# -- 4. a changed rule -------------------------------------------------------------------------


def test_a_changed_rule_moves_the_due_dates_it_covers_but_never_an_archival_code(
    bureau: Bureau, tmp_path: Path
):
    moving, kept, other = seed(
        bureau,
        tmp_path / "docs",
        letter("Letter that moves", 2020),
        letter("Letter kept for ever", 2020, retention="Y"),
        {"kind": "notice", "title": "Notice", "date": "2020-05-05"},
    )
    assert (moving["due"], kept["due"], other["due"]) == ("2031-01-01", None, "2051-01-01")
    assert kept["retention_override"] is True and kept["category"] == "WS-GEN-12"

    home_schedule(bureau, set_retention("WS-GEN-12", "D30"))
    report = bureau.json("retention", "check")
    assert report["moved"] == [
        {
            "id": moving["id"],
            "archive_code": moving["archive_code"],
            "category": "WS-GEN-12",
            "before": "2031-01-01",
            "after": "2051-01-01",
        }
    ]
    entries = [e for e in bureau.json("audit", "log") if e["action"] == "schedule"]
    assert len(entries) == 1
    assert entries[0]["detail"]["moved"] == [moving["archive_code"]]
    assert entries[0]["detail"]["changed"] == [{"code": "WS-GEN-12", "from": "D10", "to": "D30"}]

    now = by_id(bureau)
    assert now[moving["id"]]["due"] == "2051-01-01"
    assert now[kept["id"]]["due"] is None  # its own period, not the category's
    assert now[other["id"]]["due"] == "2051-01-01"
    for item in (moving, kept, other):
        assert now[item["id"]]["archive_code"] == item["archive_code"]
    assert bureau.json("retention", "check")["moved"] == []  # applied once


def test_a_changed_rule_is_applied_on_the_next_use_of_the_home_even_a_show(
    bureau: Bureau, tmp_path: Path
):
    """README: a changed rule "is applied on the next use of the home"."""
    (moving,) = seed(bureau, tmp_path / "docs", letter("Letter", 2020))
    home_schedule(bureau, set_retention("WS-GEN-12", "D30"))
    assert bureau.json("show", moving["id"])["due"] == "2051-01-01"


# -- 5. holds ---------------------------------------------------------------------------------


def test_a_hold_keeps_an_item_out_of_disposal_until_it_is_released(bureau: Bureau, tmp_path: Path):
    held, later = seed(bureau, tmp_path / "docs", letter("Held", 2000), letter("Later", 2001))
    add_admin(bureau)
    placed = bureau.json("retention", "hold", held["id"], "--reason", "audit of the 2025 accounts")
    assert [h["reason"] for h in placed["holds"]] == ["audit of the 2025 accounts"]

    due = {d["id"]: d for d in bureau.json("retention", "due")}
    assert set(due) == {held["id"], later["id"]}
    assert [h["reason"] for h in due[held["id"]]["holds"]] == ["audit of the 2025 accounts"]
    assert due[later["id"]]["holds"] == [] and due[later["id"]]["action"] == "destroy"

    proposed = propose(bureau)
    assert codes_of(proposed["items"]) == {later["archive_code"]}
    list_id = proposed["id"]

    bureau.json("retention", "hold", later["id"], "--reason", "litigation")
    refused = bureau.fails(2, "--user", "li", "retention", "approve", list_id)
    assert later["archive_code"] in one_line_error(refused)
    assert bureau.json("retention", "lists", list_id)["status"] == "proposed"
    bureau.json("retention", "release", later["id"])
    assert approve(bureau, list_id)["status"] == "approved"

    bureau.json("retention", "hold", later["id"], "--reason", "an inquiry")
    refused = bureau.fails(2, "retention", "execute", list_id)
    assert later["archive_code"] in one_line_error(refused)
    assert by_id(bureau)[later["id"]]["status"] == "filed"
    bureau.json("retention", "release", later["id"])
    done = bureau.json("retention", "execute", list_id)
    assert done["status"] == "executed" and done["disposed_now"] == 1

    now = by_id(bureau)
    assert now[later["id"]]["status"] == "disposed"
    assert now[held["id"]]["status"] == "filed"
    assert now[held["id"]]["holds"] and blob_path(bureau, held["sha256"]).is_file()


# -- 6. reviews -------------------------------------------------------------------------------


def test_a_review_category_is_disposed_of_only_after_a_review_decides_so(
    bureau: Bureau, tmp_path: Path
):
    kept_until = TODAY.year - 32  # due on 1 January of last year; 5 more years: not due
    to_dispose, to_keep, destroyable = seed(
        bureau,
        tmp_path / "docs",
        {"kind": "audit", "dept": "JCK", "title": "Audit 1990", "date": "1990-06-01"},
        {"kind": "audit", "dept": "JCK", "title": "Audit kept", "date": f"{kept_until}-06-01"},
        letter("Letter", 2000),
    )
    assert (to_dispose["category"], to_dispose["due"]) == ("WS-FIN-06", "2021-01-01")
    due = {d["id"]: d for d in bureau.json("retention", "due")}
    assert due[to_dispose["id"]]["action"] == "review" and to_keep["id"] in due

    first = propose(bureau)
    assert codes_of(first["items"]) == {destroyable["archive_code"]}  # no review decided yet
    bureau.json("retention", "cancel", first["id"])

    both = bureau.fails(2, "retention", "review", to_keep["id"], "--extend", "5", "--dispose")
    one_line_error(both)
    not_review = bureau.fails(2, "retention", "review", destroyable["id"], "--dispose")
    assert "review" in one_line_error(not_review)

    decided = bureau.json("retention", "review", to_dispose["id"], "--dispose")
    assert decided["due"] == "2021-01-01" and decided["status"] == "filed"
    extended = bureau.json("retention", "review", to_keep["id"], "--extend", "5")
    assert extended["due"] == f"{kept_until + 1 + 30 + 5}-01-01"
    assert extended["archive_code"] == to_keep["archive_code"]

    assert to_keep["id"] not in {d["id"] for d in bureau.json("retention", "due")}
    second = propose(bureau)
    assert codes_of(second["items"]) == {to_dispose["archive_code"], destroyable["archive_code"]}


# -- 7. the two-person rule --------------------------------------------------------------------


def test_disposal_takes_two_administrators_and_never_reaches_a_permanent_item(
    bureau: Bureau, tmp_path: Path
):
    due, permanent, kept = seed(
        bureau,
        tmp_path / "docs",
        letter("Letter", 2000),
        {"kind": "decision", "title": "Decision of 1950", "date": "1950-05-05"},
        letter("Letter kept for ever", 1950, retention="Y"),
    )
    assert permanent["due"] is None and kept["due"] is None
    with opened(bureau) as archive:
        archive.add_user("ar", "archivist", "top-secret", None, PASSWORD)

    proposed = propose(bureau, "2999-12-31")
    assert codes_of(proposed["items"]) == {due["archive_code"]}
    list_id = proposed["id"]

    own = bureau.fails(2, "retention", "approve", list_id)
    assert "two-person" in one_line_error(own)
    archivist = bureau.fails(2, "--user", "ar", "retention", "approve", list_id)
    one_line_error(archivist)
    unapproved = bureau.fails(2, "retention", "execute", list_id)
    assert "approved" in one_line_error(unapproved)
    assert bureau.json("retention", "lists", list_id)["status"] == "proposed"
    assert by_id(bureau)[due["id"]]["status"] == "filed"
    assert blob_path(bureau, due["sha256"]).is_file()


# -- 8. executing a list ----------------------------------------------------------------------


def test_executing_a_list_leaves_tombstones_and_files_a_destruction_register(
    bureau: Bureau, tmp_path: Path
):
    docs = tmp_path / "docs"
    shared = a_docx(docs, "shared", "SHAREDWORD the notice of 1990, filed twice.")
    public, secret, old, live = seed(
        bureau,
        docs,
        letter(
            "Public letter",
            2000,
            doc_no="教办函〔2000〕7号",
            path=a_docx(docs, "p", "PUBLICWORD letter."),
        ),
        letter(
            "Secret letter SECRETTITLE",
            2000,
            doc_no="教办函〔2000〕8号",
            classification="secret",
            path=a_docx(docs, "s", "SECRETWORD letter."),
        ),
        {
            "kind": "notice",
            "title": "Old notice",
            "date": "1990-03-01",
            "path": shared,
            "doc_no": "教通〔1990〕3号",
        },
        {
            "kind": "notice",
            "title": "Live notice",
            "date": "2026-03-01",
            "path": shared,
            "allow_duplicate": True,
        },
    )
    add_admin(bureau)
    gone = (public, secret, old)
    assert secret["encrypted"] and not public["encrypted"]
    assert old["files"][0]["stored_sha256"] == live["files"][0]["stored_sha256"]
    blobs = {i["id"]: blob_path(bureau, i["files"][0]["stored_sha256"]) for i in gone}
    assert all(p.is_file() for p in blobs.values())
    assert catalog_rows(bureau, "SELECT 1 FROM item_keys WHERE item_id = ?", [secret["id"]])
    bureau.ok("watch", "--once", "--settle", "0")
    words = "PUBLICWORD OR SECRETWORD OR SHAREDWORD"
    assert found_by(bureau, words) == {public["id"], secret["id"], old["id"], live["id"]}

    proposed = propose(bureau)
    assert codes_of(proposed["items"]) == codes_of(gone)
    approve(bureau, proposed["id"])
    done = bureau.json("retention", "execute", proposed["id"])
    assert done["status"] == "executed" and done["disposed_now"] == 3
    assert done["approved_by"] == "li" and done["proposed_by"] == "tester"

    now = by_id(bureau)
    for item in gone:
        tomb = now[item["id"]]
        assert tomb["status"] == "disposed", item["title"]
        assert tomb["files"] == [] and tomb["disposal_list"] == proposed["id"]
        assert tomb["disposed_at"]
        for key in ("archive_code", "doc_no", "category", "date", "due", "classification"):
            assert tomb[key] == item[key], (item["title"], key)
        assert not blobs[item["id"]].exists() or item is old
    assert now[public["id"]]["title"] == "Public letter"
    refused = bureau.fails(2, "get", public["archive_code"], "--out", tmp_path / "out.docx")
    assert "disposed" in one_line_error(refused) and not (tmp_path / "out.docx").exists()
    assert now[secret["id"]]["title"] == "[classified]"
    assert catalog_rows(bureau, "SELECT 1 FROM item_keys WHERE item_id = ?", [secret["id"]]) == []
    assert blobs[old["id"]].is_file()  # the live notice still holds it
    assert now[live["id"]]["status"] == "filed"
    bureau.ok("get", live["id"], "--out", tmp_path / "live.docx")
    assert (tmp_path / "live.docx").read_bytes() == shared.read_bytes()

    shown = bureau.ok("show", secret["archive_code"]).out
    for part in (secret["archive_code"], secret["doc_no"], "WS-GEN-12", "2000-05-05"):
        assert part in shown
    assert "disposed" in shown and proposed["id"] in shown and "SECRETTITLE" not in shown

    assert found_by(bureau, words) == {live["id"]}
    assert bureau.json("audit", "verify")["ok"] is True

    rules = bureau.json("retention", "rules")
    (register_rule,) = matching(rules, "disposal-register", "destruction-register", "BGS")
    register = bureau.json("show", done["register_item"])
    assert register["template"] == "destruction-register"
    assert register["kind"] == "disposal-register" and register["status"] == "filed"
    assert register["category"] == register_rule["code"]
    assert register["retention"] == register_rule["retention"] == "Y" and register["due"] is None
    text = docx_text(fetch(bureau, register["id"], tmp_path, "docx"))
    for item in gone:
        assert item["archive_code"] in text and item["doc_no"] in text
    assert "Public letter" in text and "Old notice" in text and "[classified]" in text
    assert "SECRETTITLE" not in text and "Live notice" not in text


def test_a_chinese_destruction_register_speaks_chinese_dates_and_wording(
    bureau: Bureau, tmp_path: Path
):
    """In a Chinese home the register shows 2026年3月1日-style dates (not ISO timestamps)
    and says in Chinese that an encrypted item's title went with its key."""
    config = bureau.root / "config.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump(data | {"language": "zh"}, allow_unicode=True), "utf-8")
    seed(bureau, tmp_path / "docs", letter("密件 SECRETTITLE", 2000, classification="secret"))
    add_admin(bureau)
    proposed = propose(bureau)
    approve(bureau, proposed["id"])
    done = bureau.json("retention", "execute", proposed["id"])
    text = docx_text(fetch(bureau, done["register_item"], tmp_path, "docx"))
    assert "（涉密文件，题名随密钥销毁）" in text and "[classified]" not in text
    assert "SECRETTITLE" not in text
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert f"{today.year}年{today.month}月{today.day}日" in text
    assert not [line for line in text.splitlines() if "T" in line and ":" in line]


# -- 9. audit verify and tombstones -------------------------------------------------------------


def test_audit_verify_tells_a_disposed_item_from_a_missing_or_falsely_disposed_one(
    bureau: Bureau, tmp_path: Path
):
    disposed, missing, faked = seed(
        bureau,
        tmp_path / "docs",
        letter("Disposed", 2000),
        letter("Live one", 2026),
        letter("Live two", 2026),
    )
    add_admin(bureau)
    with opened(bureau) as archive:
        list_id = archive.propose_disposal(TODAY).id
    with opened(bureau, "li") as archive:
        archive.approve_disposal(list_id)
    with opened(bureau) as archive:
        execute_in_process(archive, list_id)
    assert by_id(bureau)[disposed["id"]]["status"] == "disposed"
    assert bureau.json("audit", "verify")["ok"] is True

    blob = blob_path(bureau, missing["sha256"])
    content = blob.read_bytes()
    blob.unlink()
    report = bureau.fails(1, "audit", "verify", "--json").json()
    assert report["ok"] is False
    assert {(p["kind"], p["item"]) for p in report["problems"]} == {("missing_file", missing["id"])}
    blob.write_bytes(content)

    # a tombstone made behind the program's back: status and files as a disposal leaves
    # them, but no disposal in the audit trail
    catalog_exec(bureau, "UPDATE items SET status = 'disposed' WHERE id = ?", [faked["id"]])
    catalog_exec(bureau, "DELETE FROM files WHERE item_id = ?", [faked["id"]])
    report = bureau.fails(1, "audit", "verify", "--json").json()
    assert report["ok"] is False
    assert {p["item"] for p in report["problems"]} == {faked["id"]}


# -- 10. an interrupted execution ---------------------------------------------------------------


def read_catalog(bureau: Bureau, sql: str, params: tuple = ()) -> list[tuple]:
    """A read-only look at the catalog while another process writes it."""
    return catalog_sql.rows(bureau.root, sql, *params)


def test_an_interrupted_execution_run_again_disposes_of_every_item_exactly_once(
    bureau: Bureau, tmp_path: Path
):
    count = 60
    filed = seed(bureau, tmp_path / "docs", *(letter(f"Letter {n}", 2000) for n in range(count)))
    add_admin(bureau)
    with opened(bureau) as archive:
        list_id = archive.propose_disposal(TODAY).id
    with opened(bureau, "li") as archive:
        assert len(archive.approve_disposal(list_id).items) == count

    def disposed() -> int:
        sql = "SELECT COUNT(*) FROM audit WHERE action = 'dispose'"
        return read_catalog(bureau, sql)[0][0]

    process = subprocess.Popen(
        bureau.command("retention", "execute", list_id, "--json"),
        cwd=bureau.cwd,
        env=bureau.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def executing() -> bool:
        sql = "SELECT status FROM disposal_lists WHERE id = ?"
        return read_catalog(bureau, sql, (list_id,)) == [("executing",)]

    deadline = time.monotonic() + 120
    try:
        while not executing():  # starting up: let it run
            assert process.poll() is None, "execute finished before it could be interrupted"
            assert time.monotonic() < deadline, "execute never started disposing"
            time.sleep(0.001)
        # it is disposing: from now on it runs in slices of a few milliseconds, stopped
        # while we look, and is killed as soon as some but not all items are done
        os.kill(process.pid, signal.SIGSTOP)
        while disposed() == 0:
            assert time.monotonic() < deadline, "execute never disposed of an item"
            os.kill(process.pid, signal.SIGCONT)
            time.sleep(0.002)
            os.kill(process.pid, signal.SIGSTOP)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    seen = disposed()
    assert 0 < seen < count, f"{seen} of {count} disposed: not interrupted in the middle"
    assert read_catalog(bureau, "SELECT status FROM disposal_lists WHERE id = ?", (list_id,)) == [
        ("executing",)
    ]

    again = bureau.json("retention", "execute", list_id)
    assert again["status"] == "executed" and again["disposed_now"] == count - seen
    assert dispose_entries(bureau) == {i["id"]: 1 for i in filed}
    now = by_id(bureau)
    assert all(now[i["id"]]["status"] == "disposed" for i in filed)
    assert not any(blob_path(bureau, i["sha256"]).exists() for i in filed)
    registers = [i for i in now.values() if i["kind"] == "disposal-register"]
    assert [r["id"] for r in registers] == [again["register_item"]]
    assert bureau.json("audit", "verify")["ok"] is True

    before = catalog_rows(bureau, "SELECT seq, action, item_id FROM audit ORDER BY seq")
    items_before = catalog_rows(bureau, "SELECT * FROM items ORDER BY id")
    third = bureau.json("retention", "execute", list_id)
    assert third["status"] == "executed" and third["disposed_now"] == 0
    assert third["register_item"] == again["register_item"]
    assert catalog_rows(bureau, "SELECT seq, action, item_id FROM audit ORDER BY seq") == before
    assert catalog_rows(bureau, "SELECT * FROM items ORDER BY id") == items_before


# -- 11. crypto-shredding through backups -------------------------------------------------------


def tar_member(path: Path, name: str) -> bytes | None:
    with tarfile.open(path) as tar:
        try:
            member = tar.getmember(name)
        except KeyError:
            return None
        return tar.extractfile(member).read()


def test_a_disposal_shreds_keys_and_files_in_every_backup_and_restores_give_tombstones(
    bureau: Bureau, tmp_path: Path
):
    docs = tmp_path / "docs"
    live_doc = a_docx(docs, "live", "The live notice of this year.")
    secret, public, live = seed(
        bureau,
        docs,
        letter("Secret letter", 2000, classification="secret"),
        letter("Public letter", 2001),
        {"kind": "notice", "title": "Live notice", "date": "2026-03-01", "path": live_doc},
    )
    add_admin(bureau)
    folder, tar = tmp_path / "backups", tmp_path / "backup.tar"
    snapshot = bureau.json("backup", folder)["snapshot"]
    bureau.json("backup", tar, "--tar")
    keys_file = folder / "snapshots" / snapshot / "keys.json"
    assert secret["id"] in json.loads(keys_file.read_text())["items"]
    public_blob = folder / "store" / public["sha256"][:2] / public["sha256"][2:4] / public["sha256"]
    assert public_blob.is_file()
    tar_public = f"store/{public['sha256'][:2]}/{public['sha256'][2:4]}/{public['sha256']}"
    assert tar_member(tar, tar_public) is not None

    proposed = propose(bureau)
    assert codes_of(proposed["items"]) == codes_of([secret, public])
    approve(bureau, proposed["id"])
    done = bureau.json("retention", "execute", proposed["id"])
    assert done["backups_unreachable"] == []
    shredded = {Path(r["path"]): r for r in done["backups_shredded"]}
    assert set(shredded) == {folder, tar}
    for report in shredded.values():
        assert set(report["items"]) == {secret["id"], public["id"]}
        assert report["keys"] == 1 and report["snapshots"] == 1

    keys = json.loads(keys_file.read_text())
    assert secret["id"] not in keys["items"] and keys["items"] == {}
    assert set(keys["shredded"]) == {secret["id"], public["id"]}
    assert not public_blob.exists()
    tar_keys = json.loads(tar_member(tar, "keys.json"))
    assert tar_keys["items"] == {} and set(tar_keys["shredded"]) == {secret["id"], public["id"]}
    assert tar_member(tar, tar_public) is None
    for backup in (folder, tar):
        assert bureau.json("backup", "verify", backup)["ok"] is True

    home_now = by_id(bureau)
    tombstones = []
    for n, backup in enumerate((folder, tar)):
        restored = Bureau(tmp_path / f"restored-{n}", tmp_path)
        report = restored.json("restore", backup)
        assert report["shredded"] == 2 and report["verify"]["ok"] is True
        now = by_id(restored)
        assert now[secret["id"]]["status"] == "disposed"
        assert now[secret["id"]]["title"] == "[classified]"
        assert now[public["id"]]["status"] == "disposed"
        assert now[public["id"]]["title"] == "Public letter"
        assert now[live["id"]]["status"] == "filed"
        assert catalog_rows(restored, "SELECT item_id FROM item_keys") == []
        tomb = (secret, public)[n]  # get refuses a tombstone (one of them in each home)
        refused = restored.fails(2, "get", tomb["id"], "--out", tmp_path / f"r{n}.docx")
        assert "disposed" in one_line_error(refused)
        out = tmp_path / f"live-{n}.docx"
        restored.ok("get", live["id"], "--out", out)
        assert out.read_bytes() == live_doc.read_bytes()
        assert restored.json("audit", "verify")["ok"] is True
        tombstones += [now[secret["id"]], now[public["id"]]]
    # Last, as it fails today: a restored tombstone is what the home's tombstone is, the list
    # that disposed of it and when (README: the catalog keeps "the list (who proposed and
    # approved it, when)"); it gets no list and the time of the restore instead.
    for tomb in tombstones:
        original = home_now[tomb["id"]]
        assert tomb["disposal_list"] == original["disposal_list"] == proposed["id"]
        when = datetime.fromisoformat(tomb["disposed_at"])
        assert when == datetime.fromisoformat(original["disposed_at"])


def test_a_restored_home_keeps_its_own_retention_schedule(bureau: Bureau, tmp_path: Path):
    """A home's own `retention_rules/` replaces the built-in schedule; restoring its backup
    must not quietly bring back the built-in periods (letters D10 instead of D30 here, which
    would make them due twenty years early)."""
    home_schedule(bureau, set_retention("WS-GEN-12", "D30"))
    (kept,) = seed(bureau, tmp_path / "docs", letter("Letter kept 30 years", 2000))
    assert kept["due"] == "2031-01-01"
    bureau.json("backup", tmp_path / "backups")
    restored = Bureau(tmp_path / "restored", tmp_path)
    restored.json("restore", tmp_path / "backups")
    assert restored.json("retention", "due", "--as-of", "2025-01-01") == []
    check = restored.json("retention", "check")
    assert check["moved"] == []
    assert check["files"] == [str(restored.root / "retention_rules" / "schedule.yaml")]


# -- 12. transfer ------------------------------------------------------------------------------


def test_items_due_for_transfer_are_exported_as_a_valid_bag_and_marked_transferred(
    bureau: Bureau, tmp_path: Path
):
    home_schedule(bureau, set_retention("WS-GEN-18", "D10"))  # decisions: D10, then transfer
    docs = tmp_path / "docs"
    main, annex = a_docx(docs, "decision", "The decision."), a_docx(docs, "annex", "Its annex.")
    second = a_docx(docs, "second", "A second decision.")
    with opened(bureau) as archive:
        one = archive.file(
            FilingRequest(
                documents=[Source(main)],
                attachments=[Source(annex)],
                kind="decision",
                dept="BGS",
                title="Decision with annex",
                date="2001-05-05",
            )
        ).item.to_json()
    two, secret, young = seed(
        bureau,
        docs,
        {"kind": "resolution", "title": "Resolution", "date": "2002-05-05", "path": second},
        {
            "kind": "decision",
            "title": "Secret decision",
            "date": "2001-05-05",
            "classification": "secret",
        },
        {"kind": "decision", "title": "Young decision", "date": "2026-05-05"},
    )
    assert (one["category"], one["due"]) == ("WS-GEN-18", "2012-01-01")
    assert two["category"] == "WS-GEN-18"

    existing = tmp_path / "existing"
    existing.mkdir()
    refused = bureau.fails(2, "retention", "transfer", "--as-of", TODAY, existing)
    one_line_error(refused)
    assert list(existing.iterdir()) == []
    assert {i["status"] for i in bureau.json("list")} == {"filed"}

    dest = tmp_path / "bag"
    report = bureau.json("retention", "transfer", "--as-of", TODAY, dest)
    assert codes_of(report["items"]) == codes_of([one, two])
    assert [s["archive_code"] for s in report["skipped"]] == [secret["archive_code"]]

    bag = bagit.Bag(str(dest))
    bag.validate()
    assert "sha256" in bag.algorithms
    folders = {Path(p).parts[1] for p in bag.payload_files()}
    assert len(folders) == 2
    by_item = {}
    for name in folders:
        metadata = json.loads((dest / "data" / name / "metadata.json").read_text(encoding="utf-8"))
        by_item[metadata["id"]] = (dest / "data" / name, metadata)
    assert set(by_item) == {one["id"], two["id"]}
    originals = {one["id"]: [main, annex], two["id"]: [second]}
    for item in (one, two):
        folder, metadata = by_item[item["id"]]
        assert metadata["archive_code"] == item["archive_code"]
        assert metadata["category"] == "WS-GEN-18"
        assert (folder / "audit.json").is_file()
        trail = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
        assert any(e["action"] == "file" and e["item_id"] == item["id"] for e in trail)
        documents = [p for p in sorted(folder.iterdir()) if not p.name.endswith(".json")]
        expected = originals[item["id"]]
        assert [p.read_bytes() for p in documents] == [p.read_bytes() for p in expected]

    now = by_id(bureau)
    assert now[one["id"]]["status"] == now[two["id"]]["status"] == "transferred"
    assert now[secret["id"]]["status"] == "filed" and now[young["id"]]["status"] == "filed"
    due = {d["id"] for d in bureau.json("retention", "due")}
    assert secret["id"] in due and one["id"] not in due
