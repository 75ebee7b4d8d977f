"""Confidential classes: users, roles and clearance; encryption at rest; the master key.

Items of encrypted levels (confidential and above) leave no readable trace on disk, a user
sees only what their role and clearance allow (anything else is answered as if it did not
exist), every read of a classified item is in the audit trail, tampering is caught, and the
master key can be rotated, re-protected and survives an interrupted rotation.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from archive import catalog, home
from archive.service import Archive
from tests import catalog_sql
from tests.conftest import Bureau, Result
from tests.factories import make_docx, make_pdf

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
META = ["--retention", "D30", "--date", "2026-03-04"]
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")
NO_SUCH_CODE = "J042-WS·2026-D30-BGS-0999"


# -- helpers ---------------------------------------------------------------------------------


def file_item(
    bureau: Bureau,
    path: Path,
    level: str,
    dept: str = "BGS",
    kind: str = "notice",
    user: str | None = None,
) -> dict:
    """File `path` at `level` (as `user`, default the administrator) and return the item."""
    who = ("--user", user) if user else ()
    return bureau.json(
        *who, "file", path, "--kind", kind, "--dept", dept, *META, "--classification", level
    )


def docx_at(folder: Path, name: str, text: str, title: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return make_docx(folder / name, text=text, title=title)


def add_user(bureau: Bureau, name: str, role: str, clearance: str, dept: str | None = None):
    extra = ("--dept", dept) if dept else ()
    return bureau.json("users", "add", name, "--role", role, "--clearance", clearance, *extra)


def shape(result: Result, ref: str) -> tuple[int, str]:
    """A failure with the reference it names taken out, to compare two answers' shapes."""
    return result.code, result.err.replace(ref, "<REF>")


def fill(command: tuple, ref: str) -> list:
    """`command` with `ref` where it says "{}"."""
    return [ref if part == "{}" else part for part in command]


def catalog_rows(bureau: Bureau, sql: str, params: Iterable = ()) -> list[tuple]:
    return catalog_sql.rows(bureau.root, sql, *params)


def catalog_exec(bureau: Bureau, sql: str, params: Iterable = ()) -> None:
    catalog_sql.execute(bureau.root, sql, *params)


def blob_path(bureau: Bureau, sha: str) -> Path:
    return bureau.root / "store" / sha[:2] / sha[2:4] / sha


def audit_log(bureau: Bureau, *args: str) -> list[dict]:
    return bureau.json("audit", "log", *args)


def needles(phrases: Iterable[str], originals: Iterable[Path] = ()) -> dict[str, bytes]:
    """What plaintext would look like on disk: each phrase (and its lower case, as an index
    keeps it) in UTF-8 and UTF-16 either way; each Chinese phrase's bigrams (the index's
    terms) in UTF-8; each original file whole; and, for a DOCX, whose words are compressed,
    the compressed bytes of the parts holding its text and title (its other parts are the
    same in every DOCX)."""
    found: dict[str, bytes] = {}
    for phrase in phrases:
        for variant in {phrase, phrase.lower()}:
            for enc in ENCODINGS:
                found[f"{variant!r} in {enc}"] = variant.encode(enc)
        if all("\u4e00" <= ch <= "\u9fff" for ch in phrase):
            for i in range(len(phrase) - 1):
                found[f"bigram {phrase[i : i + 2]!r} in utf-8"] = phrase[i : i + 2].encode()
    for path in originals:
        data = path.read_bytes()
        found[f"all of {path.name}"] = data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as package:
                for part in ("word/document.xml", "docProps/core.xml"):
                    info = package.getinfo(part)
                    header = data[info.header_offset : info.header_offset + 30]
                    start = info.header_offset + 30 + sum(struct.unpack("<HH", header[26:30]))
                    found[f"{part} of {path.name}"] = data[start : start + info.compress_size]
    return found


def leaks(roots: Iterable[Path], wanted: dict[str, bytes]) -> list[str]:
    """Every (file, needle) where a needle is found in a file under `roots`."""
    found = []
    for root in roots:
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.is_symlink() or not path.is_file():
                continue
            try:
                if path.stat().st_size > 64 << 20:
                    continue
                data = path.read_bytes()
            except (FileNotFoundError, PermissionError):
                continue  # another process's file, gone or not ours
            found += [f"{path}: {label}" for label, needle in wanted.items() if needle in data]
    return found


def holding_the_catalog_open(bureau: Bureau) -> sqlite3.Connection:
    """An idle connection, as a running watcher keeps: the WAL is not removed on close."""
    conn = sqlite3.connect(bureau.root / "catalog.sqlite", isolation_level=None)
    conn.execute("SELECT COUNT(*) FROM items").fetchone()
    return conn


# -- 1. no plaintext anywhere ------------------------------------------------------------------

EN = "CANARYWORD9731"
ZH = "金丝雀密语"


def test_nothing_readable_of_classified_items_is_left_on_disk_after_every_command(
    bureau: Bureau, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    spool = tmp_path / "spool"  # the subprocesses' temporary directory
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    system_tmp = Path(tempfile.gettempdir())
    before = set(os.listdir(system_tmp))
    held = holding_the_catalog_open(bureau)
    originals = tmp_path / "originals"
    secret_doc = docx_at(
        originals,
        f"{EN}-{ZH}-plan.docx",
        text=f"The {EN} budget: {ZH} is the plan for next year.",
        title=f"Plan {EN} {ZH}",
    )
    conf_pdf = make_pdf(
        originals / f"{ZH}-{EN}-report.pdf",
        text=f"The {EN} report body on school safety.",
        info={"Title": f"Report {ZH} {EN}"},
    )
    secret = file_item(bureau, secret_doc, "secret")
    conf = file_item(bureau, conf_pdf, "confidential", "JCK", "report")
    assert secret["encrypted"] and conf["encrypted"]
    titles = {secret["id"]: f"Plan {EN} {ZH}", conf["id"]: f"Report {ZH} {EN}"}

    bureau.ok("watch", "--once", "--settle", "0")
    for word in (EN, ZH):
        found = bureau.json("search", word)
        assert found["total"] == 2, (word, found)
        assert {h["id"]: h["title"] for h in found["hits"]} == titles
        snippets = {h["id"]: h["snippet"] for h in found["hits"]}
        assert f"**{word}**" in snippets[secret["id"]], snippets
        assert EN in snippets[conf["id"]], snippets  # its text has no Chinese

    for item, original in ((secret, secret_doc), (conf, conf_pdf)):
        shown = bureau.json("show", item["id"])
        assert shown["title"] == titles[item["id"]]
        assert shown["files"][0]["name"] == original.name
        out = tmp_path / "retrieved"  # outside the home and the temporary directory
        out.mkdir()
        bureau.ok("get", item["archive_code"], "--out", out)
        assert (out / original.name).read_bytes() == original.read_bytes()
        shutil.rmtree(out)

    assert bureau.json("keys", "rotate")["rewrapped"] == 2
    assert bureau.json("index", "rebuild")["indexed"] == 2
    bureau.ok("classify", secret["id"], "top-secret")
    bureau.ok("classify", secret["id"], "secret")
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("search", ZH)["total"] == 2
    assert {i["id"]: i["title"] for i in bureau.json("list")} == titles
    bureau.ok("audit", "verify")
    bureau.ok("audit", "log")

    wanted = needles([EN, ZH, secret_doc.name, conf_pdf.name], [secret_doc, conf_pdf])
    home_files = {p.relative_to(bureau.root).parts[0] for p in bureau.root.rglob("*")}
    assert {"catalog.sqlite", "catalog.sqlite-wal", "index", "store", "logs"} <= home_files
    assert bureau.json("index", "status")["documents"] == 2, "the index was built"
    new_tmp = [
        system_tmp / name
        for name in set(os.listdir(system_tmp)) - before
        if not name.startswith("pytest-of-")
    ]
    assert leaks([bureau.root, spool, *new_tmp], wanted) == []
    held.close()


# -- 2. roles ------------------------------------------------------------------------------------


def refused(bureau: Bureau, user: str, *command: object) -> Result:
    """`command` as `user`, refused for their role: exit 2, saying so."""
    result = bureau.fails(2, "--user", user, *command)
    assert "may not" in result.err and user in result.err, (command, result.err)
    return result


def test_a_secretary_works_in_her_own_department_and_sees_nothing_of_others(
    bureau: Bureau, tmp_path: Path
):
    add_user(bureau, "sue", "secretary", "confidential", "BGS")
    notice = docx_at(tmp_path, "own.docx", "Spring term notice", "Own")
    own = file_item(bureau, notice, "internal", user="sue")
    plan = docx_at(tmp_path, "plan.docx", "Spring term plan", "Own plan")
    own_plan = file_item(bureau, plan, "confidential", user="sue")
    budget = docx_at(tmp_path, "jck.docx", "Spring term budget", "Other")
    other = file_item(bureau, budget, "internal", "JCK")
    elsewhere = docx_at(tmp_path, "x.docx", "Spring term x", "X")
    refused(bureau, "sue", "file", elsewhere, "--kind", "notice", "--dept", "JCK", *META)
    bureau.ok("watch", "--once", "--settle", "0")

    mine = {own["id"], own_plan["id"]}
    assert {i["id"] for i in bureau.json("--user", "sue", "list")} == mine
    found = bureau.json("--user", "sue", "search", "spring")
    assert found["total"] == 2 and {h["id"] for h in found["hits"]} == mine
    assert bureau.json("--user", "sue", "show", own_plan["archive_code"])["title"] == "Own plan"
    bureau.ok("--user", "sue", "get", own["id"], "--out", tmp_path / "own-copy.docx")

    code = other["archive_code"]
    for command in (("show", "{}"), ("get", "{}", "--out", tmp_path)):
        hidden = bureau.fails(2, "--user", "sue", *fill(command, code))
        missing = bureau.fails(2, "--user", "sue", *fill(command, NO_SUCH_CODE))
        assert shape(hidden, code) == shape(missing, NO_SUCH_CODE), command

    refused(bureau, "sue", "users", "add", "eve", "--role", "admin", "--clearance", "secret")
    refused(bureau, "sue", "keys", "rotate")
    refused(bureau, "sue", "index", "rebuild")
    refused(bureau, "sue", "watch", "--once", "--settle", "0")
    refused(bureau, "sue", "classify", own["id"], "confidential")


def test_an_archivist_files_for_any_department_and_runs_the_index_but_not_users_or_keys(
    bureau: Bureau, tmp_path: Path
):
    add_user(bureau, "archie", "archivist", "secret")
    jck = file_item(bureau, docx_at(tmp_path, "j.docx", "Term report", "J"), "internal", "JCK")
    jxx = file_item(bureau, docx_at(tmp_path, "x.docx", "Term report", "X"), "secret", "JXX")
    ids = {jck["id"], jxx["id"]}
    bureau.ok("--user", "archie", "watch", "--once", "--settle", "0")
    bureau.ok("--user", "archie", "index", "rebuild")
    assert {i["id"] for i in bureau.json("--user", "archie", "list")} == ids
    found = bureau.json("--user", "archie", "search", "term", "report")
    assert found["total"] == 2 and {h["id"] for h in found["hits"]} == ids
    change = bureau.json("--user", "archie", "classify", jck["id"], "confidential")
    assert (change["from"], change["to"]) == ("internal", "confidential")
    over = bureau.fails(2, "--user", "archie", "classify", jck["id"], "top-secret")
    assert "not cleared" in over.err
    refused(bureau, "archie", "users", "add", "eve", "--role", "admin", "--clearance", "secret")
    refused(bureau, "archie", "keys", "rotate")
    refused(bureau, "archie", "declassify", "--due")


def test_an_auditor_checks_and_reads_metadata_and_gets_only_what_her_clearance_allows(
    bureau: Bureau, tmp_path: Path
):
    add_user(bureau, "audrey", "auditor", "internal")
    internal = file_item(bureau, docx_at(tmp_path, "i.docx", "Canteen audit", "I"), "internal")
    conf_doc = docx_at(tmp_path, "c.docx", "Canteen audit", "C")
    conf = file_item(bureau, conf_doc, "confidential", "JCK")
    bureau.ok("watch", "--once", "--settle", "0")
    bureau.ok("--user", "audrey", "audit", "verify")
    assert bureau.json("--user", "audrey", "audit", "log")
    assert [i["id"] for i in bureau.json("--user", "audrey", "list")] == [internal["id"]]
    assert bureau.json("--user", "audrey", "search", "canteen")["total"] == 1
    code = conf["archive_code"]
    hidden = bureau.fails(2, "--user", "audrey", "get", code, "--out", tmp_path)
    missing = bureau.fails(2, "--user", "audrey", "get", NO_SUCH_CODE, "--out", tmp_path)
    assert shape(hidden, code) == shape(missing, NO_SUCH_CODE)
    refused(bureau, "audrey", "file", conf_doc, "--kind", "notice", "--dept", "BGS", *META)
    refused(bureau, "audrey", "classify", internal["id"], "public")

    bureau.ok("users", "set-clearance", "audrey", "confidential")
    out = tmp_path / "c-copy.docx"
    bureau.ok("--user", "audrey", "get", code, "--out", out)
    assert out.read_bytes() == conf_doc.read_bytes()


def test_an_administrator_may_do_everything(bureau: Bureau, tmp_path: Path):
    add_user(bureau, "sam", "archivist", "internal")
    item = file_item(bureau, docx_at(tmp_path, "a.docx", "Admin text", "Admin"), "secret", "RSK")
    bureau.ok("watch", "--once", "--settle", "0")
    bureau.ok("index", "rebuild")
    assert {u["name"] for u in bureau.json("users", "list")} == {"tester", "sam"}
    bureau.ok("users", "set-role", "sam", "secretary", "--dept", "RSK")
    assert bureau.json("keys", "rotate")["rewrapped"] == 1
    bureau.ok("classify", item["id"], "top-secret")
    assert bureau.json("declassify", "--due") == []
    bureau.ok("audit", "verify")
    assert bureau.json("search", "admin")["total"] == 1
    last_admin = bureau.fails(2, "users", "set-role", "tester", "archivist")
    assert "no enabled administrator" in last_admin.err


def test_a_secretary_cannot_supersede_an_item_she_may_not_see(bureau: Bureau, tmp_path: Path):
    add_user(bureau, "sue", "secretary", "internal", "BGS")
    other = file_item(bureau, docx_at(tmp_path, "j.docx", "JCK budget", "J"), "internal", "JCK")
    code = other["archive_code"]

    def correct(ref: str, name: str) -> Result:
        doc = docx_at(tmp_path, name, f"Correction {name}", "Correction")
        return bureau(
            "--user",
            "sue",
            "file",
            doc,
            "--kind",
            "notice",
            "--dept",
            "BGS",
            *META,
            "--supersedes",
            ref,
        )

    hidden, missing = correct(code, "a.docx"), correct(NO_SUCH_CODE, "b.docx")
    assert shape(hidden, code) == shape(missing, NO_SUCH_CODE), (hidden, missing)
    assert bureau.json("show", other["id"])["status"] == "filed"


# -- 3. clearance ------------------------------------------------------------------------------


def generate(bureau: Bureau, tmp_path: Path, level: str) -> dict:
    data = yaml.safe_load((TEMPLATES / "notice" / "sample.yaml").read_text(encoding="utf-8"))
    data["title"] = f"Notice on the {level} matters of the spring term"
    path = tmp_path / f"{level}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return bureau.json(
        "generate", "notice", "--data", path, "--dept", "BGS", "--classification", level
    )


def test_a_user_cleared_for_internal_finds_counts_and_reads_only_internal_items(
    bureau: Bureau, tmp_path: Path
):
    levels = ("internal", "confidential", "secret")
    made = {level: generate(bureau, tmp_path, level) for level in levels}
    hidden = {made["confidential"]["id"], made["secret"]["id"]}
    bureau.ok("watch", "--once", "--settle", "0")
    add_user(bureau, "ivy", "auditor", "internal")
    assert [i["id"] for i in bureau.json("--user", "ivy", "list")] == [made["internal"]["id"]]
    assert bureau.json("search", "inspections")["total"] == 3
    found = bureau.json("--user", "ivy", "search", "inspections")
    assert found["total"] == 1 and [h["id"] for h in found["hits"]] == [made["internal"]["id"]]
    by_number = bureau.json("--user", "ivy", "search", made["secret"]["doc_no"])
    assert by_number["total"] == 0 and by_number["hits"] == []

    assert len(bureau.json("numbers")) == 3
    numbers = bureau.json("--user", "ivy", "numbers")
    assert [n["doc_no"] for n in numbers] == [made["internal"]["doc_no"]]

    assert hidden <= {e["item_id"] for e in audit_log(bureau)}
    assert not hidden & {e["item_id"] for e in bureau.json("--user", "ivy", "audit", "log")}

    secret = made["secret"]
    for ref, missing_ref, command in (
        (secret["archive_code"], NO_SUCH_CODE, ("show", "{}")),
        (secret["archive_code"], NO_SUCH_CODE, ("get", "{}", "--out", tmp_path)),
        (secret["archive_code"], NO_SUCH_CODE, ("audit", "log", "--item", "{}")),
        (secret["doc_no"], secret["doc_no"].replace("〕", "〕9"), ("show", "{}")),
    ):
        answer = bureau.fails(2, "--user", "ivy", *fill(command, ref))
        nothing = bureau.fails(2, "--user", "ivy", *fill(command, missing_ref))
        assert shape(answer, ref) == shape(nothing, missing_ref), (command, ref)


def test_index_status_counts_only_the_items_the_user_may_see(bureau: Bureau, tmp_path: Path):
    file_item(bureau, docx_at(tmp_path, "i.docx", "Status words", "I"), "internal")
    file_item(bureau, docx_at(tmp_path, "s.docx", "Status secret", "S"), "secret")
    bureau.ok("watch", "--once", "--settle", "0")
    add_user(bureau, "ivan", "archivist", "internal")
    result = bureau("--user", "ivan", "index", "status", "--json")
    if result.code == 2:  # refused outright is as good as counted within clearance
        assert "may not" in result.err or "not cleared" in result.err
    else:
        report = result.json()
        assert (report["items"], report["indexed"]) == (1, 1), report


def test_a_document_number_shared_with_a_hidden_item_finds_only_the_visible_one(
    bureau: Bureau, tmp_path: Path
):
    number = "CEB-BGS [2026] No. 77"

    def filed(name: str, level: str) -> dict:
        doc = docx_at(tmp_path, name, f"Shared number {name}", name)
        return bureau.json(
            "file",
            doc,
            "--kind",
            "notice",
            "--dept",
            "BGS",
            *META,
            "--classification",
            level,
            "--doc-no",
            number,
        )

    filed("secret.docx", "secret")
    internal = filed("internal.docx", "internal")
    add_user(bureau, "ivy", "auditor", "internal")
    result = bureau("--user", "ivy", "show", number, "--json")
    assert result.code == 0, result.err  # not "several items (…the hidden one's code…)"
    assert result.json()["id"] == internal["id"]


# -- 4. reads are recorded ----------------------------------------------------------------------


def test_every_read_of_a_classified_item_is_in_the_audit_trail_with_the_reader(
    bureau: Bureau, tmp_path: Path
):
    secret = file_item(bureau, docx_at(tmp_path, "s.docx", "Exam papers", "Exam"), "secret")
    internal = file_item(
        bureau, docx_at(tmp_path, "i.docx", "Exam timetable", "Timetable"), "internal"
    )
    bureau.ok("watch", "--once", "--settle", "0")
    add_user(bureau, "rita", "archivist", "secret")
    bureau.ok("--user", "rita", "show", secret["archive_code"])
    bureau.ok("--user", "rita", "get", secret["id"], "--out", tmp_path / "copy.docx")
    assert bureau.json("--user", "rita", "search", "exam")["total"] == 2
    bureau.ok("--user", "rita", "list")

    trail = audit_log(bureau, "--item", secret["id"])
    reads = [e for e in trail if e["actor"] == "rita" and e["action"] == "read"]
    assert {e["detail"]["via"] for e in reads} >= {"show", "search", "list"}
    assert [e["action"] for e in trail if e["actor"] == "rita"].count("retrieve") == 1
    untouched = audit_log(bureau, "--item", internal["id"])
    assert not [e for e in untouched if e["actor"] == "rita" and e["action"] == "read"]


# -- 5. tampering --------------------------------------------------------------------------------


@pytest.fixture
def secret_item(bureau: Bureau, tmp_path: Path) -> dict:
    return file_item(bureau, docx_at(tmp_path, "a.docx", "First secret", "A"), "secret")


def test_a_changed_byte_in_an_encrypted_file_fails_get_and_audit_verify(
    bureau: Bureau, secret_item: dict, tmp_path: Path
):
    a = secret_item
    blob = blob_path(bureau, a["files"][0]["stored_sha256"])
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    out = tmp_path / "out.docx"
    result = bureau.fails(1, "get", a["id"], "--out", out)
    assert "corrupted" in result.err and not out.exists()
    assert a["archive_code"] in bureau.fails(1, "audit", "verify").out


def test_a_changed_wrapped_data_key_fails_get(bureau: Bureau, secret_item: dict, tmp_path: Path):
    a = secret_item
    [(wrapped,)] = catalog_rows(
        bureau, "SELECT wrapped FROM item_keys WHERE item_id = ?", [a["id"]]
    )
    changed = bytearray(wrapped)
    changed[-1] ^= 0x01
    catalog_exec(
        bureau, "UPDATE item_keys SET wrapped = ? WHERE item_id = ?", [bytes(changed), a["id"]]
    )
    out = tmp_path / "out.docx"
    result = bureau.fails(1, "get", a["id"], "--out", out)
    assert "tampered" in result.err and a["id"] in result.err and not out.exists()


def test_a_ciphertext_moved_to_another_item_is_refused(
    bureau: Bureau, secret_item: dict, tmp_path: Path
):
    """Caught twice over: the files rows no longer match the audit trail's record of the
    items, and even past that check, a ciphertext bound to one item does not decrypt as
    another's (tests/test_tamper.py covers the first; this is about the refusal)."""
    a = secret_item
    b = file_item(bureau, docx_at(tmp_path, "b.docx", "Second secret text", "B"), "secret")
    sha_a, sha_b = a["files"][0]["stored_sha256"], b["files"][0]["stored_sha256"]
    catalog_exec(
        bureau,
        "UPDATE files SET stored_sha256 = CASE item_id WHEN ? THEN ? ELSE ? END "
        "WHERE item_id IN (?, ?)",
        [a["id"], sha_b, sha_a, a["id"], b["id"]],
    )
    for item in (a, b):
        out = tmp_path / f"{item['id']}.docx"
        result = bureau.fails(1, "get", item["id"], "--out", out)
        assert not out.exists()
        assert "changed outside the program" in result.err or "does not decrypt" in result.err


def test_an_encrypted_item_marked_plain_behind_the_programs_back_is_not_handed_out(
    bureau: Bureau, secret_item: dict, tmp_path: Path
):
    catalog_exec(bureau, "UPDATE items SET encrypted = 0 WHERE id = ?", [secret_item["id"]])
    out = tmp_path / "out.docx"
    result = bureau("get", secret_item["id"], "--out", out)
    assert (result.code, out.exists()) == (1, False), (
        result,
        out.exists() and out.read_bytes()[:16],
    )
    assert bureau("audit", "verify").code == 1


def test_a_wrong_passphrase_is_refused_with_exit_2_and_changes_nothing(
    bureau: Bureau, secret_item: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    a = secret_item
    master = (bureau.root / "keys" / "master.json").read_bytes()
    trail = catalog_rows(bureau, "SELECT seq, hash FROM audit_head")
    keys = catalog_rows(bureau, "SELECT * FROM item_keys ORDER BY item_id")
    monkeypatch.setenv("BUREAU_PASSPHRASE", "wrong")
    out = tmp_path / "out.docx"
    for command in (("get", a["id"], "--out", out), ("keys", "rotate")):
        result = bureau.fails(2, *command)
        assert "passphrase" in result.err, command
    assert not out.exists()
    assert (bureau.root / "keys" / "master.json").read_bytes() == master
    assert catalog_rows(bureau, "SELECT seq, hash FROM audit_head") == trail
    assert catalog_rows(bureau, "SELECT * FROM item_keys ORDER BY item_id") == keys


def test_an_unknown_or_disabled_user_is_refused(bureau: Bureau):
    assert "unknown user" in bureau.fails(2, "--user", "nobody", "list").err
    add_user(bureau, "dora", "archivist", "secret")
    bureau.ok("--user", "dora", "list")
    bureau.ok("users", "disable", "dora")
    for command in (("list",), ("show", NO_SUCH_CODE)):
        assert "disabled" in bureau.fails(2, "--user", "dora", *command).err


# -- 6. rotation interrupted ----------------------------------------------------------------------


class Interrupted(Exception):
    pass


def master_file(bureau: Bureau) -> dict:
    return json.loads((bureau.root / "keys" / "master.json").read_text(encoding="utf-8"))


def test_an_interrupted_rotation_leaves_every_item_readable_and_resumes(
    bureau: Bureau, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    originals = [docx_at(tmp_path, f"r{n}.docx", f"Rotation text {n}", f"R{n}") for n in range(3)]
    filed = [file_item(bureau, path, "confidential") for path in originals]
    passphrase = bureau.env()["BUREAU_PASSPHRASE"].encode()
    with Archive.open(home.DataHome(bureau.root), "tester", lambda: passphrase) as archive:
        archive.user  # noqa: B018 - resolved before the batches are counted
        real_write = catalog.write
        batches = []

        def write_then_fail(conn):
            batches.append(conn)
            if len(batches) == 2:
                raise Interrupted("the power went out")
            return real_write(conn)

        monkeypatch.setattr(catalog, "write", write_then_fail)
        with pytest.raises(Interrupted):
            archive.rotate_master_key(batch=1)
        monkeypatch.setattr(catalog, "write", real_write)

    ring = master_file(bureau)
    assert ring["pending"] == 2 and sorted(ring["masters"]) == ["1", "2"]
    versions = [v for (v,) in catalog_rows(bureau, "SELECT version FROM item_keys")]
    assert sorted(versions) == [1, 1, 2]
    for item, original in zip(filed, originals, strict=True):
        out = tmp_path / f"mid-{original.name}"
        bureau.ok("get", item["id"], "--out", out)
        assert out.read_bytes() == original.read_bytes()

    finished = bureau.json("keys", "rotate")
    assert (finished["from"], finished["to"], finished["rewrapped"]) == (1, 2, 2)
    ring = master_file(bureau)
    assert ring["current"] == 2 and not ring["pending"] and list(ring["masters"]) == ["2"]
    assert {v for (v,) in catalog_rows(bureau, "SELECT version FROM item_keys")} == {2}
    for item, original in zip(filed, originals, strict=True):
        out = tmp_path / f"after-{original.name}"
        bureau.ok("get", item["id"], "--out", out)
        assert out.read_bytes() == original.read_bytes()
    bureau.ok("audit", "verify")


# -- 7. the passphrase ----------------------------------------------------------------------------


def test_after_a_passphrase_change_only_the_new_one_opens_items_and_seals(
    bureau: Bureau, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    pdf = make_pdf(tmp_path / "c.pdf", "Confidential PDF for the seal", {"Title": "Sealed"})
    conf = file_item(bureau, pdf, "confidential")
    old = bureau.env()["BUREAU_PASSPHRASE"]
    monkeypatch.setenv("BUREAU_NEW_PASSPHRASE", "a brand new passphrase")
    assert bureau.json("keys", "change-passphrase") == {"changed": True}
    monkeypatch.delenv("BUREAU_NEW_PASSPHRASE")

    monkeypatch.setenv("BUREAU_PASSPHRASE", old)
    assert "passphrase" in bureau.fails(2, "get", conf["id"], "--out", tmp_path / "x.pdf").err
    assert "passphrase" in bureau.fails(2, "sign", conf["id"], "--dept", "BGS").err.lower()
    assert not (tmp_path / "x.pdf").exists()

    monkeypatch.setenv("BUREAU_PASSPHRASE", "a brand new passphrase")
    bureau.ok("get", conf["id"], "--out", tmp_path / "c-copy.pdf")
    assert (tmp_path / "c-copy.pdf").read_bytes() == pdf.read_bytes()
    version = bureau.json("sign", conf["id"], "--dept", "BGS")
    assert version["sealed"] is True and version["encrypted"] is True
    assert version["supersedes"] == conf["id"]
    bureau.ok("get", version["id"], "--out", tmp_path / "sealed.pdf")
    [report] = bureau.json("verify", tmp_path / "sealed.pdf")
    assert report["indication"] == "TOTAL_PASSED"


# -- 8. declassification ------------------------------------------------------------------------


def test_an_item_due_for_declassification_becomes_internal_readable_and_searchable(
    bureau: Bureau, tmp_path: Path
):
    original = docx_at(
        tmp_path, "d.docx", "The DECLASSWORD4410 enrolment figures for next year.", "Figures"
    )
    item = file_item(bureau, original, "confidential")
    bureau.ok("watch", "--once", "--settle", "0")
    until = date.today() + timedelta(days=400)
    change = bureau.json("classify", item["id"], "secret", "--until", until.isoformat())
    assert change["until"] == until.isoformat()
    assert bureau.json("show", item["id"])["declassify_on"] == until.isoformat()
    before = (until - timedelta(days=1)).isoformat()
    assert bureau.json("declassify", "--due", "--as-of", before) == []

    due = bureau.json("declassify", "--due", "--as-of", (until + timedelta(days=1)).isoformat())
    assert due == [{"id": item["id"], "from": "secret", "to": "internal"}]
    shown = bureau.json("show", item["id"])
    assert shown["classification"] == "internal" and shown["encrypted"] is False
    assert shown["declassify_on"] is None and shown["title"] == "Figures"
    [stored] = shown["files"]
    assert stored["stored_sha256"] == stored["sha256"] and stored["name"] == "d.docx"
    assert blob_path(bureau, stored["sha256"]).read_bytes() == original.read_bytes()
    assert not blob_path(bureau, item["files"][0]["stored_sha256"]).exists()
    assert catalog_rows(bureau, "SELECT * FROM item_keys WHERE item_id = ?", [item["id"]]) == []

    bureau.ok("watch", "--once", "--settle", "0")
    add_user(bureau, "ivy", "auditor", "internal")  # no passphrase-derived key needed
    found = bureau.json("--user", "ivy", "search", "declassword4410")
    assert [h["id"] for h in found["hits"]] == [item["id"]]
    assert "**DECLASSWORD4410**" in found["hits"][0]["snippet"]
    assert found["hits"][0]["title"] == "Figures"
    entries = audit_log(bureau, "--item", item["id"])
    [entry] = [e for e in entries if e["action"] == "declassify"]
    assert (entry["detail"]["from"], entry["detail"]["to"]) == ("secret", "internal")


# -- 9. classifying up ---------------------------------------------------------------------------


def test_classifying_an_item_up_leaves_no_plaintext_of_it_behind(bureau: Bureau, tmp_path: Path):
    word, zh = "PLAINWORD5519", "明文暗号标识"
    original = docx_at(
        tmp_path / "originals",
        f"{word}-{zh}.docx",
        f"The {word} plan: {zh} for the district.",
        f"Plan {word} {zh}",
    )
    held = holding_the_catalog_open(bureau)
    item = file_item(bureau, original, "internal")
    bureau.ok("watch", "--once", "--settle", "0")
    assert bureau.json("search", word)["total"] == 1
    bureau.ok("classify", item["id"], "secret")
    bureau.ok("watch", "--once", "--settle", "0")
    found = bureau.json("search", zh)
    assert [h["id"] for h in found["hits"]] == [item["id"]]
    assert found["hits"][0]["title"] == f"Plan {word} {zh}"
    assert bureau.json("show", item["id"])["encrypted"] is True

    wanted = needles([word, zh, original.name], [original])
    assert leaks([bureau.root], wanted) == []
    held.close()
